"""The course's plotting style: readable on a projector, safe for colour-blind viewers.

Nothing changes on import; a notebook opts in with ``use_course_style()``.
Every plotting function in the library takes ``ax=None`` and returns the ``Axes``.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

__all__ = ["OKABE_ITO", "NORMAL_COLOR", "ANOMALY_COLOR", "THRESHOLD_COLOR",
           "FORWARD_COLOR", "GRADIENT_COLOR", "use_course_style", "plot_neuron_graph"]

# Okabe & Ito (2008): eight colours distinguishable under the common colour-vision
# deficiencies. Order chosen so the first two (blue, orange) carry normal vs anomaly.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
NORMAL_COLOR = OKABE_ITO["blue"]
ANOMALY_COLOR = OKABE_ITO["vermillion"]
THRESHOLD_COLOR = OKABE_ITO["black"]

_STYLE = {
    "figure.figsize": (8.0, 4.5),      # 16:9, the shape of a projector slide
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 13,                   # legible from the back of a lecture hall
    "axes.titlesize": 15,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "lines.linewidth": 2.2,
    "lines.markersize": 6,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",           # perceptually uniform and colour-blind safe
    "axes.prop_cycle": cycler(color=[OKABE_ITO[k] for k in
                                     ("blue", "orange", "green", "vermillion", "sky",
                                      "purple", "yellow", "black")]),
}


def use_course_style() -> None:
    """Apply the course style to matplotlib (call once, in a notebook's setup cell)."""
    mpl.rcParams.update(_STYLE)



# The one-neuron circuit of notebook 01: E = ½(σ(x₁w₁ + x₂w₂ + b) − y)².
NEURON_GRAPH_VALUES = ("x1", "w1", "x2", "w2", "b", "x1w1", "x2w2", "z", "y_hat", "y", "E")
NEURON_GRAPH_GRADS = ("x1", "w1", "x2", "w2", "b", "x1w1", "x2w2", "z", "y_hat", "E")
FORWARD_COLOR = OKABE_ITO["blue"]
GRADIENT_COLOR = OKABE_ITO["vermillion"]


def plot_neuron_graph(values, grads, ax=None, fmt=".3g"):
    """Draw one neuron as a circuit, with forward values and gradients on every edge.

    Derived in notebook 01 (after the gradient check). The circuit is
    x₁·w₁, x₂·w₂ → + b → z → σ → ŷ → ½(ŷ − y)² → E; each edge carries its forward value
    above it (``FORWARD_COLOR``) and ∂E/∂(that value) below it (``GRADIENT_COLOR``).

    values: a mapping with a number for each key of ``NEURON_GRAPH_VALUES``.
    grads: a mapping with ∂E/∂key for each key of ``NEURON_GRAPH_GRADS`` (the label y has none).
    fmt: the format spec of the written numbers.
    Returns the ``Axes``.
    """
    values = _numbers(values, NEURON_GRAPH_VALUES, "values")
    grads = _numbers(grads, NEURON_GRAPH_GRADS, "grads")
    if ax is None:
        import matplotlib.pyplot as plt  # only when a figure is needed: importing stays light

        _, ax = plt.subplots(figsize=(13, 5))

    def gate(x, y, text, width=0.9):
        ax.add_patch(FancyBboxPatch(
            (x - width / 2, y - 0.35), width, 0.7, boxstyle="round,pad=0.05",
            facecolor="white", edgecolor="black", linewidth=1.5, zorder=2))
        ax.text(x, y, text, ha="center", va="center", fontsize=15, zorder=3)
        return x - width / 2 - 0.05, x + width / 2 + 0.05   # where arrows end and start

    def edge(start, end, key, name=None, label_at=0.5):
        ax.annotate("", xy=end, xytext=start, zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.3})
        mx = start[0] + label_at * (end[0] - start[0])
        my = start[1] + label_at * (end[1] - start[1])
        # On a sloping arrow each number sits on the side away from the line's continuation.
        slope = np.sign(end[1] - start[1])
        above, below = {0: ("center", "center"), -1: ("left", "right"), 1: ("right", "left")}[slope]
        ax.text(mx, my + 0.12, f"{name + ' = ' if name else ''}{values[key]:{fmt}}",
                color=FORWARD_COLOR, ha=above, va="bottom", fontsize=12)
        ax.text(mx, my - 0.12, f"{grads[key]:{fmt}}", color=GRADIENT_COLOR,
                ha=below, va="top", fontsize=12)

    mul1_in, mul1_out = gate(3.0, 4.6, "×")
    mul2_in, mul2_out = gate(3.0, 1.4, "×")
    add_in, add_out = gate(6.2, 3.0, "+")
    sig_in, sig_out = gate(9.0, 3.0, "σ")
    loss_in, loss_out = gate(12.0, 3.0, "½(ŷ − y)²", width=1.7)
    for key, name, y_leaf, target in [("x1", "$x_1$", 5.4, (mul1_in, 4.75)),
                                      ("w1", "$w_1$", 3.8, (mul1_in, 4.45)),
                                      ("x2", "$x_2$", 2.2, (mul2_in, 1.55)),
                                      ("w2", "$w_2$", 0.6, (mul2_in, 1.25)),
                                      ("b", "$b$", 3.0, (add_in, 3.0))]:
        ax.text(0.35, y_leaf, name, ha="right", va="center", fontsize=15)
        edge((0.45, y_leaf), target, key, label_at=0.5 if key != "b" else 0.45)
    edge((mul1_out, 4.6), (add_in, 3.15), "x1w1", "$x_1w_1$")
    edge((mul2_out, 1.4), (add_in, 2.85), "x2w2", "$x_2w_2$")
    edge((add_out, 3.0), (sig_in, 3.0), "z", "z")
    edge((sig_out, 3.0), (loss_in, 3.0), "y_hat", "ŷ")
    edge((loss_out, 3.0), (14.9, 3.0), "E", "E")
    ax.annotate("", xy=(12.0, 2.6), xytext=(12.0, 1.2), zorder=1,
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.3})
    ax.text(12.0, 1.0, f"label y = {values['y']:{fmt}}", color=FORWARD_COLOR,
            ha="center", va="top", fontsize=12)
    handles = [Line2D([], [], color=FORWARD_COLOR, linewidth=6,
                                label="forward value, above its arrow"),
               Line2D([], [], color=GRADIENT_COLOR, linewidth=6,
                                label="gradient ∂E/∂(that value), below it")]
    ax.legend(handles=handles, loc="upper right", frameon=False)
    ax.set(xlim=(-0.6, 15.2), ylim=(0.2, 6.2))
    ax.set_axis_off()
    return ax


def _numbers(mapping, keys, name):
    """The entries ``keys`` of ``mapping`` as floats, or a ValueError naming what is missing."""
    if not hasattr(mapping, "keys"):
        raise TypeError(f"{name} must be a dict of numbers with keys {', '.join(keys)}; "
                        f"got {type(mapping).__name__}.")
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise ValueError(f"{name} is missing {', '.join(repr(k) for k in missing)}: "
                         f"plot_neuron_graph needs {', '.join(keys)}.")
    out = {}
    for k in keys:
        if np.size(mapping[k]) != 1:
            raise ValueError(f"{name}[{k!r}] must be one number, got shape {np.shape(mapping[k])}.")
        out[k] = float(np.asarray(mapping[k]).reshape(()))
    return out
