"""doctor() checks what the current setting needs: on a simulated Google Colab, and off it.

Colab is simulated the way doctor() sees it: a ``google.colab`` module in ``sys.modules`` and
Colab's package versions through ``doctor._installed_version``, the one function doctor uses
to read installed versions. Colab (2025) brings TensorFlow 2.19 as ``tensorflow`` (no
``tensorflow-cpu``), Keras 3.10, NumPy 2.0, scikit-learn 1.6, ipywidgets 7.7 and none of the
course's lab or test tools.
"""

from __future__ import annotations

import re
import subprocess
import sys
import types
from importlib import metadata

import pytest
from conftest import COLAB_VERSIONS, ROOT
from packaging.requirements import Requirement
from packaging.version import Version

from course_utils import doctor

COLAB = COLAB_VERSIONS
TOOLS = ["jupyterlab", "pytest", "nbval", "pytest-xdist", "ruff", "playwright"]
# doctor's advice must never install a TensorFlow on Colab (it has one) nor the course's pins
SECOND_TENSORFLOW = re.compile(r"pip install[^\n]*(tensorflow|requirements)", re.IGNORECASE)


def _pins(filename):
    """{name: version} of one requirement file's pins that apply on this platform."""
    pins = {}
    for line in (ROOT / filename).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate():
                pins[req.name] = next(iter(req.specifier)).version
    return pins


def _versions(installed):
    def get_version(name):
        if name not in installed:
            raise metadata.PackageNotFoundError(name)
        return installed[name]
    return get_version


def _tensorflow_imports(monkeypatch, ok=True):
    """doctor imports TensorFlow in a subprocess: answer for it, as Colab's would."""
    def run(cmd, **kwargs):
        if ok:
            return subprocess.CompletedProcess(cmd, 0, stdout="2.19.0 3.10.0\n", stderr="")
        return subprocess.CompletedProcess(cmd, 1, stdout="",
                                           stderr="ImportError: cannot import name 'pywrap'\n")
    monkeypatch.setattr(doctor.subprocess, "run", run)


@pytest.fixture
def colab(monkeypatch):
    """A simulated Colab runtime; returns a function that sets its installed packages."""
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))

    def installed(versions):
        monkeypatch.setattr(doctor, "_installed_version", _versions(versions))
    installed(COLAB)
    return installed


@pytest.fixture
def off_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)

    def installed(versions):
        monkeypatch.setattr(doctor, "_installed_version", _versions(versions))
    return installed


def _advice(report):
    return "\n".join(c.fix for c in report.checks if c.fix)


# --- on Colab ----------------------------------------------------------------------------

def test_colab_with_its_own_packages_is_ready(colab, monkeypatch, capsys):
    _tensorflow_imports(monkeypatch)
    report = doctor.doctor(min_memory_gib=0)  # notebook 00's call: it asserts report.ok
    out = capsys.readouterr().out
    assert report.ok, out
    assert report.problems == []
    by_name = {c.name: c for c in report.checks}
    # Colab's tensorflow stands in for tensorflow-cpu, at Colab's version
    assert by_name["tensorflow"].ok and "2.19.0" in by_name["tensorflow"].detail
    assert "tensorflow-cpu" not in by_name
    for name in ("keras", "numpy", "scikit-learn", "ipywidgets"):
        assert by_name[name].ok and "Colab" in by_name[name].detail, by_name[name]
    # the lab and test tools are missing: optional notes, not problems
    for name in TOOLS:
        assert by_name[name].optional and not by_name[name].ok, by_name[name]
        assert "optional" in by_name[name].detail
    assert "problem" not in out and "you are ready" in out


def test_colab_advice_never_installs_a_second_tensorflow(colab, monkeypatch, capsys):
    _tensorflow_imports(monkeypatch)
    report = doctor.doctor(min_memory_gib=0)
    out = capsys.readouterr().out
    assert not SECOND_TENSORFLOW.search(out), out
    assert "tensorflow-cpu" not in out
    assert _advice(report) == ""  # nothing to do on a standard Colab


@pytest.mark.parametrize("colab_packages, tensorflow_imports, problem", [
    ({**COLAB, "tensorflow": "2.15.0"}, True, "tensorflow"),           # an old Colab runtime
    ({**COLAB, "tensorflow-cpu": "2.21.0"}, True, "tensorflow-cpu"),    # the pin installed beside
    (COLAB, False, "tensorflow import"),                                # TensorFlow broken
    ({k: v for k, v in COLAB.items() if k != "tensorflow"}, False, "tensorflow"),  # none at all
])
def test_colab_fixes_never_install_the_course_pins_of_tensorflow(
        colab, monkeypatch, capsys, colab_packages, tensorflow_imports, problem):
    colab(colab_packages)
    _tensorflow_imports(monkeypatch, ok=tensorflow_imports)
    report = doctor.doctor(min_memory_gib=0)
    out = capsys.readouterr().out
    assert not report.ok
    assert problem in {c.name for c in report.problems}, out
    for check in report.problems:
        assert check.fix, check  # a concrete fix for every problem ...
        assert "tensorflow-cpu" not in check.fix and "requirements" not in check.fix, check
        if "tensorflow" in check.fix:  # ... and if it installs TensorFlow, only Colab's own,
            assert problem == "tensorflow" and "tensorflow" not in colab_packages  # when absent
    if "tensorflow" in colab_packages or problem != "tensorflow":
        assert not SECOND_TENSORFLOW.search(out), out


def test_colab_rejects_versions_below_the_course_minimum(colab):
    colab({**COLAB, "numpy": "1.26.4", "keras": "3.9.2"})
    report = doctor.doctor(check_tensorflow=False, min_memory_gib=0, verbose=False)
    assert {c.name for c in report.problems} == {"numpy", "keras"}
    numpy = next(c for c in report.problems if c.name == "numpy")
    assert "older than the course's minimum 2.0" in numpy.detail
    assert "Runtime version" in numpy.fix


def test_minimum_versions_cover_every_runtime_pin_and_colab_meets_them():
    for name, pin in _pins("requirements.txt").items():
        assert name in doctor.MINIMUM_VERSIONS, f"no minimum version for {name}"
        assert Version(doctor.MINIMUM_VERSIONS[name]) <= Version(pin), name
    for name, version in COLAB.items():
        if name in doctor.MINIMUM_VERSIONS:
            assert Version(version) >= Version(doctor.MINIMUM_VERSIONS[name]), name


# --- off Colab ---------------------------------------------------------------------------

def test_missing_runtime_package_is_a_problem_with_a_concrete_fix(off_colab, capsys):
    pins = {**_pins("requirements.txt"), **_pins("requirements-lab.txt"),
            **_pins("requirements-test.txt")}
    off_colab({name: version for name, version in pins.items() if name != "numpy"})
    report = doctor.doctor(check_tensorflow=False, min_memory_gib=0)
    out = capsys.readouterr().out
    assert not report.ok
    assert [c.name for c in report.problems] == ["numpy"]
    assert f'pip install "numpy=={pins["numpy"]}"' in report.problems[0].fix
    assert "1 problem(s) found" in out


def test_missing_test_tools_are_only_optional_notes(off_colab, capsys):
    runtime_and_lab = {**_pins("requirements.txt"), **_pins("requirements-lab.txt")}
    off_colab(runtime_and_lab)  # what `python3 tasks.py lab` installs
    report = doctor.doctor(check_tensorflow=False, min_memory_gib=0)
    out = capsys.readouterr().out
    assert report.ok, out
    assert report.problems == []
    test_tools = set(_pins("requirements-test.txt"))
    assert {c.name for c in report.notes} == test_tools
    for note in report.notes:
        assert note.optional and "optional, for tests" in note.detail
        assert "pip install" in note.fix
    assert "[opt] pytest" in out and "problem" not in out


def test_different_version_of_a_test_tool_is_a_note_but_of_a_runtime_package_a_problem(off_colab):
    pins = {**_pins("requirements.txt"), **_pins("requirements-lab.txt"),
            **_pins("requirements-test.txt")}
    off_colab({**pins, "pytest": "8.0.0", "scikit-learn": "1.6.1"})
    report = doctor.doctor(check_tensorflow=False, min_memory_gib=0, verbose=False)
    assert [c.name for c in report.problems] == ["scikit-learn"]
    assert [c.name for c in report.notes] == ["pytest"]


def test_the_full_tensorflow_wheel_counts_and_is_never_doubled(off_colab):
    """Off Colab too: `tensorflow` installed where the pins pick `tensorflow-cpu` (a GPU user)
    is the same TensorFlow; doctor never advises adding tensorflow-cpu beside it."""
    pins = {**_pins("requirements.txt"), **_pins("requirements-lab.txt"),
            **_pins("requirements-test.txt")}
    if "tensorflow-cpu" not in pins:
        pytest.skip("the pins pick the full tensorflow wheel on this platform")
    full = {k: v for k, v in pins.items() if k != "tensorflow-cpu"}
    off_colab({**full, "tensorflow": pins["tensorflow-cpu"]})
    report = doctor.doctor(check_tensorflow=False, min_memory_gib=0, verbose=False)
    assert report.ok, str(report)
    off_colab({**full, "tensorflow": "2.20.0"})
    report = doctor.doctor(check_tensorflow=False, min_memory_gib=0, verbose=False)
    [problem] = report.problems
    assert problem.name == "tensorflow" and "tensorflow-cpu" not in problem.fix
    assert f'pip install "tensorflow=={pins["tensorflow-cpu"]}"' in problem.fix  # in place
    off_colab({**pins, "tensorflow": pins["tensorflow-cpu"]})  # both wheels
    report = doctor.doctor(check_tensorflow=False, min_memory_gib=0, verbose=False)
    [problem] = report.problems
    assert "beside" in problem.detail and "uninstall -y tensorflow tensorflow-cpu" in problem.fix
