"""One-class Deep SVDD (Ruff et al., ICML 2018): the smallest sphere around normal data.

A network φ maps every row to a point in a small space, and training pulls the normal
rows' points towards a **fixed centre** c: the loss is the mean squared distance
‖φ(x) − c‖² over the training rows (plus a little weight decay). A row whose point lands
far from c is unlike the training data, so the **score is the squared distance to c**.

Three rules from the paper keep the network from cheating — all three would let it put
*every* input on c, a loss of zero that has learnt nothing (the "hypersphere collapse"):

* **c is fixed** before training, as the mean of φ(x) over the training rows after one
  forward pass of the untrained network (if c were learnt too, c = 0 with all weights 0
  would be trivial). Coordinates of c closer to 0 than ``eps`` are pushed to ±``eps``: a
  unit whose output is 0 for every input (a dead ReLU, zero weights) would otherwise
  match its coordinate of c for free;
* **no bias terms**: with a bias the last layer can output the constant c (weights 0,
  bias = c) — ``bias=True`` shows it, and the detector warns when it sees the collapse;
* **unbounded activations** (leaky ReLU): a saturated sigmoid unit is a constant, i.e. a bias.

Ruff et al. also pretrain φ as the encoder of an autoencoder; this module starts from
Keras's random initialisation (simpler, and enough on the course's data). Importing it
does not import TensorFlow; ``fit`` does, through ``reproducibility.tensorflow_seeded``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import _keras_fit
from ._validate import (
    as_float_array,
    check_bool,
    check_choice,
    check_number,
    check_positive_int,
    check_seed,
    check_shape,
    check_sizes,
)
from .detectors import BaseDetector

__all__ = ["DeepSVDDDetector", "fix_centre"]


def fix_centre(c, eps=0.1):
    """Ruff et al.'s fix of the centre: coordinates with ``|c_j| < eps`` become ``±eps``
    (the sign of ``c_j``; ``+eps`` for an exact 0). Returns a new array."""
    c = np.array(c, dtype=np.float64, copy=True)
    small = np.abs(c) < eps
    c[small] = np.where(c[small] < 0, -eps, eps)
    return c


class DeepSVDDDetector(BaseDetector):
    """One-class Deep SVDD: score = squared distance of φ(x) to the centre c.

    Train it on normal rows (``fit(X_train)``). ``X`` is 2-D; for ``architecture="conv2d"``
    each row is an image flattened row by row (``image_shape``: ``(H, W)`` or ``(H, W, C)``;
    ``None``: a square one-channel image), as for ``AutoencoderDetector``.

    Parameters
    ----------
    architecture : "dense" (default) or "conv2d"; the network is
        ``models.build_deep_svdd_network``.
    hidden : units ("dense") or filters ("conv2d", each layer halves the image), (32, 16).
    rep_dim : size of the output space, where the sphere lives (8).
    image_shape : the shape of one image, for "conv2d".
    activation : hidden activation, "leaky_relu" (unbounded, as Ruff et al.).
    bias : False (default, the method's rule). True gives every layer a bias, so the network
        can map every input onto c: the **hypersphere collapse** — for teaching only.
    eps : the centre fix (:func:`fix_centre`), 0.1 as in Ruff et al.'s code.
    weight_decay : L2 penalty on the weights (λ/2 ‖W‖² in the paper), 1e-6.
    epochs, batch_size, learning_rate, validation_fraction, patience, scale, random_state,
    verbose, threshold, contamination : as for ``AutoencoderDetector`` (the training loop is
    the same: ``_keras_fit.train`` with the target c for every row, so its "mean squared
    error" is ‖φ(x) − c‖² / rep_dim); scaling is per feature ("dense") or per channel
    ("conv2d"), fitted on the training rows.

    Attributes (after fit)
    ----------------------
    model_ : the trained ``keras.Model`` φ (``represent(X)``: φ of each row).
    center_ : c, shape ``(rep_dim,)``, fixed before training.
    history_, n_epochs_, best_epoch_, batch_size_, sample_shape_, mean_, scale_ : as for
        ``AutoencoderDetector``.
    decision_scores_, threshold_, labels_, n_features_in_ : as for every detector.
    """

    def __init__(self, architecture="dense", *, hidden=(32, 16), rep_dim=8, image_shape=None,
                 activation="leaky_relu", bias=False, eps=0.1, weight_decay=1e-6, epochs=100,
                 batch_size="auto", learning_rate=0.001, validation_fraction=0.1, patience=10,
                 scale=True, random_state=0, verbose=0, threshold="quantile",
                 contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.architecture = architecture
        self.hidden = hidden
        self.rep_dim = rep_dim
        self.image_shape = image_shape
        self.activation = activation
        self.bias = bias
        self.eps = eps
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose

    def represent(self, X) -> np.ndarray:
        """φ(x) for each row of ``X``: shape ``(n_samples, rep_dim)``."""
        self._check_fitted()
        X = as_float_array(X, "X")
        self._check_n_features(X)
        return self._represent(X)

    # --- the two hooks of BaseDetector ----------------------------------------------------
    def _fit_scores(self, X):
        seed, hidden = self._check_params(X)
        n = X.shape[0]
        self.batch_size_ = _keras_fit.batch_size(self.batch_size, n)
        self.sample_shape_ = self._sample_shape(X.shape[1])
        self.mean_, self.scale_ = _keras_fit.fit_scaling(
            X, self.scale, None if self.architecture == "dense" else self.sample_shape_[-1])
        shaped = self._shaped(X)
        val_rows, train_rows = _keras_fit.validation_split(n, self.validation_fraction, seed)

        from .reproducibility import tensorflow_seeded

        with tensorflow_seeded(seed):
            from . import models

            self.model_ = models.build_deep_svdd_network(
                self.sample_shape_, hidden=hidden, rep_dim=self.rep_dim,
                architecture=self.architecture, activation=self.activation, bias=self.bias,
                weight_decay=self.weight_decay)
            # the centre: one forward pass of the untrained network over the training rows
            self.center_ = fix_centre(
                _keras_fit.predict(self.model_, shaped[train_rows]).mean(axis=0), self.eps)
            targets = np.broadcast_to(self.center_.astype(np.float32), (n, self.rep_dim))
            self.history_, self.n_epochs_, self.best_epoch_ = _keras_fit.train(
                self.model_, shaped, np.ascontiguousarray(targets), val_rows=val_rows,
                train_rows=train_rows, seed=seed, learning_rate=self.learning_rate,
                epochs=self.epochs, batch_size=self.batch_size_, patience=self.patience,
                verbose=self.verbose)
        scores = self._score(X)
        spread = float(np.std(self._represent(X), axis=0).max())
        if np.isfinite(scores).all() and spread < 1e-3 * max(1.0, float(np.abs(self.center_).max())):
            warnings.warn(
                f"Hypersphere collapse: the network maps every training row to (almost) the "
                f"same point (largest spread of a coordinate {spread:.1e}), so the scores "
                "cannot tell rows apart. Keep bias=False and an unbounded activation "
                "(Ruff et al. 2018), or check that the training rows differ.",
                UserWarning, stacklevel=3)
        return scores

    def _score(self, X):
        return np.sum((self._represent(X) - self.center_) ** 2, axis=1)

    # --- helpers ----------------------------------------------------------------------------
    def _check_params(self, X):
        check_choice(self.architecture, "architecture", ("dense", "conv2d"))
        _keras_fit.check_training_params(self)
        hidden = check_sizes(self.hidden, "hidden", allow_empty=True)
        check_positive_int(self.rep_dim, "rep_dim")
        check_bool(self.bias, "bias")
        check_number(self.eps, "eps", low=0.0)
        check_number(self.weight_decay, "weight_decay", low=0.0, low_inclusive=True)
        _keras_fit.batch_size(self.batch_size, X.shape[0])
        if X.shape[0] < 2:
            raise ValueError(f"Deep SVDD needs at least 2 training rows, got {X.shape[0]} "
                             "sample(s).")
        return check_seed(self.random_state, "random_state", allow_none=True), hidden

    def _sample_shape(self, n_features: int) -> tuple[int, ...]:
        if self.architecture == "dense":
            if self.image_shape is not None:
                raise ValueError("image_shape is used by architecture='conv2d' only; leave "
                                 "image_shape=None.")
            return (n_features,)
        if self.image_shape is None:
            side = math.isqrt(n_features)
            if side * side != n_features:
                raise ValueError(f"X has {n_features} columns, which is not a square image; "
                                 "pass image_shape=(height, width) or (height, width, "
                                 "channels).")
            return (side, side, 1)
        shape = check_shape(self.image_shape, "image_shape", (2, 3))
        shape = shape if len(shape) == 3 else (*shape, 1)
        if math.prod(shape) != n_features:
            raise ValueError(f"image_shape={tuple(shape)} holds {math.prod(shape)} values, "
                             f"but X has {n_features} columns. Flatten each image with "
                             "X.reshape(len(X), -1) and pass the shape of one image.")
        return shape

    def _shaped(self, X):
        Z = (X - self.mean_) / self.scale_
        return Z.reshape((Z.shape[0], *self.sample_shape_)).astype(np.float32)

    def _represent(self, X):
        return _keras_fit.predict(self.model_, self._shaped(X))
