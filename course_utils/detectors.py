"""Anomaly detectors with one API: scikit-learn's estimator contract, PyOD's score convention.

Every detector

* stores its constructor arguments unchanged, so ``sklearn.base.clone`` and ``get_params``
  work (for grid searches, benchmarks over seeds and ensembles);
* ``fit(X)`` learns from training data ``X`` of shape ``(n_samples, n_features)`` — normal
  data only, or contaminated data: say which — and returns ``self``;
* ``decision_function(X)`` returns one score per row, shape ``(n_samples,)``,
  **higher = more anomalous**;
* ``predict(X)`` returns 0 (normal) / 1 (anomaly): 1 where ``score >= threshold_`` — PyOD's
  convention, **not** scikit-learn's +1 (inlier) / -1 (outlier);
* after ``fit``: ``decision_scores_`` (the training rows' scores), ``threshold_``,
  ``labels_`` (the training rows' 0 / 1 labels at ``threshold_``, as in PyOD) and
  ``n_features_in_``;
* ``fit`` is atomic: if it raises, the detector keeps the fitted state it had before the
  call (or stays unfitted).

To scikit-learn every detector is an outlier detector (``OutlierMixin``: the estimator
type ``"outlier_detector"``), so scorers call ``decision_function`` and
``GridSearchCV(make_pipeline(StandardScaler(), KNNDetector()), ..., scoring="roc_auc")``
scores with labelled ``y`` (1 = anomaly). ``tests/test_sklearn_contract.py`` runs
scikit-learn's estimator checks and lists where the course deviates on purpose.

``fit`` never seeds anything and leaves Python's and NumPy's global random state alone,
with one convention kept from scikit-learn: ``random_state=None`` means "draw from NumPy's
global ``RandomState``" (so ``np.random.seed`` makes it repeatable); pass an int to keep
the global state out of it.

The threshold is an explicit, named choice (:mod:`course_utils.thresholds`):
``threshold="quantile"`` flags the top ``contamination`` share of the training scores,
``"mean_std"`` uses mean + 3 std of the training scores, a number is used as it is, and a
function receives the training scores. Strategies that need labels (``"best_f1"``,
``"cost"``) are fitted afterwards on validation data with
``detector.fit_threshold(X_val, y_val, strategy="best_f1")`` — never on test data.

A new detector subclasses :class:`BaseDetector`: its ``__init__`` lists every parameter and
stores it unchanged, ``_fit_scores(X)`` fits and returns the training scores, and
``_score(X)`` scores new rows. Both receive ``X`` already checked: a float64 2-D copy.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.cluster import KMeans
from sklearn.covariance import EmpiricalCovariance, LedoitWolf, MinCovDet
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors
from sklearn.svm import OneClassSVM

from ._validate import (
    as_float_array,
    as_labels,
    check_choice,
    check_fraction,
    check_number,
    check_positive_int,
    check_seed,
)
from .thresholds import check_strategy, compute_threshold, flag

__all__ = ["BaseDetector", "SklearnAdapter", "GaussianDetector", "KNNDetector", "LOFDetector",
           "KMeansDetector", "IsolationForestDetector", "OneClassSVMDetector", "PCADetector",
           "FusionDetector", "holdout_split"]


class BaseDetector(OutlierMixin, BaseEstimator):
    """Base class: validation, the threshold and the fitted state; subclasses only score."""

    def __init__(self, *, threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination

    # --- the two hooks a detector implements ---------------------------------------------
    def _fit_scores(self, X: np.ndarray) -> np.ndarray:
        """Fit on ``X`` and return the training scores, shape ``(n_samples,)``."""
        raise NotImplementedError

    def _score(self, X: np.ndarray) -> np.ndarray:
        """Scores of new rows ``X`` (already checked), shape ``(n_samples,)``."""
        raise NotImplementedError

    # --- the public API -------------------------------------------------------------------
    def fit(self, X, y=None):
        """Fit on training data ``X`` (n_samples, n_features); ``y`` is ignored. Returns self.

        Atomic: if fitting raises (bad input, a NaN threshold, diverging training, Ctrl-C),
        the detector is left exactly as it was before the call.
        """
        # Atomicity by snapshot: copy the instance's __dict__ and put it back if anything
        # raises. Chosen over "fit a clone, copy its attributes over on success" because it
        # keeps what a clone would lose (attributes set outside __init__, subclasses that
        # override fit and call this one) and needs no list of fitted attributes. A shallow
        # copy is enough: fitting only *rebinds* attributes to new objects (a new scikit-learn
        # estimator, a new Keras model, new arrays) and never mutates the previous ones.
        saved = self.__dict__.copy()
        try:
            self._fit(X)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    def _fit(self, X):
        X = as_float_array(X, "X")
        contamination = check_fraction(self.contamination, "contamination")
        if isinstance(self.threshold, str):           # fail before a long training run
            check_strategy(self.threshold)
        scores = self._checked_scores(self._fit_scores(X), X.shape[0])
        self.n_features_in_ = X.shape[1]
        self.decision_scores_ = scores
        params = {"contamination": contamination} if _is_name(self.threshold, "quantile") else {}
        self.threshold_ = compute_threshold(self.threshold, scores, **params)

    def decision_function(self, X) -> np.ndarray:
        """Anomaly scores of ``X`` (n_samples, n_features): shape ``(n_samples,)``, higher = more anomalous."""
        self._check_fitted()
        X = as_float_array(X, "X")
        self._check_n_features(X)
        return self._checked_scores(self._score(X), X.shape[0])

    def predict(self, X) -> np.ndarray:
        """0 (normal) / 1 (anomaly) for each row of ``X``: 1 where ``score >= threshold_``."""
        return flag(self.decision_function(X), self.threshold_)

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit on ``X`` and return its rows' 0 (normal) / 1 (anomaly) labels: ``labels_``.

        As in PyOD, these are the labels of the training scores ``decision_scores_`` (for
        kNN and LOF each training row is left out of its own neighbours, so they can differ
        from ``fit(X).predict(X)``). ``y`` is ignored.
        """
        return self.fit(X, y).labels_

    @property
    def labels_(self) -> np.ndarray:
        """0 (normal) / 1 (anomaly) labels of the training rows at ``threshold_`` (PyOD's
        ``labels_``): 1 where ``decision_scores_ >= threshold_``. Follows ``fit_threshold``."""
        self._check_fitted()
        return flag(self.decision_scores_, self.threshold_)

    def fit_threshold(self, X_val, y_val=None, *, strategy="best_f1", **params):
        """Refit ``threshold_`` on held-out **validation** data (never test data); returns self.

        strategy: a name from ``thresholds.STRATEGIES`` ("best_f1" and "cost" need ``y_val``;
        "quantile" and "mean_std" take normal validation data without labels), a number or
        a function. ``params`` go to the strategy, e.g. ``cost_fp=1, cost_fn=10``.
        With ``strategy="quantile"`` and no ``contamination=`` in ``params``, the detector's
        own ``contamination`` is used, as in ``fit``. Atomic: if it raises, ``threshold_`` is
        unchanged.
        """
        scores = self.decision_function(X_val)
        y = None if y_val is None else as_labels(y_val, "y_val", n_samples=scores.shape[0])
        if _is_name(strategy, "quantile") and "contamination" not in params:
            params["contamination"] = check_fraction(self.contamination, "contamination")
        self.threshold_ = compute_threshold(strategy, scores, y, **params)
        return self

    # --- helpers --------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "threshold_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call "
                                 "fit(X_train) first.")

    def _check_n_features(self, X: np.ndarray):
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input: it was "
                             f"fitted with {self.n_features_in_}. Use the same columns as in "
                             "fit.")

    def _checked_scores(self, scores, n: int) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.shape != (n,):
            raise ValueError(f"{type(self).__name__} produced scores of shape {scores.shape}; "
                             f"expected ({n},), one per row.")
        if not np.isfinite(scores).all():
            raise ValueError(f"{type(self).__name__} produced NaN or infinite scores; check "
                             "the input scale and the detector's parameters.")
        return scores


def _is_name(value, name: str) -> bool:
    return isinstance(value, str) and value == name


class SklearnAdapter(BaseDetector):
    """A scikit-learn outlier detector in the course's convention: **the one place the sign flips**.

    scikit-learn's detectors score the other way round: ``score_samples(X)`` is *higher for
    more normal* samples (and their ``predict`` says +1 normal, -1 anomaly). The course wants
    higher = more anomalous, so this adapter returns ``-score_samples(X)``. The negation gives
    back the scores of the original papers: Isolation Forest's ``s(x)`` in (0, 1] (Liu, Ting
    & Zhou 2008) and LOF's local outlier factor (about 1 for inliers).

    Use it directly, ``SklearnAdapter(EllipticEnvelope())``, or subclass it and build the
    estimator from your own parameters in ``_make_estimator()``. ``estimator_`` is the fitted
    scikit-learn object.
    """

    def __init__(self, estimator=None, *, threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.estimator = estimator

    def _make_estimator(self):
        if self.estimator is None or not hasattr(self.estimator, "score_samples"):
            raise TypeError("SklearnAdapter needs a scikit-learn detector with score_samples, "
                            f"got {type(self.estimator).__name__}.")
        return clone(self.estimator)

    def _sklearn_training_scores(self, X):
        """Training rows' scores in scikit-learn's sign (higher = more normal)."""
        return self.estimator_.score_samples(X)

    def _fit_scores(self, X):
        self.estimator_ = self._make_estimator().fit(X)
        return -self._sklearn_training_scores(X)

    def _score(self, X):
        return -self.estimator_.score_samples(X)


class GaussianDetector(BaseDetector):
    """Mahalanobis distance to the training mean: the z-score for many correlated features.

    covariance: ``"empirical"`` (the textbook estimate), ``"ledoit_wolf"`` (shrunk towards
    a diagonal: stable with many features and few samples; the default) or ``"mcd"``
    (Minimum Covariance Determinant: robust, ignores up to half of a contaminated training
    set; uses ``random_state``). The score is the distance in units of standard deviation.
    """

    _COVARIANCES = {"empirical": EmpiricalCovariance, "ledoit_wolf": LedoitWolf,
                    "mcd": MinCovDet}

    def __init__(self, covariance="ledoit_wolf", *, random_state=None, threshold="quantile",
                 contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.covariance = covariance
        self.random_state = random_state

    def _fit_scores(self, X):
        check_choice(self.covariance, "covariance", tuple(self._COVARIANCES))
        kwargs = {"random_state": self.random_state} if self.covariance == "mcd" else {}
        self.covariance_ = self._COVARIANCES[self.covariance](**kwargs).fit(X)
        return self._score(X)

    def _score(self, X):
        return np.sqrt(np.maximum(self.covariance_.mahalanobis(X), 0.0))


class KNNDetector(BaseDetector):
    """Distance to the k-th nearest training point (``method="largest"``) or the mean distance
    to the k nearest (``method="mean"``). Training rows are scored without counting
    themselves as their own neighbour. Scale the features first: distances mix their units.
    """

    def __init__(self, n_neighbors=5, *, method="largest", threshold="quantile",
                 contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.n_neighbors = n_neighbors
        self.method = method

    def _fit_scores(self, X):
        k = check_positive_int(self.n_neighbors, "n_neighbors")
        check_choice(self.method, "method", ("largest", "mean"))
        if k >= X.shape[0]:
            raise ValueError(f"n_neighbors={k} needs more than {k} training samples, "
                             f"got {X.shape[0]} sample(s).")
        self.neighbors_ = NearestNeighbors(n_neighbors=k).fit(X)
        distances, _ = self.neighbors_.kneighbors()     # no X: leave each training row out
        return self._reduce(distances)

    def _score(self, X):
        distances, _ = self.neighbors_.kneighbors(X)
        return self._reduce(distances)

    def _reduce(self, distances):
        return distances[:, -1] if self.method == "largest" else distances.mean(axis=1)


class KMeansDetector(BaseDetector):
    """Distance to the nearest k-means centroid: far from every cluster = anomalous."""

    def __init__(self, n_clusters=8, *, n_init=10, random_state=None, threshold="quantile",
                 contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.random_state = random_state

    def _fit_scores(self, X):
        self.kmeans_ = KMeans(n_clusters=self.n_clusters, n_init=self.n_init,
                              random_state=self.random_state).fit(X)
        return self._score(X)

    def _score(self, X):
        return self.kmeans_.transform(X).min(axis=1)


class PCADetector(BaseDetector):
    """Reconstruction error of PCA: squared distance to the subspace of the main components.

    n_components: an int, or a float in (0, 1) for the share of variance to keep. It must
    keep fewer components than features, otherwise every error is zero. The linear
    ancestor of the autoencoder detector.
    """

    def __init__(self, n_components=0.9, *, threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.n_components = n_components

    def _fit_scores(self, X):
        self.pca_ = PCA(n_components=self.n_components, svd_solver="full").fit(X)
        if self.pca_.n_components_ >= X.shape[1]:
            raise ValueError(f"n_components={self.n_components!r} keeps all {X.shape[1]} "
                             f"components of X's {X.shape[1]} feature(s), so the "
                             "reconstruction error is zero everywhere. Keep fewer components.")
        return self._score(X)

    def _score(self, X):
        residual = X - self.pca_.inverse_transform(self.pca_.transform(X))
        return (residual**2).sum(axis=1)


class LOFDetector(SklearnAdapter):
    """Local Outlier Factor: how much sparser a point's neighbourhood is than its neighbours'.

    Wraps ``LocalOutlierFactor(novelty=True)``; training rows get their leave-one-out factor.
    """

    def __init__(self, n_neighbors=20, *, threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.n_neighbors = n_neighbors

    def _make_estimator(self):
        return LocalOutlierFactor(n_neighbors=self.n_neighbors, novelty=True)

    def _sklearn_training_scores(self, X):
        return self.estimator_.negative_outlier_factor_


class IsolationForestDetector(SklearnAdapter):
    """Isolation Forest: anomalies are isolated by fewer random splits (Liu, Ting & Zhou 2008)."""

    def __init__(self, n_estimators=100, *, max_samples="auto", random_state=None,
                 threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.random_state = random_state

    def _make_estimator(self):
        return IsolationForest(n_estimators=self.n_estimators, max_samples=self.max_samples,
                               random_state=self.random_state)


class OneClassSVMDetector(SklearnAdapter):
    """One-Class SVM: a kernel boundary around the training data; scale the features first.

    ``nu`` bounds the share of training points left outside the boundary.
    """

    def __init__(self, nu=0.5, *, kernel="rbf", gamma="scale", threshold="quantile",
                 contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.nu = nu
        self.kernel = kernel
        self.gamma = gamma

    def _make_estimator(self):
        return OneClassSVM(nu=self.nu, kernel=self.kernel, gamma=self.gamma)

    def _fit_scores(self, X):
        # scikit-learn's libsvm wrapper draws a seed from NumPy's global RandomState on
        # every fit (OneClassSVM has no random_state), which one-class training never uses:
        # put the global state back, so fit has no side effect on it
        state = np.random.get_state()  # noqa: NPY002 - libsvm draws a seed from the global state
        try:
            return super()._fit_scores(X)
        finally:
            np.random.set_state(state)  # noqa: NPY002 - leave the global state as it was


def holdout_split(n_samples: int, holdout: float, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows to fit on and rows held out: ``(fit_rows, held_out_rows)``, sorted indices.

    ``round(holdout * n_samples)`` rows drawn at random (``random_state``) are held out; the
    same arguments always give the same split (the benchmark relies on it to fit
    :class:`FusionDetector`'s members once and share them).
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    holdout = check_number(holdout, "holdout", low=0.0, high=0.9, low_inclusive=True,
                           high_inclusive=True)
    n_held = int(round(holdout * n_samples))
    if holdout > 0 and not (1 <= n_held <= n_samples - 2):
        raise ValueError(f"Too few rows for holdout={holdout:g}: n_samples = {n_samples} leaves "
                         f"{n_held} rows to normalise on and {n_samples - n_held} to fit on; "
                         "they need at least 1 and 2 rows: pass more rows or another holdout.")
    order = np.random.default_rng(check_seed(random_state, "random_state")).permutation(n_samples)
    return np.sort(order[n_held:]), np.sort(order[:n_held])


class FusionDetector(BaseDetector):
    """Model fusion: several detectors combined into one score, on a common scale.

    Members score on their own scales (a Mahalanobis distance, an isolation depth, a
    reconstruction error), so averaging raw scores lets the largest scale win. Each member's
    scores are first normalised with statistics of its scores on **held-out normal rows**:
    ``fit(X)`` holds out a share ``holdout`` of ``X`` (:func:`holdout_split`), fits the
    members on the rest and scores the held-out rows with them. Rows a member was trained
    on are not a fair reference: an autoencoder reconstructs its own training rows better
    than new normal rows, so its training scores are too low and every new row would look
    unusual to it — and more so than to a member whose training scores are honest.
    ``holdout=0`` normalises on the members' own training scores (``decision_scores_``),
    to show that bias.

    * ``method="rank"``: the share of reference scores at or below the score (the empirical
      CDF, in [0, 1]); robust to outliers and to any monotone rescaling of a member;
    * ``method="zscore"``: ``(score - mean_ref) / std_ref``; keeps how *far* beyond the
      normal range a score lies, which ranks cannot (every score above the reference
      maximum has rank 1).

    The fused score is the mean of the normalised scores (``combine="mean"``) or their
    maximum (``combine="max"``: flags what *any* member finds very unusual). Members are
    cloned and fitted on the same rows; ``detectors_`` holds the fitted copies,
    ``reference_rows_`` the indices of the held-out rows of ``X``. ``decision_scores_`` are
    the fused scores of all rows of ``X``.
    """

    def __init__(self, detectors=(), *, method="rank", combine="mean", holdout=0.2,
                 random_state=0, threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.detectors = detectors
        self.method = method
        self.combine = combine
        self.holdout = holdout
        self.random_state = random_state

    def _fit_scores(self, X):
        check_choice(self.method, "method", ("rank", "zscore"))
        check_choice(self.combine, "combine", ("mean", "max"))
        members = list(self.detectors) if isinstance(self.detectors, (list, tuple)) else None
        if not members or not all(hasattr(d, "fit") and hasattr(d, "decision_function")
                                  for d in members):
            raise TypeError("detectors must be a non-empty list of detectors with fit and "
                            f"decision_function, got {self.detectors!r}.")
        fit_rows, held_out = holdout_split(X.shape[0], self.holdout, self.random_state)
        self.detectors_ = [clone(d).fit(X[fit_rows]) for d in members]
        self.reference_rows_ = held_out
        reference = ([np.asarray(d.decision_function(X[held_out]), dtype=np.float64)
                      for d in self.detectors_] if held_out.size else
                     [np.asarray(d.decision_scores_, dtype=np.float64) for d in self.detectors_])
        self.reference_scores_ = [np.sort(s) for s in reference]
        self.means_ = np.array([s.mean() for s in reference])
        stds = np.array([s.std() for s in reference])
        self.stds_ = np.where(stds > 0, stds, 1.0)  # a constant member contributes 0, not NaN
        if not held_out.size:
            return self._fuse(reference)
        return self._score(X)

    def _score(self, X):
        return self._fuse([d.decision_function(X) for d in self.detectors_])

    def normalised_scores(self, X) -> np.ndarray:
        """Each member's normalised scores of ``X``: shape ``(n_samples, n_detectors)``."""
        self._check_fitted()
        return np.column_stack(self._normalise([d.decision_function(X)
                                                for d in self.detectors_]))

    def _normalise(self, member_scores):
        if self.method == "rank":
            return [np.searchsorted(ref, s, side="right") / ref.size
                    for ref, s in zip(self.reference_scores_, member_scores, strict=True)]
        return [(s - m) / sd for s, m, sd in zip(member_scores, self.means_, self.stds_,
                                                 strict=True)]

    def _fuse(self, member_scores):
        stacked = np.column_stack(self._normalise(member_scores))
        return stacked.mean(axis=1) if self.combine == "mean" else stacked.max(axis=1)

