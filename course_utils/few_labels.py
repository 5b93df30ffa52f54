"""Learning from a few labelled anomalies: the deviation network (notebook 10).

Every other detector of the course learns from unlabelled (or normal) rows alone. In
practice a few anomalies are often known — last month's confirmed frauds, an incident
report — and ADBench (Han et al., NeurIPS 2022) found that a handful of such labels helps
more than the choice among unsupervised methods. The **deviation network** (DevNet; Pang,
Shen & van den Hengel, KDD 2019) is the method it found strong among the semi-supervised
ones, and it is small:

* a network φ maps each row to **one number**, its anomaly score;
* a *reference* of ``l = 5,000`` scores r₁ … r_l ~ N(0, 1) stands for what normal rows
  score (a prior, drawn once with the detector's seed); a row's **deviation** is
  ``dev(x) = (φ(x) − mean(r)) / std(r)``;
* the loss pulls unlabelled rows to the reference and pushes labelled anomalies at least
  ``a = 5`` standard deviations above it::

      loss(x, y) = (1 − y) · |dev(x)|  +  y · max(0, a − dev(x))

  where y = 1 marks a labelled anomaly and y = 0 an *unlabelled* row (DevNet treats every
  unlabelled row as normal; a few anomalies among them only add a little noise);
* each mini-batch holds **half labelled anomalies, half unlabelled rows** (both drawn with
  replacement): with 10 labels among 3,000 rows a plain random batch would almost never
  see one.

The score of a row is its deviation ``dev(x)``: about 0 for rows like the unlabelled
majority, ≥ ``margin`` for rows like the labelled anomalies (higher = more anomalous).
Importing this module does not import TensorFlow; ``fit`` does, through
``reproducibility.tensorflow_seeded(random_state)``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import _keras_fit
from ._validate import (
    as_float_array,
    as_labels,
    check_bool,
    check_choice,
    check_number,
    check_positive_int,
    check_seed,
    check_sizes,
)
from .detectors import BaseDetector

__all__ = ["DeviationNetworkDetector", "deviation_loss", "labels_needed"]


def deviation_loss(dev, y, margin=5.0) -> np.ndarray:
    """DevNet's loss per row, in NumPy: ``(1 − y)·|dev| + y·max(0, margin − dev)``.

    dev: deviations ``(φ(x) − mean(r)) / std(r)``; y: 1 for a labelled anomaly, 0 for an
    unlabelled row. The training loop computes the same in TensorFlow (``tests/`` check
    that both agree).
    """
    dev, y = np.asarray(dev, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return (1.0 - y) * np.abs(dev) + y * np.maximum(0.0, margin - dev)


def labels_needed(curve, reference):
    """The smallest number of labels whose score beats ``reference``, or ``None``.

    curve: ``{k: score}`` (e.g. the mean ROC-AUC with k labelled anomalies); reference: the
    score to beat (e.g. the best unsupervised detector's mean ROC-AUC). "Beats" is strictly
    greater. How notebook 10 and ``benchmarks/few_labels.py`` read the learning curve.
    """
    reference = float(reference)
    winners = [k for k, value in curve.items() if float(value) > reference]
    return min(winners) if winners else None


class DeviationNetworkDetector(BaseDetector):
    """Semi-supervised detector: a deviation network trained on unlabelled rows plus a few
    labelled anomalies (Pang, Shen & van den Hengel, KDD 2019).

    ``fit(X, y)``: ``X`` holds the training rows, ``y`` marks the **labelled anomalies (1)**;
    every other row (0) is *unlabelled*, not "known normal". At least one labelled anomaly is
    required — with none, use an unsupervised detector. ``decision_function(X)`` gives each
    row's deviation from the normal reference, in standard deviations (higher = more
    anomalous); ``threshold_`` and ``predict`` follow ``threshold`` / ``contamination`` over
    the training rows' scores, as for every detector.

    Parameters
    ----------
    hidden : layer sizes of the network φ, (20,) as in the paper (one ReLU layer).
    activation : hidden activation, "relu".
    margin : a, how many reference standard deviations above the reference mean the labelled
        anomalies are pushed (5, as in the paper: a z-score of 5 is beyond almost all normal
        variation).
    n_reference : l, the number of N(0, 1) reference scores (5,000, as in the paper).
    weight_decay : λ of the L2 penalty λ Σ ‖W‖² on the hidden layers' weights (0.01, as in the
        paper's code; the linear output layer is not penalised).
    epochs, steps_per_epoch : training length: ``epochs × steps_per_epoch`` balanced batches
        (50 × 20, the paper's). There is no early stopping: with a few labels there is no
        labelled validation split to watch (keep the validation split for choosing k or the
        threshold).
    batch_size : rows per batch, half labelled anomalies and half unlabelled rows (512).
    learning_rate : Adam's step size (0.001; the paper used RMSprop with the same rate).
    scale : standardise each feature with the training rows' mean and std (True).
    random_state : seed of the reference scores, the batches and the initial weights.
    verbose, threshold, contamination : as for ``AutoencoderDetector``.

    Attributes (after fit)
    ----------------------
    model_ : the trained ``keras.Model`` φ (``models.build_mlp_classifier`` with a linear output).
    reference_mean_, reference_std_ : mean and std of the drawn reference scores.
    n_labelled_ : the number of labelled anomalies fitted on.
    history_ : ``{"loss": [...]}``, the mean training loss per epoch (weight decay included).
    n_epochs_, mean_, scale_ : as for ``AutoencoderDetector``.
    decision_scores_, threshold_, labels_, n_features_in_ : as for every detector.
    """

    def __init__(self, *, hidden=(20,), activation="relu", margin=5.0, n_reference=5000,
                 weight_decay=0.01, epochs=50, steps_per_epoch=20, batch_size=512,
                 learning_rate=0.001, scale=True, random_state=0, verbose=0,
                 threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.hidden = hidden
        self.activation = activation
        self.margin = margin
        self.n_reference = n_reference
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Fit on the rows ``X`` with ``y`` = 1 for each labelled anomaly, 0 for every other
        (unlabelled) row. Returns self. Atomic, as every detector's ``fit``."""
        X_checked = as_float_array(X, "X")
        if X_checked.shape[0] < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 training rows (labelled "
                             f"and unlabelled), got {X_checked.shape[0]} sample(s).")
        if y is None:
            raise ValueError(
                f"{type(self).__name__} learns from labelled anomalies: call fit(X, y) with "
                "y = 1 for each labelled anomaly and 0 for every unlabelled row. Without "
                "labels, use an unsupervised detector (e.g. IsolationForestDetector).")
        labels = as_labels(y, "y", n_samples=X_checked.shape[0])
        n_labelled = int(labels.sum())
        if n_labelled == 0:
            raise ValueError(
                f"{type(self).__name__} needs at least one labelled anomaly (y = 1), got "
                f"none among {labels.size} rows. Without labelled anomalies, use an "
                "unsupervised detector instead (e.g. IsolationForestDetector or "
                "AutoencoderDetector).")
        if n_labelled == labels.size:
            raise ValueError(
                f"Every row of X is labelled as an anomaly (y = 1 for all {labels.size}); "
                f"{type(self).__name__} also needs unlabelled rows (y = 0), the data it "
                "learns what is usual from.")
        self._fit_labels = labels
        try:
            return super().fit(X_checked)
        finally:
            del self._fit_labels

    # --- the two hooks of BaseDetector ----------------------------------------------------
    def _fit_scores(self, X):
        seed, hidden = self._check_params()
        labels = self._fit_labels
        self.n_labelled_ = int(labels.sum())
        self.mean_, self.scale_ = _keras_fit.fit_scaling(X, self.scale)
        Z = self._standardise(X).astype(np.float32)
        reference = np.random.default_rng([seed, 0]).standard_normal(self.n_reference)
        self.reference_mean_, self.reference_std_ = float(reference.mean()), float(reference.std())

        from .reproducibility import tensorflow_seeded

        with tensorflow_seeded(seed):
            from . import models

            self.model_ = models.build_mlp_classifier(
                X.shape[1], hidden=hidden, activation=self.activation, output_activation="linear",
                name="deviation_network")
            self.history_ = _train(
                self.model_, Z, labels, seed=seed, margin=float(self.margin),
                reference=(self.reference_mean_, self.reference_std_),
                weight_decay=float(self.weight_decay), learning_rate=float(self.learning_rate),
                epochs=self.epochs, steps_per_epoch=self.steps_per_epoch,
                batch_size=self.batch_size, verbose=self.verbose)
        self.n_epochs_ = len(self.history_["loss"])
        scores = self._score(X)
        if np.isfinite(scores).all() and np.ptp(scores) <= 1e-12 * max(1.0, np.abs(scores).max()):
            warnings.warn("All training rows get the same score: are they all identical? "
                          "Check X.", UserWarning, stacklevel=3)
        return scores

    def _score(self, X):
        phi = _keras_fit.predict(self.model_, self._standardise(X).astype(np.float32))[:, 0]
        return (phi - self.reference_mean_) / self.reference_std_

    # --- helpers ----------------------------------------------------------------------------
    def _check_params(self):
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.steps_per_epoch, "steps_per_epoch")
        check_positive_int(self.batch_size, "batch_size", minimum=2)
        check_positive_int(self.n_reference, "n_reference", minimum=2)
        check_number(self.margin, "margin", low=0.0)
        check_number(self.weight_decay, "weight_decay", low=0.0, low_inclusive=True)
        check_number(self.learning_rate, "learning_rate", low=0.0, high=1.0, high_inclusive=True)
        check_bool(self.scale, "scale")
        check_choice(check_positive_int(self.verbose, "verbose", minimum=0), "verbose", (0, 1, 2))
        hidden = check_sizes(self.hidden, "hidden", allow_empty=True)
        return check_seed(self.random_state, "random_state", allow_none=True), hidden

    def _standardise(self, X):
        return (X - self.mean_) / self.scale_


# --- module helpers --------------------------------------------------------------------------

def _train(model, Z, labels, *, seed, margin, reference, weight_decay, learning_rate, epochs,
           steps_per_epoch, batch_size, verbose):
    """Adam on DevNet's loss over balanced batches; returns ``{"loss": [...]}`` per epoch.

    Each batch: ``batch_size // 2`` labelled anomalies and the rest unlabelled rows, drawn with
    replacement by a NumPy generator seeded with ``[seed, 1]``. One call into TensorFlow per
    epoch. Raises ``ValueError`` when the loss becomes NaN or infinite.
    """
    import keras
    import tensorflow as tf

    weights = model.trainable_variables
    kernels = [layer.kernel for layer in model.layers[:-1]]     # the hidden layers' (the paper's)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.build(weights)
    ref_mean, ref_std = (tf.constant(v, tf.float32) for v in reference)
    a = tf.constant(margin, tf.float32)
    decay = tf.constant(weight_decay, tf.float32)

    def loss_of(x, y):
        dev = (model(x, training=True)[:, 0] - ref_mean) / ref_std
        per_row = (1.0 - y) * tf.abs(dev) + y * tf.maximum(0.0, a - dev)
        penalty = tf.add_n([tf.reduce_sum(tf.square(k)) for k in kernels]) if kernels else 0.0
        return tf.reduce_mean(per_row) + decay * penalty

    @tf.function
    def train_epoch(x, y):
        """``x``: (steps, batch, n_features), ``y``: (steps, batch): one epoch in one call."""
        total = tf.constant(0.0)
        for i in tf.range(tf.shape(x)[0]):
            with tf.GradientTape() as tape:
                loss = loss_of(x[i], y[i])
            optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights, strict=True))
            total += loss
        return total / tf.cast(tf.shape(x)[0], tf.float32)

    anomalies, unlabelled = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    n_anomalies = batch_size // 2
    y_batch = np.r_[np.ones(n_anomalies), np.zeros(batch_size - n_anomalies)].astype(np.float32)
    y_epoch = tf.constant(np.broadcast_to(y_batch, (steps_per_epoch, batch_size)))
    rng = np.random.default_rng([seed, 1])
    history = {"loss": []}
    for epoch in range(1, epochs + 1):
        rows = np.concatenate([rng.choice(anomalies, (steps_per_epoch, n_anomalies)),
                               rng.choice(unlabelled, (steps_per_epoch, batch_size - n_anomalies))],
                              axis=1)
        loss = float(train_epoch(tf.constant(Z[rows]), y_epoch))
        history["loss"].append(loss)
        if verbose:
            print(f"epoch {epoch}: loss {loss:.4f}")
        if not math.isfinite(loss):
            raise ValueError(
                f"Training diverged: the loss became NaN or infinite in epoch {epoch}. "
                f"Lower learning_rate (now {learning_rate:g}) or keep scale=True.")
    return history
