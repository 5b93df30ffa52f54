"""Notebook 02's write-it-yourself backward pass: ``checks.check_backward_lines`` names the mistake.

The exercise: a [2, H, 1] network (tanh hidden layer, sigmoid output, mean binary
cross-entropy); the learner writes six lines, δ⁽²⁾, ∂E/∂W⁽²⁾, ∂E/∂b⁽²⁾, δ⁽¹⁾, ∂E/∂W⁽¹⁾,
∂E/∂b⁽¹⁾, and each line is checked against its own numerical gradient. Each test below
plants one typical mistake in one line and asserts that the message names the line and the
mistake.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import checks, nn_numpy

N, H = 16, 5  # n != H, so a sum over the wrong axis has the wrong shape


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 2))
    Y = (rng.random((N, 1)) < 0.5).astype(float)
    p = {"W1": rng.normal(size=(2, H)), "b1": rng.normal(0, 0.1, size=H),
         "W2": rng.normal(size=(H, 1)), "b2": rng.normal(0, 0.1, size=1)}
    z1 = X @ p["W1"] + p["b1"]
    a1 = np.tanh(z1)
    z2 = a1 @ p["W2"] + p["b2"]
    cache = {"a0": X, "z1": z1, "a1": a1, "z2": z2, "a2": nn_numpy.sigmoid(z2)}

    def loss_given(q, z1=None, z2=None):
        z1 = X @ q["W1"] + q["b1"] if z1 is None else z1
        z2 = np.tanh(z1) @ q["W2"] + q["b2"] if z2 is None else z2
        return nn_numpy.binary_cross_entropy(nn_numpy.sigmoid(z2), Y)

    losses = {"d2": lambda v: loss_given(p, z2=v), "d1": lambda v: loss_given(p, z1=v)}
    losses.update({k: (lambda v, k=k: loss_given({**p, k: v})) for k in p})
    points = {"d2": z2, "d1": z1, **p}
    return p, cache, Y, losses, points


def backward(p, c, Y, mistake=None):
    """The right six lines, or the same with one planted mistake."""
    n = len(Y)
    d2 = (c["a2"] - Y) / n
    if mistake == "sign":
        d2 = (Y - c["a2"]) / n
    if mistake == "missing 1/n":
        d2 = c["a2"] - Y
    dW2 = c["a1"].T @ d2
    db2 = d2.sum(axis=0)
    if mistake == "no sum":
        db2 = d2
    d1 = (d2 @ p["W2"].T) * (1 - np.tanh(c["z1"]) ** 2)
    if mistake == "derivative at a":
        d1 = (d2 @ p["W2"].T) * (1 - np.tanh(c["a1"]) ** 2)
    dW1 = c["a0"].T @ d1
    if mistake == "transpose":
        dW1 = d1.T @ c["a0"]
    db1 = d1.sum(axis=0)
    if mistake == "wrong axis":
        db1 = d1.sum(axis=1)
    if mistake == "sum of everything":
        db1 = d1.sum()
    if mistake == "double 1/n":
        dW1 = c["a0"].T @ d1 / n
    return {"d2": d2, "W2": dW2, "b2": db2, "d1": d1, "W1": dW1, "b1": db1}


def test_the_right_lines_pass(problem, capsys):
    p, cache, Y, losses, points = problem
    errors = checks.check_backward_lines(backward(p, cache, Y), losses, points)
    assert set(errors) == {"d2", "W2", "b2", "d1", "W1", "b1"}
    assert max(errors.values()) < 1e-7
    assert "the whole backward pass is right" in capsys.readouterr().out


@pytest.mark.parametrize("mistake, line, words", [
    ("sign", "d2", r"opposite sign"),
    ("missing 1/n", "d2", r"16 × the numerical one.*1/n of the mean is missing"),
    ("transpose", "W1", r"wrong shape: expected \(2, 5\).*got \(5, 2\).*looks transposed"),
    ("wrong axis", "b1", r"wrong shape.*got \(16,\).*wrong axis.*sum\(axis=0\)"),
    ("sum of everything", "b1", r"wrong shape.*got \(\).*adds up everything.*axis=0"),
    ("no sum", "b2", r"wrong shape.*got \(16, 1\).*one entry per sample.*sum\(axis=0\)"),
    ("double 1/n", "W1", r"0\.0625 × the numerical one.*divide by n twice"),
])
def test_a_planted_mistake_is_named(problem, mistake, line, words):
    p, cache, Y, losses, points = problem
    with pytest.raises(AssertionError, match=rf"(?s)^Line {line}: .*{words}"):
        checks.check_backward_lines(backward(p, cache, Y, mistake), losses, points)


def test_lines_before_the_mistake_are_reported_right(problem, capsys):
    p, cache, Y, losses, points = problem
    with pytest.raises(AssertionError, match=r"(?s)Line d1: .*before it are right \(d2, W2, b2\)"
                                             r".*Hint: the derivative at z"):
        checks.check_backward_lines(backward(p, cache, Y, "derivative at a"), losses, points,
                                    hints={"d1": "the derivative at z, not at a"})
    assert "✓ d2, W2, b2 match" in capsys.readouterr().out


def test_unwritten_lines_are_not_attempted_yet(problem, capsys):
    p, cache, Y, losses, points = problem
    stub = dict.fromkeys(["d2", "W2", "b2", "d1", "W1", "b1"], ...)
    assert checks.check_backward_lines(stub, losses, points) is None
    assert "⏳ d2 not attempted yet" in capsys.readouterr().out
    half = {**backward(p, cache, Y), "d1": ..., "W1": ..., "b1": ...}
    errors = checks.check_backward_lines(half, losses, points)
    assert set(errors) == {"d2", "W2", "b2"}
    out = capsys.readouterr().out
    assert "✓ d2, W2, b2 match" in out and "⏳ d1 not attempted yet" in out


def test_bad_arguments_are_rejected(problem):
    p, cache, Y, losses, points = problem
    with pytest.raises(TypeError, match="non-empty dict"):
        checks.check_backward_lines([], losses, points)
    with pytest.raises(ValueError, match="missing"):
        checks.check_backward_lines({"z9": np.zeros(1)}, losses, points)
