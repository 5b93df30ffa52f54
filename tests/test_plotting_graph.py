"""course_utils.plotting.plot_neuron_graph: the one-neuron circuit of notebook 01."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from course_utils.plotting import (
    FORWARD_COLOR,
    GRADIENT_COLOR,
    NEURON_GRAPH_GRADS,
    NEURON_GRAPH_VALUES,
    plot_neuron_graph,
)

# Distinct numbers per node, so every one of them can be found on the picture.
VALUES = {key: 0.111 * (i + 1) for i, key in enumerate(NEURON_GRAPH_VALUES)}
GRADS = {key: -0.0123 * (i + 1) for i, key in enumerate(NEURON_GRAPH_GRADS)}


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def texts(ax, color=None):
    return [t.get_text() for t in ax.texts
            if color is None or matplotlib.colors.same_color(t.get_color(), color)]


def test_draws_on_the_given_axes_and_returns_them(ax):
    assert plot_neuron_graph(VALUES, GRADS, ax=ax) is ax
    assert len(ax.patches) == 5                   # ×, ×, +, σ, loss
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("forward" in t for t in legend) and any("gradient" in t for t in legend)


def test_makes_its_own_figure_without_ax():
    ax = plot_neuron_graph(VALUES, GRADS)
    try:
        assert ax.figure is not None and ax.texts
    finally:
        plt.close(ax.figure)


def test_every_value_and_gradient_is_written_in_its_colour(ax):
    plot_neuron_graph(VALUES, GRADS, ax=ax)
    forward, backward = " ".join(texts(ax, FORWARD_COLOR)), texts(ax, GRADIENT_COLOR)
    for key, value in VALUES.items():
        assert f"{value:.3g}" in forward, key
    assert sorted(backward) == sorted(f"{g:.3g}" for g in GRADS.values())


def test_numbers_follow_fmt(ax):
    plot_neuron_graph(VALUES, GRADS, ax=ax, fmt=".2f")
    assert f"{GRADS['z']:.2f}" in texts(ax, GRADIENT_COLOR)


@pytest.mark.parametrize("which", ["values", "grads"])
def test_missing_key_is_named(ax, which):
    values, grads = dict(VALUES), dict(GRADS)
    (values if which == "values" else grads).pop("z")
    with pytest.raises(ValueError, match=rf"{which} is missing 'z'"):
        plot_neuron_graph(values, grads, ax=ax)


def test_rejects_an_array_where_a_number_belongs(ax):
    with pytest.raises(ValueError, match=r"grads\['w1'\] must be one number"):
        plot_neuron_graph(VALUES, {**GRADS, "w1": [1.0, 2.0]}, ax=ax)


def test_rejects_a_non_mapping(ax):
    with pytest.raises(TypeError, match="must be a dict"):
        plot_neuron_graph(list(VALUES.values()), GRADS, ax=ax)
