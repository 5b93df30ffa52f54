"""course_utils.timeseries: causal building blocks for streaming detection (notebook 09, NAB)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils import datasets, detectors, timeseries

FIVE_MIN = 300


def _clock(n, step=FIVE_MIN, start=1_400_025_600):
    """Seconds of a regular series that starts at midnight UTC (1_400_025_600 % 86_400 == 0)."""
    assert start % 86_400 == 0
    return start + step * np.arange(n)


# --- reference implementations: loops, written for clarity --------------------------------------

def _rolling_loop(x, window, min_std):
    out = np.zeros_like(x)
    for t in range(window, len(x)):
        history = x[t - window:t]
        out[t] = np.abs(x[t] - history.mean(axis=0)) / np.maximum(history.std(axis=0), min_std)
    return out


def _likelihood_loop(s, short, long, min_history, min_std):
    out = np.empty(len(s))
    for t in range(len(s)):
        history = s[max(0, t - long):t]
        if len(history) < min_history:
            q = 0.5
        else:
            z = (s[max(0, t - short + 1):t + 1].mean() - history.mean()) / max(history.std(),
                                                                                min_std)
            q = 0.5 * math.erfc(z / math.sqrt(2))
        out[t] = 1 - q
    return out


def _suppress_loop(x, refractory):
    out = np.zeros_like(x)
    for t in range(len(x)):
        past = x[max(0, t - refractory):t]
        if past.size == 0 or x[t] > past.max():
            out[t] = x[t]
    return out


# --- rolling_zscore -------------------------------------------------------------------------------

def test_rolling_zscore_matches_the_loop_in_1d_and_2d(rng):
    x = rng.normal(size=(120, 3))
    np.testing.assert_allclose(timeseries.rolling_zscore(x, 12), _rolling_loop(x, 12, 0.05))
    one = timeseries.rolling_zscore(x[:, 0], 12)
    assert one.shape == (120,)
    np.testing.assert_allclose(one, _rolling_loop(x[:, :1], 12, 0.05)[:, 0])


def test_rolling_zscore_keeps_the_notebook_semantics(rng):
    """The same numbers as the helper it graduates (benchmarks/time_series_acceptance.py)."""
    x = rng.normal(size=(200, 2))
    history = datasets.make_windows(x, 12)[:-1]
    z = (x[12:] - history.mean(axis=1)) / np.maximum(history.std(axis=1), 0.05)
    expected = np.r_[np.zeros((12, 2)), np.abs(z)]
    np.testing.assert_allclose(timeseries.rolling_zscore(x, 12), expected)


def test_rolling_zscore_floors_the_std_of_a_stuck_sensor():
    x = np.r_[np.ones(20), 2.0]
    z = timeseries.rolling_zscore(x, 10, min_std=0.5)
    assert z[:20].max() == 0 and z[20] == pytest.approx(2.0)


def test_rolling_zscore_with_a_window_as_long_as_the_series_is_zero(rng):
    assert not timeseries.rolling_zscore(rng.normal(size=5), 5).any()


# --- seasonal_zscore ------------------------------------------------------------------------------

def test_seasonal_zscore_flags_a_break_of_the_daily_pattern(rng):
    n = 288 * 10
    t = _clock(n)
    x = np.sin(2 * np.pi * (t % 86_400) / 86_400) + 0.05 * rng.normal(size=n)
    x[288 * 8 + 100] += 1.0             # normal for the series, but not for this time of day
    z = timeseries.seasonal_zscore(x, t, slot_minutes=5)
    assert not z[:288 * 2].any()         # fewer than min_count=2 past days: no score yet
    assert np.argmax(z) == 288 * 8 + 100 and z.max() > 10
    assert np.median(z[288 * 3:]) < 2


def test_seasonal_zscore_uses_the_same_slot_of_previous_days_only():
    t = _clock(288 * 4)
    x = np.zeros(len(t))
    x[288 * 3:] = 5.0                   # day 3: the whole day jumps; earlier rows that day
    z = timeseries.seasonal_zscore(x, t, n_periods=3, min_std=1.0)  # must not soften it
    np.testing.assert_allclose(z[288 * 3:], 5.0)


def test_seasonal_zscore_matches_a_loop(rng):
    t = _clock(288 * 5, step=3600)      # hourly
    x = rng.normal(size=(len(t), 2))
    z = timeseries.seasonal_zscore(x, t, n_periods=2, min_count=2, min_std=0.1)
    day, hour = t // 86_400, (t % 86_400) // 3600
    expected = np.zeros_like(x)
    for i in range(len(t)):
        past = (hour == hour[i]) & (day < day[i]) & (day >= day[i] - 2)
        if past.sum() >= 2:
            h = x[past]
            expected[i] = np.abs(x[i] - h.mean(axis=0)) / np.maximum(h.std(axis=0), 0.1)
    np.testing.assert_allclose(z, expected, atol=1e-9)


def test_seasonal_zscore_weekly_and_wide_slots(rng):
    t = _clock(288 * 22)
    x = rng.normal(size=len(t))
    weekly = timeseries.seasonal_zscore(x, t.astype("datetime64[s]"), "week", n_periods=2,
                                        slot_minutes=60)
    assert not weekly[:288 * 7].any() and weekly[288 * 7:].any()   # a week later: scored


# --- anomaly_likelihood ---------------------------------------------------------------------------

def test_anomaly_likelihood_matches_the_definition(rng):
    s = rng.gamma(2.0, size=400)
    got = timeseries.anomaly_likelihood(s, short=5, long=60, min_history=20, log=False)
    np.testing.assert_allclose(got, _likelihood_loop(s, 5, 60, 20, 1e-3), atol=1e-9)


def test_anomaly_likelihood_log_scale_is_nab_s(rng):
    s = rng.normal(size=300)
    plain = timeseries.anomaly_likelihood(s, short=3, long=100, log=False)
    logged = timeseries.anomaly_likelihood(s, short=3, long=100)
    np.testing.assert_allclose(logged, timeseries.log_tail(1 - plain), atol=1e-6)
    assert logged[0] == pytest.approx(math.log10(0.5) / -10)   # NAB's 0.0301 for "average"


def test_anomaly_likelihood_is_in_unit_interval_and_scale_free(rng):
    s = rng.gamma(2.0, size=1000)
    s[700] = 30.0
    a = timeseries.anomaly_likelihood(s, short=1, long=300)
    b = timeseries.anomaly_likelihood(1000.0 * s, short=1, long=300)
    assert a.min() >= 0 and a.max() <= 1
    np.testing.assert_allclose(a, b, atol=1e-9)     # a file's units do not matter
    assert np.argmax(a) == 700 and a[700] == 1.0


def test_anomaly_likelihood_of_a_constant_score_is_calm():
    out = timeseries.anomaly_likelihood(np.zeros(200), short=5, long=50)
    np.testing.assert_allclose(out, math.log10(0.5) / -10)


def test_log_tail_maps_tail_probabilities_to_unit_interval():
    np.testing.assert_allclose(timeseries.log_tail([1.0, 1e-5, 1e-10, 1e-30, 0.0]),
                               [0.0, 0.5, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        timeseries.log_tail([1.5])


# --- range_breach --------------------------------------------------------------------------------

def test_range_breach_flags_values_outside_the_past_range():
    x = np.array([5.0, 5.0, 6.0, 5.5, 6.04, 6.2, 4.0, 3.0, 3.0])
    # range before t:  -  0    0    1    1     1.04 1.2  2.2  3.2   (margin: 5 % of it)
    np.testing.assert_array_equal(timeseries.range_breach(x, 0.05),
                                  [0, 0, 0, 0, 0, 1, 1, 1, 0])
    both = timeseries.range_breach(np.column_stack([x, -x]), 0.05)
    np.testing.assert_array_equal(both[:, 0], both[:, 1])


def test_range_breach_with_zero_tolerance_flags_every_new_record(rng):
    x = rng.normal(size=200)
    records = [t for t in range(2, 200) if x[t] > x[:t].max() or x[t] < x[:t].min()]
    np.testing.assert_array_equal(np.flatnonzero(timeseries.range_breach(x, 0.0)), records)


# --- suppress_repeats -----------------------------------------------------------------------------

def test_suppress_repeats_keeps_the_first_alarm_of_each_episode():
    alarms = np.array([0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1], dtype=bool)
    kept = timeseries.suppress_repeats(alarms, 3)
    assert kept.dtype == bool
    assert np.flatnonzero(kept).tolist() == [1, 8]    # 10 follows 8 within 3 rows


def test_suppress_repeats_on_scores_keeps_new_highs(rng):
    x = rng.random(300)
    for refractory in (1, 2, 5, 16, 17, 40, 400):
        np.testing.assert_array_equal(timeseries.suppress_repeats(x, refractory),
                                      _suppress_loop(x, refractory))


def test_suppress_repeats_works_with_any_later_threshold():
    """A long episode above any threshold gives one alarm, whatever the threshold."""
    score = np.r_[np.zeros(50), np.linspace(0.9, 0.95, 3), np.full(40, 0.95), np.zeros(50)]
    out = timeseries.suppress_repeats(score, 20)
    for threshold in (0.5, 0.9, 0.95):
        alarms = np.flatnonzero(out >= threshold)
        assert alarms.size <= 3 and alarms.min() >= 50 and alarms.max() <= 52


# --- causal_window_scores -------------------------------------------------------------------------

def test_causal_window_scores_fits_on_the_training_windows_and_fills_the_start(rng):
    x = rng.normal(size=300)
    det = detectors.PCADetector(2)
    scores = timeseries.causal_window_scores(det, x, 8, 100)
    assert scores.shape == (300,)
    assert det.decision_scores_.shape == (100 - 8 + 1,)       # windows ending before row 100
    windows = datasets.make_windows(x, 8)
    np.testing.assert_allclose(scores[7:], det.decision_function(windows))
    np.testing.assert_allclose(scores[:7], det.decision_function(windows[:93]).min())


def test_causal_window_scores_handles_channels(rng):
    x = rng.normal(size=(200, 2))
    scores = timeseries.causal_window_scores(detectors.KNNDetector(3), x, 5, 80, fill=0.0)
    assert scores.shape == (200,) and (scores[:4] == 0).all()


# --- causality: the property every function promises ---------------------------------------------

def _causal_outputs(x, t_seconds):
    """Every function's output on one series, as a list of (name, array, first checked t)."""
    n_train = 150
    return [
        ("rolling_zscore", timeseries.rolling_zscore(x, 20), 0),
        ("seasonal_zscore", timeseries.seasonal_zscore(x, t_seconds, n_periods=2), 0),
        ("seasonal_zscore week", timeseries.seasonal_zscore(x, t_seconds, "week",
                                                            slot_minutes=240), 0),
        ("anomaly_likelihood", timeseries.anomaly_likelihood(x, short=4, long=80), 0),
        ("range_breach", timeseries.range_breach(x), 0),
        ("suppress_repeats", timeseries.suppress_repeats(x, 7), 0),
        ("suppress_repeats alarms", timeseries.suppress_repeats(x > 1, 7), 0),
        ("causal_window_scores", timeseries.causal_window_scores(
            detectors.KNNDetector(3), x, 6, n_train), n_train - 1),
    ]


@pytest.mark.parametrize("seed", range(4))
def test_changing_the_future_never_changes_the_past(seed):
    rng = np.random.default_rng(seed)
    n = 1500
    t_seconds = _clock(n, step=1800)          # half-hourly: a month, several weeks
    x = np.cumsum(rng.normal(size=n)) * 0.1 + rng.standard_t(3, size=n)
    before = _causal_outputs(x, t_seconds)
    for t in sorted(rng.choice(np.arange(149, n - 1), size=5, replace=False)):
        future = x.copy()
        future[t + 1:] = rng.normal(5.0, 3.0, size=n - t - 1)     # a different future
        after = _causal_outputs(future, t_seconds)
        for (name, a, first), (_, b, _) in zip(before, after, strict=True):
            if t >= first:
                np.testing.assert_array_equal(a[:t + 1], b[:t + 1], err_msg=f"{name} at t={t}")


def test_inputs_are_not_modified(rng):
    x = rng.normal(size=400)
    keep = x.copy()
    t_seconds = _clock(400)
    timeseries.rolling_zscore(x, 10)
    timeseries.seasonal_zscore(x, t_seconds)
    timeseries.anomaly_likelihood(x)
    timeseries.suppress_repeats(x, 5)
    timeseries.range_breach(x)
    timeseries.causal_window_scores(detectors.PCADetector(2), x, 5, 100)
    np.testing.assert_array_equal(x, keep)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, match", [
    (lambda x, t: timeseries.rolling_zscore(np.r_[x[:5], np.nan], 3), ValueError, "NaN"),
    (lambda x, t: timeseries.rolling_zscore(x.reshape(2, 5, -1), 3), ValueError, "1-D"),
    (lambda x, t: timeseries.rolling_zscore(x, 0), ValueError, "window"),
    (lambda x, t: timeseries.rolling_zscore(x, 3, min_std=-1), ValueError, "min_std"),
    (lambda x, t: timeseries.rolling_zscore("abc", 3), TypeError, "array-like"),
    (lambda x, t: timeseries.seasonal_zscore(x, t[:-1]), ValueError, "one entry per row"),
    (lambda x, t: timeseries.seasonal_zscore(x, t, "month"), ValueError, "period"),
    (lambda x, t: timeseries.seasonal_zscore(x, t, slot_minutes=0), ValueError, "slot_minutes"),
    (lambda x, t: timeseries.seasonal_zscore(x, t.astype(str)), TypeError, "timestamps"),
    (lambda x, t: timeseries.anomaly_likelihood(x, short=0), ValueError, "short"),
    (lambda x, t: timeseries.anomaly_likelihood(x, long=1), ValueError, "long"),
    (lambda x, t: timeseries.anomaly_likelihood(x.reshape(-1, 2)), ValueError, "1-D"),
    (lambda x, t: timeseries.anomaly_likelihood(x, log="yes"), TypeError, "log"),
    (lambda x, t: timeseries.range_breach(x, tolerance=-0.1), ValueError, "tolerance"),
    (lambda x, t: timeseries.range_breach(np.r_[x, np.inf]), ValueError, "infinite"),
    (lambda x, t: timeseries.suppress_repeats(x, 0), ValueError, "refractory"),
    (lambda x, t: timeseries.suppress_repeats(x, 2.5), TypeError, "refractory"),
    (lambda x, t: timeseries.causal_window_scores(object(), x, 3, 50), TypeError, "fit"),
    (lambda x, t: timeseries.causal_window_scores(detectors.PCADetector(1), x, 50, 50),
     ValueError, "training window"),
    (lambda x, t: timeseries.causal_window_scores(detectors.PCADetector(1), x, 3, 500),
     ValueError, "n_train"),
    (lambda x, t: timeseries.causal_window_scores(detectors.PCADetector(1), x, 3, 50,
                                                  fill="max"), ValueError, "fill"),
])
def test_bad_input_is_rejected_clearly(call, error, match, rng):
    x = rng.normal(size=100)
    with pytest.raises(error, match=match):
        call(x, _clock(100))
