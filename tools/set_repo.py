#!/usr/bin/env python3
"""Name the course's GitHub repository once; regenerate every link that follows it.

The single source is ``[project.urls] Repository`` in pyproject.toml (plus the branch or tag,
REF, kept in ``[project.urls] Binder``, which this tool writes). From it follow:

- each notebook's launch badges (first cell): Binder (JupyterLab at the notebook) and Colab;
- the Colab set-up cell (the first code cell of every notebook, and its copy in
  docs/instructor_guide.md), generated whole from ``colab_cell``: it clones the repository
  at REF, moves an existing copy to REF, and installs the course without its dependencies;
- the README's Binder badge, the links in docs/*.md, and CITATION.cff's ``repository-code``
  (and its ``version``, from pyproject.toml).

Usage::

    python3 tools/set_repo.py OWNER/NAME [--ref REF]   # set the repository, regenerate
    python3 tools/set_repo.py                          # regenerate from pyproject.toml
    python3 tools/set_repo.py --none                   # no repository: badges omitted
    python3 tools/set_repo.py --check                  # exit 1, listing files that disagree

With no repository configured the badges and CITATION.cff's repository-code are omitted, and
the clone URL and the docs name the placeholder ``OWNER/NAME`` (never a wrong repository).
Running it twice changes nothing; files that already agree are not rewritten.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "OWNER/NAME"      # the clone URL and docs without a configured repository
DEFAULT_REF = "main"            # only where pyproject.toml has no version to make a tag from

_PART = r"[^/\s)`\"'<>?]+"
_BINDER_URL = re.compile(
    rf"https://mybinder\.org/v2/gh/{_PART}/{_PART}/{_PART}\?urlpath=lab/tree/"
    rf"(notebooks/[^\s)`\"'<>]+?\.ipynb)")
_COLAB_URL = re.compile(
    rf"https://colab\.research\.google\.com/github/{_PART}/{_PART}/blob/{_PART}/"
    rf"(notebooks/[^\s)`\"'<>]+?\.ipynb)")
COLAB_FIRST_LINE = "# Google Colab only:"
# the cell's copy in the instructor guide: a fenced block that starts with the cell's first line
_COLAB_BLOCK = re.compile(r"(?<=```python\n)# Google Colab only:.*?(?=```)", re.S)
_NB_BADGE = re.compile(r"^\[!\[(?:Binder|Open In Colab)\]\([^)]*\)\]\([^)]*\)[ \t]*$")
_README_BADGE = re.compile(r"^\[!\[Launch on Binder\]\([^)]*\)\]\([^)]*\)[ \t]*$")
_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+$")

BINDER_LOGO = "https://mybinder.org/badge_logo.svg"
COLAB_LOGO = "https://colab.research.google.com/assets/colab-badge.svg"


@dataclass(frozen=True)
class Source:
    """The configured repository ("OWNER/NAME", or None) and the branch or tag to launch."""

    repo: str | None
    ref: str = DEFAULT_REF

    def binder(self, notebook: str) -> str:
        return (f"https://mybinder.org/v2/gh/{self.repo or PLACEHOLDER}/{self.ref}"
                f"?urlpath=lab/tree/{notebook}")

    def colab(self, notebook: str) -> str:
        return (f"https://colab.research.google.com/github/{self.repo or PLACEHOLDER}/blob/"
                f"{self.ref}/{notebook}")

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repo or PLACEHOLDER}"


# --- pyproject.toml: the single source --------------------------------------------------------

_URLS_HEADER = "[project.urls]"
_URLS_COMMENT = (
    "# The course's GitHub repository, named once: the notebooks' Binder and Colab badges, the\n"
    "# Colab set-up cell's clone URL, the README and docs links and CITATION.cff follow it.\n"
    "# Change it with `python3 tools/set_repo.py OWNER/NAME [--ref REF]` (or --none), not by\n"
    "# hand; `python3 tools/set_repo.py --check` lists every file that disagrees.\n")


def _urls_section(text: str) -> tuple[int, int] | None:
    """(start, end) of the [project.urls] table in pyproject.toml's text, header included."""
    match = re.search(r"^\[project\.urls\][ \t]*$", text, re.M)
    if not match:
        return None
    following = re.compile(r"^\[", re.M).search(text, match.end())
    return match.start(), following.start() if following else len(text)


def read_source(root: Path = ROOT) -> Source:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    span = _urls_section(text)
    section = text[span[0]:span[1]] if span else ""
    repo_url = re.search(r'^Repository\s*=\s*"([^"]*)"', section, re.M)
    if not repo_url or not repo_url.group(1).strip():
        return Source(None)
    url = repo_url.group(1).strip().removesuffix(".git").rstrip("/")
    if not url.startswith("https://github.com/") or \
            not _REPO.match(repo := url.removeprefix("https://github.com/")):
        raise SystemExit(f"pyproject.toml: [project.urls] Repository = {url!r} is not "
                         "https://github.com/OWNER/NAME")
    binder = re.search(r'^Binder\s*=\s*"https://mybinder\.org/v2/gh/[^/"]+/[^/"]+/([^/"?]+)"',
                       section, re.M)
    return Source(repo, binder.group(1) if binder else release_tag(root))


def project_version(root: Path = ROOT) -> str | None:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
    return match.group(1) if match else None


def release_tag(root: Path = ROOT) -> str:
    """The default ref: the release tag ``v<version>`` of pyproject.toml's version."""
    version = project_version(root)
    return f"v{version}" if version else DEFAULT_REF


def render_pyproject(text: str, source: Source) -> str:
    body = _URLS_HEADER + "\n" + _URLS_COMMENT
    if source.repo:
        body += (f'Repository = "{source.url}"\n'
                 f'Binder = "https://mybinder.org/v2/gh/{source.repo}/{source.ref}"\n')
    span = _urls_section(text)
    if span:
        rest = text[span[1]:]
        return text[:span[0]] + body + ("\n" if rest else "") + rest
    # a new table goes right after [project] (before the next table)
    project = re.search(r"^\[project\][ \t]*$", text, re.M)
    if not project:
        raise SystemExit("pyproject.toml has no [project] table")
    following = re.compile(r"^\[", re.M).search(text, project.end())
    at = following.start() if following else len(text)
    return text[:at].rstrip("\n") + "\n\n" + body + "\n" + text[at:]


# --- the files that follow it -----------------------------------------------------------------

def render_links(text: str, source: Source) -> str:
    """Every Binder / Colab launch URL and Colab clone URL in ``text``, for ``source``."""
    text = _BINDER_URL.sub(lambda m: source.binder(m.group(1)), text)
    text = _COLAB_URL.sub(lambda m: source.colab(m.group(1)), text)
    return text


def colab_cell(source: Source) -> str:
    """The Colab set-up cell: the course at ``source.ref`` in /content/course, installed.

    A fixed ref (a release tag), not a moving branch, so the package and data Colab installs
    match the notebook the badge opened. Run again in the same runtime, it moves the existing
    copy to that ref (a copy from an older release would otherwise be kept). ``--no-deps``
    keeps Colab's own TensorFlow and NumPy: the pins installed beside them break its runtime.
    """
    return f"""{COLAB_FIRST_LINE} fetch the course and install its package. Elsewhere this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import site
    import subprocess
    import sysconfig

    REPO, REF, HOME = "{source.url}", "{source.ref}", "/content/course"
    if not os.path.isdir(HOME):
        subprocess.run(["git", "-c", "advice.detachedHead=false", "clone", "--quiet",
                        "--depth", "1", "--branch", REF, REPO, HOME], check=True)
    else:  # a copy from earlier in this runtime: move it to REF (edits inside it are dropped)
        subprocess.run(["git", "-C", HOME, "fetch", "--quiet", "--depth", "1", "origin", REF],
                       check=True)
        subprocess.run(["git", "-C", HOME, "checkout", "--quiet", "--force", "FETCH_HEAD"],
                       check=True)
    # --no-deps: use Colab's own NumPy, TensorFlow, ... (installing the pins beside them breaks)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "-e", HOME],
                   check=True)
    site.addsitedir(sysconfig.get_paths()["purelib"])  # use the new install without a restart
    os.chdir(os.path.join(HOME, "notebooks"))
"""


def render_guide(text: str, source: Source) -> str:
    """A doc: its launch links, and the Colab cell's copy (the instructor guide) regenerated."""
    return _COLAB_BLOCK.sub(lambda m: colab_cell(source), render_links(text, source))


def notebook_badges(notebook: str, source: Source) -> str:
    return (f"[![Binder]({BINDER_LOGO})]({source.binder(notebook)})\n"
            f"[![Open In Colab]({COLAB_LOGO})]({source.colab(notebook)})")


def render_first_cell(text: str, notebook: str, source: Source) -> str:
    """The title cell with its badges at the end (none without a repository)."""
    lines = text.split("\n")
    kept = [ln for ln in lines if not _NB_BADGE.match(ln)]
    if kept == lines and not source.repo:
        return text
    body = "\n".join(kept).rstrip("\n")
    return body + "\n\n" + notebook_badges(notebook, source) if source.repo else body


def render_notebook(raw: str, notebook: str, source: Source) -> str:
    nb = json.loads(raw)
    changed = False
    for index, cell in enumerate(nb.get("cells", [])):
        old = "".join(cell.get("source", []))
        new = render_links(old, source)
        if index == 0 and cell.get("cell_type") == "markdown":
            new = render_first_cell(new, notebook, source)
        if cell.get("cell_type") == "code" and old.startswith(COLAB_FIRST_LINE):
            new = colab_cell(source).rstrip("\n")
        if new != old:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if not changed:
        return raw
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def render_readme(text: str, source: Source) -> str:
    badge = (f"[![Launch on Binder]({BINDER_LOGO})]"
             f"({source.binder('notebooks/00_welcome.ipynb')})")
    lines = text.split("\n")
    at = next((i for i, ln in enumerate(lines) if _README_BADGE.match(ln)), None)
    if at is not None:
        if source.repo:
            lines[at] = badge
        else:
            del lines[at:at + (2 if at + 1 < len(lines) and not lines[at + 1].strip() else 1)]
    elif source.repo:
        title = next((i for i, ln in enumerate(lines) if ln.startswith("# ")), -1)
        at = title + 2 if title >= 0 and title + 1 < len(lines) and not lines[title + 1].strip() \
            else title + 1
        lines[at:at] = [badge, ""]
    return render_links("\n".join(lines), source)


def render_citation(text: str, source: Source, version: str | None) -> str:
    lines = [ln for ln in text.split("\n") if not ln.startswith("repository-code:")]
    if version:
        lines = [f'version: "{version}"' if ln.startswith("version:") else ln for ln in lines]
    if source.repo:
        after = next((i for i, ln in enumerate(lines) if ln.startswith("license:")),
                     len(lines) - 1)
        lines.insert(after + 1, f'repository-code: "{source.url}"')
    return "\n".join(lines)


def citation_repository(text: str) -> str | None:
    match = re.search(r'^repository-code:\s*"?([^"\s]+)"?\s*$', text, re.M)
    return match.group(1) if match else None


def expected_files(source: Source, root: Path = ROOT) -> dict[Path, tuple[str, str]]:
    """{path: (current text, text it should have)} for every file that follows the source."""
    out: dict[Path, tuple[str, str]] = {}

    def add(path: Path, render) -> None:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            out[path] = (text, render(text))

    add(root / "pyproject.toml", lambda t: render_pyproject(t, source))
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        add(path, lambda t, p=path: render_notebook(t, f"notebooks/{p.name}", source))
    add(root / "README.md", lambda t: render_readme(t, source))
    for path in sorted((root / "docs").glob("*.md")):
        add(path, lambda t: render_guide(t, source))
    version = project_version(root)
    add(root / "CITATION.cff", lambda t: render_citation(t, source, version))
    return out


def disagreeing(root: Path = ROOT) -> list[Path]:
    """The files that disagree with pyproject.toml's repository (empty: all agree)."""
    source = read_source(root)
    return [p for p, (old, new) in expected_files(source, root).items() if old != new]


def apply(source: Source, root: Path = ROOT) -> list[Path]:
    """Write ``source`` to pyproject.toml and regenerate every file; returns those changed."""
    pyproject = root / "pyproject.toml"
    old = pyproject.read_text(encoding="utf-8")
    new = render_pyproject(old, source)
    changed = []
    if new != old:
        pyproject.write_text(new, encoding="utf-8")
        changed.append(pyproject)
    for path, (old, new) in expected_files(read_source(root), root).items():
        if old != new:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", nargs="?", help="OWNER/NAME on GitHub (default: keep pyproject's)")
    parser.add_argument("--ref", help="tag (or branch) the badges launch and Colab clones "
                                      "(default: the one configured, else v<version>)")
    parser.add_argument("--none", action="store_true", help="no repository: omit the badges")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 listing every file that disagrees")
    args = parser.parse_args(argv)
    if args.check:
        if args.repo or args.none or args.ref:
            parser.error("--check takes no repository, --none or --ref")
        bad = disagreeing(root)
        source = read_source(root)
        where = source.repo or "no repository"
        for path in bad:
            print(f"{path.relative_to(root)}: disagrees with pyproject.toml ({where}, "
                  f"ref {source.ref}); run python3 tools/set_repo.py")
        return 1 if bad else 0
    if args.none and args.repo:
        parser.error("give OWNER/NAME or --none, not both")
    current = read_source(root)
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    if not (args.repo or args.none or _urls_section(pyproject)):
        parser.error("pyproject.toml names no repository yet: give OWNER/NAME (or --none)")
    repo = None if args.none else (args.repo or current.repo)
    if args.repo:
        repo = args.repo.removeprefix("https://github.com/").removesuffix(".git").strip("/")
        if not _REPO.match(repo):
            parser.error(f"{args.repo!r}: expected OWNER/NAME (a GitHub repository)")
    ref = args.ref or current.ref
    if not re.fullmatch(r"[A-Za-z0-9._-]+", ref):
        parser.error(f"{ref!r}: not a branch or tag name (letters, digits, '.', '_', '-')")
    changed = apply(Source(repo, ref), root)
    for path in changed:
        print(f"updated {path.relative_to(root)}")
    if not changed:
        print(f"nothing to change ({repo or 'no repository'}, ref {ref})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
