"""The containers every loader and generator returns, and the course's split rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .._validate import check_choice

PROTOCOLS = ("normal-only", "contaminated")
SPLITS = ("train", "val", "test")
FRACTIONS = (0.6, 0.2, 0.2)

_PROTOCOL_TEXT = {
    "normal-only": "the training set holds normal rows only",
    "contaminated": "the training set keeps its natural share of anomalies (y_train says which)",
}


class Event(NamedTuple):
    """A labelled anomalous interval of a time series: rows ``start`` to ``end - 1``.

    ``end`` is exclusive, like a Python slice: ``series[event.start:event.end]``.
    """

    start: int
    end: int
    type: str


@dataclass(frozen=True, repr=False, eq=False)
class GeneratedData:
    """What a ``make_*`` generator returns.

    Attributes
    ----------
    X : (n_rows, n_features) float array (for a time series: one row per time step).
    y : (n_rows,) int array, 1 = anomaly, 0 = normal.
    types : (n_rows,) str array, ``"normal"`` or the injected anomaly type.
    feature_names : names of the columns of ``X``.
    description : the data card (how the data are made, schema, label meaning).
    time : (n_rows,) float array of timestamps in ``time_unit``, or ``None``.
    events : labelled anomalous intervals (time series only).
    groups : extra per-row integer arrays, e.g. ``{"customer": ...}``.
    """

    X: np.ndarray
    y: np.ndarray
    types: np.ndarray
    feature_names: tuple[str, ...]
    description: str
    time: np.ndarray | None = None
    time_unit: str | None = None
    events: tuple[Event, ...] = ()
    groups: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def anomaly_types(self) -> tuple[str, ...]:
        """The anomaly types present, sorted."""
        return tuple(sorted(set(self.types[self.y == 1].tolist())))

    def __repr__(self) -> str:
        n_anom = int(self.y.sum())
        return (f"GeneratedData(X={self.X.shape}, anomalies={n_anom} "
                f"({100 * n_anom / len(self.y):.2f} %), types={list(self.anomaly_types)})")


@dataclass(frozen=True, repr=False, eq=False)
class AnomalyDataset:
    """One course dataset, already split into train / validation / test.

    ``X_*`` are 2-D float arrays ``(n_samples, n_features)`` without NaN and *unscaled*
    (notebook 05 fits the scaler on the normal training rows); ``y_*`` are 0 (normal) /
    1 (anomaly). ``types_*`` name each row's anomaly type (``"normal"`` for normal rows).
    ``protocol`` says what the training set holds: ``"normal-only"`` (``y_train`` is all 0)
    or ``"contaminated"`` (the natural share of anomalies, labelled in ``y_train``).

    Dataset-specific extras are ``None`` / empty where they do not apply:
    ``time_*`` (timestamps in ``time_unit``, for the temporal datasets), ``images_*``
    (digits as ``(n, 8, 8)``, MNIST as ``(n, 28, 28)``), and for ``machine_sensors`` the whole ``series``,
    its ``timestamps``, ``point_labels``, ``events`` (global row indices) and
    ``events_train`` / ``events_val`` / ``events_test`` (indices into that split's rows).
    """

    name: str
    protocol: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...]
    description: str
    types_train: np.ndarray
    types_val: np.ndarray
    types_test: np.ndarray
    options: dict = field(default_factory=dict)
    time_train: np.ndarray | None = None
    time_val: np.ndarray | None = None
    time_test: np.ndarray | None = None
    time_unit: str | None = None
    images_train: np.ndarray | None = None
    images_val: np.ndarray | None = None
    images_test: np.ndarray | None = None
    series: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    point_labels: np.ndarray | None = None
    events: tuple[Event, ...] = ()
    events_train: tuple[Event, ...] = ()
    events_val: tuple[Event, ...] = ()
    events_test: tuple[Event, ...] = ()

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of ``"train"``, ``"val"`` or ``"test"``."""
        check_choice(which, "split", SPLITS)
        return getattr(self, f"X_{which}"), getattr(self, f"y_{which}")

    def summary(self) -> str:
        """Shapes and class balance as deterministic text (notebooks print it)."""
        names = list(self.feature_names)
        shown = ", ".join(names) if len(names) <= 8 else \
            ", ".join(names[:4]) + ", …, " + ", ".join(names[-2:])
        lines = [f"AnomalyDataset {self.name!r} · protocol {self.protocol!r}: "
                 f"{_PROTOCOL_TEXT[self.protocol]}",
                 f"{self.n_features} features: {shown}",
                 f"{'split':<6}{'rows':>9}{'anomalies':>11}{'share':>9}"]
        for which in SPLITS:
            X, y = self.split(which)
            n_anom = int(y.sum())
            lines.append(f"{which:<6}{X.shape[0]:>9,}{n_anom:>11,}{100 * n_anom / len(y):>8.2f}%")
        kinds = Counter(self.types_test[self.y_test == 1].tolist())
        if len(kinds) > 1:
            lines.append("test anomaly types: "
                         + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
        if self.events_test:
            lines.append(f"events: train {len(self.events_train)}, val {len(self.events_val)}, "
                         f"test {len(self.events_test)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    __str__ = __repr__


# ----------------------------------------------------------------------------- splits

def split_iid(y: np.ndarray, protocol: str, rng: np.random.Generator,
              fractions: tuple[float, float, float] = FRACTIONS) -> dict[str, np.ndarray]:
    """Row indices of train / val / test for data without a time order.

    The normal rows are shuffled and cut 60 / 20 / 20. With ``"normal-only"`` the anomalies
    are shared evenly between val and test (training sees none, none is wasted); with
    ``"contaminated"`` they are cut 60 / 20 / 20 like the normal rows, so every split has
    the natural anomaly share. Each split's rows come in shuffled order.
    """
    normal = rng.permutation(np.flatnonzero(y == 0))
    anomal = rng.permutation(np.flatnonzero(y == 1))
    parts_n = _cut(normal, fractions)
    if protocol == "normal-only":
        half = len(anomal) // 2
        parts_a = [anomal[:0], anomal[:half], anomal[half:]]
    else:
        parts_a = _cut(anomal, fractions)
    return {s: rng.permutation(np.concatenate([pn, pa]))
            for s, pn, pa in zip(SPLITS, parts_n, parts_a, strict=True)}


def split_temporal(time: np.ndarray, y: np.ndarray, protocol: str, start: float, stop: float,
                   fractions: tuple[float, float, float] = FRACTIONS) -> dict[str, np.ndarray]:
    """Row indices of train / val / test by time: the earliest 60 % of the period trains.

    The period ``[start, stop)`` is cut at 60 % and 80 % of its length; rows keep their
    time order. With ``"normal-only"`` the anomalies of the training period are removed
    (as if they had been found and labelled before training).
    """
    b1 = start + fractions[0] * (stop - start)
    b2 = start + (fractions[0] + fractions[1]) * (stop - start)
    order = np.argsort(time, kind="stable")
    t = time[order]
    train = order[t < b1]
    if protocol == "normal-only":
        train = train[y[train] == 0]
    return {"train": train, "val": order[(t >= b1) & (t < b2)], "test": order[t >= b2]}


def _cut(idx: np.ndarray, fractions) -> list[np.ndarray]:
    n = len(idx)
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    return [idx[:n_train], idx[n_train:n_train + n_val], idx[n_train + n_val:]]


def check_both_classes(parts: dict[str, np.ndarray], y: np.ndarray, name: str, hint: str) -> None:
    """Raise ``ValueError`` unless validation and test contain both classes."""
    for which in ("val", "test"):
        values = set(np.unique(y[parts[which]]).tolist())
        if values != {0, 1}:
            raise ValueError(f"The {which} split of {name!r} would not contain both classes "
                             f"(it has only {sorted(values)}). {hint}")


def assemble(name: str, protocol: str, X: np.ndarray, y: np.ndarray, types: np.ndarray,
             parts: dict[str, np.ndarray], feature_names, description: str, options: dict,
             *, time: np.ndarray | None = None, time_unit: str | None = None,
             **extras) -> AnomalyDataset:
    """Build the ``AnomalyDataset`` from whole arrays and the split indices."""
    check_choice(protocol, "protocol", PROTOCOLS)
    fields: dict = {}
    for which in SPLITS:
        idx = parts[which]
        fields[f"X_{which}"] = np.ascontiguousarray(X[idx], dtype=np.float64)
        fields[f"y_{which}"] = y[idx].astype(np.int64)
        fields[f"types_{which}"] = types[idx]
        if time is not None:
            fields[f"time_{which}"] = time[idx].astype(np.float64)
    if protocol == "normal-only" and fields["y_train"].any():
        raise RuntimeError("internal error: anomalies in a normal-only training set")
    return AnomalyDataset(name=name, protocol=protocol, feature_names=tuple(feature_names),
                          description=description, options=dict(options), time_unit=time_unit,
                          **fields, **extras)
