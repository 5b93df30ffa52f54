"""Notebook 11's heavy measurements: out-of-core training and int8 with TensorFlow's converter.

    python benchmarks/practice.py                               # everything (a few minutes)
    python benchmarks/practice.py --quick                       # a smoke run (small, 1 seed)
    python benchmarks/practice.py --parts int8                  # one part: ooc-quality, ooc-memory, int8
    python benchmarks/practice.py --output benchmarks/results   # store practice.json there

Without ``--output`` the results go to a new temporary folder (printed at the end), so a
trial run never overwrites the stored ones, which notebook 11 loads and checks. A run of
some ``--parts`` replaces those parts in an existing ``practice.json`` and keeps the others.

**ooc-quality.** The card transactions of notebook 11 (180 days, seed 0; the full training
split). The same dense autoencoder, trained with the same recipe (Adam 0.003, MSE, batch
256, ``EPOCHS`` epochs, no validation split, no early stopping), two ways: in memory
(``AutoencoderDetector`` on the NumPy array) and out of core
(``practice.StreamingAutoencoder`` on CSV shards of the same rows, scaling adapted on the
stream). Test ROC-AUC of both, for each seed of ``SEEDS``.

**ooc-memory.** The training split tiled ``k`` times (``SIZES``) as CSV shards. Each
measurement runs in a fresh Python process and reports its peak resident memory
(``ru_maxrss``): ``stream`` adapts the scaling on the stream and trains one epoch from it;
``in-memory`` reads the files into one NumPy array (``np.loadtxt``) and trains one epoch
of ``AutoencoderDetector`` on it. Both import TensorFlow, about 0.6 GiB of the total. Peak
memory is the child's ``VmHWM`` (see ``_peak_mib`` for why not ``ru_maxrss``).

**int8.** Two autoencoders on ECG5000 beats (real data, 140 samples per beat,
``INT8_MODELS``): the course's 1-D convolutional one with its defaults and a wider dense one,
each converted with
``tf.lite.TFLiteConverter``: float32, and full-integer post-training quantisation
(``Optimize.DEFAULT``, a representative dataset of training beats, int8 inputs and
outputs, ``TFLITE_BUILTINS_INT8`` only). Each file runs in ``tf.lite.Interpreter``: file
size, median latency per batch of ``INT8_BATCH`` beats, test ROC-AUC. The warnings that
the converter and the interpreter print are recorded, not hidden.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N_DAYS, N_ROWS = 180, 60_000           # notebook 11's transactions
EPOCHS = 20
BATCH = 256
SEEDS = (0, 1, 2)
SIZES = (1, 10, 30)                    # the training split tiled k times
INT8_BATCH = 256
INT8_REPEATS = 20


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _transactions():
    from course_utils import datasets

    return datasets.load("transactions", random_state=0, n_transactions=N_ROWS, n_days=N_DAYS)


# --- out of core: quality ---------------------------------------------------------------------

def ooc_quality(seeds, epochs) -> dict:
    from course_utils import metrics, practice
    from course_utils.autoencoder import AutoencoderDetector
    from course_utils.reproducibility import setup_tensorflow

    setup_tensorflow(0)
    tx = _transactions()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = practice.write_csv_shards(tx.X_train, tmp, feature_names=tx.feature_names)
        for seed in seeds:
            start = time.perf_counter()
            memory = AutoencoderDetector(epochs=epochs, batch_size=BATCH, validation_fraction=0.0,
                                         patience=None, random_state=seed).fit(tx.X_train)
            t_memory = time.perf_counter() - start
            start = time.perf_counter()
            stream = practice.StreamingAutoencoder(tx.n_features, epochs=epochs, batch_size=BATCH,
                                                   random_state=seed).fit(files)
            t_stream = time.perf_counter() - start
            s_memory = memory.decision_function(tx.X_test)
            s_stream = stream.decision_function(tx.X_test)
            rows.append({"seed": seed,
                         "auc_in_memory": metrics.roc_auc(tx.y_test, s_memory),
                         "auc_stream": metrics.roc_auc(tx.y_test, s_stream),
                         "score_correlation": float(np.corrcoef(s_memory, s_stream)[0, 1]),
                         "max_scaling_difference": float(max(
                             np.abs(stream.mean_ - memory.mean_).max() / memory.scale_.min(),
                             np.abs(stream.scale_ / memory.scale_ - 1).max())),
                         "seconds_in_memory": t_memory, "seconds_stream": t_stream})
            _log(f"ooc-quality seed {seed}: in memory {rows[-1]['auc_in_memory']:.4f}, "
                 f"stream {rows[-1]['auc_stream']:.4f}")
    a_mem = np.array([r["auc_in_memory"] for r in rows])
    a_str = np.array([r["auc_stream"] for r in rows])
    return {"n_train_rows": len(tx.X_train), "n_test_rows": len(tx.X_test), "epochs": epochs,
            "batch_size": BATCH, "runs": rows,
            "auc_in_memory_mean": float(a_mem.mean()), "auc_in_memory_sd": float(a_mem.std()),
            "auc_stream_mean": float(a_str.mean()), "auc_stream_sd": float(a_str.std()),
            "auc_difference_of_means": float(a_str.mean() - a_mem.mean())}


# --- out of core: memory ----------------------------------------------------------------------

def _peak_mib() -> float:
    """This process's peak resident memory: ``VmHWM`` (Linux), else ``ru_maxrss``.

    ``ru_maxrss`` is not enough on Linux: it survives ``fork`` + ``exec``, so a child started
    by a big parent reports at least the parent's memory at the fork (the tiled array
    included). ``VmHWM`` belongs to the process's own address space, which ``exec`` renews.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024   # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def _child(mode: str, folder: str) -> None:
    """Runs in a fresh process: one epoch from the CSV files in ``folder``; prints JSON."""
    from course_utils import practice
    from course_utils.autoencoder import AutoencoderDetector
    from course_utils.reproducibility import setup_tensorflow

    setup_tensorflow(0)
    files = sorted(Path(folder).glob("part-*.csv"))
    n_features = len(files[0].open().readline().split(","))
    base = _peak_mib()
    start = time.perf_counter()
    if mode == "stream":
        n_rows = practice.StreamingAutoencoder(n_features, epochs=1, batch_size=BATCH).fit(files).n_rows_
    else:
        X = np.concatenate([np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2) for f in files])
        n_rows = len(X)
        AutoencoderDetector(epochs=1, batch_size=BATCH, validation_fraction=0.0, patience=None,
                            random_state=0).fit(X)
    print(json.dumps({"mode": mode, "rows": n_rows, "seconds": time.perf_counter() - start,
                      "peak_mib": _peak_mib(), "peak_after_import_mib": base}))


def ooc_memory(sizes) -> dict:
    from course_utils import practice

    tx = _transactions()
    rows = []
    for k in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tiled = np.tile(tx.X_train, (k, 1))
            files = practice.write_csv_shards(tiled, tmp, feature_names=tx.feature_names)
            del tiled
            mib = sum(f.stat().st_size for f in files) / 2**20
            for mode in ("stream", "in-memory"):
                out = subprocess.run([sys.executable, __file__, "--child", mode, tmp],
                                     capture_output=True, text=True, check=True, cwd=ROOT)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append({"size": k, "csv_mib": mib, **result})
                _log(f"ooc-memory x{k} ({mib:.0f} MiB of CSV) {mode}: peak "
                     f"{result['peak_mib']:.0f} MiB in {result['seconds']:.1f} s")
    return {"rows_per_size_1": len(tx.X_train), "runs": rows}


# --- int8 with the TFLite / LiteRT converter --------------------------------------------------

def _median_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def _interpreter(tf, content, batch):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        interpreter = tf.lite.Interpreter(model_content=content, num_threads=1)
    inp = interpreter.get_input_details()[0]
    interpreter.resize_tensor_input(inp["index"], [batch, *inp["shape"][1:]])
    interpreter.allocate_tensors()
    return interpreter, [str(w.message).split("\n")[0].strip() for w in caught]


def _run_tflite(interpreter, X):
    """Scores-space reconstruction of X (float32, standardised) by one interpreter."""
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    x = X.astype(np.float32)
    if inp["dtype"] == np.int8:
        scale, zero = inp["quantization"]
        x = np.clip(np.round(x / scale + zero), -128, 127).astype(np.int8)
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    y = interpreter.get_tensor(out["index"])
    if out["dtype"] == np.int8:
        scale, zero = out["quantization"]
        y = (y.astype(np.float32) - zero) * scale
    return y


#: The two models converted: the course's 1-D convolutional autoencoder with its defaults,
#: and a wider dense one (about 140,000 weights), where the file's fixed overhead counts less.
INT8_MODELS = {"conv1d": {"architecture": "conv1d"},
               "dense_256_128": {"architecture": "dense", "hidden": (256, 128), "bottleneck": 16}}


def int8(epochs, repeats) -> dict:
    from course_utils import datasets
    from course_utils.reproducibility import setup_tensorflow

    tf = setup_tensorflow(0)
    ds = datasets.load("ecg5000", random_state=0)
    return {name: _int8_one(tf, ds, params, epochs, repeats) for name, params in INT8_MODELS.items()}


def _int8_one(tf, ds, params, epochs, repeats) -> dict:
    from course_utils import metrics
    from course_utils.autoencoder import AutoencoderDetector

    ae = AutoencoderDetector(**params, epochs=epochs, batch_size=128, random_state=0).fit(ds.X_train)
    shape = ae.sample_shape_
    Z_train = ae._shaped(ae._standardise(ds.X_train))
    Z_test = ae._shaped(ae._standardise(ds.X_test))
    result = {"model": f"AutoencoderDetector({params}), ECG5000", "n_weights": int(ae.model_.count_params()),
              "tensorflow": tf.__version__, "has_converter": hasattr(tf.lite, "TFLiteConverter"),
              "has_interpreter": hasattr(tf.lite, "Interpreter"), "batch": INT8_BATCH}
    with tempfile.TemporaryDirectory() as tmp:
        ae.model_.save(Path(tmp) / "model.keras")
        result["keras_file_bytes"] = (Path(tmp) / "model.keras").stat().st_size

    def convert(quantise):
        converter = tf.lite.TFLiteConverter.from_keras_model(ae.model_)
        if quantise:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            rng = np.random.default_rng(0)
            sample = Z_train[rng.choice(len(Z_train), 200, replace=False)]
            converter.representative_dataset = lambda: ([s[None]] for s in sample)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            content = converter.convert()
        return content, [str(w.message).split("\n")[0].strip() for w in caught]

    keras_scores = ae.decision_function(ds.X_test)
    result["auc_keras_float32"] = metrics.roc_auc(ds.y_test, keras_scores)
    batch = Z_test[:INT8_BATCH]
    result["ms_per_batch_keras_float32"] = _median_ms(
        lambda: ae.model_.predict_on_batch(batch), repeats)
    for name, quantise in [("tflite_float32", False), ("tflite_int8", True)]:
        content, convert_warnings = convert(quantise)
        interpreter, interp_warnings = _interpreter(tf, content, INT8_BATCH)
        recon = np.concatenate([
            _run_tflite(interpreter, np.resize(Z_test[i:i + INT8_BATCH], (INT8_BATCH, *shape)))
            [:len(Z_test[i:i + INT8_BATCH])] for i in range(0, len(Z_test), INT8_BATCH)])
        scores = ((Z_test - recon) ** 2).reshape(len(Z_test), -1).mean(axis=1)
        types = {d["dtype"].__name__ for d in interpreter.get_tensor_details()
                 if len(d["shape"]) > 1}
        result[name] = {"file_bytes": len(content),
                        "auc": metrics.roc_auc(ds.y_test, scores),
                        "score_correlation_with_keras": float(np.corrcoef(scores, keras_scores)[0, 1]),
                        "ms_per_batch": _median_ms(lambda it=interpreter: _run_tflite(it, batch), repeats),
                        "tensor_types": sorted(types),
                        "converter_warnings": sorted(set(convert_warnings)),
                        "interpreter_warnings": sorted(set(interp_warnings))}
        _log(f"int8 {params['architecture']} {name}: {len(content):,} bytes, ROC-AUC {result[name]['auc']:.4f}, "
             f"{result[name]['ms_per_batch']:.2f} ms per batch")
    result["size_ratio_float_over_int8"] = (result["tflite_float32"]["file_bytes"]
                                            / result["tflite_int8"]["file_bytes"])
    result["auc_change_int8"] = result["tflite_int8"]["auc"] - result["auc_keras_float32"]
    return result


# --- main -------------------------------------------------------------------------------------

PARTS = ("ooc-quality", "ooc-memory", "int8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small and one seed: a smoke run")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS))
    parser.add_argument("--output", type=Path, help="folder for practice.json (default: a temp folder)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.child:
        _child(*args.child)
        return 0
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown parts {unknown}; choose from {', '.join(PARTS)}")
    epochs = 2 if args.quick else EPOCHS
    folder = args.output or Path(tempfile.mkdtemp(prefix="practice-benchmark-"))
    path = folder / "practice.json"
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    results.update({"quick": args.quick,
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}})
    start = time.perf_counter()
    if "ooc-quality" in parts:
        results["ooc_quality"] = ooc_quality(SEEDS[:1] if args.quick else SEEDS, epochs)
    if "ooc-memory" in parts:
        results["ooc_memory"] = ooc_memory((1, 2) if args.quick else SIZES)
    if "int8" in parts:
        results["int8"] = int8(epochs, 3 if args.quick else INT8_REPEATS)
    results.setdefault("seconds", {})["+".join(parts)] = time.perf_counter() - start
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
