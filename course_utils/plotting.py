"""The course's plotting style: readable on a projector, safe for colour-blind viewers.

Nothing changes on import; a notebook opts in with ``use_course_style()``.
Every plotting function in the library takes ``ax=None`` and returns the ``Axes``.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

__all__ = ["OKABE_ITO", "NORMAL_COLOR", "ANOMALY_COLOR", "THRESHOLD_COLOR",
           "use_course_style"]

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

