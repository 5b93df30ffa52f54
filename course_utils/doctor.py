"""``doctor()``: check that this environment can run the course, and say how to fix it.

It checks the Python version, the course's packages, that TensorFlow imports (in a
subprocess, so the check costs this kernel no memory), the available memory and the
integrity of the data files. Every problem comes with a concrete command to fix it.

The packages come from the course package's own metadata, which setuptools builds from the
requirement files (one source of truth for the pins):

- ``requirements.txt``, the runtime packages (the package's dependencies): required, at
  exactly the pinned versions, which the stored notebook outputs were made with;
- ``requirements-lab.txt`` and ``requirements-test.txt``, the extras ``lab`` (JupyterLab) and
  ``test`` (pytest, nbval, ...): reported as optional, never a problem.

On Google Colab the course uses Colab's own packages (installing the pins beside them breaks
Colab's runtime): its ``tensorflow`` stands in for ``tensorflow-cpu``, and any version at
least ``MINIMUM_VERSIONS`` is accepted. Colab never gets advice to install a TensorFlow.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from . import _data

__all__ = ["doctor", "Check", "DoctorReport", "check_requirement", "MINIMUM_VERSIONS"]

DIST_NAME = "dl-anomaly-course"
MIN_MEMORY_GIB = 1.5  # the per-notebook budget; Binder guarantees 1 GiB and allows 2

# The oldest versions of the runtime packages the course supports, for environments that
# bring their own (Google Colab, whose set in 2025 is TensorFlow 2.19, Keras 3.10, NumPy 2.0,
# scikit-learn 1.6, ipywidgets 7.7). The course's code runs with them; numbers may differ
# slightly from the stored outputs. Every runtime package has one (tests check it, and that
# each is at most the pin).
MINIMUM_VERSIONS = {
    "tensorflow": "2.19",
    "tensorflow-cpu": "2.19",
    "keras": "3.10",
    "numpy": "2.0",
    "scipy": "1.13",  # the first SciPy built for NumPy 2
    "scikit-learn": "1.6",
    "matplotlib": "3.9",  # the first matplotlib built for NumPy 2
    "ipywidgets": "7.7",
    "psutil": "5.9",
    "packaging": "23.0",
}

# The extras of the course package, in report order, and what each is for.
OPTIONAL_GROUPS = {"lab": "for JupyterLab", "test": "for tests"}

_COLAB_RESET = ("On Colab: Runtime > Disconnect and delete runtime, then run this notebook "
                "again from the top (Colab brings its own TensorFlow: install no other).")
_COLAB_LATEST = ("On Colab: Runtime > Change runtime type > Runtime version: Latest, then run "
                 "this notebook again from the top.")


@dataclass
class Check:
    """One line of the report: what was checked, whether it is fine, and the fix.

    ``optional`` checks (JupyterLab, test tools) are reported but never make the report fail.
    """

    name: str
    ok: bool
    detail: str
    fix: str = ""
    optional: bool = False


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every required check passed (optional ones do not count)."""
        return all(c.ok for c in self.required)

    @property
    def required(self) -> list[Check]:
        return [c for c in self.checks if not c.optional]

    @property
    def problems(self) -> list[Check]:
        """Failed required checks: each stops the course."""
        return [c for c in self.required if not c.ok]

    @property
    def notes(self) -> list[Check]:
        """Optional tools that are missing or at another version: worth knowing, not a problem."""
        return [c for c in self.checks if c.optional and not c.ok]

    def __str__(self) -> str:
        width = max(len(c.name) for c in self.checks) if self.checks else 0
        lines = []
        for c in self.checks:
            mark = "ok " if c.ok else ("opt" if c.optional else "FIX")
            lines.append(f"[{mark}] {c.name:<{width}}  {c.detail}")
            if not c.ok and c.fix:
                lines.append(f"      {'':<{width}}  -> {c.fix}")
        n = len(self.problems)
        if n:
            lines.append(f"{n} problem(s) found: run the command after each '->' and then "
                         "restart the kernel (Kernel > Restart Kernel).")
        elif self.notes:
            lines.append("All required checks passed: you are ready for the course. "
                         "([opt] lines are tools the notebooks do not need.)")
        else:
            lines.append("All checks passed: you are ready for the course.")
        return "\n".join(lines)


def _pip(spec: str) -> str:
    return f'{sys.executable} -m pip install "{spec}"'


def _installed_version(name: str) -> str:
    """The installed version of distribution ``name``; raises ``PackageNotFoundError``.

    The one place doctor reads installed versions (tests replace it to simulate Colab).
    """
    return metadata.version(name)


def _on_colab() -> bool:
    """True in a Google Colab runtime (its kernel imports ``google.colab`` at start-up)."""
    if "google.colab" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("google.colab") is not None
    except (ImportError, ValueError):
        return False


def _as_requirement(req: str | Requirement) -> Requirement:
    if isinstance(req, Requirement):
        return req
    try:
        return Requirement(req)
    except InvalidRequirement as err:
        raise ValueError(f"Not a valid requirement: {req!r} ({err})") from None


def requirement_group(req: str | Requirement) -> str | None:
    """``""`` for a runtime requirement, the extra's name (``"test"``) for an optional one,
    ``None`` for a requirement of another platform."""
    req = _as_requirement(req)
    if req.marker is None:
        return ""
    extras = re.findall(r"""extra\s*==\s*["']([^"']+)["']""", str(req.marker))
    env = default_environment()
    for extra in ("", *extras):
        if req.marker.evaluate({**env, "extra": extra}):
            return extra
    return None


def _has(name: str, get_version) -> bool:
    try:
        get_version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _older(installed: str, minimum: str) -> bool:
    try:
        return Version(installed) < Version(minimum)
    except InvalidVersion:
        return False


def check_requirement(req: str | Requirement, *, get_version=None,
                      on_colab: bool = False) -> Check | None:
    """Check one requirement string (``"numpy==2.2.6"``); ``None`` if it does not apply here.

    A requirement of an extra (``pytest==9.2.0; extra == "test"``) gives an optional check.
    ``on_colab``: accept the installed version if at least ``MINIMUM_VERSIONS``, and check
    Colab's ``tensorflow`` in place of ``tensorflow-cpu``.
    ``get_version`` is injectable so tests can simulate missing or old packages.
    """
    req = _as_requirement(req)
    group = requirement_group(req)
    if group is None:
        return None
    get_version = get_version or _installed_version
    optional = group != ""
    purpose = OPTIONAL_GROUPS.get(group, f"for [{group}]")
    tag = f" (optional, {purpose}{'; not needed on Colab' if on_colab else ''})" if optional else ""
    name = req.name
    if canonicalize_name(name) == "tensorflow-cpu" and not optional:
        # One TensorFlow only: pip allows both wheels, and then `import tensorflow` can break.
        has = {dist: _has(dist, get_version) for dist in ("tensorflow", "tensorflow-cpu")}
        if all(has.values()):
            return Check("tensorflow-cpu", False, "installed beside tensorflow: "
                         "`import tensorflow` can break", _COLAB_RESET if on_colab else
                         f"{sys.executable} -m pip uninstall -y tensorflow tensorflow-cpu, then "
                         f"{sys.executable} -m pip install \"{req.name}{req.specifier}\"")
        if has["tensorflow"] or (on_colab and not has["tensorflow-cpu"]):
            name = "tensorflow"  # Colab's, or the full wheel: the same code; never add a second
    spec = f"{name}{req.specifier}"
    minimum = MINIMUM_VERSIONS.get(canonicalize_name(name))
    try:
        installed = get_version(name)
    except metadata.PackageNotFoundError:
        if optional:
            return Check(name, False, f"not installed{tag}", "" if on_colab else _pip(spec),
                         optional=True)
        if on_colab:
            return Check(name, False, f"not installed (the course needs {name}"
                         f"{f'>={minimum}' if minimum else ''})",
                         _pip(f"{name}>={minimum}" if minimum else name))
        return Check(name, False, f"not installed (the course needs {spec})", _pip(spec))
    try:
        ok = req.specifier.contains(Version(installed), prereleases=True)
    except InvalidVersion:
        ok = False
    if ok:
        return Check(name, True, installed + tag, optional=optional)
    if on_colab:
        if optional:
            return Check(name, False, f"{installed}{tag}", optional=True)
        if minimum is None or not _older(installed, minimum):
            # Colab brings its own versions and installing the pins there breaks its runtime:
            # accept them, and say that numbers may differ slightly from the stored outputs.
            made_with = " ".join(s.version for s in req.specifier) or "other versions"
            return Check(name, True, f"{installed} (Colab's; the stored outputs come from "
                         f"{made_with}, numbers may differ slightly)")
        return Check(name, False, f"{installed} is older than the course's minimum {minimum}",
                     _COLAB_LATEST)
    pinned = [s.version for s in req.specifier if s.operator in ("==", ">=")]
    relation = "too old" if pinned and _older(installed, pinned[0]) else "different"
    return Check(name, False, f"{installed} is {relation}: the course needs {spec}{tag}",
                 _pip(spec), optional=optional)


def _course_requirements() -> list[str]:
    """The course package's requirements, runtime first, then each extra's; one per package."""
    try:
        listed = metadata.requires(DIST_NAME) or []
    except metadata.PackageNotFoundError:
        return []
    order = ["", *OPTIONAL_GROUPS]

    def rank(line: str) -> int:
        group = requirement_group(line)
        return order.index(group) if group in order else len(order)

    seen, result = set(), []
    for line in sorted(listed, key=rank):  # stable: keeps the files' order within a group
        if requirement_group(line) is None:
            continue  # another platform's (tensorflow where tensorflow-cpu is installed)
        name = canonicalize_name(Requirement(line).name)
        if name not in seen:  # a package in two extras (lab pins in "test" too) is listed once
            seen.add(name)
            result.append(line)
    return result


def _python_check(requires_python: str | None) -> Check:
    current = platform.python_version()
    spec = SpecifierSet(requires_python or ">=3.10")
    if spec.contains(current):
        return Check("python", True, current)
    return Check("python", False, f"{current} is not supported (the course needs {spec})",
                 "Install Python 3.10-3.13 from python.org (or use conda: see the README), "
                 "then run the README's quick start again.")


def _tensorflow_check(timeout: float = 120.0, *, on_colab: bool = False) -> Check:
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
    if on_colab:  # Colab's own TensorFlow: never reinstall it from the course's pins
        return Check("tensorflow import", False, f"fails: {last[:160]}", _COLAB_RESET)
    return Check("tensorflow import", False, f"fails: {last[:160]}",
                 f"{sys.executable} -m pip install --force-reinstall -r requirements.txt "
                 "(and never install both tensorflow and tensorflow-cpu)")


def _memory_check(min_gib: float) -> Check:
    try:
        import psutil  # optional at import time

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

    requirements: requirement strings to check; by default the course's pins (runtime ones
    required, those of the extras ``lab`` and ``test`` optional).
    Returns a ``DoctorReport``; ``report.ok`` is ``True`` when every required check passed.
    On Google Colab, Colab's own packages count if they are at least ``MINIMUM_VERSIONS``.
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
    on_colab = _on_colab()
    if not requirements:
        report.checks.append(Check("course package", False, f"{DIST_NAME} is not installed",
                                   "On Colab: run this notebook's first cell." if on_colab else
                                   "From the course folder run: python3 tasks.py lab "
                                   "(or pip install -e .)"))
    checks = [check_requirement(req, on_colab=on_colab) for req in requirements]
    checks = [c for c in checks if c is not None]
    report.checks.extend(c for c in checks if not c.optional)
    if check_tensorflow:
        report.checks.append(_tensorflow_check(on_colab=on_colab))
    report.checks.append(_memory_check(min_memory_gib))
    report.checks.append(_data_check())
    report.checks.extend(c for c in checks if c.optional)  # last: the notebooks do not need them
    if verbose:
        print(report)
    return report
