"""Metrics against hand-computed small examples, and the event rules on hand-made series."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import metrics as m

# The classic four-sample example: sorted by score the labels read 1, 0, 1, 0.
Y = [0, 0, 1, 1]
S = [0.1, 0.4, 0.35, 0.8]


def test_aucs_by_hand():
    assert m.roc_auc(Y, S) == pytest.approx(0.75)              # 3 of 4 pairs ranked right
    assert m.pr_auc(Y, S) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert m.chance_pr_auc(Y) == 0.5
    assert m.chance_pr_auc([0, 0, 0, 1]) == 0.25


def test_perfect_and_reversed_ranking():
    assert m.roc_auc([0, 0, 1], [1, 2, 3]) == 1.0
    assert m.roc_auc([0, 0, 1], [3, 2, 1]) == 0.0
    assert m.pr_auc([0, 0, 1], [1, 2, 3]) == 1.0


def test_confusion_and_prf_at_threshold():
    c = m.confusion_at(Y, S, 0.35)           # 0.35 itself is flagged: score >= threshold
    assert c == {"tp": 2, "fp": 1, "tn": 1, "fn": 0}
    prf = m.precision_recall_f1_at(Y, S, 0.35)
    assert prf == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8})
    assert m.confusion_at(Y, S, 0.5) == {"tp": 1, "fp": 0, "tn": 2, "fn": 1}


def test_nothing_flagged_gives_zero_precision_not_an_error():
    assert m.precision_recall_f1_at(Y, S, 10.0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_recall_at_fpr_by_hand():
    y = [0, 0, 0, 0, 1, 1]
    s = [0.1, 0.2, 0.3, 0.9, 0.5, 0.95]
    assert m.recall_at_fpr(y, s, max_fpr=0.2) == 0.5     # no false alarm allowed: only 0.95
    assert m.recall_at_fpr(y, s, max_fpr=0.25) == 1.0    # one false alarm (0.9) allowed
    assert m.recall_at_fpr(y, s, max_fpr=1.0) == 1.0
    with pytest.raises(ValueError, match="max_fpr"):
        m.recall_at_fpr(y, s, max_fpr=0)


def test_evaluate_report_values_and_fixed_text():
    report = m.evaluate(Y, S, threshold=0.35)
    assert report.roc_auc == pytest.approx(0.75) and report.tp == 2 and report.fp == 1
    assert report.as_dict()["f1"] == pytest.approx(0.8)
    assert str(report) == (
        "4 samples, 2 anomalies (prevalence 0.500)\n"
        "ROC-AUC            0.750\n"
        "PR-AUC             0.833  (chance 0.500)\n"
        "recall @ FPR<=1%   0.500\n"
        "at threshold 0.35: precision 0.667  recall 1.000  F1 0.800\n"
        "confusion: TP 2  FP 1  TN 1  FN 0")
    assert repr(report) == str(report)


def test_evaluate_without_threshold_has_no_decision_lines():
    report = m.evaluate(Y, S)
    assert report.threshold is None and report.f1 is None
    assert "threshold" not in str(report) and len(str(report).splitlines()) == 4


@pytest.mark.parametrize("func", [m.roc_auc, m.pr_auc, m.evaluate, m.recall_at_fpr])
def test_ranking_metrics_need_both_classes(func):
    with pytest.raises(ValueError, match="both classes"):
        func([0, 0, 0], [0.1, 0.2, 0.3])


@pytest.mark.parametrize("y, s, match", [
    ([0, 1, 2], [0.1, 0.2, 0.3], "only 0 .normal. and 1"),
    ([-1, 1, 1], [0.1, 0.2, 0.3], "only 0 .normal. and 1"),
    ([0, 1, 1], [0.1, 0.2], "3 labels"),
    ([0, 1, 1], [0.1, np.nan, 0.3], "NaN"),
    ([[0, 1]], [0.1, 0.2], "1-D"),
])
def test_bad_labels_and_scores_are_rejected(y, s, match):
    with pytest.raises(ValueError, match=match):
        m.confusion_at(y, s, 0.2)
    with pytest.raises(ValueError, match=match):
        m.roc_auc(y, s)


def test_inputs_are_not_modified():
    y, s = np.array(Y), np.array(S)
    m.evaluate(y, s, threshold=0.35)
    np.testing.assert_array_equal(y, Y)
    np.testing.assert_array_equal(s, S)


# --- events in time ------------------------------------------------------------------------

def test_events_from_labels():
    assert m.events_from_labels([0, 1, 1, 0, 1]) == [(1, 3), (4, 5)]
    assert m.events_from_labels([1, 1, 0, 0]) == [(0, 2)]
    assert m.events_from_labels([0, 0]) == []


N = 20
EVENTS = [(5, 8), (12, 15)]         # half-open: steps 5, 6, 7 and 12, 13, 14


def flags(*idx, n=N):
    pred = np.zeros(n, dtype=int)
    pred[list(idx)] = 1
    return pred


@pytest.mark.parametrize("alarms, expected", [
    ((), [False, False]),
    ((5,), [True, False]),           # first step of the event
    ((7,), [True, False]),           # last step of the event
    ((4,), [False, False]),          # just before: touching is not inside
    ((8,), [False, False]),          # at stop: stop is exclusive
    ((3, 4, 5), [True, False]),      # an alarm run reaching into the event
    ((6, 7, 13), [True, True]),
])
def test_detected_events_rule(alarms, expected):
    np.testing.assert_array_equal(m.detected_events(EVENTS, flags(*alarms)), expected)


def test_two_alarms_in_one_event_count_once():
    assert m.event_recall(EVENTS, flags(5, 7)) == 0.5
    assert m.event_recall(EVENTS, flags(5, 13)) == 1.0


def test_events_as_point_labels_or_intervals_agree():
    labels = flags(5, 6, 7, 12, 13, 14)
    for pred in (flags(6), flags(0, 14), flags(9)):
        assert m.event_recall(labels, pred) == m.event_recall(EVENTS, pred)


@pytest.mark.parametrize("events, match", [
    ([(5, 5)], "start < stop"),
    ([(8, 5)], "start < stop"),
    ([(-1, 3)], "start < stop"),
    ([(15, 21)], "<= 20"),
    ([(1.5, 3)], "integer"),
    ([(1, 2, 3)], "pairs"),
    (np.zeros(19), "19 labels but there are 20"),
    ([0, 2] * 10, "only 0"),
])
def test_bad_events_are_rejected(events, match):
    with pytest.raises(ValueError, match=match):
        m.event_recall(events, flags(1))


def test_event_recall_without_events_is_an_error():
    with pytest.raises(ValueError, match="no true event"):
        m.event_recall([], flags(1))
    with pytest.raises(ValueError, match="no true event"):
        m.event_recall(np.zeros(N), flags(1))


@pytest.mark.parametrize("alarms, n_false", [
    ((), 0),
    ((0, 1), 1),                     # one run of two points = one episode
    ((0, 2), 2),                     # two runs
    ((3, 4), 1),                     # ends at 4, touching the event at 5: still false
    ((3, 4, 5), 0),                  # reaches into the event
    ((8, 9), 1),                     # starts at stop: after the event
    ((5, 7), 0),                     # two alarms inside one event: no false alarm
    ((7, 8, 9, 10, 11, 12), 0),      # one run spanning both events
    ((0, 6, 18, 19), 2),
])
def test_false_alarm_episodes(alarms, n_false):
    # 20 points at 10 per day = 2 days
    assert m.false_alarms_per_day(flags(*alarms), EVENTS, points_per_day=10) == n_false / 2


def test_false_alarms_without_true_events_and_with_label_events():
    assert m.false_alarms_per_day(flags(0, 5, 6), [], points_per_day=20) == 2.0
    labels = flags(5, 6, 7, 12, 13, 14)
    assert m.false_alarms_per_day(flags(4, 8), labels, 8) == pytest.approx(2 / 2.5)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-5, ValueError), ("24", TypeError)])
def test_points_per_day_must_be_positive(bad, error):
    with pytest.raises(error, match="points_per_day"):
        m.false_alarms_per_day(flags(1), EVENTS, bad)


def test_point_predictions_must_be_0_1():
    with pytest.raises(ValueError, match="point_pred must contain only 0"):
        m.event_recall(EVENTS, np.full(N, 0.5))


# --- detection delay ---------------------------------------------------------------------

@pytest.mark.parametrize("alarms, expected", [
    ((), [np.nan, np.nan]),
    ((5,), [0, np.nan]),             # on the first step: no delay
    ((7, 14), [2, 2]),               # on the last step of each event
    ((4, 8), [np.nan, np.nan]),      # just before and at stop: not inside, so missed
    ((3, 4, 5, 6), [0, np.nan]),     # an alarm run reaching in: delay counts from the start
    ((6, 5, 13), [0, 1]),            # the first flag inside counts, later ones do not
])
def test_detection_delay_by_hand(alarms, expected):
    np.testing.assert_array_equal(m.detection_delay(EVENTS, flags(*alarms)), expected)


def test_detection_delay_agrees_with_detected_events(rng):
    for _ in range(50):
        labels = (rng.random(N) < 0.3).astype(int)
        pred = (rng.random(N) < 0.2).astype(int)
        delay = m.detection_delay(labels, pred)
        assert delay.dtype == np.float64 and delay.shape == (len(m.events_from_labels(labels)),)
        np.testing.assert_array_equal(~np.isnan(delay), m.detected_events(labels, pred))
        for (a, b), d in zip(m.events_from_labels(labels), delay, strict=True):
            if not np.isnan(d):
                assert pred[a + int(d)] == 1 and not pred[a:a + int(d)].any() and a + d < b


def test_detection_delay_edge_cases_and_bad_input():
    assert m.detection_delay([], flags(1)).shape == (0,)
    assert m.detection_delay(np.zeros(N), flags(1)).shape == (0,)
    labels = flags(5, 6, 7, 12, 13, 14)
    np.testing.assert_array_equal(m.detection_delay(labels, flags(6, 14)), [1, 2])
    pred = flags(6)
    m.detection_delay(EVENTS, pred)
    np.testing.assert_array_equal(pred, flags(6))           # input unchanged
    with pytest.raises(ValueError, match="start < stop"):
        m.detection_delay([(8, 5)], flags(1))
    with pytest.raises(ValueError, match="point_pred must contain only 0"):
        m.detection_delay(EVENTS, np.full(N, 0.5))
