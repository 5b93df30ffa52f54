"""The package itself: fast import, reproducibility, plotting style, doctor, data files."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import run_fresh_python
from packaging.requirements import Requirement

import course_utils
from course_utils import _data, doctor, plotting, reproducibility


def test_import_does_not_load_tensorflow():
    code = ("import course_utils, sys; "
            "from course_utils import checks, nn_numpy, datasets, detectors, metrics, thresholds; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute"):
        course_utils.does_not_exist  # noqa: B018


# --- reproducibility ---------------------------------------------------------------------

def test_seed_everything_makes_numpy_and_random_repeat():
    import random

    reproducibility.seed_everything(42)
    first = (random.random(), np.random.rand(3))  # noqa: NPY002 - testing the global seed
    reproducibility.seed_everything(42)
    second = (random.random(), np.random.rand(3))  # noqa: NPY002
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (2**32, ValueError), (1.5, TypeError),
                                        ("0", TypeError), (True, TypeError)])
def test_seed_everything_rejects_bad_seeds(bad, error):
    with pytest.raises(error, match="seed"):
        reproducibility.seed_everything(bad)


@pytest.mark.slow
def test_setup_tensorflow_is_quiet_deterministic_and_seeds_keras():
    code = """
from course_utils.reproducibility import setup_tensorflow
tf = setup_tensorflow(seed=3)
import keras
layer1 = keras.layers.Dense(4); layer1.build((None, 2))
setup_tensorflow(seed=3)
layer2 = keras.layers.Dense(4); layer2.build((None, 2))
assert (layer1.kernel.numpy() == layer2.kernel.numpy()).all()
from tensorflow.python.framework import config as tf_config  # private, test only
assert tf_config.is_op_determinism_enabled()
print("ok")
"""
    proc = run_fresh_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    # nothing on stderr: TensorFlow's notices would be stored in notebooks and break nbval
    assert proc.stderr.strip() == "", proc.stderr


# --- plotting ----------------------------------------------------------------------------

def test_course_style_is_opt_in_and_readable():
    import matplotlib as mpl

    mpl.rcParams.update(mpl.rcParamsDefault)
    assert mpl.rcParams["font.size"] < 13  # importing plotting changed nothing
    plotting.use_course_style()
    assert mpl.rcParams["font.size"] >= 13
    colors = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    assert colors[:2] == [plotting.OKABE_ITO["blue"], plotting.OKABE_ITO["orange"]]
    assert set(colors) <= set(plotting.OKABE_ITO.values())
    mpl.rcParams.update(mpl.rcParamsDefault)


# --- doctor ------------------------------------------------------------------------------

def _fake_versions(versions):
    from importlib import metadata

    def get_version(name):
        if name not in versions:
            raise metadata.PackageNotFoundError(name)
        return versions[name]
    return get_version


def test_doctor_flags_missing_package_with_fix():
    check = doctor.check_requirement("numpy==2.2.6", get_version=_fake_versions({}))
    assert not check.ok
    assert "not installed" in check.detail
    assert 'pip install "numpy==2.2.6"' in check.fix


def test_doctor_flags_old_package_with_fix():
    check = doctor.check_requirement("numpy==2.2.6",
                                     get_version=_fake_versions({"numpy": "1.26.4"}))
    assert not check.ok
    assert "1.26.4 is too old" in check.detail
    assert 'pip install "numpy==2.2.6"' in check.fix


def test_doctor_accepts_matching_and_skips_other_platforms():
    ok = doctor.check_requirement("numpy==2.2.6", get_version=_fake_versions({"numpy": "2.2.6"}))
    assert ok.ok
    other = doctor.check_requirement('numpy==2.2.6; sys_platform == "no-such-os"')
    assert other is None


def test_doctor_report_lists_problems_and_fixes(capsys):
    report = doctor.doctor(requirements=["numpy==99.0", "surely-not-a-package==1.0"],
                           check_tensorflow=False)
    out = capsys.readouterr().out
    assert not report.ok
    assert {c.name for c in report.problems} >= {"numpy", "surely-not-a-package"}
    assert "2 problem(s) found" in out and "->" in out


def test_course_pins_are_installed_here():
    """The environment running the tests is the pinned one (what nbval outputs assume),
    test tools included: no problem and no optional note."""
    report = doctor.doctor(check_tensorflow=False, min_memory_gib=0, verbose=False)
    assert report.ok, str(report)
    assert report.notes == [], str(report)
    assert {c.name for c in report.checks} >= {"numpy", "keras", "jupyterlab", "pytest"}


@pytest.mark.parametrize("path", ["requirements.txt", "requirements-lab.txt",
                                  "requirements-test.txt", "binder/requirements.txt"])
def test_every_requirement_is_pinned_exactly(path):
    lines = [ln.strip() for ln in open(_data.data_dir().parent / path)
             if ln.strip() and not ln.startswith("#")]
    assert lines
    for line in lines:
        req = Requirement(line)
        assert [s.operator for s in req.specifier] == ["=="], f"not pinned: {line}"


def test_doctor_reports_extras_as_optional():
    tool = doctor.check_requirement('pytest==9.2.0; extra == "test"',
                                   get_version=_fake_versions({}))
    assert tool.optional and not tool.ok and "optional, for tests" in tool.detail
    runtime = doctor.check_requirement("pytest==9.2.0", get_version=_fake_versions({}))
    assert not runtime.optional and not runtime.ok
    report = doctor.DoctorReport([tool])
    assert report.ok and report.problems == [] and report.notes == [tool]


# --- data files --------------------------------------------------------------------------

def test_data_file_checksum_errors(tmp_path):
    (tmp_path / "toy.csv").write_text("a,b\n1,2\n")
    digest = _data._sha256(tmp_path / "toy.csv")
    (tmp_path / "SHA256SUMS").write_text(f"{digest}  toy.csv\n{'0' * 64}  gone.csv\n")
    assert _data.data_path("toy.csv", tmp_path) == tmp_path / "toy.csv"
    with pytest.raises(_data.DataFileError, match="gone.csv is missing.*git checkout"):
        _data.data_path("gone.csv", tmp_path)
    (tmp_path / "toy.csv").write_text("a,b\n1,3\n")
    with pytest.raises(_data.DataFileError, match="toy.csv is corrupted"):
        _data.data_path("toy.csv", tmp_path)
    with pytest.raises(_data.DataFileError, match="not listed"):
        _data.data_path("other.csv", tmp_path)
    assert len(_data.verify_data_files(tmp_path)) == 2


def test_shipped_data_files_verify():
    assert _data.verify_data_files() == []


def test_doctor_accepts_colab_versions_but_not_missing_packages(monkeypatch):
    import types

    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    report = doctor.doctor(requirements=["numpy==99.0", "surely-not-a-package==1.0"],
                           check_tensorflow=False, verbose=False)
    by_name = {c.name: c for c in report.checks}
    assert by_name["numpy"].ok and "Colab" in by_name["numpy"].detail
    assert not by_name["surely-not-a-package"].ok
