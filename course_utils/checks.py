"""Checks for learners' work: numerical gradients and friendly, specific hints.

Two kinds of helpers:

* tools: ``rel_error(a, b)`` and ``numerical_gradient(f, x)``;
* checks: ``check_gradient``, ``check_gradients`` (every parameter of a dict at once),
  ``check_model_gradients``, ``check_backward_lines`` (a backward pass written line by
  line, each line checked on its own), ``check_shape``, ``check_close``, ``check_value`` and
  ``check_function``. A check prints a one-line ``✓`` message when the work is right and
  raises ``AssertionError`` when it is not, with a message that names the likely mistake:
  a flipped sign, a transposed matrix, a missing or extra constant factor (the ½ of
  ½(output − target)², the 1/n of a mean), a sum over the wrong axis, a wrong shape, an
  all-zero result, a function that
  changed its input. Pass ``verbose=False`` to silence the ``✓`` line.

Exercises are CI-safe: an exercise gives a stub that raises ``NotImplementedError`` (or an
answer set to ``...``). Given such a stub, every check prints one line instead of
failing, ``⏳ X not attempted yet: implement X above and run this cell again.``, and
returns ``None``; so a notebook whose exercises are not done still runs top to bottom.

The success lines print the tolerance, not the measured error: the measured error is
round-off (about 1e-11) and differs between CPUs, so stored notebook outputs stay stable.
"""

from __future__ import annotations

import copy
import functools
from numbers import Real

import numpy as np

from ._validate import as_float_array

__all__ = ["rel_error", "numerical_gradient", "check_gradient", "check_gradients",
           "check_model_gradients", "check_backward_lines", "check_shape", "check_close", "check_value",
           "check_function"]


# --- exercises not attempted yet: a stub prints one line instead of failing ---------------


class _NotAttempted(Exception):
    """Raised inside a check when the learner's answer is still the ``...`` placeholder."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


_depth = 0  # how many checks are running (checks call each other; only the outermost reports)


def _stub_name(err: NotImplementedError) -> str | None:
    """The name of the function that raised ``NotImplementedError`` (the stub), if it has one."""
    tb, name = err.__traceback__, None
    while tb is not None:
        name, tb = tb.tb_frame.f_code.co_name, tb.tb_next
    return name if name and name.isidentifier() else None


def _not_attempted_line(err, check_name) -> str:
    if isinstance(err, _NotAttempted):
        return (f"⏳ {err.name} not attempted yet: replace the ... in {err.name} with your "
                "answer above and run this cell again.")
    what = _stub_name(err) or check_name or "the exercise"
    shown = f"{what}()" if what.isidentifier() else what
    return f"⏳ {what} not attempted yet: implement {shown} above and run this cell again."


def _skips_stubs(check):
    """Make ``check`` print a "not attempted yet" line (and return None) for a stub answer."""

    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        global _depth
        _depth += 1
        try:
            return check(*args, **kwargs)
        except (_NotAttempted, NotImplementedError) as err:
            if _depth > 1:  # an inner check: let the outermost one report it
                raise
            print(_not_attempted_line(err, kwargs.get("name")))
            return None
        finally:
            _depth -= 1

    return wrapper


# --- tools --------------------------------------------------------------------------------


def rel_error(a, b) -> float:
    """Relative error between two arrays of the same shape: ‖a − b‖ / (‖a‖ + ‖b‖).

    ‖·‖ is the Euclidean (Frobenius) norm over all entries. 0 means identical, 1 means
    opposite (b = −a) or unrelated; 0 is returned when both are all zeros. For a float64
    gradient check, a correct gradient gives about 1e-10 and anything above 1e-7 is
    suspicious.

    Why norms and not the largest element-wise error |aᵢ − bᵢ| / (|aᵢ| + |bᵢ|)? The numerical
    gradient carries an absolute round-off error of about 1e-11, so the element-wise ratio
    of any tiny entry (a weight that barely matters) exceeds 1e-7 even when the gradient is
    correct: most correct two-hidden-layer MLPs fail an element-wise check at 1e-7.
    """
    a = as_float_array(a, "a", ndim=None, allow_nan=True)
    b = as_float_array(b, "b", ndim=None, allow_nan=True)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}.")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def numerical_gradient(f, x, eps=1e-5):
    """Estimate the gradient of a scalar function by central differences.

    ∂f/∂xᵢ ≈ (f(x + eps·eᵢ) − f(x − eps·eᵢ)) / (2·eps), one entry at a time.

    f: a function of one array that returns a number (for example a loss).
    x: the point, any shape. It is not modified: ``f`` receives a float64 copy.
    Returns an array of the shape of ``x``.
    """
    if isinstance(eps, bool) or not isinstance(eps, Real) or not 0 < eps < np.inf:
        raise ValueError(f"eps must be a small positive number such as 1e-5, got {eps!r}.")
    x = as_float_array(x, "x", ndim=None)  # a copy: the caller's x never changes
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = _as_number(f(x))
        x[i] = old - eps
        f_minus = _as_number(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _as_number(value) -> float:
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise TypeError("f must return one number (a scalar loss), got an array of shape "
                        f"{np.shape(value)}. Did you forget a .sum() or .mean()?")
    return float(np.asarray(value, dtype=np.float64).reshape(()))


# --- checks -------------------------------------------------------------------------------


@_skips_stubs
def check_gradient(f, x, analytic_grad, tol=1e-7, name="gradient", *, eps=1e-5,
                   verbose=True) -> float | None:
    """Compare a hand-derived gradient with the numerical gradient of ``f`` at ``x``.

    f: the scalar function (loss) of one array; x: the point; analytic_grad: your ∂f/∂x,
    which must have the shape of ``x``, or a function of ``x`` that returns it. Passes when
    ``rel_error(analytic, numerical) <= tol`` and returns that relative error; otherwise
    raises ``AssertionError`` with a hint. Returns ``None`` for a stub (not attempted yet).
    """
    if callable(analytic_grad):
        analytic_grad = analytic_grad(as_float_array(x, "x", ndim=None))
    analytic = _as_answer(analytic_grad, name)
    numerical = numerical_gradient(f, x, eps=eps)
    problem = (_shape_problem(analytic, numerical.shape, name, "x")
               or _value_problem(analytic, name))
    if problem:
        raise AssertionError(problem)
    err = rel_error(analytic, numerical)
    if not err <= tol:
        raise AssertionError(f"{name} does not match the numerical gradient: relative error "
                             f"{err:.1e} > tolerance {_fmt_tol(tol)}.\n"
                             + _mismatch_hint(analytic, numerical, tol, "numerical"))
    if verbose:
        print(f"✓ {name} matches the numerical gradient (relative error < {_fmt_tol(tol)}).")
    return err


@_skips_stubs
def check_gradients(loss_fn, params, grads, tol=1e-7, *, eps=1e-5, verbose=True) -> dict | None:
    """Gradient-check every parameter at once: the test of a hand-written backward pass.

    loss_fn: a function of a dict of parameters that returns the loss (one number).
    params: the point, a dict ``{name: array or number}`` such as ``{"w": w, "b": b}`` or
    ``{"W1": ..., "b1": ..., "W2": ..., "b2": ...}``; it is not modified.
    grads: your gradients, a dict with the same keys and shapes, or a function of
    ``params`` that returns it.

    Each parameter is checked by central differences with the others held fixed. Returns
    ``{name: relative error}``. On failure the ``AssertionError`` first lists which
    gradients are right and which are wrong (a bug in backprop shows as "wrong from one
    layer down"), then explains the first wrong one.
    """
    if not isinstance(params, dict) or not params:
        raise TypeError("params must be a non-empty dict {name: array}, got "
                        f"{type(params).__name__}.")
    if callable(grads):
        grads = grads(dict(params))
    if grads is ...:
        raise _NotAttempted("grads")
    if not isinstance(grads, dict):
        raise AssertionError(f"the gradients should be a dict with keys {list(params)}, got "
                             f"{type(grads).__name__}.")
    missing = [k for k in params if k not in grads]
    if missing:
        raise AssertionError(f"the gradients have no entry for {', '.join(map(repr, missing))}"
                             f": return one gradient per parameter (keys {list(params)}).")
    errors, problems = {}, {}
    for key, value in params.items():
        def loss_of(v, key=key):
            return loss_fn({**params, key: v})

        analytic = _as_answer(grads[key], f"dE/d{key}")
        numerical = numerical_gradient(loss_of, value, eps=eps)
        problem = (_shape_problem(analytic, numerical.shape, f"dE/d{key}", key)
                   or _value_problem(analytic, f"dE/d{key}"))
        errors[key] = np.inf if problem else rel_error(analytic, numerical)
        if not problem and not errors[key] <= tol:
            problem = (f"dE/d{key} does not match the numerical gradient: relative error "
                       f"{errors[key]:.1e} > tolerance {_fmt_tol(tol)}.\n"
                       + _mismatch_hint(analytic, numerical, tol, "numerical"))
        if problem:
            problems[key] = problem
    if problems:
        right = [k for k in params if k not in problems]
        status = (f"Right: {', '.join(right) or 'none'}. Wrong: {', '.join(problems)}."
                  if len(params) > 1 else "")
        first = next(iter(problems.values()))
        raise AssertionError(f"{first}\n{status}" if status else first)
    if verbose:
        print(f"✓ all {len(errors)} parameter gradients match the numerical ones "
              f"(relative error < {_fmt_tol(tol)}).")
    return errors


@_skips_stubs
def check_model_gradients(model, X, y, loss="mse", tol=1e-7, *, eps=1e-5,
                          verbose=True) -> dict | None:
    """Gradient-check every parameter of a model such as ``nn_numpy.MLP``.

    The model needs ``params`` (a dict of arrays), ``loss_and_gradients(X, y, loss)`` and
    ``compute_loss(X, y, loss)``. Returns ``{parameter name: relative error}``; raises
    ``AssertionError`` naming the parameters whose gradient is wrong. The model's
    ``params`` dict (and every array in it) is the same object afterwards.
    """
    def loss_fn(params):
        live = model.params
        model.params = params
        try:
            return model.compute_loss(X, y, loss)
        finally:
            model.params = live  # always put the live dict back

    def grads_fn(_params):
        return model.loss_and_gradients(X, y, loss)[1]

    return check_gradients(loss_fn, model.params, grads_fn, tol, eps=eps, verbose=verbose)


@_skips_stubs
def check_backward_lines(answers, losses, points, tol=1e-7, *, hints=None, eps=1e-5,
                         verbose=True) -> dict | None:
    """Check a backward pass written line by line: each line against its own numerical gradient.

    answers: your lines, a dict ``{line name: array}`` in the order you compute them, e.g.
    ``{"d2": ..., "W2": ..., "b2": ..., "d1": ..., "W1": ..., "b1": ...}``; a line that is
    still ``...`` is "not attempted yet". losses: ``{line name: f}`` where ``f(v)`` is the loss
    when the quantity of that line (a pre-activation z⁽ˡ⁾ for a δ line, a parameter for a
    gradient line) is replaced by ``v``; points: ``{line name: the value at which to
    differentiate}``. hints: optional ``{line name: sentence}`` added when that line is wrong.

    Lines are checked in order. Each one is compared with the numerical gradient of its own
    loss, so a wrong line is named on its own, with what looks wrong: a flipped sign, a
    transpose, a missing factor (such as the 1/n of the mean), a sum over the wrong axis, a
    wrong shape. Later lines usually use earlier ones, so the first wrong line is the one to
    fix. Prints one line per checked line; returns ``{line name: relative error}`` for the
    lines done, or raises ``AssertionError`` for the first wrong one.
    """
    if not isinstance(answers, dict) or not answers:
        raise TypeError("answers must be a non-empty dict {line name: array}, got "
                        f"{type(answers).__name__}.")
    missing = [k for k in answers if k not in losses or k not in points]
    if missing:
        raise ValueError(f"losses and points need an entry for every line; missing {missing}.")
    hints = hints or {}
    done, errors = [], {}
    for name, answer in answers.items():
        if answer is ...:
            if not done:
                raise _NotAttempted(name)
            _report(done, verbose)
            print(f"⏳ {name} not attempted yet: replace its ... and run this cell again.")
            return errors
        point = as_float_array(points[name], f"points[{name!r}]", ndim=None)
        numerical = numerical_gradient(losses[name], point, eps=eps)
        got = _as_answer(answer, name)
        problem = (_shape_problem(got, numerical.shape, name, _OF.get(name[:1], name))
                   or _value_problem(got, name))
        if not problem:
            errors[name] = rel_error(got, numerical)
            if not errors[name] <= tol:
                problem = (f"{name} does not match the numerical gradient: relative error "
                           f"{errors[name]:.1e} > tolerance {_fmt_tol(tol)}.\n"
                           + _mismatch_hint(got, numerical, tol, "numerical"))
        if problem:
            _report(done, verbose)
            after = (f"\nThe lines before it are right ({', '.join(done)}); the lines after it "
                     "use it, so fix this one first." if done else "")
            raise AssertionError(_with_hint(f"Line {name}: {problem}{after}", hints.get(name)))
        done.append(name)
    _report(done, verbose, complete=True)
    return errors


_OF = {"d": "its z", "W": "the weights", "b": "the biases"}


def _report(done, verbose, complete=False):
    if verbose and done:
        tail = ": the whole backward pass is right" if complete else ""
        print(f"✓ {', '.join(done)} match the numerical gradients{tail}.")


@_skips_stubs
def check_shape(arr, expected_shape, name="array", *, verbose=True) -> None:
    """Check ``arr.shape`` against ``expected_shape``; ``None`` in it matches any size.

    Example: ``check_shape(h, (None, 8), "h")`` accepts any number of rows, 8 columns.
    """
    if arr is ...:
        raise _NotAttempted(name)
    if arr is None:
        raise AssertionError(f"{name} is None: did your function forget to `return` it?")
    problem = _shape_problem(np.asarray(arr), tuple(expected_shape), name)
    if problem:
        raise AssertionError(problem)
    if verbose:
        print(f"✓ {name} has the expected shape {np.shape(arr)}.")


@_skips_stubs
def check_close(actual, expected, name="result", *, rtol=1e-6, atol=1e-8,
                verbose=True) -> None:
    """Check that two arrays (or numbers) agree: |actual − expected| <= atol + rtol·|expected|.

    On failure the message names a wrong shape, a flipped sign, a transpose or a constant
    factor when it sees one, else the largest difference and where it is.
    """
    expected = as_float_array(expected, "expected", ndim=None, allow_nan=True)
    got = _as_answer(actual, name)
    problem = _shape_problem(got, expected.shape, name) or _value_problem(got, name)
    if not problem and not np.allclose(got, expected, rtol=rtol, atol=atol):
        problem = (f"{name} does not match the expected result (rtol={rtol:g}, atol={atol:g}).\n"
                   + _mismatch_hint(got, expected, rtol, "expected"))
    if problem:
        raise AssertionError(problem)
    if verbose:
        print(f"✓ {name} is correct.")


@_skips_stubs
def check_value(actual, expected, name="answer", hint=None, *, rtol=1e-6, atol=1e-8,
                verbose=True) -> None:
    """Check an exercise answer: numbers and arrays with tolerances, anything else with ``==``.

    hint: a sentence added to the failure message (what to revisit).
    """
    if actual is ...:
        raise _NotAttempted(name)
    try:
        if _is_numeric(expected):
            check_close(actual, expected, name, rtol=rtol, atol=atol, verbose=False)
        elif not _same(actual, expected):
            raise AssertionError(f"{name} is {actual!r}, expected {expected!r}.")
    except AssertionError as err:
        raise AssertionError(_with_hint(str(err), hint)) from None
    if verbose:
        print(f"✓ {name} is correct.")


@_skips_stubs
def check_function(learner_fn, reference_fn, inputs, name=None, hint=None, *, rtol=1e-6,
                   atol=1e-8, verbose=True) -> None:
    """Call your function and a reference on the same inputs and compare the results.

    inputs: a list of test cases; a tuple is a tuple of positional arguments, anything
    else is one argument: ``[z1, z2]`` or ``[(y_hat, y), (y_hat2, y2)]``. Each function receives
    its own copy of the inputs. Results may be arrays, numbers, or tuples / dicts of them.
    Fails if your function raises, returns something different, or changes its input.
    """
    name = name or getattr(learner_fn, "__name__", "your function")
    for case_no, case in enumerate(inputs, start=1):
        args = case if isinstance(case, tuple) else (case,)
        where = f"test input #{case_no} ({_short(args)})"
        learner_args = copy.deepcopy(args)
        try:
            got = learner_fn(*learner_args)
        except NotImplementedError:
            raise  # a stub: reported as "not attempted yet"
        except Exception as err:  # the learner's code: report it as a failed check
            raise AssertionError(_with_hint(f"{name} raised {type(err).__name__}: {err}\n"
                                            f"for {where}.", hint)) from err
        if not _same(learner_args, args):
            raise AssertionError(_with_hint(
                f"{name} changed its input for {where}. Work on a new array instead, e.g. "
                "np.maximum(z, 0) rather than z[z < 0] = 0.", hint))
        want = reference_fn(*copy.deepcopy(args))
        problem = _compare(got, want, name, rtol, atol)
        if problem:
            raise AssertionError(_with_hint(f"{problem}\nFor {where}.", hint))
    if verbose:
        print(f"✓ {name} is correct.")


# --- diagnosis: what went wrong, in words -------------------------------------------------


def _as_answer(value, name):
    """A learner's result as a float array, or an AssertionError that says what it is."""
    if value is ... or (isinstance(value, (tuple, list)) and any(v is ... for v in value)):
        raise _NotAttempted(name)
    if value is None:
        raise AssertionError(f"{name} is None: did your function forget to `return` it?")
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} should be numbers (an array), got "
                             f"{type(value).__name__}.") from None


def _fmt_shape(shape) -> str:
    parts = ["n" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _shape_matches(shape, expected_shape) -> bool:
    return len(shape) == len(expected_shape) and all(
        e is None or e == s for s, e in zip(shape, expected_shape, strict=True))


def _shape_problem(got, expected_shape, name, of=None):
    """None if ``got`` has ``expected_shape`` (``None`` = any size), else a message."""
    shape = got.shape
    if _shape_matches(shape, expected_shape):
        return None
    msg = f"{name} has the wrong shape: expected {_fmt_shape(expected_shape)}"
    msg += f" (the shape of {of})" if of else ""
    msg += f", got {shape}."
    if _shape_matches(shape[::-1], expected_shape) and len(shape) == 2:
        msg += " It looks transposed: swap the operands of the matrix product or use .T"
        msg += (" (for W of shape (n_in, n_out), dE/dW = a_prev.T @ delta)." if of else ".")
    elif expected_shape == () and got.size == 1:
        msg += " Return a single number, e.g. with .item()."
    elif _shape_matches(shape[1:], expected_shape):
        msg += (" It has one entry per sample: sum over the samples, e.g. "
                "delta.sum(axis=0) for a bias.")
    elif len(shape) == 1 and len(expected_shape) == 1:
        msg += (" If it is a sum over the batch, it is over the wrong axis: delta has one row "
                "per sample, and delta.sum(axis=0) sums over the samples (rows), leaving one "
                "entry per neuron; axis=1 sums over the neurons.")
    elif shape == () and len(expected_shape) == 1:
        msg += (" A sum without an axis adds up everything: sum over the samples only, "
                "delta.sum(axis=0), to keep one entry per neuron.")
    elif None not in expected_shape and got.size == np.prod(expected_shape):
        msg += f" Same number of entries: reshape it with .reshape{_fmt_shape(expected_shape)}."
    return msg


def _value_problem(got, name):
    if not np.isfinite(got).all():
        return (f"{name} contains NaN or infinite values: look for an overflow (np.exp of a "
                "large number), log(0) or a division by zero.")
    return None


def _mismatch_hint(got, want, tol, want_name):
    """Explain how ``got`` differs from ``want`` (same shapes, finite values)."""
    loose = max(tol, 1e-4)  # to recognise a pattern, not to pass the check
    if not got.any():
        return "It is all zeros: is something not computed (or not returned) yet?"
    if got.ndim == 2 and got.shape[0] == got.shape[1] > 1 and rel_error(got.T, want) <= loose:
        return (f"It is the transpose of the {want_name} one: swap the operands of the matrix "
                "product or use .T (for W of shape (n_in, n_out), dE/dW = a_prev.T @ delta).")
    if (got.ndim == 1 and got.size > 1 and np.allclose(got[::-1], want, rtol=loose)
            and not np.allclose(got, want, rtol=loose)):
        return (f"It is the {want_name} one in reverse order. If it is a shape: in code a weight "
                "matrix is (n_inputs, n_neurons), the transpose of W on paper.")
    if want.any():
        c = float(np.vdot(got, want) / np.vdot(want, want))  # best factor: got ≈ c · want
        hint = (_factor_hint(c, want_name, got.size)
                if abs(c - 1) > loose and rel_error(got, c * want) <= loose else None)
        if hint:
            return hint
    diff = np.abs(got - want)
    idx = np.unravel_index(np.argmax(diff), diff.shape)
    at = f" at index {tuple(int(i) for i in idx)}" if got.ndim else ""
    msg = (f"Largest difference{at}: yours {got[idx]:.6g}, {want_name} {want[idx]:.6g}.")
    n_bad = int((~np.isclose(got, want, rtol=1e-5, atol=1e-7 * np.abs(want).max())).sum())
    if 0 < n_bad < got.size:
        msg += f" {n_bad} of {got.size} entries differ."
    if ((got == 0) & (want != 0)).any():
        msg += (" With ReLU, a point exactly at the kink z = 0 can fool the numerical "
                "gradient: if so, check at another point.")
    return msg


def _factor_hint(c, want_name, size):
    """Name the likely cause of ``got ≈ c · want``; None if ``c`` is not telling."""
    k = abs(c)
    if np.isclose(k, 1, rtol=1e-3):
        if c > 0:  # nearly the expected value, just outside the tolerance: no factor to name
            return None
        why = None
    elif np.isclose(k, 2, rtol=1e-3):
        why = ("the ½ of E = ½(output − target)² cancels the 2 of the square: its derivative "
               "is (output − target) (or, with 2 samples, the 1/n of a mean is missing)")
    elif np.isclose(k, 0.5, rtol=1e-3):
        why = ("if your loss is (output − target)² without the ½, its derivative is "
               "2(output − target)")
    elif size == 1:  # any two numbers are proportional: only the factors above tell
        return None
    elif k > 1 and np.isclose(k, round(k), rtol=1e-3):
        why = (f"if {round(k)} is your number of samples, the 1/n of the mean is missing: "
               "the loss averages over samples, so its gradient does too")
    elif k < 1 and np.isclose(1 / k, round(1 / k), rtol=1e-3):
        why = (f"if {round(1 / k)} is your number of samples, you divide by n twice "
               "(the 1/n of the mean is already in the loss gradient)")
    else:
        why = "a constant factor is missing or extra"
    parts = [why] if why else []
    if c < 0:
        parts.insert(0, "the sign is flipped (look for (target − output) where the derivative "
                        "of ½(output − target)² is +(output − target))")
    head = (f"It has the opposite sign of the {want_name} one (yours ≈ −{want_name})"
            if why is None else f"It is {c:.3g} × the {want_name} one")
    return f"{head}: " + "; and ".join(parts) + "."


def _fmt_tol(tol) -> str:
    return f"{tol:.0e}".replace("e-0", "e-").replace("e+00", "")


def _with_hint(message, hint):
    return f"{message}\nHint: {hint}" if hint else message


def _is_numeric(value) -> bool:
    if isinstance(value, (str, bytes)):
        return False
    try:
        np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _compare(got, want, name, rtol, atol):
    """None if ``got`` matches ``want`` (recursing into tuples, lists and dicts), else why."""
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            return f"{name} should be a dict with keys {sorted(want)}, got {keys}."
        return next((p for k in want
                     if (p := _compare(got[k], want[k], f"{name}[{k!r}]", rtol, atol))), None)
    if isinstance(want, (tuple, list)) and not _is_numeric(want):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"{name} should return {len(want)} values, got {_short((got,))}."
        return next((p for i, (g, w) in enumerate(zip(got, want, strict=True))
                     if (p := _compare(g, w, f"{name}[{i}]", rtol, atol))), None)
    try:
        check_value(got, want, name, rtol=rtol, atol=atol, verbose=False)
    except AssertionError as err:
        return str(err)
    return None


def _same(a, b) -> bool:
    """Deep equality that understands NumPy arrays (used to spot in-place changes)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return True  # objects we cannot compare are not reported


def _short(args) -> str:
    with np.printoptions(precision=3, threshold=6, edgeitems=2, linewidth=60):
        text = ", ".join(repr(np.asarray(a)) if isinstance(a, np.ndarray) else repr(a)
                         for a in args)
    return text if len(text) <= 120 else text[:117] + "..."
