"""The threshold explorer: its pure logic, then the widget driven from code (no browser)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import metrics  # noqa: E402
from course_utils.widgets import format_state_html, threshold_explorer, threshold_state  # noqa: E402

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
