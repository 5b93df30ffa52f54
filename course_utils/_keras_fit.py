"""The training loop shared by the course's Keras detectors (autoencoder, forecaster).

One home for how the course trains its small networks: a seeded validation split, Adam on
the mean squared error, early stopping on the validation loss, a ``tf.data`` pipeline
reshuffled every epoch with the seed, and a clear error when training diverges.
TensorFlow is imported only when :func:`train` runs.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_bool, check_choice, check_number, check_positive_int

PREDICT_BATCH = 1024
STEPS_PER_EXECUTION = 32


def check_training_params(detector) -> None:
    """Check the training parameters the Keras detectors share, before anything is trained."""
    check_positive_int(detector.epochs, "epochs")
    if detector.patience is not None:
        check_positive_int(detector.patience, "patience")
    check_number(detector.learning_rate, "learning_rate", low=0.0, high=1.0,
                 high_inclusive=True)
    check_number(detector.validation_fraction, "validation_fraction", low=0.0, high=0.5,
                 low_inclusive=True)
    check_bool(detector.scale, "scale")
    check_choice(check_positive_int(detector.verbose, "verbose", minimum=0), "verbose", (0, 1, 2))


def batch_size(value, n_rows: int) -> int:
    """``value`` checked, or for ``"auto"``: 1 % of ``n_rows``, at least 32 and at most 512."""
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(f"batch_size must be a positive integer or 'auto', got {value!r}.")
        return min(512, max(32, n_rows // 100))
    return check_positive_int(value, "batch_size")


def predict(model, x):
    """``model``'s output for ``x`` as float64, in chunks of ``PREDICT_BATCH`` rows.

    ``predict_on_batch`` reuses one compiled function and skips ``predict``'s data
    pipeline: a few milliseconds per call for these small models.
    """
    chunks = [model.predict_on_batch(x[start:start + PREDICT_BATCH])
              for start in range(0, len(x), PREDICT_BATCH)]
    return np.concatenate(chunks).astype(np.float64)


def fit_scaling(X, scale: bool, n_channels: int | None = None):
    """``(mean, std)`` that standardise the training rows ``X`` (n_samples, n_features).

    Per feature; or, with ``n_channels``, one mean and std per channel (the last axis of a
    sample, so an image stays an image), tiled to the row's length. A constant feature keeps
    std 1 (left as it is, never divided by ~0). ``scale=False``: 0 and 1 (no scaling).
    """
    n_features = X.shape[1]
    if not scale:
        return np.zeros(n_features), np.ones(n_features)
    if n_channels is None:
        mean, std = X.mean(axis=0), X.std(axis=0)
    else:
        channels = X.reshape(X.shape[0], -1, n_channels)
        mean, std = channels.mean(axis=(0, 1)), channels.std(axis=(0, 1))
        reps = n_features // mean.size
        mean, std = np.tile(mean, reps), np.tile(std, reps)
    return mean, np.where(std > 1e-12 * np.maximum(1.0, np.abs(mean)), std, 1.0)


def validation_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(val_rows, train_rows)``: a seeded random ``fraction`` of ``n`` rows held out
    (at least 1 and at most ``n - 1`` when ``fraction > 0``)."""
    n_val = min(n - 1, max(1, round(fraction * n))) if fraction > 0 else 0
    order = np.random.default_rng(seed).permutation(n)
    return order[:n_val], order[n_val:]


def _validation_loss(keras, x_val, y_val):
    """A callback that adds ``val_loss`` (the MSE on ``(x_val, y_val)``) to each epoch's logs.

    The same number as ``fit(validation_data=(x_val, y_val))`` gives, from
    ``predict_on_batch``, which costs a few milliseconds instead of Keras's evaluation loop
    (for these small models that loop took as long as the training epoch itself).
    """

    class ValidationLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                logs["val_loss"] = float(np.mean((predict(self.model, x_val) - y_val) ** 2))

    return ValidationLoss()


def train(model, inputs, targets, *, val_rows, train_rows, seed: int, learning_rate: float,
          epochs: int, batch_size: int, patience: int | None, verbose: int):
    """Compile ``model`` (Adam, MSE) and fit it; return ``(history, n_epochs, best_epoch)``.

    ``setup_tensorflow(seed)`` must have run before ``model`` was built. Early stopping
    (``patience``, restoring the best weights) watches the validation loss when there are
    validation rows, else the training loss. Raises ``ValueError`` if the loss diverges.
    """
    import keras  # imported already by setup_tensorflow
    import tensorflow as tf

    # steps_per_execution: several batches per call into TensorFlow, so the Python
    # overhead per step vanishes; the updates (and results) are exactly the same
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse",
                  steps_per_execution=STEPS_PER_EXECUTION)
    monitor = "val_loss" if len(val_rows) else "loss"
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if len(val_rows):
        callbacks.insert(0, _validation_loss(keras, inputs[val_rows], targets[val_rows]))
    if patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=monitor, patience=patience, restore_best_weights=True))
    # a tf.data pipeline, reshuffled every epoch with the seed: for small data it costs
    # a fifth of what fit(X, X, shuffle=True) spends per epoch on slicing NumPy arrays
    batches = (tf.data.Dataset.from_tensor_slices((inputs[train_rows], targets[train_rows]))
               .shuffle(len(train_rows), seed=seed, reshuffle_each_iteration=True)
               .batch(batch_size))
    history = model.fit(batches, epochs=epochs, callbacks=callbacks, verbose=verbose)
    history = {k: [float(v) for v in values] for k, values in history.history.items()}
    n_epochs = len(history["loss"])
    watched = np.asarray(history[monitor])
    if not np.isfinite(watched).all():
        raise ValueError(
            f"Training diverged: the loss became NaN or infinite in epoch {n_epochs}. "
            f"Lower learning_rate (now {learning_rate:g}) or keep scale=True.")
    best_epoch = int(np.argmin(watched)) + 1 if patience is not None else n_epochs
    return history, n_epochs, best_epoch
