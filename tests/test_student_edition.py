"""The student edition (tools/student_edition.py): every notebook without its solutions."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOK_DIR, NOTEBOOKS, ROOT
from notebook_rules import problems

TOOL = ROOT / "tools" / "student_edition.py"
FAST_NOTEBOOK = "04_measuring_a_detector.ipynb"  # ~6 s to execute on 2 CPU cores


def _load_tool():
    spec = importlib.util.spec_from_file_location("student_edition", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


student_edition = _load_tool()


def _heading_index(nb, heading: str) -> int | None:
    """Index of the Markdown cell with a line starting with ``heading`` (found independently
    of the tool, so the test does not trust the tool's own parsing)."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and any(
                line.strip().startswith(heading) for line in cell.source.splitlines()):
            return i
    return None


def _output_text(cell) -> str:
    text = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            text.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            text.append("\n".join(output.get("traceback", [])))
        else:
            text += [str(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(text)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "notebooks"
    written = student_edition.make_student_edition(NOTEBOOK_DIR, out)
    return out, written


def test_every_notebook_is_written(edition):
    out, written = edition
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    assert all(p.parent == out.resolve() and p.exists() for p in written)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_survives(edition, path):
    original = nbformat.read(path, as_version=4)
    student = nbformat.read(edition[0] / path.name, as_version=4)
    start = _heading_index(original, "## Solutions")
    if path.name.startswith("00"):
        assert start is None
        assert (edition[0] / path.name).read_bytes() == path.read_bytes()
        return
    stop = _heading_index(original, "## Next")
    assert start is not None and stop is not None and start < stop, path.name
    solution_ids = {c.id for c in original.cells[start:stop]}
    solution_code = {c.source for c in original.cells[start:stop] if c.cell_type == "code"}
    exercise_code = {c.source for c in original.cells[:start] if c.cell_type == "code"}
    assert not solution_ids & {c.id for c in student.cells}
    # a solution cell whose source is not also an exercise cell must not appear anywhere
    assert not (solution_code - exercise_code) & {c.source for c in student.cells}
    assert _heading_index(student, "## Solutions") is None
    assert _heading_index(student, "## Exercises") is not None
    assert _heading_index(student, "## Next") is not None
    # nothing else removed or changed: before + one note + from "## Next" on, outputs and all
    expected = original.cells[:start] + original.cells[stop:]
    note = student.cells[start]
    assert note.cell_type == "markdown" and "instructor edition" in note.source
    assert student.cells[:start] + student.cells[start + 1:] == expected
    assert student.metadata == original.metadata
    nbformat.validate(student)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_follows_template(edition, path):
    copy_path = edition[0] / path.name
    nb = nbformat.read(copy_path, as_version=4)
    found = problems(nb, copy_path)
    assert not found, f"student {path.name} breaks the template:\n  - " + "\n  - ".join(found)


def test_code_after_solutions_is_refused():
    nb = nbformat.read(NOTEBOOK_DIR / FAST_NOTEBOOK, as_version=4)
    nb = copy.deepcopy(nb)
    nb.cells.append(nbformat.v4.new_code_cell("print('after Next')"))
    with pytest.raises(ValueError, match="execution counts"):
        student_edition.strip_solutions(nb, FAST_NOTEBOOK)


@pytest.mark.slow
def test_student_notebook_runs_with_checks_not_attempted(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    out = tmp_path / "notebooks"
    student_edition.make_student_edition(NOTEBOOK_DIR, out)
    monkeypatch.chdir(out)
    nb = nbformat.read(out / FAST_NOTEBOOK, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(out)}}).execute()  # raises on error
    start = _heading_index(nb, "## Exercises")
    stop = _heading_index(nb, "## Next")
    check_cells = [c for c in nb.cells[start:stop]
                   if c.cell_type == "code" and "check_" in c.source]
    assert len(check_cells) >= 3, "expected one check cell per exercise"
    for cell in check_cells:
        assert "not attempted yet" in _output_text(cell), cell.source[:80]


def _repo_notebooks() -> dict[Path, str]:
    """Every notebook file in the repository (outside .venv and .git), by content hash."""
    found = {}
    for path in ROOT.rglob("*.ipynb"):
        rel = path.relative_to(ROOT).parts
        if rel[0] in (".venv", ".git") or ".ipynb_checkpoints" in rel:
            continue
        found[path] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_default_output_is_outside_the_repository(tmp_path):
    # Other people may edit notebooks while this runs, so "unchanged" is checked as what the
    # tool could do wrong: no notebook added anywhere in the repository, no student copy in
    # it, and every instructor notebook still has its Solutions section.
    before = _repo_notebooks()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, str(TOOL)], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    out = Path(result.stdout.strip().splitlines()[-1].split(" written to ", 1)[1])
    assert out.is_dir() and out.is_relative_to(tmp_path.resolve())
    assert not out.resolve().is_relative_to(ROOT)
    assert sorted(p.name for p in out.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]

    after = _repo_notebooks()
    assert set(after) == set(before), "notebooks were added to or removed from the repository"
    student_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("*.ipynb")
                      if not p.name.startswith("00")}
    assert not student_hashes & set(after.values()), "a student copy was written into the repo"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        if not path.name.startswith("00"):
            assert _heading_index(nb, "## Solutions") is not None, path.name
        assert not any(student_edition.NOTE_ID == c.get("id") for c in nb.cells), path.name
