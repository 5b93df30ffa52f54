"""Causal per-group history features: each row sees only earlier rows of its group.

All helpers take rows already sorted by ``(group, time)`` and return one value per row.
"""

from __future__ import annotations

import numpy as np


def group_starts(group: np.ndarray) -> np.ndarray:
    """For each row, the index of the first row of its group (rows sorted by group)."""
    first = np.r_[True, group[1:] != group[:-1]]
    return np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))


def _window_left(group: np.ndarray, time: np.ndarray, window: float) -> np.ndarray:
    """For each row, the first row of its group with ``t >= time - window``."""
    dense = np.r_[0, np.cumsum(group[1:] != group[:-1])].astype(np.float64)
    span = float(time.max() - time.min()) + 2 * window + 1.0
    key = dense * span + (time - time.min())
    return np.searchsorted(key, key - window, side="left")


def count_before(group: np.ndarray, time: np.ndarray, window: float) -> np.ndarray:
    """Number of earlier rows of the same group with ``time - window <= t <= time``.

    Rows at exactly the same time count as earlier when they come first in the order.
    """
    return np.arange(len(group)) - _window_left(group, time, window)


def window_sum_before(group, time, window, values) -> np.ndarray:
    """Sum of ``values`` over the earlier rows of the same group within ``window``."""
    left = _window_left(group, time, window)
    csum = np.r_[0.0, np.cumsum(values, dtype=np.float64)]
    return csum[np.arange(len(group))] - csum[left]


def cumsum_before(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over all earlier rows of the same group (0 for the first)."""
    csum = np.r_[0.0, np.cumsum(values, dtype=np.float64)]
    starts = group_starts(group)
    return csum[np.arange(len(group))] - csum[starts]


def previous_in_group(group: np.ndarray, values: np.ndarray, fill) -> np.ndarray:
    """The value of the previous row of the same group (``fill`` for the first)."""
    out = np.empty_like(values)
    out[1:] = values[:-1]
    first = np.r_[True, group[1:] != group[:-1]]
    out[first] = fill
    return out


def last_where_before(group: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Index of the latest earlier row of the same group where ``mask`` holds, or -1."""
    idx = np.where(mask, np.arange(len(group)), -1)
    running = np.maximum.accumulate(idx)
    prev = np.r_[-1, running[:-1]]
    starts = group_starts(group)
    return np.where(prev >= starts, prev, -1)
