"""Binder: binder/requirements.txt is generated from the one source of pins, and it resolves.

repo2docker installs binder/requirements.txt into its base environment, which already holds
JupyterLab, notebook, jupyter_server, JupyterHub's single-user server and two extensions. The
dry run below asks pip to resolve the course's file together with that base (its package
ranges as repo2docker's environment.py-3.11.yml states them) for Binder's platform: Python
3.11 on x86-64 Linux, binary wheels only. Nothing is installed; pip reads the registry.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
from conftest import ROOT
from packaging.requirements import Requirement


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "binder_requirements", ROOT / "tools" / "binder_requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


binder_requirements = _load_tool()

# repo2docker's base environment for Python 3.11 (buildpacks/conda/environment.py-3.11.yml,
# 2025-10): what the course's pins are installed beside. conda's jupyterhub-singleuser is
# PyPI's jupyterhub.
REPO2DOCKER_BASE = [
    "ipywidgets==8.*",
    "jupyter-offlinenotebook==0.3.*",
    "jupyter-resource-usage==1.*",
    "jupyter_server==2.*",
    "jupyterhub==5.*",
    "jupyterlab==4.*",
    "notebook==7.*",
]
# Binder's image: Ubuntu 22.04 (glibc 2.35), x86-64; pip needs the manylinux tags spelled out
PLATFORMS = [f"manylinux_2_{g}_x86_64" for g in (35, 34, 31, 28, 27, 24, 17)] + \
    ["manylinux2014_x86_64", "any"]


def test_binder_requirements_are_generated_from_the_pins():
    text = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    assert text == binder_requirements.render(ROOT), (
        "binder/requirements.txt is out of date: run python3 tools/binder_requirements.py")
    names = [Requirement(line).name for line in binder_requirements.pins(ROOT / "binder" /
                                                                          "requirements.txt")]
    assert "notebook" in names and "jupyterlab" in names
    assert not {"pytest", "nbval", "ruff", "playwright"} & set(names), "no test tools on Binder"
    assert "-r" not in text.replace("`-r ../requirements.txt`", "")


def test_the_tool_detects_a_stale_file(tmp_path):
    for name in ("requirements.txt", "requirements-lab.txt"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "binder").mkdir()
    assert binder_requirements.main([], tmp_path) == 0
    assert binder_requirements.main(["--check"], tmp_path) == 0
    lab = tmp_path / "requirements-lab.txt"
    lab.write_text(lab.read_text().replace("jupyterlab==", "jupyterlab==9"))
    assert binder_requirements.main(["--check"], tmp_path) == 1


def resolve(requirements: list[str], tmp_path) -> dict[str, str]:
    """pip's dry-run resolution for Binder's platform: {name: version}, or the error raised."""
    base = tmp_path / "base.txt"
    base.write_text("\n".join(REPO2DOCKER_BASE) + "\n")
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
           "--quiet", "--disable-pip-version-check", "--report", str(report),
           "--target", str(tmp_path / "never-written"), "--python-version", "3.11",
           "--implementation", "cp", "--only-binary=:all:",
           *[arg for p in PLATFORMS for arg in ("--platform", p)],
           *[arg for r in requirements for arg in ("-r", r)], "-r", str(base)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")]
    if proc.returncode != 0:
        raise AssertionError("pip cannot resolve Binder's requirements:\n" +
                             "\n".join(errors or proc.stderr.splitlines()[-20:]))
    assert not (tmp_path / "never-written").exists()
    installs = json.loads(report.read_text())["install"]
    return {Requirement(i["metadata"]["name"]).name.lower().replace("_", "-"):
            i["metadata"]["version"] for i in installs}


@pytest.mark.slow
@pytest.mark.registry
def test_binder_requirements_resolve_beside_repo2dockers_base(tmp_path):
    versions = resolve([str(ROOT / "binder" / "requirements.txt")], tmp_path)
    for line in binder_requirements.pins(ROOT / "binder" / "requirements.txt"):
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(
                {"sys_platform": "linux", "platform_machine": "x86_64"}):
            assert versions.get(req.name) in req.specifier, (req.name, versions.get(req.name))
    assert "jupyterhub" in versions and "jupyter-resource-usage" in versions
