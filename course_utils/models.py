"""Keras model builders: the networks of notebooks 03 and 07-09, untrained.

This is the only module of ``course_utils`` that imports Keras (and with it TensorFlow,
about 4 s and 0.6 GiB), so ``import course_utils`` stays instant. If TensorFlow is not
imported yet, importing this module does it the course's quiet way
(``reproducibility.import_tensorflow``: no notices, op determinism on) but **seeds
nothing**: importing a module never touches a random state. Call
``setup_tensorflow(seed)`` first (as the notebooks do) to seed Python, NumPy and Keras.

Every builder returns a new, **untrained and uncompiled** ``keras.Model``: compiling (the
optimiser, the loss) is a step the notebooks show, and ``AutoencoderDetector`` does it for
you. The autoencoders are made of two sub-models, ``model.get_layer("encoder")`` and
``model.get_layer("decoder")``, so the codes of the bottleneck are one call away::

    ae = build_dense_autoencoder(n_features=30, bottleneck=4)
    ae.compile(optimizer="adam", loss="mse")
    ae.fit(X_train, X_train, epochs=50, verbose=0)       # input = target
    codes = ae.get_layer("encoder").predict(X_train, verbose=0)   # (n, 4)

================================ ================================ ==================================
builder                          input of one sample              output
================================ ================================ ==================================
``build_mlp_classifier``         ``(n_features,)``                ``(1,)``: P(anomaly) with a sigmoid
``build_dense_autoencoder``      ``(n_features,)``                ``(n_features,)``
``build_conv_autoencoder``       ``image_shape`` ``(H, W, C)``    ``(H, W, C)``
``build_conv1d_autoencoder``     ``(window, n_channels)``         ``(window, n_channels)``
``build_recurrent_autoencoder``  ``(window, n_channels)``         ``(window, n_channels)``
``build_forecaster``             ``(window, n_channels)``         ``(n_channels,)``: the next step
================================ ================================ ==================================

Two more families: ``build_variational_autoencoder`` (``(n_features,)`` → ``(n_features,)``,
rebuilt from the posterior mean; its encoder gives ``[z_mean, z_log_var]``) and
``build_deep_svdd_network`` (``(n_features,)`` or an image → ``(rep_dim,)``, no bias terms).

The defaults are small on purpose: each model trains in seconds on two CPU cores.
"""

from __future__ import annotations

import sys
import warnings

from ._validate import check_bool, check_choice, check_number, check_positive_int, check_sizes
from .reproducibility import import_tensorflow

if "keras" not in sys.modules:  # first Keras import of the process: quiet, deterministic,
    import_tensorflow()         # and no seeding (that is setup_tensorflow's job)

import keras  # after the quiet TensorFlow setup above

__all__ = ["build_mlp_classifier", "build_dense_autoencoder", "build_conv_autoencoder",
           "build_conv1d_autoencoder", "build_recurrent_autoencoder", "build_forecaster",
           "build_variational_autoencoder", "build_deep_svdd_network"]

CELLS = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}


# --- argument checks -------------------------------------------------------------------------

# The generic checks live in course_utils._validate; only the one that needs Keras is here.

def _activation(value, name: str):
    """A Keras activation: its name, a callable or ``None`` (linear); TypeError otherwise."""
    if not (value is None or isinstance(value, str) or callable(value)):
        raise TypeError(f"{name} must be the name of a Keras activation (e.g. 'relu', 'tanh', "
                        f"'sigmoid', 'linear') or a function, got {value!r}.")
    try:
        keras.activations.get(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name}={value!r} is not a Keras activation (e.g. 'relu', 'tanh', "
                         f"'sigmoid', 'linear'): {err}") from None
    return value


def _image_shape(value) -> tuple[int, int, int]:
    shape = check_sizes(value, "image_shape")
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3:
        raise ValueError(f"image_shape must be (height, width) or (height, width, channels), "
                         f"got {value!r}.")
    return shape


def _check_divisible(lengths, n_halvings: int, what: str, param: str):
    factor = 2**n_halvings
    for length in lengths:
        if length % factor:
            raise ValueError(
                f"Each of the {n_halvings} encoder layers halves the {what} (stride 2), so it "
                f"must be divisible by 2**{n_halvings} = {factor}, got {length}. Use fewer "
                f"{param} or pad / crop the input.")


def _warn_no_compression(code_size: int, n_inputs: int):
    if code_size >= n_inputs:
        warnings.warn(f"The bottleneck keeps {code_size} numbers for {n_inputs} inputs: the "
                      "autoencoder can learn to copy its input, and then it reconstructs "
                      "anomalies as well as normal data. Use a smaller bottleneck.",
                      UserWarning, stacklevel=3)


def _join(encoder, decoder, input_shape, name):
    inputs = keras.Input(shape=input_shape, name="input")
    return keras.Model(inputs, decoder(encoder(inputs)), name=name)


# --- builders --------------------------------------------------------------------------------

def build_mlp_classifier(n_features, hidden=(16,), activation="relu",
                         output_activation="sigmoid", *, name="mlp_classifier"):
    """A multilayer perceptron for binary classification (notebook 03).

    ``n_features`` inputs → one ``Dense(units, activation)`` per entry of ``hidden`` →
    ``Dense(1, output_activation)``. With the default sigmoid output, the model gives
    P(anomaly) for each row: compile it with ``loss="binary_crossentropy"``. Supervised
    training needs *both* classes in ``y``; trained on one class only it learns a constant.

    Input shape ``(batch, n_features)``, output ``(batch, 1)``. Untrained, uncompiled.
    """
    n_features = check_positive_int(n_features, "n_features")
    hidden = check_sizes(hidden, "hidden", allow_empty=True)
    _activation(activation, "activation")
    _activation(output_activation, "output_activation")
    layers = [keras.Input(shape=(n_features,), name="input")]
    layers += [keras.layers.Dense(u, activation=activation, name=f"hidden_{i + 1}")
               for i, u in enumerate(hidden)]
    layers.append(keras.layers.Dense(1, activation=output_activation, name="output"))
    return keras.Sequential(layers, name=name)


def build_dense_autoencoder(n_features, hidden=(32, 16), bottleneck=4, activation="relu",
                            output_activation="linear", *, dropout=0.0, weight_decay=0.0,
                            name="dense_autoencoder"):
    """A fully connected autoencoder (notebook 07): squeeze each row, then rebuild it.

    encoder: ``n_features`` → ``Dense(h, activation)`` for each ``h`` in ``hidden`` →
    ``Dense(bottleneck)`` (linear: the code, like PCA's components but curved);
    decoder: the mirror image → ``Dense(n_features, output_activation)``.
    ``output_activation="linear"`` suits standardised features; use ``"sigmoid"`` for
    features in [0, 1].

    Two regularisers, both off by default (then the network is exactly the one above):

    * ``dropout``: a ``Dropout(dropout)`` layer after each hidden ``Dense`` layer of the
      encoder and the decoder (not after the code or the output); rate in [0, 1). Active in
      training only: ``predict`` uses every unit.
    * ``weight_decay``: λ of the penalty (λ/2) Σ ‖W‖² on every kernel (``L2(λ/2)``
      regularisers, as in ``build_deep_svdd_network``; the gradient λW is what PyTorch's
      ``weight_decay`` adds); biases are not penalised. Keras adds it to the training loss.

    Input and output shape ``(batch, n_features)``. Untrained, uncompiled. Warns when
    ``bottleneck >= n_features`` (nothing forces the model to compress).
    """
    n_features = check_positive_int(n_features, "n_features")
    hidden = check_sizes(hidden, "hidden", allow_empty=True)
    bottleneck = check_positive_int(bottleneck, "bottleneck")
    _activation(activation, "activation")
    _activation(output_activation, "output_activation")
    dropout = check_number(dropout, "dropout", low=0.0, high=1.0, low_inclusive=True)
    weight_decay = check_number(weight_decay, "weight_decay", low=0.0, low_inclusive=True)
    _warn_no_compression(bottleneck, n_features)
    reg = {"kernel_regularizer": keras.regularizers.L2(weight_decay / 2)} if weight_decay else {}

    def hidden_layers(sizes):
        for u in sizes:
            yield keras.layers.Dense(u, activation=activation, **reg)
            if dropout:
                yield keras.layers.Dropout(dropout)

    encoder = keras.Sequential(
        [keras.Input(shape=(n_features,)),
         *hidden_layers(hidden),
         keras.layers.Dense(bottleneck, name="code", **reg)], name="encoder")
    decoder = keras.Sequential(
        [keras.Input(shape=(bottleneck,)),
         *hidden_layers(reversed(hidden)),
         keras.layers.Dense(n_features, activation=output_activation, name="reconstruction",
                            **reg)],
        name="decoder")
    return _join(encoder, decoder, (n_features,), name)


def build_conv_autoencoder(image_shape=(8, 8, 1), filters=(16, 32), bottleneck=16,
                           kernel_size=3, activation="relu", output_activation="linear", *,
                           name="conv_autoencoder"):
    """A 2-D convolutional autoencoder for small images (notebook 08).

    encoder: one ``Conv2D(f, kernel_size, strides=2, padding="same")`` per entry of
    ``filters`` (each halves height and width: 8×8 → 4×4 → 2×2, 28×28 → 14×14 → 7×7), then
    ``Flatten`` and ``Dense(bottleneck)`` (the code). decoder: ``Dense`` back to the last
    feature map, then ``Conv2DTranspose`` layers that double the size again; the last one
    gives the ``C`` channels with ``output_activation``. ``bottleneck=None`` leaves out the
    dense code: the smallest feature map is then the code (it must still be smaller than the
    image, or the model can copy it).

    image_shape: ``(H, W)`` or ``(H, W, C)``; ``H`` and ``W`` divisible by
    ``2 ** len(filters)``. Input and output shape ``(batch, H, W, C)``. Untrained, uncompiled.
    """
    height, width, channels = _image_shape(image_shape)
    filters = check_sizes(filters, "filters")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    _activation(activation, "activation")
    _activation(output_activation, "output_activation")
    _check_divisible((height, width), len(filters), "image height and width", "filters")
    small = (height // 2 ** len(filters), width // 2 ** len(filters), filters[-1])
    conv = {"kernel_size": kernel_size, "strides": 2, "padding": "same"}
    encoder = [keras.Input(shape=(height, width, channels))]
    encoder += [keras.layers.Conv2D(f, activation=activation, **conv) for f in filters]
    decoder = []
    if bottleneck is None:
        code_shape = small
        _warn_no_compression(small[0] * small[1] * small[2], height * width * channels)
    else:
        bottleneck = check_positive_int(bottleneck, "bottleneck")
        _warn_no_compression(bottleneck, height * width * channels)
        code_shape = (bottleneck,)
        encoder += [keras.layers.Flatten(), keras.layers.Dense(bottleneck, name="code")]
        decoder += [keras.layers.Dense(small[0] * small[1] * small[2], activation=activation),
                    keras.layers.Reshape(small)]
    decoder += [keras.layers.Conv2DTranspose(f, activation=activation, **conv)
                for f in reversed(filters[:-1])]
    decoder.append(keras.layers.Conv2DTranspose(channels, activation=output_activation,
                                                name="reconstruction", **conv))
    encoder = keras.Sequential(encoder, name="encoder")
    decoder = keras.Sequential([keras.Input(shape=code_shape), *decoder], name="decoder")
    return _join(encoder, decoder, (height, width, channels), name)


def build_conv1d_autoencoder(window, n_channels, filters=(16, 32), bottleneck=16,
                             kernel_size=5, activation="relu", output_activation="linear", *,
                             name="conv1d_autoencoder"):
    """A 1-D convolutional autoencoder for windows of a time series (notebook 09).

    The same recipe as :func:`build_conv_autoencoder` along time: ``Conv1D(f,
    kernel_size, strides=2, padding="same")`` per entry of ``filters`` (each halves the
    window), ``Flatten`` → ``Dense(bottleneck)`` (the code; ``None`` leaves it out), then
    ``Conv1DTranspose`` layers back to ``window`` time steps of ``n_channels`` sensors.

    window: time steps per window, divisible by ``2 ** len(filters)``. Input and output
    shape ``(batch, window, n_channels)`` — the layout of ``datasets.make_windows``.
    Untrained, uncompiled.
    """
    window = check_positive_int(window, "window")
    n_channels = check_positive_int(n_channels, "n_channels")
    filters = check_sizes(filters, "filters")
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    _activation(activation, "activation")
    _activation(output_activation, "output_activation")
    _check_divisible((window,), len(filters), "window length", "filters")
    small = (window // 2 ** len(filters), filters[-1])
    conv = {"kernel_size": kernel_size, "strides": 2, "padding": "same"}
    encoder = [keras.Input(shape=(window, n_channels))]
    encoder += [keras.layers.Conv1D(f, activation=activation, **conv) for f in filters]
    decoder = []
    if bottleneck is None:
        code_shape = small
        _warn_no_compression(small[0] * small[1], window * n_channels)
    else:
        bottleneck = check_positive_int(bottleneck, "bottleneck")
        _warn_no_compression(bottleneck, window * n_channels)
        code_shape = (bottleneck,)
        encoder += [keras.layers.Flatten(), keras.layers.Dense(bottleneck, name="code")]
        decoder += [keras.layers.Dense(small[0] * small[1], activation=activation),
                    keras.layers.Reshape(small)]
    decoder += [keras.layers.Conv1DTranspose(f, activation=activation, **conv)
                for f in reversed(filters[:-1])]
    decoder.append(keras.layers.Conv1DTranspose(n_channels, activation=output_activation,
                                                name="reconstruction", **conv))
    encoder = keras.Sequential(encoder, name="encoder")
    decoder = keras.Sequential([keras.Input(shape=code_shape), *decoder], name="decoder")
    return _join(encoder, decoder, (window, n_channels), name)


def build_recurrent_autoencoder(window, n_channels, units=(32,), cell="gru",
                                output_activation="linear", *, name="recurrent_autoencoder"):
    """A sequence-to-sequence recurrent autoencoder (notebook 09).

    encoder: recurrent layers (``cell`` = ``"gru"`` or ``"lstm"``) with ``units`` cells each;
    the last one returns only its final state, of size ``units[-1]``: the code that must
    summarise the whole window. decoder: ``RepeatVector(window)`` hands the code to every time
    step, recurrent layers (``units`` reversed) unroll it, and ``TimeDistributed(Dense(
    n_channels))`` maps each step back to the sensors.

    Input and output shape ``(batch, window, n_channels)``. Untrained, uncompiled. Recurrent
    layers are slower than convolutions on a CPU (one time step after the other): keep
    windows short.
    """
    window = check_positive_int(window, "window")
    n_channels = check_positive_int(n_channels, "n_channels")
    units = check_sizes(units, "units")
    if cell not in CELLS:
        raise ValueError(f"Unknown cell {cell!r}; expected 'gru' or 'lstm'.")
    _activation(output_activation, "output_activation")
    _warn_no_compression(units[-1], window * n_channels)
    rnn = CELLS[cell]
    encoder = keras.Sequential(
        [keras.Input(shape=(window, n_channels)),
         *[rnn(u, return_sequences=i < len(units) - 1) for i, u in enumerate(units)]],
        name="encoder")
    decoder = keras.Sequential(
        [keras.Input(shape=(units[-1],)), keras.layers.RepeatVector(window),
         *[rnn(u, return_sequences=True) for u in reversed(units)],
         keras.layers.TimeDistributed(
             keras.layers.Dense(n_channels, activation=output_activation),
             name="reconstruction")],
        name="decoder")
    return _join(encoder, decoder, (window, n_channels), name)


def build_forecaster(window, n_channels, hidden=(32,), architecture="dense", *,
                     kernel_size=3, activation="relu", residual=True, name="forecaster"):
    """A small network that predicts the next step of a series from the ``window`` before it.

    ``architecture="dense"``: ``Flatten`` → one ``Dense(units, activation)`` per entry of
    ``hidden`` → ``Dense(n_channels)``. ``"conv1d"``: one ``Conv1D(filters, kernel_size,
    padding="causal", activation)`` per entry of ``hidden`` → ``Flatten`` →
    ``Dense(n_channels)``. The output is linear. ``residual=True`` adds the last observed step
    to the output, so the network learns the *change* from it (a persistence forecast plus a
    correction): it trains in a few epochs, and a flat or slowly drifting series costs it
    nothing.

    Input shape ``(batch, window, n_channels)``, output ``(batch, n_channels)``. Untrained,
    uncompiled. Used by :class:`course_utils.forecast.ForecastDetector` (notebook 09).
    """
    window = check_positive_int(window, "window")
    n_channels = check_positive_int(n_channels, "n_channels")
    hidden = check_sizes(hidden, "hidden")
    architecture = check_choice(architecture, "architecture", ("dense", "conv1d"))
    kernel_size = check_positive_int(kernel_size, "kernel_size")
    residual = check_bool(residual, "residual")
    _activation(activation, "activation")

    inputs = keras.Input(shape=(window, n_channels), name="input")
    h = inputs
    if architecture == "conv1d":
        for i, filters in enumerate(hidden):
            h = keras.layers.Conv1D(filters, kernel_size, padding="causal",
                                    activation=activation, name=f"conv_{i + 1}")(h)
        h = keras.layers.Flatten()(h)
    else:
        h = keras.layers.Flatten()(h)
        for i, units in enumerate(hidden):
            h = keras.layers.Dense(units, activation=activation, name=f"hidden_{i + 1}")(h)
    outputs = keras.layers.Dense(n_channels, name="forecast")(h)
    if residual:
        last = keras.layers.Reshape((n_channels,))(
            keras.layers.Cropping1D((window - 1, 0), name="last_step")(inputs))
        outputs = keras.layers.Add(name="next_step")([last, outputs])
    return keras.Model(inputs, outputs, name=name)


def build_variational_autoencoder(n_features, hidden=(32, 16), latent_dim=4, activation="relu",
                                  *, name="variational_autoencoder"):
    """A dense variational autoencoder (notebook 07): a code *distribution* per row.

    encoder: ``n_features`` → ``Dense(h, activation)`` for each ``h`` in ``hidden`` → two
    linear heads, ``z_mean`` and ``z_log_var`` (``latent_dim`` each): the mean and the log
    variance of the Gaussian q(z | x). decoder: ``latent_dim`` → the mirror image of
    ``hidden`` → ``Dense(n_features)`` (linear: the mean of a unit-variance Gaussian
    p(x | z) over standardised features).

    The returned model maps a row to the reconstruction of its **posterior mean**, x̂ =
    decoder(z_mean): deterministic, for inspection and ``summary``. Training samples
    z = z_mean + exp(z_log_var / 2) · ε through ``model.get_layer("encoder")`` (which
    returns ``[z_mean, z_log_var]``) and ``model.get_layer("decoder")``:
    :class:`course_utils.vae.VariationalAutoencoderDetector` does it.

    Input and output shape ``(batch, n_features)``. Untrained, uncompiled.
    """
    n_features = check_positive_int(n_features, "n_features")
    hidden = check_sizes(hidden, "hidden", allow_empty=True)
    latent_dim = check_positive_int(latent_dim, "latent_dim")
    _activation(activation, "activation")
    _warn_no_compression(latent_dim, n_features)
    x = keras.Input(shape=(n_features,))
    h = x
    for units in hidden:
        h = keras.layers.Dense(units, activation=activation)(h)
    encoder = keras.Model(x, [keras.layers.Dense(latent_dim, name="z_mean")(h),
                              keras.layers.Dense(latent_dim, name="z_log_var")(h)],
                          name="encoder")
    decoder = keras.Sequential(
        [keras.Input(shape=(latent_dim,)),
         *[keras.layers.Dense(u, activation=activation) for u in reversed(hidden)],
         keras.layers.Dense(n_features, name="reconstruction")], name="decoder")
    inputs = keras.Input(shape=(n_features,), name="input")
    z_mean, _ = encoder(inputs)
    return keras.Model(inputs, decoder(z_mean), name=name)


def build_deep_svdd_network(input_shape, hidden=(32, 16), rep_dim=8, architecture="dense",
                            activation="leaky_relu", bias=False, weight_decay=0.0, *,
                            name="deep_svdd"):
    """The network φ of one-class Deep SVDD (Ruff et al., ICML 2018): a row → a point in
    ``rep_dim``-dimensional space, pulled towards a fixed centre c in training.

    ``architecture="dense"``: ``input_shape = (n_features,)``, one ``Dense(h, activation)``
    per entry of ``hidden``. ``"conv2d"``: ``input_shape = (H, W)`` or ``(H, W, C)``, one
    ``Conv2D(h, 3, strides=2, padding="same", activation)`` per entry (each halves the
    image), then ``Flatten``. Both end in a linear ``Dense(rep_dim)``.

    ``bias=False`` (the default, and Ruff et al.'s rule): **no bias terms anywhere**. With
    biases the network can output the constant c for every input (zero weights, bias = c):
    a loss of 0 that has learnt nothing — the *hypersphere collapse*. ``bias=True`` exists
    to show it. Use an unbounded activation ("leaky_relu", the default, or "relu"): a
    bounded one (sigmoid, tanh) lets saturated units act as biases.

    ``weight_decay``: λ of the paper's penalty (λ/2) Σ ‖W‖² on the kernels (``L2(λ/2)``
    regularisers, added to the loss by Keras); biases are not penalised.

    Output shape ``(batch, rep_dim)``. Untrained, uncompiled.
    """
    architecture = check_choice(architecture, "architecture", ("dense", "conv2d"))
    hidden = check_sizes(hidden, "hidden", allow_empty=True)
    rep_dim = check_positive_int(rep_dim, "rep_dim")
    bias = check_bool(bias, "bias")
    _activation(activation, "activation")
    weight_decay = check_number(weight_decay, "weight_decay", low=0.0, low_inclusive=True)
    reg = {"kernel_regularizer": keras.regularizers.L2(weight_decay / 2) if weight_decay else None,
           "use_bias": bias}
    if architecture == "dense":
        if isinstance(input_shape, (tuple, list)) and len(input_shape) == 1:
            input_shape = input_shape[0]
        shape = (check_positive_int(input_shape, "input_shape"),)
        layers = [keras.layers.Dense(u, activation=activation, **reg) for u in hidden]
    else:
        shape = _image_shape(input_shape)
        _check_divisible(shape[:2], len(hidden), "image height and width", "hidden")
        layers = [keras.layers.Conv2D(f, 3, strides=2, padding="same", activation=activation,
                                      **reg) for f in hidden]
        layers.append(keras.layers.Flatten())
    layers.append(keras.layers.Dense(rep_dim, name="representation", **reg))
    return keras.Sequential([keras.Input(shape=shape, name="input"), *layers], name=name)
