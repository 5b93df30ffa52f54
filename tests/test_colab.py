"""Notebooks 00-02 run to the end on a simulated Google Colab, set-up cell included.

The simulation, as close to Colab as this machine gets without Google:

- **Colab's packages**: a separate virtual environment with Colab's versions
  (``conftest.COLAB_VERSIONS``: TensorFlow 2.19 as ``tensorflow``, Keras 3.10, NumPy 2.0,
  scikit-learn 1.6, ipywidgets 7.7, ...) and none of the course's lab or test tools; the
  notebooks' kernel runs there.
- **``google.colab`` imported at kernel start**, as Colab's kernel does, from a stand-in
  package (the set-up cell looks for it in ``sys.modules``).
- **The repository**: a local git repository holding this working tree's tracked files,
  tagged ``v-old`` (one commit) and the configured ref (the next commit), standing in for
  GitHub. In each notebook's set-up cell only two strings change: the repository URL (to that
  local repository) and ``/content/course`` (to a temporary folder).

Notebook 00 runs first with the cell's ref replaced by ``v-old``; notebooks 01 and 02 then find
that copy and must move it to the configured ref. Afterwards Colab's TensorFlow and NumPy must
be untouched and ``course_utils`` must come from the clone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from conftest import COLAB_VERSIONS, NOTEBOOKS, ROOT
from nbclient import NotebookClient

pytestmark = [pytest.mark.slow, pytest.mark.registry]

COLAB_NOTEBOOKS = NOTEBOOKS[:3]          # 00-02: the from-scratch start, no Keras training
REPO_LINE = 'REPO, REF, HOME = "'
COLAB_HOME = "/content/course"


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def _configured_ref(notebook: Path) -> str:
    setup = next(c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code")
    line = next(ln for ln in setup.source.splitlines() if ln.strip().startswith(REPO_LINE))
    return line.split('"')[3]


def _colab_environment() -> Path:
    """Colab's packages in a virtual environment (built once, then reused from the cache).

    Cached outside the repository, keyed by the versions, so a fresh clone on the same machine
    does not install TensorFlow again (~2 min on 2 cores); built in a temporary folder and
    renamed when complete, so an interrupted build is never reused.
    """
    pins = sorted(f"{name}=={version}" for name, version in COLAB_VERSIONS.items())
    key = hashlib.sha256((sys.version + "\n".join(pins)).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dl-anomaly-course"
    venv = cache / f"colab-venv-{key}"
    bin_dir = "Scripts" if os.name == "nt" else "bin"
    python = venv / bin_dir / ("python.exe" if os.name == "nt" else "python")
    if python.exists():
        # a fresh Colab runtime has no course installed: drop the last run's editable install
        subprocess.run([str(python), "-m", "pip", "uninstall", "--quiet", "--yes",
                        "dl-anomaly-course"], capture_output=True, check=False)
        return python
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="colab-venv-", dir=cache))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True)
    proc = subprocess.run([str(building / bin_dir / python.name), "-m", "pip", "install",
                           "--quiet", "--disable-pip-version-check", *pins],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        pytest.fail("could not build Colab's environment:\n" + proc.stderr[-3000:])
    # a venv's scripts name their own path: rebuild them in place, under the final name
    building.rename(venv)
    subprocess.run([sys.executable, "-m", "venv", "--upgrade", str(venv)], check=True)
    print(f"Colab's environment built in {time.perf_counter() - start:.0f} s: {venv}")
    return python


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """(python of Colab's environment, env for its kernel, kernelspec folder, repo, content)."""
    tmp = tmp_path_factory.mktemp("colab")
    python = _colab_environment()
    # google.colab, imported when the kernel starts (the set-up cell checks sys.modules)
    fake = tmp / "fake-colab"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text('"""Stand-in for Colab."""\n')
    kernels = tmp / "jupyter" / "kernels" / "colab"
    kernels.mkdir(parents=True)
    launch = ("import google.colab; from ipykernel import kernelapp; "
              "kernelapp.launch_new_instance()")
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-c", launch, "-f", "{connection_file}"],
        "display_name": "Colab (simulated)", "language": "python",
        "env": {"PYTHONPATH": str(fake)}}))

    # the "GitHub" repository: this working tree's tracked files, two tagged commits
    repo = tmp / "origin"
    repo.mkdir()
    for name in _git("ls-files", "-z", "--cached", "--others", "--exclude-standard",
                     cwd=ROOT).split("\0"):
        src = ROOT / name
        if name and src.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / name)
    _git("init", "--quiet", cwd=repo)
    _git("add", "--all", cwd=repo)
    _git("commit", "--quiet", "-m", "an older release", cwd=repo)
    _git("tag", "v-old", cwd=repo)
    (repo / "RELEASE").write_text("the configured release\n")
    _git("add", "RELEASE", cwd=repo)
    _git("commit", "--quiet", "-m", "the configured release", cwd=repo)
    _git("tag", _configured_ref(COLAB_NOTEBOOKS[0]), cwd=repo)

    content = tmp / "content"          # Colab's working folder, /content
    content.mkdir()
    env = {"JUPYTER_PATH": str(tmp / "jupyter")}
    return python, env, repo, content


def _as_on_colab(path: Path, repo: Path, home: Path, ref: str | None) -> nbformat.NotebookNode:
    """The notebook with its set-up cell pointed at the local repository and folder."""
    nb = nbformat.read(path, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    lines = setup.source.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.strip().startswith(REPO_LINE))
    indent, rest = lines[at].split(REPO_LINE)
    url, configured, folder = rest.split('"')[0], rest.split('"')[2], rest.split('"')[4]
    assert url.startswith("https://github.com/") and folder == COLAB_HOME, lines[at]
    lines[at] = f'{indent}{REPO_LINE}{repo.as_uri()}", "{ref or configured}", "{home}"'
    setup.source = "\n".join(lines)
    assert setup.source.count(str(home)) == 1 and f"\"{COLAB_HOME}\"" not in setup.source
    return nb


def _run(nb: nbformat.NotebookNode, cwd: Path, env: dict[str, str], name: str) -> None:
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = NotebookClient(nb, kernel_name="colab", timeout=300, allow_errors=False,
                                resources={"metadata": {"path": str(cwd)}})
        start = time.perf_counter()
        client.execute()
        print(f"{name}: {time.perf_counter() - start:.1f} s on simulated Colab")
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _installed(python: Path, name: str) -> str | None:
    proc = subprocess.run([str(python), "-c", "import sys; from importlib import metadata\n"
                           f"try: print(metadata.version({name!r}))\n"
                           "except metadata.PackageNotFoundError: print('')"],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip() or None


def test_notebooks_00_to_02_run_on_simulated_colab(colab):
    python, env, repo, content = colab
    home = content / "course"
    tags = {tag: _git("rev-list", "-n", "1", tag, cwd=repo) for tag in _git("tag", cwd=repo).split()}
    configured = _configured_ref(COLAB_NOTEBOOKS[0])
    assert all(_configured_ref(p) == configured for p in COLAB_NOTEBOOKS)
    assert configured not in ("main", "master"), "Colab must clone a fixed release, not a branch"

    # 00 on a fresh runtime, at an older release: the clone path
    _run(_as_on_colab(COLAB_NOTEBOOKS[0], repo, home, "v-old"), content, env,
         COLAB_NOTEBOOKS[0].name)
    assert _git("rev-parse", "HEAD", cwd=home) == tags["v-old"]
    # 01 and 02 find that copy: the update path moves it to the configured release
    for path in COLAB_NOTEBOOKS[1:]:
        _run(_as_on_colab(path, repo, home, None), content, env, path.name)
        assert _git("rev-parse", "HEAD", cwd=home) == tags[configured]

    # Colab's own packages are untouched: no second TensorFlow, no NumPy swapped underneath
    for name in ("tensorflow", "numpy", "keras", "scikit-learn", "ipywidgets"):
        assert _installed(python, name) == COLAB_VERSIONS[name], name
    assert _installed(python, "tensorflow-cpu") is None
    # ... and the course package is the clone, installed editable
    where = subprocess.run([str(python), "-c", "import course_utils; print(course_utils.__file__)"],
                           cwd=content, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).resolve().is_relative_to(home.resolve()), where
