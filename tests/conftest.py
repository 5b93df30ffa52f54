"""Shared fixtures and paths for the test suite."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
# Google Colab's package versions (its 2025 runtime): what the Colab tests simulate.
# Colab brings TensorFlow as ``tensorflow`` (no ``tensorflow-cpu``) and none of the lab or test tools.
COLAB_VERSIONS = {
    "tensorflow": "2.19.0",
    "keras": "3.10.0",
    "numpy": "2.0.2",
    "scikit-learn": "1.6.1",
    "ipywidgets": "7.7.1",
    "matplotlib": "3.10.0",
    "scipy": "1.16.1",
    "psutil": "5.9.5",
    "packaging": "24.2",
    "ipykernel": "6.17.1",
}


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(0)


def run_fresh_python(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter without the TensorFlow quieting variables set, so a
    test sees exactly what a learner's fresh kernel would print."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, check=False)


def pytest_collection_modifyitems(config, items):
    """Executing a notebook (nbval) trains models and takes seconds: it belongs to the slow lane,
    so `pytest -m "not slow"` is the fast lane of unit tests (CONTRIBUTING.md)."""
    slow = pytest.mark.slow
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(slow)


def load_benchmark(name: str):
    """``benchmarks/<name>.py`` as a module (the scripts are not a package), for its ``main``
    and constants."""
    spec = importlib.util.spec_from_file_location(f"{name}_cli", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
