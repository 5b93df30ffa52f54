"""Acceptance tests of ``course_utils.datasets``: offline, deterministic, labelled, leak-free."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import numpy as np
import pytest

from course_utils import _data
from course_utils import datasets as D

NAMES = ["breast_cancer", "digits", "mnist", "mnist_hard", "shuttle", "machine_sensors", "ecg",
         "ecg5000",
         "transactions", "network_flows"]
GENERATED = ["machine_sensors", "ecg", "transactions", "network_flows"]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("course_utils.datasets tried to use the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def default_datasets():
    return {name: D.load(name) for name in NAMES}


def test_list_datasets_names_in_course_order():
    assert D.list_datasets() == NAMES


# ----------------------------------------------------------------------------- every dataset

@pytest.mark.parametrize("name", NAMES)
def test_load_gives_consistent_clean_splits(name, default_datasets):
    ds = default_datasets[name]
    assert ds.name == name and ds.protocol == "normal-only"
    n_features = len(ds.feature_names)
    assert n_features == ds.n_features
    for which in ("train", "val", "test"):
        X, y = ds.split(which)
        types = getattr(ds, f"types_{which}")
        assert X.ndim == 2 and X.shape[1] == n_features and X.dtype == np.float64
        assert np.isfinite(X).all(), f"{which} has NaN/inf"
        assert y.shape == (X.shape[0],) == types.shape and set(np.unique(y)) <= {0, 1}
        assert ((types != "normal") == (y == 1)).all(), "types and labels disagree"
    for which in ("val", "test"):
        assert set(np.unique(getattr(ds, f"y_{which}"))) == {0, 1}, f"{which} lacks a class"
    assert ds.y_train.sum() == 0 and (ds.types_train == "normal").all()
    assert len(ds.description) > 300


@pytest.mark.parametrize("name", NAMES)
def test_contaminated_protocol_puts_anomalies_into_train(name):
    options = {"anomaly_share": 0.05} if name == "mnist" else {}   # nine digits: 90 % otherwise
    ds = D.load(name, protocol="contaminated", **options)
    assert ds.protocol == "contaminated"
    share = ds.y_train.mean()
    assert 0.005 < share < 0.45   # ECG5000's natural share of abnormal beats is 41.6 %
    for which in ("val", "test"):
        assert set(np.unique(getattr(ds, f"y_{which}"))) == {0, 1}


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    a = D.load(name, random_state=3)
    b = D.load(name, random_state=3)
    c = D.load(name, random_state=4)
    for attr in ("X_train", "X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    assert a.summary() == b.summary()
    same_shape = a.X_test.shape == c.X_test.shape
    assert not (same_shape and np.array_equal(a.X_test, c.X_test))


@pytest.mark.parametrize("name", ["breast_cancer", "digits"] + GENERATED)
def test_other_seed_draws_other_data_not_just_another_split(name):
    def pooled(seed):
        ds = D.load(name, random_state=seed, protocol="contaminated")
        X = np.vstack([ds.X_train, ds.X_val, ds.X_test])
        return X[np.lexsort(X.T[::-1])]
    a, b = pooled(3), pooled(4)
    assert a.shape != b.shape or not np.array_equal(a, b)


def test_shuttle_seed_changes_the_split_not_the_data():
    a, b = D.load("shuttle", random_state=3), D.load("shuttle", random_state=4)
    assert not np.array_equal(a.X_train, b.X_train)
    assert np.isclose(a.X_train.sum() + a.X_val.sum() + a.X_test.sum(),
                      b.X_train.sum() + b.X_val.sum() + b.X_test.sum())


def test_loading_does_not_touch_numpy_global_state():
    np.random.seed(123)  # noqa: NPY002 - checking that the global state is left alone
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    D.load("digits")
    D.make_transactions(n_transactions=2000, rng=1)
    after = np.random.get_state()[1]  # noqa: NPY002
    np.testing.assert_array_equal(before, after)


def test_summary_is_deterministic_text_with_shapes(default_datasets):
    ds = default_datasets["shuttle"]
    text = repr(ds)
    assert text == str(ds) == ds.summary()
    assert "protocol 'normal-only'" in text
    assert f"{ds.X_train.shape[0]:,}" in text and "0.00%" in text
    lines = text.splitlines()
    assert [ln.split()[0] for ln in lines[3:6]] == ["train", "val", "test"]


# ----------------------------------------------------------------------------- real data

def test_shuttle_counts_match_odds():
    X, y = D.read_shuttle()
    assert X.shape == (49_097, 9)
    assert int(y.sum()) == 3511
    assert round(100 * y.mean(), 2) == 7.15


def test_shuttle_splits_use_every_row():
    ds = D.load("shuttle")
    total = sum(ds.split(w)[0].shape[0] for w in ("train", "val", "test"))
    assert total == 49_097
    assert ds.y_val.sum() + ds.y_test.sum() == 3511
    assert ds.feature_names == tuple(f"f{i}" for i in range(1, 10))
    assert "CC BY 4.0" in ds.description and "10.24432/C5WS31" in ds.description


def test_shuttle_checksum_failure_names_the_file(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(_data.data_dir(), copy)
    target = copy / "shuttle.csv.gz"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    target.write_bytes(bytes(raw))
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    with pytest.raises(_data.DataFileError, match=r"shuttle\.csv\.gz.*corrupted") as err:
        D.load("shuttle")
    assert "git checkout -- data/shuttle.csv.gz" in str(err.value)


def test_shuttle_missing_file_names_the_file(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(_data.data_dir(), copy)
    (copy / "shuttle.csv.gz").unlink()
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    with pytest.raises(_data.DataFileError, match=r"shuttle\.csv\.gz.*missing"):
        D.load("shuttle")


def test_data_files_all_verify():
    assert _data.verify_data_files() == []
    listed = _data.read_checksums()
    assert "shuttle.csv.gz" in listed and "ecg5000/ECG5000_TEST.tsv.gz" in listed
    assert "mnist5k.csv.gz" in listed
    assert sum(name.startswith("nab/") and name.endswith(".csv.gz") and "reference" not in name
               for name in listed) == 58


def test_every_data_file_is_listed_and_has_a_card():
    listed = set(_data.read_checksums())
    root = _data.data_dir()
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.is_file() and p.parent != root or p.suffix == ".gz"}
    assert on_disk <= listed, f"data files without a checksum: {sorted(on_disk - listed)[:5]}"
    for name in listed:
        card = name.split("/")[0] if "/" in name else name.split(".")[0]
        assert (root / f"{card}.md").is_file(), f"{name} has no data card data/{card}.md"


# ----------------------------------------------------------------------------- ECG5000

def test_ecg5000_counts_and_types():
    X, label = D.read_ecg5000()
    assert X.shape == (5000, 140)
    assert np.bincount(label).tolist() == [0, 2919, 1767, 96, 194, 24]
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-6)     # z-normalised beat by beat
    ds = D.load("ecg5000", random_state=0)
    assert sum(len(ds.split(w)[1]) for w in ("train", "val", "test")) == 5000
    assert set(ds.types_test.tolist()) == {"normal", *D.ECG5000_TYPES.values()}
    assert "automatic beat classifier" in ds.description.replace("\n", " ")
    assert "ODC-By" in ds.description


@pytest.mark.parametrize("share", [0.05, 0.2])
def test_ecg5000_anomaly_share_subsamples_every_split_with_anomalies(share):
    ds = D.load("ecg5000", random_state=1, anomaly_share=share)
    full = D.load("ecg5000", random_state=1)
    for which in ("val", "test"):
        y = ds.split(which)[1]
        assert abs(y.mean() - share) < 0.01
        assert (y == 0).sum() == (full.split(which)[1] == 0).sum()   # every normal beat kept
    assert ds.y_train.sum() == 0


def test_ecg5000_rejects_a_bad_share():
    with pytest.raises(ValueError, match=r"anomaly_share must be in \(0, 1\)"):
        D.load("ecg5000", anomaly_share=1.5)
    with pytest.raises(TypeError, match="anomaly_share must be a number"):
        D.load("ecg5000", anomaly_share="5%")


def test_ecg5000_corrupted_file_names_the_file(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(_data.data_dir(), copy)
    target = copy / "ecg5000" / "ECG5000_TRAIN.tsv.gz"
    raw = bytearray(target.read_bytes())
    raw[100] ^= 0xFF
    target.write_bytes(bytes(raw))
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    D.read_ecg5000.cache_clear()
    try:
        with pytest.raises(_data.DataFileError, match=r"ECG5000_TRAIN\.tsv\.gz.*corrupted") as e:
            D.read_ecg5000()
        assert "data/ecg5000.md" in str(e.value)
    finally:
        D.read_ecg5000.cache_clear()


# ----------------------------------------------------------------------------- NAB

def test_nab_corpus_has_58_series_and_116_windows():
    names = D.nab_names()
    assert len(names) == 58 and names == sorted(names)
    assert len(D.nab_names("realKnownCause")) == 7
    series = [D.nab_series(n) for n in names]
    assert sum(len(s.windows) for s in series) == 116
    assert sum(len(s.values) for s in series) == 365_558
    assert sum(s.clock_changes > 0 for s in series) == 8       # daylight-saving artefacts


def test_nab_series_fields_agree():
    s = D.nab_series("nyc_taxi")
    assert s.name == "realKnownCause/nyc_taxi" and s.category == "realKnownCause"
    assert len(s.timestamps) == len(s.values) == len(s.point_labels) == 10_320
    assert s.step_minutes == 30 and s.points_per_day == 48
    assert s.probationary_length == 750 == D.nab_probationary_length(10_320)
    assert len(s.windows) == len(s.events) == len(s.anomaly_points) == 5
    for (first, last), e, p in zip(s.windows, s.events, s.anomaly_points, strict=True):
        assert s.timestamps[e.start] == first and s.timestamps[e.end - 1] == last
        assert e.start <= p < e.end                            # each window holds its labelled point
        assert s.point_labels[e.start:e.end].all()
    assert s.point_labels.sum() == sum(e.end - e.start for e in s.events)
    assert str(s.windows[0][0]) == "2014-10-30T15:30:00"        # the marathon's window
    assert "10,320 rows every 30 min" in repr(s)


def test_nab_probationary_length_is_nabs_rule():
    assert D.nab_probationary_length(4032) == 604                # floor(0.15 * 4032)
    assert D.nab_probationary_length(22_695) == 750              # capped at 0.15 * 5000
    with pytest.raises(ValueError, match="n_rows must be a positive integer"):
        D.nab_probationary_length(0)
    with pytest.raises(ValueError, match=r"probationary_percent must be in \[0, 1\)"):
        D.nab_probationary_length(100, 1.5)


def test_nab_series_arrays_are_copies():
    a = D.nab_series("art_daily_jumpsup")
    a.values[:] = 0.0
    assert D.nab_series("art_daily_jumpsup").values.std() > 0


def test_nab_series_unknown_name_suggests():
    with pytest.raises(ValueError, match="Did you mean.*nyc_taxi"):
        D.nab_series("taxi")
    with pytest.raises(ValueError, match="Unknown NAB category"):
        D.nab_names("realStocks")
    with pytest.raises(TypeError, match="must be a string"):
        D.nab_series(3)


def test_nab_corrupted_file_names_the_file_and_card(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(_data.data_dir(), copy)
    target = copy / "nab" / "realKnownCause" / "nyc_taxi.csv.gz"
    raw = bytearray(target.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    target.write_bytes(bytes(raw))
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    from course_utils.datasets import _nab
    _nab._read.cache_clear()
    try:
        with pytest.raises(_data.DataFileError, match=r"nyc_taxi\.csv\.gz.*corrupted") as err:
            D.nab_series("nyc_taxi")
        assert "data/nab.md" in str(err.value)
    finally:
        _nab._read.cache_clear()


@pytest.mark.parametrize(("n_malignant", "expected"), [(10, 10), (21, 21), (None, 212)])
def test_breast_cancer_subsamples(n_malignant, expected):
    ds = D.load("breast_cancer", n_malignant=n_malignant, protocol="contaminated")
    n_anom = sum(int(ds.split(w)[1].sum()) for w in ("train", "val", "test"))
    n_rows = sum(ds.split(w)[0].shape[0] for w in ("train", "val", "test"))
    assert n_anom == expected and n_rows == 357 + expected


def test_breast_cancer_subsample_depends_on_seed_only():
    def malignant_rows(seed):
        ds = D.load("breast_cancer", random_state=seed, n_malignant=10)
        X = np.vstack([ds.X_val[ds.y_val == 1], ds.X_test[ds.y_test == 1]])
        return X[np.lexsort(X.T[::-1])]
    np.testing.assert_array_equal(malignant_rows(5), malignant_rows(5))
    assert not np.array_equal(malignant_rows(5), malignant_rows(6))


def test_digits_one_class_images_in_unit_range():
    ds = D.load("digits", normal_digit=3, contamination=0.2)
    assert ds.X_train.shape[1] == 64 and ds.feature_names[9] == "pixel_1_1"
    assert ds.images_train.shape == (ds.X_train.shape[0], 8, 8)
    np.testing.assert_array_equal(ds.images_test.reshape(len(ds.X_test), -1), ds.X_test)
    assert ds.X_train.min() >= 0.0 and ds.X_train.max() <= 1.0 and ds.X_train.max() == 1.0
    assert "digit 3" not in set(ds.types_test)
    assert {t.startswith("digit ") for t in ds.types_test[ds.y_test == 1]} == {True}
    total = np.concatenate([ds.y_train, ds.y_val, ds.y_test])
    assert abs(total.mean() - 0.2) < 0.01


# ----------------------------------------------------------------------------- MNIST-5k

def test_mnist5k_has_500_images_per_digit_in_unit_range():
    X, digit = D.read_mnist5k()
    assert X.shape == (5000, 784) and np.bincount(digit).tolist() == [500] * 10
    assert X.min() == 0.0 and X.max() == 1.0
    assert not X.flags.writeable


@pytest.mark.parametrize("normal_digit", [0, 7])
def test_mnist_one_class_layout(normal_digit):
    ds = D.load("mnist", normal_digit=normal_digit, random_state=1)
    assert ds.feature_names[29] == "pixel_1_1" and ds.n_features == 784
    assert (len(ds.y_train), ds.y_train.sum()) == (300, 0)
    for which in ("val", "test"):
        y, types = ds.split(which)[1], getattr(ds, f"types_{which}")
        assert (y == 0).sum() == 100 and y.sum() == 2250
        assert f"digit {normal_digit}" not in set(types)
        assert len({t for t in types if t != "normal"}) == 9      # every other digit
    np.testing.assert_array_equal(ds.images_test.reshape(len(ds.X_test), -1), ds.X_test)
    assert "CC BY-SA 3.0" in ds.description and f"digit {normal_digit} is normal" in ds.description


def test_mnist_hard_direction_nine_digits_normal_one_anomalous():
    ds = D.load("mnist_hard", anomaly_digit=4, random_state=2)
    assert len(ds.y_train) == 2700 and ds.y_train.sum() == 0
    for which in ("val", "test"):
        y, types = ds.split(which)[1], getattr(ds, f"types_{which}")
        assert abs(y.mean() - 0.05) < 0.002 and set(types[y == 1]) == {"digit 4"}
    everything = D.load("mnist_hard", anomaly_digit=4, random_state=2, anomaly_share=None)
    assert everything.y_val.sum() + everything.y_test.sum() == 500
    assert "ODDS" in ds.description


def test_mnist_corrupted_file_names_the_file_and_its_card(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(_data.data_dir(), copy)
    target = copy / "mnist5k.csv.gz"
    raw = bytearray(target.read_bytes())
    raw[1000] ^= 0xFF
    target.write_bytes(bytes(raw))
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    D.read_mnist5k.cache_clear()
    try:
        with pytest.raises(_data.DataFileError, match=r"mnist5k\.csv\.gz.*corrupted") as err:
            D.load("mnist")
        assert "data/mnist5k.md" in str(err.value)
    finally:
        D.read_mnist5k.cache_clear()


# ----------------------------------------------------------------------------- generators

def test_machine_sensors_every_event_type_present_and_labelled():
    g = D.make_machine_sensors(rng=0)
    assert g.X.shape == (12 * 288, 4) and g.feature_names == D.SENSORS
    assert sorted(e.type for e in g.events) == sorted(D.SENSOR_EVENT_TYPES * 2)
    expected = np.zeros(len(g.y), dtype=int)
    for start, end, kind in g.events:
        assert 0 < start < end <= len(g.y)
        assert (g.types[start:end] == kind).all()
        assert expected[start:end].sum() == 0, "events overlap"
        expected[start:end] = 1
    np.testing.assert_array_equal(g.y, expected)
    assert g.y[: 6 * 288].sum() == 0, "anomalies inside the clean days"
    assert set(g.anomaly_types) == set(D.SENSOR_EVENT_TYPES)


def test_machine_sensors_patterns_are_what_the_card_says():
    g = D.make_machine_sensors(rng=1)
    for start, end, kind in g.events:
        seg = g.X[start:end]
        if kind == "stuck_sensor":
            assert (np.ptp(seg, axis=0) == 0).any(), "no sensor is flat during stuck_sensor"
        if kind == "missing_peak":
            day_before = g.X[start - 288:end - 288, 2]
            assert seg[:, 2].mean() < day_before.mean(), "the current peak did not go missing"
    corr = np.corrcoef(g.X[g.y == 0, 2], g.X[g.y == 0, 3])[0, 1]
    assert corr > 0.9, "current and pressure should be coupled"


def test_machine_sensors_dataset_exposes_series_and_local_events():
    ds = D.load("machine_sensors")
    n_train, n_val = len(ds.X_train), len(ds.X_val)
    np.testing.assert_array_equal(ds.series[:n_train], ds.X_train)
    np.testing.assert_array_equal(ds.point_labels[n_train + n_val:], ds.y_test)
    assert ds.timestamps.shape == (len(ds.series),) and ds.time_unit == "minutes"
    assert np.all(np.diff(ds.timestamps) == 5)
    for local, offset in ((ds.events_val, n_train), (ds.events_test, n_train + n_val)):
        assert sorted(e.type for e in local) == sorted(D.SENSOR_EVENT_TYPES)
        for start, end, _ in local:
            assert (ds.point_labels[offset + start:offset + end] == 1).all()
    y_test = np.zeros(len(ds.y_test), dtype=int)
    for start, end, _ in ds.events_test:
        y_test[start:end] = 1
    np.testing.assert_array_equal(y_test, ds.y_test)
    assert ds.events_train == ()


def test_ecg_every_anomaly_type_present_in_equal_shares():
    g = D.make_ecg_beats(1000, contamination=0.2, rng=0)
    assert g.X.shape == (1000, 140)
    assert g.y.sum() == 200
    kinds, counts = np.unique(g.types[g.y == 1], return_counts=True)
    assert tuple(kinds) == tuple(sorted(D.ECG_ANOMALY_TYPES))
    assert counts.max() - counts.min() <= 1
    normal = g.X[g.y == 0]
    assert 40 <= int(np.median(normal.argmax(axis=1))) <= 70, "R peak not near sample 56"
    t_wave = g.X[:, 85:100].mean(axis=1)
    assert np.median(t_wave[g.types == "t_inversion"]) < 0 < np.median(t_wave[g.y == 0])


def test_transactions_every_fraud_type_present_and_rate():
    g = D.make_transactions(rng=0)
    assert g.X.shape == (20_000, len(D.TRANSACTION_FEATURES))
    assert set(g.anomaly_types) == set(D.FRAUD_TYPES)
    assert 0.01 <= g.y.mean() <= 0.02
    assert np.all(np.diff(g.time) >= 0), "rows are not in time order"
    f = {name: g.X[:, i] for i, name in enumerate(D.TRANSACTION_FEATURES)}
    testing = g.types == "card_testing"
    assert (f["amount"][testing] < 5).all() and (f["is_online"][testing] == 1).all()
    fast = f["speed_from_last_kmh"] > 130
    assert fast[g.types == "impossible_travel"].mean() > 0.4 > 20 * fast[g.y == 0].mean()


def test_transactions_history_features_use_only_the_past():
    g = D.make_transactions(n_transactions=3000, n_customers=40, rng=2)
    f = {name: g.X[:, i] for i, name in enumerate(D.TRANSACTION_FEATURES)}
    cust, t = g.groups["customer"], g.time
    for i in np.random.default_rng(0).choice(len(t), 200, replace=False):
        earlier = (cust == cust[i]) & ((t < t[i]) | ((t == t[i]) & (np.arange(len(t)) < i)))
        assert f["n_tx_last_24h"][i] == np.sum(earlier & (t >= t[i] - 24))
        gap = t[i] - t[earlier].max() if earlier.any() else np.inf
        assert f["time_since_last_h"][i] == pytest.approx(min(gap, 240.0), abs=1e-3)
        mean_past = (f["amount"][earlier].sum() + 3 * 40.0) / (earlier.sum() + 3)
        assert f["amount_to_mean_ratio"][i] == pytest.approx(f["amount"][i] / mean_past,
                                                               abs=1e-3)


def test_transactions_missing_values_only_when_asked():
    clean = D.make_transactions(n_transactions=4000, rng=0)
    assert np.isfinite(clean.X).all()
    holes = D.make_transactions(n_transactions=4000, missing_rate=0.1, rng=0)
    missing = np.isnan(holes.X).mean(axis=0)
    cols = {name: i for i, name in enumerate(D.TRANSACTION_FEATURES)}
    for name in ("distance_from_home_km", "speed_from_last_kmh", "category"):
        assert 0.07 < missing[cols[name]] < 0.13
    assert missing[cols["amount"]] == 0 and missing[cols["hour"]] == 0


def test_network_flows_every_attack_type_present_and_shaped():
    g = D.make_network_flows(rng=0)
    assert g.X.shape == (20_000, len(D.FLOW_FEATURES))
    assert set(g.anomaly_types) == set(D.ATTACK_TYPES)
    assert g.y.sum() == 1000
    assert np.all(np.diff(g.time) >= 0)
    f = {name: g.X[:, i] for i, name in enumerate(D.FLOW_FEATURES)}
    scan, flood = g.types == "port_scan", g.types == "syn_flood"
    assert (f["ack"][scan | flood] == 0).all() and (f["syn"][scan | flood] == 1).all()
    assert np.median(f["serror_rate_60s"][flood]) > 0.9 > np.median(f["serror_rate_60s"][g.y == 0])
    assert np.median(f["count_dst_60s"][flood]) > 10
    beacon = g.types == "beaconing"
    assert np.median(f["gap_jitter_s"][beacon]) < 5 < np.median(f["gap_jitter_s"][g.y == 0])
    exfil = g.types == "exfiltration"
    assert f["bytes_out"][exfil].min() > f["bytes_out"][g.y == 0].max()


@pytest.mark.parametrize("name", ["transactions", "network_flows"])
def test_temporal_split_trains_on_the_earliest_rows(name):
    for protocol in ("normal-only", "contaminated"):
        ds = D.load(name, protocol=protocol)
        assert ds.time_train.max() < ds.time_val.min()
        assert ds.time_val.max() < ds.time_test.min()
    gen = (D.make_transactions if name == "transactions" else D.make_network_flows)(rng=0)
    dropped = len(gen.y) - sum(len(ds.split(w)[1]) for w in ("train", "val", "test"))
    assert dropped == 0  # the contaminated protocol keeps every row


@pytest.mark.parametrize("maker", [D.make_machine_sensors, D.make_ecg_beats,
                                   D.make_transactions, D.make_network_flows])
def test_generators_are_deterministic_for_a_seed(maker):
    a, b, c = maker(rng=7), maker(rng=7), maker(rng=8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.types, b.types)
    assert not np.array_equal(a.X, c.X)
    assert "Synthetic" in a.description


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: D.load("mnist_full"), ValueError, "expected one of 'breast_cancer'"),
    (lambda: D.load("mnist", normal_digit=10), ValueError, "normal_digit must be an integer"),
    (lambda: D.load("mnist", normal_digit=True), ValueError, "normal_digit must be an integer"),
    (lambda: D.load("mnist_hard", anomaly_digit=-1), ValueError, "anomaly_digit must be"),
    (lambda: D.load("mnist_hard", anomaly_share=1.5), ValueError, r"anomaly_share must be in"),
    (lambda: D.load("mnist", protocol="contaminated"), ValueError, "needs an anomaly_share"),
    (lambda: D.load("mnist", normal=3), TypeError, "options are: normal_digit, anomaly_share"),
    (lambda: D.load("digits", normal_digit=12), ValueError, "normal_digit must be"),
    (lambda: D.load("digits", normal_digit=2.5), ValueError, "normal_digit must be"),
    (lambda: D.load("digits", contamination=0.7), ValueError, r"contamination must be in \(0"),
    (lambda: D.load("digits", contamination=0.0), ValueError, "contamination must be in"),
    (lambda: D.load("ecg", contamination=-0.1), ValueError, "contamination must be in"),
    (lambda: D.load("digits", protocol="semi"), ValueError, "Unknown protocol 'semi'"),
    (lambda: D.load("digits", normal=3), TypeError, "options are: normal_digit, contamination"),
    (lambda: D.load("shuttle", contamination=0.1), TypeError, "options are: none"),
    (lambda: D.load("breast_cancer", n_malignant=500), ValueError, "between 2 and 212"),
    (lambda: D.load("breast_cancer", n_malignant=1), ValueError, "n_malignant must be >= 2"),
    (lambda: D.load("machine_sensors", n_days=10), ValueError, "multiple of 4"),
    (lambda: D.load("ecg", random_state="seed"), TypeError, "rng / random_state"),
    (lambda: D.make_machine_sensors(freq_minutes=7), ValueError, "must divide 60"),
    (lambda: D.make_machine_sensors(n_days=4, clean_days=4), ValueError, "clean_days"),
    (lambda: D.make_machine_sensors(n_days=4, clean_days=3, events_per_type=2), ValueError,
     "blocks"),
    (lambda: D.make_ecg_beats(3), ValueError, "n_beats must be >= 8"),
    (lambda: D.make_transactions(missing_rate=0.6), ValueError, "missing_rate"),
    (lambda: D.make_network_flows(contamination=0.5), ValueError, "contamination"),
    (lambda: D.make_network_flows(rng=1.5), TypeError, "rng"),
])
def test_bad_input_is_rejected_with_a_clear_message(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ----------------------------------------------------------------------------- windows

@pytest.mark.parametrize(("n", "window", "step"), [(10, 3, 1), (10, 3, 2), (10, 3, 3),
                                                   (10, 10, 1), (10, 10, 4), (11, 4, 5),
                                                   (7, 1, 1), (7, 2, 9)])
def test_make_windows_count_and_edges(n, window, step):
    series = np.arange(n, dtype=float)
    w = D.make_windows(series, window, step)
    k = 1 + (n - window) // step
    assert w.shape == (k, window) == (D.n_windows(n, window, step), window)
    np.testing.assert_array_equal(w[0], series[:window])
    last = (k - 1) * step
    np.testing.assert_array_equal(w[-1], series[last:last + window])
    assert last + window <= n < last + window + step


def test_make_windows_multichannel_layout_and_copy():
    series = np.arange(20.0).reshape(10, 2)
    original = series.copy()
    w = D.make_windows(series, 4, 3)
    assert w.shape == (3, 4, 2)
    np.testing.assert_array_equal(w[1], series[3:7])
    w[0, 0, 0] = -1.0
    np.testing.assert_array_equal(series, original)


@pytest.mark.parametrize(("args", "error", "match"), [
    ((np.arange(5.0), 6, 1), ValueError, "window .6. must not be longer"),
    ((np.arange(5.0), 2, 0), ValueError, "step must be >= 1"),
    ((np.arange(5.0), 0, 1), ValueError, "window must be >= 1"),
    ((np.arange(5.0), 2, 1.5), TypeError, "step must be an integer"),
    ((np.zeros((3, 3, 3)), 2, 1), ValueError, "1-D .n,. or 2-D"),
])
def test_make_windows_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        D.make_windows(*args)


def _points_brute_force(scores, n, window, step, how):
    out = np.full(n, np.nan)
    for i in range(n):
        covering = [k for k in range(len(scores)) if k * step <= i < k * step + window]
        if covering:
            vals = scores[covering]
            out[i] = vals.mean() if how == "mean" else vals.max()
        else:
            out[i] = scores[min(i // step, len(scores) - 1)]
    return out


@pytest.mark.parametrize("how", ["mean", "max"])
@pytest.mark.parametrize(("n", "window", "step"), [(20, 5, 1), (20, 5, 2), (23, 6, 4),
                                                   (12, 12, 1), (15, 3, 5)])
def test_windows_to_points_matches_brute_force(n, window, step, how):
    k = D.n_windows(n, window, step)
    scores = np.random.default_rng(n + window + step).random(k)
    kept = scores.copy()
    got = D.windows_to_points(scores, n, window, step, how=how)
    np.testing.assert_allclose(got, _points_brute_force(scores, n, window, step, how))
    np.testing.assert_array_equal(scores, kept)


def test_windows_to_points_one_bad_window_marks_exactly_its_points():
    scores = np.zeros(D.n_windows(30, 5, 1))
    scores[10] = 1.0
    points = D.windows_to_points(scores, 30, 5, 1, how="max")
    np.testing.assert_array_equal(np.flatnonzero(points), np.arange(10, 15))


def test_windows_to_points_end_gives_each_window_score_to_its_last_point():
    points = D.windows_to_points(np.array([0.0, 0.0, 3.0, 0.0]), 6, 3, 1)   # default: "end"
    np.testing.assert_array_equal(points[2:], [0.0, 0.0, 3.0, 0.0])
    assert np.isnan(points[:2]).all()                  # no window has ended there yet
    held = D.windows_to_points(np.array([1.0, 2.0, 4.0]), 8, 3, 2, how="end", fill=-1.0)
    np.testing.assert_array_equal(held, [-1, -1, 1, 1, 2, 2, 4, 4])   # sample and hold


@pytest.mark.parametrize(("n", "window", "step"), [(30, 5, 1), (31, 6, 4), (12, 12, 1),
                                                   (40, 3, 5), (25, 1, 1)])
def test_windows_to_points_end_is_causal(n, window, step):
    """Changing the series after t never changes a point score at or before t."""
    rng = np.random.default_rng(n * window + step)
    series = rng.normal(size=(n, 2))

    def point_scores(s):   # any per-window score; here each window's largest |value|
        w = D.make_windows(s, window, step)
        return D.windows_to_points(np.abs(w).max(axis=(1, 2)), n, window, step, how="end")

    before = point_scores(series)
    for t in range(n - 1):
        changed = series.copy()
        changed[t + 1:] += rng.normal(scale=10.0, size=changed[t + 1:].shape)
        np.testing.assert_array_equal(point_scores(changed)[:t + 1], before[:t + 1])


@pytest.mark.parametrize("how", ["mean", "max"])
def test_retrospective_mappings_look_ahead(how):
    """The reason "mean" and "max" are labelled retrospective: a later value moves earlier scores."""
    scores = np.zeros(D.n_windows(20, 5, 1))
    scores[-1] = 1.0                              # only the last window (points 15-19) is bad
    points = D.windows_to_points(scores, 20, 5, 1, how=how)
    assert points[15] > 0                          # point 15 already carries the score of window 15-19
    assert D.windows_to_points(scores, 20, 5, 1, how="end")[15] == 0.0


def test_windows_to_points_rejects_a_wrong_number_of_scores():
    with pytest.raises(ValueError, match=r"gives 1 \+ \(20 - 5\) // 2 = 8 windows"):
        D.windows_to_points(np.zeros(9), 20, 5, 2)
    with pytest.raises(ValueError, match="Unknown how 'median'"):
        D.windows_to_points(np.zeros(8), 20, 5, 2, how="median")


def test_round_trip_windows_of_a_dataset():
    ds = D.load("machine_sensors")
    w = D.make_windows(ds.X_test, window=24, step=6)
    assert w.shape[1:] == (24, 4)
    score = np.abs(w - w.mean(axis=(0, 1))).mean(axis=(1, 2))
    points = D.windows_to_points(score, len(ds.X_test), 24, 6)
    assert points.shape == ds.y_test.shape
    assert np.isnan(points[:23]).all() and np.isfinite(points[23:]).all()


@pytest.mark.skipif(shutil.which("unshare") is None or not hasattr(os, "geteuid")
                    or os.geteuid() != 0, reason="needs root and util-linux's unshare")
def test_real_data_loaders_work_in_a_network_namespace_without_network():
    """Stronger than the socket patch above: a new network namespace has no route anywhere."""
    code = ("import socket\n"
            "try:\n    socket.create_connection(('pypi.org', 443), timeout=2)\n"
            "    raise SystemExit('the namespace has network')\nexcept OSError:\n    pass\n"
            "from course_utils import datasets\n"
            "assert datasets.load('ecg5000').X_test.shape == (1625, 140)\n"
            "assert datasets.load('shuttle').X_train.shape[1] == 9\n"
            "assert sum(len(datasets.nab_series(n).windows) for n in datasets.nab_names()) == 116\n"
            "print('offline ok')")
    proc = subprocess.run(["unshare", "-n", sys.executable, "-c", code], capture_output=True,
                          text=True, check=False)
    if "Operation not permitted" in proc.stderr:
        pytest.skip("unshare is not permitted in this container")
    assert proc.returncode == 0 and "offline ok" in proc.stdout, proc.stdout + proc.stderr
