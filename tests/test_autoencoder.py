"""AutoencoderDetector: the detector contract, reconstruction scores, errors and safety nets.

Small data and few epochs: every fit takes about a second. Tests that train (or import
TensorFlow) are marked ``slow``; the parameter checks, which fail before TensorFlow is
imported, run in the fast lane.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_fresh_python
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from course_utils import _keras_fit
from course_utils.autoencoder import ARCHITECTURES, AutoencoderDetector
from course_utils.reproducibility import seed_everything

# Keras 3.12's convert_to_numpy calls np.array(tensor), which NumPy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def make_normal(n, seed):
    """Normal data near a 2-D plane inside 4-D space: a 2-number code can rebuild it."""
    rng = np.random.default_rng(seed)
    mixing = np.array([[1.0, 0.5, -0.5, 0.2], [0.0, 1.0, 0.5, -0.4]])
    return rng.normal(size=(n, 2)) @ mixing + 0.05 * rng.normal(size=(n, 4))


X_TRAIN = make_normal(200, seed=0)
X_TEST = make_normal(50, seed=1)
OUTLIER = np.array([[3.0, -3.0, 3.0, -3.0]])   # off the plane, though within the value range
FAST = {"hidden": (8,), "bottleneck": 2, "epochs": 40, "batch_size": 32, "patience": 10}


def small(**params):
    return AutoencoderDetector(**{**FAST, **params})


@pytest.fixture(scope="module")
def fitted():
    return small(random_state=0).fit(X_TRAIN)


def sine_windows(n, window, n_channels, seed):
    """Windows of noisy sine waves with random phase: (n, window * n_channels), flattened."""
    rng = np.random.default_rng(seed)
    t = np.arange(window)[None, :, None]
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, n_channels))
    w = np.sin(2 * np.pi * t / 12 + phase) + 0.05 * rng.normal(size=(n, window, n_channels))
    return w.reshape(n, -1)


# --- TensorFlow only when fitting -----------------------------------------------------------

@pytest.mark.slow
def test_no_tensorflow_until_fit_and_nothing_on_stderr():
    code = """
import sys
import numpy as np
from sklearn.base import clone
import course_utils.detectors, course_utils.autoencoder
ae = clone(course_utils.autoencoder.AutoencoderDetector(epochs=2, hidden=(4,), bottleneck=2))
ae.get_params()
assert "tensorflow" not in sys.modules and "keras" not in sys.modules
ae.fit(np.random.default_rng(0).normal(size=(40, 3)))
assert "keras" in sys.modules
print("ok")
"""
    proc = run_fresh_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    assert proc.stderr.strip() == "", proc.stderr


# --- the detector contract ------------------------------------------------------------------

def test_constructor_stores_parameters_and_clone_works():
    ae = AutoencoderDetector("conv2d", hidden=(4, 8), image_shape=(8, 8), epochs=3,
                             random_state=7, contamination=0.1)
    params = ae.get_params()
    assert params["architecture"] == "conv2d" and params["image_shape"] == (8, 8)
    assert params["random_state"] == 7 and params["contamination"] == 0.1
    copy = clone(ae)
    assert copy.get_params() == params and not hasattr(copy, "model_")
    AutoencoderDetector(architecture="nope", epochs=-1)   # checked in fit, as in scikit-learn


def test_regularisers_are_off_by_default_and_round_trip_through_get_params():
    params = AutoencoderDetector().get_params()
    assert params["dropout"] == 0.0 and params["weight_decay"] == 0.0
    assert params["validation_fraction"] == 0.1 and params["patience"] == 10   # unchanged
    ae = AutoencoderDetector(dropout=0.2, weight_decay=1e-3)
    copy = clone(ae)
    assert copy.get_params() == ae.get_params()
    assert (copy.dropout, copy.weight_decay) == (0.2, 1e-3)
    assert copy.set_params(dropout=0.0).get_params()["dropout"] == 0.0


@pytest.mark.slow
def test_fit_returns_self_and_sets_the_fitted_attributes(fitted):
    import keras

    assert isinstance(fitted.model_, keras.Model)
    assert fitted.decision_scores_.shape == (len(X_TRAIN),)
    assert fitted.n_features_in_ == 4 and fitted.sample_shape_ == (4,)
    assert set(fitted.history_) == {"loss", "val_loss"}
    assert len(fitted.history_["loss"]) == len(fitted.history_["val_loss"]) == fitted.n_epochs_
    assert 1 <= fitted.best_epoch_ <= fitted.n_epochs_ <= FAST["epochs"]
    assert fitted.history_["loss"][-1] < fitted.history_["loss"][0]       # it learned
    np.testing.assert_allclose(fitted.mean_, X_TRAIN.mean(axis=0))
    np.testing.assert_allclose(fitted.scale_, X_TRAIN.std(axis=0))
    share = fitted.predict(X_TRAIN).mean()
    assert 0.03 <= share <= 0.07                      # contamination=0.05 on training scores


@pytest.mark.slow
def test_obvious_outlier_scores_higher_than_every_inlier(fitted):
    scores = fitted.decision_function(X_TEST)
    assert scores.shape == (len(X_TEST),) and (scores >= 0).all()
    assert fitted.decision_function(OUTLIER)[0] > scores.max()
    assert fitted.predict(OUTLIER)[0] == 1


@pytest.mark.slow
def test_explain_gives_per_feature_errors_that_average_to_the_score(fitted):
    errors = fitted.explain(X_TEST)
    assert errors.shape == X_TEST.shape and (errors >= 0).all()
    np.testing.assert_allclose(errors.mean(axis=1), fitted.decision_function(X_TEST),
                               rtol=1e-12)


@pytest.mark.slow
def test_reconstruct_is_in_the_original_units(fitted):
    rebuilt = fitted.reconstruct(X_TEST)
    assert rebuilt.shape == X_TEST.shape
    scaled_error = (((X_TEST - rebuilt) / fitted.scale_) ** 2).mean(axis=1)
    np.testing.assert_allclose(scaled_error, fitted.decision_function(X_TEST), rtol=1e-6)


@pytest.mark.slow
def test_inputs_are_not_modified():
    X, X_new = X_TRAIN.astype(np.float32), X_TEST.copy()
    X_before, new_before = X.copy(), X_new.copy()
    ae = small(epochs=2)
    assert ae.fit(X) is ae
    ae.decision_function(X_new)
    ae.explain(X_new)
    ae.reconstruct(X_new)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(X_new, new_before)
    assert ae.decision_function(X_new.tolist()).shape == (len(X_new),)   # lists work too


@pytest.mark.slow
def test_same_random_state_same_scores_different_state_different_scores(fitted):
    again = small(random_state=0).fit(X_TRAIN)
    np.testing.assert_array_equal(again.decision_function(X_TEST),
                                  fitted.decision_function(X_TEST))
    assert again.history_ == fitted.history_
    other = small(random_state=1).fit(X_TRAIN)
    assert not np.allclose(other.decision_function(X_TEST), fitted.decision_function(X_TEST))


@pytest.mark.slow
def test_without_validation_or_patience_trains_every_epoch_on_all_rows():
    ae = small(epochs=3, validation_fraction=0, patience=None).fit(X_TRAIN)
    assert set(ae.history_) == {"loss"} and ae.n_epochs_ == ae.best_epoch_ == 3


def test_auto_batch_size_is_one_percent_of_the_rows_within_32_and_512():
    sizes = [_keras_fit.batch_size("auto", n) for n in (10, 3_200, 27_000, 100_000)]
    assert sizes == [32, 32, 270, 512]
    with pytest.raises(ValueError, match="'auto'"):      # a string, but not a known one
        small(batch_size="big").fit(X_TRAIN)


@pytest.mark.slow
def test_auto_batch_size_is_used_in_fit():
    assert small(batch_size="auto", epochs=1).fit(X_TRAIN).batch_size_ == 32


@pytest.mark.slow
def test_scale_false_keeps_the_units():
    ae = small(epochs=2, scale=False).fit(X_TRAIN)
    np.testing.assert_array_equal(ae.mean_, 0.0)
    np.testing.assert_array_equal(ae.scale_, 1.0)


# --- images and windows ---------------------------------------------------------------------

@pytest.mark.slow
def test_conv2d_on_flat_digits_scores_other_digits_higher():
    from course_utils import datasets

    ds = datasets.load("digits", random_state=0, normal_digit=0)
    ae = AutoencoderDetector("conv2d", epochs=40, random_state=0).fit(ds.X_train)
    assert ae.sample_shape_ == (8, 8, 1)          # square image inferred from 64 columns
    scores = ae.decision_function(ds.X_test)
    assert scores[ds.y_test == 1].mean() > 2 * scores[ds.y_test == 0].mean()
    assert ae.explain(ds.X_test[:3]).shape == (3, 64)  # .reshape(-1, 8, 8): an error map
    # one scale for all pixels (per channel), fitted on the training images
    assert np.unique(ae.scale_).size == 1 and ae.scale_[0] == pytest.approx(ds.X_train.std())


@pytest.mark.slow
@pytest.mark.parametrize("architecture, params", [
    ("conv1d", {"hidden": (4, 8), "bottleneck": 4}),
    ("recurrent", {"hidden": 8, "bottleneck": 4, "cell": "lstm"}),   # units (8, 4)
])
def test_window_architectures_take_flattened_windows(architecture, params):
    X = sine_windows(60, window=12, n_channels=2, seed=0)
    ae = AutoencoderDetector(architecture, window_shape=(12, 2), epochs=2, random_state=0,
                             **params).fit(X)
    assert ae.sample_shape_ == (12, 2)
    assert ae.model_.input_shape == (None, 12, 2)
    if architecture == "recurrent":
        assert ae.model_.get_layer("encoder").output_shape == (None, 4)
    assert ae.decision_function(X[:5]).shape == (5,)
    assert ae.explain(X[:5]).shape == (5, 24)
    assert ae.scale_.shape == (24,) and np.unique(ae.scale_).size == 2    # per channel


@pytest.mark.slow
def test_window_shape_none_means_one_channel():
    X = sine_windows(40, window=16, n_channels=1, seed=0)
    ae = AutoencoderDetector("conv1d", hidden=(4,), bottleneck=4, epochs=1).fit(X)
    assert ae.sample_shape_ == (16, 1)


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["decision_function", "predict", "explain", "reconstruct"])
def test_use_before_fit_raises_not_fitted(method):
    with pytest.raises(NotFittedError, match="fit"):
        getattr(AutoencoderDetector(), method)(X_TEST)


@pytest.mark.slow
def test_wrong_number_of_features_after_fit(fitted):
    for method in ("decision_function", "explain", "reconstruct"):
        with pytest.raises(ValueError, match="fitted with 4"):
            getattr(fitted, method)(X_TEST[:, :3])


def test_unflattened_images_get_a_hint():
    with pytest.raises(ValueError, match=r"reshape\(len\(X\), -1\).*image_shape=\(8, 8\)"):
        AutoencoderDetector("conv2d").fit(np.zeros((5, 8, 8)))


@pytest.mark.parametrize("params, X, error, match", [
    ({"architecture": "cnn"}, X_TRAIN, ValueError, "architecture"),
    ({"architecture": "conv2d"}, X_TRAIN[:, :3], ValueError, "square image"),
    ({"architecture": "conv2d", "image_shape": (2, 3)}, X_TRAIN, ValueError, "holds 6 values"),
    ({"architecture": "conv2d", "image_shape": (2, 2, 1, 1)}, X_TRAIN, ValueError,
     "image_shape"),
    ({"architecture": "conv1d", "window_shape": (3, 2)}, X_TRAIN, ValueError, "window_shape"),
    ({"window_shape": (2, 2)}, X_TRAIN, ValueError, "conv1d' or 'recurrent' only"),
    ({"image_shape": (2, 2)}, X_TRAIN, ValueError, "'conv2d' only"),
    ({"epochs": 0}, X_TRAIN, ValueError, "epochs"),
    ({"batch_size": 8.0}, X_TRAIN, TypeError, "batch_size"),
    ({"learning_rate": 0}, X_TRAIN, ValueError, "learning_rate"),
    ({"validation_fraction": 0.5}, X_TRAIN, ValueError, "validation_fraction"),
    ({"patience": 0}, X_TRAIN, ValueError, "patience"),
    ({"scale": "yes"}, X_TRAIN, TypeError, "scale"),
    ({"random_state": np.random.default_rng(0)}, X_TRAIN, TypeError, "random_state"),
    # one exception type per mistake: TypeError for a wrong type (bool included) ...
    ({"learning_rate": "fast"}, X_TRAIN, TypeError, "learning_rate must be a number"),
    ({"learning_rate": True}, X_TRAIN, TypeError, "learning_rate must be a number"),
    ({"epochs": 2.0}, X_TRAIN, TypeError, "epochs must be an integer"),
    ({"epochs": True}, X_TRAIN, TypeError, "epochs must be an integer"),
    ({"patience": True}, X_TRAIN, TypeError, "patience must be an integer"),
    ({"verbose": True}, X_TRAIN, TypeError, "verbose must be an integer"),
    ({"validation_fraction": "0.1"}, X_TRAIN, TypeError, "validation_fraction must be a number"),
    ({"random_state": 1.0}, X_TRAIN, TypeError, "random_state must be an int seed"),
    ({"random_state": True}, X_TRAIN, TypeError, "random_state must be an int seed"),
    ({"architecture": "conv2d", "image_shape": "8x8"}, X_TRAIN, TypeError, "image_shape"),
    # ... ValueError for a number of the right type with a bad value (inf and NaN included)
    ({"learning_rate": np.inf}, X_TRAIN, ValueError, "learning_rate must be in"),
    ({"learning_rate": np.nan}, X_TRAIN, ValueError, "learning_rate must be in"),
    ({"validation_fraction": -0.1}, X_TRAIN, ValueError, "validation_fraction must be in"),
    ({"random_state": 2**32}, X_TRAIN, ValueError, r"random_state must be in \[0, 2\*\*32 - 1\]"),
    ({"random_state": -1}, X_TRAIN, ValueError, "random_state must be in"),
    ({"verbose": 3}, X_TRAIN, ValueError, "verbose"),
    ({"architecture": "recurrent", "cell": "rnn"}, X_TRAIN, ValueError, "cell"),
    ({"contamination": 0.7}, X_TRAIN, ValueError, "contamination"),
    ({}, X_TRAIN[:1], ValueError, "at least 2"),
    ({}, X_TRAIN[:, 0], ValueError, "2-D"),
    # the regularisers: a rate in [0, 1), a penalty >= 0, the dense architecture only
    ({"dropout": -0.1}, X_TRAIN, ValueError, r"dropout must be in \[0, 1\)"),
    ({"dropout": 1.0}, X_TRAIN, ValueError, r"dropout must be in \[0, 1\)"),
    ({"dropout": np.nan}, X_TRAIN, ValueError, "dropout must be in"),
    ({"dropout": "0.2"}, X_TRAIN, TypeError, "dropout must be a number"),
    ({"dropout": True}, X_TRAIN, TypeError, "dropout must be a number"),
    ({"weight_decay": -1e-3}, X_TRAIN, ValueError, "weight_decay must be a finite number >= 0"),
    ({"weight_decay": np.inf}, X_TRAIN, ValueError, "weight_decay must be"),
    ({"weight_decay": None}, X_TRAIN, TypeError, "weight_decay must be a number"),
    ({"architecture": "conv1d", "dropout": 0.2}, X_TRAIN, ValueError, "'dense' only"),
    ({"architecture": "conv2d", "weight_decay": 1e-3}, X_TRAIN, ValueError, "'dense' only"),
])
def test_bad_parameters_and_shapes_fail_before_training(params, X, error, match):
    with pytest.raises(error, match=match):
        AutoencoderDetector(**params).fit(X)


@pytest.mark.parametrize("X_val, error, match", [
    (X_TEST[:, :3], ValueError, "X_val has 3 features, but X has 4"),
    (np.where(np.arange(4) == 2, np.nan, X_TEST), ValueError, "X_val.*NaN"),
    (np.where(np.arange(4) == 2, np.inf, X_TEST), ValueError, "X_val"),
    (X_TEST[:, 0], ValueError, "X_val.*2-D"),
    (X_TEST[:0], ValueError, "X_val"),
    ("validation", TypeError, "X_val"),
])
def test_bad_validation_rows_fail_before_training(X_val, error, match):
    ae = small()
    with pytest.raises(error, match=match):
        ae.fit(X_TRAIN, X_val=X_val)
    assert vars(ae) == vars(small())          # atomic: nothing fitted, nothing left behind


def test_nan_input_is_rejected():
    X = X_TRAIN.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        small().fit(X)


@pytest.mark.slow
def test_constant_training_data_warns_that_scores_are_constant():
    with pytest.warns(UserWarning, match="same reconstruction error"):
        small(epochs=2).fit(np.ones((50, 4)))


@pytest.mark.slow
def test_diverging_training_raises_a_clear_error():
    X = 1e20 * make_normal(64, seed=2)             # unscaled: squared errors overflow float32
    with pytest.raises(ValueError, match="diverged.*learning_rate"):
        small(epochs=3, scale=False).fit(X)


def test_seeds_are_checked_like_reproducibility_checks_them():
    """The same mistake gives the same exception type everywhere (it used to differ)."""
    for bad, error in [(2**32, ValueError), (-1, ValueError), (True, TypeError),
                       (1.5, TypeError)]:
        with pytest.raises(error, match="seed"):
            seed_everything(bad)
        with pytest.raises(error, match="random_state"):
            AutoencoderDetector(random_state=bad).fit(X_TRAIN)


@pytest.mark.slow
def test_a_diverging_refit_keeps_the_previous_model_and_the_random_state(fitted):
    """It used to raise with model_, mean_, scale_ ... already replaced by the failed fit."""
    import random

    ae = clone(fitted).fit(X_TRAIN)
    before = {k: v for k, v in vars(ae).items() if k.endswith("_")}
    scores = ae.decision_function(X_TEST)
    random.seed(3)
    np.random.seed(3)  # noqa: NPY002
    py_state, np_draw = random.getstate(), np.random.RandomState(3).rand()
    ae.set_params(scale=False, epochs=3)
    with pytest.raises(ValueError, match="diverged"):
        ae.fit(1e20 * make_normal(64, seed=2))
    after = {k: v for k, v in vars(ae).items() if k.endswith("_")}
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)
    np.testing.assert_array_equal(ae.decision_function(X_TEST), scores)
    assert random.getstate() == py_state and np.random.rand() == np_draw  # noqa: NPY002


def test_a_failed_first_fit_leaves_it_unfitted():
    ae = AutoencoderDetector(epochs=0)
    with pytest.raises(ValueError, match="epochs"):
        ae.fit(X_TRAIN)
    assert not [k for k in vars(ae) if k.endswith("_")]


def test_architecture_defaults_are_documented():
    assert set(ARCHITECTURES) == {"dense", "conv2d", "conv1d", "recurrent"}
    for name, default in ARCHITECTURES.items():
        assert str(default["hidden"]) in AutoencoderDetector.__doc__, name


# --- regularisation and a clean validation set (remedies for contaminated training data) ----

def _kernels(model):
    return [w for w in model.weights if "kernel" in w.path]


@pytest.mark.slow
def test_default_builder_is_the_plain_network_without_dropout_or_penalty():
    """dropout=0, weight_decay=0 build exactly the network without the options."""
    import keras

    from course_utils import models

    plain = models.build_dense_autoencoder(4, hidden=(8,), bottleneck=2)
    explicit = models.build_dense_autoencoder(4, hidden=(8,), bottleneck=2, dropout=0.0,
                                              weight_decay=0.0)
    for model in (plain, explicit):
        layers = [layer for part in ("encoder", "decoder")
                  for layer in model.get_layer(part).layers]
        assert [type(layer).__name__ for layer in layers] == ["Dense"] * 4
        assert all(layer.kernel_regularizer is None for layer in layers) and not model.losses
    regularised = models.build_dense_autoencoder(4, hidden=(8, 6), bottleneck=2, dropout=0.3,
                                                 weight_decay=0.01)
    layers = [layer for part in ("encoder", "decoder")
              for layer in regularised.get_layer(part).layers]
    assert [type(layer).__name__ for layer in layers] == [
        "Dense", "Dropout", "Dense", "Dropout", "Dense",      # encoder: after each hidden layer
        "Dense", "Dropout", "Dense", "Dropout", "Dense"]      # decoder: the same, mirrored
    assert all(layer.rate == 0.3 for layer in layers if isinstance(layer, keras.layers.Dropout))
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    assert all(np.isclose(layer.kernel_regularizer.l2, 0.005) for layer in dense)   # λ / 2
    assert all(layer.bias_regularizer is None for layer in dense)
    penalty = 0.005 * sum(float(np.sum(np.square(w))) for w in _kernels(regularised))
    np.testing.assert_allclose(float(sum(regularised.losses)), penalty, rtol=1e-5)


@pytest.mark.slow
def test_explicit_zero_regularisers_give_the_default_fit(fitted):
    again = small(random_state=0, dropout=0.0, weight_decay=0.0).fit(X_TRAIN, X_val=None)
    np.testing.assert_array_equal(again.decision_function(X_TEST),
                                  fitted.decision_function(X_TEST))
    assert again.history_ == fitted.history_


@pytest.mark.slow
@pytest.mark.parametrize("params", [{"dropout": 0.2}, {"weight_decay": 0.01}])
def test_dropout_and_weight_decay_change_the_fit(fitted, params):
    ae = small(random_state=0, **params).fit(X_TRAIN)
    assert not np.allclose(ae.decision_function(X_TEST), fitted.decision_function(X_TEST))
    assert ae.decision_function(OUTLIER)[0] > np.quantile(ae.decision_function(X_TEST), 0.9)
    again = small(random_state=0, **params).fit(X_TRAIN)              # still deterministic
    np.testing.assert_array_equal(again.decision_function(X_TEST), ae.decision_function(X_TEST))
    # in prediction, dropout is off: the score is the plain reconstruction error
    np.testing.assert_allclose(ae.decision_function(X_TEST), ae.explain(X_TEST).mean(axis=1),
                               rtol=1e-12)


@pytest.mark.slow
def test_weight_decay_shrinks_the_kernels(fitted):
    decayed = small(random_state=0, weight_decay=0.1, patience=None).fit(X_TRAIN)
    plain = small(random_state=0, patience=None).fit(X_TRAIN)
    norm = {name: sum(float(np.sum(np.square(w))) for w in _kernels(m.model_))
            for name, m in [("decayed", decayed), ("plain", plain)]}
    assert norm["decayed"] < 0.8 * norm["plain"], norm
    # the training loss includes the penalty, the validation loss does not
    assert decayed.history_["loss"][-1] > plain.history_["loss"][-1]


@pytest.mark.slow
def test_x_val_replaces_the_held_out_share_of_x():
    X_val = make_normal(60, seed=5)
    ae = small(random_state=0, patience=3, epochs=60).fit(X_TRAIN, X_val=X_val)
    # the recorded validation loss is the loss on X_val (scaled with the statistics of X) ...
    best = ae.history_["val_loss"][ae.best_epoch_ - 1]
    np.testing.assert_allclose(best, ae.explain(X_val).mean(), rtol=1e-5)
    np.testing.assert_allclose(ae.mean_, X_TRAIN.mean(axis=0))          # X_val not in scaling
    assert ae.best_epoch_ == int(np.argmin(ae.history_["val_loss"])) + 1
    # ... and validation_fraction no longer matters: every row of X is trained on
    other = small(random_state=0, patience=3, epochs=60, validation_fraction=0.4)
    np.testing.assert_array_equal(other.fit(X_TRAIN, X_val=X_val).decision_function(X_TEST),
                                  ae.decision_function(X_TEST))
    without = small(random_state=0, patience=3, epochs=60).fit(X_TRAIN)
    assert without.history_["val_loss"] != ae.history_["val_loss"]
    assert not hasattr(ae, "_X_val")                                    # nothing left behind


@pytest.mark.slow
def test_x_val_is_not_modified_and_reaches_the_detector_in_a_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_val = make_normal(40, seed=6)
    before = X_val.copy()
    pipe = make_pipeline(StandardScaler(), small(random_state=0, epochs=5))
    scaler = pipe[0].fit(X_TRAIN)
    pipe.fit(X_TRAIN, autoencoderdetector__X_val=scaler.transform(X_val))
    np.testing.assert_array_equal(X_val, before)
    ae = pipe[-1]
    np.testing.assert_allclose(ae.history_["val_loss"][ae.best_epoch_ - 1],
                               ae.explain(scaler.transform(X_val)).mean(), rtol=1e-5)
