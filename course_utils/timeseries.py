"""Causal building blocks for streaming anomaly detection on time series.

Derived in notebook 09. Every function here is **causal**: its output at row ``t`` depends
on rows ``0 … t`` only, so it can run live, one row at a time, and it obeys the rules of the
Numenta Anomaly Benchmark (NAB, ``benchmarks/nab.py``). ``tests/test_timeseries.py`` checks
it for each function: changing the values after ``t`` never changes an output at or before
``t``.

* :func:`rolling_zscore` — ``|z|`` of each point against the ``window`` points before it.
* :func:`seasonal_zscore` — ``|z|`` against past values at the same time of day (or of the
  week), from earlier days (weeks) only.
* :func:`anomaly_likelihood` — any raw score turned into a number in [0, 1] that means the
  same in every series: how improbable the recent scores are, given the series' own past
  scores (the "anomaly likelihood" of Ahmad et al. 2017).
* :func:`range_breach` — 1 where a value leaves the range of everything seen before.
* :func:`suppress_repeats` — one spike per episode instead of a run of alarms.
* :func:`causal_window_scores` — a window detector fitted on the first rows of a series,
  scored live: one score per row, each window's score at its last row.

Rows are time steps. Inputs are never modified; outputs are new arrays.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ._validate import as_float_array, check_choice, check_positive_int
from .datasets._windows import make_windows, windows_to_points

__all__ = ["rolling_zscore", "seasonal_zscore", "anomaly_likelihood", "log_tail", "range_breach",
           "suppress_repeats", "causal_window_scores"]

_PERIODS = {"day": 86_400, "week": 7 * 86_400}
#: The smallest tail probability :func:`log_tail` distinguishes (it maps 1e-10 to 1).
TAIL_FLOOR = 1e-10


# --- checks ----------------------------------------------------------------------------------

def _series(x, name: str) -> np.ndarray:
    """A float copy of a 1-D (n,) or 2-D (n, n_channels) series, finite, checked."""
    arr = as_float_array(x, name, ndim=None)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (n,) or 2-D (n, n_channels), got shape "
                         f"{arr.shape}.")
    return arr


def _non_negative(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
            or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


# --- z-scores ----------------------------------------------------------------------------------

def rolling_zscore(series, window: int, min_std: float = 0.05) -> np.ndarray:
    """``|z|`` of each point against the ``window`` points before it (past only), per column.

    Derived in notebook 05, which asserts that its version and this one agree.

    ``z[t] = (x[t] - mean(x[t-window:t])) / max(std(x[t-window:t]), min_std)`` — the history
    is the ``window`` points *before* ``t``, without ``t`` itself, and ``std`` is the
    population standard deviation. The first ``window`` points have no full history: 0.

    Parameters
    ----------
    series : (n,) or (n, n_channels) array-like, finite.
    window : int >= 1, the length of the history (a window as long as the series gives all
        zeros).
    min_std : floor for the std, in the units of ``series`` (a stuck sensor's spread is 0);
        0.05 suits a series standardised with its training statistics.

    Returns
    -------
    (n,) or (n, n_channels) float array, the shape of ``series``, >= 0.
    """
    x = _series(series, "series")
    window = check_positive_int(window, "window")
    min_std = _non_negative(min_std, "min_std")
    out = np.zeros_like(x)
    if x.shape[0] <= window:
        return out
    # history k = x[k : k + window], the points before point k + window
    history = np.lib.stride_tricks.sliding_window_view(x[:-1], window, axis=0)
    z = (x[window:] - history.mean(axis=-1)) / np.maximum(history.std(axis=-1), min_std)
    out[window:] = np.abs(z)
    return out


def _as_seconds(timestamps, n: int) -> np.ndarray:
    """Timestamps (datetime64 or numbers of seconds) as int64 seconds, shape (n,)."""
    ts = np.asarray(timestamps)
    if ts.ndim != 1 or ts.shape[0] != n:
        raise ValueError(f"timestamps must be 1-D with one entry per row ({n}), got shape "
                         f"{ts.shape}.")
    if np.issubdtype(ts.dtype, np.datetime64):
        if np.isnat(ts).any():
            raise ValueError("timestamps contain NaT (not a time).")
        return ts.astype("datetime64[s]").astype(np.int64)
    if ts.dtype == bool or not np.issubdtype(ts.dtype, np.number):
        raise TypeError("timestamps must be datetime64 or numbers of seconds, got dtype "
                        f"{ts.dtype}.")
    if not np.isfinite(ts).all():
        raise ValueError("timestamps contain NaN or infinite values.")
    return np.floor(ts).astype(np.int64)


def seasonal_zscore(values, timestamps, period: str = "day", *, n_periods: int = 7,
                    slot_minutes: float = 60, min_count: int = 2,
                    min_std: float = 0.05) -> np.ndarray:
    """``|z|`` of each value against past values at the same time of day (or of the week).

    The period is cut into slots of ``slot_minutes``. A row at time ``t`` lies in day (week)
    ``p`` and slot ``s``; its history is every earlier row in slot ``s`` of the days
    (weeks) ``p - n_periods … p - 1`` — **past periods only**, so the rows before it on the
    same day never count. ``z = (x - mean(history)) / max(std(history), min_std)``; rows with
    fewer than ``min_count`` values in their history get 0.

    Parameters
    ----------
    values : (n,) or (n, n_channels) array-like, finite; rows in time order.
    timestamps : (n,) ``datetime64`` (any unit) or seconds as numbers; the clock time of each
        row (a daylight-saving repeat of a time is fine).
    period : ``"day"`` (time of day) or ``"week"`` (day of week × time of day).
    n_periods : how many past days (weeks) form the history (7).
    slot_minutes : width of a slot (60: the hour of the day). A slot pools the rows of
        neighbouring times: with 5-minute data an hour's slot holds 12 rows a day — more
        history, less noise, a blurrier daily profile. A slot as wide as one time step
        compares a row with the very same time of day only. (A fixed width, not one
        estimated from the timestamps, keeps the function causal.)
    min_count : values a history needs before a row gets a score (2).
    min_std : floor for the std, in the units of ``values``.

    Returns
    -------
    The shape of ``values``, float, >= 0.
    """
    x = _series(values, "values")
    seconds = _as_seconds(timestamps, x.shape[0])
    period = check_choice(period, "period", tuple(_PERIODS))
    n_periods = check_positive_int(n_periods, "n_periods")
    min_count = check_positive_int(min_count, "min_count")
    min_std = _non_negative(min_std, "min_std")
    if isinstance(slot_minutes, bool) or not isinstance(slot_minutes, Real) \
            or not 0 < slot_minutes <= _PERIODS[period] / 60:
        raise ValueError(f"slot_minutes must be a number in (0, {_PERIODS[period] // 60}], "
                         f"got {slot_minutes!r}.")
    slot_seconds = 60.0 * slot_minutes

    flat = x.reshape(x.shape[0], -1)
    length = _PERIODS[period]
    epoch_period = seconds // length                             # day (week) number
    slot = np.floor((seconds % length) / slot_seconds).astype(np.int64)
    z = np.zeros_like(flat)
    for s in np.unique(slot):
        rows = np.flatnonzero(slot == s)                           # in time order
        p = epoch_period[rows]
        v = flat[rows]
        # per (slot, period): count, sum and sum of squares (offset by the slot's first value,
        # a past value, for numerical stability) — then sums over the previous n_periods
        offset = v[0]
        d = v - offset
        periods, inverse = np.unique(p, return_inverse=True)     # sorted day (week) numbers
        count = np.bincount(inverse, minlength=periods.size).astype(np.float64)
        s1 = np.zeros((periods.size, flat.shape[1]))
        s2 = np.zeros((periods.size, flat.shape[1]))
        np.add.at(s1, inverse, d)
        np.add.at(s2, inverse, d * d)
        # history of period j: periods q with p_j - n_periods <= q < p_j
        c_cnt, c1, c2 = (np.concatenate([np.zeros((1, *a.shape[1:])), np.cumsum(a, axis=0)])
                         for a in (count, s1, s2))
        lo = np.searchsorted(periods, periods - n_periods, side="left")
        hi = np.arange(periods.size)                              # periods strictly before j
        n_hist = (c_cnt[hi] - c_cnt[lo])[:, None]
        m1 = c1[hi] - c1[lo]
        m2 = c2[hi] - c2[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = m1 / n_hist
            var = np.maximum(m2 / n_hist - mean**2, 0.0)
        std = np.maximum(np.sqrt(var), min_std)
        ok = (n_hist[:, 0] >= min_count)[inverse]
        zz = np.abs(d - mean[inverse]) / std[inverse]
        z[rows[ok]] = zz[ok]
    return z.reshape(x.shape)


# --- from raw scores to comparable scores --------------------------------------------------------

def log_tail(tail) -> np.ndarray:
    """A tail probability ``q`` in (0, 1] on a [0, 1] scale: ``log10(q) / log10(1e-10)``.

    0 for ``q = 1`` (nothing unusual), 0.5 for ``q = 1e-5``, 1 for ``q <= 1e-10``
    (:data:`TAIL_FLOOR`). It is NAB's "log likelihood" of its HTM detector: it spreads the
    interesting end, likelihoods of 0.9999 … 0.9999999999, over half the scale, so one
    threshold for many series is easy to pick.
    """
    q = as_float_array(tail, "tail", ndim=None)
    if (q < 0).any() or (q > 1).any():
        raise ValueError("tail probabilities must lie in [0, 1].")
    return np.log10(np.maximum(q, TAIL_FLOOR)) / math.log10(TAIL_FLOOR)


_ERFC = np.frompyfunc(math.erfc, 1, 1)


def _gaussian_tail(z: np.ndarray) -> np.ndarray:
    """Q(z) = P(Z >= z) for a standard normal Z (math.erfc: NumPy has none)."""
    return _ERFC(np.asarray(z, dtype=np.float64) / math.sqrt(2.0)).astype(np.float64) / 2.0


def anomaly_likelihood(scores, short: int = 10, long: int = 500, *, min_history: int | None = None,
                       min_std: float = 1e-3, log: bool = True) -> np.ndarray:
    """NAB/HTM-style anomaly likelihood: raw scores → a comparable score in [0, 1] (causal).

    After Ahmad, Lavin, Purdy & Agha (2017), *Unsupervised real-time anomaly detection for
    streaming data*, Neurocomputing 262: a raw score means little on its own — a series
    with noisy predictions has large errors all the time. What is unusual is a run of scores
    that is high **for this series**. At row ``t``:

    * fit a normal distribution to the ``long`` raw scores *before* ``t``:
      ``mu = mean(s[t-long:t])``, ``sigma = max(std(s[t-long:t]), min_std)``;
    * take the mean of the ``short`` most recent scores, ``t`` included:
      ``m = mean(s[t-short+1 : t+1])`` (a short average: one noisy score is not yet an
      anomaly, a run of them is);
    * the tail probability ``q = P(Z >= (m - mu) / sigma)`` of a standard normal ``Z``;
      the likelihood is ``1 - q``.

    With ``log=True`` (default) the result is :func:`log_tail` of ``q`` (NAB's "log
    likelihood", used for its scoreboard): 0.5 means ``q = 1e-5``, 1 means ``q <= 1e-10``.
    Both are in [0, 1] and mean the same in every series, so one threshold serves a corpus.
    Rows with fewer than ``min_history`` past scores (the start) get the value of an average
    score, ``q = 0.5``.

    Parameters
    ----------
    scores : (n,) raw anomaly scores, higher = more anomalous, finite.
    short : int >= 1, the averaging window (10, as in the paper).
    long : int >= 2, the history for the distribution (500 rows).
    min_history : past scores needed before a likelihood is computed; ``None``: ``long //
        4`` (at least 2).
    min_std : floor for ``sigma``, in the units of ``scores`` (a constant score has std 0).
    log : ``True``: :func:`log_tail` of ``q``; ``False``: ``1 - q``.

    Returns
    -------
    (n,) float array in [0, 1].
    """
    s = as_float_array(scores, "scores", ndim=1)
    short = check_positive_int(short, "short")
    long = check_positive_int(long, "long", minimum=2)
    min_history = (max(2, long // 4) if min_history is None
                   else check_positive_int(min_history, "min_history", minimum=2))
    min_std = _non_negative(min_std, "min_std")
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"log must be True or False, got {log!r}.")
    n = s.shape[0]
    t = np.arange(n)
    d = s - s[0]                                  # a past value as offset: stable sums
    c1 = np.r_[0.0, np.cumsum(d)]
    c2 = np.r_[0.0, np.cumsum(d * d)]
    lo = np.maximum(t - long, 0)                  # history: rows lo … t-1
    count = t - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = (c1[t] - c1[lo]) / count
        var = np.maximum((c2[t] - c2[lo]) / count - mu**2, 0.0)
    sigma = np.maximum(np.sqrt(var), min_std)
    recent_lo = np.maximum(t - short + 1, 0)      # the short window: rows recent_lo … t
    recent = (c1[t + 1] - c1[recent_lo]) / (t + 1 - recent_lo)
    z = np.where(count >= min_history, (recent - mu) / np.where(sigma > 0, sigma, 1.0), 0.0)
    if min_std == 0:                              # no floor: a constant history
        z = np.where((count >= min_history) & (sigma == 0),
                     np.where(recent > mu, np.inf, 0.0), z)
    q = _gaussian_tail(np.nan_to_num(z, nan=0.0, posinf=40.0, neginf=-40.0))
    return log_tail(q) if log else 1.0 - q


def range_breach(values, tolerance: float = 0.05) -> np.ndarray:
    """1.0 where a value leaves the range of all earlier values by more than a margin, else 0.0.

    Row ``t`` breaches when ``x[t] > hi + tolerance * (hi - lo)`` or ``x[t] < lo - tolerance *
    (hi - lo)``, with ``lo`` / ``hi`` the minimum / maximum of rows ``0 … t-1`` (per column).
    A series that has been constant so far (``hi == lo``) breaches nothing yet, nor does row
    0. This is the "spatial anomaly" rule of NAB's Numenta HTM detector (tolerance 0.05): a
    value never seen before is suspicious whatever a model says, and a model fitted on the
    first rows cannot tell "far" from "very far" (an isolation depth or a distance saturates,
    and a likelihood adapts to a new level).

    Parameters
    ----------
    values : (n,) or (n, n_channels), finite.
    tolerance : margin as a share of the range seen so far, >= 0.

    Returns
    -------
    float array of 0.0 / 1.0, the shape of ``values``.
    """
    x = _series(values, "values")
    tolerance = _non_negative(tolerance, "tolerance")
    hi = np.maximum.accumulate(x, axis=0)
    lo = np.minimum.accumulate(x, axis=0)
    hi = np.concatenate([x[:1], hi[:-1]])         # the range of the rows before t
    lo = np.concatenate([x[:1], lo[:-1]])
    margin = tolerance * (hi - lo)
    breach = ((x > hi + margin) | (x < lo - margin)) & (hi > lo)
    return breach.astype(np.float64)


def _past_max(x: np.ndarray, k: int) -> np.ndarray:
    """max(x[t-k : t]) for every t (the k rows before t; -inf where there are none)."""
    n = x.shape[0]
    # running max over the window of length k ending at t, inclusive, by doubling
    run = x.copy()
    span = 1
    while span * 2 <= k:
        shifted = np.r_[np.full(span, -np.inf), run[:-span]] if span < n else np.full(n, -np.inf)
        run = np.maximum(run, shifted)
        span *= 2
    if span < k:                                  # cover k = span + rest with two spans
        rest = k - span
        shifted = np.r_[np.full(rest, -np.inf), run[:-rest]] if rest < n else np.full(n, -np.inf)
        run = np.maximum(run, shifted)
    return np.r_[-np.inf, run[:-1]]               # windows ending at t-1: the past only


def suppress_repeats(alarms_or_scores, refractory: int, *, fill: float = 0.0) -> np.ndarray:
    """One spike per episode: keep a value only where it beats the previous ``refractory`` rows.

    ``out[t] = x[t]`` if ``x[t] > max(x[t-refractory : t])``, else ``fill`` (0). Causal: it
    compares with the past only.

    * **Alarms** (a bool array): an alarm is kept when none of the ``refractory`` rows
      before it was in alarm — the first row of each alarm episode, where an episode ends
      after ``refractory`` quiet rows. A fault that holds the alarm for an hour raises one
      alarm, not sixty.
    * **Scores** (numbers, e.g. :func:`anomaly_likelihood`): a score survives only where it
      is a new high of the recent past. This works with a threshold chosen *afterwards*, as
      NAB's corpus-wide threshold is: whatever the threshold, a score that stays above it
      stays quiet after its first row (it is no new high), and a later, **stronger**
      anomaly inside the refractory period still gets through. The classical "ignore
      ``refractory`` rows after an alarm" needs the threshold first; on scores it cannot be
      written without one.

    Parameters
    ----------
    alarms_or_scores : (n,) bool alarms or finite numbers.
    refractory : int >= 1, rows to look back.
    fill : what suppressed scores become (numbers only; default 0, "nothing new").

    Returns
    -------
    (n,) bool for bool input, else float.
    """
    x = as_float_array(alarms_or_scores, "alarms_or_scores", ndim=1)
    is_bool = np.asarray(alarms_or_scores).dtype == bool
    refractory = check_positive_int(refractory, "refractory")
    if isinstance(fill, bool) or not isinstance(fill, Real) or not math.isfinite(fill):
        raise TypeError(f"fill must be a finite number, got {fill!r}.")
    keep = x > _past_max(x, refractory)
    if is_bool:
        return keep & (x > 0)
    return np.where(keep, x, float(fill))


# --- window detectors, live -----------------------------------------------------------------------

def causal_window_scores(detector, series, window: int, n_train: int, *,
                         fill: str | float = "min") -> np.ndarray:
    """Fit a window detector on the first ``n_train`` rows, then score every row live.

    The series is cut into windows of ``window`` rows, step 1 (``datasets.make_windows``),
    flattened to ``(n_windows, window * n_channels)``. ``detector`` (anything with ``fit``
    and ``decision_function``, e.g. the course's detectors) is **fitted in place** on the
    windows that end inside the first ``n_train`` rows — NAB's probationary period — and
    scores all windows. Each window's score goes to its last row
    (``windows_to_points(..., how="end")``): the score at row ``t`` uses rows ``t - window +
    1 … t`` and the training rows, never a later row. Outputs at rows ``>= n_train - 1`` are
    therefore causal; rows before that are the training period (an online detector learns
    there and NAB does not score it).

    The first ``window - 1`` rows end no window. ``fill="min"`` (default) gives them the
    lowest training score: "as normal as the most normal training window" — a neutral value
    that raises no alarm and, unlike NaN, keeps the scores finite for what follows (such as
    :func:`anomaly_likelihood`). A number is used as it is.

    Parameters
    ----------
    detector : an unfitted or fitted detector; it is refitted.
    series : (n,) or (n, n_channels), finite.
    window : int, rows per window, ``window <= n_train``.
    n_train : int, training rows, ``n_train <= n``; needs ``n_train - window + 1 >= 2``
        training windows.

    Returns
    -------
    (n,) float scores, higher = more anomalous.
    """
    x = _series(series, "series")
    window = check_positive_int(window, "window")
    n_train = check_positive_int(n_train, "n_train")
    if not (hasattr(detector, "fit") and hasattr(detector, "decision_function")):
        raise TypeError("detector must have fit and decision_function, got "
                        f"{type(detector).__name__}.")
    n = x.shape[0]
    if n_train > n:
        raise ValueError(f"n_train ({n_train}) must not exceed the series' {n} rows.")
    n_fit = n_train - window + 1
    if n_fit < 2:
        raise ValueError(f"window={window} leaves {max(n_fit, 0)} training window(s) in the "
                         f"first n_train={n_train} rows; need at least 2. Use a shorter "
                         "window or more training rows.")
    if isinstance(fill, str):
        check_choice(fill, "fill", ("min",))
    elif isinstance(fill, bool) or not isinstance(fill, Real) or not math.isfinite(fill):
        raise TypeError(f"fill must be 'min' or a finite number, got {fill!r}.")
    windows = make_windows(x, window)
    flat = windows.reshape(len(windows), -1)
    detector.fit(flat[:n_fit])
    window_scores = np.asarray(detector.decision_function(flat), dtype=np.float64)
    value = float(np.min(window_scores[:n_fit])) if isinstance(fill, str) else float(fill)
    return windows_to_points(window_scores, n, window, 1, how="end", fill=value)
