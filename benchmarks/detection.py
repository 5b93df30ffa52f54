"""Benchmark every course detector on every course dataset and image task (offline, deterministic).

    python benchmarks/detection.py --output benchmarks/results   # regenerate the stored results
    python benchmarks/detection.py                  # the same full run, into a temporary folder
    python benchmarks/detection.py --quick          # a smoke run (under 5 min), temporary folder
    python benchmarks/detection.py --seeds 3 --datasets shuttle,ecg --detectors IForest,AE

Writes ``detection.json`` (every run, the per-cell mean ± sd, the configuration and the
software versions) and ``detection.md`` (tables) into ``--output``. Every classical detector
runs twice: with its default settings, and "tuned on validation" (its grid in
``benchmark.PARAM_GRIDS``, chosen by validation ROC-AUC; ``--no-tune`` skips these). The
image suite writes ``images.json`` and ``images.md``: one-class MNIST per digit beside Ruff et
al. 2018's Deep SVDD, and the hard direction (nine digits normal, one anomalous);
``--suite tabular`` or ``--suite images`` runs one of the two. **Without ``--output``
the results go to a new temporary folder** (printed at the end), so a trial run never
overwrites the stored results that notebook 10 reads and checks. Only the first command above
writes into the repository; the stored files say which command made them. A progress bar
(one line per fit, with the time left) goes to stderr. The protocol and the code live in
:mod:`course_utils.benchmark`, which notebook 10 uses too.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from course_utils import benchmark

ROOT = Path(__file__).resolve().parent.parent
#: The folder notebook 10 reads; written only when ``--output`` names it.
STORED = ROOT / "benchmarks" / "results"
#: --quick: two small datasets, four detectors and one fusion, two seeds, a short AE.
QUICK = {"datasets": ["breast_cancer", "digits"],
         "detectors": ["Gaussian", "IForest", "PCA", "AE", "Fusion rank (IForest+AE)"],
         "seeds": 2, "ae_epochs": 20}
FULL = {"datasets": None, "detectors": None, "seeds": 5, "ae_epochs": 100}
#: The image suite (``images.json``): 28 × 28 MNIST-5k, one seed (a conv AE fit takes ~30 s on
#: 2 cores), at most 1,000 training rows (the hard direction has 2,700), the conv AE on the
#: one-class tasks only, capped at 30 epochs (early stopping ends most fits before that).
IMAGES_FULL = {"parts": [([t for t in benchmark.IMAGE_TASKS if t.startswith("mnist ")],
                          [*benchmark.CLASSICAL, "conv AE"]),
                         ([t for t in benchmark.IMAGE_TASKS if t.startswith("mnist_hard ")],
                          list(benchmark.CLASSICAL))],
               "seeds": 1, "ae_epochs": 30, "max_train_rows": 1000}
IMAGES_QUICK = {"parts": [(["mnist 5", "mnist_hard 1"], ["kNN", "PCA", "IForest"])],
                "seeds": 1, "ae_epochs": 30, "max_train_rows": 1000}


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


def _command(argv: list[str]) -> str:
    return "python benchmarks/detection.py" + "".join(" " + a for a in argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (" + ", ".join(
        f"{k}={v}" for k, v in QUICK.items()) + "); other options override it")
    parser.add_argument("--seeds", type=int, help="number of seeds, 0 … N-1 (default 5)")
    parser.add_argument("--datasets", help="comma-separated, from: " + ", ".join(
        [*benchmark.DATASETS, *benchmark.IMAGE_TASKS]))
    parser.add_argument("--detectors", help="comma-separated, from: " + ", ".join(benchmark.all_detectors()))
    parser.add_argument("--max-train-rows", type=int, default=3000,
                        help="cap on the training rows (default 3000, as notebook 06; 0: no cap)")
    parser.add_argument("--ae-epochs", type=int, help="autoencoder's maximum epochs (default 100)")
    parser.add_argument("--protocol", default="normal-only", choices=["normal-only", "contaminated"])
    parser.add_argument("--output", type=Path,
                        help="folder for detection.json and detection.md (default: a new "
                             f"temporary folder; `--output {STORED.relative_to(ROOT)}` "
                             "regenerates the stored results)")
    parser.add_argument("--no-tune", action="store_true",
                        help="skip the 'tuned on validation' runs of the classical detectors")
    parser.add_argument("--suite", default="all", choices=["all", "tabular", "images"],
                        help="tabular: detection.json/.md; images: one-class MNIST per digit and "
                             "the hard direction, images.json/.md; all (default): both")
    parser.add_argument("--stem", default="detection",
                        help="file name stem of the tabular suite (default detection)")
    args = parser.parse_args(argv)

    if args.seeds is not None and args.seeds < 1:
        parser.error("--seeds must be >= 1")
    options = [a for a in argv if a not in ("--output", str(args.output))]
    mode = ("quick run (`--quick`)" if args.quick else "full run" if not options
            or options == ["--suite", args.suite] else "partial run")
    out = args.output if args.output is not None else Path(tempfile.mkdtemp(prefix="detection-"))
    say = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    named = _names(args.datasets)
    if args.suite in ("all", "tabular") and not (named and all(
            n in benchmark.IMAGE_TASKS for n in named)):
        defaults = QUICK if args.quick else FULL
        seeds = args.seeds if args.seeds is not None else defaults["seeds"]
        datasets = [n for n in named or defaults["datasets"] or benchmark.DATASETS
                    if n not in benchmark.IMAGE_TASKS]
        epochs = args.ae_epochs if args.ae_epochs is not None else defaults["ae_epochs"]
        result = benchmark.run_benchmark(
            datasets, _names(args.detectors) or defaults["detectors"], seeds=range(seeds),
            max_train_rows=args.max_train_rows or None, ae_epochs=epochs,
            protocol=args.protocol, tune=not args.no_tune, progress=say)
        header = f"# Detection benchmark\n\nGenerated by `{_command(argv)}`: a {mode}."
        _write(result, out, args.stem, header)
    if args.suite in ("all", "images") and not (named and not any(
            n in benchmark.IMAGE_TASKS for n in named)):
        images = IMAGES_QUICK if args.quick else IMAGES_FULL
        seeds = args.seeds if args.seeds is not None else images["seeds"]
        epochs = args.ae_epochs if args.ae_epochs is not None else images["ae_epochs"]
        parts = [([t for t in tasks if not named or t in named],
                  _names(args.detectors) or dets) for tasks, dets in images["parts"]]
        if named:
            parts.append(([t for t in named if t in benchmark.IMAGE_TASKS
                           and not any(t in p for p, _ in images["parts"])],
                          _names(args.detectors) or list(benchmark.CLASSICAL)))
        results = [benchmark.run_benchmark(
            tasks, dets, seeds=range(seeds), max_train_rows=images["max_train_rows"],
            ae_epochs=epochs, protocol=args.protocol, progress=say) for tasks, dets in parts
            if tasks]
        header = (f"# Image benchmark: 28 × 28 MNIST-5k\n\nGenerated by `{_command(argv)}`: "
                  f"a {mode}. Ruff et al. 2018 trained on ~6,000 images per digit and tested on "
                  "the whole MNIST test set (~1,000 normal against ~9,000 anomalies) over 10 "
                  "seeds; here 300 training images per digit, 100 normal against 2,250 "
                  "anomalies from the same 5,000-image subset, pixels / 255, one seed "
                  "(data/mnist5k.md).")
        _write(benchmark.merge_results(*results), out, "images", header)
    return 0


def _write(result: dict, out: Path, stem: str, header: str) -> None:
    json_path, md_path = benchmark.write_results(result, out, stem=stem, header=header)
    print(f"wrote {json_path} and {md_path} in {result['total_s']:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
