"""benchmarks/contamination.py: the remedy study notebook 07 reads.

Fast lane: the stored results are a full run (every dataset, every variant, 5 seeds), their
summary is the mean ± sd of their runs, their Markdown is what the script makes of the JSON,
and the ``default`` variant is the same experiment as the benchmark's contaminated "AE"
(``detection_contaminated.json``: the same numbers, seed by seed). Slow: a tiny run into
``tmp_path`` (one dataset, one seed, two variants) that reproduces a fit done by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import load_benchmark

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results"
DATASETS = ["breast_cancer", "shuttle", "transactions", "network_flows"]
VARIANTS = ["default", "normal-only", "patience=5", "patience=2", "clean validation",
            "dropout=0.2", "weight_decay=1e-3"]


def _cli():
    return load_benchmark("contamination")


@pytest.fixture(scope="module")
def cli():
    return _cli()


@pytest.fixture(scope="module")
def stored():
    return json.loads((STORED / "contamination.json").read_text(encoding="utf-8"))


def test_the_grid_is_the_declared_one(cli):
    assert list(cli.VARIANTS) == VARIANTS and list(cli.DATASETS) == DATASETS
    assert set(cli.DESCRIPTION) == set(cli.VARIANTS)
    from course_utils import benchmark

    assert cli.MAX_TRAIN_ROWS == benchmark.MAX_TRAIN_ROWS


def test_stored_results_are_a_full_run_with_five_seeds(cli, stored):
    assert stored["schema"] == cli.SCHEMA and stored["protocol"] == "contaminated"
    assert stored["command"] == "python benchmarks/contamination.py --output benchmarks/results"
    assert stored["seeds"] == 5 and stored["config"]["epochs"] == 100
    assert stored["config"]["variants"] == cli.VARIANTS
    cells = {(r["dataset"], r["variant"]) for r in stored["runs"]}
    assert cells == {(d, v) for d in DATASETS for v in VARIANTS}
    for dataset, variant in cells:
        seeds = sorted(r["seed"] for r in stored["runs"]
                       if (r["dataset"], r["variant"]) == (dataset, variant))
        assert seeds == [0, 1, 2, 3, 4], (dataset, variant)
    assert all(0.0 <= r["roc_auc"] <= 1.0 and 0.0 <= r["pr_auc"] <= 1.0 for r in stored["runs"])


def test_stored_runs_follow_the_protocol(stored):
    for r in stored["runs"]:
        if r["variant"] == "normal-only":
            assert r["n_train_anomalies"] == 0
        else:                   # the contaminated draw: anomalies among the training rows
            assert r["n_train_anomalies"] > 0, r
        assert (r["n_val_clean"] > 0) == (r["variant"] == "clean validation")
        assert 1 <= r["best_epoch"] <= r["epochs"] <= 100
    by_seed = {(r["dataset"], r["seed"], r["variant"]): r for r in stored["runs"]}
    for (dataset, seed, variant), r in by_seed.items():   # the same draw for every variant
        default = by_seed[dataset, seed, "default"]
        if variant != "normal-only":
            assert r["n_train"] == default["n_train"]
        else:
            assert r["n_train"] == default["n_train"] - default["n_train_anomalies"]


def test_stored_summary_is_the_mean_and_sd_of_its_runs(cli, stored):
    assert stored["summary"] == cli.summary(stored["runs"])
    for row in stored["summary"]:
        aucs = [r["roc_auc"] for r in stored["runs"]
                if (r["dataset"], r["variant"]) == (row["dataset"], row["variant"])]
        assert row["n_seeds"] == 5 == len(aucs)
        assert row["roc_auc_mean"] == pytest.approx(np.mean(aucs), abs=1e-12)
        assert row["roc_auc_sd"] == pytest.approx(np.std(aucs, ddof=1), abs=1e-12)


def test_stored_markdown_is_made_from_the_stored_json(cli, stored):
    md = (STORED / "contamination.md").read_text(encoding="utf-8")
    assert md == cli.markdown(stored["summary"], stored["command"], stored["total_s"])
    rows = [dict(r) for r in stored["summary"]]
    rows[0]["roc_auc_mean"] += 0.01                   # the check can fail
    assert cli.markdown(rows, stored["command"], stored["total_s"]) != md


def test_default_variant_is_the_benchmarks_contaminated_autoencoder(stored):
    """Reconciled: the study's default is detection_contaminated.json's "AE", seed by seed."""
    detection = json.loads((STORED / "detection_contaminated.json").read_text(encoding="utf-8"))
    assert detection["config"]["protocol"] == "contaminated"
    assert detection["config"]["max_train_rows"] == stored["config"]["max_train_rows"]
    theirs = {(r["dataset"], r["seed"]): r for r in detection["runs"] if r["detector"] == "AE"}
    ours = {(r["dataset"], r["seed"]): r for r in stored["runs"] if r["variant"] == "default"}
    assert set(ours) <= set(theirs)
    for key, r in ours.items():
        assert r["n_train"] == theirs[key]["n_train"], key
        assert r["roc_auc"] == pytest.approx(theirs[key]["roc_auc"], abs=1e-12), key
        assert r["pr_auc"] == pytest.approx(theirs[key]["pr_auc"], abs=1e-12), key


@pytest.mark.slow
def test_a_tiny_run_writes_into_its_output_and_reproduces_a_fit_by_hand(cli, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from course_utils import benchmark, datasets, metrics

    before = {p.name: p.stat().st_mtime_ns for p in STORED.iterdir()}
    assert cli.main(["--datasets", "breast_cancer", "--seeds", "1", "--variants",
                     "default,clean validation", "--output", str(tmp_path)]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in STORED.iterdir()} == before   # untouched
    result = json.loads((tmp_path / "contamination.json").read_text(encoding="utf-8"))
    assert [(r["variant"], r["seed"]) for r in result["runs"]] == [("default", 0),
                                                                  ("clean validation", 0)]
    assert (tmp_path / "contamination.md").read_text(encoding="utf-8") == cli.markdown(
        result["summary"], result["command"], result["total_s"])
    # the default variant is the benchmark's AE in the benchmark's pipeline on its draw
    ds = datasets.load("breast_cancer", random_state=0, protocol="contaminated")
    X_train = benchmark.train_rows(ds, "breast_cancer", 0)
    pipe = make_pipeline(StandardScaler(), benchmark.make_detector("AE", 0)).fit(X_train)
    scores = pipe.decision_function(ds.X_test)
    default, clean = result["runs"]
    assert default["roc_auc"] == metrics.roc_auc(ds.y_test, scores)
    assert default["n_train"] == len(X_train) and default["n_train_anomalies"] > 0
    assert clean["n_val_clean"] == int((ds.y_val == 0).sum()) and clean["roc_auc"] != default["roc_auc"]
