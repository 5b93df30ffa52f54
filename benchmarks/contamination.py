"""Contaminated training data: what helps the autoencoder? (offline, deterministic)

    python benchmarks/contamination.py --output benchmarks/results   # the stored results
    python benchmarks/contamination.py                 # the same full run, into a temporary folder
    python benchmarks/contamination.py --quick         # a smoke run (~1-2 min), temporary folder
    python benchmarks/contamination.py --seeds 2 --datasets shuttle --variants default,dropout=0.2

The full run is 140 autoencoder fits (4 datasets × 7 variants × 5 seeds): 5-10 s each on two
idle cores, about 15 min; the stored run took 39 min (``total_s``) because three other
benchmarks shared the same two cores.

The remedy study of notebook 07 (issue 11, item 6). Protocol: the benchmark's
``"contaminated"`` one (``benchmarks/detection.py --protocol contaminated``, stored as
``detection_contaminated.json``), so the ``default`` variant *is* that file's "AE":

* ``datasets.load(name, random_state=seed, protocol="contaminated")``: the training split
  holds the anomalies of its period (Shuttle 7 %, network flows 5 %, breast cancer 6 %,
  transactions 1.5 %); validation and test as always;
* the training rows: ``benchmark.train_rows(ds, name, seed)`` (at most 3,000, the
  benchmark's seeded draw);
* ``make_pipeline(StandardScaler(), detector)``, the scaler fitted on the training rows, as
  ``course_utils.benchmark`` does; ROC-AUC and PR-AUC of the **test** scores.

The variants of the dense autoencoder (``benchmark.make_detector("AE", seed)`` with one
change each). The grid was fixed before any test result was looked at, and nothing is chosen
on test data afterwards: every variant is reported.

* ``default`` — the benchmark's AE: patience 10, early stopping on 10 % of the (contaminated)
  training rows;
* ``normal-only`` — the same detector trained on the **normal** rows of the same draw: the
  reference a practitioner cannot have (it needs the training labels);
* ``patience=5``, ``patience=2`` — stop earlier: fewer epochs to learn the anomalies too;
* ``clean validation`` — early stopping on the **validation split's normal rows** (its labels
  used, never the test labels), scaled with the pipeline's scaler: ``fit(X, X_val=...)``;
  every training row is trained on;
* ``dropout=0.2`` — a dropout layer after each hidden layer;
* ``weight_decay=1e-3`` — L2 penalty (λ/2)‖W‖² on every kernel.

Writes ``contamination.json`` (every run, the mean ± sd per cell, the configuration, the
software versions and the exact command) and ``contamination.md`` into ``--output``;
**without it into a new temporary folder**, so a trial never overwrites the stored results
that notebook 07 reads. One progress line per fit goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results"
SCHEMA = "course-contamination/1"
MAX_TRAIN_ROWS = 3_000                                   # benchmark.MAX_TRAIN_ROWS (checked in run)
STEM = "contamination"
PROTOCOL = "contaminated"
DATASETS = ("breast_cancer", "shuttle", "transactions", "network_flows")   # notebook 07's
#: variant -> changed parameters of the benchmark's AE; fixed before the first run.
VARIANTS: dict[str, dict] = {
    "default": {},
    "normal-only": {},                       # trained on the draw's normal rows only
    "patience=5": {"patience": 5},
    "patience=2": {"patience": 2},
    "clean validation": {},                  # fit(X, X_val=normal validation rows)
    "dropout=0.2": {"dropout": 0.2},
    "weight_decay=1e-3": {"weight_decay": 1e-3},
}
#: What each variant changes, in words (the Markdown table's legend).
DESCRIPTION = {
    "default": "the benchmark's AE: patience 10, early stopping on 10 % of the training rows",
    "normal-only": "the default, trained on the normal rows of the same draw only (reference: "
                   "needs the training labels)",
    "patience=5": "the default with patience 5",
    "patience=2": "the default with patience 2",
    "clean validation": "early stopping on the validation split's normal rows (scaled with the "
                        "pipeline's scaler) instead of 10 % of the training rows",
    "dropout=0.2": "dropout 0.2 after each hidden layer",
    "weight_decay=1e-3": "L2 penalty (λ/2)‖W‖² on the kernels, λ = 1e-3",
}
QUICK = {"datasets": ["breast_cancer"], "seeds": 2, "epochs": 20}
FULL = {"datasets": list(DATASETS), "seeds": 5, "epochs": 100}


def fit_variant(variant: str, seed: int, ds, X_train, y_train, *, epochs: int = 100):
    """The fitted pipeline ``StandardScaler() → autoencoder`` of one variant on one draw."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from course_utils import benchmark

    detector = benchmark.make_detector("AE", seed, ae_epochs=epochs).set_params(
        **VARIANTS[variant])
    pipe = make_pipeline(StandardScaler(), detector)
    if variant == "normal-only":
        return pipe.fit(X_train[y_train == 0])
    if variant == "clean validation":
        scaler = pipe[0].fit(X_train)                        # the pipeline's own scaler
        pipe[-1].fit(scaler.transform(X_train), X_val=scaler.transform(ds.X_val[ds.y_val == 0]))
        return pipe
    return pipe.fit(X_train)


def run(datasets, variants, seeds: int, epochs: int) -> list[dict]:
    from course_utils import benchmark, metrics
    from course_utils import datasets as course_datasets

    runs, start = [], time.perf_counter()
    total, done = len(datasets) * seeds * len(variants), 0
    for name in datasets:
        for seed in range(seeds):
            ds = course_datasets.load(name, random_state=seed, protocol=PROTOCOL)
            assert benchmark.MAX_TRAIN_ROWS == MAX_TRAIN_ROWS
            rows = benchmark.train_row_indices(len(ds.X_train), name, seed)
            X_train, y_train = ds.X_train[rows], ds.y_train[rows]
            assert np.array_equal(X_train, benchmark.train_rows(ds, name, seed))
            for variant in variants:
                t = time.perf_counter()
                pipe = fit_variant(variant, seed, ds, X_train, y_train, epochs=epochs)
                fit_s = time.perf_counter() - t
                scores = pipe.decision_function(ds.X_test)
                ae = pipe[-1]
                runs.append({
                    "dataset": name, "variant": variant, "seed": seed,
                    "n_train": int(len(ae.decision_scores_)),
                    "n_train_anomalies": int(y_train.sum()) if variant != "normal-only" else 0,
                    "n_val_clean": int((ds.y_val == 0).sum()) if variant == "clean validation"
                    else 0,
                    "roc_auc": metrics.roc_auc(ds.y_test, scores),
                    "pr_auc": metrics.pr_auc(ds.y_test, scores),
                    "chance_pr_auc": metrics.chance_pr_auc(ds.y_test),
                    "epochs": ae.n_epochs_, "best_epoch": ae.best_epoch_,
                    "fit_s": round(fit_s, 2)})
                done += 1
                elapsed = time.perf_counter() - start
                print(f"[{done:>3}/{total}  {elapsed:5.0f} s, ~{elapsed / done * (total - done):4.0f} s "
                      f"left] {name:<14} {variant:<18} seed {seed}: ROC-AUC "
                      f"{runs[-1]['roc_auc']:.3f}, PR-AUC {runs[-1]['pr_auc']:.3f}, "
                      f"{ae.n_epochs_} epochs ({fit_s:.1f} s)", file=sys.stderr, flush=True)
    return runs


def summary(runs: list[dict]) -> list[dict]:
    """Mean and sample standard deviation over the seeds per (dataset, variant)."""
    cells: dict[tuple[str, str], list[dict]] = {}
    for r in runs:
        cells.setdefault((r["dataset"], r["variant"]), []).append(r)
    rows = []
    for (dataset, variant), group in cells.items():
        row = {"dataset": dataset, "variant": variant, "n_seeds": len(group)}
        for key in ("roc_auc", "pr_auc", "epochs"):
            values = np.array([g[key] for g in group], dtype=float)
            row[f"{key}_mean"] = float(values.mean())
            row[f"{key}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        rows.append(row)
    return rows


def markdown(rows: list[dict], command: str, total_s: float | None = None) -> str:
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    cell = {(r["dataset"], r["variant"]): r for r in rows}
    n_seeds = max(r["n_seeds"] for r in rows)
    lines = [f"# Contaminated training data: what helps the autoencoder?\n\nMade by `{command}`. "
             f"Protocol \"{PROTOCOL}\" (anomalies in the training rows), the benchmark's draw of "
             "at most 3,000 training rows, `StandardScaler()` → dense `AutoencoderDetector`, "
             f"test split, mean ± sd over {n_seeds} seed(s). The variants were fixed before any "
             "result was seen; nothing is chosen on test data.\n"]
    for key, label in (("roc_auc", "ROC-AUC"), ("pr_auc", "PR-AUC"), ("epochs", "epochs trained")):
        digits = 1 if key == "epochs" else 3
        lines += [f"\n## {label}\n", "| dataset | " + " | ".join(variants) + " |",
                  "| --- " * (1 + len(variants)) + "|"]
        for d in datasets:
            values = " | ".join(f"{cell[d, v][key + '_mean']:.{digits}f} ± "
                                f"{cell[d, v][key + '_sd']:.{digits}f}" if (d, v) in cell else ""
                                for v in variants)
            lines.append(f"| {d} | {values} |")
    lines += ["\n## Variants\n", *(f"- **{v}**: {DESCRIPTION[v]}" for v in variants)]
    if total_s is not None:
        lines.append(f"\nTotal run time {total_s:.0f} s.")
    return "\n".join(lines) + "\n"


def _names(text: str | None, known, what: str, parser) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        parser.error(f"unknown or no {what}: {unknown or names}; expected some of {', '.join(known)}")
    return names


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (" + ", ".join(
        f"{k}={v}" for k, v in QUICK.items()) + "); other options override it")
    parser.add_argument("--seeds", type=int, help="seeds 0 … N-1 (default 5)")
    parser.add_argument("--datasets", help="comma-separated, from: " + ", ".join(DATASETS))
    parser.add_argument("--variants", help="comma-separated, from: " + ", ".join(VARIANTS))
    parser.add_argument("--output", type=Path, help="folder for contamination.json and .md "
                        "(default: a new temporary folder)")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    seeds = defaults["seeds"] if args.seeds is None else args.seeds
    if seeds < 1:
        parser.error("--seeds must be >= 1")
    datasets = _names(args.datasets, DATASETS, "datasets", parser) or defaults["datasets"]
    variants = _names(args.variants, VARIANTS, "variants", parser) or list(VARIANTS)
    output = args.output or Path(tempfile.mkdtemp(prefix="contamination-"))
    output.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/contamination.py" + "".join(" " + a for a in argv)

    from course_utils.reproducibility import import_tensorflow

    tf = import_tensorflow()                 # quiet: no notices on stderr
    import keras

    start = time.perf_counter()
    runs = run(datasets, variants, seeds, defaults["epochs"])
    total_s = round(time.perf_counter() - start, 1)
    rows = summary(runs)
    result = {"schema": SCHEMA, "command": command, "protocol": PROTOCOL, "seeds": seeds,
              "config": {"datasets": datasets, "variants": {v: VARIANTS[v] for v in variants},
                         "descriptions": {v: DESCRIPTION[v] for v in variants},
                         "max_train_rows": MAX_TRAIN_ROWS, "epochs": defaults["epochs"],
                         "scaling": "StandardScaler fitted on the training rows"},
              "environment": {"python": platform.python_version(), "numpy": np.__version__,
                              "cpus": os.cpu_count(), "tensorflow": tf.__version__,
                              "keras": keras.__version__},
              "total_s": total_s, "summary": rows, "runs": runs}
    stem = output / STEM
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(rows, command, total_s), encoding="utf-8")
    print(f"wrote {stem}.json and {stem.name}.md in {total_s:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
