"""Measure every notebook against the course's budgets: < 60 s wall and < 1.5 GiB peak memory.

    python benchmarks/notebooks.py                 # all notebooks, table to stdout
    python benchmarks/notebooks.py notebooks/04_*.ipynb --markdown benchmarks/notebooks.md

Each notebook runs in a fresh ``python3`` kernel started in ``notebooks/`` (as nbval does),
on a copy in memory: the stored notebook is never modified. Wall time is the execution of
all cells (kernel start-up excluded); peak memory is the kernel process's high-water mark
of resident memory (``VmHWM`` from ``/proc``, Linux only; elsewhere psutil's sampled RSS).
Exits non-zero when any notebook exceeds a budget, so it can guard them in CI.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
MAX_SECONDS = 60.0
MAX_GIB = 1.5


def _peak_rss_bytes(proc: psutil.Process) -> int:
    try:
        with open(f"/proc/{proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return proc.memory_info().rss


class _KernelMemoryWatcher(threading.Thread):
    """Polls the kernel's peak resident memory until stopped."""

    def __init__(self, client: NotebookClient):
        super().__init__(daemon=True)
        self.client, self.peak, self._stop_event = client, 0, threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pid = getattr(getattr(self.client.km, "provisioner", None), "pid", None) \
                if self.client.km else None
            if pid:
                try:
                    self.peak = max(self.peak, _peak_rss_bytes(psutil.Process(pid)))
                except psutil.Error:
                    pass
            self._stop_event.wait(0.1)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def measure(path: Path) -> tuple[float, float]:
    """Execute one notebook; return (wall seconds, peak GiB)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        watcher = _KernelMemoryWatcher(client)
        watcher.start()
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        elapsed = time.perf_counter() - start
        time.sleep(0.2)  # one more sample after the last cell
        peak = watcher.stop()
    return elapsed, peak / 2**30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to measure (default: all in notebooks/)")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    rows, failures = [], 0
    header = "| notebook | wall (s) | peak memory (GiB) | within budget |\n| --- | ---: | ---: | --- |"
    print(header, flush=True)
    for path in paths:
        seconds, gib = measure(path.resolve())
        ok = seconds < MAX_SECONDS and gib < MAX_GIB
        failures += not ok
        row = f"| {path.name} | {seconds:.1f} | {gib:.2f} | {'yes' if ok else '**NO**'} |"
        rows.append(row)
        print(row, flush=True)
    cpus = psutil.cpu_count(logical=True)
    footer = (f"\nBudgets: < {MAX_SECONDS:.0f} s and < {MAX_GIB} GiB per notebook; measured on "
              f"{cpus} CPU core(s), one notebook at a time.")
    print(footer)
    if args.markdown:
        args.markdown.write_text(header + "\n" + "\n".join(rows) + "\n" + footer + "\n")
    if failures:
        print(f"{failures} notebook(s) over budget", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
