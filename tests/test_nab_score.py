"""The NAB scorer in course_utils.metrics against NAB's own published numbers, a literal
rule-by-rule reference, brute force for the threshold sweep, and hand-made cases per rule."""

from __future__ import annotations

import csv
import gzip
import json
import math
import time

import numpy as np
import pytest

from course_utils import metrics as m
from course_utils._data import data_path

PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")


def _json(name: str):
    return json.loads(data_path(name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus() -> dict:
    """NAB's 58 files with the Numenta detector's published outputs:
    ``{file: (timestamps, anomaly_scores, windows)}``, parsed once per session."""
    windows = _json("nab/labels/combined_windows.json")
    out = {}
    for name, wins in sorted(windows.items()):
        category, base = name.split("/")
        path = data_path(f"nab/reference_results/numenta/{category}/numenta_{base}.gz")
        with gzip.open(path, "rt", newline="") as fh:
            rows = list(csv.DictReader(fh))
        ts = np.array([r["timestamp"] for r in rows], dtype="datetime64[s]")
        scores = np.array([float(r["anomaly_score"]) for r in rows])
        out[name] = (ts, scores, [(np.datetime64(a), np.datetime64(b)) for a, b in wins])
    return out


def _published_file_scores(profile: str) -> dict:
    path = data_path(f"nab/reference_results/numenta/numenta_{profile}_scores.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    totals = [r for r in rows if r["Detector"] == "Totals"]
    files = {r["File"]: float(r["Score"]) for r in rows if r["Detector"] != "Totals"}
    assert len(totals) == 1 and len(files) == 58                 # the file ends with a Totals row
    assert float(totals[0]["Score"]) == pytest.approx(sum(files.values()), abs=1e-6)
    return files


def _corpus_raw(corpus, profile, threshold):
    raws = [m.nab_score(ts, s >= threshold, w, profile) for ts, s, w in corpus.values()]
    return raws, [len(w) for _, _, w in corpus.values()]


# --- NAB's published numbers ---------------------------------------------------------------

def test_profiles_match_nab_config():
    config = _json("nab/config/profiles.json")
    assert set(config) == set(m.NAB_PROFILES) == set(PROFILES)
    for name, costs in config.items():
        cm = costs["CostMatrix"]
        assert m.NAB_PROFILES[name] == {"tp": cm["tpWeight"], "fp": cm["fpWeight"],
                                        "fn": cm["fnWeight"]}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_file_matches_nab(corpus, profile):
    threshold = _json("nab/config/thresholds.json")["numenta"][profile]["threshold"]
    published = _published_file_scores(profile)
    assert set(published) == set(corpus)
    diffs = {name: abs(m.nab_score(ts, s >= threshold, w, profile) - published[name])
             for name, (ts, s, w) in corpus.items()}
    worst = max(diffs, key=diffs.get)
    assert diffs[worst] < 1e-6, f"{worst}: off by {diffs[worst]:.3g}"


@pytest.mark.parametrize("profile", PROFILES)
def test_normalised_corpus_score_matches_nab(corpus, profile):
    threshold = _json("nab/config/thresholds.json")["numenta"][profile]["threshold"]
    expected = _json("nab/reference_results/final_results_subset.json")["numenta"][profile]
    raws, n_windows = _corpus_raw(corpus, profile, threshold)
    assert sum(n_windows) == 116
    assert m.nab_normalised_score(raws, n_windows, profile) == pytest.approx(expected, abs=1e-6)
    # a total and a window total give the same
    assert m.nab_normalised_score(sum(raws), 116, profile) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("profile", PROFILES)
def test_null_and_perfect_detectors(corpus, profile):
    null_raws, perfect_raws, n_windows = [], [], []
    for ts, s, w in corpus.values():
        null_raws.append(m.nab_score(ts, np.zeros(s.size), w, profile))
        assert null_raws[-1] == m.nab_null_score(len(w), profile)
        # NAB's "perfect": one alarm on the first row of every window, nothing else. No NAB
        # window starts inside the probationary period, so each earns the full tp weight.
        alarms = np.zeros(s.size, dtype=bool)
        alarms[np.searchsorted(ts, [a for a, _ in w])] = True
        perfect_raws.append(m.nab_score(ts, alarms, w, profile))
        n_windows.append(len(w))
    assert m.nab_normalised_score(null_raws, n_windows, profile) == 0.0
    assert m.nab_normalised_score(perfect_raws, n_windows, profile) == pytest.approx(100.0,
                                                                                   abs=1e-9)
    assert sum(perfect_raws) == pytest.approx(m.nab_perfect_score(116, profile), abs=1e-9)
    assert m.nab_perfect_score(116, profile) == 116 * m.NAB_PROFILES[profile]["tp"]
    assert m.nab_null_score(116, profile) == -116 * m.NAB_PROFILES[profile]["fn"]


@pytest.mark.parametrize("profile", PROFILES)
def test_sweep_finds_at_least_nabs_threshold(corpus, profile):
    published = _json("nab/reference_results/final_results_subset.json")["numenta"][profile]
    files = list(corpus.values())
    start = time.perf_counter()
    threshold, best = m.nab_threshold_sweep(files, profile)
    elapsed = time.perf_counter() - start
    assert best >= published - 1e-9
    # the threshold it reports reproduces its score through nab_score
    raws, n_windows = _corpus_raw(corpus, profile, threshold)
    assert m.nab_normalised_score(raws, n_windows, profile) == pytest.approx(best, abs=1e-9)
    assert 0.5 < threshold < 0.6
    assert elapsed < 20, f"the sweep took {elapsed:.1f} s"
    if profile == "standard":
        assert best == pytest.approx(published, abs=1e-9)     # NAB's optimum, to the digit


# --- a literal reference and brute force -------------------------------------------------

def _reference_score(n, alarms, windows, costs, p):
    """NAB's rules written as plainly as possible; rows and windows as row indices."""
    def sigma(x):
        return -1.0 if x > 3 else 2 / (1 + math.exp(5 * x)) - 1

    probation = min(math.floor(p * n), p * 5000)
    scored = [i for i in range(n) if alarms[i] and i >= probation]
    score = 0.0
    for s, e in windows:
        hits = [t for t in scored if s <= t <= e]
        if hits:
            score += costs["tp"] * sigma(-(e - hits[0] + 1) / (e - s + 1)) / sigma(-1)
        else:
            score -= costs["fn"]
    for i in scored:
        if any(s <= i <= e for s, e in windows):
            continue
        before = [(s, e) for s, e in windows if e < i]
        if not before:
            score -= costs["fp"]
        else:
            s, e = max(before, key=lambda w: w[1])
            score += costs["fp"] * (sigma((i - e) / (e - s)) if e > s else -1.0)
    return score


def _random_file(rng, n=None, scores=False):
    n = int(rng.integers(8, 250)) if n is None else n
    cuts = np.sort(rng.choice(np.arange(n), size=2 * int(rng.integers(0, 4)), replace=False))
    # some one-row windows too, where NAB's false-alarm formula would divide by zero
    windows = [(int(a), int(a) if rng.random() < 0.2 else int(b)) for a, b in cuts.reshape(-1, 2)]
    values = np.round(rng.random(n), 1) if scores else (rng.random(n) < rng.random() * 0.2)
    return n, values, windows


def test_matches_a_literal_reference_on_random_files():
    rng = np.random.default_rng(7)
    for _ in range(300):
        n, alarms, windows = _random_file(rng)
        p = float(rng.choice([0.0, 0.15, 0.4]))
        profile = str(rng.choice(PROFILES))
        # timestamps in seconds, 5 s apart, with an offset; the same windows in seconds
        ts = 1000 + 5 * np.arange(n)
        win = [(1000 + 5 * a, 1000 + 5 * b) for a, b in windows]
        got = m.nab_score(ts, alarms, win, profile, probationary_percent=p)
        expected = _reference_score(n, alarms, windows, m.NAB_PROFILES[profile], p)
        assert got == pytest.approx(expected, abs=1e-12)


def test_sweep_equals_brute_force_on_random_corpora():
    rng = np.random.default_rng(11)
    for _ in range(40):
        files = []
        for _ in range(int(rng.integers(1, 4))):
            n, scores, windows = _random_file(rng, scores=True)
            files.append((np.arange(n), scores, windows))
        if sum(len(w) for _, _, w in files) == 0:
            continue
        profile = str(rng.choice(PROFILES))
        threshold, best = m.nab_threshold_sweep(files, profile)
        n_windows = [len(w) for _, _, w in files]
        probation = [math.floor(0.15 * len(s)) for _, s, _ in files]
        candidates = np.unique(np.concatenate([s[k:] for (_, s, _), k in
                                               zip(files, probation, strict=True)]))[::-1]
        brute = {}
        for c in [1.1, *candidates]:
            raws = [m.nab_score(ts, s >= c, w, profile) for ts, s, w in files]
            brute[float(c)] = m.nab_normalised_score(raws, n_windows, profile)
        top = max(brute.values())
        assert best == pytest.approx(top, abs=1e-9)
        assert brute[threshold] == pytest.approx(top, abs=1e-9)
        # NAB's tie rule: no higher candidate reaches the maximum
        assert all(v < top - 1e-9 for c, v in brute.items() if c > threshold)


def test_sweep_without_any_useful_alarm_keeps_nabs_no_alarm_threshold():
    ts = np.arange(100)
    scores = np.zeros(100)
    scores[80] = 0.9                                  # a lone false alarm, far from the window
    threshold, best = m.nab_threshold_sweep([(ts, scores, [(40, 49)])])
    assert (threshold, best) == (1.1, 0.0)
    high = scores * 2                                 # scores reaching past 1.1
    threshold, _ = m.nab_threshold_sweep([(ts, high, [(40, 49)])])
    assert threshold > high.max()


# --- hand-made cases, one rule each ------------------------------------------------------

N = 100
T = np.arange(N)
WINDOW = [(40, 59)]                                   # 20 rows


def alarms_at(*rows, n=N):
    out = np.zeros(n, dtype=int)
    out[list(rows)] = 1
    return out


def score(*rows, windows=WINDOW, p=0.0, profile="standard"):
    return m.nab_score(T, alarms_at(*rows), windows, profile, probationary_percent=p)


def test_earlier_detection_scores_more():
    assert score(40) == pytest.approx(1.0)            # the first row earns the full tp
    assert score(40) > score(45) > score(50) > score(59) > 0
    sigma = lambda x: 2 / (1 + math.exp(5 * x)) - 1  # noqa: E731
    assert score(50) == pytest.approx(sigma(-10 / 20) / sigma(-1))
    assert score(59) == pytest.approx(sigma(-1 / 20) / sigma(-1))


def test_only_the_first_detection_in_a_window_counts():
    assert score(45, 50) == score(45) == score(45, 50, 51, 59)


def test_missed_window_costs_fn():
    assert score() == -1.0
    assert score(profile="reward_low_FN_rate") == -2.0


def test_false_alarm_just_after_a_window_costs_less():
    just_after, far_after = score(40, 60) - score(40), score(40, 95) - score(40)
    assert -0.11 < far_after < just_after < 0
    assert just_after > -0.11 * 0.3                    # one row after: barely punished
    assert far_after == pytest.approx(-0.11 * 0.9998, abs=1e-5)   # 36 rows / 19 after
    short = [(40, 49)]                                 # more than 3 * 9 rows after it: exactly -fp
    assert score(40, 95, windows=short) - score(40, windows=short) == pytest.approx(-0.11,
                                                                                    abs=1e-15)
    assert score(10) - score() == pytest.approx(-0.11)  # no window before it: full cost
    assert score(40, 60, profile="reward_low_FP_rate") - score(40) == pytest.approx(
        2 * just_after)
    assert score(40, 60, 61) < score(40, 60)          # every alarm row counts


def test_false_alarm_after_a_one_row_window_costs_the_full_weight():
    one_row = [(40, 40)]
    assert score(40, 41, windows=one_row) - score(40, windows=one_row) == pytest.approx(-0.11)


def test_probationary_alarms_are_ignored():
    # 15 % of 100 rows: rows 0-14 are probationary
    assert score(3, 14, windows=[], p=0.15) == 0.0
    assert score(15, windows=[], p=0.15) == pytest.approx(-0.11)
    # a window reaching into the period is detected only after it, weighed over all its rows
    assert score(8, windows=[(5, 24)], p=0.15) == -1.0
    assert score(8, 15, windows=[(5, 24)], p=0.15) == pytest.approx(score(15, windows=[(5, 24)]))
    # a window wholly inside the period is always missed (NAB's scorer.py)
    assert score(5, windows=[(2, 8)], p=0.15) == -1.0


def test_probationary_period_is_capped_at_750_rows():
    n = 10_000                                         # 15 % would be 1500 rows
    ts = np.arange(n)
    assert m.nab_score(ts, alarms_at(749, n=n), []) == 0.0
    assert m.nab_score(ts, alarms_at(750, n=n), []) == pytest.approx(-0.11)


def test_no_windows_and_no_alarms_scores_zero():
    assert score(windows=[]) == 0.0
    assert m.nab_score(T, np.zeros(N, dtype=bool), [], probationary_percent=0.5) == 0.0


def test_datetimes_numbers_and_unaligned_windows_agree():
    ts = np.datetime64("2015-01-01T00:00") + np.arange(N) * np.timedelta64(5, "m")
    by_time = [(str(ts[40]), str(ts[59]))]             # ISO strings are fine
    between = [(ts[40] - np.timedelta64(2, "m"), ts[59] + np.timedelta64(120, "s"))]
    for alarms in (alarms_at(45, 70), alarms_at(), alarms_at(40, 41, 99)):
        expected = m.nab_score(T, alarms, WINDOW)
        assert m.nab_score(ts, alarms, by_time) == expected
        assert m.nab_score(ts, alarms, between) == expected
        assert m.nab_score(ts.astype(str), alarms, by_time) == expected


def test_nab_corpus_has_clock_glitches_outside_its_windows(corpus):
    glitched = [name for name, (ts, _, _) in corpus.items()
                if (np.diff(ts) <= np.timedelta64(0)).any()]
    assert len(glitched) == 8
    for name in glitched:
        ts, s, w = corpus[name]
        with pytest.raises(ValueError, match="strictly increasing"):
            m.nab_score(ts, s > 0.5, w, strict_timestamps=True)


def test_glitches_outside_windows_score_in_file_order():
    ts = np.r_[0:30, 30, 30, 31:99] * 10               # a repeated time, as in NAB's files
    assert ts.size == N and ts[40] == 390 and ts[59] == 580
    assert m.nab_score(ts, alarms_at(45, 70), [(390, 580)], probationary_percent=0) == score(
        45, 70, windows=WINDOW)
    back = np.r_[0:70, 60:90] * 10                     # steps back in time after the window
    assert m.nab_score(back, alarms_at(10, 45, 95), [(400, 590)],
                       probationary_percent=0) == score(10, 45, 95, windows=WINDOW)
    with pytest.raises(ValueError, match="strictly increasing"):
        m.nab_score(ts, alarms_at(45), [(390, 580)], strict_timestamps=True)


# --- invalid input -----------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    (dict(timestamps=np.r_[0:45, 46, 45, 47:N]), "increase inside every window"),  # unsorted
    (dict(timestamps=np.r_[0:45, 45, 45, 46:N - 1]), "increase inside every window"),  # repeat
    (dict(timestamps=np.r_[0:59, 59, 59, 60:N - 2], windows=[(40, 59)]),
     "increase inside every window"),                  # a repeated end: where does it end?
    (dict(timestamps=T[::-1]), "increase inside every window"),                      # reversed
    (dict(timestamps=np.r_[0:50, 70:80, 50:90]), "not consecutive"),                # shuffled
    (dict(timestamps=np.r_[0, 2, 1, 3:N], strict_timestamps=True), "strictly increasing"),
    (dict(timestamps=np.r_[0, 0, 2:N], strict_timestamps=True), "strictly increasing"),
    (dict(timestamps=np.r_[np.nan, 1:N]), "missing"),
    (dict(timestamps=np.r_[np.array(["NaT"], "datetime64[s]"),
                           np.arange(1, N).astype("datetime64[s]")],
          windows=[(np.datetime64(40, "s"), np.datetime64(59, "s"))]), "NaT"),
    (dict(alarms=np.zeros(N - 1)), "99 values but timestamps has 100 rows"),
    (dict(alarms=np.full(N, 0.5)), "only 0"),
    (dict(alarms=np.r_[np.nan, np.zeros(N - 1)]), "NaN"),
    (dict(windows=[(59, 40)]), "starts after it ends"),
    (dict(windows=[(90, 120)]), "outside the series"),
    (dict(windows=[(-5, 10)]), "outside the series"),
    (dict(windows=[(40.2, 40.8)]), "no row"),
    (dict(windows=[(40, 59), (50, 70)]), "overlap"),
    (dict(windows=[(1, 2, 3)]), "pairs"),
    (dict(profile="strict"), "expected one of 'standard', 'reward_low_FP_rate', "
                             "'reward_low_FN_rate'"),
    (dict(probationary_percent=1.0), r"\[0, 1\)"),
    (dict(probationary_percent=-0.1), r"\[0, 1\)"),
])
def test_bad_input_is_rejected(kwargs, match):
    args = dict(timestamps=T, alarms=alarms_at(45), windows=WINDOW)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        m.nab_score(**args)


@pytest.mark.parametrize("kwargs, error", [
    (dict(windows=[(np.datetime64("2015-01-01"), np.datetime64("2015-01-02"))]), TypeError),
    (dict(timestamps="2015-01-01"), TypeError),
    (dict(profile=1), TypeError),
    (dict(probationary_percent="0.15"), TypeError),
])
def test_wrong_types_are_rejected(kwargs, error):
    args = dict(timestamps=T, alarms=alarms_at(45), windows=WINDOW)
    args.update(kwargs)
    with pytest.raises(error):
        m.nab_score(**args)


def test_bad_sweep_and_normalisation_input_is_rejected():
    good = (T, np.linspace(0, 1, N), WINDOW)
    with pytest.raises(ValueError, match="NaN"):
        m.nab_threshold_sweep([good, (T, np.r_[np.nan, np.zeros(N - 1)], WINDOW)])
    with pytest.raises(ValueError, match=r"files\[1\]: timestamps must increase inside"):
        m.nab_threshold_sweep([good, (T[::-1], np.zeros(N), WINDOW)])
    with pytest.raises(ValueError, match=r"files\[0\]: timestamps must be strictly"):
        m.nab_threshold_sweep([(np.r_[0, 0, 2:N], np.zeros(N), WINDOW)],
                              strict_timestamps=True)
    with pytest.raises(ValueError, match="anomaly_scores has 99 values"):
        m.nab_threshold_sweep([(T, np.zeros(N - 1), WINDOW)])
    with pytest.raises(ValueError, match="triple"):
        m.nab_threshold_sweep([(T, np.zeros(N))])
    with pytest.raises(ValueError, match="empty"):
        m.nab_threshold_sweep([])
    with pytest.raises(ValueError, match="no window"):
        m.nab_threshold_sweep([(T, np.zeros(N), [])])
    with pytest.raises(ValueError, match="expected one of"):
        m.nab_threshold_sweep([good], profile="Standard")
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        m.nab_threshold_sweep([good], probationary_percent=1.5)
    with pytest.raises(ValueError, match="no window"):
        m.nab_normalised_score([1.0, 2.0], [0, 0])
    with pytest.raises(ValueError, match="one window count per file"):
        m.nab_normalised_score([1.0, 2.0], [1, 2, 3])
    with pytest.raises(ValueError, match="whole numbers"):
        m.nab_normalised_score([1.0], [1.5])
    with pytest.raises(ValueError, match=">= 0"):
        m.nab_null_score(-1)
    with pytest.raises(TypeError, match="integer"):
        m.nab_perfect_score(2.0)
    with pytest.raises(ValueError, match="expected one of"):
        m.nab_perfect_score(2, "perfect")


def test_inputs_are_not_modified():
    ts = np.datetime64("2015-01-01T00:00") + np.arange(N) * np.timedelta64(5, "m")
    alarms = alarms_at(3, 45, 70).astype(bool)
    scores = np.linspace(1, 0, N)
    windows = np.array([[ts[40], ts[59]], [ts[5], ts[9]]])    # unsorted on purpose
    copies = [x.copy() for x in (ts, alarms, scores, windows)]
    m.nab_score(ts, alarms, windows)
    m.nab_threshold_sweep([(ts, scores, windows)])
    for before, after in zip(copies, (ts, alarms, scores, windows), strict=True):
        np.testing.assert_array_equal(before, after)
