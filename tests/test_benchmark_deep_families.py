"""benchmarks/deep_families.py: the stored results notebooks 07 and 08 read, checked for
consistency (no training: fast lane).

Each part is stored by its own command (``--only PART --seeds N --output benchmarks/results``);
these tests check that every file is a full run of its part (every cell, enough seeds), that
its summary is the mean ± sd of its own runs, that its Markdown is what the script makes of
the JSON, and that the MNIST table quotes Ruff et al.'s numbers as ``benchmark`` stores them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import load_benchmark

from course_utils import benchmark

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results"
#: part -> (datasets, detectors, the fewest seeds the part must hold)
PARTS = {
    "tabular": (["breast_cancer", "shuttle", "transactions", "network_flows"], ["AE", "VAE"], 5),
    "digits": ([f"digits {d}" for d in range(10)], ["conv AE", "Deep SVDD"], 5),
    "mnist": ([f"mnist {d}" for d in range(10)], ["conv AE", "Deep SVDD"], 3),
}


def _cli():
    return load_benchmark("deep_families")


@pytest.fixture(scope="module")
def cli():
    return _cli()


def _load(part):
    return json.loads((STORED / f"deep_families_{part}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("part", list(PARTS))
def test_stored_part_is_a_full_run_with_enough_seeds(cli, part):
    result = _load(part)
    datasets, detectors, min_seeds = PARTS[part]
    assert result["schema"] == cli.SCHEMA and result["part"] == part
    assert result["seeds"] >= min_seeds
    assert f"--only {part}" in result["command"] and "--output benchmarks/results" in result["command"]
    seeds = list(range(result["seeds"]))
    cells = {(r["dataset"], r["detector"]) for r in result["runs"]}
    assert cells == {(d, m) for d in datasets for m in detectors}
    for dataset, detector in cells:
        got = sorted(r["seed"] for r in result["runs"]
                     if r["dataset"] == dataset and r["detector"] == detector)
        assert got == seeds, (dataset, detector)
    assert all(r["part"] == part for r in result["runs"] + result["summary"])
    assert all(0.0 <= r["roc_auc"] <= 1.0 and 0.0 <= r["pr_auc"] <= 1.0 for r in result["runs"])


@pytest.mark.parametrize("part", list(PARTS))
def test_stored_summary_is_the_mean_and_sd_of_its_runs(cli, part):
    result = _load(part)
    assert result["summary"] == cli.summary(result["runs"])
    for row in result["summary"]:
        aucs = [r["roc_auc"] for r in result["runs"]
                if (r["dataset"], r["detector"]) == (row["dataset"], row["detector"])]
        assert row["n_seeds"] == result["seeds"] == len(aucs)
        assert row["roc_auc_mean"] == pytest.approx(np.mean(aucs), abs=1e-12)
        assert row["roc_auc_sd"] == pytest.approx(np.std(aucs, ddof=1), abs=1e-12)


@pytest.mark.parametrize("part", list(PARTS))
def test_stored_markdown_is_made_from_the_stored_json(cli, part):
    result = _load(part)
    md = (STORED / f"deep_families_{part}.md").read_text(encoding="utf-8")
    assert md == cli.markdown(result["summary"], result["command"], result.get("total_s"),
                       result["seeds"])


@pytest.mark.parametrize("part", ["digits", "mnist"])
def test_image_parts_use_the_declared_deep_svdd_settings(cli, part):
    config = _load(part)["config"]["svdd_images"]
    assert {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()} == cli.SVDD_IMAGES


def test_mnist_table_quotes_ruff_et_al_as_the_benchmark_module_stores_them():
    md = (STORED / "deep_families_mnist.md").read_text(encoding="utf-8")
    quoted = {int(m[1]): float(m[2])
              for m in re.finditer(r"^\| mnist (\d) \|.*\| ([01]\.\d{3}) \|$", md, re.M)}
    assert quoted == {d: round(v / 100, 3) for d, v in benchmark.RUFF_2018_DEEP_SVDD.items()}
    assert "another protocol" in md                  # the difference is stated beside them


def test_markdown_can_fail(cli):
    """The Markdown check above is not vacuous: another number gives another table."""
    result = _load("digits")
    rows = [dict(r) for r in result["summary"]]
    rows[0]["roc_auc_mean"] += 0.01
    args = result["command"], result["total_s"], result["seeds"]
    assert cli.markdown(rows, *args) != cli.markdown(result["summary"], *args)


def test_mnist_markdown_says_why_it_has_fewer_seeds(cli):
    result = _load("mnist")
    md = (STORED / "deep_families_mnist.md").read_text(encoding="utf-8")
    assert result["seeds"] >= 5 or f"{result['seeds']} seeds, not 5" in md
