"""Machine sensors (synthetic, notebook 09's labelled experiment), causal alarms, 5 seeds.

The issue "Deep detectors" set the target **event-level recall >= 0.8 at <= 1 false alarm per
simulated day** for a 1-D convolutional autoencoder. It was met only with look-ahead (window
scores spread over the points of windows that end later). With causal alarms
(``windows_to_points(..., how="end")``: the score at t uses readings up to t) it is **not** met:
measured on the course machine, mean over seeds 0-4 on the test days,

=========  ============  ====================  =========================
detector   event recall  false alarms per day  median delay (5-min steps)
=========  ============  ====================  =========================
conv1d AE  0.57 ± 0.29   0.40                  4
kNN        0.66 ± 0.30   0.67                  3
PCA        0.49 ± 0.13   1.07                  5
IForest    0.03 ± 0.06   1.40                  7
z-score    0.37 ± 0.08   1.20                  0
=========  ============  ====================  =========================

These tests pin what the notebook and README say: the causal autoencoder stays below the old
target, kNN on the same windows is at least as good, and the rolling z-score (no clock) misses
the slow and contextual faults. The recipe is ``benchmarks/time_series_acceptance.py``
(``run_seed``); about 45 s for the five seeds on 2 cores. ``pytest -s`` prints the numbers.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from course_utils import metrics

ROOT = Path(__file__).resolve().parent.parent
SEEDS = (0, 1, 2, 3, 4)

# Keras 3.12's convert_to_numpy calls np.array(tensor), which NumPy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _recipe():
    spec = importlib.util.spec_from_file_location(
        "time_series_acceptance", ROOT / "benchmarks" / "time_series_acceptance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECIPE = _recipe()


@pytest.fixture(scope="module")
def summary():
    results = [RECIPE.run_seed(seed) for seed in SEEDS]
    out = {name: RECIPE.summarize(results, name) for name in RECIPE.DETECTORS}
    for name, s in out.items():
        print(f"\n{name}: test event recall {s['recall']:.3f} ± {s['recall_sd']:.3f}, false alarms "
              f"per day {s['false_alarms_per_day']:.3f}, normal time in alarm "
              f"{s['alarm_time']:.3f}, median delay {s['median_delay_steps']:.0f} steps")
        print("  detected per type: " + ", ".join(f"{k} {v:.1f}" for k, v in s["per_type"].items()))
    return out


@pytest.mark.slow
def test_causal_autoencoder_misses_the_old_target_within_the_alarm_budget(summary):
    ae = summary["ae"]
    assert 0.4 <= ae["recall"] < 0.8, f"mean test event recall {ae['recall']:.3f}"
    assert ae["false_alarms_per_day"] <= 1.0, \
        f"mean false alarms per day {ae['false_alarms_per_day']:.3f} > 1"
    # not bought with an endless alarm: the validation budget carries over to the test days
    assert ae["alarm_time"] <= 0.2, f"normal time in alarm {ae['alarm_time']:.3f} > 0.2"
    assert 0 <= ae["median_delay_steps"] <= 12      # caught within the hour, never before


@pytest.mark.slow
def test_classical_detectors_on_the_same_windows_are_no_strawman(summary):
    """kNN on the autoencoder's windows (clock included) does at least as well."""
    assert summary["knn"]["recall"] >= summary["ae"]["recall"] - 0.05
    assert summary["knn"]["false_alarms_per_day"] <= 1.0
    assert summary["iforest"]["recall"] < 0.2     # the isolation forest is lost on 72-D windows


@pytest.mark.slow
def test_which_faults_are_found(summary):
    """The missing peak (contextual) is the hardest for the autoencoder; the z-score, blind to the
    clock and to slow change, misses drifts, stuck sensors and missing peaks."""
    ae, z = summary["ae"]["per_type"], summary["zscore"]["per_type"]
    assert min(ae, key=ae.get) == "missing_peak" and ae["missing_peak"] <= 0.4
    for kind in ("drift", "stuck_sensor", "missing_peak"):
        assert z[kind] == 0.0, f"the rolling z-score caught {kind} in {z[kind]:.0%} of the seeds"
    assert summary["zscore"]["recall"] < summary["ae"]["recall"]


def test_alarm_time_budget_prevents_the_endless_alarm():
    """A false-alarm budget alone lets a low threshold merge everything into one 'true' episode."""
    per_day = 100
    y = np.zeros(300, dtype=int)
    y[[24, 25, 26, 124, 125, 126, 224, 225, 226]] = 1        # three short events, one per day ...
    t = np.arange(300)
    scores = 1.0 + 0.5 * np.sin(2 * np.pi * t / per_day)     # ... at the peak of the daily rhythm
    scores[y == 1] = 3.0
    scores[70] = 2.0                                           # one isolated odd point
    loose = RECIPE.alarm_threshold(scores, y, per_day, max_false_alarms=1.0, max_alarm_time=1.0)
    strict = RECIPE.alarm_threshold(scores, y, per_day, max_false_alarms=1.0, max_alarm_time=0.15)
    loose_report = RECIPE.alarm_report(scores, y, loose, per_day)
    strict_report = RECIPE.alarm_report(scores, y, strict, per_day)
    # the loose rule keeps "<= 1 false alarm per day" by flagging most of the time
    assert loose_report["false_alarms_per_day"] <= 1.0 and loose_report["alarm_time"] > 0.5
    assert strict_report["recall"] == 1.0 and strict_report["alarm_time"] <= 0.15
    # the degenerate bottom threshold: perfect-looking numbers, everything flagged
    flags = np.ones_like(y)
    assert metrics.event_recall(y, flags) == 1.0 and metrics.false_alarms_per_day(flags, y, per_day) == 0


@pytest.mark.slow
def test_ecg5000_knn_is_as_good_as_the_autoencoder_over_seeds():
    """Notebook 09's ECG5000 claim on seeds 0-2, not one: kNN within 0.01 of the dense autoencoder
    (anomaly = positive), PCA and Isolation Forest behind. Measured: AE 0.988 / 0.983 / 0.989,
    kNN 0.984 / 0.983 / 0.984, PCA 0.971 / 0.954 / 0.956, IForest 0.939 / 0.939 / 0.940."""
    from course_utils import datasets
    from course_utils.autoencoder import AutoencoderDetector
    from course_utils.detectors import IsolationForestDetector, KNNDetector, PCADetector

    for seed in (0, 1, 2):
        ecg = datasets.load("ecg5000", random_state=seed)
        ae = AutoencoderDetector("dense", epochs=30, random_state=seed).fit(ecg.X_train)
        auc = {"AE": metrics.roc_auc(ecg.y_test, ae.decision_function(ecg.X_test))}
        mean, std = ecg.X_train.mean(axis=0), ecg.X_train.std(axis=0)
        for name, detector in {"PCA": PCADetector(), "kNN": KNNDetector(),
                               "IForest": IsolationForestDetector(random_state=seed)}.items():
            detector.fit((ecg.X_train - mean) / std)
            auc[name] = metrics.roc_auc(ecg.y_test, detector.decision_function((ecg.X_test - mean) / std))
        assert abs(auc["kNN"] - auc["AE"]) < 0.01, (seed, auc)
        assert min(auc["AE"], auc["kNN"]) > max(auc["PCA"], auc["IForest"]), (seed, auc)
