"""Re-execute notebooks in a fresh kernel and store their outputs the way nbval checks them.

    python tools/execute_notebooks.py notebooks/01_perceptron_from_scratch.ipynb [...]

(Normally called through ``python3 tasks.py regen``.) Each notebook runs in its own
``python3`` kernel started in the notebook's folder, exactly as nbval starts it. After
execution the per-cell timing metadata and any widget state are removed (nbval does not
compare them, and they would make every re-run a diff), outputs and execution counts
are kept. A cell that raises stops the run unless it is tagged ``raises-exception``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNEL = "python3"
CELL_TIMEOUT_S = 600


def clean(nb: nbformat.NotebookNode) -> None:
    """Drop volatile metadata; keep outputs and execution counts."""
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": KERNEL}
    nb.metadata.pop("widgets", None)
    lang = nb.metadata.get("language_info", {})
    lang.pop("version", None)  # the kernel's Python version: differs between machines
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                # widget views need saved widget state to render; we keep their text form
                output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=False)
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    clean(nb)
    nbformat.write(nb, path)
    return elapsed


def main(paths: list[str]) -> None:
    for name in paths:
        path = Path(name).resolve()
        if path.suffix != ".ipynb" or not path.exists():
            sys.exit(f"Not a notebook: {name}")
        print(f"executing {path.name} ...", flush=True)
        print(f"  done in {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
