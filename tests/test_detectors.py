"""Detectors: the shared contract for every detector, then what each one measures."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone, is_outlier_detector
from sklearn.covariance import EllipticEnvelope
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError

from course_utils import detectors as det
from course_utils import thresholds

# Small and fast settings; random_state wherever the detector is random.
FACTORIES = {
    "gaussian": lambda: det.GaussianDetector(),
    "gaussian_mcd": lambda: det.GaussianDetector(covariance="mcd", random_state=0),
    "knn": lambda: det.KNNDetector(n_neighbors=5),
    "knn_mean": lambda: det.KNNDetector(n_neighbors=5, method="mean"),
    "lof": lambda: det.LOFDetector(n_neighbors=10),
    "kmeans": lambda: det.KMeansDetector(n_clusters=3, n_init=2, random_state=0),
    "iforest": lambda: det.IsolationForestDetector(n_estimators=50, random_state=0),
    "ocsvm": lambda: det.OneClassSVMDetector(nu=0.1),
    "pca": lambda: det.PCADetector(n_components=2),
    "adapter": lambda: det.SklearnAdapter(EllipticEnvelope(random_state=0)),
}
NAMES = sorted(FACTORIES)


def make_normal(n, seed):
    """Normal data near a 2-D plane inside 4-D space (so PCA has a subspace to learn)."""
    rng = np.random.default_rng(seed)
    mixing = np.array([[1.0, 0.5, -0.5, 0.2], [0.0, 1.0, 0.5, -0.4]])
    return rng.normal(size=(n, 2)) @ mixing + 0.1 * rng.normal(size=(n, 4))


X_TRAIN = make_normal(200, seed=0)
X_TEST = make_normal(50, seed=1)
OUTLIER = np.array([[4.0, -4.0, 4.0, -4.0]])


@pytest.fixture(scope="module")
def fitted():
    return {name: FACTORIES[name]().fit(X_TRAIN) for name in NAMES}


# --- the contract, for every detector ----------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_obvious_outlier_scores_higher_than_every_inlier(fitted, name):
    d = fitted[name]
    outlier_score = d.decision_function(OUTLIER)[0]
    assert outlier_score > d.decision_function(X_TEST).max()
    assert d.predict(OUTLIER)[0] == 1         # above the threshold fitted on training scores


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_sets_fitted_attributes(name):
    d = FACTORIES[name]()
    assert d.fit(X_TRAIN) is d
    assert d.n_features_in_ == 4
    assert d.decision_scores_.shape == (200,)
    assert isinstance(d.threshold_, float)
    scores = d.decision_function(X_TEST)
    assert scores.shape == (50,) and scores.dtype == np.float64


@pytest.mark.parametrize("name", NAMES)
def test_clone_and_get_params_round_trip(fitted, name):
    d = fitted[name]
    copy = clone(d)
    assert repr(copy) == repr(d)

    def plain(est):   # nested estimators compare by their own parameters
        return {k: v for k, v in est.get_params(deep=True).items() if not hasattr(v, "fit")}
    assert plain(copy) == plain(d)
    assert {"threshold", "contamination"} <= set(d.get_params())
    with pytest.raises(NotFittedError):      # a clone keeps parameters, not the fit
        copy.decision_function(X_TEST)
    d.set_params(contamination=0.1)
    assert d.get_params()["contamination"] == 0.1
    d.set_params(contamination=0.05)


@pytest.mark.parametrize("name", NAMES)
def test_predict_is_0_1_and_quantile_threshold_flags_contamination(fitted, name):
    d = fitted[name]
    pred = d.predict(X_TEST)
    assert pred.dtype == np.int64 and set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, d.decision_function(X_TEST) >= d.threshold_)
    train_flagged = np.mean(d.decision_scores_ >= d.threshold_)
    assert abs(train_flagged - 0.05) <= 1 / 200 + 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_same_random_state_gives_same_scores(name):
    a = FACTORIES[name]().fit(X_TRAIN).decision_function(X_TEST)
    b = FACTORIES[name]().fit(X_TRAIN).decision_function(X_TEST)
    np.testing.assert_array_equal(a, b)


def test_random_state_is_used():
    a = det.IsolationForestDetector(n_estimators=20, random_state=0).fit(X_TRAIN)
    b = det.IsolationForestDetector(n_estimators=20, random_state=1).fit(X_TRAIN)
    assert not np.array_equal(a.decision_function(X_TEST), b.decision_function(X_TEST))


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified(name):
    X, X_new = X_TRAIN.copy(), X_TEST.copy()
    d = FACTORIES[name]().fit(X)
    d.decision_function(X_new)
    d.predict(X_new)
    np.testing.assert_array_equal(X, X_TRAIN)
    np.testing.assert_array_equal(X_new, X_TEST)


# --- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_use_before_fit_says_call_fit(name):
    d = FACTORIES[name]()
    for method in (d.decision_function, d.predict):
        with pytest.raises(NotFittedError, match="call fit"):
            method(X_TEST)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_number_of_features(fitted, name):
    with pytest.raises(ValueError, match="3 features.*expecting 4.*fitted with 4"):
        fitted[name].decision_function(X_TEST[:, :3])


@pytest.mark.parametrize("bad, error, match", [
    (np.r_[X_TRAIN[:-1], [[np.nan, 0, 0, 0]]], ValueError, "NaN"),
    (np.empty((0, 4)), ValueError, "at least 1"),
    (X_TRAIN[:, 0], ValueError, "reshape"),
    ("not an array", TypeError, "array-like"),
    ([[1, "a"], [2, "b"]], TypeError, "float"),
    # complex: the imaginary part used to be dropped silently (with a ComplexWarning)
    (X_TRAIN + 1j, TypeError, "complex data is not supported"),
    ([list(row) for row in X_TRAIN[:10] + 0.5j], TypeError, "complex data is not supported"),
    (list(X_TRAIN[:10] + 0.5j), TypeError, "complex data is not supported"),
    # (12, 0) has 12 samples: the problem is the features
    (np.empty((12, 0)), ValueError, "0 features"),
    (scipy.sparse.csr_matrix(X_TRAIN), TypeError,
     r"sparse input is not supported; use X\.toarray\(\)"),
    (scipy.sparse.csr_array(X_TRAIN), TypeError, "sparse input is not supported"),
    (scipy.sparse.dok_matrix(X_TRAIN), TypeError, "sparse input is not supported"),   # a dict
])
def test_bad_training_data_is_rejected(bad, error, match):
    with pytest.raises(error, match=match):
        det.KNNDetector().fit(bad)


def test_bad_data_at_predict_time_is_rejected(fitted):
    d = fitted["gaussian"]
    with pytest.raises(ValueError, match="NaN"):
        d.predict(np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match="reshape"):
        d.predict(X_TEST[0])
    with pytest.raises(TypeError, match="complex"):
        d.decision_function(X_TEST + 0j)
    with pytest.raises(TypeError, match="sparse input is not supported"):
        d.predict(scipy.sparse.csr_matrix(X_TEST))


@pytest.mark.parametrize("bad", [0, 0.5, 0.7, -0.1])
def test_contamination_must_be_in_open_interval(bad):
    with pytest.raises(ValueError, match=r"contamination must be in \(0, 0.5\)"):
        det.GaussianDetector(contamination=bad).fit(X_TRAIN)


def test_labelled_strategy_in_fit_points_to_fit_threshold():
    with pytest.raises(ValueError, match="fit_threshold"):
        det.GaussianDetector(threshold="best_f1").fit(X_TRAIN)


@pytest.mark.parametrize("factory, match", [
    (lambda: det.GaussianDetector(covariance="robust"), "covariance"),
    (lambda: det.KNNDetector(method="median"), "method"),
    (lambda: det.KNNDetector(n_neighbors=200), "n_neighbors"),
    (lambda: det.PCADetector(n_components=4), "zero everywhere"),
    (lambda: det.GaussianDetector(threshold="p99"), "threshold strategy"),
])
def test_bad_parameters_are_named_in_the_error(factory, match):
    with pytest.raises(ValueError, match=match):
        factory().fit(X_TRAIN)


def test_adapter_rejects_something_that_is_not_a_detector():
    with pytest.raises(TypeError, match="score_samples"):
        det.SklearnAdapter().fit(X_TRAIN)


# --- thresholds inside detectors ---------------------------------------------------------

def test_threshold_can_be_a_number_a_name_or_a_function():
    fixed = det.GaussianDetector(threshold=2.5).fit(X_TRAIN)
    assert fixed.threshold_ == 2.5
    ms = det.GaussianDetector(threshold="mean_std").fit(X_TRAIN)
    assert ms.threshold_ == pytest.approx(thresholds.mean_std_threshold(ms.decision_scores_))
    fn = det.GaussianDetector(threshold=lambda s: float(np.max(s))).fit(X_TRAIN)
    assert fn.threshold_ == fn.decision_scores_.max()
    q = det.GaussianDetector(contamination=0.2).fit(X_TRAIN)
    assert q.threshold_ == pytest.approx(np.quantile(q.decision_scores_, 0.8))


@pytest.mark.parametrize("contamination", [0.01, 0.2, 0.4])
def test_fit_threshold_quantile_uses_the_detectors_contamination(contamination):
    """It used to fall back to the strategy's default 5 % whatever the detector said."""
    X_val = make_normal(1000, seed=5)
    d = det.GaussianDetector(contamination=contamination).fit(X_TRAIN)
    assert d.fit_threshold(X_val, strategy="quantile") is d
    assert np.mean(d.predict(X_val)) == pytest.approx(contamination, abs=2 / 1000)
    d.fit_threshold(X_val, strategy="quantile", contamination=0.1)   # explicit param wins
    assert np.mean(d.predict(X_val)) == pytest.approx(0.1, abs=2 / 1000)


def test_fit_threshold_keeps_the_threshold_when_it_fails(fitted):
    d = fitted["gaussian"]
    before = d.threshold_
    with pytest.raises(ValueError, match="NaN"):
        d.fit_threshold(X_TEST, strategy=lambda s: np.nan)
    with pytest.raises(ValueError, match="validation labels"):
        d.fit_threshold(X_TEST, strategy="best_f1")
    assert d.threshold_ == before


def test_fit_threshold_on_validation_labels():
    X_val = np.r_[X_TEST, OUTLIER, OUTLIER * 0.5]
    y_val = np.r_[np.zeros(50, int), 1, 1]
    d = det.GaussianDetector().fit(X_TRAIN)
    assert d.fit_threshold(X_val, y_val, strategy="best_f1") is d
    expected = thresholds.best_f1_threshold(y_val, d.decision_function(X_val))
    assert d.threshold_ == expected
    d.fit_threshold(X_val, y_val, strategy="cost", cost_fp=1, cost_fn=100)
    assert d.threshold_ == thresholds.cost_threshold(y_val, d.decision_function(X_val), 1, 100)
    with pytest.raises(ValueError, match="0 .normal. and 1"):
        d.fit_threshold(X_val, np.r_[np.zeros(50), 2, 1])
    with pytest.raises(ValueError, match="52 samples"):
        d.fit_threshold(X_val, y_val[:-1])


# --- atomic fit ------------------------------------------------------------------------------

def _fitted_state(d):
    return {k: v for k, v in vars(d).items() if k.endswith("_")}


@pytest.mark.parametrize("name", NAMES)
def test_a_refit_with_a_nan_threshold_keeps_the_previous_fit(name):
    """The refit used to raise with the new model in place and the old threshold_."""
    d = FACTORIES[name]().fit(X_TRAIN)
    before, scores = _fitted_state(d), d.decision_function(X_TEST)
    d.set_params(threshold=lambda s: np.nan)
    with pytest.raises(ValueError, match="NaN"):
        d.fit(make_normal(120, seed=7) * 3 + 1)
    after = _fitted_state(d)
    assert after.keys() == before.keys()
    assert all(after[k] is before[k] for k in before)      # the very same objects
    np.testing.assert_array_equal(d.decision_function(X_TEST), scores)
    np.testing.assert_array_equal(d.predict(X_TEST), scores >= before["threshold_"])


def test_a_refit_failing_half_way_keeps_the_previous_fit():
    # PCADetector stores pca_ before it finds that every component is kept
    d = det.PCADetector(n_components=2).fit(X_TRAIN)
    before, scores = _fitted_state(d), d.decision_function(X_TEST)
    with pytest.raises(ValueError, match="zero everywhere"):
        d.fit(X_TRAIN[:, :2])
    assert _fitted_state(d) == before
    np.testing.assert_array_equal(d.decision_function(X_TEST), scores)


def test_a_failed_first_fit_leaves_the_detector_unfitted():
    d = det.PCADetector(n_components=4)
    with pytest.raises(ValueError, match="zero everywhere"):
        d.fit(X_TRAIN)
    assert _fitted_state(d) == {}
    assert vars(d) == d.get_params()
    with pytest.raises(NotFittedError):
        d.decision_function(X_TEST)


def test_an_interrupted_fit_is_rolled_back_too():
    class Interrupted(det.KNNDetector):
        def _fit_scores(self, X):
            super()._fit_scores(X)
            raise KeyboardInterrupt

    d = Interrupted()
    with pytest.raises(KeyboardInterrupt):
        d.fit(X_TRAIN)
    assert _fitted_state(d) == {}


# --- scikit-learn and PyOD conventions -----------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_detector_is_an_outlier_detector_to_scikit_learn(name):
    d = FACTORIES[name]()
    assert is_outlier_detector(d)
    assert d.__sklearn_tags__().estimator_type == "outlier_detector"


@pytest.mark.parametrize("name", NAMES)
def test_labels_are_the_training_rows_flags_as_in_pyod(fitted, name):
    d = fitted[name]
    labels = d.labels_
    assert labels.dtype == np.int64 and labels.shape == (len(X_TRAIN),)
    np.testing.assert_array_equal(labels, d.decision_scores_ >= d.threshold_)
    assert not hasattr(FACTORIES[name](), "labels_")
    np.testing.assert_array_equal(FACTORIES[name]().fit_predict(X_TRAIN), labels)


def test_labels_follow_fit_threshold():
    d = det.GaussianDetector().fit(X_TRAIN)
    d.fit_threshold(X_TEST, strategy="quantile", contamination=0.3)
    np.testing.assert_array_equal(d.labels_, d.decision_scores_ >= d.threshold_)


# --- what each detector measures -----------------------------------------------------------

def test_gaussian_is_the_mahalanobis_distance():
    d = det.GaussianDetector(covariance="empirical").fit(X_TRAIN)
    diff = X_TEST - X_TRAIN.mean(axis=0)
    precision = np.linalg.inv(np.cov(X_TRAIN, rowvar=False, bias=True))
    expected = np.sqrt(np.einsum("ij,jk,ik->i", diff, precision, diff))
    np.testing.assert_allclose(d.decision_function(X_TEST), expected, rtol=1e-8)


def test_robust_covariance_resists_contaminated_training_data():
    rng = np.random.default_rng(3)
    X = np.r_[rng.normal(size=(180, 2)), rng.normal(8.0, 0.5, size=(20, 2))]
    probe = np.array([[8.0, 8.0]])
    plain = det.GaussianDetector(covariance="empirical").fit(X).decision_function(probe)[0]
    robust = det.GaussianDetector(covariance="mcd", random_state=0).fit(X).decision_function(probe)[0]
    assert robust > 3 * plain     # the contamination inflated the plain covariance


def test_knn_scores_by_hand():
    X = np.array([[0.0], [1.0], [2.0], [10.0]])
    largest = det.KNNDetector(n_neighbors=1).fit(X)
    np.testing.assert_allclose(largest.decision_scores_, [1, 1, 1, 8])   # itself excluded
    np.testing.assert_allclose(largest.decision_function([[4.0], [1.0]]), [2, 0])
    mean = det.KNNDetector(n_neighbors=2, method="mean").fit(X)
    np.testing.assert_allclose(mean.decision_scores_, [1.5, 1, 1.5, 8.5])


def test_kmeans_is_the_distance_to_the_nearest_centroid():
    X = np.array([[0.0, 0.0], [0.0, 2.0], [10.0, 0.0], [10.0, 2.0]])
    d = det.KMeansDetector(n_clusters=2, random_state=0).fit(X)
    np.testing.assert_allclose(d.decision_scores_, [1, 1, 1, 1])
    np.testing.assert_allclose(d.decision_function([[5.0, 1.0], [10.0, 1.0]]), [5, 0])


def test_pca_error_is_zero_on_the_subspace_and_grows_off_it():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 1)) @ np.array([[1.0, 2.0, 3.0]])      # a line in 3-D
    d = det.PCADetector(n_components=1).fit(X)
    np.testing.assert_allclose(d.decision_scores_, 0, atol=1e-20)
    np.testing.assert_allclose(d.decision_function([[2.0, 4.0, 6.0], [3.0, 0.0, -1.0]]),
                               [0, 10], atol=1e-12)


def test_the_sign_flips_in_the_adapter_only():
    forest = IsolationForest(n_estimators=20, random_state=0).fit(X_TRAIN)
    d = det.IsolationForestDetector(n_estimators=20, random_state=0).fit(X_TRAIN)
    np.testing.assert_allclose(d.decision_function(X_TEST), -forest.score_samples(X_TEST))
    assert np.all((d.decision_scores_ > 0) & (d.decision_scores_ <= 1))   # the paper's s(x)
    lof = det.LOFDetector(n_neighbors=10).fit(X_TRAIN)
    np.testing.assert_allclose(lof.decision_scores_, -lof.estimator_.negative_outlier_factor_)
    assert np.median(lof.decision_scores_) == pytest.approx(1.0, abs=0.1)   # LOF ~ 1 inside


def test_a_bad_strategy_fails_before_training():
    class Counting(det.KNNDetector):
        calls = 0

        def _fit_scores(self, X):
            Counting.calls += 1
            return super()._fit_scores(X)

    with pytest.raises(ValueError, match="Unknown threshold strategy"):
        Counting(threshold="p99").fit(X_TRAIN)
    assert Counting.calls == 0
