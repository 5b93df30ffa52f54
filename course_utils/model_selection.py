"""Model selection on validation data: choose a detector's parameters without touching test.

Derived in notebook 06 ("Tuning on validation"); the benchmark (``benchmarks/detection.py``)
and notebook 10 report its "tuned on validation" column beside the default one.

The leak-free protocol of notebook 04, for parameters instead of a threshold:

1. every candidate of the grid is fitted on the **training** rows (normal only, or
   contaminated: the detector never sees labels);
2. each is scored on the **validation** rows, whose labels give its ROC-AUC (or PR-AUC);
3. the best candidate's parameters are fitted again on the training rows (validation rows
   are never trained on: they hold the anomalies);
4. the test split is scored **once**, by the caller, with the chosen model.

::

    search = ValidationSearch(make_pipeline(StandardScaler(), KNNDetector()),
                              {"knndetector__n_neighbors": [1, 5, 20]})
    search.fit(X_train, X_val, y_val)          # test data never enter
    search.best_params_, search.best_score_    # chosen on validation labels only
    scores = search.decision_function(X_test)  # the one look at the test split

The same selection with scikit-learn's tools: ``GridSearchCV(estimator, grid,
scoring="roc_auc", cv=split, refit=False)`` on ``X, y, split = predefined_split(X_train,
X_val, y_val)`` gives the same validation scores (``refit=False``: scikit-learn would
otherwise refit on training *and* validation rows, anomalies included).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import ParameterGrid, PredefinedSplit

from . import metrics
from ._validate import as_float_array, as_labels

__all__ = ["SCORERS", "ValidationSearch", "predefined_split"]

#: Named validation scores (higher is better): label array first, anomaly scores second.
SCORERS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "roc_auc": metrics.roc_auc,
    "pr_auc": metrics.pr_auc,
}


def _check_grid(estimator, param_grid) -> list[dict]:
    """The candidates of ``param_grid`` as a list of dicts, each parameter checked."""
    if isinstance(param_grid, Mapping):
        grids = [param_grid]
    elif isinstance(param_grid, Sequence) and not isinstance(param_grid, str) \
            and all(isinstance(g, Mapping) for g in param_grid):
        grids = list(param_grid)
    else:
        raise TypeError("param_grid must be a dict {parameter: [values, ...]} or a list of "
                        f"such dicts, got {type(param_grid).__name__}.")
    valid = estimator.get_params(deep=True)
    for grid in grids:
        for name, values in grid.items():
            if name not in valid:
                raise ValueError(
                    f"param_grid names {name!r}, which {type(estimator).__name__} does not "
                    f"have; its parameters are: {', '.join(sorted(valid))}. (In a pipeline, "
                    "prefix the step's name: 'knndetector__n_neighbors'.)")
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) \
                    or len(values) == 0:
                raise ValueError(f"param_grid[{name!r}] must be a non-empty list of values, "
                                 f"got {values!r}.")
    candidates = list(ParameterGrid(grids))
    if not candidates:
        raise ValueError("param_grid has no candidate: give at least one parameter value.")
    return candidates


def _check_scoring(scoring) -> Callable[[np.ndarray, np.ndarray], float]:
    if callable(scoring):
        return scoring
    if isinstance(scoring, str) and scoring in SCORERS:
        return SCORERS[scoring]
    raise ValueError(f"scoring must be one of {', '.join(map(repr, SCORERS))} or a function "
                     f"(y_val, scores) -> float, got {scoring!r}.")


class ValidationSearch:
    """Grid search on a validation split: fit on training rows, choose on validation labels.

    estimator: a detector or a pipeline ending in one (``fit(X)``, ``decision_function(X)``,
    higher = more anomalous); param_grid: ``{name: [values]}`` (or a list of such dicts), the
    names as ``estimator.get_params()`` spells them; scoring: ``"roc_auc"`` (default),
    ``"pr_auc"`` or a function ``(y_val, scores) -> float``, higher is better.

    After ``fit(X_train, X_val, y_val)``: ``best_params_``, ``best_score_`` (its validation
    score), ``best_index_``, ``best_estimator_`` (a fresh clone with ``best_params_``, fitted on
    ``X_train``) and ``results_``, one dict per candidate in grid order: ``params``,
    ``score`` (NaN if fitting failed), ``fit_s`` and ``error`` (the message, or ``None``).
    A candidate whose fit raises ``ValueError`` (e.g. PCA keeping every component) is
    skipped with its message; if every candidate fails, ``fit`` raises. Ties go to the
    estimator's own setting when it is among them (a default changes only when validation
    says something else is better), otherwise to the earliest candidate. The test split never enters: score it once with
    ``decision_function``.
    """

    def __init__(self, estimator, param_grid, *, scoring="roc_auc"):
        self.estimator = estimator
        self.param_grid = param_grid
        self.scoring = scoring

    def fit(self, X_train, X_val, y_val):
        """Fit every candidate on ``X_train``, score it on ``(X_val, y_val)``; return self."""
        if not (hasattr(self.estimator, "fit") and hasattr(self.estimator, "decision_function")):
            raise TypeError("estimator must be a detector (or pipeline) with fit and "
                            f"decision_function, got {type(self.estimator).__name__}.")
        candidates = _check_grid(self.estimator, self.param_grid)
        scorer = _check_scoring(self.scoring)
        X_train = as_float_array(X_train, "X_train")
        X_val = as_float_array(X_val, "X_val")
        if X_val.shape[1] != X_train.shape[1]:
            raise ValueError(f"X_val has {X_val.shape[1]} features but X_train has "
                             f"{X_train.shape[1]}: use the same columns.")
        y_val = as_labels(y_val, "y_val", n_samples=X_val.shape[0], require_both=True)
        results = []
        for params in candidates:
            model = clone(self.estimator).set_params(**params)
            start = time.perf_counter()
            try:
                model.fit(X_train)
                score, error = float(scorer(y_val, model.decision_function(X_val))), None
            except ValueError as err:
                score, error = float("nan"), str(err)
            results.append({"params": params, "score": score,
                            "fit_s": time.perf_counter() - start, "error": error})
        scores = np.array([r["score"] for r in results])
        if np.isnan(scores).all():
            raise ValueError(f"Every candidate of param_grid failed; the first: "
                             f"{results[0]['error']}")
        self.results_ = results
        self.best_index_ = self._best(scores, results)
        self.best_params_ = dict(results[self.best_index_]["params"])
        self.best_score_ = float(scores[self.best_index_])
        self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_).fit(X_train)
        return self

    def _best(self, scores, results) -> int:
        """The best candidate; among tied ones the estimator's own setting, else the first."""
        tied = np.flatnonzero(scores == np.nanmax(scores))
        own = self.estimator.get_params(deep=True)
        same = [i for i in tied if all(_equal(own[k], v) for k, v in results[i]["params"].items())]
        return int(same[0] if same else tied[0])

    def _check_fitted(self):
        if not hasattr(self, "best_estimator_"):
            raise NotFittedError("This ValidationSearch is not fitted yet: call "
                                 "fit(X_train, X_val, y_val) first.")

    def decision_function(self, X) -> np.ndarray:
        """Anomaly scores of ``X`` from the chosen model (fitted on the training rows)."""
        self._check_fitted()
        return self.best_estimator_.decision_function(X)

    def predict(self, X) -> np.ndarray:
        """0 / 1 labels of ``X`` from the chosen model at its ``threshold_``."""
        self._check_fitted()
        return self.best_estimator_.predict(X)


def _equal(a, b) -> bool:
    return type(a) is type(b) and a == b


def predefined_split(X_train, X_val, y_val, y_train=None):
    """``(X, y, cv)`` for scikit-learn's searches: train on ``X_train``, score on ``X_val``.

    ``X`` stacks the training rows on the validation rows; ``y`` their labels (``y_train``,
    or zeros for a normal-only training set: detectors ignore ``y`` in ``fit``); ``cv`` a
    ``PredefinedSplit`` with a single split. Pass ``refit=False`` to ``GridSearchCV``: its
    refit would train on the validation anomalies too.
    """
    X_train = as_float_array(X_train, "X_train")
    X_val = as_float_array(X_val, "X_val")
    y_val = as_labels(y_val, "y_val", n_samples=X_val.shape[0], require_both=True)
    y_train = (np.zeros(X_train.shape[0], dtype=np.int64) if y_train is None
               else as_labels(y_train, "y_train", n_samples=X_train.shape[0]))
    fold = np.r_[np.full(X_train.shape[0], -1), np.zeros(X_val.shape[0], dtype=int)]
    return np.vstack([X_train, X_val]), np.r_[y_train, y_val], PredefinedSplit(fold)
