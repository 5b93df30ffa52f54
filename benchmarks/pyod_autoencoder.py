"""The course's autoencoder beside PyOD's, both with default settings, on identical data.

    python benchmarks/pyod_autoencoder.py --output benchmarks/results   # the stored results
    python benchmarks/pyod_autoencoder.py                 # the same run, into a temporary folder
    python benchmarks/pyod_autoencoder.py --datasets shuttle --seeds 2

The course does not depend on PyOD: PyOD and a CPU build of PyTorch live in a **separate
virtual environment**, and this script (run with the course's environment) hands each split to
it through a temporary ``.npz`` file. Create that environment once::

    python3 -m venv ~/.cache/dl-anomaly-course/pyod-venv
    ~/.cache/dl-anomaly-course/pyod-venv/bin/pip install pyod torch tqdm   # a CPU build of torch will do

(``--pyod-python`` points at another interpreter.) Protocol, the same for both detectors and
the one of ``benchmarks/detection.py``: ``datasets.load(name, random_state=seed)`` (trained on
normal rows only), ``benchmark.train_rows`` (at most 3,000 training rows), a ``StandardScaler``
fitted on those rows and applied to both; then the course's ``AutoencoderDetector()`` (via
``benchmark.make_detector("AE", seed)``) and PyOD's ``AutoEncoder(random_state=seed)``, each
with its defaults (each also standardises its input once more internally, which changes
nothing on standardised data). Test ROC-AUC and PR-AUC per seed, mean ± sd. Writes
``pyod_autoencoder.json`` and ``.md`` into ``--output`` (default: a new temporary folder).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results"
SCHEMA = "course-pyod-autoencoder/1"
PYOD_PYTHON = Path.home() / ".cache" / "dl-anomaly-course" / "pyod-venv" / "bin" / "python"
DATASETS = ("breast_cancer", "digits", "shuttle", "ecg", "transactions", "network_flows")

#: Runs inside the PyOD environment: fits PyOD's AutoEncoder with its defaults on every split
#: of the file and writes the test scores back. PyOD's own version is recorded too.
WORKER = r"""
import sys, numpy as np, pyod, torch
from pyod.models.auto_encoder import AutoEncoder
torch.set_num_threads(2)
data = np.load(sys.argv[1])
out = {"pyod_version": np.array(pyod.__version__), "torch_version": np.array(torch.__version__)}
for key in sorted(k for k in data.files if k.startswith("train_")):
    tag = key[len("train_"):]
    seed = int(tag.rsplit("_", 1)[1])
    model = AutoEncoder(random_state=seed, verbose=0)
    model.fit(data[key])
    out["scores_" + tag] = model.decision_function(data["test_" + tag])
np.savez(sys.argv[2], **out)
"""


def splits(names, seeds):
    """``(dataset, seed, X_train, X_test, y_test)``, standardised as the benchmark does."""
    from sklearn.preprocessing import StandardScaler

    from course_utils import benchmark, datasets

    for name in names:
        for seed in seeds:
            ds = datasets.load(name, random_state=seed)
            X_train = benchmark.train_rows(ds, name, seed)
            scaler = StandardScaler().fit(X_train)
            yield name, seed, scaler.transform(X_train), scaler.transform(ds.X_test), ds.y_test


def run(names, seeds, pyod_python: Path, say) -> tuple[list[dict], dict]:
    from course_utils import benchmark, metrics

    data = list(splits(names, seeds))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        given, back = Path(tmp) / "splits.npz", Path(tmp) / "scores.npz"
        np.savez(given, **{f"{kind}_{name}_{seed}": X for name, seed, X_tr, X_te, _ in data
                           for kind, X in (("train", X_tr), ("test", X_te))})
        t0 = time.perf_counter()
        say(f"PyOD AutoEncoder on {len(data)} splits in {pyod_python} ...")
        subprocess.run([str(pyod_python), "-c", WORKER, str(given), str(back)], check=True)
        say(f"PyOD done in {time.perf_counter() - t0:.0f} s")
        with np.load(back) as pyod_out:
            pyod = {k: pyod_out[k] for k in pyod_out.files}
    for i, (name, seed, X_train, X_test, y_test) in enumerate(data, 1):
        t0 = time.perf_counter()
        course = benchmark.make_detector("AE", seed).fit(X_train).decision_function(X_test)
        fit_s = time.perf_counter() - t0
        for detector, scores in (("course AE", course), ("PyOD AutoEncoder",
                                                          pyod[f"scores_{name}_{seed}"])):
            runs.append({"dataset": name, "seed": seed, "detector": detector,
                         "roc_auc": metrics.roc_auc(y_test, scores),
                         "pr_auc": metrics.pr_auc(y_test, scores)})
        say(f"[{i}/{len(data)}] {name:<14} seed {seed}: course AE ROC-AUC "
            f"{runs[-2]['roc_auc']:.3f}, PyOD {runs[-1]['roc_auc']:.3f} ({fit_s:.0f} s)")
    versions = {"pyod": str(pyod["pyod_version"]), "torch": str(pyod["torch_version"])}
    return runs, versions


def markdown(result: dict) -> str:
    cell = {(r["dataset"], r["detector"]): r for r in result["summary"]}
    lines = ["# The course's autoencoder beside PyOD's, default settings\n",
             f"Made by `{result['command']}` (PyOD {result['versions']['pyod']}, PyTorch "
             f"{result['versions']['torch']}, in a separate environment). Same splits, same "
             "training rows (at most 3,000), StandardScaler fitted on them; trained on normal "
             f"rows only; test split; mean ± sd over seeds {result['seeds']}.\n",
             "| dataset | course AE ROC-AUC | PyOD ROC-AUC | difference | course AE PR-AUC | "
             "PyOD PR-AUC |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name in result["datasets"]:
        a, b = cell[name, "course AE"], cell[name, "PyOD AutoEncoder"]
        lines.append(f"| {name} | {a['roc_auc_mean']:.3f} ± {a['roc_auc_sd']:.3f} | "
                     f"{b['roc_auc_mean']:.3f} ± {b['roc_auc_sd']:.3f} | "
                     f"{a['roc_auc_mean'] - b['roc_auc_mean']:+.3f} | "
                     f"{a['pr_auc_mean']:.3f} ± {a['pr_auc_sd']:.3f} | "
                     f"{b['pr_auc_mean']:.3f} ± {b['pr_auc_sd']:.3f} |")
    lines.append(f"\nTotal run time {result['total_s']:.0f} s.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 … N-1 (default 5)")
    parser.add_argument("--pyod-python", type=Path, default=PYOD_PYTHON,
                        help=f"the PyOD environment's interpreter (default {PYOD_PYTHON})")
    parser.add_argument("--output", type=Path, help="folder for pyod_autoencoder.json/.md "
                        "(default: a new temporary folder)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown or not names or args.seeds < 1:
        parser.error(f"--datasets from {', '.join(DATASETS)}; --seeds >= 1")
    if not args.pyod_python.exists():
        parser.error(f"no PyOD environment at {args.pyod_python}: create it as the module "
                     "docstring says, or pass --pyod-python")
    from course_utils import benchmark
    from course_utils.reproducibility import import_tensorflow

    import_tensorflow()
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    start = time.perf_counter()
    runs, versions = run(names, range(args.seeds), args.pyod_python, say)
    safe = [a if a != str(args.pyod_python) else "PYOD_PYTHON" for a in argv]
    result = {"schema": SCHEMA, "command": "python benchmarks/pyod_autoencoder.py"
              + "".join(" " + a for a in safe), "datasets": names,
              "seeds": list(range(args.seeds)), "versions": versions,
              "python": platform.python_version(), "runs": runs, "summary": benchmark.summary(runs),
              "total_s": time.perf_counter() - start}
    out = args.output or Path(tempfile.mkdtemp(prefix="pyod-autoencoder-"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "pyod_autoencoder.json").write_text(json.dumps(result, indent=1) + "\n")
    (out / "pyod_autoencoder.md").write_text(markdown(result))
    print(f"wrote {out / 'pyod_autoencoder.json'} and .md in {result['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
