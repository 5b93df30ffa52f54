#!/usr/bin/env python3
"""Build the course as a static website: every notebook as a page, from its stored outputs.

    python3 tasks.py site [OUTDIR]           (default: build/site; then open OUTDIR/index.html
                                              through a web server, e.g. python3 -m http.server)

Nothing is executed: the pages show the outputs stored in the notebooks (the ones nbval
checks). The site has

- ``index.html``: the table of contents in course order (each notebook's title, subtitle and
  time estimate), the reference pages, and the launch badges;
- one page per notebook (nbconvert's JupyterLab template), with links to the previous and next
  notebook and its Binder / Colab badges;
- the glossary, references, errata and instructor guide (docs/*.md) as pages;
- MathJax and the badge images inside the site (``_static/``), so it reads offline and
  nothing is fetched from another host.

Links between notebooks and docs become links between pages (headings get GitHub's anchor
names, so ``#the-colab-setup-cell`` keeps working); links to other files of the repository
point at GitHub at the configured ref (``[project.urls]`` in pyproject.toml), or lose their
link when no repository is configured. ``check_site`` lists every broken local link, anchor
or image; the build fails if there is one.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import re
import shutil
import sys
import time
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
DOCS = ("glossary", "references", "errata", "instructor_guide")
DOC_TITLES = {"glossary": "Glossary (English · 中文)", "references": "References",
              "errata": "Errata of the seed article", "instructor_guide": "Instructor guide"}
MATHJAX_URL = "_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# the launch badges' images, drawn here so the site loads nothing from elsewhere
BADGES = {
    "https://mybinder.org/badge_logo.svg": ("binder-badge.svg", "launch", "binder", "#579aca"),
    "https://colab.research.google.com/assets/colab-badge.svg":
        ("colab-badge.svg", "Open in", "Colab", "#f9ab00"),
}
# jupyter-server-mathjax keeps only MathJax's STIX-Web fonts (not its default TeX fonts)
MATHJAX_FONTS = """
<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: ["STIX-Web"], preferredFont: "STIX-Web",
                                 webFont: "STIX-Web", imageFont: null}});
</script>
"""
NAV_CSS = """
<style>
.course-nav { font: 15px/1.4 system-ui, sans-serif; display: flex; gap: 1.5em;
  justify-content: space-between; max-width: 1100px; margin: 0 auto; padding: .6em 1em;
  border-bottom: 1px solid #ddd; }
.course-nav a { text-decoration: none; }
.course-toc li { margin: .5em 0; }
.course-toc .sub { color: #555; }
</style>
"""


def _load_set_repo():
    spec = importlib.util.spec_from_file_location("set_repo", ROOT / "tools" / "set_repo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("set_repo", module)
    spec.loader.exec_module(module)
    return module


def github_slug(text: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).strip().lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LNM")
    return kept.replace(" ", "-")


def badge_svg(left: str, right: str, colour: str) -> str:
    wl, wr = 7 * len(left) + 12, 7 * len(right) + 12
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{wl + wr}" height="20" '
            f'role="img" aria-label="{left} {right}"><rect width="{wl}" height="20" '
            f'fill="#555"/><rect x="{wl}" width="{wr}" height="20" fill="{colour}"/>'
            f'<g fill="#fff" font-family="Verdana,sans-serif" font-size="11">'
            f'<text x="6" y="14">{left}</text><text x="{wl + 6}" y="14">{right}</text></g></svg>\n')


class Page:
    """One page of the site: its file name, title and the notebook (or document) it shows."""

    def __init__(self, filename: str, title: str, subtitle: str = "", minutes: str = ""):
        self.filename, self.title, self.subtitle, self.minutes = filename, title, subtitle, minutes


def notebook_page(path: Path) -> Page:
    first = nbformat.read(path, as_version=4).cells[0].source
    title = re.search(r"^#\s+(.+)$", first, re.M).group(1).strip()
    subtitle = re.search(r"^\*(.+)\*\s*$", first, re.M)
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    minutes = re.search(r"\*\*Time:\*\*\s*([^(\n]+)", text)
    return Page(path.with_suffix(".html").name, title, subtitle.group(1) if subtitle else "",
                minutes.group(1).strip() if minutes else "")


def rewrite_links(body: str, source, site_names: set[str]) -> str:
    """Links to notebooks and docs become page links; other repository files go to GitHub."""
    def fix(match: re.Match) -> str:
        attr, url = match.group(1), html.unescape(match.group(2))
        parts = urlsplit(url)
        if url.startswith("_static/"):     # the site's own files (MathJax, badges)
            return match.group(0)
        if parts.scheme or url.startswith(("#", "//", "mailto:", "data:")):
            if attr == "src" and url in BADGES:
                return f'{attr}="_static/{BADGES[url][0]}"'
            return match.group(0)
        name = Path(unquote(parts.path)).name
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        page = Path(name).with_suffix(".html").name
        if Path(name).suffix in (".ipynb", ".md", ".html") and page in site_names:
            return f'{attr}="{html.escape(page + fragment)}"'
        if source.repo:   # a file of the repository that the site does not render
            target = (ROOT / "notebooks" / unquote(parts.path)).resolve()
            try:
                relative = target.relative_to(ROOT).as_posix()
            except ValueError:
                relative = unquote(parts.path).lstrip("./")
            return f'{attr}="{html.escape(f"{source.url}/blob/{source.ref}/{relative}")}"'
        return f'data-unlinked="{html.escape(url)}"'
    return re.sub(r'\b(href|src)="([^"]*)"', fix, body)


def add_github_anchors(body: str) -> str:
    """Give each heading GitHub's anchor name too (nbconvert keeps the text's case)."""
    def add(match: re.Match) -> str:
        slug = github_slug(re.sub(r'<a class="anchor-link".*?</a>', "", match.group(3)))
        if not slug or f'id="{slug}"' == f'id="{match.group(2)}"':
            return match.group(0)
        return f'<a id="{html.escape(slug)}"></a>{match.group(0)}'
    return re.sub(r'<h([1-6])[^>]*\bid="([^"]*)"[^>]*>(.*?)</h\1>', add, body, flags=re.S)


def nav(pages: list[Page], index: int | None) -> str:
    prev = pages[index - 1] if index else None
    nxt = pages[index + 1] if index is not None and index + 1 < len(pages) else None
    left = f'<a href="{prev.filename}">← {html.escape(prev.title)}</a>' if prev else "<span></span>"
    right = f'<a href="{nxt.filename}">{html.escape(nxt.title)} →</a>' if nxt else "<span></span>"
    return (f'<nav class="course-nav">{left}<a href="index.html">Contents</a>{right}</nav>')


def render(exporter, nb, title: str, header: str, source, site_names: set[str]) -> str:
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # require.js (from a CDN) serves widget and old JavaScript outputs; the stored outputs
    # hold neither (tools/execute_notebooks.py drops widget state), so the site goes without
    body = body.replace(f'<script src="{exporter.require_js_url}"></script>', "")
    body = add_github_anchors(rewrite_links(body, source, site_names))
    body = body.replace("</head>", MATHJAX_FONTS + NAV_CSS + "</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + header, body, count=1)


def index_notebook(pages: list[Page], docs: list[Page], source) -> nbformat.NotebookNode:
    lines = ["# Deep Learning for Anomaly Detection",
             "*A hands-on course: from a NumPy perceptron to autoencoders on tables, images "
             "and time series. These pages show each notebook with its stored outputs; to run "
             "them, launch one (badges on every page) or follow the README.*", ""]
    if source.repo:
        set_repo = _load_set_repo()
        lines += [set_repo.notebook_badges("notebooks/00_welcome.ipynb", source), "",
                  f"Source: [{source.repo}]({source.url}) (release `{source.ref}`)", ""]
    lines += ["## Contents", '<ol class="course-toc" start="0">']
    for page in pages:
        extra = " · ".join(x for x in (page.subtitle, page.minutes and f"⏱ {page.minutes}") if x)
        lines.append(f'<li><a href="{page.filename}">{html.escape(page.title)}</a><br>'
                     f'<span class="sub">{html.escape(extra)}</span></li>')
    lines += ["</ol>", "", "## Reference", ""]
    lines += [f"- [{page.title}]({page.filename})" for page in docs]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("\n".join(lines))])


def mathjax_folder() -> Path:
    """MathJax 2.7's files, as the jupyter-server-mathjax package ships them."""
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.origin:
        raise SystemExit("jupyter-server-mathjax is not installed: python3 tasks.py setup test")
    return Path(spec.origin).parent / "static"


def build(out: Path, root: Path = ROOT) -> list[Page]:
    from nbconvert import HTMLExporter

    source = _load_set_repo().read_source(root)
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    pages = [notebook_page(p) for p in notebooks]
    docs = [Page(f"{name}.html", DOC_TITLES[name]) for name in DOCS
            if (root / "docs" / f"{name}.md").exists()]
    site_names = {p.filename for p in pages + docs} | {"index.html"}
    if out.exists():
        shutil.rmtree(out)
    (out / "_static").mkdir(parents=True)
    shutil.copytree(mathjax_folder(), out / "_static" / "mathjax")
    for name, left, right, colour in BADGES.values():
        (out / "_static" / name).write_text(badge_svg(left, right, colour), encoding="utf-8")

    exporter = HTMLExporter(template_name="lab")
    exporter.mathjax_url = MATHJAX_URL
    for i, (path, page) in enumerate(zip(notebooks, pages, strict=True)):
        nb = nbformat.read(path, as_version=4)
        text = render(exporter, nb, page.title, nav(pages, i), source, site_names)
        (out / page.filename).write_text(text, encoding="utf-8")
    for page in docs:
        md = (root / "docs" / page.filename.replace(".html", ".md")).read_text(encoding="utf-8")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(md)])
        header = nav([], None)
        (out / page.filename).write_text(
            render(exporter, nb, page.title, header, source, site_names), encoding="utf-8")
    text = render(exporter, index_notebook(pages, docs, source), "Deep Learning for Anomaly "
                  "Detection", "", source, site_names)
    (out / "index.html").write_text(text, encoding="utf-8")
    return pages


class _Refs(HTMLParser):
    """Collects a page's ids and its local references (href, src)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if tag in ("a", "img", "script", "link") and attrs.get(key) is not None:
                self.refs.append((tag, attrs[key]))


def check_site(out: Path) -> list[str]:
    """Every broken local link, missing anchor, missing file or remote resource in the site."""
    parsed = {}
    for page in sorted(out.glob("*.html")):
        refs = _Refs()
        refs.feed(page.read_text(encoding="utf-8"))
        parsed[page.name] = refs
    problems = []
    for name, refs in parsed.items():
        for tag, url in refs.refs:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") or url.startswith("//"):
                if tag != "a":
                    problems.append(f"{name}: <{tag}> loads {url} from another host")
                continue
            if parts.scheme:      # data:, mailto:
                continue
            target = name if not parts.path else unquote(parts.path)
            if not (out / target).is_file():
                problems.append(f"{name}: <{tag}> {url}: no file {target}")
            elif parts.fragment and target.endswith(".html") and \
                    parts.fragment not in parsed[target].ids:
                problems.append(f"{name}: {url}: no anchor #{parts.fragment} in {target}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default=str(ROOT / "build" / "site"),
                        help="folder to write (replaced; default build/site)")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    if out == ROOT or ROOT.is_relative_to(out):
        parser.error(f"{out} holds the repository: pick an empty or build folder")
    start = time.perf_counter()
    pages = build(out)
    problems = check_site(out)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"built {len(pages)} notebook pages and the index in {time.perf_counter() - start:.0f} s: "
          f"{out / 'index.html'}\n(serve it: python3 -m http.server -d {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
