"""``doctor()``: check that this environment can run the course, and say how to fix it.

It checks the Python version, every pinned package (from the course package's own
metadata, which comes from ``requirements.txt``), that TensorFlow imports (in a
subprocess, so the check costs this kernel no memory), the available memory and the
integrity of the data files. Every problem comes with a concrete command to fix it.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from . import _data

__all__ = ["doctor", "Check", "DoctorReport", "check_requirement"]

DIST_NAME = "dl-anomaly-course"
MIN_MEMORY_GIB = 1.5  # the per-notebook budget; Binder guarantees 1 GiB and allows 2


@dataclass
class Check:
    """One line of the report: what was checked, whether it is fine, and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def __str__(self) -> str:
        width = max(len(c.name) for c in self.checks) if self.checks else 0
        lines = []
        for c in self.checks:
            mark = "ok " if c.ok else "FIX"
            lines.append(f"[{mark}] {c.name:<{width}}  {c.detail}")
            if not c.ok and c.fix:
                lines.append(f"      {'':<{width}}  -> {c.fix}")
        n = len(self.problems)
        lines.append("All checks passed: you are ready for the course." if n == 0 else
                     f"{n} problem(s) found: run the command after each '->' and then "
                     "restart the kernel (Kernel > Restart Kernel).")
        return "\n".join(lines)


def _pip(spec: str) -> str:
    return f'{sys.executable} -m pip install "{spec}"'


def check_requirement(req: str | Requirement, *, get_version=metadata.version) -> Check | None:
    """Check one requirement string (``"numpy==2.2.6"``); ``None`` if it does not apply here.

    ``get_version`` is injectable so tests can simulate missing or old packages.
    """
    if not isinstance(req, Requirement):
        try:
            req = Requirement(req)
        except InvalidRequirement as err:
            raise ValueError(f"Not a valid requirement: {req!r} ({err})") from None
    env = default_environment()
    if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
        return None
    spec = f"{req.name}{req.specifier}"
    try:
        installed = get_version(req.name)
    except metadata.PackageNotFoundError:
        return Check(req.name, False, f"not installed (the course needs {spec})", _pip(spec))
    try:
        ok = req.specifier.contains(Version(installed), prereleases=True)
    except InvalidVersion:
        ok = False
    if ok:
        return Check(req.name, True, installed)
    pinned = [s.version for s in req.specifier if s.operator in ("==", ">=")]
    if pinned:
        try:
            relation = "too old" if Version(installed) < Version(pinned[0]) else "different"
        except InvalidVersion:
            relation = "different"
    else:
        relation = "different"
    return Check(req.name, False, f"{installed} is {relation}: the course needs {spec}",
                 _pip(spec))


def _course_requirements() -> list[str]:
    try:
        return metadata.requires(DIST_NAME) or []
    except metadata.PackageNotFoundError:
        return []


def _python_check(requires_python: str | None) -> Check:
    current = platform.python_version()
    spec = SpecifierSet(requires_python or ">=3.10")
    if spec.contains(current):
        return Check("python", True, current)
    return Check("python", False, f"{current} is not supported (the course needs {spec})",
                 "Install Python 3.10-3.13 from python.org (or use conda: see the README), "
                 "then run the README's quick start again.")


def _tensorflow_check(timeout: float = 120.0) -> Check:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    code = "import tensorflow as tf, keras; print(tf.__version__, keras.__version__)"
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        return Check("tensorflow import", False, f"took longer than {timeout:.0f} s",
                     "Close other programs (TensorFlow needs ~0.6 GiB) and try again.")
    if proc.returncode == 0:
        tf_version, keras_version = proc.stdout.split()[-2:]
        return Check("tensorflow import", True, f"TensorFlow {tf_version}, Keras {keras_version}")
    last = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
    return Check("tensorflow import", False, f"fails: {last[:160]}",
                 f"{sys.executable} -m pip install --force-reinstall -r requirements.txt "
                 "(and never install both tensorflow and tensorflow-cpu)")


def _memory_check(min_gib: float) -> Check:
    try:
        import psutil  # noqa: PLC0415 - optional at import time

        available = psutil.virtual_memory().available / 2**30
    except ImportError:
        return Check("memory", False, "psutil is missing, memory not checked", _pip("psutil"))
    if available >= min_gib:
        return Check("memory", True, f"{available:.1f} GiB available")
    return Check("memory", False, f"only {available:.1f} GiB available, a notebook may need "
                 f"{min_gib:.1f} GiB", "Close other notebooks (Kernel > Shut Down All Kernels) "
                 "or other programs, then restart this kernel.")


def _data_check() -> Check:
    listed = _data.read_checksums()
    problems = _data.verify_data_files()
    if problems:
        return Check("data files", False, problems[0], "See the message above.")
    return Check("data files", True, f"{len(listed)} file(s) verified by SHA-256")


def doctor(*, requirements: list[str] | None = None, check_tensorflow: bool = True,
           min_memory_gib: float = MIN_MEMORY_GIB, verbose: bool = True) -> DoctorReport:
    """Check the environment and print a report with a fix for each problem.

    requirements: requirement strings to check; by default the course's pins.
    Returns a ``DoctorReport``; ``report.ok`` is ``True`` when everything passed.
    """
    if requirements is None:
        requirements = _course_requirements()
        try:
            requires_python = metadata.metadata(DIST_NAME)["Requires-Python"]
        except metadata.PackageNotFoundError:
            requires_python = None
    else:
        requires_python = None
    report = DoctorReport([_python_check(requires_python)])
    if not requirements:
        report.checks.append(Check("course package", False, f"{DIST_NAME} is not installed",
                                   "From the course folder run: python3 tasks.py lab "
                                   "(or pip install -e .)"))
    on_colab = "google.colab" in sys.modules
    for req in requirements:
        check = check_requirement(req)
        if check is not None and on_colab and not check.ok and "not installed" not in check.detail:
            # Colab brings its own versions and installing the pins there breaks its runtime:
            # accept them, and say that numbers may differ slightly from the stored outputs.
            check = Check(check.name, True, check.detail.split(":")[0]
                          + " (Colab's version; numbers may differ slightly from the stored outputs)")
        if check is not None:
            report.checks.append(check)
    if check_tensorflow:
        report.checks.append(_tensorflow_check())
    report.checks.append(_memory_check(min_memory_gib))
    report.checks.append(_data_check())
    if verbose:
        print(report)
    return report
