"""The autoencoder detector: reconstruction error as the anomaly score (notebooks 07-09).

An autoencoder is trained to copy its input through a narrow bottleneck. Trained on normal
data only, it learns to rebuild what normal data looks like; a sample it rebuilds badly is
unlike the training data. The score of a row is its **mean squared reconstruction error**
over the features (higher = more anomalous), and :meth:`AutoencoderDetector.explain` gives
the squared error of every feature, pixel or time step — *where* a row is abnormal.

Importing this module does not import TensorFlow: ``fit`` does, through
``reproducibility.tensorflow_seeded(random_state)``, which seeds for the training and puts
the global random states back afterwards.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral

import numpy as np

from . import _keras_fit
from ._validate import as_float_array, check_choice, check_number, check_seed, check_shape
from .detectors import BaseDetector

__all__ = ["AutoencoderDetector", "ARCHITECTURES"]

#: Default ``hidden`` and ``bottleneck`` of each architecture (see the class docstring).
ARCHITECTURES = {
    "dense": {"hidden": (32, 16), "bottleneck": 4},
    "conv2d": {"hidden": (16, 32), "bottleneck": 16},
    "conv1d": {"hidden": (16, 32), "bottleneck": 16},
    "recurrent": {"hidden": (32,), "bottleneck": None},
}


class AutoencoderDetector(BaseDetector):
    """Anomaly detector that scores each row by how badly an autoencoder rebuilds it.

    Train it on normal data (``fit(X_train)``): the protocol is "normal-only" unless you
    say otherwise. Every row of ``X`` is one sample, **flattened to 2-D** like everywhere
    in the course; the architecture reshapes it to what its layers expect:

    =================== ============================ ==============================================
    architecture        one row of ``X`` is          reshaped with the shape of one sample
    =================== ============================ ==============================================
    ``"dense"``         ``n_features`` values        as it is
    ``"conv2d"``        an image, row by row         ``image_shape``: ``(H, W)`` or ``(H, W, C)``;
                                                     ``None``: a square one-channel image
    ``"conv1d"``,       a window of a time series,   ``window_shape``: ``(window, n_channels)``;
    ``"recurrent"``     time step by time step       ``None``: one channel, ``(n_features, 1)``
    =================== ============================ ==============================================

    ``images.reshape(len(images), -1)`` flattens ``(n, H, W)`` images and
    ``windows.reshape(len(windows), -1)`` flattens the ``(n, window, n_channels)`` windows
    of ``datasets.make_windows``; pass the shape of one sample as above.

    Parameters
    ----------
    architecture : "dense" (default), "conv2d", "conv1d" or "recurrent"; the network is
        built by the matching ``course_utils.models.build_*`` function.
    hidden : encoder layer sizes — units ("dense"), filters ("conv2d", "conv1d": each layer
        halves the image / window) or recurrent units ("recurrent"). ``None``: the
        architecture's default (``ARCHITECTURES``): (32, 16), (16, 32), (16, 32), (32,).
    bottleneck : size of the code. ``None``: the default, 4 ("dense"), 16 ("conv2d",
        "conv1d"); for "recurrent" the last recurrent layer is the code, and a number adds
        one more recurrent layer of that size.
    image_shape, window_shape : the shape of one sample for "conv2d" / "conv1d" and
        "recurrent" (see the table); must multiply to ``n_features``.
    cell : "gru" (default) or "lstm", for "recurrent". Recurrent layers step through time
        one step after the other, so on a CPU an epoch costs 10-50 times more than with
        "conv1d": pass fewer epochs and larger batches (``epochs=20, batch_size=128`` took
        about 10 s for 1,700 windows of 24 steps × 6 channels on 2 cores).
    activation : hidden-layer activation, "relu" by default. The output is linear.
    dropout : ``"dense"`` only: the rate of a ``Dropout`` layer after each hidden layer of
        the encoder and the decoder, in [0, 1); 0 (default) adds none. Active in training
        only.
    weight_decay : ``"dense"`` only: λ of an L2 penalty (λ/2) Σ ‖W‖² on every kernel
        (biases not penalised; the gradient λW is PyTorch's ``weight_decay``), added to the
        training loss; 0 (default) adds none. With both at 0 the network and its training
        are exactly those without the options. (Notebook 07 and
        ``benchmarks/contamination.py`` measure both, and a clean ``X_val``, as remedies for
        anomalies in the training rows.)
    epochs : maximum training epochs (100); early stopping usually ends sooner.
    batch_size : rows per gradient step, or ``"auto"`` (default): 1 % of the rows of ``X``,
        at least 32 and at most 512 — small data sets get several steps per epoch, large
        ones (Shuttle: about 250 rows per batch) about 100 larger, cheaper steps.
    learning_rate : Adam's step size (0.003: converges within a few seconds on these
        small models).
    validation_fraction : share of the training rows (drawn at random with
        ``random_state``) held out to watch the validation loss for early stopping; 0
        trains on all rows and watches the training loss instead. Not used when ``fit``
        gets ``X_val``.
    patience : stop after this many epochs without improvement of the watched loss, then
        restore the best weights; ``None`` trains for all ``epochs``.
    scale : standardise with the mean and standard deviation of the **training** rows
        (fitted in ``fit`` only, reused for new data): per feature for "dense"; per channel
        (one mean and std over all pixels / time steps of a channel) for the others, which
        keeps the shape of an image or a window. ``False`` uses the data as given. Scores
        and ``explain`` are measured in the scaled units, so no feature wins by its unit.
    random_state : int seed of the weights, the validation rows and the shuffling.
        ``fit`` trains inside ``reproducibility.tensorflow_seeded(random_state)``: op
        determinism on, Python's, NumPy's global and Keras's random state seeded for the
        training and **put back afterwards** — ``fit`` leaves Python's and NumPy's random
        state as it found them (TensorFlow's too, if it had a global seed: see
        ``tensorflow_seeded``). The same seed gives the same scores on the same machine.
        ``None``: a fresh seed (from the operating system, not from a global state).
    verbose : Keras's training output: 0 (silent, default), 1 or 2.
    threshold, contamination : the threshold strategy, as for every detector
        (``"quantile"`` flags the top ``contamination`` share of training scores).

    Attributes (after fit)
    ----------------------
    model_ : the trained ``keras.Model`` (``model_.get_layer("encoder")`` gives the codes).
    history_ : ``{"loss": [...], "val_loss": [...]}``, one value per epoch (mean squared
        error in scaled units; with ``weight_decay``, ``loss`` includes the penalty,
        ``val_loss`` never does). ``val_loss`` is measured on the held-out rows, or on
        ``X_val`` when ``fit`` got it.
    n_epochs_ : epochs trained (``best_epoch_``: the one whose weights were kept, 1-based).
    batch_size_ : the batch size used (``"auto"`` resolved).
    sample_shape_ : the shape one row is reshaped to.
    mean_, scale_ : the scaling statistics, one per column of ``X`` (0 and 1 when
        ``scale=False``).
    decision_scores_, threshold_, n_features_in_ : as for every detector.

    Examples
    --------
    >>> ae = AutoencoderDetector(epochs=30, random_state=0).fit(X_train)   # doctest: +SKIP
    >>> scores = ae.decision_function(X_test)       # (n,), higher = more anomalous
    >>> errors = ae.explain(X_test)                 # (n, n_features), mean over axis 1 = scores
    """

    def __init__(self, architecture="dense", *, hidden=None, bottleneck=None, image_shape=None,
                 window_shape=None, cell="gru", activation="relu", dropout=0.0, weight_decay=0.0,
                 epochs=100, batch_size="auto", learning_rate=0.003, validation_fraction=0.1,
                 patience=10, scale=True, random_state=0, verbose=0, threshold="quantile",
                 contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.architecture = architecture
        self.hidden = hidden
        self.bottleneck = bottleneck
        self.image_shape = image_shape
        self.window_shape = window_shape
        self.cell = cell
        self.activation = activation
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose

    # --- public API beyond BaseDetector ---------------------------------------------------
    def fit(self, X, y=None, *, X_val=None):
        """Train on ``X`` (n_samples, n_features), normal rows; ``y`` is ignored. Returns self.

        X_val : optional **clean validation rows** (n_val, n_features), in the units of
            ``X``: normal rows the network does not train on (e.g. the normal rows of a
            validation split — use its labels, never test labels). When given, every row of
            ``X`` is trained on and early stopping watches the loss on ``X_val`` (scaled with
            the statistics fitted on ``X``) instead of on ``validation_fraction`` of ``X``.
            Useful when ``X`` may hold anomalies: the held-out share of ``X`` would hold
            them too. In a pipeline, pass ``X_val`` already transformed by the steps before
            the detector: ``pipe.fit(X, autoencoderdetector__X_val=scaler.transform(V))``.
        """
        _hint_flatten(X, self.architecture)
        self._X_val = X_val          # read by _fit_scores; gone when fit returns or raises
        try:
            return super().fit(X, y)
        finally:
            del self._X_val

    def decision_function(self, X) -> np.ndarray:
        """Mean squared reconstruction error of each row of ``X``: shape ``(n_samples,)``."""
        _hint_flatten(X, self.architecture)
        return super().decision_function(X)

    def explain(self, X) -> np.ndarray:
        """Squared reconstruction error of every feature (pixel, time step × channel).

        X: (n_samples, n_features). Returns an array of the same shape, in scaled units;
        ``explain(X).mean(axis=1)`` equals ``decision_function(X)``. Reshape a row with
        ``sample_shape_`` to see an error map of an image or a window.
        """
        X = self._checked_input(X)
        return self._squared_errors(self._standardise(X))

    def reconstruct(self, X) -> np.ndarray:
        """The autoencoder's reconstruction of ``X``, in the original units: same shape as X."""
        X = self._checked_input(X)
        return self._decode(self._standardise(X)) * self.scale_ + self.mean_

    # --- the two hooks of BaseDetector ----------------------------------------------------
    def _fit_scores(self, X):
        config = self._check_params(X)
        X_val = self._checked_X_val(getattr(self, "_X_val", None), X.shape[1])
        seed = config.pop("seed")
        self.batch_size_ = config.pop("batch_size")
        n = X.shape[0]
        self.sample_shape_ = config.pop("sample_shape")
        self.mean_, self.scale_ = _keras_fit.fit_scaling(
            X, self.scale, None if self.architecture == "dense" else self.sample_shape_[-1])
        Z = (X - self.mean_) / self.scale_

        if X_val is None:
            val_rows, train_rows = _keras_fit.validation_split(n, self.validation_fraction, seed)
        else:   # train on every row of X (shuffled as with validation_fraction=0), watch X_val
            _, train_rows = _keras_fit.validation_split(n, 0.0, seed)
            val_rows = np.arange(n, n + X_val.shape[0])
            Z = np.concatenate([Z, (X_val - self.mean_) / self.scale_])

        # TF only when fitting; seeded for the training, the global random states restored
        from .reproducibility import tensorflow_seeded

        with tensorflow_seeded(seed):
            from . import models

            self.model_ = self._build(models, **config)
            shaped = self._shaped(Z)
            self.history_, self.n_epochs_, self.best_epoch_ = _keras_fit.train(
                self.model_, shaped, shaped, val_rows=val_rows, train_rows=train_rows,
                seed=seed, learning_rate=self.learning_rate, epochs=self.epochs,
                batch_size=self.batch_size_, patience=self.patience, verbose=self.verbose)
        scores = self._score(X)
        if np.isfinite(scores).all() and np.ptp(scores) <= 1e-12 * max(1.0, abs(scores.max())):
            warnings.warn(
                "All training rows get the same reconstruction error, so the threshold cannot "
                "separate anything: are the training rows all identical, or constant "
                "features only? Check X.", UserWarning, stacklevel=3)
        return scores

    def _score(self, X):
        return self._squared_errors(self._standardise(X)).mean(axis=1)

    # --- helpers ----------------------------------------------------------------------------
    def _check_params(self, X) -> dict:
        """Check every parameter before training; return what the builder needs."""
        arch = check_choice(self.architecture, "architecture", tuple(ARCHITECTURES))
        _keras_fit.check_training_params(self)
        if X.shape[0] < 2:
            raise ValueError(f"An autoencoder needs at least 2 training rows, got {X.shape[0]} "
                             "sample(s).")
        defaults = ARCHITECTURES[arch]
        hidden = defaults["hidden"] if self.hidden is None else self.hidden
        bottleneck = defaults["bottleneck"] if self.bottleneck is None else self.bottleneck
        config = {"seed": check_seed(self.random_state, "random_state", allow_none=True),
                  "batch_size": _keras_fit.batch_size(self.batch_size, X.shape[0]),
                  "sample_shape": self._sample_shape(arch, X.shape[1])}
        if arch == "recurrent":
            units = (hidden,) if isinstance(hidden, Integral) else tuple(hidden)
            config["units"] = units if bottleneck is None else (*units, bottleneck)
            check_choice(self.cell, "cell", ("gru", "lstm"))
        else:
            config.update(hidden=hidden, bottleneck=bottleneck)
        dropout = check_number(self.dropout, "dropout", low=0.0, high=1.0, low_inclusive=True)
        weight_decay = check_number(self.weight_decay, "weight_decay", low=0.0,
                                    low_inclusive=True)
        if arch == "dense":
            config.update(dropout=dropout, weight_decay=weight_decay)
        elif dropout or weight_decay:
            raise ValueError(f"dropout and weight_decay are implemented for "
                             f"architecture='dense' only, but architecture={arch!r}. Leave "
                             f"them at 0 (got dropout={dropout:g}, weight_decay="
                             f"{weight_decay:g}).")
        return config

    @staticmethod
    def _checked_X_val(X_val, n_features: int):
        """``X_val`` as a float array with the columns of ``X``, or ``None``."""
        if X_val is None:
            return None
        X_val = as_float_array(X_val, "X_val")
        if X_val.shape[1] != n_features:
            raise ValueError(f"X_val has {X_val.shape[1]} features, but X has {n_features}: "
                             "pass validation rows with the same columns as X.")
        return X_val

    def _sample_shape(self, arch: str, n_features: int) -> tuple[int, ...]:
        if arch != "conv2d" and self.image_shape is not None:
            raise ValueError(f"image_shape is used by architecture='conv2d' only, but "
                             f"architecture={arch!r}. Leave image_shape=None.")
        if arch not in ("conv1d", "recurrent") and self.window_shape is not None:
            raise ValueError(f"window_shape is used by architecture='conv1d' or 'recurrent' "
                             f"only, but architecture={arch!r}. Leave window_shape=None.")
        if arch == "dense":
            return (n_features,)
        if arch == "conv2d":
            if self.image_shape is None:
                side = math.isqrt(n_features)
                if side * side != n_features:
                    raise ValueError(
                        f"X has {n_features} columns, which is not a square image; pass "
                        "image_shape=(height, width) or (height, width, channels).")
                return (side, side, 1)
            shape = check_shape(self.image_shape, "image_shape", (2, 3))
            shape = shape if len(shape) == 3 else (*shape, 1)
        else:
            if self.window_shape is None:
                return (n_features, 1)
            shape = check_shape(self.window_shape, "window_shape", (2,))
        if math.prod(shape) != n_features:
            name = "image_shape" if arch == "conv2d" else "window_shape"
            raise ValueError(f"{name}={tuple(shape)} holds {math.prod(shape)} values per "
                             f"sample, but X has {n_features} columns. Flatten each sample "
                             "with X.reshape(len(X), -1) and pass the shape of one sample.")
        return shape

    def _build(self, models, **config):
        arch, shape = self.architecture, self.sample_shape_
        if arch == "dense":
            return models.build_dense_autoencoder(shape[0], activation=self.activation, **config)
        if arch == "conv2d":
            return models.build_conv_autoencoder(shape, filters=config["hidden"],
                                                 bottleneck=config["bottleneck"],
                                                 activation=self.activation)
        if arch == "conv1d":
            return models.build_conv1d_autoencoder(*shape, filters=config["hidden"],
                                                   bottleneck=config["bottleneck"],
                                                   activation=self.activation)
        return models.build_recurrent_autoencoder(*shape, units=config["units"], cell=self.cell)

    def _checked_input(self, X) -> np.ndarray:
        self._check_fitted()
        _hint_flatten(X, self.architecture)
        X = as_float_array(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} was fitted "
                             f"with {self.n_features_in_}. Use the same columns as in fit.")
        return X

    def _standardise(self, X):
        return (X - self.mean_) / self.scale_

    def _shaped(self, Z):
        return Z.reshape((Z.shape[0], *self.sample_shape_)).astype(np.float32)

    def _decode(self, Z):
        return _keras_fit.predict(self.model_, self._shaped(Z)).reshape(Z.shape[0], -1)

    def _squared_errors(self, Z):
        return (Z - self._decode(Z)) ** 2


# --- module helpers --------------------------------------------------------------------------

def _hint_flatten(X, architecture):
    """A clearer error than "X must be 2-D" for images and windows that are not flattened."""
    ndim = np.ndim(X) if isinstance(X, (np.ndarray, list, tuple)) else None
    if ndim is not None and ndim > 2:
        shape = np.shape(X)
        param = "image_shape" if architecture == "conv2d" else "window_shape"
        raise ValueError(
            f"X must be 2-D (n_samples, n_features), got shape {shape}. Flatten each sample "
            f"with X.reshape(len(X), -1) and pass {param}={tuple(shape[1:])} (the shape of "
            f"one sample) with architecture='conv2d', 'conv1d' or 'recurrent'.")
