"""DeepSVDDDetector: the contract, the fixed centre, no biases, and the hypersphere collapse.

Parameter checks run in the fast lane; tests that train are ``slow`` (tiny data, few epochs).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from course_utils import datasets, metrics
from course_utils.deep_svdd import DeepSVDDDetector, fix_centre

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def make_normal(n, seed):
    rng = np.random.default_rng(seed)
    mixing = np.array([[1.0, 0.5, -0.5, 0.2], [0.0, 1.0, 0.5, -0.4]])
    return rng.normal(size=(n, 2)) @ mixing + 0.05 * rng.normal(size=(n, 4))


X_TRAIN = make_normal(200, seed=0)
X_TEST = make_normal(50, seed=1)
OUTLIER = np.array([[3.0, -3.0, 3.0, -3.0]])
FAST = {"hidden": (16,), "rep_dim": 4, "epochs": 30, "batch_size": 32, "patience": 10,
        "learning_rate": 0.003}
# The collapse demonstration (documented in DeepSVDDDetector): weight decay pulls the
# weights to 0, and with biases the network can then still output c for every input.
COLLAPSE = {"weight_decay": 1e-2, "learning_rate": 0.01, "epochs": 60, "patience": None,
            "validation_fraction": 0.0, "batch_size": 32}


def small(**params):
    return DeepSVDDDetector(**{**FAST, **params})


@pytest.fixture(scope="module")
def fitted():
    return small(random_state=0).fit(X_TRAIN)


@pytest.fixture(scope="module")
def digits():
    return datasets.load("digits", random_state=0, normal_digit=0)


# --- no training ------------------------------------------------------------------------------

def test_fix_centre_pushes_small_coordinates_to_plus_or_minus_eps():
    c = np.array([0.5, -0.05, 0.02, 0.0, -0.3])
    np.testing.assert_array_equal(fix_centre(c, 0.1), [0.5, -0.1, 0.1, 0.1, -0.3])
    np.testing.assert_array_equal(c, [0.5, -0.05, 0.02, 0.0, -0.3])     # a new array


def test_constructor_stores_parameters_and_clone_works():
    model = DeepSVDDDetector("conv2d", image_shape=(8, 8), rep_dim=3, bias=True, random_state=4)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy.get_params()["bias"] is True


@pytest.mark.parametrize("method", ["decision_function", "predict", "represent"])
def test_use_before_fit_raises_not_fitted(method):
    with pytest.raises(NotFittedError, match="fit"):
        getattr(DeepSVDDDetector(), method)(X_TEST)


@pytest.mark.parametrize("params, X, error, match", [
    ({"architecture": "lenet"}, X_TRAIN, ValueError, "architecture"),
    ({"architecture": "conv2d"}, X_TRAIN[:, :3], ValueError, "square image"),
    ({"architecture": "conv2d", "image_shape": (2, 3)}, X_TRAIN, ValueError, "holds 6 values"),
    ({"image_shape": (2, 2)}, X_TRAIN, ValueError, "'conv2d' only"),
    ({"rep_dim": 0}, X_TRAIN, ValueError, "rep_dim"),
    ({"bias": 1}, X_TRAIN, TypeError, "bias must be True or False"),
    ({"eps": 0.0}, X_TRAIN, ValueError, "eps"),
    ({"weight_decay": -1e-3}, X_TRAIN, ValueError, "weight_decay"),
    ({"epochs": 0}, X_TRAIN, ValueError, "epochs"),
    ({"random_state": -1}, X_TRAIN, ValueError, "random_state"),
    ({}, X_TRAIN[:1], ValueError, "at least 2"),
    ({}, X_TRAIN[:, 0], ValueError, "2-D"),
])
def test_bad_parameters_and_shapes_fail_before_training(params, X, error, match):
    with pytest.raises(error, match=match):
        DeepSVDDDetector(**params).fit(X)


def test_nan_input_is_rejected():
    X = X_TRAIN.copy()
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        small().fit(X)


# --- training -------------------------------------------------------------------------------

@pytest.mark.slow
def test_fit_sets_the_fitted_attributes_and_the_network_has_no_bias(fitted):
    assert fitted.center_.shape == (4,) and (np.abs(fitted.center_) >= 0.1).all()
    assert fitted.decision_scores_.shape == (len(X_TRAIN),)
    assert not any(getattr(layer, "use_bias", False) for layer in fitted.model_.layers)
    assert fitted.history_["val_loss"][fitted.best_epoch_ - 1] < fitted.history_["val_loss"][0]
    np.testing.assert_allclose(fitted.decision_function(X_TEST),
                               np.sum((fitted.represent(X_TEST) - fitted.center_) ** 2, axis=1),
                               rtol=1e-12)


@pytest.mark.slow
def test_centre_is_the_mean_of_the_untrained_network_with_the_eps_fix():
    from course_utils import _keras_fit, models
    from course_utils.reproducibility import tensorflow_seeded

    model = small(epochs=1, eps=0.3, random_state=5).fit(X_TRAIN)
    val_rows, train_rows = _keras_fit.validation_split(len(X_TRAIN), 0.1, 5)
    with tensorflow_seeded(5):
        untrained = models.build_deep_svdd_network((4,), hidden=(16,), rep_dim=4)
    Z = ((X_TRAIN - model.mean_) / model.scale_).astype(np.float32)
    raw = _keras_fit.predict(untrained, Z[train_rows]).mean(axis=0)
    np.testing.assert_allclose(model.center_, fix_centre(raw, 0.3), rtol=1e-6)
    assert (np.abs(raw) < 0.3).any(), "the test should exercise the fix"


@pytest.mark.slow
def test_obvious_outlier_scores_higher_than_every_inlier(fitted):
    assert fitted.decision_function(OUTLIER)[0] > fitted.decision_function(X_TEST).max()
    assert fitted.predict(OUTLIER)[0] == 1


@pytest.mark.slow
def test_same_random_state_same_scores_different_state_different_scores(fitted):
    again = small(random_state=0).fit(X_TRAIN)
    np.testing.assert_array_equal(again.decision_function(X_TEST),
                                  fitted.decision_function(X_TEST))
    other = small(random_state=1).fit(X_TRAIN)
    assert not np.allclose(other.decision_function(X_TEST), fitted.decision_function(X_TEST))


@pytest.mark.slow
def test_inputs_are_not_modified():
    X, X_new = X_TRAIN.astype(np.float32), X_TEST.copy()
    X_before, new_before = X.copy(), X_new.copy()
    model = small(epochs=2)
    assert model.fit(X) is model
    model.decision_function(X_new)
    model.represent(X_new)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(X_new, new_before)


@pytest.mark.slow
def test_diverging_training_raises_a_clear_error():
    with pytest.raises(ValueError, match="diverged"):
        small(epochs=3, scale=False).fit(1e20 * make_normal(64, seed=2))


@pytest.mark.slow
def test_with_a_bias_the_network_collapses_onto_c_and_without_it_does_not(digits):
    """Ruff et al. 2018, Proposition 2, live: same data, same training, only the biases differ."""
    with pytest.warns(UserWarning, match="Hypersphere collapse"):
        biased = DeepSVDDDetector(bias=True, random_state=0, **COLLAPSE).fit(digits.X_train)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)     # no collapse warning without bias
        unbiased = DeepSVDDDetector(random_state=0, **COLLAPSE).fit(digits.X_train)
    for model, collapsed in [(biased, True), (unbiased, False)]:
        spread = model.represent(digits.X_test).std(axis=0).max()     # anomalies included
        anomaly_distance = model.decision_function(digits.X_test)[digits.y_test == 1].mean()
        if collapsed:    # every test image, anomalies too, lands on c
            assert spread < 1e-3 and anomaly_distance < 1e-3
        else:
            assert spread > 1e-2 and anomaly_distance > 0.1
    auc = {b: metrics.roc_auc(digits.y_test, m.decision_function(digits.X_test))
           for b, m in [(True, biased), (False, unbiased)]}
    assert auc[False] > 0.9 > 0.6 > auc[True]


@pytest.mark.slow
def test_conv2d_on_flat_digits(digits):
    model = DeepSVDDDetector("conv2d", hidden=(8, 16), epochs=20, random_state=0).fit(
        digits.X_train)
    assert model.sample_shape_ == (8, 8, 1) and np.unique(model.scale_).size == 1
    assert not any(getattr(layer, "use_bias", False) for layer in model.model_.layers)
    assert metrics.roc_auc(digits.y_test, model.decision_function(digits.X_test)) > 0.8


@pytest.mark.slow
def test_fit_leaves_the_global_random_states_alone():
    import random

    random.seed(1)
    np.random.seed(1)  # noqa: NPY002 - the legacy global state is what is checked
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    small(epochs=2).fit(X_TRAIN).decision_function(X_TEST)
    assert random.getstate() == py_state
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), np_state,  # noqa: NPY002
                                                     strict=True))
