"""The NAB benchmark (benchmarks/nab.py): the --quick smoke run, the stored results, causality."""

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

from course_utils import _data, datasets, metrics

ROOT = Path(__file__).resolve().parent.parent
STORED = ROOT / "benchmarks" / "results"

# Keras 3.12's convert_to_numpy calls np.array(tensor), which NumPy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _cli():
    return load_benchmark("nab")


@pytest.fixture(scope="module")
def nab():
    return _cli()


def _stat(path: Path):
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None


@pytest.fixture(scope="module")
def quick_run(nab, tmp_path_factory):
    """``nab.py --quick`` once, with the temporary folder inside pytest's own."""
    watched = [STORED / "nab.json", STORED / "nab.md", ROOT / "nab.json", ROOT / "nab.md",
               ROOT / "benchmarks" / "nab.json", ROOT / "benchmarks" / "nab.md"]
    before = {p: _stat(p) for p in watched}
    tmp = tmp_path_factory.mktemp("tmpdir")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(tmp))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            assert nab.main(["--quick"]) == 0
    after = {p: _stat(p) for p in watched}
    return {"tmp": tmp, "stdout": out.getvalue(), "stderr": err.getvalue(),
            "before": before, "after": after}


@pytest.mark.slow
def test_quick_run_writes_to_a_temporary_folder_not_the_repository(quick_run):
    assert quick_run["before"] == quick_run["after"]          # stored results untouched
    match = re.search(r"wrote (\S+) and (\S+) in", quick_run["stdout"])
    assert match, quick_run["stdout"]
    json_path, md_path = Path(match[1]), Path(match[2])
    assert json_path.name == "nab.json" and md_path.name == "nab.md"
    assert quick_run["tmp"] in json_path.parents and ROOT not in json_path.resolve().parents
    assert "nab [1/6]" in quick_run["stderr"] and "nab [6/6]" in quick_run["stderr"]


@pytest.mark.slow
def test_quick_run_output_structure(nab, quick_run):
    json_path = next(quick_run["tmp"].rglob("nab.json"))
    result = nab.load_results(json_path)
    assert set(result) >= {"schema", "config", "environment", "runs", "summary", "scoreboard",
                           "total_s", "header"}
    assert result["config"]["names"] == list(nab.QUICK_NAMES)
    assert result["config"]["seeds"] == [0]
    assert [r["detector"] for r in result["summary"]] == list(nab.DETECTORS)
    for run in result["runs"]:
        for profile in nab.PROFILES:
            part = run["profiles"][profile]
            assert set(part["raw"]) == set(nab.QUICK_NAMES)
            _check_consistent(part, result["config"]["n_windows"], profile)
    _check_markdown(nab, result, json_path.with_name("nab.md"))


def _check_consistent(part, n_windows, profile):
    """The normalised score is the files' raw scores put on NAB's scale: nothing pasted."""
    raw = list(part["raw"].values())
    assert metrics.nab_normalised_score(raw, sum(n_windows), profile) == \
        pytest.approx(part["score"], abs=1e-9)


def _check_markdown(nab, result, md_path):
    text = md_path.read_text(encoding="utf-8")
    assert text == nab.to_markdown(result)            # the table is made from the JSON
    for row in result["summary"]:
        assert f"| {row['detector']} | {row['standard']['mean']:.1f}" in text
    assert "| *Numenta HTM* | 70.1 | 63.1 | 74.3 |" in text
    assert "| *KNN CAD* | 58.0 | — | — |" in text


def test_stored_results_agree_with_their_markdown(nab):
    path = STORED / "nab.json"
    if not path.exists():
        pytest.skip("no stored NAB results yet")
    result = nab.load_results(path)
    assert len(result["config"]["names"]) == 58 and sum(result["config"]["n_windows"]) == 116
    assert len(result["config"]["seeds"]) == 3
    for row in result["summary"]:
        seeded = nab.DETECTORS[row["detector"]].seeded if row["detector"] in nab.DETECTORS \
            else False
        assert row["n_seeds"] == (3 if seeded else 1)
    for run in result["runs"]:
        for profile in nab.PROFILES:
            _check_consistent(run["profiles"][profile], result["config"]["n_windows"], profile)
    for row in result["summary"]:
        for profile in nab.PROFILES:
            scores = [r["profiles"][profile]["score"] for r in result["runs"]
                      if r["detector"] == row["detector"]]
            assert row[profile]["mean"] == pytest.approx(np.mean(scores))
    _check_markdown(nab, result, STORED / "nab.md")


def test_scoreboard_reads_numenta_from_nab_s_reference_file(nab):
    reference = json.loads(Path(_data.data_path(
        "nab/reference_results/final_results_subset.json")).read_text())
    rows = {r["detector"]: r for r in nab.scoreboard()}
    assert rows["Numenta HTM"]["reward_low_FN_rate"] == round(
        reference["numenta"]["reward_low_FN_rate"], 1)
    assert rows["KNN CAD"] == {"detector": "KNN CAD", "standard": 58.0}


@pytest.mark.parametrize("detector", ["Fusion: kNN + seasonal z", "IForest", "PCA"])
def test_the_whole_pipeline_is_causal(nab, detector):
    """Changing the values after row t never changes a score at or before t (t past the
    probationary period, where the window detectors learn)."""
    series = datasets.nab_series("realTraffic/speed_7578")
    base = nab.score_file(detector, series, seed=0)
    assert base.shape == series.values.shape and 0 <= base.min() and base.max() <= 1
    rng = np.random.default_rng(0)
    for t in (series.probationary_length - 1, 400, 900):
        values = series.values.copy()
        values[t + 1:] = rng.normal(values.mean(), 3 * values.std(), size=len(values) - t - 1)
        changed = nab.score_file(detector, dataclasses.replace(series, values=values), seed=0)
        np.testing.assert_array_equal(base[:t + 1], changed[:t + 1], err_msg=f"t={t}")


def test_unknown_names_and_empty_corpora_are_rejected(nab):
    with pytest.raises(ValueError, match="Unknown detector"):
        nab.run(["nyc_taxi"], ["HTM"])
    with pytest.raises(ValueError, match="no anomaly window"):
        nab.run(["art_flatline"], ["Range breach only"])
    with pytest.raises(ValueError, match="raw score"):
        nab.raw_scores("Range breach only", datasets.nab_series("art_flatline"))


def test_quick_names_are_nab_files_with_windows(nab):
    names = datasets.nab_names()
    assert set(nab.QUICK_NAMES) <= set(names)
    assert sum(len(datasets.nab_series(n).windows) for n in nab.QUICK_NAMES) > 0


def test_readme_quotes_the_stored_nab_results():
    """The README's NAB paragraph is a claim about results: it must match the stored JSON."""
    stored = json.loads((STORED / "nab.json").read_text(encoding="utf-8"))
    mean = {row["detector"]: row["standard"] for row in stored["summary"]}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    expected = [f"**{mean['Fusion: kNN + seasonal z']['mean']:.1f}**",
                f"seasonal z-score {mean['Seasonal z-score']['mean']:.1f}",
                f"kNN {mean['kNN']['mean']:.1f}",
                f"autoencoder {mean['AE (dense)']['mean']:.1f} ± {mean['AE (dense)']['sd']:.1f}",
                f"forecasting network {mean['Forecast (dense)']['mean']:.1f} ± "
                f"{mean['Forecast (dense)']['sd']:.1f}",
                f"range-breach rule alone {mean['Range breach only']['mean']:.1f}"]
    flat = " ".join(readme.split())
    missing = [e for e in expected if e not in flat]
    assert missing == [], f"README's NAB paragraph disagrees with nab.json: {missing}"
