"""Project files agree with each other: one set of pins for pip, conda and Binder; lint clean."""

from __future__ import annotations

import shutil
import subprocess
import sys

from conftest import ROOT


def _lines(path):
    return [ln.strip() for ln in path.read_text().splitlines()
            if ln.strip() and not ln.strip().startswith("#")]


def test_conda_environment_uses_the_pinned_requirements():
    text = (ROOT / "environment.yml").read_text()
    assert "- -r requirements.txt" in text
    assert "- -e ." in text
    assert "python=3.1" in text


def test_binder_uses_python_311_and_the_same_pins():
    binder = ROOT / "binder"
    assert _lines(binder / "runtime.txt") == ["python-3.11"]
    assert _lines(binder / "requirements.txt") == ["-r ../requirements.txt"]
    # binder/ replaces the root configuration: an environment.yml there would win over pip
    assert not (binder / "environment.yml").exists()
    assert "pip install --no-deps -e ." in (binder / "postBuild").read_text()


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
