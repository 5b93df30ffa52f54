"""The three real datasets: breast cancer (D1), digits (D2) and NASA Shuttle (D3)."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .. import _data
from .._validate import check_fraction, check_positive_int
from ._base import assemble, check_both_classes, split_iid

SPLIT_NOTE_IID = """
## Course split

The normal rows are shuffled and split 60 / 20 / 20 into train / validation / test.
Protocol "normal-only" (default): the anomalies are shared evenly between validation and
test and the training set has none. Protocol "contaminated": the anomalies are split
60 / 20 / 20 like the normal rows, so every split has the natural anomaly share.
Features are not scaled."""

BREAST_CANCER_CARD = """# Data card: breast cancer (course dataset D1, `load("breast_cancer")`)

Source: Breast Cancer Wisconsin (Diagnostic), W. H. Wolberg, W. N. Street and
O. L. Mangasarian (1995), UCI Machine Learning Repository, dataset 17,
https://doi.org/10.24432/C5DW2B, licence CC BY 4.0. Shipped inside scikit-learn
(`sklearn.datasets.load_breast_cancer`), so nothing is downloaded.

Schema: 569 fine-needle-aspirate images of breast masses, 30 numeric features: the mean,
the standard error and the "worst" (mean of the three largest) value of ten properties of
the cell nuclei (radius, texture, perimeter, area, smoothness, compactness, concavity,
concave points, symmetry, fractal dimension). Units differ (area is in the hundreds,
smoothness below 0.2).

Labels: benign = normal (0, 357 rows), malignant = anomaly (1, 212 rows).

How anomalies are made rare: option `n_malignant` keeps all 357 benign rows and draws that
many malignant rows at random (seeded by `random_state`). `n_malignant=21` (default) is
the size of ODDS / PyOD "wbc" (357 + 21, 5.6 % anomalies), `n_malignant=10` the size of
ADBench "WDBC" (357 + 10, 2.7 %); these are the same kind of subsample, not the same rows.
`n_malignant=None` keeps all 212 (37 % anomalies): too many to call them anomalies, which
is the point when showing what contamination does.

Numbers to compare with (ROC-AUC): PyOD wbc IForest .932, LOF .935, OCSVM .932,
AutoEncoder .923; ADBench WDBC IForest .988, OCSVM .989, PCA .991.
""" + SPLIT_NOTE_IID

DIGITS_CARD = """# Data card: one-class digits (course dataset D2, `load("digits")`)

Source: Optical Recognition of Handwritten Digits, E. Alpaydin and C. Kaynak (1998), UCI
Machine Learning Repository, dataset 80, https://doi.org/10.24432/C50P49, licence
CC BY 4.0. scikit-learn ships its 1,797-image test part (`sklearn.datasets.load_digits`),
so nothing is downloaded.

Schema: 8 × 8 grey images of handwritten digits 0–9 (about 180 per digit). `X_*` has the
64 pixels row by row (`pixel_r_c`), scaled from 0…16 to [0, 1] by dividing by 16 (a fixed
unit conversion, not a fitted scaler); `images_*` holds the same values as (n, 8, 8).

Labels: one digit (option `normal_digit`, default 0) is normal; images of the other
digits are anomalies, drawn at random (seeded by `random_state`) so that anomalies are a
share `contamination` (default 0.1) of the data used. `types_*` name each row's digit.

Numbers to compare with (28 × 28 MNIST, a different, larger data set): Deep SVDD
one-class AUROC per normal digit 0…9: 98.0 99.7 91.7 91.9 94.9 88.5 98.3 94.6 93.9 96.5
(Ruff et al., ICML 2018); PyOD optdigits IForest .70, AutoEncoder .60.
""" + SPLIT_NOTE_IID

SHUTTLE_FALLBACK = ("NASA Shuttle (UCI Statlog, CC BY 4.0, https://doi.org/10.24432/C5WS31), "
                    "ODDS convention: class 1 normal, classes 2, 3, 5, 6, 7 anomalies, class 4 "
                    "removed. The data card data/shuttle.md is missing.")


def load_breast_cancer_ds(protocol: str, rng: np.random.Generator, *,
                          n_malignant: int | None = 21, options: dict):
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    X = np.asarray(bunch.data, dtype=np.float64)
    y = (bunch.target == 0).astype(np.int64)  # scikit-learn: 0 = malignant, 1 = benign
    malignant = np.flatnonzero(y == 1)
    if n_malignant is not None:
        n_malignant = check_positive_int(n_malignant, "n_malignant", minimum=2)
        if n_malignant > len(malignant):
            raise ValueError(f"n_malignant must be between 2 and {len(malignant)} (or None for "
                             f"all), got {n_malignant}.")
    sub_rng, split_rng = rng.spawn(2)
    if n_malignant is not None:
        malignant = np.sort(sub_rng.choice(malignant, n_malignant, replace=False))
    keep = np.concatenate([np.flatnonzero(y == 0), malignant])
    X, y = X[keep], y[keep]
    types = np.where(y == 1, "malignant", "normal")
    parts = split_iid(y, protocol, split_rng)
    check_both_classes(parts, y, "breast_cancer", "Use a larger n_malignant.")
    return assemble("breast_cancer", protocol, X, y, types, parts,
                    [str(f) for f in bunch.feature_names], BREAST_CANCER_CARD,
                    {**options, "n_malignant": n_malignant})


def load_digits_ds(protocol: str, rng: np.random.Generator, *, normal_digit: int = 0,
                   contamination: float = 0.1, options: dict):
    from sklearn.datasets import load_digits

    if isinstance(normal_digit, bool) or not isinstance(normal_digit, Integral) \
            or not 0 <= normal_digit <= 9:
        raise ValueError(f"normal_digit must be an integer from 0 to 9, got {normal_digit!r}.")
    contamination = check_fraction(contamination, "contamination")
    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    digit = np.asarray(bunch.target)
    normal = np.flatnonzero(digit == normal_digit)
    others = np.flatnonzero(digit != normal_digit)
    n_anom = max(2, int(round(len(normal) * contamination / (1 - contamination))))
    sub_rng, split_rng = rng.spawn(2)
    anomalies = np.sort(sub_rng.choice(others, n_anom, replace=False))
    keep = np.concatenate([normal, anomalies])
    X, digit = X[keep], digit[keep]
    y = (digit != normal_digit).astype(np.int64)
    types = np.array([f"digit {d}" for d in digit])
    types[y == 0] = "normal"
    parts = split_iid(y, protocol, split_rng)
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    ds = assemble("digits", protocol, X, y, types, parts, names, DIGITS_CARD,
                  {**options, "normal_digit": int(normal_digit), "contamination": contamination},
                  images_train=X[parts["train"]].reshape(-1, 8, 8),
                  images_val=X[parts["val"]].reshape(-1, 8, 8),
                  images_test=X[parts["test"]].reshape(-1, 8, 8))
    return ds


SHUTTLE_FILE = "shuttle.csv.gz"
SHUTTLE_SHAPE = (49_097, 10)


def read_shuttle() -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of the whole Shuttle file, after its SHA-256 was verified."""
    path = _data.data_path(SHUTTLE_FILE)
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    if table.shape != SHUTTLE_SHAPE:  # only possible if SHA256SUMS was edited as well
        raise _data.DataFileError(f"{path} has shape {table.shape}, expected {SHUTTLE_SHAPE}.")
    return table[:, :9], table[:, 9].astype(np.int64)


def load_shuttle_ds(protocol: str, rng: np.random.Generator, *, options: dict):
    X, y = read_shuttle()
    card_path = _data.data_dir() / "shuttle.md"
    card = card_path.read_text(encoding="utf-8") if card_path.exists() else SHUTTLE_FALLBACK
    types = np.where(y == 1, "anomaly", "normal")
    parts = split_iid(y, protocol, rng)
    return assemble("shuttle", protocol, X, y, types, parts,
                    [f"f{i}" for i in range(1, 10)], card, options)
