"""benchmarks/practice.py: the stored results notebook 11 relies on, and a quick smoke run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import load_benchmark

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results" / "practice.json"

# Keras 3.12's convert_to_numpy calls np.array(tensor), which NumPy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _cli():
    return load_benchmark("practice")


@pytest.fixture(scope="module")
def stored():
    return json.loads(STORED.read_text(encoding="utf-8"))


def test_stored_results_are_a_full_run(stored):
    assert stored["quick"] is False
    assert {"ooc_quality", "ooc_memory", "int8"} <= set(stored)
    assert [r["seed"] for r in stored["ooc_quality"]["runs"]] == [0, 1, 2]
    assert sorted({r["size"] for r in stored["ooc_memory"]["runs"]}) == [1, 10, 30]


def test_stored_out_of_core_meets_the_acceptance(stored):
    quality = stored["ooc_quality"]
    assert abs(quality["auc_stream_mean"] - quality["auc_in_memory_mean"]) < 0.01
    peaks = {(r["mode"], r["size"]): r["peak_mib"] for r in stored["ooc_memory"]["runs"]}
    rows = {r["size"]: r["rows"] for r in stored["ooc_memory"]["runs"]}
    assert rows[30] == 30 * rows[1]                      # the files really grew
    stream = [peaks["stream", k] for k in (1, 10, 30)]
    assert max(stream) - min(stream) < 20                # flat, in MiB
    assert peaks["in-memory", 30] - peaks["in-memory", 1] > 500


def test_stored_int8_is_full_integer_smaller_and_as_good(stored):
    for name, r in stored["int8"].items():
        assert r["has_converter"] and r["has_interpreter"], name
        assert r["tflite_int8"]["tensor_types"] and "float32" not in r["tflite_int8"]["tensor_types"]
        assert abs(r["auc_change_int8"]) < 0.01, name
        assert r["tflite_int8"]["file_bytes"] < r["tflite_float32"]["file_bytes"] / 2, name
    assert stored["int8"]["dense_256_128"]["size_ratio_float_over_int8"] >= 3


def test_peak_memory_is_read_from_this_process():
    cli = _cli()
    assert 1 < cli._peak_mib() < 100_000


def test_unknown_part_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        _cli().main(["--parts", "nonsense", "--output", str(tmp_path)])


@pytest.mark.slow  # trains two autoencoders (2 epochs) and converts two models with TFLite
def test_quick_run_writes_and_merges_parts(tmp_path):
    cli = _cli()
    assert cli.main(["--quick", "--parts", "ooc-quality", "--output", str(tmp_path)]) == 0
    first = json.loads((tmp_path / "practice.json").read_text())
    assert first["quick"] is True and len(first["ooc_quality"]["runs"]) == 1
    assert cli.main(["--quick", "--parts", "int8", "--output", str(tmp_path)]) == 0
    merged = json.loads((tmp_path / "practice.json").read_text())
    assert merged["ooc_quality"] == first["ooc_quality"]          # the earlier part is kept
    for r in merged["int8"].values():
        assert r["tflite_int8"]["file_bytes"] < r["tflite_float32"]["file_bytes"]
        assert r["tflite_int8"]["auc"] > 0.9
