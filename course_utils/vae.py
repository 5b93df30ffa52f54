"""The variational autoencoder detector and the reparameterisation trick (notebook 07).

A variational autoencoder (VAE; Kingma & Welling, ICLR 2014) encodes a row into a
*distribution* of codes, the Gaussian q(z | x) = N(μ(x), diag σ²(x)), and is trained to
maximise the evidence lower bound (ELBO) of the data under the model
p(x) = ∫ p(x | z) p(z) dz with the prior p(z) = N(0, I):

    −ELBO(x) = E_{z ~ q(z|x)}[−log p(x | z)] + KL(q(z | x) ‖ p(z))  ≥  −log p(x).

Gradients cannot flow through "draw z from q", so the draw is rewritten
(**reparameterisation**): z = μ + σ ⊙ ε with ε ~ N(0, I) drawn *outside* the network.
Then z is a smooth function of μ and log σ²,

    ∂z/∂μ = 1,      ∂z/∂(log σ²) = ½ σ ⊙ ε,

and the chain rule does the rest. :func:`reparameterise` and :func:`reparameterise_backward`
are those two lines; :func:`check_reparameterisation_gradient` compares them with central
differences in float64 (derived in notebook 07).

Importing this module does not import TensorFlow; ``fit`` does, through
``reproducibility.tensorflow_seeded(random_state)``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import _keras_fit
from ._validate import as_float_array, check_number, check_positive_int, check_seed, check_sizes
from .detectors import BaseDetector

__all__ = ["VariationalAutoencoderDetector", "reparameterise", "reparameterise_backward",
           "negative_elbo", "check_reparameterisation_gradient"]

LOG_2PI = math.log(2 * math.pi)


# --- the reparameterisation trick, in NumPy (notebook 07) -----------------------------------

def reparameterise(mu, log_var, eps):
    """A reparameterised draw from N(mu, exp(log_var)): ``z = mu + exp(log_var / 2) * eps``.

    mu, log_var, eps: arrays of one shape, e.g. ``(n, latent_dim)``; ``eps`` holds standard
    normal draws made outside the model. Returns ``z`` of the same shape. Derived in
    notebook 07.
    """
    return mu + np.exp(0.5 * log_var) * eps


def reparameterise_backward(mu, log_var, eps, grad_z):
    """The chain rule through :func:`reparameterise`: ``(∂L/∂mu, ∂L/∂log_var)`` from ``∂L/∂z``.

    ∂z/∂mu = 1 and ∂z/∂log_var = ½ exp(log_var / 2) ε, element by element, so
    ``∂L/∂mu = grad_z`` and ``∂L/∂log_var = grad_z * 0.5 * exp(log_var / 2) * eps``.
    ``mu`` is unused (z depends on it linearly); it is an argument so the signature matches
    :func:`reparameterise`.
    """
    del mu
    return grad_z, grad_z * 0.5 * np.exp(0.5 * log_var) * eps


def negative_elbo(x, mu, log_var, eps, decoder_weights, *, sample=reparameterise):
    """One-sample negative ELBO of a tiny NumPy decoder, x̂ = tanh(z W₁) W₂, per row summed.

    The test function of :func:`check_reparameterisation_gradient`: a unit-variance
    Gaussian p(x | z) (−log p = ½‖x − x̂‖² + (d/2) log 2π) plus the closed-form
    KL(N(mu, σ²) ‖ N(0, I)) = ½ Σ (mu² + σ² − 1 − log σ²). x: (n, d); mu, log_var, eps:
    (n, k); decoder_weights: (W₁ (k, h), W₂ (h, d)). Returns a float.
    """
    w1, w2 = decoder_weights
    z = sample(mu, log_var, eps)
    x_hat = np.tanh(z @ w1) @ w2
    reconstruction = 0.5 * np.sum((x - x_hat) ** 2) + 0.5 * x.size * LOG_2PI
    kl = 0.5 * np.sum(mu**2 + np.exp(log_var) - 1.0 - log_var)
    return float(reconstruction + kl)


def _negative_elbo_grads(x, mu, log_var, eps, decoder_weights, sample, backward):
    """Analytic ``(∂/∂mu, ∂/∂log_var)`` of :func:`negative_elbo`: decoder, then the trick."""
    w1, w2 = decoder_weights
    z = sample(mu, log_var, eps)
    h = np.tanh(z @ w1)
    grad_x_hat = h @ w2 - x                        # ∂(½‖x − x̂‖²)/∂x̂
    grad_z = ((grad_x_hat @ w2.T) * (1 - h**2)) @ w1.T
    grad_mu, grad_log_var = backward(mu, log_var, eps, grad_z)
    return grad_mu + mu, grad_log_var + 0.5 * (np.exp(log_var) - 1.0)   # + the KL's


def check_reparameterisation_gradient(sample=reparameterise, backward=reparameterise_backward,
                                      *, n=5, n_features=6, latent_dim=3, hidden=4, eps=1e-6,
                                      random_state=0, verbose=True) -> float:
    """Check the gradient *through the sample* against central differences, in float64.

    Builds a random float64 problem (``n`` rows, a tiny tanh decoder, fixed draws ε), and
    compares the analytic gradient of :func:`negative_elbo` with respect to ``mu`` and
    ``log_var`` — decoder by hand, then ``backward`` — with the numerical gradient of
    ``checks.numerical_gradient``. Returns the relative error ``checks.rel_error`` of the two
    (about 1e-10 when both functions are right; the course's bar is 1e-6).

    sample, backward: your own versions of :func:`reparameterise` and
    :func:`reparameterise_backward` (same signatures) to check them; by default the
    library's. Raises ``ValueError`` if ``sample`` returns the wrong shape.
    """
    from .checks import numerical_gradient, rel_error

    for value, name in [(n, "n"), (n_features, "n_features"), (latent_dim, "latent_dim"),
                        (hidden, "hidden")]:
        check_positive_int(value, name)
    check_number(eps, "eps", low=0.0, high=1e-2)
    rng = np.random.default_rng(check_seed(random_state, "random_state"))
    x = rng.normal(size=(n, n_features))
    mu, log_var = rng.normal(size=(n, latent_dim)), rng.normal(scale=0.5, size=(n, latent_dim))
    draws = rng.normal(size=(n, latent_dim))
    weights = (rng.normal(size=(latent_dim, hidden)), rng.normal(size=(hidden, n_features)))
    z = np.asarray(sample(mu.copy(), log_var.copy(), draws.copy()), dtype=float)
    if z.shape != mu.shape:
        raise ValueError(f"sample(mu, log_var, eps) must return an array of the shape of mu, "
                         f"{mu.shape}, got {z.shape}.")
    grad_mu, grad_log_var = _negative_elbo_grads(x, mu, log_var, draws, weights, sample,
                                                 backward)
    num_mu = numerical_gradient(
        lambda m: negative_elbo(x, m, log_var, draws, weights, sample=sample), mu, eps=eps)
    num_log_var = numerical_gradient(
        lambda v: negative_elbo(x, mu, v, draws, weights, sample=sample), log_var, eps=eps)
    error = rel_error(np.concatenate([np.ravel(grad_mu), np.ravel(grad_log_var)]),
                      np.concatenate([num_mu.ravel(), num_log_var.ravel()]))
    if verbose:
        verdict = "✓ correct" if error < 1e-6 else "✗ too large: check the gradient of z"
        print(f"reparameterisation gradient: relative error {error:.1e} ({verdict})")
    return error


# --- the detector ---------------------------------------------------------------------------

class VariationalAutoencoderDetector(BaseDetector):
    """Anomaly detector that scores each row by the negative ELBO of a variational autoencoder.

    Train it on normal rows (``fit(X_train)``); ``X`` is 2-D ``(n_samples, n_features)``,
    tabular (a dense network: ``models.build_variational_autoencoder``). Rows are
    standardised with the training rows' mean and standard deviation, as in
    ``AutoencoderDetector``.

    **The score: the negative ELBO**, in nats per row (higher = more anomalous)::

        score(x) = 1/L Σ_l ½‖x − decoder(μ + σ ⊙ ε_l)‖²  +  β · KL(q(z|x) ‖ N(0, I))  +  (d/2) log 2π

    with a unit-variance Gaussian p(x | z) on the standardised features. Why this and not
    An & Cho's (2015) reconstruction probability, E_q[log p(x | z)]?

    * it is the quantity training minimises, so the score is what the model was fitted to
      make small on normal data, and with β = 1 it is an upper bound on −log p(x): a
      density-based score in one unit (nats);
    * it keeps the KL term, which catches a row whose code lies where normal codes never
      go, even when the decoder happens to rebuild it well; the reconstruction probability
      drops that term;
    * the reconstruction probability shines with a decoder that predicts its own variance
      per feature; with this unit-variance decoder it would be the autoencoder's squared
      error plus sampling noise.

    The ``L = n_samples`` draws ε_l are made once in ``fit`` (from ``random_state``) and
    shared by every row ("common random numbers"): a row's score does not depend on the
    other rows or on the call, and the same seed gives the same scores.

    Parameters
    ----------
    hidden : encoder layer sizes (the decoder mirrors them), (32, 16).
    latent_dim : size of the code z, 4 (as the autoencoder's bottleneck). The KL term
        switches off the coordinates the data do not need ("inactive units": their μ ≈ 0,
        σ ≈ 1 for every row); ``kl_per_dimension`` shows which are used.
    beta : weight of the KL term (1: the ELBO; β-VAE otherwise), in training and scoring.
    n_samples : draws ε_l per row when scoring (16).
    activation, epochs, batch_size, learning_rate, validation_fraction, patience, scale,
    random_state, verbose, threshold, contamination : as for ``AutoencoderDetector``;
    early stopping watches the held-out rows' negative ELBO (one fixed draw per row).

    Attributes (after fit)
    ----------------------
    model_ : the ``keras.Model`` from ``build_variational_autoencoder`` (x → decoder(μ));
        ``model_.get_layer("encoder")`` gives ``[z_mean, z_log_var]``.
    history_ : ``{"loss": [...], "val_loss": [...]}``: mean negative ELBO per row and epoch.
    n_epochs_, best_epoch_, batch_size_, mean_, scale_ : as for ``AutoencoderDetector``.
    eps_ : the ``(n_samples, latent_dim)`` draws used by ``decision_function``.
    decision_scores_, threshold_, labels_, n_features_in_ : as for every detector.
    """

    def __init__(self, *, hidden=(32, 16), latent_dim=4, beta=1.0, n_samples=16,
                 activation="relu", epochs=100, batch_size="auto", learning_rate=0.003,
                 validation_fraction=0.1, patience=10, scale=True, random_state=0, verbose=0,
                 threshold="quantile", contamination=0.05):
        self.threshold = threshold
        self.contamination = contamination
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.beta = beta
        self.n_samples = n_samples
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose

    # --- public API beyond BaseDetector ---------------------------------------------------
    def encode(self, X):
        """``(z_mean, z_log_var)`` of q(z | x) for each row of ``X``: two ``(n, latent_dim)``."""
        return self._encode(self._standardise(self._checked_input(X)))

    def reconstruct(self, X) -> np.ndarray:
        """decoder(μ(x)) in the original units: same shape as ``X``."""
        mean, _ = self.encode(X)
        return self._decode(mean) * self.scale_ + self.mean_

    def kl_per_dimension(self, X) -> np.ndarray:
        """Mean KL(q(z_j | x) ‖ N(0, 1)) over the rows of ``X``, one value per code
        coordinate j: near 0 for a coordinate the model does not use."""
        mean, log_var = self.encode(X)
        return (0.5 * (mean**2 + np.exp(log_var) - 1.0 - log_var)).mean(axis=0)

    # --- the two hooks of BaseDetector ----------------------------------------------------
    def _fit_scores(self, X):
        seed, hidden = self._check_params(X)
        n, d = X.shape
        self.batch_size_ = _keras_fit.batch_size(self.batch_size, n)
        self.mean_, self.scale_ = _keras_fit.fit_scaling(X, self.scale)
        Z = self._standardise(X).astype(np.float32)
        val_rows, train_rows = _keras_fit.validation_split(n, self.validation_fraction, seed)

        from .reproducibility import tensorflow_seeded

        with tensorflow_seeded(seed):
            from . import models

            self.model_ = models.build_variational_autoencoder(
                d, hidden=hidden, latent_dim=self.latent_dim, activation=self.activation)
            self.history_, self.n_epochs_, self.best_epoch_ = _train(
                self.model_, Z, val_rows, train_rows, seed=seed, beta=float(self.beta),
                learning_rate=self.learning_rate, epochs=self.epochs,
                batch_size=self.batch_size_, patience=self.patience, verbose=self.verbose)
        self.eps_ = np.random.default_rng([seed, 1]).standard_normal(
            (self.n_samples, self.latent_dim))
        scores = self._score(X)
        if np.isfinite(scores).all() and np.ptp(scores) <= 1e-12 * max(1.0, abs(scores.max())):
            warnings.warn("All training rows get the same score: are they all identical? "
                          "Check X.", UserWarning, stacklevel=3)
        return scores

    def _score(self, X):
        Z = self._standardise(X)
        mean, log_var = self._encode(Z)
        reconstruction = np.zeros(len(Z))
        with np.errstate(invalid="ignore", over="ignore"):   # inf / NaN: fit raises clearly
            for eps in self.eps_:
                x_hat = self._decode(reparameterise(mean, log_var, eps))
                reconstruction += 0.5 * np.sum((Z - x_hat) ** 2, axis=1)
            kl = 0.5 * np.sum(mean**2 + np.exp(log_var) - 1.0 - log_var, axis=1)
            return reconstruction / len(self.eps_) + self.beta * kl + 0.5 * Z.shape[1] * LOG_2PI

    # --- helpers ----------------------------------------------------------------------------
    def _check_params(self, X):
        _keras_fit.check_training_params(self)
        hidden = check_sizes(self.hidden, "hidden", allow_empty=True)
        check_positive_int(self.latent_dim, "latent_dim")
        check_number(self.beta, "beta", low=0.0, low_inclusive=True)
        check_positive_int(self.n_samples, "n_samples")
        _keras_fit.batch_size(self.batch_size, X.shape[0])
        if X.shape[0] < 2:
            raise ValueError(f"A variational autoencoder needs at least 2 training rows, got "
                             f"{X.shape[0]} sample(s).")
        return check_seed(self.random_state, "random_state", allow_none=True), hidden

    def _checked_input(self, X) -> np.ndarray:
        self._check_fitted()
        X = as_float_array(X, "X")
        self._check_n_features(X)
        return X

    def _standardise(self, X):
        return (X - self.mean_) / self.scale_

    def _encode(self, Z):
        encoder = self.model_.get_layer("encoder")
        parts = [encoder.predict_on_batch(Z[i:i + _keras_fit.PREDICT_BATCH].astype(np.float32))
                 for i in range(0, len(Z), _keras_fit.PREDICT_BATCH)]
        return tuple(np.concatenate([p[j] for p in parts]).astype(np.float64) for j in (0, 1))

    def _decode(self, codes):
        decoder = self.model_.get_layer("decoder")
        return _keras_fit.predict(decoder, codes.astype(np.float32))


# --- module helpers --------------------------------------------------------------------------

def _train(model, Z, val_rows, train_rows, *, seed, beta, learning_rate, epochs, batch_size,
           patience, verbose):
    """Adam on the mean negative ELBO per row, z reparameterised with stateless draws.

    Returns ``(history, n_epochs, best_epoch)`` like ``_keras_fit.train``: early stopping
    watches the held-out rows' negative ELBO (each with one draw, fixed for all epochs),
    else the training loss, and restores the best weights. Raises ``ValueError`` when the
    loss becomes NaN or infinite.
    """
    import keras
    import tensorflow as tf

    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    weights = model.trainable_variables
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.build(weights)
    d, k = Z.shape[1], int(encoder.outputs[0].shape[-1])

    def loss_of(x, eps, training):
        mean, log_var = encoder(x, training=training)
        x_hat = decoder(mean + tf.exp(0.5 * log_var) * eps, training=training)
        reconstruction = 0.5 * tf.reduce_sum(tf.square(x - x_hat), axis=1) + 0.5 * d * LOG_2PI
        kl = 0.5 * tf.reduce_sum(tf.square(mean) + tf.exp(log_var) - 1.0 - log_var, axis=1)
        return tf.reduce_mean(reconstruction + beta * kl)

    @tf.function
    def train_epoch(x, first_step):
        """One pass over the (already shuffled) rows ``x``, batch after batch, in one call
        into TensorFlow; step ``i``'s draws ε come from the stateless seed (seed, step)."""
        n_batches = (tf.shape(x)[0] + batch_size - 1) // batch_size
        total = tf.constant(0.0)
        for i in tf.range(n_batches):
            batch = x[i * batch_size:(i + 1) * batch_size]
            step_seed = tf.stack([tf.constant(seed, tf.int64), first_step + tf.cast(i, tf.int64)])
            eps = tf.random.stateless_normal((tf.shape(batch)[0], k), seed=step_seed)
            with tf.GradientTape() as tape:
                loss = loss_of(batch, eps, True)
            optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights, strict=True))
            total += loss * tf.cast(tf.shape(batch)[0], tf.float32)
        return total / tf.cast(tf.shape(x)[0], tf.float32)

    rng = np.random.default_rng([seed, 2])
    x_train = Z[train_rows]
    steps_per_epoch = -(-len(x_train) // batch_size)
    x_val = tf.constant(Z[val_rows])
    eps_val = tf.constant(rng.standard_normal((len(val_rows), k), dtype=np.float32))
    history = {"loss": []} | ({"val_loss": []} if len(val_rows) else {})
    monitor = "val_loss" if len(val_rows) else "loss"
    best, best_weights, best_epoch = np.inf, None, 0
    for epoch in range(1, epochs + 1):
        shuffled = tf.constant(x_train[rng.permutation(len(x_train))])
        loss = train_epoch(shuffled, tf.constant((epoch - 1) * steps_per_epoch, tf.int64))
        history["loss"].append(float(loss))
        if len(val_rows):
            history["val_loss"].append(float(loss_of(x_val, eps_val, False)))
        watched = history[monitor][-1]
        if verbose:
            print(f"epoch {epoch}: " + ", ".join(f"{name} {values[-1]:.4f}"
                                               for name, values in history.items()))
        if not math.isfinite(watched):
            raise ValueError(
                f"Training diverged: the loss became NaN or infinite in epoch {epoch}. "
                f"Lower learning_rate (now {learning_rate:g}) or keep scale=True.")
        if watched < best:
            best, best_epoch = watched, epoch
            if patience is not None:
                best_weights = model.get_weights()
        elif patience is not None and epoch - best_epoch >= patience:
            break
    n_epochs = len(history["loss"])
    if patience is None:
        return history, n_epochs, n_epochs
    model.set_weights(best_weights)
    return history, n_epochs, best_epoch
