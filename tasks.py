#!/usr/bin/env python3
"""The course's task runner: needs only Python 3.10+, works the same on Linux, macOS, Windows.

    python3 tasks.py lab                 set up (first time: ~3 min) and open JupyterLab
    python3 tasks.py test                set up and run every test: unit tests + strict nbval
    python3 tasks.py test notebooks/01_perceptron_from_scratch.ipynb   check one notebook
    python3 tasks.py regen NOTEBOOK...   re-execute notebooks and store their outputs
    python3 tasks.py doctor              check the environment and print fixes
    python3 tasks.py setup [lab|test]    only set up: runtime + JupyterLab (default), or all
    python3 tasks.py student [OUTDIR]    write the notebooks without their solutions (a handout)
    python3 tasks.py site [OUTDIR]       build the course as static web pages (default build/site)
    python3 tasks.py set-repo OWNER/NAME [--ref REF]   point every badge and link at a repository

`test` also needs Chromium for the browser tests: it installs Debian's package when it
is missing and it can (Debian/Ubuntu as root), or says how to (or `-m "not browser"`).

Setup creates a virtual environment in .venv/, installs the pinned requirements and the
course package (editable), and skips all of that next time unless a requirements*.txt file
or pyproject.toml changed. `lab`, `regen` and `doctor` install the runtime packages
(requirements.txt) and JupyterLab (requirements-lab.txt); `test` adds the test tools
(requirements-test.txt).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".course-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
# What each command installs: runtime + lab for learners, + test tools for the test suite.
REQUIREMENTS = {
    "lab": ("requirements.txt", "requirements-lab.txt"),
    "test": ("requirements.txt", "requirements-lab.txt", "requirements-test.txt"),
}
BROWSER_TESTS = (ROOT / "tests" / "test_browser.py", ROOT / "tests" / "test_site.py")


def _run(cmd: list[str | Path], **kwargs) -> None:
    printable = " ".join(str(c) for c in cmd)
    print(f"$ {printable}", flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=kwargs.pop("cwd", ROOT), **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def _setup_files() -> list[Path]:
    """Every file an install depends on: a change to any of them means installing again."""
    return [ROOT / "pyproject.toml", *sorted(ROOT.glob("requirements*.txt"))]


def _setup_fingerprint() -> str:
    h = hashlib.sha256(sys.version.encode())
    for path in _setup_files():
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _installed_sets() -> set[str]:
    """The requirement sets (REQUIREMENTS' keys) installed with the current setup files."""
    try:
        fingerprint, *sets = STAMP.read_text().split()
    except (OSError, ValueError):
        return set()
    return set(sets) if fingerprint == _setup_fingerprint() else set()


PLATFORM_ADVICE = ("Use the Binder or Colab route instead (README, 'Other ways to run it'), "
                   "or a Linux / Windows / Apple-silicon machine.")


def platform_problem(version=None, system=None, machine=None, glibc=None) -> str | None:
    """Why the pinned TensorFlow 2.21 cannot be installed here, or None. Checked before pip runs.

    TensorFlow 2.21 publishes wheels for Python 3.10-3.13 on Linux x86-64 and aarch64 (glibc
    2.27 or newer), Windows x86-64 and macOS on Apple silicon; none for Intel Macs (the last
    one there is 2.16.2). The arguments default to this machine (they exist for the tests).
    """
    import platform

    version = sys.version_info[:2] if version is None else tuple(version)
    system = platform.system() if system is None else system
    machine = platform.machine().lower() if machine is None else machine.lower()
    if glibc is None and system == "Linux":
        name, number = platform.libc_ver()
        glibc = tuple(int(x) for x in number.split(".")[:2]) if name == "glibc" and number else None
    shown = ".".join(str(v) for v in version)
    if not (3, 10) <= version <= (3, 13):
        return (f"The course needs Python 3.10-3.13 (TensorFlow 2.21 has wheels for those); this "
                f"is Python {shown}. Install one from python.org, or use the conda route.")
    if system == "Darwin" and machine in ("x86_64", "i386"):
        return ("TensorFlow 2.21 has no wheel for Intel Macs (the last one is 2.16.2), so the "
                "course's pins cannot be installed here. " + PLATFORM_ADVICE)
    if system == "Linux" and machine not in ("x86_64", "amd64", "aarch64", "arm64"):
        return f"TensorFlow 2.21 has no wheel for Linux on {machine}. " + PLATFORM_ADVICE
    if system == "Linux" and glibc is not None and glibc < (2, 27):
        return (f"TensorFlow 2.21 needs glibc 2.27 or newer; this Linux has "
                f"{'.'.join(map(str, glibc))}. " + PLATFORM_ADVICE)
    if system == "Windows" and machine not in ("amd64", "x86_64"):
        return f"TensorFlow 2.21 has no wheel for Windows on {machine}. " + PLATFORM_ADVICE
    return None


def _has_pip() -> bool:
    try:
        return subprocess.run([str(PYTHON), "-m", "pip", "--version"], capture_output=True,
                              check=False).returncode == 0
    except OSError:
        return False


def setup(which: str = "lab") -> None:
    """Create .venv and install the course into it, unless it is already up to date.

    which: "lab" (runtime + JupyterLab) or "test" (everything).
    """
    if which not in REQUIREMENTS:
        sys.exit(f"usage: python3 tasks.py setup [{'|'.join(REQUIREMENTS)}]")
    problem = platform_problem()
    if problem:
        sys.exit(problem)
    if PYTHON.exists() and not _has_pip():
        # An interrupted first setup (Ctrl-C while venv ran) leaves a .venv without pip.
        print("The virtual environment .venv/ is incomplete (no pip): creating it again ...",
              flush=True)
        shutil.rmtree(VENV)
    if not PYTHON.exists():
        print("Creating the virtual environment .venv/ ...", flush=True)
        _run([sys.executable, "-m", "venv", VENV])
    installed = _installed_sets()
    if which in installed or (which == "lab" and "test" in installed):
        return
    print("Installing the course's pinned packages (first time: a few minutes) ...", flush=True)
    files = [arg for name in REQUIREMENTS[which] for arg in ("-r", name)]
    _run([PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", *files])
    _run([PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps",
          "-e", "."])
    STAMP.write_text(" ".join([_setup_fingerprint(), *sorted(installed | {which})]) + "\n")


def lab(args: list[str]) -> None:
    setup()
    # JupyterLab keeps its default token authentication; it prints the URL with the token.
    _run([BIN / "jupyter", "lab", "--ip=127.0.0.1", "notebooks/00_welcome.ipynb", *args])


def _chromium() -> str | None:
    """The browser the browser tests drive: $COURSE_CHROMIUM, else Debian's chromium."""
    for candidate in (os.environ.get("COURSE_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _is_debian() -> bool:
    try:
        release = Path("/etc/os-release").read_text().lower()
    except OSError:
        return False
    return "debian" in release or "ubuntu" in release


def ensure_chromium(args: list[str]) -> None:
    """Make sure the browser tests find chromium; install Debian's package when we can."""
    paths = [(ROOT / a.split("::")[0]).resolve() for a in args]
    paths = [p for p in paths if p.exists()]  # test paths given: do they include this file?
    selected = not paths or any(p == t or p in t.parents for p in paths for t in BROWSER_TESTS)
    if not selected or "not browser" in " ".join(args) or _chromium():
        return
    if _is_debian() and shutil.which("apt-get") and os.geteuid() == 0:
        print("The browser tests need chromium: installing Debian's package with apt-get.")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run(["apt-get", "update"], env=env)
        _run(["apt-get", "install", "-y", "chromium"], env=env)
        if _chromium():
            return
    sys.exit("The browser tests (tests/test_browser.py, tests/test_site.py) need Chromium and found none "
             "($COURSE_CHROMIUM, /usr/bin/chromium, chromium on PATH).\n"
             "  Debian/Ubuntu: sudo apt-get install chromium\n"
             "  elsewhere: install Chromium or Google Chrome and set COURSE_CHROMIUM to its "
             "executable\n"
             '  or run every other test: python3 tasks.py test -m "not browser"')


def test(args: list[str]) -> None:
    setup("test")
    ensure_chromium(args)
    # Options (strict nbval, sanitize file, parallel workers) live in pyproject.toml, so a
    # plain `pytest` inside the venv behaves exactly like this command.
    _run([PYTHON, "-m", "pytest", *args])


def regen(notebooks: list[str]) -> None:
    setup()
    if not notebooks:
        sys.exit("usage: python3 tasks.py regen notebooks/NN_name.ipynb [...]")
    _run([PYTHON, ROOT / "tools" / "execute_notebooks.py", *notebooks])


def doctor() -> None:
    setup()
    _run([PYTHON, "-c", "from course_utils.doctor import doctor; import sys; "
          "sys.exit(0 if doctor().ok else 1)"])


def main(argv: list[str]) -> None:
    commands = {"lab": lab, "test": test, "regen": regen, "doctor": lambda _: doctor(),
                "setup": lambda args: setup(*args[:1]),
                "student": lambda args: (setup(), _run([PYTHON, ROOT / "tools" / "student_edition.py",
                                                        *(["--output", args[0]] if args else [])])),
                # nbconvert and MathJax's files come with the test tools (requirements-test.txt)
                "site": lambda args: (setup("test"), _run([PYTHON, ROOT / "tools" / "build_site.py",
                                                           *args[:1]])),
                "set-repo": lambda args: _run([sys.executable, ROOT / "tools" / "set_repo.py", *args])}
    if not argv or argv[0] not in commands:
        print(__doc__)
        sys.exit(2)
    commands[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
