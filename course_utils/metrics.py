"""Evaluation of anomaly detectors: ranking quality, decisions at a threshold, events in time.

Conventions: ``y`` holds 0 (normal) / 1 (anomaly), shape ``(n,)``; ``scores`` are higher
for more anomalous samples, shape ``(n,)``; a sample is flagged when
``score >= threshold`` (:func:`course_utils.thresholds.flag`).

* Ranking, no threshold needed: :func:`roc_auc`, :func:`pr_auc` (average precision) and its
  chance level :func:`chance_pr_auc` (the prevalence), :func:`recall_at_fpr`.
* Decisions at a threshold: :func:`confusion_at`, :func:`precision_recall_f1_at`.
* Both at once, printable: :func:`evaluate` returns a :class:`DetectionReport`.
* Time series: :func:`event_recall`, :func:`detected_events`, :func:`false_alarms_per_day`,
  with events as half-open index intervals ``(start, stop)``, like Python slices.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from ._validate import as_float_array, as_labels, as_scores, check_fraction
from .thresholds import flag

__all__ = ["roc_auc", "pr_auc", "chance_pr_auc", "confusion_at", "precision_recall_f1_at",
           "recall_at_fpr", "DetectionReport", "evaluate", "events_from_labels",
           "detected_events", "event_recall", "false_alarms_per_day"]


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
