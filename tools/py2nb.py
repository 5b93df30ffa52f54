"""Convert a percent-format script (``# %%`` cells) into a notebook, for authoring in an editor.

    python tools/py2nb.py draft.py notebooks/NN_name.ipynb

Cells start with ``# %%`` (code) or ``# %% [markdown]`` (Markdown, every line starting
with ``# ``). Tags go after the marker: ``# %% tags=["raises-exception"]``. The notebook
is the source of truth once written: edit it in JupyterLab afterwards, or regenerate it
from the draft and then run ``python3 tasks.py regen`` to store fresh outputs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat

MARKER = re.compile(r"^# %%(?P<md> \[markdown\])?(?:\s+tags=(?P<tags>\[.*\]))?\s*$")


def convert(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    cells: list[tuple[bool, list[str], list[str]]] = []
    for line in text.splitlines():
        m = MARKER.match(line)
        if m:
            tags = json.loads(m.group("tags")) if m.group("tags") else []
            cells.append((bool(m.group("md")), tags, []))
        elif cells:
            cells[-1][2].append(line)
    for is_md, tags, lines in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if is_md:
            body = "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines)
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def main(src: str, dst: str) -> None:
    nb = convert(Path(src).read_text(encoding="utf-8"))
    nbformat.validate(nb)
    nbformat.write(nb, dst)
    print(f"wrote {dst} ({len(nb.cells)} cells)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
