"""Launch links: every Binder and Colab badge opens a notebook that exists, and the right one.

Each notebook's first cell carries a Binder badge (JupyterLab opened at this notebook) and a
Colab badge (this notebook), and every such link anywhere in the notebooks, the README and
docs/ points at a notebook in the repository. Each notebook's first code cell is the guarded
Colab setup cell: it installs the course on Colab only, and outside Colab does and prints
nothing.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT


def _load_set_repo():
    spec = importlib.util.spec_from_file_location("set_repo", ROOT / "tools" / "set_repo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("set_repo", module)   # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


set_repo = _load_set_repo()
SOURCE = set_repo.read_source(ROOT)   # pyproject.toml [project.urls]: the single source
REPO = SOURCE.repo or set_repo.PLACEHOLDER   # GitHub owner/name the badges launch
BRANCH = SOURCE.ref
BINDER = f"https://mybinder.org/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/notebooks/{{name}}"
COLAB = f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/notebooks/{{name}}"

# Link targets in Markdown ("[text](url)", also around a badge image) and in HTML (href="url").
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")     # ![alt](picture): a badge's image, no link
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=[\"']([^\"']+)[\"']")


def launch_links(text: str) -> list[str]:
    """Every Binder / Colab link target in a Markdown or HTML text (not the badge images)."""
    found = [a or b for a, b in LINK.findall(IMAGE.sub("image", text))]
    return [u for u in found if urlsplit(u).hostname in ("mybinder.org",
                                                         "colab.research.google.com")]


def launched_notebook(url: str) -> tuple[str, str]:
    """("binder" | "colab", repository path of the notebook it opens); ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValueError(f"{url}: use https")
    if parts.hostname == "mybinder.org":
        prefix = f"/v2/gh/{REPO}/{BRANCH}"
        if parts.path.rstrip("/") != prefix:
            raise ValueError(f"{url}: expected a launch of {prefix} (repository {REPO}, "
                             f"branch {BRANCH})")
        urlpath = parse_qs(parts.query).get("urlpath", [""])[0]
        if not urlpath.startswith("lab/tree/"):
            raise ValueError(f"{url}: expected ?urlpath=lab/tree/notebooks/NN_name.ipynb "
                             "(JupyterLab opened at the notebook)")
        return "binder", unquote(urlpath.removeprefix("lab/tree/"))
    if parts.hostname == "colab.research.google.com":
        prefix = f"/github/{REPO}/blob/{BRANCH}/"
        if not parts.path.startswith(prefix):
            raise ValueError(f"{url}: expected https://colab.research.google.com{prefix}"
                             "notebooks/NN_name.ipynb")
        return "colab", unquote(parts.path.removeprefix(prefix))
    raise ValueError(f"{url}: not a Binder or Colab link")


def link_problems(text: str, where: str, must_open: str | None = None) -> list[str]:
    """What is wrong with the launch links in ``text``; ``must_open``: the notebook they must
    all open (a notebook's own badges), else any existing notebook."""
    problems = []
    for url in launch_links(text):
        try:
            kind, path = launched_notebook(url)
        except ValueError as err:
            problems.append(f"{where}: {err}")
            continue
        if not (path.startswith("notebooks/") and path.endswith(".ipynb")):
            problems.append(f"{where}: {url} does not open a notebook in notebooks/")
        elif not (ROOT / path).is_file():
            problems.append(f"{where}: {url} opens {path}, which does not exist")
        elif must_open and path != must_open:
            problems.append(f"{where}: the {kind} badge opens {path}, not this notebook "
                            f"({must_open})")
    return problems


def _kind(url: str) -> str | None:
    try:
        return launched_notebook(url)[0]
    except ValueError:
        return None


def _read(path: Path):
    return nbformat.read(path, as_version=4)


# --- the repository's badges ------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_has_binder_and_colab_badges_for_this_notebook(path):
    first = _read(path).cells[0]
    problems = link_problems(first.source, path.name, f"notebooks/{path.name}")
    kinds = {_kind(u) for u in launch_links(first.source)} - {None}
    expected = (f"[![Binder](https://mybinder.org/badge_logo.svg)]"
                f"({BINDER.format(name=path.name)})\n"
                f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                f"({COLAB.format(name=path.name)})")
    assert not problems and kinds == {"binder", "colab"}, (
        f"{path.name}: the first cell needs a Binder and a Colab badge that open this notebook, "
        f"e.g. these two lines under the title:\n{expected}\n" + "\n".join(problems))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_launch_link_in_a_notebook_opens_an_existing_notebook(path):
    nb = _read(path)
    problems = link_problems(nb.cells[0].source, f"{path.name} cell 0", f"notebooks/{path.name}")
    for index, cell in enumerate(nb.cells[1:], start=1):
        if cell.cell_type == "markdown":
            problems += link_problems(cell.source, f"{path.name} cell {index}")
    assert problems == [], "\n".join(problems)


def test_readme_and_docs_launch_links_open_existing_notebooks():
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    problems = []
    for path in texts:
        problems += link_problems(path.read_text(encoding="utf-8"), path.name)
    assert problems == [], "\n".join(problems)
    readme = launch_links((ROOT / "README.md").read_text(encoding="utf-8"))
    assert any(launched_notebook(u)[0] == "binder" for u in readme), \
        "the README needs a Binder badge"


# --- the Colab setup cell ---------------------------------------------------------------------

COLAB_GUARD = "google.colab"

# Runs a Colab cell (IPython syntax turned into Python) with stand-ins that record, instead
# of running, shell commands (!cmd, subprocess), magics (%cd) and directory changes; prints the
# record as its last line. argv[1]: "colab" (google.colab importable) or "local".
_RUNNER = r"""
import json, os, site, subprocess, sys, types
from IPython.core.inputtransformer2 import TransformerManager

calls = []
def shell(cmd, *args, **kwargs):
    calls.append(["!", cmd if isinstance(cmd, str) else " ".join(map(str, cmd))])
    return subprocess.CompletedProcess(cmd, 0, "", "")
class Shell:
    def system(self, cmd): shell(cmd)
    def getoutput(self, cmd): shell(cmd); return []
    def run_line_magic(self, name, line, *a): calls.append(["%", f"{name} {line}"])
    def run_cell_magic(self, name, line, cell): calls.append(["%%", f"{name} {line}"])
subprocess.run = subprocess.call = subprocess.check_call = subprocess.check_output = shell
os.system = shell
os.chdir = lambda path: calls.append(["%", f"cd {path}"])
os.path.isdir = lambda path: False        # as on a fresh Colab machine
site.addsitedir = lambda *a, **k: calls.append(["addsitedir"])
if sys.argv[1] == "colab":
    sys.modules["google"] = types.ModuleType("google")
    sys.modules["google.colab"] = types.ModuleType("google.colab")
code = TransformerManager().transform_cell(sys.stdin.read())
exec(compile(code, "<colab cell>", "exec"), {"get_ipython": lambda: Shell()})
print(json.dumps(calls))
"""


def run_colab_cell(source: str, where: str) -> tuple[str, list]:
    """Run ``source`` outside a kernel; returns (what it printed, the shell calls it made)."""
    proc = subprocess.run([sys.executable, "-c", _RUNNER, where], input=source,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    *printed, calls = proc.stdout.rstrip("\n").split("\n")
    return "\n".join(printed) + proc.stderr, json.loads(calls)


def colab_cell_problems(source: str) -> list[str]:
    printed, calls = run_colab_cell(source, "local")
    problems = []
    if printed.strip() or calls:
        problems.append(f"outside Colab it must do and print nothing; it printed "
                        f"{printed.strip()!r} and ran {calls}")
    printed, calls = run_colab_cell(source, "colab")
    shell = [c[1] for c in calls if c[0] == "!"]
    magics = [c[1] for c in calls if c[0] == "%"]
    pip = [c for c in shell if re.search(r"\bpip install\b", c) and "course" in c]
    if not pip:
        problems.append(f"on Colab it must pip-install the course package; it ran {calls}")
    elif not all("--no-deps" in c for c in pip):
        problems.append("on Colab, install the course with --no-deps: the pins would put "
                        "tensorflow-cpu beside Colab's tensorflow (which breaks it) and replace "
                        f"NumPy under the running kernel; it ran {pip}")
    elif any(re.search(r"\s(-e|--editable)\s", c) for c in pip) and ["addsitedir"] not in calls:
        problems.append("an editable install is invisible to the running kernel until its .pth "
                        "file is read: add site.addsitedir(sysconfig.get_paths()['purelib']) "
                        "after it (see docs/instructor_guide.md, 'The Colab setup cell')")
    if not any(m.startswith("cd ") and m.rstrip("/ ").endswith("notebooks") for m in magics):
        problems.append(f"on Colab it must %cd into the course's notebooks/; it ran {calls}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_guarded_colab_setup(path):
    code = [c for c in _read(path).cells if c.cell_type == "code"]
    has_setup = bool(code) and COLAB_GUARD in code[0].source
    assert has_setup, (
        f"{path.name}: the first code cell must be the Colab setup cell (it installs the "
        f"course on Colab only; see docs/instructor_guide.md, 'The Colab setup cell')")
    problems = colab_cell_problems(code[0].source)
    assert not problems, f"{path.name}, Colab setup cell:\n" + "\n".join(problems)
    for cell in code[1:]:
        assert COLAB_GUARD not in cell.source, f"{path.name}: only one Colab setup cell"


# --- the checks themselves can fail -----------------------------------------------------------

def test_links_to_missing_or_other_notebooks_are_caught():
    good = f"[![b](x.svg)]({BINDER.format(name='00_welcome.ipynb')})"
    assert link_problems(good, "t", "notebooks/00_welcome.ipynb") == []
    assert "does not exist" in link_problems(good.replace("00_welcome", "00_gone"), "t")[0]
    assert "not this notebook" in link_problems(good, "t", "notebooks/07_other.ipynb")[0]
    colab = f'<a href="{COLAB.format(name="00_welcome.ipynb")}">Colab</a>'
    assert link_problems(colab, "t", "notebooks/00_welcome.ipynb") == []
    wrong_repo = colab.replace(REPO, "someone/fork")
    assert "expected" in link_problems(wrong_repo, "t")[0]
    classic = good.replace("?urlpath=lab/tree/", "?filepath=")
    assert "urlpath" in link_problems(classic, "t")[0]


def test_badge_images_are_not_mistaken_for_links():
    text = "[![Binder](https://mybinder.org/badge_logo.svg)](https://example.org/x)"
    assert launch_links(text) == []


def test_colab_cell_checks_catch_unguarded_and_incomplete_cells():
    unguarded = "!pip install -q -e /content/course\n%cd /content/course/notebooks"
    assert any("outside Colab" in p for p in colab_cell_problems(unguarded))
    chatty = ('import sys\nprint("setting up")\nif "google.colab" in sys.modules:\n'
              '    !pip install -e /content/course\n    %cd /content/course/notebooks')
    assert any("outside Colab" in p for p in colab_cell_problems(chatty))
    no_install = 'import sys\nif "google.colab" in sys.modules:\n    %cd /content/course/notebooks'
    assert any("pip-install" in p for p in colab_cell_problems(no_install))
    with_pins = ('import sys\nif "google.colab" in sys.modules:\n'
                 '    !pip install -q -e /content/course\n    %cd /content/course/notebooks')
    assert any("--no-deps" in p for p in colab_cell_problems(with_pins))
    not_loaded = with_pins.replace("-q -e", "-q --no-deps -e")
    assert any("addsitedir" in p for p in colab_cell_problems(not_loaded))
    loaded = not_loaded.replace("    %cd", "    import site, sysconfig\n"
                                "    site.addsitedir(sysconfig.get_paths()['purelib'])\n    %cd")
    assert colab_cell_problems(loaded) == []


# --- one source for the repository: pyproject.toml [project.urls] ------------------------------

def test_every_file_agrees_with_the_configured_repository():
    bad = [str(p.relative_to(ROOT)) for p in set_repo.disagreeing(ROOT)]
    assert bad == [], ("these files disagree with pyproject.toml's [project.urls] Repository: "
                       "run `python3 tools/set_repo.py` (or `python3 tasks.py set-repo "
                       "OWNER/NAME`):\n" + "\n".join(bad))
    if SOURCE.repo:
        assert SOURCE.repo not in set_repo.PLACEHOLDER


def _copy_sources(dest: Path) -> Path:
    for name in ("pyproject.toml", "README.md", "CITATION.cff"):
        shutil.copy2(ROOT / name, dest / name)
    for folder in ("notebooks", "docs"):
        (dest / folder).mkdir()
        for path in sorted((ROOT / folder).glob("*.ipynb" if folder == "notebooks" else "*.md")):
            shutil.copy2(path, dest / folder / path.name)
    return dest


def _all_text(root: Path) -> str:
    files = [root / "pyproject.toml", root / "README.md", root / "CITATION.cff",
             *sorted((root / "notebooks").glob("*.ipynb")), *sorted((root / "docs").glob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_set_repo_rewrites_every_link_and_is_idempotent(tmp_path, capsys):
    root = _copy_sources(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert set_repo.main([], root) == 0                       # the current value: no change
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    old = _all_text(root).count(REPO)
    assert old >= 3 * len(NOTEBOOKS)                          # 2 badges + 1 clone URL each

    assert set_repo.main(["someone/anomaly-course", "--ref", "v1.0"], root) == 0
    text = _all_text(root)
    assert REPO not in text or REPO in set_repo.PLACEHOLDER
    assert text.count("someone/anomaly-course") >= old
    assert set_repo.read_source(root) == set_repo.Source("someone/anomaly-course", "v1.0")
    assert set_repo.disagreeing(root) == []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0].source
        assert (f"https://mybinder.org/v2/gh/someone/anomaly-course/v1.0?urlpath=lab/tree/"
                f"notebooks/{path.name})") in first
        assert (f"https://colab.research.google.com/github/someone/anomaly-course/blob/v1.0/"
                f"notebooks/{path.name})") in first
        setup = next(c for c in nb.cells if c.cell_type == "code")
        assert setup.source + "\n" == set_repo.colab_cell(set_repo.read_source(root))
        assert ('REPO, REF, HOME = "https://github.com/someone/anomaly-course", "v1.0", '
                '"/content/course"') in setup.source
        raw = path.read_text(encoding="utf-8")
        assert raw == json.dumps(json.loads(raw), indent=1, ensure_ascii=False) + "\n"
    assert 'repository-code: "https://github.com/someone/anomaly-course"' in \
        (root / "CITATION.cff").read_text(encoding="utf-8")
    assert "mybinder.org/v2/gh/someone/anomaly-course/v1.0?" in \
        (root / "README.md").read_text(encoding="utf-8")

    # no repository: no badges at all, nothing that names a wrong one
    assert set_repo.main(["--none"], root) == 0
    text = _all_text(root)
    assert "someone/anomaly-course" not in text
    assert "[![Binder]" not in text and "[![Open In Colab]" not in text
    assert "[![Launch on Binder]" not in text and "repository-code" not in text
    assert set_repo.disagreeing(root) == []
    assert set_repo.main([], root) == 0 and set_repo.disagreeing(root) == []

    # and back: byte for byte what it was
    assert set_repo.main([REPO, "--ref", BRANCH], root) == 0
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    capsys.readouterr()


def test_check_lists_every_file_that_disagrees(tmp_path, capsys):
    root = _copy_sources(tmp_path)
    assert set_repo.main(["--check"], root) == 0
    readme = root / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace(
        f"/v2/gh/{REPO}/", "/v2/gh/someone/fork/"), encoding="utf-8")
    notebook = root / "notebooks" / NOTEBOOKS[0].name
    notebook.write_text(notebook.read_text(encoding="utf-8").replace(
        f"github.com/{REPO}", "github.com/someone/fork"), encoding="utf-8")
    capsys.readouterr()
    assert set_repo.main(["--check"], root) == 1
    out = capsys.readouterr().out
    assert "README.md" in out and f"notebooks/{NOTEBOOKS[0].name}" in out
    assert set(set_repo.disagreeing(root)) == {readme, notebook}


def test_check_runs_as_a_command():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "set_repo.py"), "--check"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- licences and citation ----------------------------------------------------------------------

def test_licence_files_exist():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "CC BY 4.0" in (ROOT / "LICENSE-content.md").read_text(encoding="utf-8")
    data = (ROOT / "data" / "LICENSES.md").read_text(encoding="utf-8")
    assert (ROOT / "data" / "nab" / "LICENSE.txt").is_file()
    for needed in ("nab/LICENSE.txt", "ODC-By 1.0", "UCR", "CC BY 4.0"):
        assert needed in data


def test_citation_names_the_configured_repository_and_version():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([a-z-]+):\s*(.*)$", text, re.M))
    assert fields["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "license", "version"):
        assert key in fields, f"CITATION.cff needs {key}"
    assert re.search(r"^authors:\n  - name: \S", text, re.M)
    assert fields["version"].strip('"') == set_repo.project_version(ROOT)
    expected = f"https://github.com/{SOURCE.repo}" if SOURCE.repo else None
    assert set_repo.citation_repository(text) == expected
