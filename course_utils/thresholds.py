"""Threshold strategies: turning anomaly scores into a yes / no decision.

A detector gives every sample a score (higher = more anomalous). A threshold turns the
score into a flag, with one rule used everywhere in the course (see :func:`flag`)::

    flagged as anomaly  <=>  score >= threshold

The threshold is always an explicit, named choice, and each strategy is fitted on a
stated part of the data — **never on the test data** (that would report a threshold tuned
on the very samples it is judged on):

=========== ====================================== ========================================
name         fitted on                              function
=========== ====================================== ========================================
"quantile"   training scores, no labels needed      ``quantile_threshold(scores, contamination)``
"mean_std"   training scores of normal data         ``mean_std_threshold(scores, k=3)``
"best_f1"    validation scores *and* labels         ``best_f1_threshold(y_val, scores_val)``
"cost"       validation scores *and* labels         ``cost_threshold(y_val, scores_val, cost_fp, cost_fn)``
=========== ====================================== ========================================

``STRATEGIES`` maps the names to the functions; :func:`compute_threshold` accepts a name,
a number (used as it is) or your own function, which is how detectors accept
``threshold="quantile"``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from ._validate import as_labels, as_scores, check_choice, check_fraction, check_number

__all__ = ["flag", "quantile_threshold", "mean_std_threshold", "best_f1_threshold",
           "cost_threshold", "STRATEGIES", "LABELLED_STRATEGIES", "compute_threshold",
           "check_strategy", "check_cost"]


def flag(scores, threshold) -> np.ndarray:
    """Return 0/1 flags, shape ``(n,)``: 1 where ``score >= threshold`` (the course's rule)."""
    scores = as_scores(scores)
    return (scores >= _check_threshold_value(threshold)).astype(np.int64)


def quantile_threshold(scores, contamination: float = 0.05) -> float:
    """Threshold that flags about a ``contamination`` fraction of ``scores``.

    Fitted on the **training** scores: ``contamination`` is your estimate of the share of
    anomalies in the training data (or the false-alarm rate you accept when training on
    normal data only). It must lie in (0, 0.5). Ties among scores can flag a few more.

    scores: shape ``(n,)``. Returns the ``1 - contamination`` quantile (linear interpolation).
    """
    scores = as_scores(scores)
    contamination = check_fraction(contamination, "contamination", low=0.0, high=0.5)
    return float(np.quantile(scores, 1.0 - contamination))


def mean_std_threshold(scores, k: float = 3.0) -> float:
    """Threshold ``mean + k * std`` of ``scores`` (population std, ``ddof=0``).

    Fitted on the **training** scores of normal data: "more than k standard deviations above
    what normal data usually scores". Skewed scores (distances, errors) make the flagged
    fraction differ from the Gaussian rule of thumb (0.13 % for k = 3).
    """
    scores = as_scores(scores)
    k = check_fraction(k, "k", low=0.0, high=np.inf)
    return float(scores.mean() + k * scores.std())


def _sweep(y: np.ndarray, scores: np.ndarray):
    """Every candidate threshold (each distinct score, high to low) with its TP and FP counts."""
    order = np.argsort(-scores, kind="stable")
    s, labels = scores[order], y[order]
    tp, fp = np.cumsum(labels), np.cumsum(1 - labels)
    last = np.r_[s[1:] != s[:-1], True]          # the last row of each run of equal scores
    return s[last], tp[last], fp[last]


def best_f1_threshold(y_val, scores_val) -> float:
    """Threshold with the highest F1 on **validation** data (labels 0/1, both classes present).

    Candidates are the distinct validation scores; among equally good ones the highest
    threshold (fewest alarms) wins. Returns the threshold; ``metrics.precision_recall_f1_at``
    gives its F1.
    """
    y = as_labels(y_val, "y_val", require_both=True)
    scores = as_scores(scores_val, "scores_val", n_samples=y.shape[0])
    thresholds, tp, fp = _sweep(y, scores)
    f1 = 2 * tp / (tp + fp + y.sum())           # 2TP / (2TP + FP + FN), since FN = P - TP
    return float(thresholds[np.argmax(f1)])


def cost_threshold(y_val, scores_val, cost_fp: float = 1.0, cost_fn: float = 10.0) -> float:
    """Threshold that minimises the cost of errors ``cost_fp * FP + cost_fn * FN`` on validation data.

    Fitted on **validation** scores and labels. The costs are per error (a missed fraud costs
    ten false alarms by default); minimising the total is the same as minimising the expected
    cost per sample. Candidates are the distinct scores and "flag nothing" (``inf``); among
    equally cheap ones the highest threshold wins.
    """
    y = as_labels(y_val, "y_val", require_both=True)
    scores = as_scores(scores_val, "scores_val", n_samples=y.shape[0])
    cost_fp, cost_fn = check_cost(cost_fp, "cost_fp"), check_cost(cost_fn, "cost_fn")
    thresholds, tp, fp = _sweep(y, scores)
    thresholds, tp, fp = np.r_[np.inf, thresholds], np.r_[0, tp], np.r_[0, fp]
    cost = cost_fp * fp + cost_fn * (y.sum() - tp)
    return float(thresholds[np.argmin(cost)])


def check_cost(value, name: str) -> float:
    """Check that a cost per error is a finite number >= 0 and return it as a float."""
    return check_number(value, name, low=0.0, low_inclusive=True)


STRATEGIES = {
    "quantile": quantile_threshold,
    "mean_std": mean_std_threshold,
    "best_f1": best_f1_threshold,
    "cost": cost_threshold,
}
LABELLED_STRATEGIES = frozenset({"best_f1", "cost"})


def _check_threshold_value(value) -> float:
    """A threshold is a real number; ``inf`` (flag nothing) is fine, NaN flags nothing silently."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"A threshold must be a number, got {value!r}.")
    if np.isnan(value):
        raise ValueError("A threshold must be a number, got NaN: every comparison with NaN is "
                         "False, so nothing would ever be flagged. Check the scores or the "
                         "threshold function.")
    return float(value)


def compute_threshold(strategy, scores, y=None, **params) -> float:
    """Fit a threshold with ``strategy`` on ``scores`` (and labels ``y`` where it needs them).

    strategy: a name from ``STRATEGIES``; a number (returned as it is); or a function called
    like the named ones — ``f(scores, **params)`` without labels, ``f(y, scores, **params)``
    with them. The labelled strategies ("best_f1", "cost") need validation labels ``y``.
    """
    if callable(strategy):
        value = strategy(scores, **params) if y is None else strategy(y, scores, **params)
        return _check_threshold_value(value)
    if not isinstance(strategy, str):
        return _check_threshold_value(strategy)
    check_strategy(strategy, has_labels=y is not None)
    if strategy in LABELLED_STRATEGIES:
        return STRATEGIES[strategy](y, scores, **params)
    return STRATEGIES[strategy](scores, **params)


def check_strategy(strategy: str, *, has_labels: bool = False) -> str:
    """Check a strategy name, and that labels are given exactly when it needs them."""
    check_choice(strategy, "threshold strategy", tuple(STRATEGIES))
    if strategy in LABELLED_STRATEGIES and not has_labels:
        raise ValueError(
            f"Threshold strategy {strategy!r} is fitted on validation labels, but none were "
            f"given. Pass y. With a detector: fit it with threshold='quantile', then call "
            f"detector.fit_threshold(X_val, y_val, strategy={strategy!r}).")
    if strategy not in LABELLED_STRATEGIES and has_labels:
        raise ValueError(f"Threshold strategy {strategy!r} uses scores only, but labels y were "
                         "given. Pass the scores of normal data without labels.")
    return strategy
