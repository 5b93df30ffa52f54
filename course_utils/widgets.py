"""Interactive widgets: thin ipywidgets front ends over pure, tested functions.

``threshold_explorer(y_val, scores_val)`` shows what a threshold does: move the slider and
watch the confusion matrix, precision, recall, F1, the cost of the errors and the point on
the ROC and PR curves change. The numbers come from :func:`threshold_state` and the text
from :func:`format_state_html`, both plain functions; the widget only wires them up.
Use it on validation data: choosing a threshold by looking at test data is tuning on test.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from ._validate import as_labels, as_scores
from .metrics import confusion_at, precision_recall_f1_at
from .plotting import ANOMALY_COLOR, NORMAL_COLOR, THRESHOLD_COLOR
from .thresholds import check_cost

__all__ = ["threshold_state", "format_state_html", "ThresholdExplorer", "threshold_explorer"]


def threshold_state(y, scores, threshold, cost_fp: float = 1.0, cost_fn: float = 10.0) -> dict:
    """Everything the explorer shows for one threshold, as a dict.

    y: 0/1 labels, shape ``(n,)``, both classes present; scores: shape ``(n,)``.
    Keys: ``threshold, tp, fp, tn, fn, n_flagged, precision, recall, f1, fpr,
    cost_fp, cost_fn, cost`` (``cost_fp * fp + cost_fn * fn``), ``roc_point`` = (FPR, recall)
    and ``pr_point`` = (recall, precision).
    """
    y = as_labels(y, "y", require_both=True)
    scores = as_scores(scores, "scores", n_samples=y.shape[0])
    cost_fp, cost_fn = check_cost(cost_fp, "cost_fp"), check_cost(cost_fn, "cost_fn")
    c = confusion_at(y, scores, threshold)
    m = precision_recall_f1_at(y, scores, threshold)
    fpr = c["fp"] / (c["fp"] + c["tn"])
    return {"threshold": float(threshold), **c, "n_flagged": c["tp"] + c["fp"], **m,
            "fpr": fpr, "cost_fp": cost_fp, "cost_fn": cost_fn,
            "cost": cost_fp * c["fp"] + cost_fn * c["fn"],
            "roc_point": (fpr, m["recall"]), "pr_point": (m["recall"], m["precision"])}


def format_state_html(state: dict) -> str:
    """The explorer's text panel for a :func:`threshold_state` dict (deterministic HTML)."""
    s = state
    cell = "style='border:1px solid #999;padding:2px 8px;text-align:right'"
    return (
        f"<div><b>threshold {s['threshold']:.4g}</b>: {s['n_flagged']} flagged"
        f"<table style='border-collapse:collapse;margin:4px 0'>"
        f"<tr><td></td><th {cell}>flagged</th><th {cell}>not flagged</th></tr>"
        f"<tr><th {cell}>anomaly</th><td {cell}>TP {s['tp']}</td><td {cell}>FN {s['fn']}</td></tr>"
        f"<tr><th {cell}>normal</th><td {cell}>FP {s['fp']}</td><td {cell}>TN {s['tn']}</td></tr>"
        f"</table>"
        f"precision {s['precision']:.3f} &nbsp; recall {s['recall']:.3f} &nbsp; "
        f"F1 {s['f1']:.3f} &nbsp; false-positive rate {s['fpr']:.3f}<br>"
        f"cost = {s['cost_fp']:g} &times; {s['fp']} FP + {s['cost_fn']:g} &times; {s['fn']} FN"
        f" = <b>{s['cost']:g}</b></div>"
    )


class ThresholdExplorer(widgets.VBox):
    """The explorer's container; its parts are attributes so code (and tests) can drive it.

    ``slider`` (threshold), ``cost_fp`` / ``cost_fn`` (costs per error), ``metrics_html``
    (text panel), ``plot_output`` (ROC and PR curves), ``state`` (the current dict).
    """

    def __init__(self, y, scores, *, costs=(1.0, 10.0), title="Threshold explorer",
                 threshold=None):
        self.y = as_labels(y, "y", require_both=True)
        self.scores = as_scores(scores, "scores", n_samples=self.y.shape[0])
        lo, hi = float(self.scores.min()), float(self.scores.max())
        start = float(np.median(self.scores)) if threshold is None else float(threshold)
        self.slider = widgets.FloatSlider(
            value=start, min=lo, max=hi if hi > lo else lo + 1.0,
            step=(hi - lo) / 200 or 0.01, description="threshold", readout_format=".4g",
            continuous_update=False, layout=widgets.Layout(width="600px"))
        self.cost_fp = widgets.BoundedFloatText(value=costs[0], min=0.0, max=1e9,
                                                description="cost FP")
        self.cost_fn = widgets.BoundedFloatText(value=costs[1], min=0.0, max=1e9,
                                                description="cost FN")
        self.metrics_html = widgets.HTML()
        self.plot_output = widgets.Output()
        self.slider.add_class("course-threshold-slider")
        self.metrics_html.add_class("course-threshold-metrics")
        self._fpr, self._tpr, _ = roc_curve(self.y, self.scores)
        self._prec, self._rec, _ = precision_recall_curve(self.y, self.scores)
        for w in (self.slider, self.cost_fp, self.cost_fn):
            w.observe(self._update, names="value")
        super().__init__([widgets.HTML(f"<h4>{html.escape(title)}</h4>"), self.slider,
                          widgets.HBox([self.cost_fp, self.cost_fn]), self.metrics_html,
                          self.plot_output])
        self._update()

    def _update(self, change=None):
        self.state = threshold_state(self.y, self.scores, self.slider.value,
                                     self.cost_fp.value, self.cost_fn.value)
        self.metrics_html.value = format_state_html(self.state)
        self._draw()

    def _draw(self):
        import matplotlib.pyplot as plt  # noqa: PLC0415 - only when a widget is built
        from IPython.display import display  # noqa: PLC0415

        fig, (ax_roc, ax_pr) = plt.subplots(1, 2, figsize=(8, 3.5))
        ax_roc.plot(self._fpr, self._tpr, color=NORMAL_COLOR)
        ax_roc.plot([0, 1], [0, 1], ":", color=THRESHOLD_COLOR, lw=1)
        ax_roc.plot(*self.state["roc_point"], "o", color=ANOMALY_COLOR, ms=10)
        ax_roc.set(xlabel="false-positive rate", ylabel="recall", title="ROC")
        ax_pr.step(self._rec, self._prec, where="post", color=NORMAL_COLOR)
        ax_pr.axhline(self.y.mean(), ls=":", color=THRESHOLD_COLOR, lw=1)
        ax_pr.plot(*self.state["pr_point"], "o", color=ANOMALY_COLOR, ms=10)
        ax_pr.set(xlabel="recall", ylabel="precision", title="precision-recall")
        fig.tight_layout()
        with self.plot_output:
            self.plot_output.clear_output(wait=True)
            display(fig)
        plt.close(fig)


def threshold_explorer(y, scores, *, costs=(1.0, 10.0), title="Threshold explorer",
                       threshold=None) -> ThresholdExplorer:
    """Build the interactive threshold explorer for labels ``y`` and ``scores`` (shape ``(n,)``).

    costs: ``(cost_fp, cost_fn)``, the starting cost of one false alarm and one missed
    anomaly (editable in the widget); threshold: the slider's start (default: the median
    score). Use validation data. Returns the container widget; display it as a cell's last
    expression.
    """
    return ThresholdExplorer(y, scores, costs=costs, title=title, threshold=threshold)
