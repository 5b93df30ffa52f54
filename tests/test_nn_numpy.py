"""course_utils.nn_numpy: activations, losses, the MLP's backprop, training and scoring."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from course_utils import nn_numpy as nn
from course_utils.checks import check_model_gradients, numerical_gradient, rel_error
from course_utils.nn_numpy import MLP, reconstruction_error, train

# --- activations ------------------------------------------------------------------------------

# away from relu's kink at 0, so the numerical derivative is meaningful
Z = np.array([[-4.0, -1.3, -0.2, 0.3], [0.9, 2.5, -30.0, 30.0]])


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "identity"])
def test_activation_derivative_matches_the_numerical_one(name):
    f, f_grad = nn.ACTIVATIONS[name]
    numerical = numerical_gradient(lambda z: np.sum(f(z)), Z)
    assert f_grad(Z).shape == Z.shape
    np.testing.assert_allclose(f_grad(Z), numerical, rtol=1e-7, atol=1e-10)


def test_activation_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_array_equal(nn.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(nn.relu_grad(z), [0.0, 0.0, 1.0])  # 0 at the kink
    np.testing.assert_allclose(nn.tanh(z), np.tanh(z))
    assert nn.sigmoid_grad(0.0) == 0.25


def test_sigmoid_is_stable_for_large_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        s = nn.sigmoid(np.array([-1000.0, -50.0, 50.0, 1000.0]))
    np.testing.assert_allclose(s, [0.0, 1.9287498479639178e-22, 1.0, 1.0], rtol=1e-12)
    assert 0.0 < s[1] and s[3] == 1.0


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "identity"])
def test_activations_return_new_arrays_and_accept_lists(name):
    f, f_grad = nn.ACTIVATIONS[name]
    z = Z.copy()
    out = f(z)
    out[...] = 7.0
    f_grad(z)
    np.testing.assert_array_equal(z, Z)
    np.testing.assert_allclose(f([[-1.0, 2.0]]), f(np.array([[-1.0, 2.0]])))


# --- losses ----------------------------------------------------------------------------------

def test_mse_convention_half_sum_over_outputs_mean_over_samples():
    y = np.array([[1.0, 2.0], [3.0, 0.0]])
    t = np.zeros((2, 2))
    assert nn.mse(y, t) == pytest.approx((0.5 * (1 + 4) + 0.5 * 9) / 2)
    assert nn.mse([2.0], [0.0]) == 2.0  # one sample, one output: ½(y − t)²
    np.testing.assert_allclose(nn.mse_grad(y, t), y / 2)


def _targets(shape, seed=0):
    return (np.random.default_rng(seed).random(shape) < 0.5).astype(float)


@pytest.mark.parametrize("shape", [(5,), (6, 1), (4, 3)])
def test_loss_gradients_match_numerical_ones(shape):
    rng = np.random.default_rng(1)
    y, t = rng.normal(size=shape), rng.normal(size=shape)
    assert rel_error(nn.mse_grad(y, t), numerical_gradient(lambda v: nn.mse(v, t), y)) < 1e-8

    p, targets = rng.uniform(0.05, 0.95, size=shape), _targets(shape)
    numerical = numerical_gradient(lambda v: nn.binary_cross_entropy(v, targets), p)
    assert rel_error(nn.binary_cross_entropy_grad(p, targets), numerical) < 1e-8

    z = rng.normal(size=shape)
    numerical = numerical_gradient(lambda v: nn.binary_cross_entropy(nn.sigmoid(v), targets), z)
    fused = nn.sigmoid_bce_grad(z, targets)
    assert rel_error(fused, numerical) < 1e-8
    chained = nn.binary_cross_entropy_grad(nn.sigmoid(z), targets) * nn.sigmoid_grad(z)
    np.testing.assert_allclose(fused, chained, rtol=1e-10)


def test_binary_cross_entropy_values_and_clipping():
    assert nn.binary_cross_entropy([0.5, 0.5], [0.0, 1.0]) == pytest.approx(np.log(2))
    assert nn.binary_cross_entropy([[0.9, 0.2]], [[1.0, 0.0]]) == pytest.approx(
        -np.log(0.9) - np.log(0.8))  # summed over outputs, one sample
    worst = nn.binary_cross_entropy([0.0, 1.0], [1.0, 0.0])
    assert np.isfinite(worst) and worst == pytest.approx(-np.log(1e-12), rel=1e-6)
    assert np.isfinite(nn.binary_cross_entropy_grad([0.0, 1.0], [1.0, 0.0])).all()


def test_losses_refuse_mismatched_shapes_with_a_hint():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\).*reshape"):
        nn.mse(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="y_true contains 1 NaN"):
        nn.binary_cross_entropy([0.5], [np.nan])


def test_losses_do_not_modify_their_inputs():
    p, t = np.array([0.0, 0.3, 1.0]), np.array([0.0, 1.0, 1.0])
    p0, t0 = p.copy(), t.copy()
    for fn in (nn.mse, nn.mse_grad, nn.binary_cross_entropy, nn.binary_cross_entropy_grad,
               nn.sigmoid_bce_grad):
        fn(p, t)
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(t, t0)


# --- MLP: construction ----------------------------------------------------------------------

def test_mlp_params_have_the_documented_keys_shapes_and_init():
    model = MLP([3, 5, 4, 2], rng=0)
    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert model.params["W1"].shape == (3, 5) and model.params["b1"].shape == (5,)
    assert model.params["W3"].shape == (4, 2) and model.n_layers == 3
    assert all(v.dtype == np.float64 for v in model.params.values())
    assert all(not model.params[f"b{i}"].any() for i in (1, 2, 3))
    assert repr(model) == ("MLP([3, 5, 4, 2], hidden_activation='relu', "
                           "output_activation='identity')")


def test_mlp_init_scale_is_he_for_relu_and_glorot_otherwise():
    relu_net = MLP([400, 300, 100], "relu", "identity", rng=0)
    tanh_net = MLP([400, 300, 100], "tanh", "identity", rng=0)
    assert relu_net.params["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert tanh_net.params["W1"].std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    assert relu_net.params["W2"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)  # output


def test_mlp_init_is_deterministic_for_a_seed():
    a, b, c = MLP([2, 8, 1], rng=42), MLP([2, 8, 1], rng=42), MLP([2, 8, 1], rng=43)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    d = MLP([2, 8, 1], rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a.params["W1"], d.params["W1"])


@pytest.mark.parametrize("sizes, error, text", [
    ([2], ValueError, "at least 2"),
    ([2, 0, 1], ValueError, r"layer_sizes\[1\] must be >= 1"),
    ([2, 1.5], TypeError, r"layer_sizes\[1\] must be an integer"),
    ("2, 8, 1", TypeError, "list of layer widths"),
    (5, TypeError, "list of layer widths"),
])
def test_mlp_rejects_bad_layer_sizes(sizes, error, text):
    with pytest.raises(error, match=text):
        MLP(sizes)


def test_mlp_rejects_unknown_activations_and_bad_rng():
    with pytest.raises(ValueError, match=r"hidden_activation 'Relu'.*'relu', 'sigmoid', 'tanh'"):
        MLP([2, 3, 1], hidden_activation="Relu")
    with pytest.raises(ValueError, match=r"output_activation 'softmax'.*'identity'"):
        MLP([2, 3, 1], output_activation="softmax")
    with pytest.raises(TypeError, match="rng"):
        MLP([2, 3, 1], rng="seed")


# --- MLP: forward ---------------------------------------------------------------------------

def test_forward_computes_a_W_plus_b_layer_by_layer():
    rng = np.random.default_rng(0)
    model = MLP([3, 4, 2], "tanh", "sigmoid", rng=0)
    for key in model.params:
        model.params[key] += rng.normal(size=model.params[key].shape)
    X = rng.normal(size=(5, 3))
    p = model.params
    expected = nn.sigmoid(np.tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])
    out, cache = model.forward(X, return_cache=True)
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    assert set(cache) == {"a0", "z1", "a1", "z2", "a2"}
    np.testing.assert_array_equal(cache["a0"], X)
    np.testing.assert_allclose(cache["z1"], X @ p["W1"] + p["b1"], rtol=1e-14)
    np.testing.assert_array_equal(cache["a2"], out)
    np.testing.assert_array_equal(model(X), out)
    np.testing.assert_array_equal(model.predict(X), out)


def test_params_are_live():
    model = MLP([2, 3, 1], rng=0)
    X = np.ones((4, 2))
    before = model.forward(X)
    model.params["b2"] += 1.0  # in place
    np.testing.assert_allclose(model.forward(X), before + 1.0)
    model.params["W1"] = np.zeros((2, 3))  # replaced
    np.testing.assert_allclose(model.forward(X), np.zeros((4, 1)) + 1.0)


def test_forward_rejects_bad_input_and_keeps_the_caller_data():
    model = MLP([2, 3, 1], rng=0)
    with pytest.raises(ValueError, match=r"X has 3 features \(columns\).*expects 2"):
        model.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        model.forward(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"2-D.*reshape"):
        model.forward(np.ones(2))
    X = np.array([[1.0, -2.0], [0.5, 3.0]])
    X0 = X.copy()
    _, cache = model.forward(X, return_cache=True)
    cache["a0"][...] = 0.0
    np.testing.assert_array_equal(X, X0)


# --- MLP: backprop, checked against numerical gradients ------------------------------------------

GRAD_CASES = [(sizes, seed) for sizes in ([2, 8, 1], [3, 5, 4, 2], [4, 3, 6, 2, 4])
              for seed in (0, 1)]


def _random_point(sizes, hidden="tanh", output="identity", loss="mse", seed=0, n=11):
    """A model at a random point (random biases: no ReLU input exactly at its kink) and data."""
    rng = np.random.default_rng(seed)
    model = MLP(sizes, hidden, output, rng=rng)
    for key in model.params:
        if key.startswith("b"):
            model.params[key] += rng.normal(0.0, 0.1, size=model.params[key].shape)
    X = rng.normal(size=(n, sizes[0]))
    y = _targets((n, sizes[-1]), seed) if loss == "bce" else rng.normal(size=(n, sizes[-1]))
    return model, X, y


@pytest.mark.parametrize("hidden", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("output, loss", [("identity", "mse"), ("sigmoid", "bce"),
                                          ("sigmoid", "mse"), ("tanh", "mse")])
@pytest.mark.parametrize("sizes, seed", GRAD_CASES)
def test_backprop_matches_numerical_gradients_for_every_parameter(hidden, output, loss, sizes,
                                                                  seed):
    model, X, y = _random_point(sizes, hidden, output, loss, seed)
    errors = check_model_gradients(model, X, y, loss, tol=1e-7, verbose=False)
    assert list(errors) == list(model.params)
    assert max(errors.values()) < 1e-7


def test_backprop_at_initialisation_of_a_small_relu_net():
    rng = np.random.default_rng(5)
    model = MLP([2, 8, 1], "relu", "sigmoid", rng=5)
    X, y = rng.normal(size=(16, 2)), _targets(16, 5)
    assert max(check_model_gradients(model, X, y, "bce", verbose=False).values()) < 1e-7


def test_loss_and_gradients_returns_the_loss_and_param_shaped_grads():
    model, X, y = _random_point([3, 4, 2], "sigmoid", "sigmoid", "bce")
    value, grads = model.loss_and_gradients(X, y, "bce")
    assert value == pytest.approx(nn.binary_cross_entropy(model.forward(X), y), rel=1e-12)
    assert value == pytest.approx(model.compute_loss(X, y, "bce"), rel=1e-12)
    assert list(grads) == list(model.params)
    assert all(grads[k].shape == model.params[k].shape for k in grads)


def test_one_dimensional_targets_mean_one_output():
    model, X, y = _random_point([3, 4, 1])
    loss_2d, grads_2d = model.loss_and_gradients(X, y, "mse")
    loss_1d, grads_1d = model.loss_and_gradients(X, y.ravel(), "mse")
    assert loss_1d == loss_2d
    for key in grads_2d:
        np.testing.assert_array_equal(grads_1d[key], grads_2d[key])


def test_loss_and_gradients_do_not_modify_inputs_or_params():
    model, X, y = _random_point([3, 4, 2])
    X0, y0 = X.copy(), y.copy()
    params0 = {k: v.copy() for k, v in model.params.items()}
    model.loss_and_gradients(X, y, "mse")
    model.compute_loss(X, y, "mse")
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    for key in params0:
        np.testing.assert_array_equal(model.params[key], params0[key])


@pytest.mark.parametrize("call, error, text", [
    (lambda m, X, y: m.loss_and_gradients(X, y, "cross_entropy"), ValueError,
     r"loss 'cross_entropy'.*'mse', 'bce'"),
    (lambda m, X, y: m.loss_and_gradients(X, y, "bce"), ValueError,
     "output_activation='sigmoid'"),
    (lambda m, X, y: m.loss_and_gradients(X, y[:3], "mse"), ValueError,
     "y has 3 rows but X has 6 samples"),
    (lambda m, X, y: m.loss_and_gradients(X, np.ones((6, 3)), "mse"), ValueError,
     r"y must have shape \(n_samples, 2\).*got shape \(6, 3\)"),
    (lambda m, X, y: m.loss_and_gradients(X, y[:, 0], "mse"), ValueError,
     r"2 output\(s\), got shape \(6,\)"),
    (lambda m, X, y: m.loss_and_gradients(X[:, :2], y, "mse"), ValueError,
     "X has 2 features"),
    (lambda m, X, y: m.compute_loss(X, np.where(y > 0, np.nan, y), "mse"), ValueError, "NaN"),
])
def test_loss_and_gradients_errors(call, error, text):
    model, X, y = _random_point([3, 4, 2], n=6)
    with pytest.raises(error, match=text):
        call(model, X, y)


def test_bce_needs_targets_in_zero_one():
    model = MLP([2, 3, 1], "tanh", "sigmoid", rng=0)
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        model.loss_and_gradients(np.ones((2, 2)), [0.0, 2.0], "bce")


# --- training ----------------------------------------------------------------------------------

def _xor(n=200, seed=0):
    """XOR-like data: the label is 1 when the two coordinates have different signs."""
    X = np.random.default_rng(seed).uniform(-1, 1, size=(n, 2))
    return X, (X[:, 0] * X[:, 1] < 0).astype(float)


def test_training_solves_xor():
    X, y = _xor()
    X_val, y_val = _xor(seed=1)
    model = MLP([2, 8, 1], "tanh", "sigmoid", rng=0)
    X0, y0 = X.copy(), y.copy()
    initial = model.compute_loss(X, y, "bce")
    history = train(model, X, y, loss="bce", lr=0.5, epochs=150, batch_size=20, rng=0,
                    X_val=X_val, y_val=y_val)
    assert len(history["loss"]) == len(history["val_loss"]) == 150
    assert history["loss"][-1] < 0.3 * initial
    accuracy = np.mean((model.forward(X_val)[:, 0] > 0.5) == y_val)
    assert accuracy > 0.9
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_a_linear_model_cannot_solve_xor():
    """The control for the test above: without a hidden non-linearity, XOR stays unsolved."""
    X, y = _xor()
    model = MLP([2, 1], output_activation="sigmoid", rng=0)
    train(model, X, y, loss="bce", lr=0.5, epochs=50, batch_size=20, rng=0)
    assert np.mean((model.forward(X)[:, 0] > 0.5) == y) < 0.7


def test_training_is_deterministic_and_updates_params_in_place():
    X, y = _xor(60)
    runs = []
    for _ in range(2):
        model = MLP([2, 4, 1], "relu", "sigmoid", rng=3)
        live = dict(model.params)
        runs.append(train(model, X, y, loss="bce", lr=0.3, epochs=5, batch_size=8, rng=7))
        assert all(model.params[k] is live[k] for k in live)
    assert runs[0] == runs[1]
    assert runs[0]["val_loss"] == []
    other_order = train(MLP([2, 4, 1], "relu", "sigmoid", rng=3), X, y, loss="bce", lr=0.3,
                        epochs=5, batch_size=8, rng=8)  # rng shuffles the batches
    assert other_order["loss"] != runs[0]["loss"]


def test_full_batch_training_and_callback_can_stop_early():
    X, y = _xor(40)
    model = MLP([2, 4, 1], "tanh", "identity", rng=0)
    seen = []

    def callback(epoch, model_, history):
        seen.append((epoch, len(history["loss"])))
        return epoch == 2

    history = train(model, X, y, lr=0.1, epochs=10, batch_size=None, rng=0, callback=callback)
    assert seen == [(0, 1), (1, 2), (2, 3)]
    assert len(history["loss"]) == 3


def test_training_stops_with_a_warning_when_it_diverges():
    X, y = _xor(40)
    model = MLP([2, 8, 1], "relu", "identity", rng=0)
    with pytest.warns(RuntimeWarning, match="diverged.*smaller learning rate"):
        history = train(model, X * 100, y, lr=10.0, epochs=50, batch_size=40, rng=0)
    assert len(history["loss"]) < 50
    assert not np.isfinite(history["loss"][-1])


@pytest.mark.parametrize("kwargs, error, text", [
    ({"lr": 0}, ValueError, "lr must be a finite number > 0"),
    ({"lr": "fast"}, TypeError, "lr must be a number"),
    ({"epochs": 0}, ValueError, "epochs must be >= 1"),
    ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
    ({"X_val": np.ones((3, 2))}, ValueError, "both X_val and y_val"),
    ({"X_val": np.ones((3, 2)), "y_val": np.ones(2)}, ValueError, "y has 2 rows"),
    ({"X_val": np.ones((3, 4)), "y_val": np.ones(3)}, ValueError, "X has 4 features"),
    ({"loss": "hinge"}, ValueError, "expected one of 'mse', 'bce'"),
    ({"rng": 1.5}, TypeError, "rng"),
])
def test_train_rejects_bad_arguments(kwargs, error, text):
    X, y = _xor(10)
    with pytest.raises(error, match=text):
        train(MLP([2, 3, 1], rng=0), X, y, **kwargs)


# --- the autoencoder score -------------------------------------------------------------------

def test_reconstruction_error_is_the_per_sample_mean_squared_error():
    model, X, _ = _random_point([4, 2, 4], n=9)
    X0 = X.copy()
    scores = reconstruction_error(model, X)
    assert scores.shape == (9,)
    np.testing.assert_allclose(scores, ((X - model.forward(X)) ** 2).mean(axis=1), rtol=1e-14)
    np.testing.assert_array_equal(X, X0)


def test_reconstruction_error_needs_an_autoencoder():
    with pytest.raises(ValueError, match=r"layer_sizes\[-1\] == layer_sizes\[0\]"):
        reconstruction_error(MLP([4, 2, 3], rng=0), np.ones((5, 4)))


def test_an_autoencoder_trained_on_normal_data_scores_anomalies_higher():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(2, 4))
    normal = rng.normal(size=(300, 2)) @ basis          # normal data: a plane in 4-D
    anomalies = normal[:20] + rng.normal(0, 1.0, size=(20, 4))   # pushed off the plane
    model = MLP([4, 2, 4], "identity", "identity", rng=0)
    history = train(model, normal, normal, lr=0.02, epochs=60, batch_size=30, rng=0)
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    normal_scores = reconstruction_error(model, normal)
    anomaly_scores = reconstruction_error(model, anomalies)
    assert np.median(anomaly_scores) > 10 * np.quantile(normal_scores, 0.95)


def test_public_api_is_listed_and_documented():
    for name in nn.__all__:
        assert getattr(nn, name) is not None
        if callable(getattr(nn, name)):
            assert getattr(nn, name).__doc__, name
    for method in ("forward", "compute_loss", "loss_and_gradients", "predict"):
        assert getattr(MLP, method).__doc__


# --- one neuron (notebook 01) ------------------------------------------------------------------

def _neuron_data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(-1.0, 1.2, size=(n // 2, 2)), rng.normal(1.0, 1.2, size=(n // 2, 2))])
    return X, np.r_[np.zeros(n // 2), np.ones(n // 2)]


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_neuron_gradients_match_numerical_ones_and_the_mlp(loss):
    X, t = _neuron_data()
    w, b = np.array([0.7, -1.3]), 0.4
    value, dw, db = nn.neuron_loss_and_gradients(w, b, X, t, loss)
    assert dw.shape == (2,) and isinstance(db, float) and isinstance(value, float)
    num_w = numerical_gradient(lambda v: nn.neuron_loss_and_gradients(v, b, X, t, loss)[0], w)
    num_b = numerical_gradient(lambda v: nn.neuron_loss_and_gradients(w, v, X, t, loss)[0], b)
    assert rel_error(dw, num_w) < 1e-8 and rel_error(np.array(db), num_b) < 1e-8
    model = MLP([2, 1], output_activation="sigmoid", rng=0)   # a neuron is an MLP without hidden layers
    model.params["W1"][:, 0], model.params["b1"][0] = w, b
    mlp_value, grads = model.loss_and_gradients(X, t, loss)
    assert value == pytest.approx(mlp_value, rel=1e-12)
    np.testing.assert_allclose(dw, grads["W1"][:, 0], rtol=1e-12)
    assert db == pytest.approx(grads["b1"][0], rel=1e-12)


def test_neuron_gradients_formulas():
    X, t = _neuron_data()
    w, b = np.array([0.2, 0.5]), -0.1
    z = X @ w + b
    y = nn.sigmoid(z)
    _, dw, db = nn.neuron_loss_and_gradients(w, b, X, t, "mse")
    np.testing.assert_allclose(dw, X.T @ ((y - t) * y * (1 - y)) / len(t), rtol=1e-12)
    _, dw, db = nn.neuron_loss_and_gradients(w, b, X, t, "bce")
    assert db == pytest.approx(np.mean(y - t), rel=1e-12)


def test_train_neuron_history_shapes_and_plain_gradient_descent():
    X, t = _neuron_data()
    X0 = X.copy()
    h = nn.train_neuron(X, t, lr=0.5, epochs=20, loss="bce")
    assert h["loss"].shape == (21,) and h["w"].shape == (21, 2) and h["b"].shape == (21,)
    assert h["loss"][0] == pytest.approx(np.log(2)) and not h["w"][0].any()
    _, dw, db = nn.neuron_loss_and_gradients(h["w"][3], h["b"][3], X, t, "bce")
    np.testing.assert_allclose(h["w"][4], h["w"][3] - 0.5 * dw, rtol=1e-12)
    assert h["b"][4] == pytest.approx(h["b"][3] - 0.5 * db, rel=1e-12)
    assert h["loss"][7] == pytest.approx(nn.neuron_loss_and_gradients(h["w"][7], h["b"][7], X, t,
                                                                     "bce")[0], rel=1e-12)
    assert np.all(np.diff(h["loss"]) < 0)
    np.testing.assert_array_equal(X, X0)


def test_train_neuron_learning_rate_regimes():
    X, t = _neuron_data()
    small = nn.train_neuron(X, t, lr=1e-3, epochs=50)["loss"]
    good = nn.train_neuron(X, t, lr=1.0, epochs=50)["loss"]
    huge = nn.train_neuron(X, t, lr=1e3, epochs=50)["loss"]
    assert small[-1] > 0.9 * small[0]            # barely moved
    assert good[-1] < 0.3 * good[0]              # converged
    assert huge[-1] > huge[0] and (np.diff(huge) > 0).sum() > 5   # jumps up: divergent
    assert np.isfinite(huge).all()


def test_train_neuron_momentum():
    X, t = _neuron_data()
    h = nn.train_neuron(X, t, lr=0.1, epochs=10, momentum=0.9, w0=[0.5, -0.5], b0=0.2)
    w, b, v_w, v_b = np.array([0.5, -0.5]), 0.2, np.zeros(2), 0.0
    for epoch in range(10):      # the documented update, written out
        _, g_w, g_b = nn.neuron_loss_and_gradients(w, b, X, t, "bce")
        v_w, v_b = 0.9 * v_w + g_w, 0.9 * v_b + g_b
        w, b = w - 0.1 * v_w, b - 0.1 * v_b
        np.testing.assert_allclose(h["w"][epoch + 1], w, rtol=1e-12)
    plain = nn.train_neuron(X, t, lr=0.1, epochs=10)
    assert h["loss"][-1] < plain["loss"][-1]


@pytest.mark.parametrize("kwargs, error, text", [
    ({"lr": 0}, ValueError, "lr must be a finite number > 0"),
    ({"lr": "fast"}, TypeError, "lr must be a number"),
    ({"lr": 0.1, "momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\)"),
    ({"lr": 0.1, "loss": "hinge"}, ValueError, "expected one of 'mse', 'bce'"),
    ({"lr": 0.1, "w0": [1.0, 2.0, 3.0]}, ValueError, "w0 has 3 weights but X has 2"),
    ({"lr": 0.1, "epochs": 0}, ValueError, "epochs must be >= 1"),
])
def test_train_neuron_rejects_bad_arguments(kwargs, error, text):
    X, t = _neuron_data(10)
    with pytest.raises(error, match=text):
        nn.train_neuron(X, t, **kwargs)


def test_neuron_functions_reject_mismatched_data():
    X, t = _neuron_data(10)
    with pytest.raises(ValueError, match="y has 9 labels but X has 10 samples"):
        nn.neuron_loss_and_gradients(np.zeros(2), 0.0, X, t[:-1])
    with pytest.raises(ValueError, match="w has 3 weights but X has 2 features"):
        nn.neuron_loss_and_gradients(np.zeros(3), 0.0, X, t)
