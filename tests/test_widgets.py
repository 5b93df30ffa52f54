"""The threshold explorer: its pure logic, then the widget driven from code (no browser)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils import metrics
from course_utils.widgets import format_state_html, threshold_explorer, threshold_state

Y = np.array([0, 0, 0, 0, 0, 0, 1, 1])
S = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.9, 0.6, 0.8])


def test_threshold_state_by_hand():
    st = threshold_state(Y, S, 0.55, cost_fp=2, cost_fn=5)
    assert (st["tp"], st["fp"], st["tn"], st["fn"]) == (2, 1, 5, 0)
    assert st["n_flagged"] == 3
    assert st["precision"] == pytest.approx(2 / 3) and st["recall"] == 1.0
    assert st["f1"] == pytest.approx(0.8) and st["fpr"] == pytest.approx(1 / 6)
    assert st["cost"] == 2 * 1 + 5 * 0
    assert st["roc_point"] == pytest.approx((1 / 6, 1.0))
    assert st["pr_point"] == pytest.approx((1.0, 2 / 3))


@pytest.mark.parametrize("t", [0.05, 0.35, 0.7, 0.85, 1.0])
def test_threshold_state_agrees_with_metrics(t):
    st = threshold_state(Y, S, t)
    assert {k: st[k] for k in ("tp", "fp", "tn", "fn")} == metrics.confusion_at(Y, S, t)
    assert st["f1"] == pytest.approx(metrics.precision_recall_f1_at(Y, S, t)["f1"])
    assert st["cost"] == st["fp"] * 1 + st["fn"] * 10


def test_threshold_state_checks_its_inputs():
    with pytest.raises(ValueError, match="both classes"):
        threshold_state(np.zeros(8), S, 0.5)
    with pytest.raises(ValueError, match="8 labels"):
        threshold_state(Y, S[:-1], 0.5)
    with pytest.raises(ValueError, match="cost_fn"):
        threshold_state(Y, S, 0.5, cost_fn=-1)


def test_html_shows_the_numbers():
    text = format_state_html(threshold_state(Y, S, 0.55, cost_fp=2, cost_fn=5))
    for piece in ("TP 2", "FP 1", "TN 5", "FN 0", "precision 0.667", "recall 1.000",
                  "F1 0.800", "cost = 2 &times; 1 FP + 5 &times; 0 FN = <b>2</b>"):
        assert piece in text


@pytest.fixture
def explorer():
    w = threshold_explorer(Y, S, costs=(1, 10), title="Validation <data>", threshold=0.55)
    yield w
    plt.close("all")


def test_moving_the_slider_updates_the_metrics(explorer):
    assert "TP 2" in explorer.metrics_html.value and "FP 1" in explorer.metrics_html.value
    before = explorer.metrics_html.value
    explorer.slider.value = 0.85                          # fires the observer synchronously
    assert explorer.metrics_html.value != before
    assert "TP 0" in explorer.metrics_html.value and "FN 2" in explorer.metrics_html.value
    assert explorer.state["threshold"] == pytest.approx(0.85)
    assert explorer.state["recall"] == 0.0


def test_changing_costs_updates_the_displayed_cost(explorer):
    assert "= <b>1</b>" in explorer.metrics_html.value     # 1 x 1 FP + 10 x 0 FN
    explorer.cost_fp.value = 7
    assert "= <b>7</b>" in explorer.metrics_html.value
    explorer.slider.value = 0.85                          # now 1 FP (0.9), 2 FN
    explorer.cost_fn.value = 3
    assert "= <b>13</b>" in explorer.metrics_html.value   # 7 x 1 + 3 x 2
    assert explorer.state["cost"] == 13


def test_widget_parts_range_and_dom_hooks(explorer):
    assert explorer.slider.min == pytest.approx(S.min())
    assert explorer.slider.max == pytest.approx(S.max())
    assert "course-threshold-slider" in explorer.slider._dom_classes
    assert "course-threshold-metrics" in explorer.metrics_html._dom_classes
    assert explorer.metrics_html in explorer.children
    assert explorer.plot_output in explorer.children
    assert "Validation &lt;data&gt;" in explorer.children[0].value   # title escaped


def test_default_start_is_the_median_and_no_figures_leak():
    open_before = plt.get_fignums()
    w = threshold_explorer(Y, S)
    assert w.slider.value == pytest.approx(np.median(S), abs=w.slider.step)
    w.slider.value = 0.3
    assert plt.get_fignums() == open_before


# --- the learning-rate explorer (notebook 01) ---------------------------------------------------

from course_utils.nn_numpy import train_neuron  # noqa: E402
from course_utils.widgets import (  # noqa: E402
    format_lr_html,
    learning_rate_explorer,
    learning_rate_regime,
    learning_rate_state,
    learning_rate_sweep,
)


def _two_clouds(n=40, seed=0):
    """Two overlapping clouds: no line separates them, so a huge learning rate diverges."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal([-1.0, -0.5], 1.2, size=(n // 2, 2)),
                   rng.normal([1.0, 0.8], 1.2, size=(n // 2, 2))])
    return X, np.r_[np.zeros(n // 2), np.ones(n // 2)]


@pytest.mark.parametrize("losses, best, regime", [
    ([1.0, 0.9, 0.8, 0.7], 0.2, "too small"),         # 0.3 of the 0.8 available
    ([1.0, 0.5, 0.3, 0.25], 0.2, "good"),             # 0.75 of the way or more
    ([1.0, 0.5, 0.3, 0.25], None, "good"),            # no reference: steady fall is good
    ([1.0, 0.4, 0.6, 0.3], 0.2, "oscillating"),       # went up once, ends lower
    ([1.0, 0.4, 1.5, 1.2], 0.2, "divergent"),         # ends higher than it started
    ([1.0, 0.5, np.nan, np.nan], 0.2, "divergent"),
    ([0.5, 0.5, 0.5], 0.2, "divergent"),              # no progress at all
])
def test_learning_rate_regime_by_hand(losses, best, regime):
    assert learning_rate_regime(losses, best) == regime


def test_learning_rate_regime_rejects_a_non_history():
    with pytest.raises(ValueError, match="at least 2 entries"):
        learning_rate_regime([0.5])


def test_learning_rate_state_and_sweep_agree_with_train_neuron():
    X, t = _two_clouds()
    lrs = np.array([0.01, 1.0, 300.0])
    finals = learning_rate_sweep(X, t, lrs, epochs=60)
    assert finals.shape == (3,)
    for lr, final in zip(lrs, finals, strict=True):
        history = train_neuron(X, t, lr=lr, epochs=60)
        assert final == history["loss"][-1]
        st = learning_rate_state(X, t, lr, epochs=60, best_loss=finals.min())
        np.testing.assert_array_equal(st["losses"], history["loss"])
        np.testing.assert_array_equal(st["w"], history["w"][-1])
        assert st["final_loss"] == final and st["initial_loss"] == pytest.approx(np.log(2))
    regimes = [learning_rate_state(X, t, lr, epochs=60, best_loss=finals.min())["regime"]
               for lr in lrs]
    assert regimes == ["too small", "good", "divergent"]


def test_lr_html_shows_the_numbers_and_the_verdict():
    X, t = _two_clouds()
    st = learning_rate_state(X, t, 300.0, epochs=60, best_loss=0.2)
    text = format_lr_html(st)
    for piece in ("learning rate 300", f"{st['initial_loss']:.3f} &rarr; {st['final_loss']:.3f}",
                  "after 60 epochs", "best any learning rate reaches: 0.200",
                  f"went up at {st['n_up']} of 60 epochs", "<b>divergent</b>"):
        assert piece in text


@pytest.fixture
def lr_explorer():
    X, t = _two_clouds()
    w = learning_rate_explorer(X, t, lr=0.01, epochs=60, title="LR <demo>")
    yield w
    plt.close("all")


def test_moving_the_lr_slider_updates_text_state_and_plot(lr_explorer):
    w = lr_explorer
    assert w.state["regime"] == "too small" and "<b>too small</b>" in w.summary_html.value
    before_text, before_png = w.summary_html.value, w.plot_image.value
    assert bytes(before_png).startswith(b"\x89PNG")
    w.slider.value = 1.0                                # fires the observer synchronously
    assert bytes(w.plot_image.value) != bytes(before_png)
    assert w.state["lr"] == pytest.approx(1.0) and w.state["regime"] == "good"
    assert w.summary_html.value != before_text and "<b>good</b>" in w.summary_html.value
    fig = w.figure()                                    # what the plot panel shows now
    ax_loss, ax_sweep, ax_boundary = fig.axes
    np.testing.assert_array_equal(ax_loss.lines[0].get_ydata(), w.state["losses"])
    assert ax_sweep.lines[1].get_xdata()[0] == pytest.approx(1.0)       # the marker moved
    assert ax_sweep.lines[1].get_ydata()[0] == pytest.approx(w.state["final_loss"])
    assert ax_sweep.get_title() == "this rate: good"
    assert [ln.get_label() for ln in ax_boundary.lines] == ["y = 0.5"]
    plt.close(fig)
    w.slider.value = 300.0
    assert w.state["regime"] == "divergent" and w.state["final_loss"] > w.state["initial_loss"]


def test_lr_explorer_sweep_parts_and_dom_hooks(lr_explorer):
    w = lr_explorer
    assert w.slider.min == pytest.approx(-3) and w.slider.max == pytest.approx(3)
    assert w.sweep_lrs.shape == w.sweep_losses.shape == (61,)
    assert w.best_loss == pytest.approx(w.sweep_losses.min())
    assert "course-lr-slider" in w.slider._dom_classes
    assert "course-lr-summary" in w.summary_html._dom_classes
    assert "course-lr-plot" in w.plot_image._dom_classes
    assert w.summary_html in w.children and w.plot_image in w.children
    assert "LR &lt;demo&gt;" in w.children[0].value


def test_lr_explorer_leaks_no_figures_and_checks_its_range():
    X, t = _two_clouds()
    open_before = plt.get_fignums()
    w = learning_rate_explorer(X, t, epochs=20, lr_range=(0.1, 10.0))
    w.slider.value = 2.0
    assert plt.get_fignums() == open_before
    with pytest.raises(ValueError, match="lr_range"):
        learning_rate_explorer(X, t, lr_range=(10.0, 0.1))
