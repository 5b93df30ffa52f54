"""benchmarks/pyod_autoencoder.py: its stored results and its refusal without a PyOD environment.

The run itself needs PyOD and PyTorch in a separate environment, which the course does not
install; these tests check what the repository holds and how the script fails without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import load_benchmark

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results" / "pyod_autoencoder.json"


def _script():
    return load_benchmark("pyod_autoencoder")


@pytest.fixture(scope="module")
def stored():
    return json.loads(STORED.read_text())


def test_every_dataset_has_both_detectors_over_five_seeds(stored):
    script = _script()
    assert stored["schema"] == script.SCHEMA
    assert stored["datasets"] == list(script.DATASETS) and stored["seeds"] == list(range(5))
    for name in script.DATASETS:
        for detector in ("course AE", "PyOD AutoEncoder"):
            seeds = [r["seed"] for r in stored["runs"]
                     if r["dataset"] == name and r["detector"] == detector]
            assert sorted(seeds) == list(range(5)), (name, detector)


def test_summary_and_markdown_follow_from_the_runs(stored):
    script = _script()
    for row in stored["summary"]:
        values = [r["roc_auc"] for r in stored["runs"]
                  if r["dataset"] == row["dataset"] and r["detector"] == row["detector"]]
        assert row["roc_auc_mean"] == pytest.approx(np.mean(values))
        assert row["roc_auc_sd"] == pytest.approx(np.std(values, ddof=1))
    md = (STORED.parent / "pyod_autoencoder.md").read_text()
    assert md == script.markdown(stored)
    assert stored["command"] == "python benchmarks/pyod_autoencoder.py --output benchmarks/results"


def test_the_course_autoencoder_runs_are_the_detection_benchmarks(stored):
    """Same splits, rows, scaling and detector: the course AE's numbers equal detection.json's."""
    detection = json.loads((STORED.parent / "detection.json").read_text())
    ae = {(r["dataset"], r["seed"]): r["roc_auc"] for r in detection["runs"] if r["detector"] == "AE"}
    for r in stored["runs"]:
        if r["detector"] == "course AE":
            assert r["roc_auc"] == pytest.approx(ae[r["dataset"], r["seed"]], abs=0.005)


def test_without_a_pyod_environment_the_script_says_how_to_make_one(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _script().main(["--pyod-python", str(tmp_path / "missing" / "python")])
    assert "no PyOD environment" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--datasets", "mnist"], ["--seeds", "0"]])
def test_bad_arguments_are_refused(argv, capsys):
    with pytest.raises(SystemExit):
        _script().main(argv)
    assert "--datasets from" in capsys.readouterr().err
