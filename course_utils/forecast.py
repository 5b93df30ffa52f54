"""The forecasting detector: the prediction error of the next step as the anomaly score.

Where an autoencoder rebuilds a whole window (:mod:`course_utils.autoencoder`), a
forecaster sees the first ``window`` steps of a window and **predicts the next one**. Trained
on normal data, it predicts normal behaviour well; a step it predicts badly is unlike what
the past announced. The score of a row is the **squared prediction error of its last step**,
mean over the channels (higher = more anomalous). Only the past of the last step is used to
predict it, so the score is causal: it is known the moment the step arrives.

Importing this module does not import TensorFlow: ``fit`` does, through
``reproducibility.tensorflow_seeded(random_state)`` (seeded for the training, the global
random states put back afterwards). The network comes from :func:`course_utils.models.build_forecaster` (here,
not in :mod:`course_utils.models`, for now; it imports Keras only when called).
"""

from __future__ import annotations

import numpy as np

from . import _keras_fit
from ._validate import (
    as_float_array,
    check_bool,
    check_choice,
    check_positive_int,
    check_seed,
    check_shape,
    check_sizes,
)
from .detectors import BaseDetector

__all__ = ["ForecastDetector"]


class ForecastDetector(BaseDetector):
    """Anomaly detector that scores each window by how badly its last step was forecast.

    Every row of ``X`` is one window of ``window + 1`` time steps, **flattened** time step
    by time step: ``datasets.make_windows(series, window + 1)`` reshaped to 2-D. The network
    (:func:`course_utils.models.build_forecaster`) sees the first ``window`` steps and predicts the last; the
    score is the squared error of that prediction, mean over the channels, in scaled units.
    Train it on normal data (``fit(X_train)``).

    Parameters
    ----------
    architecture : "dense" (default) or "conv1d" (causal 1-D convolutions).
    window_shape : ``(window + 1, n_channels)``, the shape of one row; must multiply to
        ``n_features``. ``None``: one channel, ``(n_features, 1)``.
    hidden : layer sizes: units ("dense") or filters ("conv1d"); default (32,).
    kernel_size : the convolution's width ("conv1d"), 3.
    activation : hidden-layer activation, "relu".
    residual : predict the change from the last observed step (True, see
        :func:`course_utils.models.build_forecaster`).
    epochs : maximum training epochs (50); early stopping usually ends sooner.
    batch_size : rows per gradient step, or ``"auto"`` (1 % of the rows, 32 … 512).
    learning_rate : Adam's step size (0.003).
    validation_fraction : share of the training rows held out (drawn with ``random_state``)
        for early stopping; 0 watches the training loss.
    patience : stop after this many epochs without improvement, restoring the best weights;
        ``None`` trains all ``epochs``.
    scale : standardise each channel with the mean and std of the training rows (over all
        their time steps); ``False`` uses the data as given.
    random_state : int seed of the weights, the validation rows and the shuffling; ``fit``
        trains inside ``reproducibility.tensorflow_seeded(random_state)`` (op determinism,
        everything seeded for the training and the global random states put back after
        it): the same seed gives the same scores on the same machine. ``None``: a fresh seed.
    verbose : Keras's training output, 0 (silent), 1 or 2.
    threshold, contamination : as for every detector.

    Attributes (after fit)
    ----------------------
    model_ : the trained ``keras.Model``, ``(batch, window, n_channels) → (batch,
        n_channels)`` in scaled units.
    history_, n_epochs_, best_epoch_, batch_size_ : as for ``AutoencoderDetector``.
    sample_shape_ : ``(window + 1, n_channels)``.
    mean_, scale_ : per-channel scaling statistics, shape ``(n_channels,)``.
    decision_scores_, threshold_, n_features_in_ : as for every detector.

    Examples
    --------
    >>> windows = datasets.make_windows(series, 25)                  # doctest: +SKIP
    >>> X = windows.reshape(len(windows), -1)                        # (n, 25 * n_channels)
    >>> fc = ForecastDetector(window_shape=(25, n_channels)).fit(X[:500])
    >>> scores = fc.decision_function(X)            # (n,), higher = more anomalous
    >>> next_steps = fc.forecast(X)                  # (n, n_channels), original units
    """

    def __init__(self, architecture="dense", *, window_shape=None, hidden=(32,), kernel_size=3,
                 activation="relu", residual=True, epochs=50, batch_size="auto",
                 learning_rate=0.003, validation_fraction=0.1, patience=5, scale=True,
                 random_state=0, verbose=0, threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.architecture = architecture
        self.window_shape = window_shape
        self.hidden = hidden
        self.kernel_size = kernel_size
        self.activation = activation
        self.residual = residual
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose

    # --- public API beyond BaseDetector ---------------------------------------------------
    def fit(self, X, y=None):
        """Train on ``X`` (n_samples, (window + 1) * n_channels), normal rows; returns self."""
        _hint_flatten(X)
        return super().fit(X, y)

    def decision_function(self, X) -> np.ndarray:
        """Squared forecast error of each row's last step, mean over channels: ``(n_samples,)``."""
        _hint_flatten(X)
        return super().decision_function(X)

    def forecast(self, X) -> np.ndarray:
        """Each row's forecast last step, in the original units: ``(n_samples, n_channels)``."""
        self._check_fitted()
        _hint_flatten(X)
        X = as_float_array(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} was "
                             f"fitted with {self.n_features_in_}. Use the same columns as in fit.")
        past, _ = self._split(self._standardise(X))
        return _keras_fit.predict(self.model_, past) * self.scale_ + self.mean_

    # --- the two hooks of BaseDetector ----------------------------------------------------
    def _fit_scores(self, X):
        seed = self._check_params(X)
        n = X.shape[0]
        self.mean_, self.scale_ = self._fit_scaling(X)
        past, target = self._split(self._standardise(X))

        val_rows, train_rows = _keras_fit.validation_split(n, self.validation_fraction, seed)

        # TF only when fitting; seeded for the training, the global random states restored
        from .reproducibility import tensorflow_seeded

        with tensorflow_seeded(seed):
            from .models import build_forecaster

            window, n_channels = self.sample_shape_[0] - 1, self.sample_shape_[1]
            self.model_ = build_forecaster(window, n_channels, self.hidden, self.architecture,
                                           kernel_size=self.kernel_size,
                                           activation=self.activation, residual=self.residual)
            self.history_, self.n_epochs_, self.best_epoch_ = _keras_fit.train(
                self.model_, past, target, val_rows=val_rows, train_rows=train_rows,
                seed=seed, learning_rate=self.learning_rate, epochs=self.epochs,
                batch_size=self.batch_size_, patience=self.patience, verbose=self.verbose)
        return self._score(X)

    def _score(self, X):
        past, target = self._split(self._standardise(X))
        return ((_keras_fit.predict(self.model_, past) - target) ** 2).mean(axis=1)

    # --- helpers ----------------------------------------------------------------------------
    def _check_params(self, X) -> int:
        check_choice(self.architecture, "architecture", ("dense", "conv1d"))
        _keras_fit.check_training_params(self)
        check_positive_int(self.kernel_size, "kernel_size")
        check_sizes(self.hidden, "hidden")
        check_bool(self.residual, "residual")
        if X.shape[0] < 2:
            raise ValueError(f"A forecaster needs at least 2 training rows, got {X.shape[0]} "
                             "sample(s).")
        self.sample_shape_ = self._sample_shape(X.shape[1])
        self.batch_size_ = _keras_fit.batch_size(self.batch_size, X.shape[0])
        return check_seed(self.random_state, "random_state", allow_none=True)

    def _sample_shape(self, n_features: int) -> tuple[int, int]:
        shape = (n_features, 1) if self.window_shape is None else \
            check_shape(self.window_shape, "window_shape", (2,))
        if shape[0] * shape[1] != n_features:
            raise ValueError(f"window_shape={shape} holds {shape[0] * shape[1]} values per row, "
                             f"but X has {n_features} columns. Flatten each window with "
                             "X.reshape(len(X), -1) and pass (window + 1, n_channels).")
        if shape[0] < 2:
            raise ValueError(f"window_shape={shape} has {shape[0]} time step(s) (X has "
                             f"{n_features} feature(s)); a forecaster needs at least 2: the "
                             "past and the step to predict.")
        return shape

    def _fit_scaling(self, X):
        n_channels = self.sample_shape_[1]
        if not self.scale:
            return np.zeros(n_channels), np.ones(n_channels)
        channels = X.reshape(-1, n_channels)
        mean, std = channels.mean(axis=0), channels.std(axis=0)
        std = np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)
        return mean, std

    def _standardise(self, X) -> np.ndarray:
        steps, n_channels = self.sample_shape_
        return (X.reshape(X.shape[0], steps, n_channels) - self.mean_) / self.scale_

    @staticmethod
    def _split(Z):
        """(n, window + 1, c) → the past (n, window, c) as float32 and the target (n, c)."""
        return Z[:, :-1, :].astype(np.float32), Z[:, -1, :]


def _hint_flatten(X):
    ndim = np.ndim(X) if isinstance(X, (np.ndarray, list, tuple)) else None
    if ndim is not None and ndim > 2:
        shape = np.shape(X)
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {shape}. Flatten "
                         f"each window with X.reshape(len(X), -1) and pass "
                         f"window_shape={tuple(shape[1:])}.")
