"""Machine sensors (synthetic, known fault types): notebook 09's detectors with causal alarms.

The original target was **event-level recall >= 0.8 at <= 1 false alarm per simulated day**
(mean over 5 seeds, test days) for a 1-D convolutional autoencoder. It was met only with
*look-ahead*: the window-to-point mappings "mean" and "max" give time step t the scores of
windows that end up to ``WINDOW - 1`` steps later. Here every alarm is **causal**: a window's
score goes to its last time step (``windows_to_points(..., how="end")``), so the score at t
uses readings up to t only. ``tests/test_time_series_acceptance.py`` asserts the measured
numbers; ``--sweep`` shows how the window length is chosen, on the **validation** days only.

    python benchmarks/time_series_acceptance.py                 # 5 seeds, every detector
    python benchmarks/time_series_acceptance.py --sweep 8,12,16,24,48

The recipe:

1. ``datasets.load("machine_sensors", random_state=seed)``: days 0-5 train (no event), 6-8
   validation, 9-11 test; one event of each of the seven types in validation and in test.
2. Standardise the four sensors with the mean and std of the **training days**; add the time of
   day as two channels (sin, cos): a missing production peak is abnormal only for the hour.
3. Windows of ``WINDOW`` steps (12 × 5 min = 1 h), step 1, over the **whole series**, so the
   first validation and test points are scored too (their windows reach back into the previous
   period: the past, which a live system has). The detectors train on the windows that end in
   the training days.
4. Window scores to points with ``how="end"``: causal.
5. The threshold, on the validation days: lower it from the top while they keep
   <= ``MAX_FALSE_ALARMS_PER_DAY`` false alarms per day **and** <= ``MAX_ALARM_TIME`` of the
   normal time in alarm (without the second budget, a low threshold merges the alarms into a
   few long episodes that overlap true events: few "false alarms", yet the machine is in alarm
   half the day).
6. Test days: event recall, false alarms per day, normal time in alarm, detection delay.

The detectors, all on the same windows (sensors + clock): the conv1d ``AutoencoderDetector``,
``PCADetector``, ``KNNDetector`` and ``IsolationForestDetector``; and notebook 05's rolling
z-score (past-only mean and std of the last hour per sensor, the largest |z| over the sensors),
which sees no clock, with the same threshold rule.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

WINDOW = 12                     # steps of 5 min: 1 hour (chosen with --sweep on validation days)
STEP = 1                        # a window ends at every step: every point gets a causal score
MAX_FALSE_ALARMS_PER_DAY = 1.0  # the budget
MAX_ALARM_TIME = 0.15           # at most 15 % of the normal time in alarm
Z_WINDOW = 12                   # rolling z-score: the last hour, as in notebook 05
Z_MIN_STD = 0.05                # floor of the rolling std, in training standard deviations
SEEDS = (0, 1, 2, 3, 4)


def clock_channels(minutes):
    """The time of day as a point on a circle: (sin, cos), shape (n, 2)."""
    angle = 2 * np.pi * (np.asarray(minutes) % 1440) / 1440
    return np.column_stack([np.sin(angle), np.cos(angle)])


def sensor_channels(ds):
    """The whole series: sensors standardised with the training days' statistics, plus the clock."""
    mean, std = ds.X_train.mean(axis=0), ds.X_train.std(axis=0)
    return np.column_stack([(ds.series - mean) / std, clock_channels(ds.timestamps)])


def flat_windows(series, window=WINDOW, step=STEP):
    from course_utils import datasets

    windows = datasets.make_windows(series, window, step)
    return windows.reshape(len(windows), -1)


def alarm_report(point_scores, y, threshold, points_per_day):
    """Event recall, false alarms per day, the share of normal time in alarm, delays (steps)."""
    from course_utils import metrics

    flags = (point_scores >= threshold).astype(int)
    return {"recall": metrics.event_recall(y, flags),
            "false_alarms_per_day": metrics.false_alarms_per_day(flags, y, points_per_day),
            "alarm_time": float(flags[y == 0].mean()), "detected": metrics.detected_events(y, flags),
            "delay": metrics.detection_delay(y, flags)}


def alarm_threshold(point_scores, y, points_per_day, max_false_alarms=MAX_FALSE_ALARMS_PER_DAY,
                    max_alarm_time=MAX_ALARM_TIME):
    """The lowest threshold reached from the top while both alarm budgets hold (validation days)."""
    from course_utils import metrics

    best = np.inf                                 # nothing flagged, if even the top breaks a budget
    for threshold in np.unique(point_scores)[::-1]:
        flags = (point_scores >= threshold).astype(int)
        if (metrics.false_alarms_per_day(flags, y, points_per_day) > max_false_alarms
                or flags[y == 0].mean() > max_alarm_time):
            break
        best = threshold
    return float(best)


def validate_and_test(point_scores, ds, points_per_day):
    """Threshold on the validation days, report validation and test (point scores: whole series)."""
    from course_utils import metrics

    n_train, n_val = len(ds.y_train), len(ds.y_val)
    val, test = point_scores[n_train:n_train + n_val], point_scores[n_train + n_val:]
    thr = alarm_threshold(val, ds.y_val, points_per_day)
    return {"threshold": thr, "val_pr_auc": metrics.pr_auc(ds.y_val, val),
            "val": alarm_report(val, ds.y_val, thr, points_per_day),
            "test": alarm_report(test, ds.y_test, thr, points_per_day)}


def make_autoencoder(architecture, window, n_channels, seed, epochs=None):
    """Notebook 09's autoencoders: the conv1d one (defaults) or its tiny GRU (16 units)."""
    from course_utils.autoencoder import AutoencoderDetector

    if architecture == "recurrent":
        return AutoencoderDetector("recurrent", hidden=16, window_shape=(window, n_channels),
                                   epochs=epochs or 20, batch_size=64, random_state=seed)
    return AutoencoderDetector("conv1d", window_shape=(window, n_channels), epochs=epochs or 100,
                               random_state=seed)


DETECTORS = ("ae", "pca", "knn", "iforest", "zscore")


def run_seed(seed, window=WINDOW, architecture="conv1d", epochs=None, train_step=1):
    """One seed of the protocol: every detector, causal point scores, validation threshold."""
    from course_utils import datasets, timeseries
    from course_utils.detectors import IsolationForestDetector, KNNDetector, PCADetector

    ds = datasets.load("machine_sensors", random_state=seed)
    per_day = 1440 // ds.options["freq_minutes"]
    channels = sensor_channels(ds)
    windows = flat_windows(channels, window)              # window k ends at point k + window - 1
    n_train_windows = len(ds.y_train) - window + 1         # the windows inside the training days
    train = windows[:n_train_windows:train_step]
    detectors = {"ae": make_autoencoder(architecture, window, channels.shape[1], seed, epochs),
                 "pca": PCADetector(), "knn": KNNDetector(),
                 "iforest": IsolationForestDetector(random_state=seed)}
    result = {"seed": seed, "types": [e.type for e in ds.events_test]}
    for name, detector in detectors.items():
        cpu0 = time.process_time()
        detector.fit(train)
        result[f"{name}_fit_cpu_s"] = time.process_time() - cpu0
        points = datasets.windows_to_points(detector.decision_function(windows), len(channels),
                                            window, STEP, how="end", fill=0.0)
        result[name] = validate_and_test(points, ds, per_day)
    result["epochs"] = detectors["ae"].n_epochs_
    mean, std = ds.X_train.mean(axis=0), ds.X_train.std(axis=0)
    z = timeseries.rolling_zscore((ds.series - mean) / std, Z_WINDOW, Z_MIN_STD).max(axis=1)
    result["zscore"] = validate_and_test(z, ds, per_day)
    return result


def summarize(results, name):
    """Means over seeds and the detection rate per event type."""
    rec = np.array([r[name]["test"]["recall"] for r in results])
    fa = np.array([r[name]["test"]["false_alarms_per_day"] for r in results])
    alarm = np.array([r[name]["test"]["alarm_time"] for r in results])
    per_type = {}
    for r in results:
        for kind, hit in zip(r["types"], r[name]["test"]["detected"], strict=True):
            per_type.setdefault(kind, []).append(bool(hit))
    delays = np.concatenate([r[name]["test"]["delay"] for r in results])
    return {"recall": float(rec.mean()), "recall_sd": float(rec.std(ddof=1)) if len(rec) > 1 else 0.0,
            "false_alarms_per_day": float(fa.mean()), "alarm_time": float(alarm.mean()),
            "median_delay_steps": float(np.nanmedian(delays)) if np.isfinite(delays).any() else np.nan,
            "per_type": {k: float(np.mean(v)) for k, v in sorted(per_type.items())}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=len(SEEDS))
    parser.add_argument("--sweep", default="", help="window lengths to compare on validation, "
                        "e.g. 8,12,16,24,48 (each must be divisible by 4)")
    parser.add_argument("--architecture", choices=("conv1d", "recurrent"), default="conv1d")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default: 100 for conv1d, 20 for recurrent)")
    parser.add_argument("--train-step", type=int, default=1,
                        help="train on every k-th window (notebook 09's GRU: 2)")
    args = parser.parse_args(argv)
    from course_utils.reproducibility import setup_tensorflow

    setup_tensorflow(0)
    seeds = range(args.seeds)
    windows = [int(w) for w in args.sweep.split(",") if w] or [WINDOW]
    for window in windows:
        start = time.perf_counter()
        results = [run_seed(seed, window, args.architecture, args.epochs, args.train_step)
                   for seed in seeds]
        wall = time.perf_counter() - start
        print(f"\n{args.architecture}, window {window} steps, seeds {list(seeds)}, {wall:.0f} s "
              f"(AE fit {np.mean([r['ae_fit_cpu_s'] for r in results]):.1f} s CPU per seed)")
        for name in DETECTORS:
            val_rec = np.mean([r[name]["val"]["recall"] for r in results])
            val_alarm = np.mean([r[name]["val"]["alarm_time"] for r in results])
            val_pr = np.mean([r[name]["val_pr_auc"] for r in results])
            s = summarize(results, name)
            print(f"  {name:7s} VALIDATION recall {val_rec:.2f}, normal time in alarm "
                  f"{val_alarm:.3f}, point PR-AUC {val_pr:.3f} | TEST recall {s['recall']:.2f} ± {s['recall_sd']:.2f}, "
                  f"false alarms/day {s['false_alarms_per_day']:.2f}, normal time in alarm "
                  f"{s['alarm_time']:.3f}, median delay {s['median_delay_steps']:.0f} steps")
            print("          detected on test: " + ", ".join(f"{k} {v:.1f}"
                                                           for k, v in s["per_type"].items()))
        if len(windows) == 1 and args.architecture == "conv1d":
            s = summarize(results, "ae")
            ok = s["recall"] >= 0.8 and s["false_alarms_per_day"] <= 1.0
            print(f"original target (AE recall >= 0.8 at <= 1 false alarm/day), causal: "
                  f"{'met' if ok else 'not met'}")


if __name__ == "__main__":
    main()
