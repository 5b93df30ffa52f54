"""DeviationNetworkDetector: the contract, the labels it needs, and that a few labels help.

Parameter and label checks run in the fast lane (they fail before TensorFlow is imported);
tests that train are ``slow`` (a few hundred rows, a few hundred steps).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from course_utils import metrics
from course_utils.few_labels import DeviationNetworkDetector, deviation_loss, labels_needed

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

CENTRE = np.array([2.5, -2.5, 0.0, 0.0, 0.0, 0.0])     # where the anomalies live


def make_rows(n_normal, n_anomalies, seed):
    """Normal rows: correlated Gaussians in 6-D; anomalies: a cluster 3.5 units off in two
    coordinates, inside the normal range of each coordinate alone."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(6, 6)) * 0.3 + np.eye(6)
    normal = rng.normal(size=(n_normal, 6)) @ mixing
    anomalies = CENTRE @ mixing + 0.4 * rng.normal(size=(n_anomalies, 6))
    X = np.vstack([normal, anomalies])
    return X, np.r_[np.zeros(n_normal, int), np.ones(n_anomalies, int)]


X_TRAIN, Y_TRAIN = make_rows(400, 10, seed=0)        # 400 unlabelled + 10 labelled anomalies
X_TEST, Y_TEST = make_rows(300, 30, seed=1)
FAST = {"epochs": 10, "steps_per_epoch": 10, "batch_size": 64, "learning_rate": 0.01}


def small(**params):
    return DeviationNetworkDetector(**{**FAST, **params})


@pytest.fixture(scope="module")
def fitted():
    return small(random_state=0).fit(X_TRAIN, Y_TRAIN)


# --- no training ------------------------------------------------------------------------------

def test_deviation_loss_is_the_papers_formula():
    dev = np.array([-2.0, 0.5, 3.0, 7.0])
    np.testing.assert_allclose(deviation_loss(dev, [0, 0, 1, 1]), [2.0, 0.5, 2.0, 0.0])
    np.testing.assert_allclose(deviation_loss(dev, [1, 1, 0, 0], margin=1.0), [3.0, 0.5, 3.0, 7.0])


def test_labels_needed_reads_the_smallest_k_above_the_reference():
    assert labels_needed({5: 0.80, 10: 0.93, 25: 0.95}, 0.92) == 10
    assert labels_needed({25: 0.95, 5: 0.93}, 0.92) == 5          # the order of the keys is free
    assert labels_needed({5: 0.90, 10: 0.92}, 0.92) is None        # equal does not beat


def test_constructor_stores_parameters_and_clone_works():
    model = DeviationNetworkDetector(hidden=(8, 4), margin=3.0, n_reference=100, random_state=7)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert copy.get_params()["margin"] == 3.0 and copy.get_params()["hidden"] == (8, 4)
    DeviationNetworkDetector(margin=-1.0)          # checked in fit, as in scikit-learn


@pytest.mark.parametrize("method", ["decision_function", "predict"])
def test_use_before_fit_raises_not_fitted(method):
    with pytest.raises(NotFittedError, match="fit"):
        getattr(DeviationNetworkDetector(), method)(X_TEST)


@pytest.mark.parametrize("y, match", [
    (None, "fit\\(X, y\\).*unsupervised detector"),
    (np.zeros(len(X_TRAIN), int), "at least one labelled anomaly.*unsupervised detector"),
    (np.ones(len(X_TRAIN), int), "also needs unlabelled rows"),
    (Y_TRAIN[:-1], "labels but there are"),
    (2 * Y_TRAIN, "only 0 .* and 1"),
])
def test_labels_are_checked_with_a_clear_message(y, match):
    with pytest.raises(ValueError, match=match):
        DeviationNetworkDetector().fit(X_TRAIN, y)


@pytest.mark.parametrize("params, X, error, match", [
    ({"margin": 0.0}, X_TRAIN, ValueError, "margin"),
    ({"n_reference": 1}, X_TRAIN, ValueError, "n_reference"),
    ({"weight_decay": -1e-3}, X_TRAIN, ValueError, "weight_decay"),
    ({"epochs": 0}, X_TRAIN, ValueError, "epochs"),
    ({"steps_per_epoch": 1.5}, X_TRAIN, TypeError, "steps_per_epoch must be an integer"),
    ({"batch_size": 1}, X_TRAIN, ValueError, "batch_size"),
    ({"learning_rate": np.nan}, X_TRAIN, ValueError, "learning_rate"),
    ({"hidden": "20"}, X_TRAIN, TypeError, "hidden"),
    ({"scale": 1}, X_TRAIN, TypeError, "scale must be True or False"),
    ({"random_state": -1}, X_TRAIN, ValueError, "random_state"),
    ({"contamination": 0.7}, X_TRAIN, ValueError, "contamination"),
    ({}, X_TRAIN[:, 0], ValueError, "2-D"),
    ({}, X_TRAIN.reshape(len(X_TRAIN), 3, 2), ValueError, "2-D"),
])
def test_bad_parameters_and_shapes_fail_before_training(params, X, error, match):
    with pytest.raises(error, match=match):
        DeviationNetworkDetector(**params).fit(X, Y_TRAIN)


def test_nan_input_is_rejected_and_leaves_it_unfitted():
    X = X_TRAIN.copy()
    X[3, 1] = np.nan
    model = small()
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X, Y_TRAIN)
    assert not [k for k in vars(model) if k.endswith("_")]
    assert not hasattr(model, "_fit_labels")


# --- training -------------------------------------------------------------------------------

@pytest.mark.slow
def test_fit_returns_self_and_sets_the_fitted_attributes(fitted):
    assert fitted.n_labelled_ == 10 and fitted.n_features_in_ == 6
    assert fitted.decision_scores_.shape == (len(X_TRAIN),)
    assert len(fitted.history_["loss"]) == fitted.n_epochs_ == FAST["epochs"]
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]
    assert abs(fitted.reference_mean_) < 0.1 and abs(fitted.reference_std_ - 1) < 0.1
    assert set(np.unique(fitted.predict(X_TEST))) <= {0, 1}
    assert not hasattr(fitted, "_fit_labels")


@pytest.mark.slow
def test_the_loss_pulls_unlabelled_rows_to_0_and_pushes_labelled_ones_beyond_the_margin(fitted):
    dev = fitted.decision_scores_
    assert np.median(np.abs(dev[Y_TRAIN == 0])) < 1.0
    assert np.median(dev[Y_TRAIN == 1]) > 0.8 * fitted.margin


@pytest.mark.slow
def test_ten_labels_beat_chance_clearly(fitted):
    """The behaviour the detector is for: unseen anomalies like the 10 labelled ones score high."""
    scores = fitted.decision_function(X_TEST)
    assert metrics.roc_auc(Y_TEST, scores) > 0.95
    assert metrics.pr_auc(Y_TEST, scores) > 5 * metrics.chance_pr_auc(Y_TEST)


@pytest.mark.slow
def test_same_random_state_same_scores_different_state_different_scores(fitted):
    again = small(random_state=0).fit(X_TRAIN, Y_TRAIN)
    np.testing.assert_array_equal(again.decision_function(X_TEST),
                                  fitted.decision_function(X_TEST))
    other = small(random_state=1).fit(X_TRAIN, Y_TRAIN)
    assert not np.allclose(other.decision_function(X_TEST), fitted.decision_function(X_TEST))


@pytest.mark.slow
def test_inputs_are_not_modified():
    X, y, X_new = X_TRAIN.astype(np.float32), Y_TRAIN.astype(float), X_TEST.copy()
    before = [X.copy(), y.copy(), X_new.copy()]
    model = small(epochs=2)
    assert model.fit(X, y) is model
    model.decision_function(X_new)
    model.predict(X_new)
    for array, copy in zip([X, y, X_new], before, strict=True):
        np.testing.assert_array_equal(array, copy)


@pytest.mark.slow
def test_diverging_training_raises_a_clear_error_and_keeps_it_unfitted():
    model = small(epochs=3, scale=False)
    with pytest.raises(ValueError, match="diverged.*learning_rate"):
        model.fit(1e20 * X_TRAIN, Y_TRAIN)
    assert not [k for k in vars(model) if k.endswith("_")]


@pytest.mark.slow
def test_a_failed_refit_keeps_the_previous_fit(fitted):
    model = clone(fitted).fit(X_TRAIN, Y_TRAIN)
    scores = model.decision_function(X_TEST)
    with pytest.raises(ValueError, match="at least one labelled anomaly"):
        model.fit(X_TRAIN[:, :3], np.zeros(len(X_TRAIN), int))
    np.testing.assert_array_equal(model.decision_function(X_TEST), scores)


@pytest.mark.slow
def test_wrong_number_of_features_after_fit(fitted):
    with pytest.raises(ValueError, match="fitted with 6"):
        fitted.decision_function(X_TEST[:, :3])


@pytest.mark.slow
def test_fit_leaves_the_global_random_states_alone():
    import random

    random.seed(1)
    np.random.seed(1)  # noqa: NPY002 - the legacy global state is what is checked
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    small(epochs=2).fit(X_TRAIN, Y_TRAIN).decision_function(X_TEST)
    assert random.getstate() == py_state
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), np_state,  # noqa: NPY002
                                                     strict=True))
