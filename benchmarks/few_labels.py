"""The few-label learning curve: a deviation network with k labelled anomalies (offline, deterministic).

    python benchmarks/few_labels.py --output benchmarks/results   # the stored results (~6 min)
    python benchmarks/few_labels.py                  # the same run, into a temporary folder
    python benchmarks/few_labels.py --quick          # a smoke run (~30 s), temporary folder

ADBench (Han et al., NeurIPS 2022) found that a handful of labelled anomalies helps more than
the choice among unsupervised detectors. This script measures that on the course's data.

Protocol, per dataset and seed (seeds 0 … N-1):

* ``datasets.load(name, random_state=seed)``: the course's normal-only split;
* **unlabelled rows**: ``benchmark.train_rows(ds, name, seed)``, the detection benchmark's
  draw of at most 3,000 training rows (the same rows its detectors train on);
* **labelled anomalies** come from the **validation** split only: its anomalies in a seeded
  random order, the first k of them for k in 5, 10, 25, 50 (so the 10 labels of a seed
  include its 5); every run records the validation rows it used;
* the **test** split is scored once per fit and never used for anything else: ROC-AUC and
  PR-AUC (``course_utils.metrics``);
* methods: ``DevNet`` (``few_labels.DeviationNetworkDetector``, the paper's settings) and a
  non-deep baseline ``LogReg`` (``StandardScaler → LogisticRegression(class_weight="balanced")``
  on the k labels against the unlabelled rows, its decision function as the score), each fitted
  on the unlabelled rows plus the k labelled ones;
* k = 0, the reference: the unsupervised detectors of ``benchmark.run_benchmark`` (the seven
  classical ones and the dense autoencoder, default settings) on the same splits and training
  rows — the very code of ``benchmarks/detection.py``; the script compares them with the stored
  ``detection.json`` and records the largest difference.

Datasets: those with at least 50 validation anomalies (shuttle, ecg, transactions,
network_flows). Writes ``few_labels.json`` (every run, mean ± sd per cell, the configuration,
the command) and ``few_labels.md`` into ``--output``; **without it into a new temporary
folder**, so a trial never overwrites the stored results that notebook 10 reads. One progress
line per fit goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results"
SCHEMA = "course-few-labels/1"
DATASETS = ("shuttle", "ecg", "transactions", "network_flows")
KS = (5, 10, 25, 50)
METHODS = ("DevNet", "LogReg")
#: The unsupervised references (k = 0): every base detector of the detection benchmark.
REFERENCES = ("Gaussian", "kNN", "LOF", "k-means", "IForest", "OCSVM", "PCA", "AE")
#: --quick: one dataset, one seed, two values of k, a short DevNet, two fast references.
QUICK = {"datasets": ["network_flows"], "seeds": 1, "ks": [5, 10], "epochs": 5,
         "references": ["IForest", "kNN"]}
FULL = {"datasets": list(DATASETS), "seeds": 5, "ks": list(KS), "epochs": 50,
        "references": list(REFERENCES)}


def labelled_rows(y_val, name: str, seed: int, k: int) -> np.ndarray:
    """Indices into the validation split of the ``k`` labelled anomalies of one seed.

    The validation anomalies in an order drawn from ``(seed, name)``, first ``k`` of them:
    nested (the 10 of a seed include its 5) and independent of the other datasets.
    """
    anomalies = np.flatnonzero(np.asarray(y_val) == 1)
    if k > len(anomalies):
        raise ValueError(f"{name}: k={k} labels asked for, but the validation split of seed "
                         f"{seed} holds {len(anomalies)} anomalies.")
    order = np.random.default_rng([int(seed), zlib.crc32(name.encode()), 7]).permutation(anomalies)
    return np.sort(order[:k])


def make(method: str, seed: int, epochs: int):
    """A fresh, unfitted few-label model."""
    if method == "DevNet":
        from course_utils.few_labels import DeviationNetworkDetector

        return DeviationNetworkDetector(epochs=epochs, random_state=seed)
    if method == "LogReg":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced",
                                                                  max_iter=1000))
    raise ValueError(f"unknown method {method!r}")


def few_label_runs(dataset_names, seeds: int, ks, epochs: int, start: float) -> list[dict]:
    from course_utils import benchmark, datasets, metrics

    runs = []
    total, done = len(dataset_names) * seeds * len(ks) * len(METHODS), 0
    for name in dataset_names:
        for seed in range(seeds):
            ds = datasets.load(name, random_state=seed)
            X_unlabelled = benchmark.train_rows(ds, name, seed)
            for k in ks:
                rows = labelled_rows(ds.y_val, name, seed, k)
                assert (ds.y_val[rows] == 1).all()
                X = np.vstack([X_unlabelled, ds.X_val[rows]])
                y = np.r_[np.zeros(len(X_unlabelled), int), np.ones(k, int)]
                for method in METHODS:
                    t = time.perf_counter()
                    model = make(method, seed, epochs).fit(X, y)
                    fit_s = time.perf_counter() - t
                    scores = model.decision_function(ds.X_test)        # the test split, once
                    runs.append({"dataset": name, "method": method, "k": k, "seed": seed,
                                 "roc_auc": metrics.roc_auc(ds.y_test, scores),
                                 "pr_auc": metrics.pr_auc(ds.y_test, scores),
                                 "chance_pr_auc": metrics.chance_pr_auc(ds.y_test),
                                 "n_unlabelled": len(X_unlabelled), "labels_from": "validation",
                                 "labelled_val_rows": rows.tolist(),
                                 "n_val_anomalies": int(ds.y_val.sum()),
                                 "fit_s": round(fit_s, 2)})
                    done += 1
                    print(f"[{time.perf_counter() - start:6.0f} s] {done:>3}/{total} {name:<14} "
                          f"{method:<7} k={k:<3} seed {seed}: ROC-AUC {runs[-1]['roc_auc']:.3f}, "
                          f"PR-AUC {runs[-1]['pr_auc']:.3f} ({fit_s:.1f} s)", file=sys.stderr,
                          flush=True)
    return runs


def reference_runs(dataset_names, seeds: int, references, start: float) -> list[dict]:
    """The unsupervised detectors (k = 0) on the same splits: ``benchmark.run_benchmark``."""
    from course_utils import benchmark

    def say(line):
        print(f"[{time.perf_counter() - start:6.0f} s] reference {line}", file=sys.stderr,
              flush=True)

    result = benchmark.run_benchmark(list(dataset_names), list(references), seeds=range(seeds),
                                     progress=say)
    return [{"dataset": r["dataset"], "method": r["detector"], "k": 0, "seed": r["seed"],
             "roc_auc": r["roc_auc"], "pr_auc": r["pr_auc"], "chance_pr_auc": r["chance_pr_auc"],
             "n_unlabelled": r["n_train"], "fit_s": round(r["fit_s"], 2)}
            for r in result["runs"]]


def compare_with_stored(references: list[dict], path: Path = STORED / "detection.json") -> dict:
    """The largest |difference| of the reference runs from their twins in ``detection.json``
    (same dataset, detector and seed), per detector; ``{}`` when the file is missing."""
    if not path.exists():
        return {}
    stored = {(r["dataset"], r["detector"], r["seed"]): r
              for r in json.loads(path.read_text())["runs"]}
    gaps: dict[str, float] = {}
    for r in references:
        twin = stored.get((r["dataset"], r["method"], r["seed"]))
        if twin is not None:
            gap = max(abs(r["roc_auc"] - twin["roc_auc"]), abs(r["pr_auc"] - twin["pr_auc"]))
            gaps[r["method"]] = max(gaps.get(r["method"], 0.0), gap)
    return gaps


def summary(runs: list[dict]) -> list[dict]:
    """Mean and sample standard deviation over the seeds per (dataset, method, k)."""
    cells: dict[tuple[str, str, int], list[dict]] = {}
    for r in runs:
        cells.setdefault((r["dataset"], r["method"], r["k"]), []).append(r)
    rows = []
    for (dataset, method, k), group in cells.items():
        row = {"dataset": dataset, "method": method, "k": k, "n_seeds": len(group),
               "seeds": sorted(g["seed"] for g in group)}
        for key in ("roc_auc", "pr_auc", "chance_pr_auc"):
            values = np.array([g[key] for g in group])
            row[f"{key}_mean"] = float(values.mean())
            row[f"{key}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        rows.append(row)
    return rows


def markdown(result: dict) -> str:
    from course_utils.few_labels import labels_needed

    rows, config = result["summary"], result["config"]
    cell = {(r["dataset"], r["method"], r["k"]): r for r in rows}
    lines = [f"# Few labels: the learning curve, mean ± sd over {config['seeds']} seeds\n",
             f"Made by `{result['command']}`. Unlabelled rows: the detection benchmark's "
             "training rows (≤ 3,000, normal-only split). k labelled anomalies drawn from the "
             "**validation** split; the **test** split scored once per fit. k = 0: the "
             "unsupervised detectors on the same splits, default settings.\n"]
    for dataset in config["datasets"]:
        refs = [m for m in config["references"] if (dataset, m, 0) in cell]
        best = max(refs, key=lambda m: cell[dataset, m, 0]["roc_auc_mean"])
        lines += [f"\n## {dataset}\n", "| method | k | ROC-AUC | PR-AUC |", "| --- | ---: | ---: | ---: |"]
        for method, k in [*((m, 0) for m in refs),
                          *((m, k) for m in METHODS for k in config["ks"])]:
            r = cell[dataset, method, k]
            mark = " (best unsupervised)" if method == best and k == 0 else ""
            lines.append(f"| {method}{mark} | {k} | {r['roc_auc_mean']:.3f} ± {r['roc_auc_sd']:.3f} "
                         f"| {r['pr_auc_mean']:.3f} ± {r['pr_auc_sd']:.3f} |")
        chance = cell[dataset, best, 0]["chance_pr_auc_mean"]
        needed = {m: labels_needed({k: cell[dataset, m, k]["roc_auc_mean"] for k in config["ks"]},
                                   cell[dataset, best, 0]["roc_auc_mean"]) for m in METHODS}
        lines.append(f"\nPR-AUC chance level {chance:.3f}. Smallest k whose mean ROC-AUC beats the "
                     f"best unsupervised detector ({best}): " +
                     ", ".join(f"{m} {needed[m] if needed[m] is not None else 'none'}"
                               for m in METHODS) + ".")
    gaps = result["reference_vs_detection_json"]
    if gaps:
        lines.append("\nThe k = 0 runs against their twins in the stored `detection.json` (same "
                     "dataset, detector and seed), largest |difference| of ROC-AUC or PR-AUC: " +
                     ", ".join(f"{m} {g:.1g}" for m, g in gaps.items()) + ". The curves are "
                     "compared with the k = 0 runs of this file.")
    return "\n".join(lines) + "\n"


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (" + ", ".join(
        f"{k}={v}" for k, v in QUICK.items()) + "); other options override it")
    parser.add_argument("--seeds", type=int, help="seeds 0 … N-1 (default 5)")
    parser.add_argument("--datasets", help="comma-separated, from: " + ", ".join(DATASETS))
    parser.add_argument("--ks", help="comma-separated numbers of labels (default 5,10,25,50)")
    parser.add_argument("--epochs", type=int, help="DevNet's epochs (default 50, the paper's)")
    parser.add_argument("--references", help="comma-separated unsupervised detectors for k = 0, "
                        "from: " + ", ".join(REFERENCES) + " (default all)")
    parser.add_argument("--output", type=Path, help="folder for few_labels.json and .md "
                        "(default: a new temporary folder)")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    datasets_ = _names(args.datasets) or defaults["datasets"]
    references = _names(args.references) or defaults["references"]
    seeds = args.seeds or defaults["seeds"]
    epochs = args.epochs or defaults["epochs"]
    ks = [int(k) for k in _names(args.ks)] if args.ks else defaults["ks"]
    if (not set(datasets_) <= set(DATASETS) or not set(references) <= set(REFERENCES)
            or seeds < 1 or epochs < 1 or not ks or min(ks) < 1):
        parser.error(f"--datasets from {', '.join(DATASETS)}; --references from "
                     f"{', '.join(REFERENCES)}; --seeds, --epochs and every k >= 1")
    output = args.output or Path(tempfile.mkdtemp(prefix="few_labels_"))
    output.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/few_labels.py" + "".join(" " + a for a in argv)

    from course_utils.reproducibility import import_tensorflow

    tf = import_tensorflow()                 # quiet: no notices on stderr
    import keras
    import sklearn

    start = time.perf_counter()
    refs = reference_runs(datasets_, seeds, references, start)
    runs = few_label_runs(datasets_, seeds, ks, epochs, start)
    from course_utils.few_labels import DeviationNetworkDetector

    devnet = DeviationNetworkDetector(epochs=epochs).get_params()
    result = {"schema": SCHEMA, "command": command,
              "config": {"datasets": datasets_, "seeds": seeds, "ks": ks, "methods": list(METHODS),
                         "references": references, "labels_from": "validation",
                         "unlabelled": "benchmark.train_rows (<= 3,000 normal training rows)",
                         "devnet": {k: v for k, v in devnet.items() if k != "random_state"},
                         "logreg": "StandardScaler -> LogisticRegression(class_weight='balanced')"},
              "environment": {"python": platform.python_version(), "numpy": np.__version__,
                              "scikit-learn": sklearn.__version__,
                              "tensorflow": tf.__version__, "keras": keras.__version__},
              "reference_vs_detection_json": compare_with_stored(refs),
              "summary": summary([*refs, *runs]), "runs": [*refs, *runs],
              "total_s": round(time.perf_counter() - start, 1)}
    stem = output / "few_labels"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    stem.with_suffix(".md").write_text(markdown(result))
    print(f"wrote {stem}.json and {stem.name}.md in {result['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
