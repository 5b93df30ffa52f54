"""The course's widgets in a real browser: JupyterLab + Debian's chromium, driven by Playwright.

Plain pytest already checks the widgets' logic (tests/test_widgets.py). This file checks what a
learner sees: JupyterLab renders the widget (so ipywidgets' JupyterLab extension is installed
and working), and moving the slider with the keyboard changes what the widget shows (so the
front end, the comm channel and the kernel-side callback are wired together).

For each explorer it starts JupyterLab from this environment on 127.0.0.1 (random free port,
random token), with every Jupyter, IPython and matplotlib folder in a temporary directory (the
user's home is never touched) and a *copy* of the notebook (JupyterLab's autosave cannot change
the repository). It opens the notebook in chromium, runs all cells from the Run menu, waits
for the widget, presses the arrow key on the slider handle, and waits until the widget's text
panel has changed and describes the slider's new value. Screenshots go to test-artifacts/
(git-ignored). It fails if the widget does not render (e.g. without ipywidgets' JupyterLab
extension) or does not react (e.g. a broken callback).

Nothing is installed or downloaded here. A missing browser or Playwright is an error that says
how to fix it, not a skip: `python3 tasks.py test` installs Debian's chromium when it can.
Run everything else with ``-m "not browser"``.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import NOTEBOOK_DIR, ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-proxy-server"]
SERVER_START_S = 60     # JupyterLab's first start on a busy 2-core machine
RUN_ALL_S = 120         # a notebook's budget is 60 s; the browser adds its own work
CHANGE_S = 20           # slider moved -> kernel callback -> new text in the page
MAX_KEY_PRESSES = 60    # one press is one slider step (1/200 of the range for thresholds)

INSTALL_HINT = (
    "The browser tests need Debian's chromium and the Python package playwright "
    "(no browser is downloaded). Fix: `python3 tasks.py test` installs chromium on "
    "Debian/Ubuntu when run as root; otherwise `sudo apt-get install chromium`, or point "
    "COURSE_CHROMIUM at a Chromium/Chrome binary, and `pip install -r requirements-test.txt` for "
    "playwright. To run everything else: python3 tasks.py test -m \"not browser\"")


@dataclass(frozen=True)
class Explorer:
    """A widget to check: the notebook that shows it and its documented CSS classes."""

    name: str
    notebook: str
    slider: str          # CSS class on the slider (ipywidgets' add_class)
    readout: str         # CSS class on the text panel that must change with the slider
    echo: str = ""       # regex: where the readout repeats the slider's value (group 1) ...
    echo_rtol: float = 0.0  # ... equal to the slider's readout up to its rounding


NUMBER = r"([-+−]?[0-9.]+(?:e[-+−]?[0-9]+)?)"
EXPLORERS = [
    Explorer("threshold", "04_measuring_a_detector.ipynb", "course-threshold-slider",
             "course-threshold-metrics", echo=rf"threshold {NUMBER}", echo_rtol=2e-3),  # .4g
    Explorer("learning-rate", "01_perceptron_from_scratch.ipynb", "course-lr-slider",
             "course-lr-summary", echo=rf"learning rate {NUMBER}", echo_rtol=2e-2),     # .3g
]
# Notebooks whose solution cells must open with their code collapsed (test at the end).
SOLUTION_NOTEBOOKS = ["01_perceptron_from_scratch.ipynb", "02_mlp_backprop_from_scratch.ipynb",
                      "03_keras_mlp.ipynb"]


# --- the browser and the server --------------------------------------------------------------

def chromium_executable() -> str:
    """Debian's chromium, or the binary named by $COURSE_CHROMIUM; an error with the fix."""
    candidates = [os.environ.get("COURSE_CHROMIUM"), "/usr/bin/chromium",
                  shutil.which("chromium"), shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"No chromium found (looked at $COURSE_CHROMIUM, /usr/bin/chromium, PATH). "
                f"{INSTALL_HINT}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


def jupyter_environment(base: Path) -> dict[str, str]:
    """Environment variables that keep Jupyter, IPython and matplotlib inside ``base``."""
    dirs = {name: base / name for name in ("home", "config", "data", "runtime", "settings",
                                           "workspaces", "ipython", "mpl")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    # Render every cell (no virtual scrolling), and no news / update requests or toasts.
    settings = dirs["settings"] / "@jupyterlab"
    _write_json(settings / "notebook-extension" / "tracker.jupyterlab-settings",
                {"windowingMode": "none"})
    _write_json(settings / "apputils-extension" / "notification.jupyterlab-settings",
                {"fetchNews": "false", "checkForUpdates": False})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    env.update(HOME=str(dirs["home"]), JUPYTER_CONFIG_DIR=str(dirs["config"]),
               JUPYTER_DATA_DIR=str(dirs["data"]), JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
               JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
               IPYTHONDIR=str(dirs["ipython"]), MPLCONFIGDIR=str(dirs["mpl"]),
               JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def _get(url: str, timeout: float = 5.0) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    with opener.open(url, timeout=timeout) as response:
        return response.status


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab from this environment on 127.0.0.1, serving a temporary copy of the course."""
    base = tmp_path_factory.mktemp("jupyterlab")
    for old in ARTIFACTS.glob("browser-*.png"):   # screenshots of an earlier run
        old.unlink()
    root = base / "course"
    (root / "notebooks").mkdir(parents=True)
    for name in {explorer.notebook for explorer in EXPLORERS} | set(SOLUTION_NOTEBOOKS):
        source = NOTEBOOK_DIR / name      # copies: autosave must never touch the repository
        if source.exists():
            shutil.copy2(source, root / "notebooks" / name)
    if (ROOT / "data").is_dir():          # notebooks run in notebooks/, data is at ../data
        shutil.copytree(ROOT / "data", root / "data")
    port, token = _free_port(), secrets.token_hex(16)
    log = base / "jupyterlab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--ServerApp.terminals_enabled=False",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.news_url=None"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")        # containers and CI often run as root
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=jupyter_environment(base), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=(os.name != "nt"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode}:\n"
                            f"{log.read_text(errors='replace')[-3000:]}", pytrace=False)
            try:
                if _get(f"{url}/api/status?token={token}") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n"
                            f"{log.read_text(errors='replace')[-3000:]}", pytrace=False)
            time.sleep(0.3)
        yield Lab(url, token, root, log)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server we started and its kernels (its own process group), gently first."""
    if proc.poll() is None:
        if os.name == "nt":
            proc.terminate()
        else:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            if os.name == "nt":
                proc.kill()
            else:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A fresh chromium profile in a temporary folder; nothing is downloaded or installed."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright  # only this test
    except ImportError:
        pytest.fail(f"The Python package playwright is missing. {INSTALL_HINT}", pytrace=False)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        try:
            context = pw.chromium.launch_persistent_context(
                str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000})
        except Exception as err:  # any launch failure gets the same advice
            pytest.fail(f"chromium ({executable}) did not start: {err}\n{INSTALL_HINT}",
                        pytrace=False)
        yield context
        context.close()


# --- driving JupyterLab ----------------------------------------------------------------------

def _screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"browser-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def _outputs_text(page, limit: int = 1500) -> str:
    """The text of every output area, for failure messages (what the learner would see)."""
    texts = page.locator(".jp-OutputArea-output").all_inner_texts()
    joined = "\n---\n".join(t.strip() for t in texts if t.strip())
    return joined[-limit:] or "(no outputs)"


def _number(text: str) -> float:
    return float(text.strip().replace("\u2212", "-"))   # d3-format writes a Unicode minus


def _becomes_visible(locator, timeout_ms: int = 15_000) -> bool:
    try:
        locator.wait_for(state="visible", timeout=timeout_ms)
    except Exception:  # Playwright's TimeoutError; the caller explains
        return False
    return True


def _wait_until_idle(page, timeout_ms: int = 30_000) -> None:
    page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\|\s*Idle\s*$")).wait_for(
        state="visible", timeout=timeout_ms)


def _menu(page, menu: str, item: str) -> None:
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel").get_by_text(menu, exact=True).click()
    page.locator(".lm-Menu .lm-Menu-itemLabel").get_by_text(item, exact=True).click()


def open_and_run_all(page, lab: Lab, notebook: str) -> None:
    """Open a notebook, wait for its kernel, then Run > Run All Cells and wait until done."""
    # A workspace of its own per notebook: only this notebook is open in the page, so every
    # selector below (prompts, outputs, the kernel's status) is about this notebook.
    workspace = Path(notebook).stem
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/notebooks/{notebook}?token={lab.token}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=60_000)
    # The status bar says "Python 3 (ipykernel) | Idle" once the kernel is connected (the
    # toolbar's indicator already says idle before that).
    _wait_until_idle(page, timeout_ms=60_000)
    # Clear the stored outputs first: their execution counts would look like a finished run.
    _menu(page, "Edit", "Clear Outputs of All Cells")
    page.locator(".jp-InputPrompt").get_by_text(re.compile(r"\[\d+\]")).first.wait_for(
        state="detached", timeout=10_000)
    _menu(page, "Run", "Run All Cells")
    # Started: some prompt shows [*] or [n]; done: the kernel is idle and no [*] is left.
    page.locator(".jp-InputPrompt").get_by_text(re.compile(r"\[(\*|\d+)\]")).first.wait_for(
        state="visible", timeout=30_000)
    deadline = time.monotonic() + RUN_ALL_S
    while True:
        busy = page.locator(".jp-InputPrompt", has_text="[*]").count()
        idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count()
        if not busy and idle:
            return
        if time.monotonic() > deadline:
            _screenshot(page, f"{Path(notebook).stem}-TIMEOUT")
            pytest.fail(f"{notebook} still running after {RUN_ALL_S} s in JupyterLab; "
                        f"outputs so far:\n{_outputs_text(page)}", pytrace=False)
        page.wait_for_timeout(300)


def _widget_text(page, explorer: Explorer) -> str:
    """What the learner reads in the widget's text panel."""
    return page.locator(f".{explorer.readout}").first.inner_text()


def _echoes(page, explorer: Explorer, slider_value: str) -> bool:
    """Does the text panel describe ``slider_value`` (up to the readouts' rounding)?"""
    shown = re.search(explorer.echo, _widget_text(page, explorer))
    return bool(shown) and math.isclose(_number(shown.group(1)), _number(slider_value),
                                        rel_tol=explorer.echo_rtol)


@pytest.mark.parametrize("explorer", EXPLORERS, ids=lambda e: e.name)
def test_widget_renders_and_reacts_to_the_slider(browser, lab, explorer):
    if not (NOTEBOOK_DIR / explorer.notebook).exists():
        pytest.fail(f"notebooks/{explorer.notebook} does not exist: the {explorer.name} "
                    f"explorer (CSS class {explorer.slider}) must be shown there.", pytrace=False)
    page = browser.new_page()
    stem = Path(explorer.notebook).stem
    try:
        open_and_run_all(page, lab, explorer.notebook)
        slider = page.locator(f".{explorer.slider}").first
        readout = page.locator(f".{explorer.readout}").first
        if not (_becomes_visible(slider) and _becomes_visible(readout, timeout_ms=5_000)):
            shot = _screenshot(page, f"{stem}-{explorer.name}-NOT-RENDERED")
            pytest.fail(
                f"The {explorer.name} explorer did not render in JupyterLab: no element with "
                f"CSS class '{explorer.slider}' and '{explorer.readout}' in "
                f"{explorer.notebook} after Run All. If the outputs below show the "
                "widget's text form (e.g. 'VBox(...)', 'Loading widget...'), ipywidgets' "
                "JupyterLab extension is missing: pip install -r requirements-test.txt. "
                f"Screenshot: {shot}\nOutputs:\n{_outputs_text(page)}", pytrace=False)
        slider.scroll_into_view_if_needed()
        _screenshot(page, f"{stem}-{explorer.name}-rendered")

        before = _widget_text(page, explorer)
        value_before = slider.locator(".widget-readout").first.inner_text()
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        changed, presses = False, 0
        while not changed and presses < MAX_KEY_PRESSES:
            for _ in range(5):
                handle.press("ArrowRight")
            presses += 5
            deadline = time.monotonic() + (CHANGE_S if presses == 5 else 2)
            while time.monotonic() < deadline:
                if _widget_text(page, explorer) != before:
                    changed = True
                    break
                page.wait_for_timeout(200)
        value_after = slider.locator(".widget-readout").first.inner_text()
        if changed and explorer.echo:     # let the kernel catch up with the last key press
            deadline = time.monotonic() + CHANGE_S
            while not _echoes(page, explorer, value_after) and time.monotonic() < deadline:
                page.wait_for_timeout(200)
        shot = _screenshot(page, f"{stem}-{explorer.name}-moved")
        assert value_after != value_before, (
            f"{presses} presses of the arrow key did not move the {explorer.name} slider "
            f"(readout stayed {value_before!r}). Screenshot: {shot}")
        assert changed, (
            f"The {explorer.name} slider moved ({value_before} -> {value_after}) but the "
            f"widget's text did not change within {CHANGE_S} s: the kernel-side callback did not "
            f"update it. Screenshot: {shot}\nWidget text:\n{before[:800]}")
        if explorer.echo:                 # it describes the slider's final value
            assert _echoes(page, explorer, value_after), (
                f"{CHANGE_S} s after the last key press the {explorer.name} explorer should "
                f"describe the slider's value {value_after}. Screenshot: {shot}\n"
                f"Widget text:\n{_widget_text(page, explorer)[:800]}")
    finally:
        page.close()


# --- solutions: code collapsed, outputs shown ------------------------------------------------

def _solution_cells(nb: dict) -> list[int]:
    """Indices of the code cells between the "## Solutions" heading and the next "## " heading."""
    found, inside = [], False
    for i, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and source.startswith("## "):
            inside = source.startswith("## Solutions")
        elif inside and cell["cell_type"] == "code":
            found.append(i)
    return found


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS)
def test_solution_code_is_collapsed_and_its_outputs_are_shown(browser, lab, notebook):
    """Each solution cell (a code cell under "## Solutions") opens with its code collapsed and
    its stored outputs in view.

    JupyterLab shows a collapsed cell as its first line plus "•••" (click to open): that line
    must be a comment, so that no code can be read before the learner opens the cell. The
    notebook is opened, not run: this is what a learner sees first.
    """
    nb = json.loads((NOTEBOOK_DIR / notebook).read_text(encoding="utf-8"))
    solutions = _solution_cells(nb)
    assert solutions, f"{notebook} has no code cell under a '## Solutions' heading"
    assert any(nb["cells"][i]["outputs"] for i in solutions), f"{notebook}: no solution output"
    page = browser.new_page()
    try:
        page.goto(f"{lab.url}/lab/workspaces/solutions-{Path(notebook).stem}/tree/notebooks/"
                  f"{notebook}?token={lab.token}")
        cells = page.locator(".jp-Notebook .jp-Cell")
        cells.first.wait_for(state="visible", timeout=60_000)
        deadline = time.monotonic() + 30           # JupyterLab adds the cells in chunks
        while cells.count() < len(nb["cells"]) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert cells.count() == len(nb["cells"]), (
            f"JupyterLab shows {cells.count()} cells of {len(nb['cells'])}")
        for i in solutions:
            cell, stored = cells.nth(i), nb["cells"][i]
            cell.scroll_into_view_if_needed()
            preview, *code = "".join(stored["source"]).strip().splitlines()
            shown = cell.inner_text()
            shot = _screenshot(page, f"solutions-{Path(notebook).stem}-cell-{i}")
            where = f"{notebook}, cell {i}"
            assert cell.locator(".jp-InputPlaceholder").is_visible(), (
                f"{where}: its code is not collapsed (no placeholder); set the cell metadata "
                '{"jupyter": {"source_hidden": true}}. Screenshot: ' + str(shot))
            assert not cell.locator(".jp-InputArea-editor").is_visible(), (
                f"{where}: its code editor is visible: the solution is in plain view. "
                f"Screenshot: {shot}")
            assert preview.startswith("#"), (
                f"{where}: the collapsed cell shows its first line, {preview!r}: make it a "
                "comment such as '# Solution to exercise 1: ...'")
            visible_code = [line for line in code if len(line.strip()) > 8 and line.strip() in shown]
            assert not visible_code, f"{where}: code readable while collapsed: {visible_code[:2]}"
            stored_text = "".join("".join(o.get("text", "")) for o in stored["outputs"]).strip()
            if stored["outputs"]:
                outputs = cell.locator(".jp-OutputArea-output")
                assert outputs.count() >= 1 and outputs.first.is_visible(), (
                    f"{where}: its outputs are not shown. Screenshot: {shot}")
            if stored_text:
                assert stored_text.splitlines()[0].strip() in "\n".join(outputs.all_inner_texts()), (
                    f"{where}: the shown output is not the stored one ({stored_text[:80]!r}). "
                    f"Screenshot: {shot}")
    finally:
        page.close()
