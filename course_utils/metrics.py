"""Evaluation of anomaly detectors: ranking quality, decisions at a threshold, events in time.

Conventions: ``y`` holds 0 (normal) / 1 (anomaly), shape ``(n,)``; ``scores`` are higher
for more anomalous samples, shape ``(n,)``; a sample is flagged when
``score >= threshold`` (:func:`course_utils.thresholds.flag`).

* Ranking, no threshold needed: :func:`roc_auc`, :func:`pr_auc` (average precision) and its
  chance level :func:`chance_pr_auc` (the prevalence), :func:`recall_at_fpr`.
* Decisions at a threshold: :func:`confusion_at`, :func:`precision_recall_f1_at`.
* Both at once, printable: :func:`evaluate` returns a :class:`DetectionReport`.
* Time series: :func:`event_recall`, :func:`detected_events`, :func:`detection_delay`,
  :func:`false_alarms_per_day`, with events as half-open index intervals ``(start, stop)``,
  like Python slices.
* The Numenta Anomaly Benchmark (NAB) scorer, reproducing NAB's published numbers:
  :func:`nab_score` (one file), :func:`nab_normalised_score` (a corpus, 0 = never alarm,
  100 = perfect) with its anchors :func:`nab_null_score` and :func:`nab_perfect_score`,
  :func:`nab_threshold_sweep` (NAB's corpus-wide threshold optimisation) and the cost
  profiles :data:`NAB_PROFILES`. Unlike the event functions, NAB windows are *timestamp*
  pairs, inclusive at both ends (NAB's convention).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from ._validate import as_float_array, as_labels, as_scores, check_choice, check_fraction
from .thresholds import flag

__all__ = ["roc_auc", "pr_auc", "chance_pr_auc", "confusion_at", "precision_recall_f1_at",
           "recall_at_fpr", "DetectionReport", "evaluate", "events_from_labels",
           "detected_events", "detection_delay", "event_recall", "false_alarms_per_day",
           "NAB_PROFILES", "nab_score", "nab_probationary_length", "nab_null_score", "nab_perfect_score",
           "nab_normalised_score", "nab_threshold_sweep"]


def _labels_and_scores(y, scores, *, require_both=False):
    y = as_labels(y, "y", require_both=require_both)
    return y, as_scores(scores, "scores", n_samples=y.shape[0])


def roc_auc(y, scores) -> float:
    """Area under the ROC curve: the chance that a random anomaly outscores a random normal.

    0.5 is guessing, 1.0 a perfect ranking; blind to class imbalance (compare :func:`pr_auc`).
    """
    y, scores = _labels_and_scores(y, scores, require_both=True)
    return float(roc_auc_score(y, scores))


def pr_auc(y, scores) -> float:
    """Area under the precision-recall curve, as average precision (step-wise, no interpolation).

    Its chance level is the prevalence (:func:`chance_pr_auc`), so always report both.
    """
    y, scores = _labels_and_scores(y, scores, require_both=True)
    return float(average_precision_score(y, scores))


def chance_pr_auc(y) -> float:
    """PR-AUC of a detector that guesses: the share of anomalies in ``y`` (the prevalence)."""
    return float(as_labels(y, "y").mean())


def confusion_at(y, scores, threshold) -> dict:
    """Counts at ``threshold``: ``{"tp", "fp", "tn", "fn"}`` (ints); positive = anomaly."""
    y, scores = _labels_and_scores(y, scores)
    pred = flag(scores, threshold)
    return {"tp": int(np.sum((pred == 1) & (y == 1))), "fp": int(np.sum((pred == 1) & (y == 0))),
            "tn": int(np.sum((pred == 0) & (y == 0))), "fn": int(np.sum((pred == 0) & (y == 1)))}


def _prf(c: dict) -> dict:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def precision_recall_f1_at(y, scores, threshold) -> dict:
    """``{"precision", "recall", "f1"}`` at ``threshold``.

    A ratio with nothing to count (no flags, no anomalies) is 0.0, as in scikit-learn.
    """
    return _prf(confusion_at(y, scores, threshold))


def recall_at_fpr(y, scores, max_fpr: float = 0.01) -> float:
    """Highest recall reachable while at most ``max_fpr`` of the normal samples are flagged.

    "How many anomalies do we catch if we tolerate 1 false alarm per 100 normal samples?"
    ``max_fpr`` in (0, 1].
    """
    y, scores = _labels_and_scores(y, scores, require_both=True)
    max_fpr = check_fraction(max_fpr, "max_fpr", low=0.0, high=1.0, inclusive_high=True)
    fpr, tpr, _ = roc_curve(y, scores, drop_intermediate=False)
    return float(tpr[fpr <= max_fpr].max())


@dataclass(frozen=True)
class DetectionReport:
    """The numbers :func:`evaluate` computes; ``print(report)`` shows them with 3 decimals.

    The threshold fields are ``None`` when no threshold was given.
    """

    n: int
    n_anomalies: int
    roc_auc: float
    pr_auc: float
    chance_pr_auc: float
    max_fpr: float
    recall_at_fpr: float
    threshold: float | None = None
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    tp: int | None = None
    fp: int | None = None
    tn: int | None = None
    fn: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        at_fpr = f"recall @ FPR<={100 * self.max_fpr:g}%"
        lines = [
            f"{self.n} samples, {self.n_anomalies} anomalies "
            f"(prevalence {self.chance_pr_auc:.3f})",
            f"{'ROC-AUC':<19}{self.roc_auc:.3f}",
            f"{'PR-AUC':<19}{self.pr_auc:.3f}  (chance {self.chance_pr_auc:.3f})",
            f"{at_fpr:<19}{self.recall_at_fpr:.3f}",
        ]
        if self.threshold is not None:
            lines += [
                f"at threshold {self.threshold:.4g}: precision {self.precision:.3f}  "
                f"recall {self.recall:.3f}  F1 {self.f1:.3f}",
                f"confusion: TP {self.tp}  FP {self.fp}  TN {self.tn}  FN {self.fn}",
            ]
        return "\n".join(lines)

    __repr__ = __str__   # notebooks display it as text with fixed decimals (nbval-stable)


def evaluate(y, scores, threshold=None, *, max_fpr: float = 0.01) -> DetectionReport:
    """Evaluate scores against labels (test data): ROC-AUC, PR-AUC with its chance level,
    recall at ``max_fpr`` and, given a ``threshold`` (fitted beforehand on training or
    validation data), precision / recall / F1 and the confusion counts.
    """
    y, scores = _labels_and_scores(y, scores, require_both=True)
    max_fpr = check_fraction(max_fpr, "max_fpr", low=0.0, high=1.0, inclusive_high=True)
    fields = {"n": int(y.shape[0]), "n_anomalies": int(y.sum()), "roc_auc": roc_auc(y, scores),
              "pr_auc": pr_auc(y, scores), "chance_pr_auc": chance_pr_auc(y),
              "max_fpr": max_fpr, "recall_at_fpr": recall_at_fpr(y, scores, max_fpr)}
    if threshold is not None:
        counts = confusion_at(y, scores, threshold)
        fields.update(threshold=float(threshold), **_prf(counts), **counts)
    return DetectionReport(**fields)


# --- time series: events ------------------------------------------------------------------

def events_from_labels(labels) -> list[tuple[int, int]]:
    """Runs of consecutive 1s in a 0/1 sequence, as half-open intervals ``(start, stop)``.

    ``events_from_labels([0, 1, 1, 0, 1])`` is ``[(1, 3), (4, 5)]``; ``labels[start:stop]``
    is the run. Applied to a detector's point flags it gives its alarm *episodes*.
    """
    y = as_labels(labels, "labels")
    edges = np.diff(np.r_[0, y, 0])
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(),
                    strict=True))


def _as_events(events, n: int, name: str = "events") -> list[tuple[int, int]]:
    """Accept point labels (1-D 0/1, length ``n``) or a list of ``(start, stop)`` pairs."""
    if isinstance(events, (list, tuple, np.ndarray)) and len(events) == 0:
        return []
    arr = as_float_array(events, name, ndim=None)
    if arr.ndim == 1:
        return events_from_labels(as_labels(arr, name, n_samples=n))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must be 0/1 point labels of shape ({n},) or (start, stop) "
                         f"pairs of shape (n_events, 2), got shape {arr.shape}.")
    if not np.array_equal(arr, np.round(arr)):
        raise ValueError(f"{name}: (start, stop) must be integer indices, got {arr.tolist()}.")
    bad = (arr[:, 0] < 0) | (arr[:, 0] >= arr[:, 1]) | (arr[:, 1] > n)
    if bad.any():
        start, stop = arr[np.argmax(bad)].astype(int)
        raise ValueError(f"{name}: each interval needs 0 <= start < stop <= {n} (the series "
                         f"length), got ({start}, {stop}). Intervals are half-open, like slices.")
    return [(int(a), int(b)) for a, b in arr]


def detected_events(events, point_pred) -> np.ndarray:
    """For each true event, whether it was detected: bool array of shape ``(n_events,)``.

    **Rule:** an event ``(start, stop)`` counts as detected when at least one point of
    ``point_pred[start:stop]`` is flagged. Alarms before ``start`` or at/after ``stop`` do not
    count (``stop`` is exclusive), and several alarms inside one event count once.

    events: true events as 0/1 point labels of shape ``(n,)`` or ``(start, stop)`` pairs.
    point_pred: 0/1 flags per time step, shape ``(n,)`` (e.g. ``detector.predict`` mapped
    back from windows to points).
    """
    pred = as_labels(point_pred, "point_pred")
    intervals = _as_events(events, pred.shape[0])
    return np.array([bool(pred[a:b].any()) for a, b in intervals], dtype=bool)


def detection_delay(events, point_pred) -> np.ndarray:
    """For each true event, how many steps after its start the first alarm inside it came.

    Returns a float array of shape ``(n_events,)``: ``first_flag - start`` for an event
    ``(start, stop)`` whose ``point_pred[start:stop]`` holds a flag (0 = caught at its very
    first step), ``NaN`` where the event was missed. Same rule as :func:`detected_events`:
    alarms before ``start`` do not count as early detection, and ``stop`` is exclusive, so
    ``~np.isnan(detection_delay(e, p))`` equals ``detected_events(e, p)``. Steps are index
    steps; multiply by the sampling interval for a time.

    events: true events as 0/1 point labels of shape ``(n,)`` or ``(start, stop)`` pairs.
    point_pred: 0/1 flags per time step, shape ``(n,)``.
    """
    pred = as_labels(point_pred, "point_pred")
    intervals = np.array(_as_events(events, pred.shape[0]), dtype=np.int64).reshape(-1, 2)
    starts, stops = intervals[:, 0], intervals[:, 1]
    flagged = np.flatnonzero(pred)
    if flagged.size == 0:
        return np.full(starts.shape[0], np.nan)
    nxt = np.searchsorted(flagged, starts)               # the first flag at or after start
    first = flagged[np.minimum(nxt, flagged.size - 1)]
    hit = (nxt < flagged.size) & (first < stops)
    return np.where(hit, first - starts, np.nan).astype(np.float64)


def event_recall(events, point_pred) -> float:
    """Share of true events detected, by the rule of :func:`detected_events`.

    Unlike point-wise recall, a long event caught by one alarm counts as fully caught.
    Raises ``ValueError`` when there are no true events (recall is undefined).
    """
    hits = detected_events(events, point_pred)
    if hits.size == 0:
        raise ValueError("events contains no true event, so event recall is undefined.")
    return float(hits.mean())


def false_alarms_per_day(point_pred, events, points_per_day: float) -> float:
    """Alarm episodes that overlap no true event, per day of data.

    An alarm *episode* is a run of consecutive flagged points (:func:`events_from_labels`);
    it is a false alarm when it shares no time step with any true event (touching an
    event's half-open boundary is not sharing). Days = ``len(point_pred) / points_per_day``.

    point_pred: 0/1 flags, shape ``(n,)``; events: 0/1 point labels of shape ``(n,)`` or
    ``(start, stop)`` pairs (may be empty); points_per_day: e.g. 1440 for one point a minute.
    """
    pred = as_labels(point_pred, "point_pred")
    n = pred.shape[0]
    points_per_day = check_fraction(points_per_day, "points_per_day", low=0.0, high=np.inf)
    truth = np.zeros(n, dtype=bool)
    for a, b in _as_events(events, n):
        truth[a:b] = True
    n_false = sum(not truth[a:b].any() for a, b in events_from_labels(pred))
    return float(n_false / (n / points_per_day))


# --- the Numenta Anomaly Benchmark (NAB) scorer ---------------------------------------------
#
# NAB (Lavin & Ahmad, 2015) scores a streaming detector on labelled *windows* of time. The
# rules are spelled out in :func:`nab_score`; everything here is plain NumPy, re-derived from
# NAB's paper and the behaviour of its scorer, and checked against NAB's published per-file
# and corpus numbers (tests/test_nab_score.py).

NAB_PROFILES = {
    # NAB's config/profiles.json ("CostMatrix"); tnWeight is 1 there but NAB never uses it.
    "standard": {"tp": 1.0, "fp": 0.11, "fn": 1.0},
    "reward_low_FP_rate": {"tp": 1.0, "fp": 0.22, "fn": 1.0},
    "reward_low_FN_rate": {"tp": 1.0, "fp": 0.11, "fn": 2.0},
}

# Scores at or above this are no longer "no alarm" in NAB's sweep, whose scores live in [0, 1].
_NAB_NO_ALARM_THRESHOLD = 1.1


def _nab_costs(profile) -> dict:
    if not isinstance(profile, str):
        raise TypeError(f"profile must be a profile name (str), got {type(profile).__name__}; "
                        f"expected one of {', '.join(repr(k) for k in NAB_PROFILES)}.")
    return NAB_PROFILES[check_choice(profile, "profile", tuple(NAB_PROFILES))]


def _check_probationary_percent(value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"probationary_percent must be a number, got {type(value).__name__}.")
    value = float(value)
    if not (0.0 <= value < 1.0):
        raise ValueError(f"probationary_percent must be in [0, 1) (a share of the rows; NAB "
                         f"uses 0.15), got {value:g}.")
    return value


def _check_window_count(n_windows, name: str = "n_windows") -> int:
    if isinstance(n_windows, bool) or not isinstance(n_windows, Integral):
        raise TypeError(f"{name} must be an integer (a number of windows), got "
                        f"{type(n_windows).__name__}.")
    if n_windows < 0:
        raise ValueError(f"{name} must be >= 0, got {n_windows}.")
    return int(n_windows)


def _scaled_sigmoid(x):
    """NAB's weight curve ``2 / (1 + exp(5 x)) - 1``: +0.987 at x = -1, 0 at x = 0, -0.987 at
    x = 1, and exactly -1 beyond x = 3 (NAB's cut-off)."""
    x = np.asarray(x, dtype=np.float64)
    y = 2.0 / (1.0 + np.exp(5.0 * np.minimum(x, 4.0))) - 1.0   # the clip only avoids overflow
    return np.where(x > 3.0, -1.0, y)


_MAX_TP = float(_scaled_sigmoid(-1.0))    # the weight of a detection on a window's first row


def _as_time(values, name: str) -> np.ndarray:
    """Timestamps as datetime64 (kept) or numbers (int64 when integral, else float64)."""
    if isinstance(values, (str, bytes, dict, set)) or values is None:
        raise TypeError(f"{name} must be array-like of np.datetime64 or numbers, got "
                        f"{type(values).__name__}.")
    arr = np.asarray(values)
    if arr.dtype.kind in "OUS":                        # ISO strings or datetime objects
        try:
            arr = np.array(arr, dtype="datetime64")
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be np.datetime64 values (or ISO date strings) or "
                            f"numbers, got values of dtype {arr.dtype}: {err}") from None
    if arr.dtype.kind == "M":
        return arr.copy()
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        return arr.astype(np.float64)
    raise TypeError(f"{name} must be np.datetime64 values or numbers, got dtype {arr.dtype}.")


def _nab_layout(timestamps, windows, probationary_percent, where: str = "", *,
                strict_timestamps: bool = False):
    """Check one file's timeline and windows; return ``(n, starts, ends, first_scored)``.

    ``starts`` / ``ends`` are the first / last row index of each window (sorted, inclusive),
    ``first_scored`` the first row after the probationary period.
    """
    if not isinstance(strict_timestamps, (bool, np.bool_)):
        raise TypeError("strict_timestamps must be True or False, got "
                        f"{type(strict_timestamps).__name__}.")
    ts = _as_time(timestamps, f"{where}timestamps")
    if ts.ndim != 1 or ts.size == 0:
        raise ValueError(f"{where}timestamps must be 1-D with at least one row, got shape "
                         f"{ts.shape}.")
    missing = np.isnat(ts) if ts.dtype.kind == "M" else ~np.isfinite(ts)
    if missing.any():
        raise ValueError(f"{where}timestamps contains {int(missing.sum())} missing value(s) "
                         f"(NaT or NaN; first at index {int(np.argmax(missing))}).")
    steps = ts[1:] > ts[:-1]
    if strict_timestamps and not steps.all():
        i = int(np.argmin(steps)) + 1
        raise ValueError(f"{where}timestamps must be strictly increasing (sorted, no "
                         f"duplicates) with strict_timestamps=True, but timestamps[{i}] = "
                         f"{ts[i]} is not after timestamps[{i - 1}] = {ts[i - 1]}.")

    if isinstance(windows, (str, bytes, dict, set)) or windows is None:
        raise TypeError(f"{where}windows must be a sequence of (start, end) pairs, got "
                        f"{type(windows).__name__}.")
    if len(windows) == 0:
        win = ts[:0].reshape(0, 2)
    else:
        try:
            if ts.dtype.kind == "M":
                win = np.array(windows, dtype="datetime64")
            else:
                win = _as_time(windows, f"{where}windows")
        except (TypeError, ValueError) as err:
            raise TypeError(f"{where}windows must be (start, end) pairs in the same units as "
                            f"timestamps ({ts.dtype}): {err}") from None
        if win.ndim != 2 or win.shape[1] != 2:
            raise ValueError(f"{where}windows must be (start, end) pairs, shape (n_windows, 2),"
                             f" got shape {win.shape}.")
        if win.dtype.kind != ts.dtype.kind and "M" in (win.dtype.kind, ts.dtype.kind):
            raise TypeError(f"{where}windows ({win.dtype}) and timestamps ({ts.dtype}) must be "
                            "in the same units: both np.datetime64 or both numbers.")
        bad = np.isnat(win) if win.dtype.kind == "M" else ~np.isfinite(win)
        if bad.any():
            raise ValueError(f"{where}windows contains a missing value (NaT or NaN) in window "
                             f"{int(np.argmax(bad.any(axis=1)))}.")
    common = np.promote_types(ts.dtype, win.dtype)     # e.g. datetime64[s] vs [us] -> [us]
    ts, win = ts.astype(common), win.astype(common)
    first_time, last_time = ts.min(), ts.max()
    for a, b in win:
        if a > b:
            raise ValueError(f"{where}window ({a}, {b}) starts after it ends; windows are "
                             "(start, end) pairs, inclusive at both ends.")
        if a < first_time or b > last_time:
            raise ValueError(f"{where}window ({a}, {b}) lies (partly) outside the series, "
                             f"which runs from {first_time} to {last_time}.")
    # A window covers the rows whose timestamp lies in [start, end] (NAB's rule).
    if (ts[1:] >= ts[:-1]).all():                      # sorted (ties allowed): bisect
        starts = np.searchsorted(ts, win[:, 0], side="left")
        ends = np.searchsorted(ts, win[:, 1], side="right") - 1
        counts = ends - starts + 1
    else:                                              # file order is not time order
        inside = (ts >= win[:, :1]) & (ts <= win[:, 1:])          # (n_windows, n)
        counts = inside.sum(axis=1)
        starts = np.argmax(inside, axis=1)
        ends = ts.shape[0] - 1 - np.argmax(inside[:, ::-1], axis=1)
        broken = (counts > 0) & (ends - starts + 1 != counts)
        if broken.any():
            a, b = win[np.argmax(broken)]
            raise ValueError(f"{where}the rows of window ({a}, {b}) are not consecutive: the "
                             "timestamps are out of order around it. Sort the rows by time.")
    empty = counts <= 0
    if empty.any():
        a, b = win[np.argmax(empty)]
        raise ValueError(f"{where}window ({a}, {b}) contains no row of the series.")
    # Inside a window time must strictly increase: a repeat there would make NAB's two
    # implementations disagree on where the window ends, a reversal on which row is first.
    repeats = np.r_[0, np.cumsum(~steps)]              # repeats[i]: back-steps up to row i
    unsorted = repeats[ends] > repeats[starts]
    if unsorted.any():
        k = int(np.argmax(unsorted))
        i = int(starts[k] + np.argmin(steps[starts[k]:ends[k]])) + 1
        raise ValueError(f"{where}timestamps must increase inside every window, but in "
                         f"window ({win[k, 0]}, {win[k, 1]}) timestamps[{i}] = {ts[i]} is not "
                         f"after timestamps[{i - 1}] = {ts[i - 1]}. (Repeated or backward "
                         "times outside the windows are accepted, as in NAB's own files.)")
    order = np.argsort(starts, kind="stable")
    starts, ends, win = starts[order], ends[order], win[order]
    clash = starts[1:] <= ends[:-1]
    if clash.any():
        k = int(np.argmax(clash)) + 1
        raise ValueError(f"{where}windows ({win[k - 1, 0]}, {win[k - 1, 1]}) and "
                         f"({win[k, 0]}, {win[k, 1]}) overlap; NAB's windows are disjoint "
                         "(merge them first).")

    n = ts.shape[0]
    probation = nab_probationary_length(n, probationary_percent)   # rows i < probation ignored
    return n, starts.astype(np.int64), ends.astype(np.int64), probation


def nab_probationary_length(n_rows: int, probationary_percent: float = 0.15) -> int:
    """Rows at the start of a NAB file where a detector learns and nothing is scored.

    NAB's rule: ``min(floor(p * n_rows), p * 5000)`` rows with ``p = probationary_percent``:
    15 % of the file, but never more than 750 rows. A row ``i`` is scored when
    ``i >= nab_probationary_length(n_rows)``.
    """
    if isinstance(n_rows, bool) or not isinstance(n_rows, Integral) or n_rows < 1:
        raise ValueError(f"n_rows must be a positive integer, got {n_rows!r}.")
    p = _check_probationary_percent(probationary_percent)
    return int(math.ceil(min(math.floor(p * n_rows), p * 5000)))


def _outside(rows, starts, ends) -> np.ndarray:
    """Which of the (sorted) ``rows`` lie outside every window ``[starts, ends]``."""
    if starts.size == 0:
        return np.ones(rows.shape, dtype=bool)
    k = np.searchsorted(starts, rows, side="right") - 1   # the last window starting at/before
    return (k < 0) | (rows > ends[np.maximum(k, 0)])


def _tp_weights(rows, starts, ends) -> np.ndarray:
    """Weight of a first detection at ``rows`` in windows ``[starts, ends]``: 1 at the first
    row of the window, falling towards 0 at its last (before the tp profile weight)."""
    length = ends - starts + 1
    return _scaled_sigmoid(-(ends - rows + 1) / length) / _MAX_TP


def _fp_weights(rows, starts, ends) -> np.ndarray:
    """Weight (<= 0) of false alarms at ``rows`` (outside every window): from the end of the
    closest preceding window, in units of that window's length minus one; -1 with none."""
    k = np.searchsorted(ends, rows, side="left") - 1      # the last window ending before row
    has_prev = k >= 0
    kk = np.maximum(k, 0)
    span = (ends[kk] - starts[kk]).astype(np.float64) if ends.size else np.zeros(rows.shape)
    gap = (rows - ends[kk]).astype(np.float64) if ends.size else np.zeros(rows.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        position = np.where(span > 0, gap / np.where(span > 0, span, 1.0), np.inf)
    return np.where(has_prev, _scaled_sigmoid(position), -1.0)


def nab_score(timestamps, alarms, windows, profile: str = "standard", *,
              probationary_percent: float = 0.15, strict_timestamps: bool = False) -> float:
    """NAB's raw score of one file: reward for early detections, cost for misses and false alarms.

    timestamps: the file's time axis, shape ``(n,)``: ``np.datetime64`` (or ISO strings) or
    plain numbers, in time order (see ``strict_timestamps``). alarms: 0/1 or bool, shape
    ``(n,)`` (a detector's ``anomaly_score >= threshold``). windows: ``(start, end)`` pairs,
    shape ``(n_windows, 2)``, in the units of ``timestamps``, **inclusive at both ends**
    (NAB's convention; they need not fall on a row but must hold at least one row and lie
    inside the series; disjoint); may be empty.
    profile: a key of :data:`NAB_PROFILES`, the weights ``tp``, ``fp``, ``fn`` below.
    strict_timestamps: NAB scores *rows* in file order and uses the timestamps only to find
    each window's rows, and 8 of its 58 files have clock glitches outside their windows
    (a daylight-saving change repeats 03:00 up to 11 times; one file steps back an hour).
    So by default repeated or backward timestamps are accepted *outside* the windows, while
    inside every window time must strictly increase (which also rejects shuffled or reversed
    series). ``True`` demands strictly increasing timestamps everywhere.

    Everything is counted in rows, not in time. The rules, in the order NAB applies them
    (``n`` rows, a window spans rows ``s..e``, ``L = e - s + 1`` rows;
    ``sigma(x) = 2 / (1 + exp(5 x)) - 1 = -tanh(2.5 x)`` is NAB's *scaled sigmoid*: +0.987 at
    x = -1, 0 at x = 0, -0.987 at x = 1, and exactly -1 for x > 3):

    1. **Probationary period.** The first ``min(floor(p * n), p * 5000)`` rows
       (``p = probationary_percent``: 15 % of the file, at most 750 rows) are the detector's
       time to learn. Alarms there are ignored: they neither detect a window nor count as
       false alarms. A window reaching into the period can still be detected after it (its
       position weight still spans the whole window); a window lying wholly inside it cannot
       be detected and counts as missed (rule 4).
    2. **Only the first detection in a window counts.** Later alarms in the same window
       neither add nor cost anything, so one alarm per anomaly is the ideal.
    3. **Earlier is better.** The first alarm, at row ``t``, earns
       ``tp * sigma(x) / sigma(-1)`` with ``x = -(e - t + 1) / L``: the full ``tp`` on the
       window's first row (x = -1), 0.86 ``tp`` halfway, and little more than 0 on its last
       row (x = -1 / L). NAB centres each window on its labelled anomaly, so an alarm at the
       labelled moment earns about 0.86 ``tp``; only an earlier warning earns more.
    4. **A missed window** (no alarm on a scored row inside it) costs ``-fn``.
    5. **False alarms** (alarm rows outside every window) each cost
       ``fp * sigma(x)`` with ``x = (i - e') / (L' - 1)``: the distance after the closest
       preceding window ``(s', e')``, in units of that window's length. Just after a window the
       cost is close to 0 (a late detection is barely punished); one window length later it
       is nearly the full ``-fp`` (0.987 of it). With no window before it a false alarm costs the full ``-fp``
       (and so does one after a one-row window, where NAB's formula divides by zero). Every
       alarm row counts, so a run of 10 alarms costs 10 times: NAB detectors space their alarms.
    6. True negatives score 0. The raw score is the sum of rules 3-5.

    A file without windows and without alarms scores 0. Corpus totals are compared on NAB's
    0-100 scale with :func:`nab_normalised_score`.

    NAB's two implementations differ in one case its corpus never has: its original
    ``scorer.py`` (which produced the published per-file results) counts a window wholly
    inside the probationary period as missed, as here; the later ``sweeper.py`` drops it.
    """
    costs = _nab_costs(profile)
    n, starts, ends, first_scored = _nab_layout(timestamps, windows, probationary_percent,
                                                strict_timestamps=strict_timestamps)
    pred = as_labels(alarms, "alarms")
    if pred.shape[0] != n:
        raise ValueError(f"alarms has {pred.shape[0]} values but timestamps has {n} rows; "
                         "give one 0/1 alarm per row.")
    rows = np.flatnonzero(pred)
    rows = rows[rows >= first_scored]                    # rule 1: probationary alarms ignored
    # Rules 2-4: the first scored alarm at or after each window's start, if inside the window.
    nxt = np.searchsorted(rows, starts)
    first = rows[np.minimum(nxt, rows.size - 1)] if rows.size else starts
    hit = (nxt < rows.size) & (first <= ends)
    tp_part = costs["tp"] * _tp_weights(first[hit], starts[hit], ends[hit]).sum()
    fn_part = -costs["fn"] * np.count_nonzero(~hit)
    # Rule 5: alarms outside every window.
    fp_part = costs["fp"] * _fp_weights(rows[_outside(rows, starts, ends)], starts, ends).sum()
    return float(tp_part + fn_part + fp_part)


def nab_null_score(n_windows: int, profile: str = "standard") -> float:
    """Raw NAB score of a detector that never alarms: every window missed, ``-fn * n_windows``.

    It is the 0 of NAB's normalised scale (:func:`nab_normalised_score`).
    """
    return -_nab_costs(profile)["fn"] * _check_window_count(n_windows)


def nab_perfect_score(n_windows: int, profile: str = "standard") -> float:
    """Raw NAB score NAB's normalisation calls perfect: ``tp * n_windows``.

    That is exactly the score of one alarm on the first row of every window and none
    elsewhere (rule 3 of :func:`nab_score` gives the full ``tp`` there); it is the 100 of the
    normalised scale. NAB's ``runner.py`` computes it as the number of windows in the label
    file times the profile's ``tpWeight``.
    """
    return _nab_costs(profile)["tp"] * _check_window_count(n_windows)


def nab_normalised_score(raw_scores, n_windows, profile: str = "standard") -> float:
    """NAB's final score of a corpus: ``100 * (S - S_null) / (S_perfect - S_null)``.

    ``S`` is the sum of the files' raw scores (:func:`nab_score`), ``S_null`` and
    ``S_perfect`` are :func:`nab_null_score` and :func:`nab_perfect_score` of the corpus's
    total number of windows. 0 means "no better than never alarming", 100 a perfect detector;
    it can be negative (more false-alarm cost than the null detector's misses).

    raw_scores: one raw score per file, shape ``(n_files,)`` (or a single total).
    n_windows: the number of windows per file, shape ``(n_files,)``, or their total (an int).
    """
    raw = as_float_array(raw_scores, "raw_scores", ndim=None).ravel()
    if isinstance(n_windows, Integral) and not isinstance(n_windows, bool):
        total = _check_window_count(n_windows)
    else:
        counts = as_float_array(n_windows, "n_windows", ndim=1)
        if counts.shape[0] != raw.shape[0]:
            raise ValueError(f"n_windows has {counts.shape[0]} entries but raw_scores has "
                             f"{raw.shape[0]}; give one window count per file, or the total.")
        if (counts < 0).any() or not np.array_equal(counts, np.round(counts)):
            raise ValueError("n_windows must hold non-negative whole numbers of windows, got "
                             f"{counts.tolist()[:6]}.")
        total = int(counts.sum())
    if total == 0:
        raise ValueError("The corpus has no window, so NAB's normalised score is undefined "
                         "(perfect and null detectors both score 0).")
    null, perfect = nab_null_score(total, profile), nab_perfect_score(total, profile)
    return float(100.0 * (raw.sum() - null) / (perfect - null))


def nab_threshold_sweep(files, profile: str = "standard", *,
                        probationary_percent: float = 0.15,
                        strict_timestamps: bool = False) -> tuple[float, float]:
    """NAB's threshold optimisation: the one threshold that maximises the corpus score.

    files: a sequence of ``(timestamps, anomaly_scores, windows)``, one per file, each as in
    :func:`nab_score` with the detector's scores (shape ``(n,)``, finite) in place of alarms;
    a row alarms when ``score >= threshold``. probationary_percent, strict_timestamps: as in
    :func:`nab_score`.
    Returns ``(best_threshold, best_normalised_score)``; ``nab_score`` with
    ``alarms = scores >= best_threshold`` reproduces each file's share of it.

    Like NAB's ``sweeper.py``, the candidates are every distinct score on a scored
    (non-probationary) row of the corpus, plus "no alarm at all" (reported as 1.1, NAB's
    start value; above the largest score if some score reaches 1.1); ties go to the highest
    threshold (the fewest alarms). The sweep is exact yet needs only sorting, not one scoring
    pass per candidate: lowering the threshold past a score value switches on the rows with
    that score, and

    * a false-alarm row adds its fixed cost (rule 5 of :func:`nab_score`) from its score down;
    * in a window, the first alarm at threshold ``h`` is the first row where the running
      maximum of the scores inside the window reaches ``h``, so the window's value changes
      only at the running maximum's new records (from ``-fn`` to a detection that moves
      earlier each time).

    Every such change is a (score, change of total) pair; a cumulative sum over them, sorted
    by score, gives the corpus total at every candidate at once.

    NAB tunes the threshold on the very data it reports on, so the result is optimistic;
    NAB accepts this because all detectors get the same treatment.
    """
    costs = _nab_costs(profile)
    if isinstance(files, (str, bytes, dict)) or files is None:
        raise TypeError("files must be a sequence of (timestamps, anomaly_scores, windows) "
                        f"triples, got {type(files).__name__}.")
    files = list(files)
    if not files:
        raise ValueError("files is empty; give at least one (timestamps, anomaly_scores, "
                         "windows) triple.")
    values, changes, candidates = [], [], []
    total_windows = 0
    for f, item in enumerate(files):
        if not isinstance(item, (tuple, list)) or len(item) != 3:
            raise ValueError(f"files[{f}] must be a (timestamps, anomaly_scores, windows) "
                             f"triple, got {type(item).__name__}.")
        timestamps, scores, windows = item
        where = f"files[{f}]: "
        n, starts, ends, first_scored = _nab_layout(timestamps, windows, probationary_percent,
                                                    where, strict_timestamps=strict_timestamps)
        s = as_scores(scores, f"{where}anomaly_scores")
        if s.shape[0] != n:
            raise ValueError(f"{where}anomaly_scores has {s.shape[0]} values but timestamps "
                             f"has {n} rows.")
        total_windows += starts.size
        candidates.append(s[first_scored:])
        # False-alarm rows: scored rows outside every window, each with a fixed cost.
        scored = np.arange(first_scored, n)
        fp_rows = scored[_outside(scored, starts, ends)]
        values.append(s[fp_rows])
        changes.append(costs["fp"] * _fp_weights(fp_rows, starts, ends))
        # Windows: a change at each new record of the running maximum over its scored rows.
        for a, b in zip(starts, ends, strict=True):
            lo = max(int(a), first_scored)
            if lo > b:
                continue                                   # never detectable: stays -fn
            run_max = np.maximum.accumulate(s[lo:b + 1])
            rec = np.flatnonzero(np.r_[True, run_max[1:] > run_max[:-1]])
            gain = costs["tp"] * _tp_weights(lo + rec, a, b)   # detection at each record
            values.append(run_max[rec])
            changes.append(gain - np.r_[gain[1:], -costs["fn"]])
    if total_windows == 0:
        raise ValueError("The corpus has no window, so NAB's normalised score is undefined.")
    values, changes = np.concatenate(values), np.concatenate(changes)
    order = np.argsort(values, kind="stable")
    values, running = values[order], np.cumsum(changes[order])
    thresholds = np.unique(np.concatenate(candidates))[::-1]          # descending
    # Total change from every (score >= threshold) switch-on: all minus those below.
    below = np.searchsorted(values, thresholds, side="left")
    grand = running[-1] if running.size else 0.0
    gained = grand - np.where(below > 0, running[np.maximum(below - 1, 0)], 0.0)
    null = -costs["fn"] * total_windows
    raw = np.r_[null, null + gained]                                  # "no alarm" first
    no_alarm = _NAB_NO_ALARM_THRESHOLD
    if thresholds[0] >= no_alarm:
        no_alarm = float(np.nextafter(thresholds[0], np.inf))
    best = int(np.argmax(raw))                # the first maximum: the highest threshold
    threshold = no_alarm if best == 0 else float(thresholds[best - 1])
    return threshold, nab_normalised_score(raw[best], total_windows, profile)
