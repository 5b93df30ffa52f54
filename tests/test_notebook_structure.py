"""Every notebook follows the course template (rules in tests/notebook_rules.py)."""

from __future__ import annotations

import copy

import nbformat
import pytest
from conftest import NOTEBOOK_DIR, NOTEBOOKS
from notebook_rules import problems


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"
    numbers = [p.name[:2] for p in NOTEBOOKS]
    assert len(numbers) == len(set(numbers)), f"duplicate notebook numbers: {numbers}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_template(path):
    nb = nbformat.read(path, as_version=4)
    found = problems(nb, path)
    assert not found, f"{path.name} breaks the template:\n  - " + "\n  - ".join(found)


# --- the rules themselves can fail -------------------------------------------------------

@pytest.fixture
def good():
    path = NOTEBOOK_DIR / "00_welcome.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert problems(nb, path) == []
    return nb, path


def _first_code(nb):
    """The first code cell that is not the Colab set-up cell (which may install packages)."""
    return next(c for c in nb.cells if c.cell_type == "code" and "google.colab" not in c.source)


@pytest.mark.parametrize("line, expected", [
    ("import sys; sys.path.append('..')", "sys.path"),
    ("!pip install numpy", "!pip"),
    ("%run helpers.py", "%run"),
    ("from numpy import *", "star import"),
    ("open('/home/alice/data.csv')", "absolute local path"),
])
def test_forbidden_code_is_caught(good, line, expected):
    nb, path = copy.deepcopy(good[0]), good[1]
    _first_code(nb).source += "\n" + line
    assert any(expected in p for p in problems(nb, path))


def test_missing_summary_is_caught(good):
    nb, path = copy.deepcopy(good[0]), good[1]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("## Summary", "## Recap")
    assert any("Summary" in p for p in problems(nb, path))


def test_wrong_title_and_kernel_are_caught(good):
    nb, path = copy.deepcopy(good[0]), good[1]
    nb.cells[0].source = "# Welcome"
    nb.metadata["kernelspec"]["name"] = "conda-env"
    found = problems(nb, path)
    assert any("title" in p for p in found) and any("kernelspec" in p for p in found)


def test_out_of_order_and_error_outputs_are_caught(good):
    nb, path = copy.deepcopy(good[0]), good[1]
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[0].execution_count = 7
    untagged = next(c for c in code[1:] if "raises-exception" not in c.metadata.get("tags", []))
    untagged.outputs.append(nbformat.v4.new_output("error", ename="ValueError", evalue="x",
                                                   traceback=[]))
    found = problems(nb, path)
    assert any("execution_count" in p for p in found)
    assert any("stored error" in p for p in found)


def test_widget_metadata_without_state_is_caught(good):
    nb, path = copy.deepcopy(good[0]), good[1]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    assert any("widgets" in p for p in problems(nb, path))


def test_exercises_required_after_00(good):
    nb, path = copy.deepcopy(good[0]), good[1]
    fake = path.with_name("07_fake.ipynb")
    nb.cells[0].source = nb.cells[0].source.replace("# 00", "# 07", 1)
    assert any("Exercises" in p for p in problems(nb, fake))
