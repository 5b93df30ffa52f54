"""D5 real: ECG5000, 5,000 heartbeats from one patient with congestive heart failure."""

from __future__ import annotations

import gzip
from functools import lru_cache

import numpy as np

from .. import _data
from .._validate import check_fraction
from ._base import assemble, check_both_classes, split_iid

__all__ = ["ECG5000_TYPES", "read_ecg5000", "load_ecg5000_ds"]

FILES = ("ecg5000/ECG5000_TRAIN.tsv.gz", "ecg5000/ECG5000_TEST.tsv.gz")
BEAT_LENGTH = 140
# UCR class -> the course's type name (class 1 is the normal beat)
ECG5000_TYPES = {2: "r_on_t_pvc", 3: "pvc", 4: "supraventricular", 5: "unclassified"}

CARD_FALLBACK = ("ECG5000 (UCR Time Series Archive 2018, from PhysioNet's BIDMC Congestive "
                 "Heart Failure Database, record chf07): 5,000 z-normalised beats of 140 "
                 "samples; class 1 normal, classes 2-5 abnormal. The data card data/ecg5000.md "
                 "is missing.")


@lru_cache(maxsize=1)
def read_ecg5000() -> tuple[np.ndarray, np.ndarray]:
    """``(X, label)`` of all 5,000 beats (UCR's train file, then its test file), verified.

    X: (5000, 140) float, each beat z-normalised by the archive; label: (5000,) int, UCR's
    class 1-5. Read-only arrays (cached): copy before modifying.
    """
    rows = []
    for name in FILES:
        with gzip.open(_data.data_path(name), "rt", encoding="ascii") as fh:
            rows.append(np.loadtxt(fh, delimiter="\t", dtype=np.float64))
    table = np.concatenate(rows)
    if table.shape != (5000, 1 + BEAT_LENGTH):   # only possible if SHA256SUMS was edited too
        raise _data.DataFileError(f"ECG5000 has shape {table.shape}, expected (5000, 141).")
    X, label = table[:, 1:], table[:, 0].astype(np.int64)
    X.setflags(write=False)
    label.setflags(write=False)
    return X, label


def _subsample_anomalies(parts, y, share, rng):
    """Keep in each split only as many anomalies as make up ``share`` of its rows."""
    out = {}
    for which, idx in parts.items():
        normal, anomal = idx[y[idx] == 0], idx[y[idx] == 1]
        if len(anomal) == 0:
            out[which] = idx
            continue
        keep = max(1, int(round(share * len(normal) / (1 - share))))
        keep = min(keep, len(anomal))
        chosen = rng.choice(anomal, keep, replace=False)
        out[which] = rng.permutation(np.concatenate([normal, chosen]))
    return out


def load_ecg5000_ds(protocol: str, rng: np.random.Generator, *,
                    anomaly_share: float | None = None, options: dict):
    X, label = read_ecg5000()
    y = (label != 1).astype(np.int64)
    types = np.array(["normal"] + [ECG5000_TYPES[c] for c in (2, 3, 4, 5)])[
        np.where(label == 1, 0, label - 1)]
    if anomaly_share is not None:
        anomaly_share = check_fraction(anomaly_share, "anomaly_share", low=0.0, high=1.0)
    split_rng, sub_rng = rng.spawn(2)
    parts = split_iid(y, protocol, split_rng)
    if anomaly_share is not None:
        parts = _subsample_anomalies(parts, y, anomaly_share, sub_rng)
    check_both_classes(parts, y, "ecg5000", "Use a larger anomaly_share.")
    card_path = _data.data_dir() / "ecg5000.md"
    card = card_path.read_text(encoding="utf-8") if card_path.exists() else CARD_FALLBACK
    return assemble("ecg5000", protocol, X, y, types, parts,
                    [f"t{i:03d}" for i in range(BEAT_LENGTH)], card,
                    {**options, "anomaly_share": anomaly_share})
