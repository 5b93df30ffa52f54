"""Interactive widgets: thin ipywidgets front ends over pure, tested functions.

``threshold_explorer(y_val, scores_val)`` shows what a threshold does: move the slider and
watch the confusion matrix, precision, recall, F1, the cost of the errors and the point on
the ROC and PR curves change. The numbers come from :func:`threshold_state` and the text
from :func:`format_state_html`, both plain functions; the widget only wires them up.
Use it on validation data: choosing a threshold by looking at test data is tuning on test.

``learning_rate_explorer(X, t)`` (notebook 01) trains one sigmoid neuron by gradient
descent with the learning rate on a slider and shows the loss curve, the final loss for
every learning rate (too small / good / divergent) and the decision boundary. Its logic
is :func:`learning_rate_state`, :func:`learning_rate_sweep` and
:func:`learning_rate_regime`, plain functions; the text comes from
:func:`format_lr_html`.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
from sklearn.metrics import precision_recall_curve, roc_curve

from ._validate import as_labels, as_scores
from .metrics import confusion_at, precision_recall_f1_at
from .nn_numpy import train_neuron
from .plotting import ANOMALY_COLOR, NORMAL_COLOR, THRESHOLD_COLOR
from .thresholds import check_cost

__all__ = ["threshold_state", "format_state_html", "ThresholdExplorer", "threshold_explorer",
           "learning_rate_regime", "learning_rate_sweep", "learning_rate_state", "format_lr_html",
           "LearningRateExplorer", "learning_rate_explorer"]


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
        import matplotlib.pyplot as plt  # only when a widget is built
        from IPython.display import display

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


# --- the learning-rate explorer (notebook 01) ---------------------------------------------

#: what each regime means, as the explorer explains it
LR_REGIME_TEXT = {
    "too small": "the loss falls steadily but slowly: a larger learning rate gets further in "
                 "the same number of epochs",
    "good": "the loss falls fast and steadily, close to the best any learning rate reaches in "
            "this many epochs",
    "oscillating": "the steps overshoot: the loss goes up at some epochs, though it still ends "
                   "lower than it started",
    "divergent": "the steps overshoot so far that the loss ends higher than it started",
}


_LOSS_NAMES = {"bce": "cross-entropy", "mse": "squared-error"}
_LOSS_TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]


def _log_loss_axis(ax, values) -> None:
    """A log-scale loss axis with plain tick labels (0.2, 0.5, 1, 2, ...)."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite) & (finite > 0)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.1, 1.0)
    ticks = [v for v in _LOSS_TICKS if lo / 2.5 <= v <= hi * 2.5]
    ax.set_yscale("log")
    ax.minorticks_off()
    ax.set_yticks(ticks, [f"{v:g}" for v in ticks])


def learning_rate_regime(losses, best_loss=None, *, progress_needed=0.75) -> str:
    """Name what a learning rate did: ``"too small"``, ``"good"``, ``"oscillating"`` or ``"divergent"``.

    losses: the loss at the start and after every update, shape ``(epochs + 1,)``.
    best_loss: the lowest final loss any learning rate reaches in as many epochs (from
    :func:`learning_rate_sweep`); without it, a steadily falling loss counts as ``"good"``.

    * ``"divergent"``: the last loss is not below the first (or it is not finite);
    * ``"oscillating"``: it ends lower, but went up at some epoch (the steps overshoot);
    * ``"too small"``: it never went up, but covered less than ``progress_needed`` (3/4) of
      the way from the first loss down to ``best_loss``;
    * ``"good"``: otherwise.
    """
    losses = np.asarray(losses, dtype=np.float64)
    if losses.ndim != 1 or losses.size < 2:
        raise ValueError(f"losses must be a 1-D history with at least 2 entries, got shape "
                         f"{losses.shape}.")
    first, last = losses[0], losses[-1]
    if not np.isfinite(losses).all() or last >= first:
        return "divergent"
    if (np.diff(losses) > 1e-9 * np.maximum(1.0, np.abs(losses[:-1]))).any():
        return "oscillating"
    if best_loss is not None and best_loss < first:
        if (first - last) < progress_needed * (first - best_loss):
            return "too small"
    return "good"


def learning_rate_sweep(X, t, lrs, *, epochs: int = 100, loss: str = "bce") -> np.ndarray:
    """The final loss of :func:`nn_numpy.train_neuron` for each learning rate in ``lrs``.

    X: ``(n_samples, n_features)``; t: ``(n_samples,)``. Returns shape ``(len(lrs),)``;
    plotted against ``lrs`` on a log axis it is the "U" of too small / good / divergent.
    """
    return np.array([train_neuron(X, t, lr=float(lr), epochs=epochs, loss=loss)["loss"][-1]
                     for lr in np.asarray(lrs, dtype=np.float64).ravel()])


def learning_rate_state(X, t, lr, *, epochs: int = 100, loss: str = "bce",
                        best_loss=None) -> dict:
    """Everything the learning-rate explorer shows for one learning rate, as a dict.

    Trains one sigmoid neuron from zero weights with full-batch gradient descent
    (:func:`nn_numpy.train_neuron`). Keys: ``lr, epochs, loss_name, losses`` (the history,
    ``(epochs + 1,)``), ``initial_loss, final_loss, best_loss, n_up`` (epochs at which the
    loss went up), ``regime`` (:func:`learning_rate_regime`), ``w, b`` (the final weights).
    """
    history = train_neuron(X, t, lr=lr, epochs=epochs, loss=loss)
    losses = history["loss"]
    return {"lr": float(lr), "epochs": int(epochs), "loss_name": loss, "losses": losses,
            "initial_loss": float(losses[0]), "final_loss": float(losses[-1]),
            "best_loss": None if best_loss is None else float(best_loss),
            "n_up": int((np.diff(losses) > 1e-9 * np.maximum(1.0, np.abs(losses[:-1]))).sum()),
            "regime": learning_rate_regime(losses, best_loss),
            "w": history["w"][-1], "b": float(history["b"][-1])}


def format_lr_html(state: dict) -> str:
    """The explorer's text panel for a :func:`learning_rate_state` dict (deterministic HTML)."""
    s = state
    best = "" if s["best_loss"] is None else \
        f" (the best any learning rate reaches: {s['best_loss']:.3f})"
    ups = f"; it went up at {s['n_up']} of {s['epochs']} epochs" if s["n_up"] else ""
    return (f"<div><b>learning rate {s['lr']:.3g}</b>: {_LOSS_NAMES[s['loss_name']]} loss "
            f"{s['initial_loss']:.3f} &rarr; {s['final_loss']:.3f} after {s['epochs']} epochs"
            f"{best}{ups}.<br>Verdict: <b>{s['regime']}</b> &mdash; "
            f"{html.escape(LR_REGIME_TEXT[s['regime']])}.</div>")


class LearningRateExplorer(widgets.VBox):
    """The learning-rate explorer's container; its parts are attributes so code can drive it.

    ``slider`` (learning rate, log scale), ``summary_html`` (text panel), ``plot_image``
    (a PNG of :meth:`figure`: loss curve, final loss vs learning rate, decision boundary),
    ``state`` (the current dict), ``sweep_lrs`` / ``sweep_losses`` (the precomputed final
    loss per learning rate). The plot is an ``Image`` widget rather than an ``Output``
    widget: its state is just the PNG, so it works the same in JupyterLab, in a notebook
    executed by nbclient or nbval, and in tests.
    """

    def __init__(self, X, t, *, lr=0.01, epochs=100, loss="bce", lr_range=(1e-3, 1e3),
                 title="Learning-rate explorer"):
        self.X = np.asarray(X, dtype=np.float64)
        self.t = np.asarray(t, dtype=np.float64)
        self.epochs, self.loss = epochs, loss
        lo, hi = np.log10(lr_range[0]), np.log10(lr_range[1])
        if not (np.isfinite([lo, hi]).all() and lo < hi):
            raise ValueError(f"lr_range must be (low, high) with 0 < low < high, got {lr_range}.")
        self.sweep_lrs = 10.0 ** np.linspace(lo, hi, int(round((hi - lo) / 0.1)) + 1)
        self.sweep_losses = learning_rate_sweep(self.X, self.t, self.sweep_lrs, epochs=epochs,
                                                loss=loss)
        finite = self.sweep_losses[np.isfinite(self.sweep_losses)]
        self.best_loss = float(finite.min()) if finite.size else None
        self.slider = widgets.FloatLogSlider(
            value=lr, base=10, min=lo, max=hi, step=0.1, description="learning rate",
            readout_format=".3g", continuous_update=False, layout=widgets.Layout(width="600px"),
            style={"description_width": "initial"})
        self.summary_html = widgets.HTML()
        self.plot_image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.slider.add_class("course-lr-slider")
        self.summary_html.add_class("course-lr-summary")
        self.plot_image.add_class("course-lr-plot")
        self.slider.observe(self._update, names="value")
        super().__init__([widgets.HTML(f"<h4>{html.escape(title)}</h4>"), self.slider,
                          self.summary_html, self.plot_image])
        self._update()

    def _update(self, change=None):
        self.state = learning_rate_state(self.X, self.t, self.slider.value, epochs=self.epochs,
                                         loss=self.loss, best_loss=self.best_loss)
        self.summary_html.value = format_lr_html(self.state)
        self._draw()

    def figure(self):
        """The three panels for the current state, as a new matplotlib figure (close it)."""
        import matplotlib.pyplot as plt  # only when a widget is built

        s = self.state
        two_d = self.X.shape[1] == 2
        fig, axes = plt.subplots(1, 3 if two_d else 2, figsize=(13 if two_d else 9, 3.6))
        ax_loss, ax_sweep = axes[0], axes[1]
        name = _LOSS_NAMES[s["loss_name"]]
        ax_loss.plot(np.arange(s["epochs"] + 1), s["losses"], color=NORMAL_COLOR,
                     label=f"lr = {s['lr']:.3g}")
        ax_sweep.plot(self.sweep_lrs, self.sweep_losses, color=NORMAL_COLOR)
        ax_sweep.plot([s["lr"]], [s["final_loss"]], "o", color=ANOMALY_COLOR, ms=10,
                      label="this rate")
        for ax in (ax_loss, ax_sweep):
            ax.axhline(s["initial_loss"], ls="--", color=THRESHOLD_COLOR, lw=1, label="start")
            if self.best_loss is not None:
                ax.axhline(self.best_loss, ls=":", color=THRESHOLD_COLOR, lw=1,
                           label="best reachable")
            _log_loss_axis(ax, np.r_[s["losses"], self.sweep_losses])
            ax.legend(loc="upper right", fontsize=9)
        ax_loss.set(xlabel="epoch", ylabel=f"{name} loss", title="training loss")
        ax_sweep.set(xscale="log", xlabel="learning rate",
                     ylabel=f"loss after {s['epochs']} epochs", title=f"this rate: {s['regime']}")
        if two_d:
            ax_b = axes[2]
            for label, color, marker in ((0, NORMAL_COLOR, "o"), (1, ANOMALY_COLOR, "x")):
                keep = self.t == label
                ax_b.scatter(self.X[keep, 0], self.X[keep, 1], s=14, color=color, marker=marker,
                             label=f"t = {label}")
            (x_lo, x_hi), (y_lo, y_hi) = ax_b.get_xlim(), ax_b.get_ylim()
            w, b = s["w"], s["b"]
            if np.isfinite(w).all() and abs(w[1]) > 1e-12:
                xs = np.array([x_lo, x_hi])
                ax_b.plot(xs, -(w[0] * xs + b) / w[1], color=THRESHOLD_COLOR, label="y = 0.5")
            ax_b.set(xlim=(x_lo, x_hi), ylim=(y_lo, y_hi), xlabel="$x_1$", ylabel="$x_2$",
                     title="decision boundary")
            ax_b.legend(loc="upper left", fontsize=9)
        fig.tight_layout()
        return fig

    def _draw(self):
        import io

        import matplotlib.pyplot as plt  # only when a widget is built

        fig = self.figure()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        plt.close(fig)
        self.plot_image.value = buffer.getvalue()


def learning_rate_explorer(X, t, *, lr=0.01, epochs=100, loss="bce", lr_range=(1e-3, 1e3),
                           title="Learning-rate explorer") -> LearningRateExplorer:
    """Build the interactive learning-rate explorer for one sigmoid neuron.

    X: ``(n_samples, n_features)`` (with 2 features it also draws the decision boundary);
    t: ``(n_samples,)`` targets 0/1; lr: the slider's start; epochs: full-batch gradient
    descent steps per run; loss: ``"bce"`` or ``"mse"``; lr_range: the slider's range (log
    scale, steps of 10^0.1). Returns the container widget; display it as a cell's last
    expression.
    """
    return LearningRateExplorer(X, t, lr=lr, epochs=epochs, loss=loss, lr_range=lr_range,
                                title=title)
