"""benchmarks/multiworker.py: two local workers under MultiWorkerMirroredStrategy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import psutil
import pytest
from conftest import load_benchmark

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results" / "multiworker.json"


def _cli():
    return load_benchmark("multiworker")


def _gone(pids):
    return not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
                   for p in pids)


def test_stored_run_matches_one_worker():
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    assert stored["n_workers"] == 2 and stored["multi"]["replicas"] == 2
    assert stored["single"]["replicas"] == 1
    assert stored["max_weight_difference"] < 1e-5 and stored["max_difference_between_workers"] == 0
    np.testing.assert_allclose(stored["multi"]["loss"], stored["single"]["loss"], rtol=1e-5)


@pytest.mark.slow  # starts three TensorFlow processes
def test_two_workers_train_like_one(tmp_path):
    cli = _cli()
    one = cli.run_workers(1, tmp_path / "one", epochs=1)
    two = cli.run_workers(2, tmp_path / "two", epochs=1)
    assert one["replicas"] == 1 and two["replicas"] == 2
    w1, w2 = np.load(tmp_path / "one" / "weights-0.npz"), np.load(tmp_path / "two" / "weights-0.npz")
    assert max(np.abs(w1[k] - w2[k]).max() for k in w1.files) < 1e-5
    assert _gone(one["pids"] + two["pids"])


@pytest.mark.slow  # starts two TensorFlow processes
def test_a_failing_worker_leaves_no_process_behind(tmp_path, monkeypatch):
    cli = _cli()
    started = []
    real_popen = cli.subprocess.Popen

    def recording_popen(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc.pid)
        return proc

    monkeypatch.setattr(cli.subprocess, "Popen", recording_popen)
    with pytest.raises(RuntimeError, match="worker 1 failed"):
        cli.run_workers(2, tmp_path, epochs=1, fail_index=1)   # worker 0 would wait forever
    assert len(started) == 2 and _gone(started)


@pytest.mark.slow  # starts two TensorFlow processes
def test_a_timeout_leaves_no_process_behind(tmp_path, monkeypatch):
    cli = _cli()
    started = []
    real_popen = cli.subprocess.Popen

    def recording_popen(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc.pid)
        return proc

    monkeypatch.setattr(cli.subprocess, "Popen", recording_popen)
    with pytest.raises(RuntimeError, match="did not finish"):
        cli.run_workers(2, tmp_path, epochs=1, timeout=1.0)
    assert len(started) == 2 and _gone(started)
