"""Threshold strategies: properties checked against brute force and small hand examples."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import thresholds as th
from course_utils.metrics import confusion_at, precision_recall_f1_at


def labelled(seed, n=300, prevalence=0.1):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(int)
    y[:2] = [0, 1]
    scores = np.round(rng.normal(size=n) + 1.5 * y, 1)     # rounding creates ties
    return y, scores


def test_flag_uses_greater_or_equal():
    np.testing.assert_array_equal(th.flag([0.1, 0.5, 0.9], 0.5), [0, 1, 1])
    np.testing.assert_array_equal(th.flag([0.1, 0.5], np.inf), [0, 0])
    with pytest.raises(TypeError, match="threshold must be a number"):
        th.flag([0.1], "0.5")


@pytest.mark.parametrize("bad, error", [
    (np.nan, ValueError),          # a number, but one that never flags anything
    ("0.5", TypeError), (None, TypeError), (True, TypeError), (np.bool_(True), TypeError),
])
def test_a_threshold_is_a_real_number_not_nan(bad, error):
    """One exception type per mistake: NaN is a bad value (ValueError), not a bad type."""
    with pytest.raises(error, match="threshold must be a number"):
        th.flag([0.1, 0.2], bad)
    with pytest.raises(error, match="threshold must be a number"):
        th.compute_threshold(lambda s: bad, [0.1, 0.2])


@pytest.mark.parametrize("contamination", [0.01, 0.05, 0.1, 0.3])
def test_quantile_flags_about_the_contamination_fraction(contamination):
    scores = np.random.default_rng(0).exponential(size=1000)
    t = th.quantile_threshold(scores, contamination)
    assert abs(np.mean(scores >= t) - contamination) <= 1 / 1000 + 1e-12


@pytest.mark.parametrize("bad, error", [(0, ValueError), (0.5, ValueError), (1.0, ValueError),
                                        (-0.1, ValueError), ("0.1", TypeError),
                                        (True, TypeError)])
def test_quantile_rejects_contamination_outside_open_interval(bad, error):
    with pytest.raises(error, match="contamination"):
        th.quantile_threshold([1.0, 2.0, 3.0], bad)


def test_mean_std_by_hand():
    assert th.mean_std_threshold([1.0, 3.0], k=2) == pytest.approx(2 + 2 * 1)
    assert th.mean_std_threshold([0.0, 0.0, 6.0]) == pytest.approx(2 + 3 * np.sqrt(8))
    with pytest.raises(ValueError, match="k must be"):
        th.mean_std_threshold([1.0, 3.0], k=-1)


def test_best_f1_by_hand():
    # flagging {0.9, 0.8} gives F1 = 1 (both anomalies, no false alarm)
    assert th.best_f1_threshold([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.7]) == 0.8


def test_best_f1_ties_go_to_the_highest_threshold():
    # labels by falling score; F1 is 2/4 when flagging the top 1 and 4/8 for the top 5
    y = [1, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    assert th.best_f1_threshold(y, np.arange(10, 0, -1.0)) == 10.0


@pytest.mark.parametrize("seed", range(5))
def test_best_f1_threshold_has_the_max_f1_over_all_candidates(seed):
    y, scores = labelled(seed)
    t = th.best_f1_threshold(y, scores)
    f1 = {c: precision_recall_f1_at(y, scores, c)["f1"] for c in np.unique(scores)}
    assert precision_recall_f1_at(y, scores, t)["f1"] == pytest.approx(max(f1.values()))
    best = [c for c, v in f1.items() if v == pytest.approx(max(f1.values()))]
    assert t == max(best)               # ties: the highest threshold, fewest alarms


def cost(y, scores, t, cost_fp, cost_fn):
    c = confusion_at(y, scores, t)
    return cost_fp * c["fp"] + cost_fn * c["fn"]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cost_fp, cost_fn", [(1, 10), (1, 1), (5, 1)])
def test_cost_threshold_minimises_the_cost(seed, cost_fp, cost_fn):
    y, scores = labelled(seed)
    t = th.cost_threshold(y, scores, cost_fp, cost_fn)
    candidates = [*np.unique(scores), np.inf]
    best = min(cost(y, scores, c, cost_fp, cost_fn) for c in candidates)
    assert cost(y, scores, t, cost_fp, cost_fn) == pytest.approx(best)


def test_cost_threshold_by_hand_and_flag_nothing():
    y, scores = [0, 0, 1, 0], [0.1, 0.2, 0.3, 0.4]
    assert th.cost_threshold(y, scores, cost_fp=1, cost_fn=10) == 0.3    # 1 FP beats 1 FN
    assert th.cost_threshold(y, scores, cost_fp=20, cost_fn=10) == np.inf  # flag nothing


def test_dearer_misses_never_raise_the_threshold():
    y, scores = labelled(0)
    ts = [th.cost_threshold(y, scores, 1, c) for c in (0.5, 1, 5, 20, 100)]
    assert ts == sorted(ts, reverse=True) and ts[0] > ts[-1]


@pytest.mark.parametrize("func", [th.best_f1_threshold, th.cost_threshold])
def test_labelled_strategies_check_labels(func):
    with pytest.raises(ValueError, match="only 0 .normal. and 1"):
        func([0, 2, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="both classes"):
        func([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="3 labels"):
        func([0, 1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        func([0, 1, 1], [0.1, np.nan, 0.3])


def test_costs_must_be_non_negative_numbers():
    with pytest.raises(ValueError, match="cost_fn must be a finite number >= 0"):
        th.cost_threshold([0, 1], [0.1, 0.2], cost_fn=-1)
    with pytest.raises(TypeError, match="cost_fp must be a number"):
        th.cost_threshold([0, 1], [0.1, 0.2], cost_fp="1")
    with pytest.raises(TypeError, match="cost_fp must be a number"):
        th.cost_threshold([0, 1], [0.1, 0.2], cost_fp=True)
    with pytest.raises(ValueError, match="cost_fn must be a finite number"):
        th.cost_threshold([0, 1], [0.1, 0.2], cost_fn=np.inf)


def test_registry_names():
    assert set(th.STRATEGIES) == {"quantile", "mean_std", "best_f1", "cost"}
    assert th.LABELLED_STRATEGIES == {"best_f1", "cost"}


def test_compute_threshold_accepts_names_numbers_and_functions():
    y, scores = labelled(1)
    assert th.compute_threshold("quantile", scores, contamination=0.1) == \
        th.quantile_threshold(scores, 0.1)
    assert th.compute_threshold("mean_std", scores, k=2) == th.mean_std_threshold(scores, 2)
    assert th.compute_threshold("best_f1", scores, y) == th.best_f1_threshold(y, scores)
    assert th.compute_threshold("cost", scores, y, cost_fn=3) == th.cost_threshold(y, scores, 1, 3)
    assert th.compute_threshold(1.25, scores) == 1.25
    assert th.compute_threshold(np.median, scores) == np.median(scores)


@pytest.mark.parametrize("strategy, y, error, match", [
    ("p95", None, ValueError, "Unknown threshold strategy 'p95'; expected one of 'quantile'"),
    ("best_f1", None, ValueError, "validation labels"),
    ("quantile", [0, 1, 0], ValueError, "scores only"),
    ("0.5", None, ValueError, "Unknown threshold strategy"),
    (np.nan, None, ValueError, "must be a number, got NaN"),
    (lambda s: "high", None, TypeError, "must be a number"),
])
def test_compute_threshold_errors(strategy, y, error, match):
    with pytest.raises(error, match=match):
        th.compute_threshold(strategy, [0.1, 0.2, 0.3], y)
