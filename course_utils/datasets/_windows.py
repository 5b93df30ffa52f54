"""Sliding windows over a time series, and window scores back to per-point scores."""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_choice, check_positive_int

__all__ = ["make_windows", "n_windows", "windows_to_points"]


def n_windows(n_points: int, window: int, step: int = 1) -> int:
    """How many windows ``make_windows`` cuts: ``1 + (n_points - window) // step``."""
    n_points = check_positive_int(n_points, "n_points")
    window = check_positive_int(window, "window")
    step = check_positive_int(step, "step")
    if window > n_points:
        raise ValueError(f"window ({window}) must not be longer than the series "
                         f"({n_points} points).")
    return 1 + (n_points - window) // step


def make_windows(series, window: int, step: int = 1) -> np.ndarray:
    """Cut a series into windows of ``window`` consecutive points, every ``step`` points.

    Window ``k`` holds points ``k*step`` to ``k*step + window - 1``; there are
    ``1 + (n - window) // step`` of them, and the last ``(n - window) % step`` points
    are in no window when ``step`` does not divide ``n - window``.

    Parameters
    ----------
    series : (n,) or (n, n_channels) array-like — rows are time steps.
    window : int, 1 <= window <= n.
    step : int >= 1.

    Returns
    -------
    A new float array, ``(n_windows, window)`` for a 1-D series or
    ``(n_windows, window, n_channels)`` for a 2-D one (the layout of a 1-D convolution
    or a recurrent layer; ``.reshape(len(w), -1)`` flattens it for a dense network).
    """
    arr = as_float_array(series, "series", ndim=None, allow_nan=True)
    if arr.ndim not in (1, 2):
        raise ValueError(f"series must be 1-D (n,) or 2-D (n, n_channels), got shape "
                         f"{arr.shape}.")
    count = n_windows(arr.shape[0], window, step)
    view = np.lib.stride_tricks.sliding_window_view(arr, window, axis=0)[::step][:count]
    if arr.ndim == 2:  # sliding_window_view puts the window axis last
        view = view.transpose(0, 2, 1)
    return np.ascontiguousarray(view)


def windows_to_points(window_scores, n_points: int, window: int, step: int = 1,
                      how: str = "end", fill: float = np.nan) -> np.ndarray:
    """Give every time step a score from the scores of the windows over the series.

    Parameters
    ----------
    window_scores : (n_windows,) scores of the windows made by
        ``make_windows(series, window, step)`` from a series of ``n_points`` points.
    how :
        ``"end"`` (default, **causal**): each window's score goes to its *last* time step,
        the moment an online system has seen the whole window and can raise an alarm. With
        ``step > 1`` a point between two window ends keeps the score of the latest window
        that has ended (sample and hold). The first ``window - 1`` points, which no window
        has ended at yet, get ``fill`` (default NaN: "not scored yet").
        ``"mean"`` / ``"max"`` (**retrospective**, for offline analysis only): a point gets
        the mean / max of the scores of *every* window that contains it, including windows
        that end up to ``window - 1`` steps later. Those scores look into the future: an
        alarm can start before the fault it announces, which no live system could do.
    fill : the score of points that get none (``"end"`` only; ``"mean"`` / ``"max"`` cover
        every point).

    Returns
    -------
    (n_points,) float array. With ``"mean"`` / ``"max"``, points that no window covers
    (the tail left over when ``step`` does not divide ``n_points - window``, or gaps when
    ``step > window``) take the score of the nearest window that starts before them.
    """
    how = check_choice(how, "how", ("end", "mean", "max"))
    expected = n_windows(n_points, window, step)
    scores = as_float_array(window_scores, "window_scores", ndim=1)
    if scores.shape[0] != expected:
        raise ValueError(f"window_scores has {scores.shape[0]} values, but a series of "
                         f"{n_points} points cut with window={window}, step={step} gives "
                         f"1 + ({n_points} - {window}) // {step} = {expected} windows.")
    if isinstance(fill, bool) or not isinstance(fill, (int, float, np.floating)):
        raise TypeError(f"fill must be a number (NaN allowed), got {type(fill).__name__}.")
    starts = np.arange(expected) * step
    if how == "end":
        out = np.full(n_points, float(fill))
        ends = starts + window - 1
        scored = np.arange(window - 1, n_points)
        # the latest window ending at or before each point: only the past is used
        latest = np.searchsorted(ends, scored, side="right") - 1
        out[scored] = scores[latest]
        return out
    counts = np.zeros(n_points)
    if how == "mean":
        out = np.zeros(n_points)
        for k in range(window):  # within one offset k no point repeats
            out[starts + k] += scores
            counts[starts + k] += 1
        covered = counts > 0
        out[covered] /= counts[covered]
    else:
        out = np.full(n_points, -np.inf)
        for k in range(window):
            out[starts + k] = np.maximum(out[starts + k], scores)
            counts[starts + k] += 1
        covered = counts > 0
    gaps = np.flatnonzero(~covered)
    out[gaps] = scores[np.minimum(gaps // step, expected - 1)]
    return out
