"""course_utils.practice: save / load, int8 weights, pseudonyms, PSI and the drift monitor.

The tests of a trained autoencoder (the ``fitted`` fixture) are ``slow``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from course_utils import practice
from course_utils.autoencoder import AutoencoderDetector

KEY = b"0123456789abcdef-test-key"


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6)) * [1, 2, 3, 4, 5, 6] + 10
    ae = AutoencoderDetector(hidden=(8,), bottleneck=2, epochs=3, patience=None,
                             random_state=0).fit(X)
    return ae, X


# --- save / load ---------------------------------------------------------------------------

@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_round_trip_gives_identical_scores(fitted, tmp_path):
    ae, X = fitted
    names = [f"f{i}" for i in range(6)]
    practice.save_detector(ae, tmp_path / "det", feature_names=names)
    assert sorted(p.name for p in (tmp_path / "det").iterdir()) == ["detector.json", "model.keras"]
    loaded = practice.load_detector(tmp_path / "det")
    np.testing.assert_array_equal(loaded.decision_function(X), ae.decision_function(X))
    np.testing.assert_array_equal(loaded.predict(X), ae.predict(X))
    assert loaded.threshold_ == ae.threshold_
    assert list(loaded.feature_names_in_) == names
    assert loaded.get_params() == ae.get_params()
    np.testing.assert_array_equal(loaded.explain(X[:5]), ae.explain(X[:5]))


@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_missing_file_is_a_clear_error(fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="detector.json is missing"):
        practice.load_detector(tmp_path / "nowhere")
    ae, _ = fitted
    practice.save_detector(ae, tmp_path / "det")
    (tmp_path / "det" / "model.keras").unlink()
    with pytest.raises(FileNotFoundError, match="model.keras is missing"):
        practice.load_detector(tmp_path / "det")


def _edit_meta(folder, change):
    path = folder / "detector.json"
    meta = json.loads(path.read_text())
    change(meta)
    path.write_text(json.dumps(meta))


@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_wrong_format_version_is_refused(fitted, tmp_path):
    ae, _ = fitted
    folder = practice.save_detector(ae, tmp_path / "det")
    _edit_meta(folder, lambda m: m.update(format_version=99))
    with pytest.raises(ValueError, match="format_version 99"):
        practice.load_detector(folder)


@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_other_keras_version_warns_or_raises_when_strict(fitted, tmp_path):
    ae, X = fitted
    folder = practice.save_detector(ae, tmp_path / "det")
    _edit_meta(folder, lambda m: m["versions"].update(keras="2.0.0"))
    with pytest.raises(ValueError, match=r"keras 2\.0\.0 \(saved\)"):
        practice.load_detector(folder, strict=True)
    with pytest.warns(UserWarning, match="other versions"):
        loaded = practice.load_detector(folder)
    np.testing.assert_array_equal(loaded.decision_function(X), ae.decision_function(X))


@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_tampered_model_file_is_refused(fitted, tmp_path):
    ae, _ = fitted
    folder = practice.save_detector(ae, tmp_path / "det")
    model = folder / "model.keras"
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(ValueError, match="does not match the SHA-256"):
        practice.load_detector(folder)


@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_damaged_json_is_a_clear_error(fitted, tmp_path):
    ae, _ = fitted
    folder = practice.save_detector(ae, tmp_path / "det")
    (folder / "detector.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        practice.load_detector(folder)


@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_save_rejects_bad_input(fitted, tmp_path):
    ae, _ = fitted
    with pytest.raises(TypeError, match="AutoencoderDetector"):
        practice.save_detector(object(), tmp_path / "x")
    with pytest.raises(ValueError, match="feature_names has 2 names"):
        practice.save_detector(ae, tmp_path / "x", feature_names=["a", "b"])


# --- int8 ------------------------------------------------------------------------------------

def test_quantize_int8_error_is_at_most_half_a_step():
    w = np.random.default_rng(1).normal(size=(30, 7))
    q, scale = practice.quantize_int8(w)
    assert q.dtype == np.int8 and q.shape == w.shape
    assert np.abs(q).max() == 127
    assert np.abs(practice.dequantize(q, scale) - w).max() <= scale / 2 + 1e-6
    q0, s0 = practice.quantize_int8(np.zeros((2, 2)))
    assert s0 == 1.0 and not q0.any()


@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_int8_autoencoder_matches_keras_and_is_smaller(fitted):
    ae, X = fitted
    float_np = practice.Int8DenseAutoencoder(ae, quantize=False)
    np.testing.assert_allclose(float_np.decision_function(X), ae.decision_function(X),
                               rtol=1e-4, atol=1e-6)
    int8 = practice.Int8DenseAutoencoder(ae)
    assert int8.nbytes < 0.5 * float_np.nbytes
    assert np.corrcoef(int8.decision_function(X), ae.decision_function(X))[0, 1] > 0.99


# --- privacy ---------------------------------------------------------------------------------

def test_pseudonymize_is_deterministic_keyed_and_hmac():
    import hashlib
    import hmac

    a = practice.pseudonymize([17, 42, 17], KEY)
    assert a[0] == a[2] and a[0] != a[1] and len(a[0]) == 16
    assert a[0] == hmac.new(KEY, b"17", hashlib.sha256).hexdigest()[:16]
    assert practice.pseudonymize(17, KEY + b"x")[0] != a[0]
    with pytest.raises(TypeError, match="key must be bytes"):
        practice.pseudonymize([1], "short")
    with pytest.raises(ValueError, match="key must be bytes of length >= 16"):   # right type
        practice.pseudonymize([1], b"short")


# --- drift -----------------------------------------------------------------------------------

def test_psi_is_small_for_same_distribution_and_large_for_shift():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=5000)
    assert practice.psi(ref, rng.normal(size=5000)) < 0.02
    assert practice.psi(ref, rng.normal(1.0, 1.0, size=5000)) > 0.5
    assert practice.psi(ref, ref) == pytest.approx(0.0, abs=1e-12)


def test_psi_by_hand():
    ref = np.arange(100.0)
    cur = np.r_[np.zeros(50), np.full(50, 99.0)]
    # two bins split at the median 49.5: reference 50/50, current 50/50 -> 0
    assert practice.psi(ref, cur, n_bins=2) == pytest.approx(0.0, abs=1e-12)
    cur = np.zeros(100)  # all in the first bin: (1-.5)ln(1/.5) + (1e-4-.5)ln(1e-4/.5)
    want = 0.5 * np.log(2) + (1e-4 - 0.5) * np.log(1e-4 / 0.5)
    assert practice.psi(ref, cur, n_bins=2) == pytest.approx(want)


def test_drift_monitor_alarm_and_retrain_rule():
    rng = np.random.default_rng(0)
    monitor = practice.DriftMonitor(rng.normal(size=3000), threshold=0.25, patience=3)
    days = [rng.normal(size=300) for _ in range(3)] + [rng.normal(2, 1, 300) for _ in range(4)]
    states = [monitor.update(d) for d in days]
    assert [s["alarm"] for s in states] == [False] * 3 + [True] * 4
    assert [s["retrain"] for s in states] == [False] * 5 + [True] * 2
    ks = [stats.ks_2samp(monitor.reference, d).statistic for d in days]
    assert min(ks[3:]) > 0.3 > max(ks[:3])  # the KS statistic agrees on which days drifted
    monitor.reset(days[-1])
    assert not monitor.update(rng.normal(2, 1, 300))["alarm"]


def test_drift_monitor_rejects_bad_parameters():
    with pytest.raises(ValueError, match="threshold"):
        practice.DriftMonitor(np.ones(10), threshold=0)
    with pytest.raises(ValueError):
        practice.DriftMonitor(np.ones(10), patience=0)


@pytest.mark.parametrize("bad, error", [
    (True, TypeError),            # used to be accepted as the threshold 1.0
    ("0.25", TypeError), (None, TypeError),
    (np.inf, ValueError), (np.nan, ValueError), (-0.1, ValueError),
])
def test_drift_monitor_threshold_is_a_positive_finite_number(bad, error):
    with pytest.raises(error, match="threshold must be"):
        practice.DriftMonitor(np.ones(10), threshold=bad)


def test_feature_psi_flags_only_the_changed_column():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(3000, 3)) * [1, 5, 20]      # each column against its own reference
    cur = rng.normal(size=(300, 3)) * [1, 5, 20]
    cur[:, 1] *= 3.0
    values = practice.feature_psi(ref, cur)
    assert values.shape == (3,) and values[1] > 0.25 > max(values[0], values[2])
    with pytest.raises(ValueError, match="current has 2 columns"):
        practice.feature_psi(ref, cur[:, :2])


def test_drift_monitor_on_inputs_names_the_feature():
    rng = np.random.default_rng(1)
    monitor = practice.DriftMonitor(rng.normal(size=(3000, 4)), threshold=0.2, patience=2)
    quiet = monitor.update(rng.normal(size=(300, 4)))
    assert not quiet["alarm"] and "feature" in quiet
    shifted = rng.normal(size=(300, 4))
    shifted[:, 2] += 2.0
    states = [monitor.update(shifted) for _ in range(2)]
    assert [s["feature"] for s in states] == [2, 2] and [s["retrain"] for s in states] == [False, True]
    with pytest.raises(ValueError, match="1-D scores or a 2-D"):
        practice.DriftMonitor(np.ones((3, 3, 3)))


def test_alarm_rate_upper_bound_is_clopper_pearson():
    rate, upper = practice.alarm_rate(np.zeros(36, dtype=bool))
    assert rate == 0.0 and upper == pytest.approx(1 - 0.05 ** (1 / 36))   # the "rule of three"
    rate, upper = practice.alarm_rate([1, 0, 0, 0])
    assert rate == 0.25 and upper == pytest.approx(stats.beta.ppf(0.95, 2, 3))
    assert practice.alarm_rate([1, 1])[1] == 1.0
    with pytest.raises(ValueError, match="0/1"):
        practice.alarm_rate([0, 2])
    with pytest.raises(ValueError, match="non-empty"):
        practice.alarm_rate([])


class _MeanDistance:
    """A tiny detector with the course's contract (fit / decision_function, clonable)."""

    def __init__(self, shift=0.0):
        self.shift = shift

    def get_params(self, deep=True):
        return {"shift": self.shift}

    def set_params(self, **params):
        self.shift = params.get("shift", self.shift)
        return self

    def fit(self, X):
        self.center_ = X.mean(axis=0)
        return self

    def decision_function(self, X):
        return np.linalg.norm(X - self.center_, axis=1)


def test_retrain_unlabelled_holds_out_the_reference_and_trims():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(980, 2)), rng.normal(50.0, 1.0, size=(20, 2))]   # 2 % far away
    old = _MeanDistance().fit(np.zeros((5, 2)) + 7)
    new, reference = practice.retrain_unlabelled(old, X, random_state=0)
    assert new is not old and np.allclose(old.center_, 7)             # the old one is untouched
    assert 150 < len(reference) < 250 and new.n_trained_rows_ + len(reference) == len(X)
    trimmed, _ = practice.retrain_unlabelled(old, X, trim=0.02, random_state=0)
    assert trimmed.n_trained_rows_ < new.n_trained_rows_
    assert np.abs(trimmed.center_).max() < 0.2 < np.abs(new.center_).max()   # the far rows dropped
    with pytest.raises(ValueError, match="trim"):
        practice.retrain_unlabelled(old, X, trim=0.6)


def test_top_k_hits_and_chance():
    A = np.array([[0.1, 0.9, 0.5], [0.8, 0.1, 0.2]])
    assert practice.top_k_hits(A, [1], k=1).tolist() == [True, False]
    assert practice.top_k_hits(A, [2], k=2).tolist() == [True, True]
    assert practice.chance_hit_rate(12, 4, 1) == pytest.approx(4 / 12)
    assert practice.chance_hit_rate(12, 4, 3) == pytest.approx(1 - (8 * 7 * 6) / (12 * 11 * 10))
    # the chance level is what a random order achieves
    rng = np.random.default_rng(0)
    random_hits = practice.top_k_hits(rng.random((20000, 12)), [0, 1, 2, 3], k=3).mean()
    assert random_hits == pytest.approx(practice.chance_hit_rate(12, 4, 3), abs=0.01)
    with pytest.raises(ValueError, match="k must be at most"):
        practice.top_k_hits(A, [0], k=4)


def test_explanation_hit_rates_table():
    names = ["a", "b", "c"]
    A = np.array([[3.0, 1, 0], [0, 3.0, 1], [0, 1, 3.0]])
    rows = practice.explanation_hit_rates({"m": A}, ["x", "x", "y"], {"x": ("a",), "y": ("c",)},
                                          names, ks=(1,))
    assert rows == [{"type": "x", "n": 2, "chance@1": pytest.approx(1 / 3), "m@1": 0.5},
                    {"type": "y", "n": 1, "chance@1": pytest.approx(1 / 3), "m@1": 1.0}]
    with pytest.raises(ValueError, match="unknown features"):
        practice.explanation_hit_rates({"m": A}, ["x"] * 3, {"x": ("zz",)}, names)


def test_transaction_signatures_name_real_features():
    from course_utils.datasets import _transactions

    assert set(practice.TRANSACTION_SIGNATURES) == set(_transactions.FRAUD_TYPES)
    for features in practice.TRANSACTION_SIGNATURES.values():
        assert set(features) <= set(_transactions.TRANSACTION_FEATURES)


@pytest.mark.slow  # trains an autoencoder (the fitted fixture)
def test_zscore_and_gradient_attribution(fitted):
    ae, X = fitted
    z = practice.zscore_attribution(ae, X[:5])
    np.testing.assert_allclose(z, np.abs((X[:5] - ae.mean_) / ae.scale_))
    g = practice.gradient_attribution(ae, X[:5])
    assert g.shape == (5, 6) and (g >= 0).all()
    # gradient x input against a finite difference of the score, feature 0 of row 0
    Z = (X[:1] - ae.mean_) / ae.scale_
    h = 1e-2
    bumped = Z.copy()
    bumped[0, 0] += h
    slope = (ae.decision_function(bumped * ae.scale_ + ae.mean_)[0]
             - ae.decision_function(X[:1])[0]) / h
    assert g[0, 0] == pytest.approx(abs(slope * Z[0, 0]), rel=0.05, abs=1e-4)


@pytest.mark.slow  # trains from files with TensorFlow
def test_streaming_autoencoder_learns_scaling_from_the_stream(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(700, 5)) * [1, 10, 100, 0.1, 5] + [0, 5, -50, 3, 1]
    files = practice.write_csv_shards(X, tmp_path, n_shards=3, chunk_rows=100)
    assert [f.name for f in files] == ["part-0.csv", "part-1.csv", "part-2.csv"]
    batches = list(practice.csv_stream(files, 5, batch_size=64))
    assert sum(len(b) for b in batches) == 700 and max(len(b) for b in batches) <= 64
    det = practice.StreamingAutoencoder(5, hidden=(8,), bottleneck=2, epochs=2, batch_size=64).fit(files)
    assert det.n_rows_ == 700 and len(det.history_) == 2
    np.testing.assert_allclose(det.mean_, X.mean(axis=0), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(det.scale_, X.std(axis=0), rtol=1e-4)
    np.testing.assert_allclose(det.score_files(files[:1]), det.decision_function(X[:234]), rtol=1e-5)
    with pytest.raises(ValueError, match="columns"):
        det.decision_function(X[:, :4])


# --- model card ----------------------------------------------------------------------------

def _card_fields():
    return dict(
        name="fraud AE", version="1.0", date="2026-12-02", intended_use="Rank card payments.",
        out_of_scope=["network traffic", "automatic blocking"], training="3,000 normal rows.",
        threshold=0.123456, threshold_rationale="the 95th percentile of training scores",
        performance=[
            {"setting": "test, 36 days", "metric": "ROC-AUC", "mean": 0.90163, "sd": None, "n": 1,
             "over": "run"},
            {"setting": "full split", "metric": "ROC-AUC", "mean": 0.87204, "sd": 0.00829, "n": 3,
             "over": "seeds"}],
        blind_spots=["beaconing is untested"], monitoring="PSI > 0.2 three days in a row.")


def test_model_card_renders_every_section_and_numbers_as_given():
    card = practice.ModelCard(**_card_fields())
    md = card.to_markdown()
    sections = ["# Model card: fraud AE", "Version 1.0 · 2026-12-02", "## Intended use",
                "## Out of scope", "## Training data and protocol", "## Threshold",
                "## Measured performance", "## Known blind spots",
                "## Drift monitoring and retraining"]
    positions = [md.index(s) for s in sections]
    assert positions == sorted(positions), "sections in the fixed order"
    for text in ["Rank card payments.", "- network traffic", "- automatic blocking",
                 "3,000 normal rows.", "the 95th percentile of training scores",
                 "- beaconing is untested", "PSI > 0.2 three days in a row."]:
        assert text in md
    assert "**0.1235**" in md
    assert "| test, 36 days | ROC-AUC | 0.902 | 1 run |" in md
    assert "| full split | ROC-AUC | 0.872 ± 0.008 | 3 seeds |" in md
    wide = practice.ModelCard(**{**_card_fields(), "decimals": 4, "threshold_decimals": 2})
    assert "0.8720 ± 0.0083" in wide.to_markdown() and "**0.12**" in wide.to_markdown()
    assert card.performance[1]["mean"] == 0.87204       # stored unrounded; rounded only when shown


def test_model_card_writes_next_to_a_model(tmp_path):
    card = practice.ModelCard(**_card_fields())
    path = card.write(tmp_path)
    assert path == tmp_path / "MODEL_CARD.md"
    assert path.read_text(encoding="utf-8") == card.to_markdown()
    with pytest.raises(ValueError, match="existing directory"):
        card.write(tmp_path / "missing")


def test_model_card_does_not_modify_or_share_its_input():
    fields = _card_fields()
    before = json.dumps(fields, sort_keys=True)
    card = practice.ModelCard(**fields)
    assert json.dumps(fields, sort_keys=True) == before
    fields["performance"][0]["mean"] = 0.1
    fields["blind_spots"].append("added later")
    assert card.performance[0]["mean"] == 0.90163 and card.blind_spots == ("beaconing is untested",)


@pytest.mark.parametrize("change, error, message", [
    ({"performance": []}, ValueError, "at least one measured row"),
    ({"performance": "0.9"}, TypeError, "list of dicts"),
    ({"performance": [0.9]}, TypeError, r"performance\[0\] must be a dict"),
    ({"threshold": float("nan")}, ValueError, "threshold must be a finite number"),
    ({"threshold": "0.1"}, TypeError, "threshold must be a number"),
    ({"intended_use": "  "}, ValueError, "intended_use must not be empty"),
    ({"training": None}, TypeError, "training must be a string"),
    ({"blind_spots": []}, ValueError, "blind_spots must hold at least one item"),
    ({"out_of_scope": "network traffic"}, TypeError, "out_of_scope must be a list of strings"),
    ({"date": "2 December 2026"}, ValueError, "ISO date"),
    ({"decimals": 2.0}, TypeError, "decimals must be an integer"),
])
def test_model_card_rejects_bad_fields(change, error, message):
    with pytest.raises(error, match=message):
        practice.ModelCard(**{**_card_fields(), **change})


@pytest.mark.parametrize("row_change, error, message", [
    ({"mean": float("nan")}, ValueError, r"performance\[1\]\['mean'\] must be a finite number"),
    ({"sd": None}, ValueError, "need their standard deviation"),
    ({"sd": -0.01}, ValueError, r"\['sd'\] must be a finite number >= 0"),
    ({"n": 0}, ValueError, r"\['n'\] must be >= 1"),
    ({"n": 1}, ValueError, "a single run .* has no spread"),
    ({"metric": ""}, ValueError, "metric'\\] must not be empty"),
    ({"seeds": 3}, ValueError, r"unknown \['seeds'\]"),
])
def test_model_card_rejects_bad_performance_rows(row_change, error, message):
    fields = _card_fields()
    fields["performance"][1] = {**fields["performance"][1], **row_change}
    with pytest.raises(error, match=message):
        practice.ModelCard(**fields)
    missing = _card_fields()
    del missing["performance"][1]["sd"]
    with pytest.raises(ValueError, match=r"missing \['sd'\]"):
        practice.ModelCard(**missing)


def test_model_card_requires_every_field():
    fields = _card_fields()
    del fields["monitoring"]
    with pytest.raises(TypeError, match="monitoring"):
        practice.ModelCard(**fields)
