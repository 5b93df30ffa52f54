"""ForecastDetector: the squared error of a one-step forecast as the score (tiny fits).

Tests that train or import TensorFlow are marked ``slow``; the input and parameter checks,
which fail before TensorFlow is imported, run in the fast lane.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from course_utils import datasets
from course_utils.forecast import ForecastDetector

# Keras 3.12's convert_to_numpy calls np.array(tensor), which NumPy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

WINDOW = 12
FAST = {"hidden": (16,), "epochs": 15, "patience": None, "batch_size": 64}


def _sine_windows(n=600, period=25, noise=0.0, seed=0):
    t = np.arange(n)
    x = np.sin(2 * np.pi * t / period) + noise * np.random.default_rng(seed).normal(size=n)
    windows = datasets.make_windows(x, WINDOW + 1)
    return x, windows.reshape(len(windows), -1)


@pytest.fixture(scope="module")
def fitted():
    _, X = _sine_windows()
    return ForecastDetector(random_state=0, **FAST).fit(X[:400]), X


@pytest.mark.slow
def test_fit_returns_self_and_sets_the_fitted_state(fitted):
    model, X = fitted
    assert isinstance(model, ForecastDetector)
    assert model.sample_shape_ == (WINDOW + 1, 1) and model.n_features_in_ == WINDOW + 1
    assert model.decision_scores_.shape == (400,) and np.isfinite(model.threshold_)
    assert model.n_epochs_ == FAST["epochs"] and model.predict(X).shape == (len(X),)
    assert clone(model).get_params() == model.get_params()


@pytest.mark.slow
def test_predicts_a_sine_well(fitted):
    model, X = fitted
    forecast = model.forecast(X[400:])
    assert forecast.shape == (len(X) - 400, 1)
    rmse = np.sqrt(np.mean((forecast[:, 0] - X[400:, -1]) ** 2))
    assert rmse < 0.05                            # amplitude 1: a few percent
    scores = model.decision_function(X[400:])
    # the score is the squared error of the last step, in scaled units
    np.testing.assert_allclose(scores, ((forecast[:, 0] - X[400:, -1]) / model.scale_[0]) ** 2,
                               rtol=1e-5)


@pytest.mark.slow
def test_scores_a_spike_higher_than_normal_points(fitted):
    model, X = fitted
    spiked = X[450].copy()
    spiked[-1] += 1.0                             # the step to forecast jumps
    scores = model.decision_function(np.vstack([X[400:], spiked]))
    assert scores[-1] > 10 * np.quantile(scores[:-1], 0.99)


@pytest.mark.slow
def test_same_seed_same_scores_and_conv1d_with_channels():
    x = np.column_stack([np.sin(np.arange(300) / 4), np.cos(np.arange(300) / 4)])
    windows = datasets.make_windows(x, WINDOW + 1)
    X = windows.reshape(len(windows), -1)
    params = {"window_shape": (WINDOW + 1, 2), "random_state": 3, "hidden": (4,), "epochs": 3,
              "batch_size": 64}
    first = ForecastDetector("conv1d", **params).fit(X).decision_function(X)
    second = ForecastDetector("conv1d", **params).fit(X).decision_function(X)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (len(X),)


@pytest.mark.slow
def test_build_forecaster_shapes():
    from course_utils.models import build_forecaster

    model = build_forecaster(WINDOW, 3, hidden=(8, 4), architecture="conv1d")
    assert model.input_shape == (None, WINDOW, 3) and model.output_shape == (None, 3)
    plain = build_forecaster(5, 1, hidden=8, residual=False)
    assert plain.output_shape == (None, 1)
    with pytest.raises(ValueError, match="architecture"):
        build_forecaster(5, 1, architecture="lstm")


@pytest.mark.parametrize("X, error, match", [
    (np.zeros(13), ValueError, "2-D"),
    (np.zeros((4, 13, 1)), ValueError, "Flatten"),
    (np.r_[np.zeros((5, 13)), np.full((1, 13), np.nan)], ValueError, "NaN"),
    (np.zeros((1, 13)), ValueError, "at least 2"),
])
def test_fit_rejects_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        ForecastDetector(**FAST).fit(X)


@pytest.mark.slow
def test_decision_function_rejects_the_wrong_width_and_nan(fitted):
    model, X = fitted
    with pytest.raises(ValueError, match="features"):
        model.decision_function(X[:, :-1])
    bad = X[:3].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.decision_function(bad)


@pytest.mark.parametrize("params, error, match", [
    ({"window_shape": (7, 2)}, ValueError, "window_shape"),
    ({"window_shape": (1, 13)}, ValueError, "at least 2"),
    ({"architecture": "gru"}, ValueError, "architecture"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"validation_fraction": 0.7}, ValueError, "validation_fraction"),
    # one exception type per mistake: a bad value of the right type is a ValueError ...
    ({"random_state": -1}, ValueError, "random_state"),
    ({"random_state": 2**32}, ValueError, "random_state"),
    ({"learning_rate": np.inf}, ValueError, "learning_rate"),
    # ... a wrong type (bool included) a TypeError
    ({"random_state": np.random.default_rng(0)}, TypeError, "random_state"),
    ({"learning_rate": "fast"}, TypeError, "learning_rate"),
    ({"validation_fraction": "0.1"}, TypeError, "validation_fraction"),
    ({"kernel_size": True}, TypeError, "kernel_size"),
    ({"residual": "yes"}, TypeError, "residual"),
    ({"hidden": "16"}, TypeError, "hidden"),
    ({"hidden": (16, 0)}, ValueError, "hidden"),
    ({"batch_size": "big"}, ValueError, "batch_size"),
    ({"window_shape": 13}, TypeError, "window_shape"),
])
def test_bad_parameters_fail_before_training(params, error, match):
    _, X = _sine_windows(n=100)
    with pytest.raises(error, match=match):
        ForecastDetector(**params).fit(X)


@pytest.mark.slow
def test_input_is_not_modified(fitted):
    model, X = fitted
    keep = X.copy()
    model.decision_function(X)
    model.forecast(X)
    np.testing.assert_array_equal(X, keep)
