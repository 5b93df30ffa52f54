"""The notebook template, as rules a test can enforce (see CONTRIBUTING.md).

``problems(nb, path)`` returns a list of human-readable violations; the structure test
asserts it is empty for every notebook, and its own tests show each rule can fail.
"""

from __future__ import annotations

import re
from pathlib import Path

TITLE = re.compile(r"^#\s+(\d{2})\s*·\s*\S")
TIME_ESTIMATE = re.compile(r"(⏱|time estimate|time:)[^\n]*\b\d+\s*(–\s*\d+\s*)?min", re.I)
FORBIDDEN_CODE = [
    (re.compile(r"\bsys\.path\b"), "edits sys.path (install the course package instead)"),
    (re.compile(r"^\s*[!%]\s*pip\b", re.M), "installs packages with !pip / %pip"),
    (re.compile(r"^\s*%run\b", re.M), "uses %run (import from course_utils instead)"),
    (re.compile(r"^\s*from\s+\S+\s+import\s+\*", re.M), "uses a star import"),
]
ABSOLUTE_PATH = re.compile(r"(?<![\w.])(/home/|/root/|/Users/|/work/|/tmp/(?!ipykernel)|"
                           r"[A-Za-z]:\\\\?Users\\)")
COLAB_GUARD = "google.colab"  # the only cell allowed to install packages, and only on Colab


def _headings(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            out += [ln.lstrip("#").strip() for ln in cell.source.splitlines()
                    if ln.startswith("#")]
    return out


def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", []))
    data = output.get("data", {})
    return "\n".join(str(v) for k, v in data.items() if k.startswith("text/"))


def problems(nb, path: Path) -> list[str]:
    found: list[str] = []
    number = path.name[:2]
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown":
        found.append("the first cell must be Markdown with the title '# NN · Title'")
    else:
        m = TITLE.match(first.source.strip())
        if not m:
            found.append("the first line must be the title '# NN · Title'")
        elif m.group(1) != number:
            found.append(f"the title's number {m.group(1)} does not match the file name {number}")
    headings = [h.lower() for h in _headings(nb)]
    required = ["what you will learn", "summary"] + ([] if number == "00" else ["exercises"])
    for name in required:
        if not any(h.startswith(name) for h in headings):
            found.append(f"missing the heading '{name.title()}'")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    if not TIME_ESTIMATE.search(markdown):
        found.append("missing a time estimate (e.g. '⏱ Time: 45 min')")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        found.append(f"kernelspec name must be 'python3', got {kernel!r}")
    widgets = nb.metadata.get("widgets")
    if widgets is not None:
        state = widgets.get("application/vnd.jupyter.widget-state+json", {})
        if not state.get("state"):
            found.append("metadata.widgets without saved state (GitHub refuses to render it)")

    expected_count = 1
    for index, cell in enumerate(nb.cells):
        where = f"cell {index}"
        if cell.cell_type != "code":
            continue
        source = cell.source
        if COLAB_GUARD not in source:
            for pattern, message in FORBIDDEN_CODE:
                if pattern.search(source):
                    found.append(f"{where} {message}")
        if ABSOLUTE_PATH.search(source):
            found.append(f"{where} contains an absolute local path")
        if not source.strip():
            found.append(f"{where} is an empty code cell")
            continue
        if cell.get("execution_count") != expected_count:
            found.append(f"{where} has execution_count {cell.get('execution_count')}, expected "
                         f"{expected_count}: re-run with `python3 tasks.py regen {path.name}`")
        expected_count = (cell.get("execution_count") or expected_count) + 1
        tags = cell.metadata.get("tags", [])
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and "raises-exception" not in tags:
                found.append(f"{where} has a stored error ({output.get('ename')})")
            if output.get("output_type") == "stream" and output.get("name") == "stderr" \
                    and "NBVAL_IGNORE_OUTPUT" not in source:
                found.append(f"{where} has stored stderr output (warnings break nbval): "
                             f"{output.get('text', '')[:80]!r}")
            if ABSOLUTE_PATH.search(_output_text(output)):
                found.append(f"{where} has an absolute local path in its output")
    return found
