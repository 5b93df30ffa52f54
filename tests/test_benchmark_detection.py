"""The detection benchmark (benchmarks/detection.py, course_utils/benchmark.py) on a tiny config."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from conftest import load_benchmark
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from course_utils import benchmark, datasets, detectors, metrics

ROOT = Path(__file__).resolve().parent.parent
TINY = {"dataset_names": ["breast_cancer"], "seeds": [0],
        "detector_names": ["IForest", "PCA", "Fusion rank (IForest+PCA)"]}


@pytest.fixture()
def tiny_fusion(monkeypatch):
    """A classical-only fusion, so the test needs no TensorFlow and runs in a few seconds."""
    monkeypatch.setitem(benchmark.FUSIONS, "Fusion rank (IForest+PCA)", (("IForest", "PCA"), "rank"))


def _cli():
    return load_benchmark("detection")


def test_quick_path_writes_json_and_markdown(tmp_path, tiny_fusion, capsys):
    cli = _cli()
    argv = ["--quick", "--seeds", "1", "--datasets", "breast_cancer",
            "--detectors", ",".join(TINY["detector_names"]), "--output", str(tmp_path)]
    assert cli.main(argv) == 0
    assert "breast_cancer" in capsys.readouterr().err            # progress lines
    result = json.loads((tmp_path / "detection.json").read_text())
    assert result["schema"] == benchmark.SCHEMA
    assert set(result) >= {"config", "environment", "skipped", "runs", "summary", "total_s"}
    assert "machine_sensors" in result["skipped"]
    assert len(result["runs"]) == 3 and len(result["summary"]) == 3
    for run in result["runs"]:
        assert set(run) >= {"dataset", "detector", "seed", "roc_auc", "pr_auc", "chance_pr_auc",
                            "fit_s", "score_s", "n_train", "n_test", "n_test_anomalies"}
        for key in ("roc_auc", "pr_auc", "chance_pr_auc"):
            assert 0.0 <= run[key] <= 1.0
        assert run["roc_auc"] > 0.5 and run["pr_auc"] > run["chance_pr_auc"]
    markdown = (tmp_path / "detection.md").read_text()
    for name in TINY["detector_names"]:
        assert f"| {name} |" in markdown
    assert "ROC-AUC" in markdown and "PR-AUC" in markdown and "*chance*" in markdown


def _stat(path: Path):
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None


def test_a_run_without_output_writes_to_a_temporary_folder_not_the_repository(tmp_path, monkeypatch):
    """The README's trial commands never touch the stored results notebook 10 checks."""
    stored = ROOT / "benchmarks" / "results"
    watched = [*stored.glob("*"), ROOT / "detection.json", ROOT / "detection.md",
               ROOT / "benchmarks" / "detection.json", ROOT / "benchmarks" / "detection.md"]
    before = {p: _stat(p) for p in watched}
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert _cli().main(["--datasets", "breast_cancer", "--detectors", "PCA,Gaussian",
                            "--seeds", "1"]) == 0
    assert {p: _stat(p) for p in watched} == before, "stored results were modified"
    match = re.search(r"wrote (\S+) and (\S+) in", out.getvalue())
    assert match, out.getvalue()
    json_path = Path(match[1])
    assert tmp_path in json_path.parents and json_path.name == "detection.json"
    assert benchmark.load_results(json_path)["config"]["datasets"] == ["breast_cancer"]
    assert "partial run" in Path(match[2]).read_text()
    # the progress bar: one line per fit, counting up to the total
    assert "1/4" in err.getvalue() and "4/4 100 %" in err.getvalue()   # 2 default + 2 tuned


def test_two_runs_give_identical_aucs(tiny_fusion):
    first, second = (benchmark.run_benchmark(**TINY) for _ in range(2))
    key = [(r["detector"], r["roc_auc"], r["pr_auc"]) for r in first["runs"]]
    assert key == [(r["detector"], r["roc_auc"], r["pr_auc"]) for r in second["runs"]]


def test_a_subset_gives_the_same_numbers_as_the_whole(tiny_fusion):
    """Splits and subsamples depend on (seed, dataset) only, not on what else runs."""
    whole = benchmark.run_benchmark(**TINY)
    alone = benchmark.run_benchmark(["breast_cancer"], ["PCA"], seeds=[0])
    pca = [r for r in whole["runs"] if r["detector"] == "PCA"][0]
    assert alone["runs"][0]["roc_auc"] == pca["roc_auc"]


def test_fusion_equals_a_freshly_fitted_fusion_detector(tiny_fusion):
    """Reusing the fitted members gives exactly what FusionDetector fitted from scratch gives."""
    run = benchmark.run_benchmark(**TINY)["runs"][-1]
    ds = datasets.load("breast_cancer", random_state=0)
    members = [detectors.IsolationForestDetector(random_state=0), detectors.PCADetector()]
    model = make_pipeline(StandardScaler(), detectors.FusionDetector(members, method="rank"))
    scores = model.fit(ds.X_train).decision_function(ds.X_test)
    assert run["roc_auc"] == metrics.roc_auc(ds.y_test, scores)


def test_tuning_never_looks_at_the_test_labels(monkeypatch):
    """Poison the test labels the benchmark loads: the chosen settings stay, the test AUCs move."""
    names = ["kNN", "PCA", "OCSVM"]
    clean = benchmark.run_benchmark(["breast_cancer"], names, seeds=[0, 1], tune=True)["tuned"]
    load = datasets.load

    def poisoned(*args, **kwargs):
        ds = load(*args, **kwargs)
        rng = np.random.default_rng(123)
        return dataclasses.replace(ds, y_test=1 - rng.permutation(ds.y_test))

    monkeypatch.setattr(benchmark.datasets, "load", poisoned)
    dirty = benchmark.run_benchmark(["breast_cancer"], names, seeds=[0, 1], tune=True)["tuned"]
    assert [r["params"] for r in dirty["runs"]] == [r["params"] for r in clean["runs"]]
    assert [r["val_roc_auc"] for r in dirty["runs"]] == [r["val_roc_auc"] for r in clean["runs"]]
    assert all(abs(a["roc_auc"] - b["roc_auc"]) > 0.2
               for a, b in zip(clean["runs"], dirty["runs"], strict=True))


def test_tuned_runs_choose_from_their_grid_and_never_lose_on_validation():
    result = benchmark.run_benchmark(["breast_cancer"], ["kNN", "PCA", "IForest"], seeds=[0],
                                     tune=True)
    tuned = result["tuned"]
    assert [r["detector"] for r in tuned["runs"]] == ["kNN", "PCA", "IForest"]
    for run in tuned["runs"]:
        grid = benchmark.PARAM_GRIDS[run["detector"]]
        assert set(run["params"]) == set(grid)
        assert all(value in grid[key] for key, value in run["params"].items())
        assert run["val_roc_auc"] >= run["default_val_roc_auc"]      # the default is a candidate
    knn = tuned["runs"][0]
    assert knn["params"] != {"n_neighbors": 5, "method": "largest"}  # tuning moved something
    markdown = benchmark.to_markdown(result)
    assert "## Default vs tuned on validation" in markdown and "| kNN | " in markdown
    assert "tuned" not in benchmark.run_benchmark(["breast_cancer"], ["PCA"], seeds=[0])


def test_every_classical_detector_has_a_grid_holding_its_default():
    assert set(benchmark.PARAM_GRIDS) == set(benchmark.CLASSICAL)
    for name, grid in benchmark.PARAM_GRIDS.items():
        params = benchmark.make_detector(name, 0).get_params()
        assert all(params[key] in values for key, values in grid.items()), name


def test_training_rows_are_capped_by_a_seeded_subsample():
    result = benchmark.run_benchmark(["shuttle"], ["PCA"], seeds=[0], max_train_rows=500)
    assert result["runs"][0]["n_train"] == 500


def test_mean_ranks_average_ranks_over_datasets_with_ties():
    rows = [{"dataset": d, "detector": k, "roc_auc_mean": v}
            for d, values in {"a": (0.9, 0.8, 0.7), "b": (0.6, 0.9, 0.9)}.items()
            for k, v in zip("xyz", values, strict=True)]
    ranks = benchmark.mean_ranks(rows)
    np.testing.assert_allclose([ranks["x"], ranks["y"], ranks["z"]], [2.0, 1.75, 2.25])


def test_unknown_names_are_rejected():
    with pytest.raises(ValueError, match="Unknown"):
        benchmark.run_benchmark(["machine_sensors"], ["PCA"], seeds=[0])
    with pytest.raises(ValueError, match="Unknown"):
        benchmark.run_benchmark(["breast_cancer"], ["XGBoost"], seeds=[0])


def test_stored_results_follow_the_schema():
    path = ROOT / "benchmarks" / "results" / "detection.json"
    if not path.exists():
        pytest.skip("no stored results yet")
    result = benchmark.load_results(path)
    assert len(result["config"]["seeds"]) >= 2
    assert all(0.0 <= r["roc_auc"] <= 1.0 and 0.0 <= r["pr_auc"] <= 1.0 for r in result["runs"])


def test_the_quick_configuration_names_known_datasets_and_detectors():
    quick = _cli().QUICK
    assert set(quick["datasets"]) <= set(benchmark.DATASETS)
    assert set(quick["detectors"]) <= set(benchmark.all_detectors())
    assert any(name in benchmark.FUSIONS for name in quick["detectors"]) and "AE" in quick["detectors"]


def test_image_tasks_keep_pixels_unscaled_and_report_beside_ruff_et_al():
    one = benchmark.run_benchmark(["mnist 5"], ["kNN"], seeds=[0], models=(models := {}))
    hard = benchmark.run_benchmark(["mnist_hard 1"], ["kNN"], seeds=[0], max_train_rows=300)
    pipeline = models["mnist 5", "kNN", 0]
    assert len(pipeline.steps) == 1                   # no StandardScaler in front of pixels
    ds = datasets.load("mnist", normal_digit=5, random_state=0)
    scores = detectors.KNNDetector().fit(ds.X_train).decision_function(ds.X_test)
    assert one["runs"][0]["roc_auc"] == metrics.roc_auc(ds.y_test, scores)
    assert hard["runs"][0]["n_train"] == 300
    merged = benchmark.merge_results(one, hard)
    assert merged["config"]["datasets"] == ["mnist 5", "mnist_hard 1"]
    markdown = benchmark.to_markdown(merged)
    assert "Deep SVDD (Ruff et al. 2018)" in markdown and "| 5 | " in markdown
    assert f"{benchmark.RUFF_2018_DEEP_SVDD[5] / 100:.3f}" in markdown
    assert "## Hard direction" in markdown and "| 1 | " in markdown
    assert benchmark.default_detectors(["mnist 0"]) == [*benchmark.CLASSICAL, "conv AE"]


def test_stored_image_results_sit_beside_ruff_et_al():
    path = ROOT / "benchmarks" / "results" / "images.json"
    if not path.exists():
        pytest.skip("no stored image results yet")
    result = benchmark.load_results(path)
    tasks = set(result["config"]["datasets"])
    assert {f"mnist {d}" for d in range(10)} <= tasks and {f"mnist_hard {d}" for d in range(10)} <= tasks
    assert all(0.0 <= r["roc_auc"] <= 1.0 for r in result["runs"])
