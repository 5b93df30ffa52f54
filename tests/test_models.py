"""Keras model builders: shapes, untrained and uncompiled models, clear argument errors.

Every test here imports TensorFlow (through ``course_utils.models``): all ``slow``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.slow


class _ImportedOnFirstUse:
    """``course_utils.models``, imported on first attribute access: importing it imports
    TensorFlow (about 4 s), which must not happen while collecting ``-m "not slow"``."""

    def __getattr__(self, name):
        if not name.startswith("build_"):   # pytest's collector probes every module object
            raise AttributeError(name)
        from course_utils import models as module

        return getattr(module, name)


models = _ImportedOnFirstUse()


def _forward(model, shape):
    """Output shape of one forward pass on zeros with a batch of 2."""
    return tuple(np.asarray(model(np.zeros((2, *shape), dtype="float32"))).shape)


# --- shapes ---------------------------------------------------------------------------------

def test_mlp_classifier_gives_one_probability_per_row():
    model = models.build_mlp_classifier(5, hidden=(8, 4))
    assert model.input_shape == (None, 5)
    assert model.output_shape == (None, 1)
    out = np.asarray(model(np.random.default_rng(0).normal(size=(3, 5)).astype("float32")))
    assert ((out > 0) & (out < 1)).all()          # sigmoid output


def test_mlp_classifier_without_hidden_layer_is_logistic_regression():
    model = models.build_mlp_classifier(3, hidden=())
    assert model.count_params() == 3 + 1


@pytest.mark.parametrize("build, sample_shape, code_shape", [
    (lambda: models.build_dense_autoencoder(30), (30,), (4,)),
    (lambda: models.build_dense_autoencoder(9, hidden=(), bottleneck=3), (9,), (3,)),
    (lambda: models.build_conv_autoencoder(), (8, 8, 1), (16,)),
    (lambda: models.build_conv_autoencoder((8, 8)), (8, 8, 1), (16,)),
    (lambda: models.build_conv_autoencoder((28, 28, 1)), (28, 28, 1), (16,)),
    (lambda: models.build_conv_autoencoder((8, 8, 3), filters=(8,), bottleneck=None),
     (8, 8, 3), (4, 4, 8)),
    (lambda: models.build_conv1d_autoencoder(48, 4), (48, 4), (16,)),
    (lambda: models.build_conv1d_autoencoder(140, 1, filters=(8, 2), bottleneck=None),
     (140, 1), (35, 2)),
    (lambda: models.build_recurrent_autoencoder(24, 4, units=8), (24, 4), (8,)),
    (lambda: models.build_recurrent_autoencoder(12, 2, units=(16, 8), cell="lstm"),
     (12, 2), (8,)),
])
def test_autoencoders_rebuild_their_input_shape_through_the_code(build, sample_shape,
                                                                 code_shape):
    model = build()
    assert model.input_shape == (None, *sample_shape)
    assert model.output_shape == (None, *sample_shape)
    assert _forward(model, sample_shape) == (2, *sample_shape)
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    assert encoder.output_shape == (None, *code_shape)
    assert decoder.input_shape == (None, *code_shape)


def test_recurrent_autoencoder_is_encoder_repeat_decoder_time_distributed():
    import keras

    model = models.build_recurrent_autoencoder(10, 3, units=8, cell="lstm")
    enc, dec = model.get_layer("encoder"), model.get_layer("decoder")
    assert isinstance(enc.layers[0], keras.layers.LSTM)
    assert [type(layer) for layer in dec.layers[:2]] == [keras.layers.RepeatVector,
                                                         keras.layers.LSTM]
    assert isinstance(dec.layers[-1], keras.layers.TimeDistributed)
    gru = models.build_recurrent_autoencoder(10, 3, units=8)
    assert isinstance(gru.get_layer("encoder").layers[0], keras.layers.GRU)


def test_builders_return_new_untrained_uncompiled_models():
    a = models.build_dense_autoencoder(6, hidden=(4,), bottleneck=2)
    b = models.build_dense_autoencoder(6, hidden=(4,), bottleneck=2)
    assert a is not b and not a.compiled
    a.compile(optimizer="adam", loss="mse")       # compiling is the caller's step
    assert a.compiled and not b.compiled


def test_default_models_are_small():
    sizes = {"dense": models.build_dense_autoencoder(30).count_params(),
             "conv": models.build_conv_autoencoder().count_params(),
             "conv28": models.build_conv_autoencoder((28, 28)).count_params(),
             "conv1d": models.build_conv1d_autoencoder(48, 6).count_params(),
             "gru": models.build_recurrent_autoencoder(48, 6).count_params()}
    assert max(sizes.values()) < 100_000, sizes


# --- argument checks ------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, match", [
    (lambda: models.build_mlp_classifier(0), ValueError, "n_features"),
    (lambda: models.build_mlp_classifier(2.5), TypeError, "n_features"),
    (lambda: models.build_mlp_classifier(4, hidden="16"), TypeError, "hidden"),
    (lambda: models.build_mlp_classifier(4, hidden=(16, 0)), ValueError, "hidden"),
    (lambda: models.build_mlp_classifier(4, activation="relux"), ValueError, "activation"),
    (lambda: models.build_dense_autoencoder(10, bottleneck=0), ValueError, "bottleneck"),
    (lambda: models.build_dense_autoencoder(10, output_activation="nope"), ValueError,
     "output_activation"),
    (lambda: models.build_conv_autoencoder((10, 10)), ValueError, "divisible by 2\\*\\*2 = 4"),
    (lambda: models.build_conv_autoencoder((8, 8, 1, 1)), ValueError, "image_shape"),
    (lambda: models.build_conv_autoencoder(filters=()), ValueError, "filters"),
    (lambda: models.build_conv1d_autoencoder(50, 4), ValueError, "window length"),
    (lambda: models.build_conv1d_autoencoder(48, 0), ValueError, "n_channels"),
    (lambda: models.build_recurrent_autoencoder(10, 2, cell="rnn"), ValueError, "cell"),
    (lambda: models.build_recurrent_autoencoder(10, 2, units=()), ValueError, "units"),
    # one exception type per mistake: TypeError for a wrong type, bool included ...
    (lambda: models.build_mlp_classifier(True), TypeError, "n_features must be an integer"),
    (lambda: models.build_dense_autoencoder(10, bottleneck=2.0), TypeError, "bottleneck"),
    (lambda: models.build_mlp_classifier(4, activation=5), TypeError, "activation"),
    (lambda: models.build_forecaster(5, 1, residual="yes"), TypeError, "residual"),
    (lambda: models.build_forecaster(5, 1, hidden="16"), TypeError, "hidden"),
    (lambda: models.build_conv_autoencoder("8x8"), TypeError, "image_shape"),
    # ... ValueError for a bad value of the right type
    (lambda: models.build_forecaster(5, 1, activation="relux"), ValueError, "activation"),
    (lambda: models.build_forecaster(5, 1, hidden=(8, 0)), ValueError, "hidden"),
])
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_a_bottleneck_as_wide_as_the_input_warns():
    with pytest.warns(UserWarning, match="copy its input"):
        models.build_dense_autoencoder(4, hidden=(8,), bottleneck=4)


@pytest.mark.slow
def test_importing_models_sets_tensorflow_up_quietly():
    code = ("import course_utils.models\n"
            "from tensorflow.python.framework import config  # private, test only\n"
            "assert config.is_op_determinism_enabled()\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr    # nothing that nbval would trip over
