"""The package's import structure: no import cycle, and every module imports on its own.

The graph is read from the source with ``ast`` (nothing is imported to build it): every
``import`` and ``from ... import`` of a ``course_utils`` module, at module level **and**
inside functions (a function-level import is still a dependency, only a late one),
relative imports resolved against the importing module's package.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = "course_utils"
PACKAGE_DIR = ROOT / PACKAGE


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The course_utils module that ``import name`` loads (a package's ``__init__``
    when ``name`` is a package), or ``None`` outside the package."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]      # "pkg.mod.func" -> "pkg.mod"
    return None


def imports_of(module: str) -> set[str]:
    """The course_utils modules that ``module`` imports, anywhere in its source."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:                      # from . import x / from ..y import z
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # "from pkg import mod" imports the module pkg.mod when there is one, else
            # "from pkg import name" needs pkg (its __init__) itself
            targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in MODULES else stem
                       for alias in node.names]
        else:
            continue
        found |= {m for m in map(_resolve, targets) if m is not None and m != module}
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first == last), or ``None``."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_reader_sees_relative_function_level_and_package_imports():
    assert "course_utils.detectors" in GRAPH["course_utils.autoencoder"]     # from .detectors
    assert "course_utils.models" in GRAPH["course_utils.autoencoder"]        # in a function
    assert "course_utils.reproducibility" in GRAPH["course_utils.models"]
    assert "course_utils._validate" in GRAPH["course_utils.datasets._load"]  # from .._validate
    assert "course_utils._keras_fit" in GRAPH["course_utils.autoencoder"]    # from . import m
    assert "course_utils" in GRAPH["course_utils.practice"]    # from . import __version__
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def _imports_alone(module: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, cwd=ROOT, check=False)


# One fresh interpreter per module (about a second each: NumPy, scikit-learn; TensorFlow
# for course_utils.models), so a module that only works after another was imported fails.
@pytest.mark.slow
@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_alone_in_a_fresh_interpreter(module):
    proc = _imports_alone(module)
    assert proc.returncode == 0, proc.stderr


# The Keras detectors import TensorFlow in fit, never on import (so does
# ``import course_utils``, tests/test_package.py): one fresh interpreter for all of them.
KERAS_DETECTOR_MODULES = ["autoencoder", "deep_svdd", "few_labels", "forecast", "vae"]


def test_the_keras_detector_modules_import_without_tensorflow():
    modules = ", ".join(f"{PACKAGE}.{m}" for m in KERAS_DETECTOR_MODULES)
    code = (f"import sys, {modules}; "
            "loaded = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
            "assert not loaded, f'importing the detectors loaded {loaded}'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
