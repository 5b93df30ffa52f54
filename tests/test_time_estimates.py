"""Time estimates come from the notebook's content, and the notebook says how.

The rule (first used in notebook 09): words of Markdown read at 150 words a minute, half a
minute per code cell to run and read, and 5 / 10 / 15 minutes per ★ / ★★ / ★★★ exercise;
the total rounded to 5 minutes. This test recomputes it for every notebook and fails when
the stated total is more than 5 minutes off (a notebook that grew without its estimate
following).
"""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import NOTEBOOK_DIR

ESTIMATED = sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))  # every notebook
STATED = re.compile(r"⏱ \*\*Time:\*\* (\d+) min \(about [\d,]+ words to read at 150 words a minute")
MINUTES_PER_STAR = {1: 5, 2: 10, 3: 15}


def estimate(nb) -> float:
    """Minutes: words / 150 + code cells / 2 + the exercises' stars."""
    words = sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    stars = [len(m.group(1)) for c in nb.cells if c.cell_type == "markdown"
             for m in re.finditer(r"^#+ .*?(★{1,3})", c.source, re.M)]
    return words / 150 + cells / 2 + sum(MINUTES_PER_STAR[s] for s in stars)


@pytest.mark.parametrize("name", ESTIMATED)
def test_time_estimate_follows_the_content(name):
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    found = STATED.search(text)
    assert found, f"{name}: no '⏱ **Time:** N min (about W words to read at 150 words a minute...'"
    stated, computed = int(found.group(1)), estimate(nb)
    assert abs(stated - computed) <= 5, (
        f"{name} states {stated} min, its content gives {computed:.0f} min (words / 150 + code "
        "cells / 2 + 5 / 10 / 15 per ★ / ★★ / ★★★ exercise): update the estimate and its parts")


def test_the_rule_can_fail():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("word " * 1500),               # 10 min
                *[nbformat.v4.new_code_cell("x = 1") for _ in range(10)],    # 5 min
                nbformat.v4.new_markdown_cell("### Exercise 1 ★★★ — hard")]  # 15 min
    assert estimate(nb) == pytest.approx(30, abs=0.1)
