"""The from-scratch network of notebooks 01-02, "graduated" into the library.

Everything here is plain NumPy and short enough to read next to the notebooks:
activations and their derivatives, two losses with their gradients, the single sigmoid
neuron of notebook 01 (``neuron_loss_and_gradients``, ``train_neuron``), a multilayer
perceptron (``MLP``) trained by hand-written backpropagation, a mini-batch SGD loop
(``train``) and the autoencoder anomaly score (``reconstruction_error``).

Conventions
-----------
Batches are rows: ``X`` has shape ``(n_samples, n_features)``. Layer ``l`` computes::

    z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ W⁽ˡ⁾ + b⁽ˡ⁾        a⁽ˡ⁾ = f(z⁽ˡ⁾)        a⁽⁰⁾ = X

(f is the layer's activation: φ for the hidden layers, as in notebook 02, where σ means the
sigmoid only)

with ``W⁽ˡ⁾`` of shape ``(n_in, n_out)`` and ``b⁽ˡ⁾`` of shape ``(n_out,)`` (the same
layout as a Keras ``Dense`` kernel and bias). The derivation on paper uses one sample as
a column vector, ``z = W a + b`` with ``W`` of shape ``(n_out, n_in)``; stacking samples
as rows transposes everything, so ``W_code = W_mathᵀ`` and the backprop formulas read::

    paper (column vector)                 code (rows = samples)
    δ⁽ᴸ⁾ = ∂E/∂a⁽ᴸ⁾ ⊙ f′(z⁽ᴸ⁾)              delta = dE_da * f_grad(z)
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ ⊙ φ′(z⁽ˡ⁾)       delta = (delta @ W[l+1].T) * f_grad(z[l])
    ∂E/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ                dW[l] = a[l-1].T @ delta
    ∂E/∂b⁽ˡ⁾ = δ⁽ˡ⁾                         db[l] = delta.sum(axis=0)

The sums over the batch happen inside the matrix product ``a.T @ delta`` and in
``delta.sum(axis=0)``; the ``1/n`` of the mean is already inside ``delta`` because the
loss gradients below include it.

Loss convention (one for the whole course)
------------------------------------------
Each loss is a *sum over the outputs of one sample, averaged over the samples*:

Notation as in the whole course: y is the label (the target), ŷ the network's output.

* ``mse``: E = (1/n) Σᵢ ½‖ŷᵢ − yᵢ‖², so ∂E/∂ŷ = (ŷ − y)/n. For one sample and one output
  this is the ½(ŷ − y)² of notebook 01, whose derivative is simply (ŷ − y).
  Keras' ``MeanSquaredError`` averages (ŷ − y)² over samples *and* outputs, without the ½:
  keras_mse = 2 · mse / n_outputs.
* ``bce``: E = −(1/n) Σᵢ Σₖ [yᵢₖ log pᵢₖ + (1 − yᵢₖ) log(1 − pᵢₖ)]. With a sigmoid output
  p = ŷ = σ(z) the chain rule collapses to ∂E/∂z = (p − y)/n (``sigmoid_bce_grad``). For one
  output this equals Keras' ``BinaryCrossentropy``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from ._validate import as_float_array, as_rng, check_choice, check_number, check_positive_int

__all__ = [
    "sigmoid", "sigmoid_grad", "relu", "relu_grad", "tanh", "tanh_grad",
    "identity", "identity_grad", "ACTIVATIONS",
    "mse", "mse_grad", "binary_cross_entropy", "binary_cross_entropy_grad",
    "sigmoid_bce_grad", "LOSSES",
    "neuron_loss_and_gradients", "train_neuron",
    "MLP", "train", "reconstruction_error",
]

# --- activations f(z) and their derivatives f′(z), element-wise -----------------------


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for large |z|. Any shape."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    """dσ/dz = σ(z)(1 − σ(z)); at most 0.25, and tiny when |z| is large (saturation)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def relu(z):
    """ReLU(z) = max(z, 0). Any shape; returns a new array."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_grad(z):
    """dReLU/dz = 1 where z > 0, else 0 (we pick 0 at the kink z = 0)."""
    return (np.asarray(z, dtype=np.float64) > 0).astype(np.float64)


def tanh(z):
    """tanh(z), in (−1, 1). Any shape."""
    return np.tanh(np.asarray(z, dtype=np.float64))


def tanh_grad(z):
    """d tanh/dz = 1 − tanh(z)²."""
    return 1.0 - np.tanh(np.asarray(z, dtype=np.float64)) ** 2


def identity(z):
    """f(z) = z (a linear output layer). Returns a float copy, never ``z`` itself."""
    return np.array(z, dtype=np.float64)


def identity_grad(z):
    """df/dz = 1."""
    return np.ones_like(np.asarray(z, dtype=np.float64))


#: name -> (f, f′); the names ``MLP`` accepts for its activations.
ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "identity": (identity, identity_grad),
}

# --- losses E(ŷ, y) and their gradients ∂E/∂ŷ ------------------------------------------


def _as_pair(y_pred, y_true):
    # NaN / inf predictions are allowed: a diverged network gives a nan loss, not an error
    y_pred = as_float_array(y_pred, "y_pred", ndim=None, allow_nan=True)
    y_true = as_float_array(y_true, "y_true", ndim=None)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} but y_true has shape "
                         f"{y_true.shape}; they must match (reshape 1-D targets with "
                         "y.reshape(-1, 1)).")
    return y_pred, y_true


def _n_samples(y) -> int:
    return y.shape[0] if y.ndim > 0 else 1


def mse(y_pred, y_true) -> float:
    """E = (1/n) Σᵢ ½‖ŷᵢ − yᵢ‖²: half the squared error, summed over outputs, mean over samples.

    y_pred, y_true: the same shape, ``(n_samples,)`` or ``(n_samples, n_outputs)``.
    """
    y_pred, y_true = _as_pair(y_pred, y_true)
    return float(0.5 * np.sum((y_pred - y_true) ** 2) / _n_samples(y_pred))


def mse_grad(y_pred, y_true):
    """∂E/∂ŷ of ``mse``: (ŷ − y)/n, same shape as ``y_pred``."""
    y_pred, y_true = _as_pair(y_pred, y_true)
    return (y_pred - y_true) / _n_samples(y_pred)


_EPS = 1e-12  # keeps log() finite when a probability is exactly 0 or 1


def binary_cross_entropy(p, y) -> float:
    """E = −(1/n) Σᵢ Σₖ [y log p + (1 − y) log(1 − p)], p clipped to [1e-12, 1 − 1e-12].

    p: predicted probabilities (the output ŷ), y: labels in [0, 1]; the same shape,
    ``(n_samples,)`` or ``(n_samples, n_outputs)``.
    """
    p, y = _as_pair(p, y)
    p = np.clip(p, _EPS, 1.0 - _EPS)
    return float(-np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) / _n_samples(p))


def binary_cross_entropy_grad(p, y):
    """∂E/∂p of ``binary_cross_entropy``: (p − y) / (p(1 − p)) / n, same shape as ``p``.

    Multiplied by σ′(z) = p(1 − p) this becomes ``sigmoid_bce_grad``: the p(1 − p) cancels.
    """
    p, y = _as_pair(p, y)
    p = np.clip(p, _EPS, 1.0 - _EPS)
    return (p - y) / (p * (1.0 - p)) / _n_samples(p)


def sigmoid_bce_grad(z, y):
    """∂E/∂z for E = binary_cross_entropy(σ(z), y): simply (σ(z) − y)/n.

    This fused form is what the ``MLP`` uses for a sigmoid output with ``loss="bce"``:
    it never divides by p(1 − p), so it stays accurate when the sigmoid saturates, and it
    is why cross-entropy does not get stuck where MSE + sigmoid does.
    """
    z, y = _as_pair(z, y)
    return (sigmoid(z) - y) / _n_samples(z)


#: name -> (E, ∂E/∂ŷ); the names ``MLP.loss_and_gradients`` and ``train`` accept.
LOSSES = {
    "mse": (mse, mse_grad),
    "bce": (binary_cross_entropy, binary_cross_entropy_grad),
}

# --- one neuron (notebook 01) ------------------------------------------------------------


def _check_neuron_data(X, y):
    X = as_float_array(X, "X", ndim=2)
    y = as_float_array(y, "y", ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} samples.")
    return X, y


def neuron_loss_and_gradients(w, b, X, y, loss="mse"):
    """One sigmoid neuron ŷ = σ(z), z = X w + b: its loss E and the gradients ∂E/∂w, ∂E/∂b.

    w: weights, shape ``(n_features,)``; b: the bias, a number; X: ``(n_samples,
    n_features)``; y: labels (targets), shape ``(n_samples,)``; loss: ``"mse"`` or ``"bce"``.

    With δᵢ = ∂E/∂zᵢ for sample i (including the 1/n of the mean over samples)::

        mse: E = (1/n) Σᵢ ½(ŷᵢ − yᵢ)²     δᵢ = (ŷᵢ − yᵢ) σ′(zᵢ) / n
        bce: E = −(1/n) Σᵢ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)]     δᵢ = (ŷᵢ − yᵢ) / n

    and ∂E/∂w = Xᵀ δ (shape ``(n_features,)``), ∂E/∂b = Σᵢ δᵢ. Returns ``(E, dw, db)`` with
    ``E`` and ``db`` floats. The same numbers as ``MLP([n_features, 1],
    output_activation="sigmoid")`` with ``W1 = w.reshape(-1, 1)`` and ``b1 = [b]``.
    """
    X, y = _check_neuron_data(X, y)
    w = as_float_array(w, "w", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w has {w.shape[0]} weights but X has {X.shape[1]} features.")
    check_choice(loss, "loss", list(LOSSES))
    return _neuron_step(w, float(b), X, y, loss)


def _neuron_step(w, b, X, y, loss):
    """``neuron_loss_and_gradients`` without the input checks (inputs already checked)."""
    n = X.shape[0]
    z = X @ w + b
    y_hat = sigmoid(z)
    if loss == "bce":
        p = np.clip(y_hat, _EPS, 1.0 - _EPS)
        value = float(-np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) / n)
        delta = (y_hat - y) / n
    else:
        value = float(0.5 * np.sum((y_hat - y) ** 2) / n)
        delta = (y_hat - y) * sigmoid_grad(z) / n
    return value, X.T @ delta, float(delta.sum())


def train_neuron(X, y, *, lr, epochs=100, loss="bce", w0=None, b0=0.0, momentum=0.0):
    """Full-batch gradient descent for one sigmoid neuron (a logistic neuron); its history.

    Every epoch computes the gradient g of the loss on all samples
    (``neuron_loss_and_gradients``) and updates each parameter θ (w and b) by::

        v ← momentum · v + g        θ ← θ − lr · v        (v starts at 0)

    so ``momentum=0`` (the default) is plain gradient descent θ ← θ − lr · g.

    X: ``(n_samples, n_features)``; y: ``(n_samples,)`` labels in [0, 1]; lr: the learning
    rate (> 0); loss: ``"bce"`` or ``"mse"``; w0, b0: the start (default: zeros);
    momentum: in [0, 1).

    Returns a dict of arrays: ``"loss"`` of shape ``(epochs + 1,)``, the loss at the start
    and after every update; ``"w"`` ``(epochs + 1, n_features)`` and ``"b"``
    ``(epochs + 1,)``, the parameters at those moments. It never warns: a learning rate
    that is too large shows as a loss that goes up or jumps around (the learning-rate
    explorer's "divergent" regime).
    """
    X, y = _check_neuron_data(X, y)
    lr = check_number(lr, "lr", low=0.0)
    epochs = check_positive_int(epochs, "epochs")
    momentum = check_number(momentum, "momentum", low=0.0, high=1.0, low_inclusive=True)
    check_choice(loss, "loss", list(LOSSES))
    w = np.zeros(X.shape[1]) if w0 is None else as_float_array(w0, "w0", ndim=1)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w0 has {w.shape[0]} weights but X has {X.shape[1]} features.")
    b = float(b0)
    v_w, v_b = np.zeros_like(w), 0.0
    losses, ws, bs = [], [w.copy()], [b]
    with np.errstate(over="ignore", invalid="ignore"):  # a huge lr: let the history show it
        for _ in range(epochs):
            value, g_w, g_b = _neuron_step(w, b, X, y, loss)
            losses.append(value)
            v_w, v_b = momentum * v_w + g_w, momentum * v_b + g_b
            w, b = w - lr * v_w, b - lr * v_b
            ws.append(w.copy())
            bs.append(b)
        losses.append(_neuron_step(w, b, X, y, loss)[0])
    return {"loss": np.array(losses), "w": np.array(ws), "b": np.array(bs)}


# --- the network ------------------------------------------------------------------------


class MLP:
    """A fully connected network with hand-written backpropagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_inputs, n_hidden_1, ..., n_outputs]``, e.g. ``[2, 8, 1]``: one hidden layer.
    hidden_activation : {"relu", "sigmoid", "tanh", "identity"}
    output_activation : {"identity", "sigmoid", "relu", "tanh"}
        ``"identity"`` for regression and autoencoders, ``"sigmoid"`` for probabilities.
    rng : int, numpy.random.Generator or None
        Seeds the weight initialisation.

    Attributes
    ----------
    params : dict of str -> ndarray
        ``"W1", "b1", "W2", "b2", ...``: ``Wl`` has shape ``(n_in, n_out)``, ``bl`` shape
        ``(n_out,)``. These are the live weights: change them and ``forward`` changes.

    Weights start random: He initialisation, N(0, 2/n_in), for layers followed by ReLU and
    Glorot (Xavier), N(0, 2/(n_in + n_out)), otherwise; biases start at 0.

    Example::

        model = MLP([2, 8, 1], hidden_activation="tanh", output_activation="sigmoid", rng=0)
        p = model.forward(X)                                    # (n_samples, 1)
        loss, grads = model.loss_and_gradients(X, y, loss="bce")
        model.params["W1"] -= 0.1 * grads["W1"]                 # one gradient step

    An autoencoder is an MLP with as many outputs as inputs and an identity output,
    e.g. ``MLP([30, 8, 30])``; score samples with ``reconstruction_error``.
    """

    def __init__(self, layer_sizes, hidden_activation="relu", output_activation="identity",
                 rng=None):
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        self.hidden_activation = check_choice(hidden_activation, "hidden_activation",
                                              list(ACTIVATIONS))
        self.output_activation = check_choice(output_activation, "output_activation",
                                              list(ACTIVATIONS))
        rng = as_rng(rng)
        self.params = {}
        sizes = self.layer_sizes
        for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
            he = self._activation_name(layer) == "relu"
            std = np.sqrt(2.0 / n_in) if he else np.sqrt(2.0 / (n_in + n_out))
            self.params[f"W{layer}"] = rng.normal(0.0, std, size=(n_in, n_out))
            self.params[f"b{layer}"] = np.zeros(n_out)

    @property
    def n_layers(self) -> int:
        """Number of weight layers L (hidden layers + the output layer)."""
        return len(self.layer_sizes) - 1

    def _activation_name(self, layer: int) -> str:
        return self.output_activation if layer == self.n_layers else self.hidden_activation

    def forward(self, X, return_cache=False):
        """Run the network on a batch.

        X: ``(n_samples, n_inputs)``. Returns the output ``a⁽ᴸ⁾``, ``(n_samples, n_outputs)``;
        with ``return_cache=True`` returns ``(output, cache)`` where ``cache`` holds every
        intermediate value: ``cache["a0"]`` is X, ``cache["z1"]``, ``cache["a1"]``, ...
        """
        a = self._check_X(X)
        cache = {"a0": a}
        for layer in range(1, self.n_layers + 1):
            f, _ = ACTIVATIONS[self._activation_name(layer)]
            z = a @ self.params[f"W{layer}"] + self.params[f"b{layer}"]
            a = f(z)
            cache[f"z{layer}"], cache[f"a{layer}"] = z, a
        return (a, cache) if return_cache else a

    __call__ = forward

    def predict(self, X):
        """Same as ``forward(X)``: the network's output, ``(n_samples, n_outputs)``."""
        return self.forward(X)

    def compute_loss(self, X, y, loss="mse") -> float:
        """The loss E of the network on ``(X, y)``; ``loss`` is ``"mse"`` or ``"bce"``."""
        loss_fn, _ = LOSSES[self._check_loss(loss)]
        out = self.forward(X)
        return loss_fn(out, self._check_y(y, n_samples=len(out), loss=loss))

    def loss_and_gradients(self, X, y, loss="mse"):
        """Forward pass, then backpropagation: returns ``(E, grads)``.

        X: ``(n_samples, n_inputs)``; y: ``(n_samples, n_outputs)``, or ``(n_samples,)``
        for one output. ``grads`` has the keys and shapes of ``params``: ``grads["W1"]`` is
        ∂E/∂W1, and so on.
        """
        loss_fn, loss_grad = LOSSES[self._check_loss(loss)]
        out, cache = self.forward(X, return_cache=True)
        Y = self._check_y(y, n_samples=len(out), loss=loss)
        L = self.n_layers

        # δ⁽ᴸ⁾ = ∂E/∂z⁽ᴸ⁾ at the output layer
        if loss == "bce":  # sigmoid output (checked): the fused, stable (p − y)/n
            delta = sigmoid_bce_grad(cache[f"z{L}"], Y)
        else:
            _, f_grad = ACTIVATIONS[self.output_activation]
            delta = loss_grad(out, Y) * f_grad(cache[f"z{L}"])

        grads = {}
        _, hidden_grad = ACTIVATIONS[self.hidden_activation]
        for layer in range(L, 0, -1):  # layer = l, from the output back to the input
            grads[f"W{layer}"] = cache[f"a{layer - 1}"].T @ delta   # ∂E/∂W⁽ˡ⁾
            grads[f"b{layer}"] = delta.sum(axis=0)                  # ∂E/∂b⁽ˡ⁾
            if layer > 1:                                           # δ⁽ˡ⁻¹⁾ from δ⁽ˡ⁾
                z_prev = cache[f"z{layer - 1}"]
                delta = (delta @ self.params[f"W{layer}"].T) * hidden_grad(z_prev)
        return loss_fn(out, Y), {k: grads[k] for k in self.params}

    def __repr__(self) -> str:
        return (f"MLP({self.layer_sizes}, hidden_activation={self.hidden_activation!r}, "
                f"output_activation={self.output_activation!r})")

    # --- input checks: what was expected, and what arrived ---

    def _check_X(self, X):
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X has {X.shape[1]} features (columns) but this network "
                             f"expects {self.layer_sizes[0]} (layer_sizes[0]).")
        return X

    def _check_loss(self, loss):
        check_choice(loss, "loss", list(LOSSES))
        if loss == "bce" and self.output_activation != "sigmoid":
            raise ValueError("loss='bce' needs probabilities: build the MLP with "
                             f"output_activation='sigmoid' (it has {self.output_activation!r}).")
        return loss

    def _check_y(self, y, *, n_samples, loss):
        Y = as_float_array(y, "y", ndim=None)
        n_out = self.layer_sizes[-1]
        if Y.ndim == 1 and n_out == 1:
            Y = Y.reshape(-1, 1)
        if Y.ndim != 2 or Y.shape[1] != n_out:
            raise ValueError(f"y must have shape (n_samples, {n_out}) for a network with "
                             f"{n_out} output(s), got shape {Y.shape}.")
        if Y.shape[0] != n_samples:
            raise ValueError(f"y has {Y.shape[0]} rows but X has {n_samples} samples.")
        if loss == "bce" and ((Y < 0) | (Y > 1)).any():
            raise ValueError("loss='bce' needs targets in [0, 1] (0 = normal, 1 = anomaly).")
        return Y


def _check_layer_sizes(layer_sizes) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, (Sequence,
                                                                             np.ndarray)):
        raise TypeError("layer_sizes must be a list of layer widths such as [2, 8, 1], got "
                        f"{type(layer_sizes).__name__}.")
    if len(layer_sizes) < 2:
        raise ValueError("layer_sizes needs at least 2 entries (inputs and outputs), e.g. "
                         f"[2, 8, 1]; got {list(layer_sizes)}.")
    return [check_positive_int(n, f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes)]


# --- training and scoring -------------------------------------------------------------


def train(model, X, y, *, loss="mse", lr=0.1, epochs=100, batch_size=32, rng=None,
          X_val=None, y_val=None, callback=None):
    """Train ``model`` in place with mini-batch stochastic gradient descent.

    Each epoch shuffles the samples (with ``rng``), then for every batch of ``batch_size``
    rows updates each parameter ``p -= lr * ∂E/∂p``. ``batch_size=None`` uses all samples
    (full-batch gradient descent).

    X: ``(n_samples, n_inputs)``; y: ``(n_samples, n_outputs)`` or ``(n_samples,)``.
    callback: optional ``callback(epoch, model, history)``, called after every epoch;
    return ``True`` from it to stop early.

    Returns ``history``: ``{"loss": [...], "val_loss": [...]}``, the loss on the whole
    training (and validation) set after each epoch. If the loss overflows (learning rate
    too large) training stops with a warning, and the last entry is ``inf`` or ``nan``.
    """
    X = model._check_X(X)
    Y = model._check_y(y, n_samples=len(X), loss=model._check_loss(loss))
    if (X_val is None) != (y_val is None):
        raise ValueError("Pass both X_val and y_val, or neither.")
    if X_val is not None:
        X_val = model._check_X(X_val)
        y_val = model._check_y(y_val, n_samples=len(X_val), loss=loss)
    lr = check_number(lr, "lr", low=0.0)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = len(X) if batch_size is None else check_positive_int(batch_size,
                                                                        "batch_size")
    rng = as_rng(rng)

    history = {"loss": [], "val_loss": []}
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
        for epoch in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                batch = order[start:start + batch_size]
                _, grads = model.loss_and_gradients(X[batch], Y[batch], loss)
                for name, grad in grads.items():
                    model.params[name] -= lr * grad   # in place: params stay the same arrays
            history["loss"].append(model.compute_loss(X, Y, loss))
            if X_val is not None:
                history["val_loss"].append(model.compute_loss(X_val, y_val, loss))
            if not np.isfinite(history["loss"][-1]):
                warnings.warn(f"Training diverged in epoch {epoch + 1} (the loss is not "
                              "finite); try a smaller learning rate lr.", RuntimeWarning,
                              stacklevel=2)
                break
            if callback is not None and callback(epoch, model, history):
                break
    return history


def reconstruction_error(model, X):
    """Anomaly score of an autoencoder: per-sample mean squared error, shape ``(n_samples,)``.

    score_i = mean over features j of (X_ij − X̂_ij)², with X̂ = model.forward(X). Higher
    means more anomalous: the model reconstructs well only what resembles its training data.
    (No ½ here: this is a score, not the training loss.)
    """
    X = as_float_array(X, "X", ndim=2)
    X_hat = model.forward(X)
    if X_hat.shape != X.shape:
        raise ValueError(f"The model outputs {X_hat.shape[1]} values per sample but X has "
                         f"{X.shape[1]} features: an autoencoder needs "
                         "layer_sizes[-1] == layer_sizes[0].")
    return np.mean((X - X_hat) ** 2, axis=1)
