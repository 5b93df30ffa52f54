"""VariationalAutoencoderDetector and the reparameterisation trick (notebook 07).

The NumPy parts (the trick, its gradient check) and the parameter checks run in the fast
lane; tests that train are marked ``slow`` and use tiny data and few epochs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from course_utils import vae
from course_utils.vae import VariationalAutoencoderDetector

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def make_normal(n, seed):
    """Normal data near a 2-D plane inside 4-D space (as in test_autoencoder)."""
    rng = np.random.default_rng(seed)
    mixing = np.array([[1.0, 0.5, -0.5, 0.2], [0.0, 1.0, 0.5, -0.4]])
    return rng.normal(size=(n, 2)) @ mixing + 0.05 * rng.normal(size=(n, 4))


X_TRAIN = make_normal(200, seed=0)
X_TEST = make_normal(50, seed=1)
OUTLIER = np.array([[3.0, -3.0, 3.0, -3.0]])
FAST = {"hidden": (8,), "latent_dim": 2, "epochs": 40, "batch_size": 32, "patience": 10,
        "n_samples": 4}


def small(**params):
    return VariationalAutoencoderDetector(**{**FAST, **params})


@pytest.fixture(scope="module")
def fitted():
    return small(random_state=0).fit(X_TRAIN)


# --- the reparameterisation trick -----------------------------------------------------------

def test_reparameterise_is_mean_plus_std_times_eps():
    mu, log_var, eps = np.array([1.0, -2.0]), np.log(np.array([4.0, 0.25])), np.array([0.5, 2.0])
    np.testing.assert_allclose(vae.reparameterise(mu, log_var, eps), [1.0 + 2 * 0.5, -2.0 + 0.5 * 2])


def test_reparameterised_draws_have_the_right_mean_and_std():
    eps = np.random.default_rng(0).standard_normal(200_000)
    z = vae.reparameterise(np.full_like(eps, 3.0), np.full_like(eps, np.log(0.04)), eps)
    assert abs(z.mean() - 3.0) < 0.002 and abs(z.std() - 0.2) < 0.002


def test_gradient_check_passes_in_float64():
    for seed in range(3):
        assert vae.check_reparameterisation_gradient(random_state=seed, verbose=False) < 1e-6


@pytest.mark.parametrize("wrong", [
    lambda mu, lv, eps, g: (g, g * np.exp(0.5 * lv) * eps),          # forgot the ½
    lambda mu, lv, eps, g: (g, g * 0.5 * np.exp(lv) * eps),          # σ² instead of σ
    lambda mu, lv, eps, g: (g, np.zeros_like(g)),                    # no gradient to log σ²
    lambda mu, lv, eps, g: (g * np.exp(0.5 * lv), g * 0.5 * np.exp(0.5 * lv) * eps),  # ∂z/∂μ = σ
])
def test_gradient_check_catches_a_wrong_backward(wrong):
    assert vae.check_reparameterisation_gradient(backward=wrong, verbose=False) > 1e-3


def test_gradient_check_catches_a_sample_that_ignores_the_variance(capsys):
    def no_variance(mu, log_var, eps):
        return mu + eps                                 # σ = 1 whatever log σ² says

    assert vae.check_reparameterisation_gradient(no_variance, verbose=True) > 1e-3
    assert "✗" in capsys.readouterr().out


def test_gradient_check_rejects_a_sample_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape of mu"):
        vae.check_reparameterisation_gradient(lambda mu, lv, eps: (mu + eps).sum(axis=1))


def test_negative_elbo_is_the_sum_of_reconstruction_and_kl():
    rng = np.random.default_rng(0)
    x, mu, log_var, eps = (rng.normal(size=(3, k)) for k in (2, 1, 1, 1))
    w = (np.ones((1, 1)), np.ones((1, 2)))
    x_hat = np.tanh(mu + np.exp(0.5 * log_var) * eps) @ w[1]
    expected = (0.5 * np.sum((x - x_hat) ** 2) + 3 * math.log(2 * math.pi)
                + 0.5 * np.sum(mu**2 + np.exp(log_var) - 1 - log_var))
    assert vae.negative_elbo(x, mu, log_var, eps, w) == pytest.approx(expected, rel=1e-12)


# --- the detector contract (no training) ----------------------------------------------------

def test_constructor_stores_parameters_and_clone_works():
    model = VariationalAutoencoderDetector(latent_dim=3, beta=0.5, random_state=7)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy.get_params()["beta"] == 0.5
    VariationalAutoencoderDetector(latent_dim=-1)        # checked in fit, as in scikit-learn


@pytest.mark.parametrize("method", ["decision_function", "predict", "encode", "reconstruct",
                                    "kl_per_dimension"])
def test_use_before_fit_raises_not_fitted(method):
    with pytest.raises(NotFittedError, match="fit"):
        getattr(VariationalAutoencoderDetector(), method)(X_TEST)


@pytest.mark.parametrize("params, X, error, match", [
    ({"latent_dim": 0}, X_TRAIN, ValueError, "latent_dim"),
    ({"latent_dim": 2.0}, X_TRAIN, TypeError, "latent_dim must be an integer"),
    ({"beta": -1.0}, X_TRAIN, ValueError, "beta"),
    ({"beta": "1"}, X_TRAIN, TypeError, "beta must be a number"),
    ({"n_samples": 0}, X_TRAIN, ValueError, "n_samples"),
    ({"hidden": "32"}, X_TRAIN, TypeError, "hidden"),
    ({"epochs": 0}, X_TRAIN, ValueError, "epochs"),
    ({"learning_rate": np.nan}, X_TRAIN, ValueError, "learning_rate"),
    ({"batch_size": "big"}, X_TRAIN, ValueError, "'auto'"),
    ({"random_state": 1.5}, X_TRAIN, TypeError, "random_state"),
    ({"contamination": 0.7}, X_TRAIN, ValueError, "contamination"),
    ({}, X_TRAIN[:1], ValueError, "at least 2"),
    ({}, X_TRAIN[:, 0], ValueError, "2-D"),
    ({}, np.zeros((5, 2, 2)), ValueError, "2-D"),
])
def test_bad_parameters_and_shapes_fail_before_training(params, X, error, match):
    with pytest.raises(error, match=match):
        VariationalAutoencoderDetector(**params).fit(X)


def test_nan_input_is_rejected_and_leaves_it_unfitted():
    X = X_TRAIN.copy()
    X[3, 1] = np.nan
    model = small()
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X)
    assert not [k for k in vars(model) if k.endswith("_")]


# --- training -------------------------------------------------------------------------------

@pytest.mark.slow
def test_fit_returns_self_and_sets_the_fitted_attributes(fitted):
    import keras

    assert isinstance(fitted.model_, keras.Model)
    assert fitted.decision_scores_.shape == (len(X_TRAIN),)
    assert set(fitted.history_) == {"loss", "val_loss"}
    assert len(fitted.history_["loss"]) == fitted.n_epochs_
    assert 1 <= fitted.best_epoch_ <= fitted.n_epochs_ <= FAST["epochs"]
    assert fitted.history_["val_loss"][fitted.best_epoch_ - 1] < fitted.history_["val_loss"][0]
    assert fitted.eps_.shape == (FAST["n_samples"], FAST["latent_dim"])
    assert 0.03 <= fitted.labels_.mean() <= 0.07
    np.testing.assert_array_equal(fitted.labels_, fitted.predict(X_TRAIN))


@pytest.mark.slow
def test_score_is_the_negative_elbo_computed_by_hand(fitted):
    mean, log_var = fitted.encode(X_TEST)
    Z = (X_TEST - fitted.mean_) / fitted.scale_
    decoder = fitted.model_.get_layer("decoder")
    rec = np.mean([0.5 * np.sum((Z - decoder.predict_on_batch(
        (mean + np.exp(0.5 * log_var) * e).astype(np.float32))) ** 2, axis=1)
        for e in fitted.eps_], axis=0)
    kl = 0.5 * np.sum(mean**2 + np.exp(log_var) - 1 - log_var, axis=1)
    expected = rec + kl + 0.5 * X_TEST.shape[1] * np.log(2 * np.pi)
    np.testing.assert_allclose(fitted.decision_function(X_TEST), expected, rtol=1e-5)
    np.testing.assert_allclose(fitted.kl_per_dimension(X_TEST).sum(), kl.mean(), rtol=1e-9)


@pytest.mark.slow
def test_obvious_outlier_scores_higher_than_every_inlier(fitted):
    scores = fitted.decision_function(X_TEST)
    assert fitted.decision_function(OUTLIER)[0] > scores.max()
    assert fitted.predict(OUTLIER)[0] == 1


@pytest.mark.slow
def test_same_random_state_same_scores_different_state_different_scores(fitted):
    again = small(random_state=0).fit(X_TRAIN)
    np.testing.assert_array_equal(again.decision_function(X_TEST),
                                  fitted.decision_function(X_TEST))
    assert again.history_ == fitted.history_
    other = small(random_state=1).fit(X_TRAIN)
    assert not np.allclose(other.decision_function(X_TEST), fitted.decision_function(X_TEST))


@pytest.mark.slow
def test_a_row_gets_the_same_score_alone_or_in_a_batch(fitted):
    batch = fitted.decision_function(X_TEST)
    alone = np.array([fitted.decision_function(X_TEST[[i]])[0] for i in range(5)])
    np.testing.assert_allclose(alone, batch[:5], rtol=1e-6)


@pytest.mark.slow
def test_reconstruct_and_encode_shapes_and_units(fitted):
    rebuilt = fitted.reconstruct(X_TEST)
    assert rebuilt.shape == X_TEST.shape
    assert np.mean((rebuilt - X_TEST) ** 2) < np.mean((X_TEST - X_TEST.mean(0)) ** 2)
    mean, log_var = fitted.encode(X_TEST)
    assert mean.shape == log_var.shape == (len(X_TEST), FAST["latent_dim"])


@pytest.mark.slow
def test_inputs_are_not_modified():
    X, X_new = X_TRAIN.astype(np.float32), X_TEST.copy()
    X_before, new_before = X.copy(), X_new.copy()
    model = small(epochs=2)
    assert model.fit(X) is model
    for method in ("decision_function", "predict", "encode", "reconstruct", "kl_per_dimension"):
        getattr(model, method)(X_new)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(X_new, new_before)


@pytest.mark.slow
def test_without_validation_or_patience_trains_every_epoch():
    model = small(epochs=3, validation_fraction=0, patience=None).fit(X_TRAIN)
    assert set(model.history_) == {"loss"} and model.n_epochs_ == model.best_epoch_ == 3


@pytest.mark.slow
def test_diverging_training_raises_a_clear_error_and_keeps_it_unfitted():
    model = small(epochs=3, scale=False)
    with pytest.raises(ValueError, match="diverged.*learning_rate"):
        model.fit(1e20 * make_normal(64, seed=2))
    assert not [k for k in vars(model) if k.endswith("_")]


@pytest.mark.slow
def test_wrong_number_of_features_after_fit(fitted):
    for method in ("decision_function", "encode", "reconstruct"):
        with pytest.raises(ValueError, match="fitted with 4"):
            getattr(fitted, method)(X_TEST[:, :3])


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
