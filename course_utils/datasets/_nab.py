"""D4 real: the Numenta Anomaly Benchmark (NAB) corpus, shipped in ``data/nab/``.

Derived in notebook 09. ``nab_names()`` lists the 58 series; ``nab_series(name)`` returns one
series with NAB's labelled anomaly windows, ready for :func:`course_utils.metrics.nab_score`.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import _data
from ..metrics import nab_probationary_length
from ._base import Event

__all__ = ["NABSeries", "nab_names", "nab_series", "nab_probationary_length",
           "NAB_PROBATIONARY_PERCENT"]

NAB_PROBATIONARY_PERCENT = 0.15   # NAB's default: the first 15 % of a file (at most 750 rows)
# nab_probationary_length lives with NAB's scorer in course_utils.metrics; re-exported here
_WINDOWS_FILE = "nab/labels/combined_windows.json"
_LABELS_FILE = "nab/labels/combined_labels.json"


@dataclass(frozen=True, repr=False, eq=False)
class NABSeries:
    """One NAB series and its labels.

    Attributes
    ----------
    name : ``"<category>/<file stem>"``, e.g. ``"realKnownCause/nyc_taxi"``.
    timestamps : (n,) ``datetime64[s]``, NAB's local clock times as written in the file.
        They increase, except in 8 files where a daylight-saving change repeats a time
        (up to 11 rows stamped 03:00) or steps back one hour; NAB scores *rows*, and finds
        a window at the first row with its time (see :attr:`clock_changes`).
    values : (n,) float, the metric (NAB files have no missing value).
    windows : NAB's anomaly windows as ``(first, last)`` timestamps, **inclusive** at both
        ends (NAB's convention, what :func:`course_utils.metrics.nab_score` takes).
    events : the same windows as half-open row intervals ``Event(start, end, "window")``,
        the convention of :mod:`course_utils.metrics` (``values[e.start:e.end]``).
    point_labels : (n,) int, 1 inside a window, else 0.
    anomaly_points : (k,) int, the rows NAB's labellers marked as *the* anomaly (each window
        is centred on one of them).
    probationary_length : rows at the start that a detector may learn from and that NAB does
        not score (:func:`nab_probationary_length`).
    """

    name: str
    timestamps: np.ndarray
    values: np.ndarray
    windows: tuple
    events: tuple
    point_labels: np.ndarray
    anomaly_points: np.ndarray
    probationary_length: int

    @property
    def category(self) -> str:
        return self.name.split("/")[0]

    @property
    def step_minutes(self) -> float:
        """The median time between rows, in minutes."""
        return float(np.median(np.diff(self.timestamps).astype(np.int64)) / 60)

    @property
    def clock_changes(self) -> int:
        """Rows whose time does not come after the previous row's (daylight saving)."""
        return int(np.sum(np.diff(self.timestamps).astype(np.int64) <= 0))

    @property
    def points_per_day(self) -> float:
        return 1440.0 / self.step_minutes

    def __repr__(self) -> str:
        days = (self.timestamps[-1] - self.timestamps[0]).astype(np.int64) / 86400
        return (f"NABSeries {self.name!r}: {len(self.values):,} rows every "
                f"{self.step_minutes:g} min ({days:.1f} days), {len(self.windows)} anomaly "
                f"window(s) covering {100 * self.point_labels.mean():.1f} % of the rows, "
                f"probationary period {self.probationary_length} rows")

    __str__ = __repr__


@lru_cache(maxsize=1)
def _labels() -> tuple[dict, dict]:
    with open(_data.data_path(_WINDOWS_FILE), encoding="utf-8") as fh:
        windows = json.load(fh)
    with open(_data.data_path(_LABELS_FILE), encoding="utf-8") as fh:
        points = json.load(fh)
    return windows, points


def nab_names(category: str | None = None) -> list[str]:
    """The NAB series, as ``"<category>/<stem>"`` (58 in all), sorted; optionally one category.

    Categories: artificialNoAnomaly, artificialWithAnomaly, realAWSCloudwatch, realAdExchange,
    realKnownCause, realTraffic, realTweets.
    """
    names = sorted(key[:-len(".csv")] for key in _labels()[0])
    if category is None:
        return names
    categories = sorted({n.split("/")[0] for n in names})
    if category not in categories:
        raise ValueError(f"Unknown NAB category {category!r}; expected one of "
                         + ", ".join(repr(c) for c in categories) + ".")
    return [n for n in names if n.startswith(category + "/")]


def _resolve(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'nyc_taxi', got {type(name).__name__}.")
    names = nab_names()
    stem = name.removesuffix(".csv.gz").removesuffix(".csv")
    if stem in names:
        return stem
    matches = [n for n in names if n.split("/")[1] == stem]
    if len(matches) == 1:
        return matches[0]
    close = [n for n in names if stem.lower() in n.lower()][:5]
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else \
        " datasets.nab_names() lists them."
    raise ValueError(f"Unknown NAB series {name!r}.{hint}")


def _as_seconds(strings) -> np.ndarray:
    # NAB writes windows with microseconds ("… 22:30:00.000000"); rows are whole seconds
    return np.array([s[:19] for s in strings], dtype="datetime64[s]")


@lru_cache(maxsize=64)
def _read(name: str) -> tuple[np.ndarray, np.ndarray]:
    path = _data.data_path(f"nab/{name}.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = fh.readline().strip()
        if header != "timestamp,value":
            raise _data.DataFileError(f"{path}: expected the header 'timestamp,value', got "
                                      f"{header!r}.")
        stamps, values = zip(*(line.rstrip("\n").split(",") for line in fh if line.strip()),
                             strict=True)
    timestamps = _as_seconds(stamps)
    values = np.array(values, dtype=np.float64)
    if not np.isfinite(values).all():
        raise _data.DataFileError(f"{path}: every value must be a finite number.")
    timestamps.setflags(write=False)
    values.setflags(write=False)
    return timestamps, values


def nab_series(name: str) -> NABSeries:
    """Load one NAB series with its anomaly windows (checksum-verified, nothing downloaded).

    ``name`` is ``"<category>/<stem>"`` or just the stem when it is unique, e.g.
    ``nab_series("nyc_taxi")`` or ``nab_series("realKnownCause/machine_temperature_system_failure")``.
    The data card is ``data/nab.md``.
    """
    key = _resolve(name)
    timestamps, values = _read(key)
    windows_raw, points_raw = _labels()
    n = len(values)
    first_row = {}                       # NAB's rule: a time names the first row that has it
    for i, t in enumerate(timestamps.tolist()):
        first_row.setdefault(t, i)

    def row(stamp):
        t = _as_seconds([stamp])[0].item()
        if t not in first_row:
            raise _data.DataFileError(f"NAB label time {stamp} is not a row of {key}.")
        return first_row[t]

    windows, events = [], []
    labels = np.zeros(n, dtype=np.int64)
    for first, last in windows_raw[key + ".csv"]:
        start, end = row(first), row(last) + 1                         # end exclusive
        windows.append((timestamps[start], timestamps[end - 1]))
        events.append(Event(start, end, "window"))
        labels[start:end] = 1
    anomaly_points = np.array([row(p) for p in points_raw[key + ".csv"]], dtype=np.int64)
    return NABSeries(name=key, timestamps=timestamps.copy(), values=values.copy(),
                     windows=tuple(windows), events=tuple(events), point_labels=labels,
                     anomaly_points=anomaly_points.astype(np.int64),
                     probationary_length=nab_probationary_length(n))
