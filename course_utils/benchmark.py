"""The detection benchmark: every detector on every tabular course dataset, over several seeds.

One protocol for all (the one of notebook 06, so the numbers are comparable):

* ``datasets.load(name, random_state=seed, protocol=protocol)``: the same splits for every
  detector within a seed;
* at most ``max_train_rows`` training rows (a seeded subsample that depends only on the seed
  and the dataset's name, so a run on a subset of datasets or detectors gives the same
  numbers); the validation and test splits stay complete;
* every detector in a pipeline ``StandardScaler() → detector``, the scaler fitted on the
  training rows; default settings, no tuning;
* ROC-AUC and PR-AUC of the **test** scores (PR-AUC's chance level is the test anomaly share),
  fit and score time in seconds.

Fused detectors (:class:`~course_utils.detectors.FusionDetector`) normalise their members on
held-out normal rows: ``FUSION_HOLDOUT`` of the training rows, drawn by
:func:`~course_utils.detectors.holdout_split` with the seed. Each member is fitted once on the
other rows and shared by every fusion of the run (wrapped so that the fusion's ``fit`` keeps
it as it is); a fusion's fit time is the sum of its members' fit times plus its own.

``benchmarks/detection.py`` is the command-line front end; notebook 10 calls
:func:`run_benchmark` for a small live rerun and reads the stored results.

    >>> result = run_benchmark(["breast_cancer"], ["IForest", "PCA"], seeds=[0])  # doctest: +SKIP
    >>> summary(result["runs"])[0]["roc_auc_mean"]                               # doctest: +SKIP
"""

from __future__ import annotations

import json
import platform
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import datasets, detectors, metrics, model_selection

__all__ = ["CLASSICAL", "DATASETS", "DEEP", "FUSIONS", "FUSION_HOLDOUT", "IMAGE_TASKS", "MAX_TRAIN_ROWS", "PARAM_GRIDS",
           "RUFF_2018_DEEP_SVDD", "SKIPPED", "all_detectors", "default_detectors", "merge_results",
           "make_detector", "subsample_rng", "train_row_indices", "train_rows",
           "load_results", "mean_ranks", "run_benchmark", "summary", "to_markdown", "write_results"]

SCHEMA = "course-detection-benchmark/1"

#: Training rows per dataset and seed at most (notebook 06: One-Class SVM needs 27 s on all of
#: Shuttle's 27,352; on 3,000 rows every classical fit takes under a second).
MAX_TRAIN_ROWS = 3_000
#: The tabular course datasets, in course order.
DATASETS = ("breast_cancer", "digits", "shuttle", "ecg", "transactions", "network_flows")
#: Image tasks on 28 × 28 MNIST-5k: ``name -> (dataset, options)``. One-class per digit
#: (Ruff et al. 2018's layout: one digit normal, the nine others anomalies) and the hard
#: direction per digit (nine digits normal, one anomalous, as ODDS optdigits).
IMAGE_TASKS: dict[str, tuple[str, dict]] = {
    **{f"mnist {d}": ("mnist", {"normal_digit": d}) for d in range(10)},
    **{f"mnist_hard {d}": ("mnist_hard", {"anomaly_digit": d}) for d in range(10)},
}
#: Ruff et al. (ICML 2018), one-class Deep SVDD on one-class MNIST: mean AUROC in % over 10
#: seeds per normal digit 0–9 (their Table 1). Their protocol differs: ~6,000 training images
#: per digit, the whole MNIST test set, global contrast normalisation (see data/mnist5k.md).
RUFF_2018_DEEP_SVDD = {0: 98.0, 1: 99.7, 2: 91.7, 3: 91.9, 4: 94.9, 5: 88.5, 6: 98.3, 7: 94.6,
                       8: 93.9, 9: 96.5}
#: Course datasets left out, with the reason.
SKIPPED = {"machine_sensors": "a time series: its detectors score windows and are judged by event "
                             "recall and false alarms per day (notebook 09, "
                             "benchmarks/deep_acceptance.py), not by row-wise AUCs"}

#: The seven classical detectors of notebook 06, default settings.
CLASSICAL: dict[str, Callable[[int], object]] = {
    "Gaussian": lambda seed: detectors.GaussianDetector(),
    "kNN": lambda seed: detectors.KNNDetector(),
    "LOF": lambda seed: detectors.LOFDetector(),
    "k-means": lambda seed: detectors.KMeansDetector(random_state=seed),
    "IForest": lambda seed: detectors.IsolationForestDetector(random_state=seed),
    "OCSVM": lambda seed: detectors.OneClassSVMDetector(),
    "PCA": lambda seed: detectors.PCADetector(),
}
#: The deep detectors, each with its defaults (early stopping on 10 % of the training rows):
#: the dense autoencoder (notebook 07), the variational autoencoder (notebook 07), dense
#: one-class Deep SVDD (notebook 08) and, for image tasks only, the convolutional autoencoder
#: of notebook 08; ``ae_epochs`` caps the epochs of all of them.
DEEP = ("AE", "VAE", "Deep SVDD", "conv AE")
#: The share of the training rows a fusion holds out to normalise its members on.
FUSION_HOLDOUT = 0.2
#: Fused detectors: name -> (members, normalisation method).
FUSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "Fusion rank (all)": ((*CLASSICAL, "AE"), "rank"),
    "Fusion z-score (all)": ((*CLASSICAL, "AE"), "zscore"),
    "Fusion rank (IForest+AE)": (("IForest", "AE"), "rank"),
}

#: "Tuned on validation": each classical detector's grid for
#: :class:`~course_utils.model_selection.ValidationSearch` (fit on the training rows, chosen by
#: validation ROC-AUC, test scored once). Every grid holds the default setting, which wins ties.
PARAM_GRIDS: dict[str, dict[str, list]] = {
    "Gaussian": {"covariance": ["ledoit_wolf", "empirical"]},
    "kNN": {"n_neighbors": [1, 5, 10, 20, 50], "method": ["largest", "mean"]},
    "LOF": {"n_neighbors": [5, 10, 20, 50]},
    "k-means": {"n_clusters": [1, 2, 4, 8, 16]},
    "IForest": {"max_samples": [64, "auto", 1.0]},
    "OCSVM": {"nu": [0.5, 0.1], "gamma": ["scale", 0.01, 0.1]},
    "PCA": {"n_components": [1, 2, 0.5, 0.7, 0.8, 0.9, 0.95]},
}


def all_detectors() -> list[str]:
    """Every detector name the benchmark knows: classical, deep, fused."""
    return [*CLASSICAL, *DEEP, *FUSIONS]


def default_detectors(dataset_names: Sequence[str]) -> list[str]:
    """The detectors a run uses when none are named: for tabular datasets the classical
    ones, the dense deep ones and the fusions; for image tasks the classical ones and
    "conv AE"."""
    if all(name in IMAGE_TASKS for name in dataset_names):
        return [*CLASSICAL, "conv AE"]
    return [*CLASSICAL, "AE", "VAE", "Deep SVDD", *FUSIONS]


def _load(task: str, seed: int, protocol: str):
    """The dataset of a tabular dataset name or an image task, split for ``seed``."""
    name, options = IMAGE_TASKS.get(task, (task, {}))
    return datasets.load(name, random_state=seed, protocol=protocol, **options)


def _pipeline(task: str, detector):
    """``StandardScaler() → detector`` for tables; images keep their pixels (one unit, [0, 1]:
    standardising near-blank pixels creates false alarms, notebook 08)."""
    return make_pipeline(detector) if task in IMAGE_TASKS else make_pipeline(StandardScaler(),
                                                                             detector)


def make_detector(name: str, seed: int, *, ae_epochs: int = 100):
    """A fresh, unfitted base detector (classical or deep) for one seed."""
    if name in CLASSICAL:
        return CLASSICAL[name](seed)
    if name in DEEP:   # Keras only when needed
        from .autoencoder import AutoencoderDetector
        from .deep_svdd import DeepSVDDDetector
        from .vae import VariationalAutoencoderDetector

        if name == "conv AE":
            return AutoencoderDetector("conv2d", image_shape=datasets.MNIST_IMAGE_SHAPE,
                                       epochs=ae_epochs, random_state=seed)
        if name == "VAE":
            return VariationalAutoencoderDetector(epochs=ae_epochs, random_state=seed)
        if name == "Deep SVDD":
            return DeepSVDDDetector(epochs=ae_epochs, random_state=seed)
        return AutoencoderDetector("dense", epochs=ae_epochs, random_state=seed)
    raise ValueError(f"Unknown base detector {name!r}; expected one of "
                     f"{', '.join([*CLASSICAL, *DEEP])}.")


def _check_names(names, known, what) -> list[str]:
    names = list(names)
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(f"Unknown or no {what}: {unknown or names}; expected some of "
                         f"{', '.join(known)}.")
    return names


def subsample_rng(name: str, seed: int) -> np.random.Generator:
    """The generator that draws a dataset's training subsample: seeded by the seed *and* the
    dataset's name, so one dataset's rows never depend on which datasets were drawn before."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def train_row_indices(n_rows: int, name: str, seed: int,
                      max_rows: int | None = MAX_TRAIN_ROWS) -> np.ndarray:
    """Sorted indices of the training rows used: all ``n_rows``, or ``max_rows`` of them drawn
    without replacement by :func:`subsample_rng`. Derived in notebook 06 (its ``subsample``)."""
    if max_rows is None or n_rows <= max_rows:
        return np.arange(n_rows)
    return np.sort(subsample_rng(name, seed).choice(n_rows, max_rows, replace=False))


def train_rows(ds, name: str, seed: int, max_rows: int | None = MAX_TRAIN_ROWS) -> np.ndarray:
    """The training rows of ``ds`` (dataset ``name``) that the benchmark and notebook 06 use."""
    return ds.X_train[train_row_indices(len(ds.X_train), name, seed, max_rows)]


class _Fitted:
    """A fitted detector that stays fitted: ``fit`` and ``clone`` return it unchanged.

    Lets :class:`~course_utils.detectors.FusionDetector` (which clones and fits its members)
    reuse members the benchmark has already trained on the same rows.
    """

    def __init__(self, detector, n_rows: int):
        self.detector = detector
        self.n_rows = n_rows   # the rows it was fitted on: the fusion must hand it the same
        self.decision_scores_ = detector.decision_scores_

    def __sklearn_clone__(self):
        return self

    def fit(self, X, y=None):
        if len(X) != self.n_rows:
            raise RuntimeError(f"a shared member fitted on {self.n_rows} rows was handed "
                               f"{len(X)}: the fusion's holdout split differs from the run's")
        return self

    def decision_function(self, X):
        return self.detector.decision_function(X)


def _evaluate(model, X_test, y_test) -> tuple[float, float, float]:
    start = time.perf_counter()
    scores = model.decision_function(X_test)
    score_s = time.perf_counter() - start
    return metrics.roc_auc(y_test, scores), metrics.pr_auc(y_test, scores), score_s


def run_benchmark(dataset_names: Sequence[str] = DATASETS, detector_names: Sequence[str] | None = None,
                  seeds: Sequence[int] = (0, 1, 2, 3, 4), *, max_train_rows: int | None = MAX_TRAIN_ROWS,
                  ae_epochs: int = 100, protocol: str = "normal-only",
                  progress: Callable[[str], None] | None = None, models: dict | None = None,
                  tune: bool = False) -> dict:
    """Run every detector on every dataset for every seed; return the results as a dict.

    dataset_names: from ``DATASETS``; detector_names: from ``all_detectors()`` (default: all);
    seeds: ints, each gives its own splits (shared by all detectors); max_train_rows: cap on
    the training rows (``None``: all); ae_epochs: the autoencoder's maximum epochs; protocol:
    "normal-only" or "contaminated"; progress: called with one line per fit (e.g. ``print``);
    models: a dict that receives each reported fitted pipeline, keyed by
    ``(dataset, detector, seed)`` (to look inside them afterwards); tune: also run every
    requested detector that has a grid in ``PARAM_GRIDS`` "tuned on validation"
    (:class:`~course_utils.model_selection.ValidationSearch` on the same training rows, the
    complete validation split and its labels; the test split scored once).

    Returns ``{"schema", "config", "environment", "skipped", "runs", "summary",
    "total_s"}``; ``runs`` has one dict per (dataset, detector, seed) with ``roc_auc``,
    ``pr_auc``, ``chance_pr_auc``, ``fit_s``, ``score_s``, ``n_train``, ``n_test``,
    ``n_test_anomalies``; ``summary`` is :func:`summary` of the runs. With ``tune``, also
    ``"tuned": {"scoring", "grids", "runs", "summary"}``: its runs add ``params`` (the chosen
    setting), ``val_roc_auc`` (its validation score) and ``default_val_roc_auc``; ``fit_s`` is
    the whole search.
    """
    dataset_names = _check_names(dataset_names, (*DATASETS, *IMAGE_TASKS), "datasets")
    detector_names = _check_names(default_detectors(dataset_names) if detector_names is None
                                  else detector_names, all_detectors(), "detectors")
    seeds = [int(s) for s in seeds]
    needed = [n for n in [*CLASSICAL, *DEEP] if n in detector_names]
    tuned_names = [n for n in detector_names if tune and n in PARAM_GRIDS]
    start, runs, tuned_runs = time.perf_counter(), [], []
    say = progress or (lambda line: None)
    total = len(dataset_names) * len(seeds) * (len(detector_names) + len(tuned_names))
    done = 0
    for dataset in dataset_names:
        for seed in seeds:
            ds = _load(dataset, seed, protocol)
            X_train = train_rows(ds, dataset, seed, max_train_rows)
            base = {"dataset": dataset, "seed": seed, "n_train": int(len(X_train)),
                    "n_test": int(len(ds.y_test)), "n_test_anomalies": int(ds.y_test.sum()),
                    "chance_pr_auc": metrics.chance_pr_auc(ds.y_test)}
            shared = _shared_members(dataset, seed, X_train, detector_names, ae_epochs)
            for name in [*needed, *(d for d in detector_names if d in FUSIONS)]:
                if name in FUSIONS:
                    members, method = FUSIONS[name]
                    fusion = detectors.FusionDetector(
                        [shared[m][0] for m in members], method=method,
                        holdout=FUSION_HOLDOUT, random_state=seed)
                    model = _pipeline(dataset, fusion)
                    t0 = time.perf_counter()
                    model.fit(X_train)
                    fit_s = time.perf_counter() - t0 + sum(shared[m][1] for m in members)
                else:
                    model = _pipeline(dataset, make_detector(name, seed, ae_epochs=ae_epochs))
                    t0 = time.perf_counter()
                    model.fit(X_train)
                    fit_s = time.perf_counter() - t0
                roc, pr, score_s = _evaluate(model, ds.X_test, ds.y_test)
                if models is not None:
                    models[dataset, name, seed] = model
                runs.append({**base, "detector": name, "roc_auc": roc, "pr_auc": pr,
                             "fit_s": fit_s, "score_s": score_s})
                done += 1
                say(f"{_progress(done, total, time.perf_counter() - start)} {dataset:<14} "
                    f"{name:<24} seed {seed}  ROC-AUC {roc:.3f}  PR-AUC {pr:.3f}  "
                    f"fit {fit_s:.2f} s")
            for name in tuned_names:
                run = _tuned_run(dataset, name, seed, ds, X_train, ae_epochs)
                tuned_runs.append({**base, **run})
                done += 1
                say(f"{_progress(done, total, time.perf_counter() - start)} {dataset:<14} "
                    f"{name + ' (tuned)':<24} seed {seed}  ROC-AUC {run['roc_auc']:.3f}  "
                    f"PR-AUC {run['pr_auc']:.3f}  {run['params']}")
    config = {"datasets": dataset_names, "detectors": detector_names, "seeds": seeds,
              "max_train_rows": max_train_rows, "ae_epochs": ae_epochs, "protocol": protocol,
              "scaling": ("none (pixels in [0, 1])" if all(d in IMAGE_TASKS for d in dataset_names)
                          else "StandardScaler fitted on the training rows"),
              "fusions": {k: {"members": list(v[0]), "method": v[1], "holdout": FUSION_HOLDOUT}
                          for k, v in FUSIONS.items() if k in detector_names}}
    result = {"schema": SCHEMA, "config": config, "environment": _environment(),
              "skipped": SKIPPED, "runs": runs, "summary": summary(runs)}
    if tune:
        result["tuned"] = {"scoring": "roc_auc on the validation split",
                           "grids": {n: PARAM_GRIDS[n] for n in tuned_names},
                           "runs": tuned_runs, "summary": summary(tuned_runs)}
    result["total_s"] = time.perf_counter() - start
    return result


def _shared_members(task: str, seed: int, X_train, detector_names, ae_epochs: int) -> dict:
    """Every fusion member of the run, fitted once on the rows a fusion fits its members on
    (the training rows less the held-out ones): ``name -> (_Fitted(detector), fit_s)``."""
    names = list(dict.fromkeys(m for f in detector_names if f in FUSIONS for m in FUSIONS[f][0]))
    if not names:
        return {}
    scaled = _pipeline(task, "passthrough").fit(X_train).transform(X_train)
    fit_rows, _ = detectors.holdout_split(len(scaled), FUSION_HOLDOUT, seed)
    shared = {}
    for name in names:
        t0 = time.perf_counter()
        member = make_detector(name, seed, ae_epochs=ae_epochs).fit(scaled[fit_rows])
        shared[name] = (_Fitted(member, len(fit_rows)), time.perf_counter() - t0)
    return shared


def _tuned_run(task: str, name: str, seed: int, ds, X_train, ae_epochs: int) -> dict:
    """One detector tuned on ``ds``'s validation split, then scored once on its test split."""
    model = _pipeline(task, make_detector(name, seed, ae_epochs=ae_epochs))
    step = model.steps[-1][0]
    grid = {f"{step}__{k}": v for k, v in PARAM_GRIDS[name].items()}
    t0 = time.perf_counter()
    search = model_selection.ValidationSearch(model, grid).fit(X_train, ds.X_val, ds.y_val)
    fit_s = time.perf_counter() - t0
    roc, pr, score_s = _evaluate(search, ds.X_test, ds.y_test)
    own = model.get_params()
    default = next(r["score"] for r in search.results_
                   if all(own[k] == v for k, v in r["params"].items()))
    return {"detector": name, "roc_auc": roc, "pr_auc": pr, "fit_s": fit_s, "score_s": score_s,
            "params": {k.split("__", 1)[1]: v for k, v in search.best_params_.items()},
            "val_roc_auc": search.best_score_, "default_val_roc_auc": default}


def _progress(done: int, total: int, elapsed: float, width: int = 20) -> str:
    """A one-line progress bar: ``[#####-----]  12/40  30 %  45 s, ~1 min left``."""
    filled = int(width * done / total) if total else width
    left = elapsed / done * (total - done) if done else 0.0
    eta = f"~{left / 60:.0f} min left" if left >= 90 else f"~{left:.0f} s left"
    return (f"[{'#' * filled}{'-' * (width - filled)}] {done:>{len(str(total))}}/{total} "
            f"{100 * done / max(total, 1):3.0f} %  {elapsed:6.0f} s, {eta:<13}")


def _environment() -> dict:
    import os

    import sklearn

    return {"python": platform.python_version(), "numpy": np.__version__,
            "scikit-learn": sklearn.__version__, "platform": sys.platform,
            "cpus": os.cpu_count()}


def summary(runs: list[dict]) -> list[dict]:
    """Mean and standard deviation over the seeds of each (dataset, detector), in run order, of
    every measure the runs hold (ROC-AUC, PR-AUC, its chance level, fit and score times)."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for run in runs:
        groups.setdefault((run["dataset"], run["detector"]), []).append(run)
    rows = []
    for (dataset, detector), rs in groups.items():
        row = {"dataset": dataset, "detector": detector, "n_seeds": len(rs)}
        for key in [k for k in ("roc_auc", "pr_auc", "chance_pr_auc", "fit_s", "score_s")
                    if k in rs[0]]:
            values = np.array([r[key] for r in rs], dtype=float)
            row[f"{key}_mean"] = float(values.mean())
            row[f"{key}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        rows.append(row)
    return rows


def mean_ranks(summary_rows: list[dict], metric: str = "roc_auc", *,
               decimals: int | None = 3) -> dict[str, float]:
    """Each detector's mean rank over the datasets (1 = best mean ``metric``; ties share ranks).

    Means are rounded to ``decimals`` first (``None``: not rounded), so differences too small
    to print (0.9991 vs 0.9993) count as ties rather than as a win. Only datasets on which
    every detector was run count.
    """
    table: dict[str, dict[str, float]] = {}
    for row in summary_rows:
        table.setdefault(row["dataset"], {})[row["detector"]] = row[f"{metric}_mean"]
    names = sorted({d for per in table.values() for d in per})
    complete = [per for per in table.values() if set(per) == set(names)]
    if not complete:
        raise ValueError("No dataset has results for every detector.")
    ranks = np.array([_ranks_desc(np.array([per[d] for d in names]) if decimals is None
                                  else np.round([per[d] for d in names], decimals))
                      for per in complete])
    return dict(zip(names, ranks.mean(axis=0).tolist(), strict=True))


def _ranks_desc(values: np.ndarray) -> np.ndarray:
    """Ranks of ``values``, 1 for the largest; tied values share their mean rank."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for v in np.unique(values):
        tied = values == v
        ranks[tied] = ranks[tied].mean()
    return ranks


def merge_results(first: dict, *more: dict) -> dict:
    """One result from several runs (e.g. image tasks with different detector lists)."""
    runs = [r for res in (first, *more) for r in res["runs"]]
    config = dict(first["config"])
    for key in ("datasets", "detectors"):
        config[key] = list(dict.fromkeys(x for res in (first, *more) for x in res["config"][key]))
    config["detectors_by_dataset"] = {d: res["config"]["detectors"]
                                      for res in (first, *more) for d in res["config"]["datasets"]}
    return {**first, "config": config, "runs": runs, "summary": summary(runs),
            "total_s": sum(res["total_s"] for res in (first, *more))}


def _image_markdown(result: dict, header: str) -> str:
    """Image tasks: one row per task, one column per detector, Ruff et al.'s beside."""
    rows = result["summary"]
    cfg = result["config"]
    tasks = list(dict.fromkeys(r["dataset"] for r in rows))
    dets = list(dict.fromkeys(r["detector"] for r in rows))
    cell = {(r["dataset"], r["detector"]): r for r in rows}
    lines = [header.rstrip(), ""] if header else []
    lines += [f"Protocol `{cfg['protocol']}`, seeds {cfg['seeds']}, at most "
              f"{cfg['max_train_rows']} training rows, scaling: {cfg['scaling']}, autoencoder ≤ "
              f"{cfg['ae_epochs']} epochs. Test ROC-AUC, mean ± sd over the seeds (sd 0 with one "
              "seed); **bold**: the best per task.", ""]
    for family, title, extra in (
            ("mnist", "One-class MNIST: digit d normal, the nine others anomalies",
             "Deep SVDD (Ruff et al. 2018)"),
            ("mnist_hard", "Hard direction: nine digits normal, digit d anomalous", None)):
        chosen = [t for t in tasks if IMAGE_TASKS[t][0] == family]
        if not chosen:
            continue
        cols = [d for d in dets if any((t, d) in cell for t in chosen)]
        lines += [f"## {title}", "", "| d | " + " | ".join(cols)
                  + (f" | {extra} |" if extra else " |"),
                  "| ---: |" + " ---: |" * (len(cols) + (1 if extra else 0))]
        for task in chosen:
            digit = next(iter(IMAGE_TASKS[task][1].values()))
            best = round(max(cell[task, d]["roc_auc_mean"] for d in cols if (task, d) in cell), 3)
            cells = []
            for d in cols:
                r = cell.get((task, d))
                text = "–" if r is None else f"{r['roc_auc_mean']:.3f}"
                cells.append(f"**{text}**" if r is not None and round(r["roc_auc_mean"], 3) == best
                             else text)
            ruff = f" | {RUFF_2018_DEEP_SVDD[digit] / 100:.3f} |" if extra else " |"
            lines.append(f"| {digit} | " + " | ".join(cells) + ruff)
        means = [np.mean([cell[t, d]["roc_auc_mean"] for t in chosen if (t, d) in cell]) for d in cols]
        ruff = (f" | {np.mean(list(RUFF_2018_DEEP_SVDD.values())) / 100:.3f} |" if extra else " |")
        lines += ["| mean | " + " | ".join(f"{m:.3f}" for m in means) + ruff, ""]
    lines += [f"Total run time {result['total_s']:.0f} s on {result['environment']['cpus']} "
              "CPU core(s).", ""]
    return "\n".join(lines)


def to_markdown(result: dict, *, header: str = "") -> str:
    """The results as Markdown: ROC-AUC and PR-AUC tables (mean ± sd), ranks and times."""
    if result["summary"] and all(r["dataset"] in IMAGE_TASKS for r in result["summary"]):
        return _image_markdown(result, header)
    rows = result["summary"]
    data = list(dict.fromkeys(r["dataset"] for r in rows))
    dets = list(dict.fromkeys(r["detector"] for r in rows))
    cell = {(r["dataset"], r["detector"]): r for r in rows}
    cfg = result["config"]
    lines = [header.rstrip(), ""] if header else []
    lines += [f"Protocol `{cfg['protocol']}`, seeds {cfg['seeds']}, at most "
              f"{cfg['max_train_rows']} training rows, {cfg['scaling']}, autoencoder ≤ "
              f"{cfg['ae_epochs']} epochs. Test split; mean ± sd over the seeds; **bold**: the "
              "best mean per dataset. Skipped: "
              + "; ".join(f"{k} ({v})" for k, v in result["skipped"].items()) + ".", ""]
    ranks = mean_ranks(rows, "roc_auc") if len(data) > 0 else {}
    for metric, title in (("roc_auc", "ROC-AUC (chance 0.5)"), ("pr_auc", "PR-AUC")):
        lines += [f"## {title}", "", "| detector | " + " | ".join(data) + " | mean |",
                  "| --- |" + " ---: |" * (len(data) + 1)]
        best = {d: round(max(cell[d, k][f"{metric}_mean"] for k in dets if (d, k) in cell), 3)
                for d in data}
        for det in dets:
            cells, means = [], []
            for d in data:
                r = cell.get((d, det))
                if r is None:
                    cells.append("–")
                    continue
                text = f"{r[f'{metric}_mean']:.3f} ± {r[f'{metric}_sd']:.3f}"
                cells.append(f"**{text}**" if round(r[f"{metric}_mean"], 3) == best[d] else text)
                means.append(r[f"{metric}_mean"])
            lines.append(f"| {det} | " + " | ".join(cells) + f" | {np.mean(means):.3f} |")
        if metric == "pr_auc":
            chance = [f"{cell[d, dets[0]]['chance_pr_auc_mean']:.3f}" for d in data]
            lines.append("| *chance* | " + " | ".join(chance) + " | |")
        lines.append("")
    lines += ["## Mean rank (ROC-AUC, 1 = best) and time per fit", "",
              "| detector | mean rank | fit (s) | score (s) |", "| --- | ---: | ---: | ---: |"]
    for det in sorted(dets, key=lambda k: ranks.get(k, np.inf)):
        fit = np.mean([cell[d, det]["fit_s_mean"] for d in data if (d, det) in cell])
        score = np.mean([cell[d, det]["score_s_mean"] for d in data if (d, det) in cell])
        rank = f"{ranks[det]:.2f}" if det in ranks else "–"
        lines.append(f"| {det} | {rank} | {fit:.2f} | {score:.2f} |")
    if "tuned" in result:
        lines += _tuned_markdown(result, cell)
    lines += ["", f"Total run time {result['total_s']:.0f} s on {result['environment']['cpus']} "
              "CPU core(s); times are means over datasets and seeds (fusion: members' fits "
              "included).", ""]
    return "\n".join(lines)


def _tuned_markdown(result: dict, cell: dict) -> list[str]:
    """The "default vs tuned on validation" tables."""
    tuned = result["tuned"]
    rows = tuned["summary"]
    data = list(dict.fromkeys(r["dataset"] for r in rows))
    dets = list(dict.fromkeys(r["detector"] for r in rows))
    tcell = {(r["dataset"], r["detector"]): r for r in rows}
    lines = ["", "## Default vs tuned on validation (test ROC-AUC)", "",
             "Tuned: `model_selection.ValidationSearch` over the grid below, each candidate "
             "fitted on the same training rows, chosen by its ROC-AUC on the **validation** "
             "split (its labels only), the test split scored once. Ties keep the default. "
             "Cells: default → tuned, mean over the seeds.", "",
             "| detector | " + " | ".join(data) + " | mean |", "| --- |" + " ---: |" * (len(data) + 1)]
    for det in dets:
        cells, before, after = [], [], []
        for d in data:
            if (d, det) not in tcell or (d, det) not in cell:
                cells.append("–")
                continue
            a, b = cell[d, det]["roc_auc_mean"], tcell[d, det]["roc_auc_mean"]
            cells.append(f"{a:.3f} → {b:.3f}")
            before.append(a)
            after.append(b)
        lines.append(f"| {det} | " + " | ".join(cells)
                     + f" | {np.mean(before):.3f} → {np.mean(after):.3f} |")
    lines += ["", "Grids (each holds the default setting) and the setting chosen most often "
              "over the seeds:", "", "| detector | grid | " + " | ".join(data) + " |",
              "| --- | --- |" + " --- |" * len(data)]
    for det in dets:
        grid = "; ".join(f"{k} {v}" for k, v in tuned["grids"][det].items())
        chosen = []
        for d in data:
            picks = [json.dumps(r["params"], sort_keys=True) for r in tuned["runs"]
                     if r["dataset"] == d and r["detector"] == det]
            top = max(set(picks), key=picks.count) if picks else None
            chosen.append("–" if top is None else
                          ", ".join(f"{k}={v}" for k, v in json.loads(top).items())
                          + f" ({picks.count(top)}/{len(picks)})")
        lines.append(f"| {det} | {grid} | " + " | ".join(chosen) + " |")
    return lines


def write_results(result: dict, out_dir, *, stem: str = "detection", header: str = "") -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md`` into ``out_dir``; return both paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    md_path.write_text(to_markdown(result, header=header), encoding="utf-8")
    return json_path, md_path


def load_results(path) -> dict:
    """Read a result file written by :func:`write_results`."""
    result = json.loads(Path(path).read_text(encoding="utf-8"))
    if result.get("schema") != SCHEMA:
        raise ValueError(f"{path} is not a detection benchmark result ({SCHEMA}).")
    return result
