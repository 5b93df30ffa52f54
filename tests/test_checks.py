"""course_utils.checks: numerical gradients and checks that name the learner's mistake."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import checks
from course_utils.checks import (
    check_close,
    check_function,
    check_gradient,
    check_gradients,
    check_model_gradients,
    check_shape,
    check_value,
    numerical_gradient,
    rel_error,
)
from course_utils.nn_numpy import MLP, mse, relu, tanh_grad

# --- a small linear-regression problem: E(W) = mse(X W, T), dE/dW = Xᵀ (XW − T) / n ------

N_SAMPLES = 8


@pytest.fixture
def problem():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(N_SAMPLES, 3))
    T = rng.normal(size=(N_SAMPLES, 2))
    W = rng.normal(size=(3, 2))

    def loss(w):
        return mse(X @ w, T)

    grad = X.T @ (X @ W - T) / N_SAMPLES
    return loss, W, grad


# --- rel_error ------------------------------------------------------------------------------

def test_rel_error_values():
    a = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(2 * a, a) == pytest.approx(1 / 3)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, a + 1e-9) == pytest.approx(rel_error(a + 1e-9, a))


def test_rel_error_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"same shape.*\(2,\).*\(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


# --- numerical_gradient -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 2, 2)])
def test_numerical_gradient_has_the_shape_of_x_and_is_accurate(shape):
    x = np.random.default_rng(0).normal(size=shape)
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8, atol=1e-10)


def test_numerical_gradient_leaves_x_unchanged():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    before = x.copy()
    seen = []
    numerical_gradient(lambda v: seen.append(v) or float(np.sum(np.sin(v))), x)
    np.testing.assert_array_equal(x, before)
    assert all(v is not x for v in seen)  # f worked on a copy, never on the caller's array


def test_numerical_gradient_accepts_lists_and_ints():
    grad = numerical_gradient(lambda v: float(v @ v), [1, 2, 3])
    np.testing.assert_allclose(grad, [2.0, 4.0, 6.0], rtol=1e-9)


def test_numerical_gradient_needs_a_scalar_function():
    with pytest.raises(TypeError, match=r"one number.*\.sum\(\)"):
        numerical_gradient(lambda v: v ** 2, np.ones(3))


@pytest.mark.parametrize("eps", [0, -1e-5, "small", np.inf])
def test_numerical_gradient_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(np.sum, np.ones(2), eps=eps)


# --- check_gradient: passes on the right gradient, names the wrong ones --------------------------

def test_check_gradient_passes_on_the_correct_gradient(problem, capsys):
    loss, W, grad = problem
    W_before, grad_before = W.copy(), grad.copy()
    err = check_gradient(loss, W, grad, name="dE/dW")
    assert 0 <= err < 1e-7
    assert capsys.readouterr().out == ("✓ dE/dW matches the numerical gradient "
                                       "(relative error < 1e-7).\n")
    np.testing.assert_array_equal(W, W_before)
    np.testing.assert_array_equal(grad, grad_before)


def test_check_gradient_can_be_quiet(problem, capsys):
    loss, W, grad = problem
    check_gradient(loss, W, grad, verbose=False)
    assert capsys.readouterr().out == ""


def _failure(problem_fixture, wrong):
    loss, W, _ = problem_fixture
    with pytest.raises(AssertionError) as info:
        check_gradient(loss, W, wrong, name="dE/dW")
    return str(info.value)


def test_check_gradient_names_a_flipped_sign(problem):
    msg = _failure(problem, -problem[2])
    assert "opposite sign" in msg and "(target − output)" in msg
    assert "relative error 1.0e+00" in msg


def test_check_gradient_names_a_transposed_weight_gradient(problem):
    msg = _failure(problem, problem[2].T)
    assert "wrong shape: expected (3, 2)" in msg and "got (2, 3)" in msg
    assert "transposed" in msg and "a_prev.T @ delta" in msg


def test_check_gradient_names_a_transposed_square_gradient():
    rng = np.random.default_rng(2)
    X, T, W = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), rng.normal(size=(3, 3))
    grad = X.T @ (X @ W - T) / 6
    with pytest.raises(AssertionError, match="transpose of the numerical one"):
        check_gradient(lambda w: mse(X @ w, T), W, grad.T)


def test_check_gradient_names_a_factor_of_two(problem):
    msg = _failure(problem, 2 * problem[2])
    assert "2 × the numerical one" in msg and "½(output − target)²" in msg


def test_check_gradient_names_a_missing_half_the_other_way(problem):
    msg = _failure(problem, 0.5 * problem[2])
    assert "0.5 × the numerical one" in msg and "2(output − target)" in msg


def test_check_gradient_names_the_missing_one_over_n(problem):
    msg = _failure(problem, N_SAMPLES * problem[2])
    assert f"{N_SAMPLES} × the numerical one" in msg and "1/n of the mean" in msg


def test_check_gradient_names_a_double_one_over_n(problem):
    msg = _failure(problem, problem[2] / N_SAMPLES)
    assert "0.125 × the numerical one" in msg and "divide by n twice" in msg


def test_check_gradient_names_sign_and_factor_together(problem):
    msg = _failure(problem, -N_SAMPLES * problem[2])
    assert "sign is flipped" in msg and "1/n of the mean" in msg


def test_check_gradient_reports_an_unexplained_factor(problem):
    msg = _failure(problem, 1.37 * problem[2])
    assert "1.37 × the numerical one" in msg and "constant factor" in msg


@pytest.mark.parametrize("wrong_shape", [(2, 2), (3,), (3, 2, 1)])
def test_check_gradient_names_a_wrong_shape(problem, wrong_shape):
    msg = _failure(problem, np.ones(wrong_shape))
    assert f"expected (3, 2) (the shape of x), got {wrong_shape}" in msg


def test_check_gradient_spots_a_bias_gradient_not_summed_over_samples():
    rng = np.random.default_rng(3)
    X, T, b = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), rng.normal(size=2)
    per_sample = (X + b - T) / 5  # δ, one row per sample: forgot .sum(axis=0)
    with pytest.raises(AssertionError, match=r"one entry per sample.*sum\(axis=0\)"):
        check_gradient(lambda v: mse(X + v, T), b, per_sample)
    check_gradient(lambda v: mse(X + v, T), b, per_sample.sum(axis=0), verbose=False)


def test_check_gradient_reports_where_an_unexplained_error_is(problem):
    wrong = problem[2].copy()
    wrong[2, 1] += 0.3
    msg = _failure(problem, wrong)
    assert "relative error" in msg and "> tolerance 1e-7" in msg
    assert "at index (2, 1)" in msg and "1 of 6 entries differ" in msg


@pytest.mark.parametrize("answer, text", [(None, "forget to `return`"),
                                          ("abc", "should be numbers"),
                                          (np.full((3, 2), np.nan), "NaN"),
                                          (np.zeros((3, 2)), "all zeros")])
def test_check_gradient_explains_missing_or_broken_answers(problem, answer, text):
    assert text in _failure(problem, answer)


def test_check_gradient_mentions_the_relu_kink():
    x = np.array([0.0, 1.0])  # relu is not differentiable at 0
    with pytest.raises(AssertionError, match="kink"):
        check_gradient(lambda v: float(relu(v).sum()), x, np.array([0.0, 1.0]))


# --- check_model_gradients ----------------------------------------------------------------------

def _random_problem(seed=0):
    rng = np.random.default_rng(seed)
    model = MLP([3, 5, 2], "tanh", "identity", rng=seed)
    return model, rng.normal(size=(7, 3)), rng.normal(size=(7, 2))


def test_check_model_gradients_passes_and_restores_the_params(capsys):
    model, X, y = _random_problem()
    live = dict(model.params)
    values = {k: v.copy() for k, v in model.params.items()}
    errors = check_model_gradients(model, X, y, "mse")
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) < 1e-7
    assert "✓ all 4 parameter gradients match" in capsys.readouterr().out
    for key in live:
        assert model.params[key] is live[key]
        np.testing.assert_array_equal(model.params[key], values[key])


class _BuggyMLP(MLP):
    """An MLP whose backward pass forgets the ½ of the MSE in W2."""

    def loss_and_gradients(self, X, y, loss="mse"):
        value, grads = super().loss_and_gradients(X, y, loss)
        grads["W2"] = 2 * grads["W2"]
        return value, grads


def test_check_model_gradients_names_the_wrong_parameter():
    model, X, y = _random_problem()
    buggy = _BuggyMLP([3, 5, 2], "tanh", "identity", rng=0)
    buggy.params = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(AssertionError, match=r"dE/dW2 does not match(.|\n)*2 × the numerical"):
        check_model_gradients(buggy, X, y, "mse")


# --- check_shape, check_close, check_value ---------------------------------------------------

def test_check_shape_passes_with_wildcards(capsys):
    check_shape(np.zeros((32, 8)), (None, 8), "h")
    assert capsys.readouterr().out == "✓ h has the expected shape (32, 8).\n"


@pytest.mark.parametrize("shape, expected, text", [
    ((8, 4), (4, 8), "looks transposed"),
    ((4,), (4, 1), "reshape it with .reshape(4, 1)"),
    ((4, 1), (None, 2), "expected (n, 2), got (4, 1)"),
    ((1,), (), "single number"),
])
def test_check_shape_failures(shape, expected, text):
    with pytest.raises(AssertionError, match="h has the wrong shape") as info:
        check_shape(np.zeros(shape), expected, "h")
    assert text in str(info.value)


def test_check_shape_on_none():
    with pytest.raises(AssertionError, match="None"):
        check_shape(None, (2,), "h")


def test_check_close_passes_and_fails(capsys):
    check_close([1.0, 2.0], np.array([1.0, 2.0 + 1e-9]), "y")
    assert capsys.readouterr().out == "✓ y is correct.\n"
    with pytest.raises(AssertionError, match=r"y does not match(.|\n)*index \(1,\)"):
        check_close([1.0, 2.5, 3.0], [1.0, 2.0, 3.0], "y")
    with pytest.raises(AssertionError, match="opposite sign"):
        check_close([-1.0, 2.0, -3.0], [1.0, -2.0, 3.0], "y")
    with pytest.raises(AssertionError, match=r"expected \(3,\), got \(3, 1\)"):
        check_close(np.zeros((3, 1)), np.zeros(3), "y")


def test_check_value_numbers_strings_and_hints(capsys):
    check_value(0.25, 1 / 4, "max slope")
    check_value("relu", "relu", "activation")
    assert capsys.readouterr().out == "✓ max slope is correct.\n✓ activation is correct.\n"
    with pytest.raises(AssertionError, match=r"yours 0\.3, expected 0\.25(.|\n)*Hint: σ′"):
        check_value(0.3, 0.25, "max slope", hint="σ′(0) = σ(0)(1 − σ(0)).")
    with pytest.raises(AssertionError, match=r"'tanh', expected 'relu'\.\nHint: kinks"):
        check_value("tanh", "relu", "activation", hint="kinks")
    with pytest.raises(AssertionError, match="2 × the expected one"):
        check_value(5.0, 2.5, "loss")  # the ½ of ½(y − t)² forgotten in a loss value


def test_check_value_does_not_call_a_near_miss_a_flipped_sign():
    # got = 1.0001 × expected (1e-4 < |c - 1| < 1e-3), outside a tight atol: a plain
    # difference, not "opposite sign"
    with pytest.raises(AssertionError, match=r"yours 0\.948, expected 0\.9479") as err:
        check_value(0.948, 0.9479, "mean", atol=5e-5, rtol=0)
    assert "opposite sign" not in str(err.value)
    with pytest.raises(AssertionError, match="opposite sign"):
        check_value(-0.9479, 0.9479, "mean", atol=5e-5, rtol=0)


# --- check_function ---------------------------------------------------------------------------

Z_CASES = [np.linspace(-3, 3, 7), np.array([[0.5, -0.5], [2.0, -2.0]])]


def test_check_function_passes_and_prints(capsys):
    def my_tanh_grad(z):
        return 1 - np.tanh(z) ** 2

    check_function(my_tanh_grad, tanh_grad, Z_CASES)
    assert capsys.readouterr().out == "✓ my_tanh_grad is correct.\n"
    check_function(my_tanh_grad, tanh_grad, Z_CASES, name="tanh_grad")
    assert capsys.readouterr().out == "✓ tanh_grad is correct.\n"


def test_check_function_reports_the_input_and_the_hint():
    def wrong_tanh_grad(z):
        return 1 - np.tanh(z)

    with pytest.raises(AssertionError) as info:
        check_function(wrong_tanh_grad, tanh_grad, Z_CASES, name="tanh_grad",
                       hint="d/dz tanh(z) = 1 − tanh(z)².")
    msg = str(info.value)
    assert msg.startswith("tanh_grad does not match")
    assert "For test input #1 (array([-3., -2.," in msg
    assert msg.endswith("Hint: d/dz tanh(z) = 1 − tanh(z)².")


def test_check_function_catches_in_place_changes():
    def relu_in_place(z):
        z[z < 0] = 0
        return z

    original = Z_CASES[0].copy()
    with pytest.raises(AssertionError, match="changed its input"):
        check_function(relu_in_place, relu, Z_CASES)
    np.testing.assert_array_equal(Z_CASES[0], original)  # the learner got a copy


def test_check_function_reports_an_exception():
    def broken(z):
        return z @ np.ones((5, 5))

    with pytest.raises(AssertionError, match=r"broken raised ValueError(.|\n)*input #1"):
        check_function(broken, relu, Z_CASES)


def test_check_function_with_several_arguments_and_tuple_results():
    def reference(y, t):
        return mse(y, t), (y - t) / len(y)

    def mine(y, t):
        return 0.5 * np.mean(np.sum((y - t) ** 2, axis=1)), (y - t) / len(y)

    def mine_wrong(y, t):
        return mse(y, t), (t - y) / len(y)

    rng = np.random.default_rng(0)
    cases = [(rng.normal(size=(4, 2)), rng.normal(size=(4, 2))) for _ in range(2)]
    check_function(mine, reference, cases, verbose=False)
    with pytest.raises(AssertionError, match=r"mine_wrong\[1\] does not match(.|\n)*opposite"):
        check_function(mine_wrong, reference, cases)
    with pytest.raises(AssertionError, match="should return 2 values"):
        check_function(lambda y, t: mse(y, t), reference, cases)


def test_check_function_compares_dicts():
    def reference(x):
        return {"W1": 2 * x, "b1": x.sum()}

    check_function(lambda x: {"W1": 2 * x, "b1": x.sum()}, reference, [np.ones(3)],
                   verbose=False)
    with pytest.raises(AssertionError, match=r"f\['W1'\] does not match"):
        check_function(lambda x: {"W1": 3 * x, "b1": x.sum()}, reference, [np.ones(3)],
                       name="f")
    with pytest.raises(AssertionError, match="dict with keys"):
        check_function(lambda x: {"W1": 2 * x}, reference, [np.ones(3)], name="f")


def test_public_api_is_listed():
    assert set(checks.__all__) == {
        "rel_error", "numerical_gradient", "check_gradient", "check_gradients",
        "check_model_gradients", "check_backward_lines", "check_shape", "check_close",
        "check_value", "check_function"}
    for name in checks.__all__:
        assert getattr(checks, name).__doc__


# --- check_gradients: every parameter of a dict at once -----------------------------------------

def _two_layer_problem(seed=0):
    """A tanh layer then a linear one, its loss as a function of a parameter dict, backprop."""
    rng = np.random.default_rng(seed)
    X, T = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4),
              "W2": rng.normal(size=(4, 2)), "b2": rng.normal(size=2)}

    def loss_fn(p):
        return mse(np.tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"], T)

    def grads_fn(p, bug=None):
        z1 = X @ p["W1"] + p["b1"]
        a1 = np.tanh(z1)
        d2 = (a1 @ p["W2"] + p["b2"] - T) / len(X)
        d1 = (d2 @ p["W2"].T) * (tanh_grad(a1) if bug == "grad of a" else tanh_grad(z1))
        return {"W1": X.T @ d1, "b1": d1.sum(axis=0), "W2": a1.T @ d2, "b2": d2.sum(axis=0)}

    return loss_fn, params, grads_fn


def test_check_gradients_passes_for_a_dict_or_a_function(capsys):
    loss_fn, params, grads_fn = _two_layer_problem()
    before = {k: v.copy() for k, v in params.items()}
    errors = check_gradients(loss_fn, params, grads_fn(params))
    assert list(errors) == ["W1", "b1", "W2", "b2"] and max(errors.values()) < 1e-7
    assert capsys.readouterr().out == ("✓ all 4 parameter gradients match the numerical ones "
                                       "(relative error < 1e-7).\n")
    assert check_gradients(loss_fn, params, grads_fn, verbose=False).keys() == errors.keys()
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


def test_check_gradients_accepts_scalar_parameters():
    x = np.array([1.0, -2.0, 0.5])
    params = {"w": 0.3, "b": -0.2}
    errors = check_gradients(lambda p: float(np.sum((p["w"] * x + p["b"]) ** 2)), params,
                             {"w": 2 * np.sum((0.3 * x - 0.2) * x),
                              "b": 2 * np.sum(0.3 * x - 0.2)}, verbose=False)
    assert max(errors.values()) < 1e-7


def test_check_gradients_says_which_parameters_are_wrong():
    loss_fn, params, grads_fn = _two_layer_problem()
    with pytest.raises(AssertionError) as info:
        check_gradients(loss_fn, params, lambda p: grads_fn(p, bug="grad of a"))
    msg = str(info.value)
    assert msg.startswith("dE/dW1 does not match the numerical gradient")
    assert msg.endswith("Right: W2, b2. Wrong: W1, b1.")


def test_check_gradients_names_wrong_shapes_and_missing_keys():
    loss_fn, params, grads_fn = _two_layer_problem()
    grads = grads_fn(params)
    with pytest.raises(AssertionError, match=r"dE/dW2 has the wrong shape(.|\n)*transposed"):
        check_gradients(loss_fn, params, {**grads, "W2": grads["W2"].T})
    with pytest.raises(AssertionError, match=r"no entry for 'b2'"):
        check_gradients(loss_fn, params, {k: v for k, v in grads.items() if k != "b2"})
    with pytest.raises(AssertionError, match="should be a dict"):
        check_gradients(loss_fn, params, [grads["W1"]])
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        check_gradients(loss_fn, [params["W1"]], grads)


def test_check_gradient_accepts_a_gradient_function(problem):
    loss, W, grad = problem
    seen = []

    def my_grad(w):
        seen.append(w)
        return grad

    assert check_gradient(loss, W, my_grad, verbose=False) < 1e-7
    assert seen[0] is not W  # the learner's function gets a copy
    with pytest.raises(AssertionError, match="opposite sign"):
        check_gradient(loss, W, lambda w: -grad)


# --- exercises not attempted yet: stubs print one line instead of failing ------------------------

def _stub(*args):
    raise NotImplementedError("your code here")


def my_tanh_grad(z):
    raise NotImplementedError


NOT_ATTEMPTED = "not attempted yet"


@pytest.mark.parametrize("call, what", [
    (lambda: check_value(..., 0.25, name="max_slope"), "max_slope"),
    (lambda: check_close(..., [1.0, 2.0], name="y_hat"), "y_hat"),
    (lambda: check_shape(..., (3, 2), name="h"), "h"),
    (lambda: check_function(my_tanh_grad, tanh_grad, Z_CASES), "my_tanh_grad"),
    (lambda: check_function(_stub, tanh_grad, Z_CASES, name="tanh_grad"), "_stub"),
    (lambda: check_gradient(np.sum, np.ones(3), ..., name="dE/dw"), "dE/dw"),
    (lambda: check_gradient(np.sum, np.ones(3), my_tanh_grad), "my_tanh_grad"),
    (lambda: check_gradient(lambda w: _stub(w), np.ones(3), np.ones(3)), "_stub"),
    (lambda: check_gradients(np.sum, {"w": np.ones(2)}, my_tanh_grad), "my_tanh_grad"),
    (lambda: check_gradients(np.sum, {"w": np.ones(2)}, {"w": ...}), "dE/dw"),
    (lambda: check_function(lambda z: (..., z), lambda z: (z, 2 * z), Z_CASES, name="f"), "f"),
    (lambda: check_function(lambda z: (..., z), lambda z: (z, z[:1]), Z_CASES, name="f"), "f[0]"),
])
def test_a_stub_prints_not_attempted_instead_of_failing(call, what, capsys):
    assert call() is None
    out = capsys.readouterr().out
    assert out.startswith(f"⏳ {what} {NOT_ATTEMPTED}:") and out.endswith(
        "above and run this cell again.\n") and out.count("\n") == 1


def test_not_attempted_messages_say_what_to_do(capsys):
    check_value(..., 0.25, name="max_slope")
    check_function(my_tanh_grad, tanh_grad, Z_CASES)
    assert capsys.readouterr().out.splitlines() == [
        "⏳ max_slope not attempted yet: replace the ... in max_slope with your answer above "
        "and run this cell again.",
        "⏳ my_tanh_grad not attempted yet: implement my_tanh_grad() above and run this cell "
        "again."]


def test_a_stub_model_is_not_attempted(capsys):
    class StubMLP(MLP):
        def loss_and_gradients(self, X, y, loss="mse"):
            raise NotImplementedError

    model, X, y = _random_problem()
    stub = StubMLP([3, 5, 2], "tanh", "identity", rng=0)
    assert check_model_gradients(stub, X, y) is None
    assert "loss_and_gradients not attempted yet" in capsys.readouterr().out


def test_after_a_stub_the_checks_work_normally(capsys):
    check_value(..., 0.25, name="max_slope")
    with pytest.raises(AssertionError, match="yours 0.3"):
        check_value(0.3, 0.25, name="max_slope")
    check_value(0.25, 0.25, name="max_slope")
    assert capsys.readouterr().out.splitlines()[-1] == "✓ max_slope is correct."
    assert checks._depth == 0


def test_other_errors_in_the_learners_code_still_fail():
    def broken(z):
        return z @ np.ones((5, 5))

    with pytest.raises(AssertionError, match="broken raised ValueError"):
        check_function(broken, tanh_grad, Z_CASES)
    with pytest.raises(ZeroDivisionError):
        check_gradient(lambda w: 1 / 0, np.ones(2), np.ones(2))


def test_check_value_names_a_reversed_shape():
    with pytest.raises(AssertionError, match=r"reverse order(.|\n)*\(n_inputs, n_neurons\)"):
        check_value((8, 30), (30, 8), name="dW1_shape")
    check_value((30, 8), (30, 8), name="dW1_shape", verbose=False)
