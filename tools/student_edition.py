"""Write the student edition of the course: every notebook without its exercise solutions.

    python tools/student_edition.py                 # into a new temporary folder (printed)
    python tools/student_edition.py --output DIR    # into DIR (created if missing)

(Also ``python3 tasks.py student [OUTDIR]``.) Each notebook's "## Solutions" section -- its
heading cell and every cell up to, not including, the next level-1/2 heading (the template's
"## Next") -- is replaced by one Markdown cell saying the solutions are in the instructor
edition. Nothing else changes: the exercise prompts, the exercise cells and their check
cells (with their stored "not attempted yet" output), every other cell's outputs and
execution counts, and the notebook metadata stay as they are. The solution cells' outputs
go with the cells. A notebook without a Solutions section (00_welcome) is copied byte for
byte.

Execution counts stay consecutive because the Solutions section is followed only by
Markdown ("## Next"): the tool refuses a notebook where a code cell follows the section,
rather than leave a gap the template rules (tests/notebook_rules.py) would reject.

The repository is never written to unless ``--output`` points into it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

SOLUTIONS_HEADING = re.compile(r"^##\s+Solutions\b", re.M)
SECTION_HEADING = re.compile(r"^#{1,2}\s+\S", re.M)  # a level-1 or level-2 heading line
NOTE_ID = "student-edition-solutions-note"
NOTE = ("> **Student edition.** The solutions to these exercises are in the instructor edition "
        "of this notebook. Run the check cells above to test your answers: each says "
        "\"not attempted yet\" until you fill in the `...`, and gives a hint when an answer "
        "is wrong.")


def solutions_span(nb: nbformat.NotebookNode) -> tuple[int, int] | None:
    """``(start, stop)`` cell indices of the Solutions section (heading cell included, stop
    excluded), or None when the notebook has none."""
    start = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == "markdown" and SOLUTIONS_HEADING.search(c.source)), None)
    if start is None:
        return None
    stop = next((i for i in range(start + 1, len(nb.cells))
                 if nb.cells[i].cell_type == "markdown"
                 and SECTION_HEADING.search(nb.cells[i].source)), len(nb.cells))
    return start, stop


def strip_solutions(nb: nbformat.NotebookNode, name: str = "notebook") -> bool:
    """Replace the Solutions section of ``nb`` in place by the student-edition note.
    Returns False (and leaves ``nb`` alone) when there is no Solutions section."""
    span = solutions_span(nb)
    if span is None:
        return False
    start, stop = span
    later_code = [i for i in range(stop, len(nb.cells)) if nb.cells[i].cell_type == "code"]
    if later_code:
        raise ValueError(f"{name}: code cell {later_code[0]} follows the Solutions section; "
                         "removing the solutions would leave a gap in the execution counts")
    note = nbformat.v4.new_markdown_cell(NOTE)
    if "id" in nb.cells[start]:  # nbformat >= 4.5 notebooks carry cell ids
        note["id"] = NOTE_ID
    else:
        note.pop("id", None)
    nb.cells[start:stop] = [note]
    return True


def make_student_edition(src_dir: Path | str, out_dir: Path | str) -> list[Path]:
    """Write the student edition of every ``NN_*.ipynb`` in ``src_dir`` into ``out_dir``
    (created if missing) and return the written paths, in notebook order."""
    src_dir, out_dir = Path(src_dir).resolve(), Path(out_dir).resolve()
    sources = sorted(src_dir.glob(NOTEBOOK_GLOB))
    if not sources:
        raise FileNotFoundError(f"no notebooks ({NOTEBOOK_GLOB}) in {src_dir}")
    if out_dir == src_dir:
        raise ValueError("the output folder must differ from the source folder "
                         "(it would overwrite the instructor edition)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        dest = out_dir / src.name
        nb = nbformat.read(src, as_version=4)
        if strip_solutions(nb, src.name):
            nbformat.validate(nb)
            nbformat.write(nb, dest)
        else:
            shutil.copyfile(src, dest)
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", "-o", type=Path, default=None,
                        help="folder to write into (default: a new temporary folder)")
    parser.add_argument("--source", type=Path, default=NOTEBOOK_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out_dir = args.output if args.output is not None else \
        Path(tempfile.mkdtemp(prefix="student_edition_"))
    try:
        written = make_student_edition(args.source, out_dir)
    except (ValueError, FileNotFoundError) as exc:
        sys.exit(f"student_edition: {exc}")
    for path in written:
        print(f"  {path.name}")
    print(f"Student edition ({len(written)} notebooks) written to {out_dir.resolve()}")
    return out_dir.resolve()


if __name__ == "__main__":
    main()
