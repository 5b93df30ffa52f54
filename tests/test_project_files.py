"""Project files agree with each other: one set of pins for pip, conda and Binder; lint clean.

The pins live in the requirement files: requirements.txt (runtime, the package's
dependencies), requirements-lab.txt (JupyterLab, extra "lab") and requirements-test.txt (test
tools, extra "test"). Everything else (package metadata, conda, Binder, tasks.py) follows them.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from importlib import metadata

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

RUNTIME, LAB, TEST = "requirements.txt", "requirements-lab.txt", "requirements-test.txt"
TOOLS = {"jupyterlab", "ipykernel", "pytest", "nbval", "pytest-xdist", "ruff", "playwright"}


def _lines(path):
    return [ln.strip() for ln in path.read_text().splitlines()
            if ln.strip() and not ln.strip().startswith("#")]


def _names(filename):
    return {canonicalize_name(Requirement(line).name) for line in _lines(ROOT / filename)}


def _load_tasks():
    spec = importlib.util.spec_from_file_location("course_tasks", ROOT / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    return tasks


def test_requirement_groups_are_disjoint_and_runtime_holds_no_tool():
    runtime, lab, test = _names(RUNTIME), _names(LAB), _names(TEST)
    assert not runtime & lab and not runtime & test and not lab & test
    assert not runtime & TOOLS, "JupyterLab and the test tools are not runtime dependencies"
    assert {"jupyterlab", "ipykernel"} <= lab
    assert {"pytest", "nbval", "pytest-xdist", "ruff", "playwright"} <= test
    assert {"numpy", "keras", "tensorflow-cpu", "tensorflow", "scikit-learn", "ipywidgets",
            "matplotlib", "psutil", "packaging"} <= runtime


def test_requirement_files_have_no_pip_options():
    # pyproject.toml reads them as the package's (optional) dependencies: no -r, -e, --index
    for filename in (RUNTIME, LAB, TEST):
        for line in _lines(ROOT / filename):
            assert not line.startswith("-"), f"{filename}: {line}"


def test_package_metadata_comes_from_the_requirement_files():
    """pyproject.toml turns the files into dependencies and extras (if this fails right after
    editing them, the installed metadata is stale: `python3 tasks.py setup test`)."""
    def with_extra(line, extra):
        req = Requirement(line)
        marker = f"({req.marker}) and " if req.marker else ""
        return f'{req.name}{req.specifier}; {marker}extra == "{extra}"'

    expected = (_lines(ROOT / RUNTIME) + [with_extra(ln, "lab") for ln in _lines(ROOT / LAB)]
                + [with_extra(ln, "test") for ln in _lines(ROOT / LAB) + _lines(ROOT / TEST)])
    installed = metadata.requires("dl-anomaly-course")
    assert sorted(str(Requirement(r)) for r in installed) == \
        sorted(str(Requirement(r)) for r in expected)


def test_conda_environment_installs_runtime_and_lab_pins():
    text = (ROOT / "environment.yml").read_text()
    assert "- -r requirements.txt" in text
    assert "- -r requirements-lab.txt" in text
    assert "- -r requirements-test.txt" not in text
    assert "- -e ." in text
    assert "python=3.1" in text


def test_binder_uses_python_311_and_the_runtime_and_lab_pins():
    binder = ROOT / "binder"
    assert _lines(binder / "runtime.txt") == ["python-3.11"]
    # binder/requirements.txt: generated from the pins and resolved, in tests/test_binder.py
    # binder/ replaces the root configuration: an environment.yml there would win over pip
    assert not (binder / "environment.yml").exists()
    assert "pip install --no-deps -e ." in (binder / "postBuild").read_text()


def test_setup_fingerprint_covers_every_requirement_file(tmp_path, monkeypatch):
    tasks = _load_tasks()
    for name in ("pyproject.toml", RUNTIME, LAB, TEST):
        (tmp_path / name).write_text((ROOT / name).read_text())
    monkeypatch.setattr(tasks, "ROOT", tmp_path)
    before = tasks._setup_fingerprint()
    for name in ("pyproject.toml", RUNTIME, LAB, TEST):
        path = tmp_path / name
        original = path.read_text()
        path.write_text(original + "\n# changed\n")
        assert tasks._setup_fingerprint() != before, f"a change to {name} must reinstall"
        path.write_text(original)
    assert tasks._setup_fingerprint() == before


@pytest.mark.parametrize("commands, installs", [
    (["lab"], [[RUNTIME, LAB]]),
    (["test"], [[RUNTIME, LAB, TEST]]),
    (["lab", "lab"], [[RUNTIME, LAB]]),                 # the stamp: installed once
    (["lab", "test", "lab"], [[RUNTIME, LAB], [RUNTIME, LAB, TEST]]),
    (["test", "lab"], [[RUNTIME, LAB, TEST]]),           # test installs a superset of lab
])
def test_setup_installs_runtime_and_lab_for_lab_and_everything_for_test(
        tmp_path, monkeypatch, commands, installs):
    tasks = _load_tasks()
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    monkeypatch.setattr(tasks, "VENV", venv)
    monkeypatch.setattr(tasks, "PYTHON", venv / "bin" / "python")
    monkeypatch.setattr(tasks, "STAMP", venv / ".course-installed")
    monkeypatch.setattr(tasks, "_has_pip", lambda: True)
    calls = []
    monkeypatch.setattr(tasks, "_run", lambda cmd, **kwargs: calls.append([str(c) for c in cmd]))
    for command in commands:
        tasks.setup(command)
    files = [[c[i + 1] for i, arg in enumerate(c) if arg == "-r"] for c in calls if "-r" in c]
    assert files == installs
    assert sum("-e" in c and "--no-deps" in c for c in calls) == len(installs)


def test_setup_recreates_a_venv_left_without_pip(tmp_path, monkeypatch):
    """An interrupted first setup leaves .venv/bin/python but no pip: setup starts over."""
    tasks = _load_tasks()
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()             # not executable: no pip can run
    (venv / "leftover").touch()
    monkeypatch.setattr(tasks, "VENV", venv)
    monkeypatch.setattr(tasks, "PYTHON", venv / "bin" / "python")
    monkeypatch.setattr(tasks, "STAMP", venv / ".course-installed")
    calls = []

    def run(cmd, **kwargs):
        calls.append([str(c) for c in cmd])
        if "venv" in calls[-1]:
            (venv / "bin").mkdir(parents=True)

    monkeypatch.setattr(tasks, "_run", run)
    tasks.setup("lab")
    assert not (venv / "leftover").exists()
    assert calls[0][1:] == ["-m", "venv", str(venv)]


def test_tensorflow_variant_chosen_by_platform_marker():
    reqs = _lines(ROOT / "requirements.txt")
    cpu = [r for r in reqs if r.startswith("tensorflow-cpu==")]
    full = [r for r in reqs if r.startswith("tensorflow==")]
    assert len(cpu) == 1 and len(full) == 1
    assert 'platform_machine == "x86_64"' in cpu[0]
    assert 'platform_machine != "x86_64"' in full[0]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 tasks.py test" in readme
    assert "python3 tasks.py lab" in readme
    assert [ln for ln in _lines(ROOT / ".ci" / "run") if not ln.startswith(("set ", "cd "))] \
        == ["python3 tasks.py test"], ci


def test_ruff_is_clean_on_code_and_notebooks():
    ruff = shutil.which("ruff") or str(ROOT / ".venv" / "bin" / "ruff")
    proc = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_sys_path_edits_anywhere():
    offenders = []
    for path in list(ROOT.glob("course_utils/**/*.py")) + list(ROOT.glob("tests/*.py")) + \
            list(ROOT.glob("benchmarks/*.py")) + list(ROOT.glob("tools/*.py")):
        text = path.read_text()
        if "sys.path.append" in text or "sys.path.insert" in text:
            if path.name != "test_project_files.py" and path.name != "notebook_rules.py" \
                    and path.name != "test_notebook_structure.py":
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"sys.path edits in {offenders}"
    assert sys.version_info >= (3, 10)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"version": (3, 11), "system": "Linux", "machine": "x86_64", "glibc": (2, 36)}, None),
    ({"version": (3, 10), "system": "Linux", "machine": "aarch64", "glibc": (2, 31)}, None),
    ({"version": (3, 13), "system": "Darwin", "machine": "arm64"}, None),
    ({"version": (3, 12), "system": "Windows", "machine": "AMD64"}, None),
    ({"version": (3, 11), "system": "Darwin", "machine": "x86_64"}, "no wheel for Intel Macs"),
    ({"version": (3, 9), "system": "Linux", "machine": "x86_64"}, "needs Python 3.10-3.13"),
    ({"version": (3, 14), "system": "Linux", "machine": "x86_64"}, "needs Python 3.10-3.13"),
    ({"version": (3, 11), "system": "Linux", "machine": "x86_64", "glibc": (2, 17)}, "glibc 2.27"),
    ({"version": (3, 11), "system": "Linux", "machine": "riscv64", "glibc": (2, 36)}, "riscv64"),
])
def test_tasks_explains_an_unsupported_platform_before_pip_runs(kwargs, expected):
    problem = _load_tasks().platform_problem(**kwargs)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem and ("Binder" in problem or "python.org" in problem)


def test_this_machine_is_a_supported_platform():
    assert _load_tasks().platform_problem() is None
