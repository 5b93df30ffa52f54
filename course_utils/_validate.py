"""Input validation shared by every public function of the library.

One home for the checks, so every function rejects bad input with the same kind of
message: what was expected, and what arrived. Validators return *new* float arrays
(``np.array(..., copy=True)``), so library code can never modify the caller's data.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def as_float_array(x, name: str = "X", *, ndim: int | None = 2, allow_nan: bool = False,
                   min_samples: int = 1) -> np.ndarray:
    """Return a float64 copy of ``x`` after checking type, shape and values.

    ndim: the number of dimensions required (``None`` accepts any); for ``ndim=2`` a 1-D
    input gets a hint to reshape, because that is the commonest mistake.
    """
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise TypeError(f"{name} must be array-like of numbers, got {_describe(x)}.")
    try:
        arr = np.array(x, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be array-like of numbers, got {_describe(x)} "
                        f"that cannot be converted to float: {err}") from None
    if ndim is not None and arr.ndim != ndim:
        hint = ""
        if ndim == 2 and arr.ndim == 1:
            hint = (" Use X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a "
                    "single sample.")
        raise ValueError(f"{name} must be {ndim}-D, got {arr.ndim}-D with shape {arr.shape}.{hint}")
    if arr.size == 0 or (arr.ndim >= 1 and arr.shape[0] < min_samples):
        raise ValueError(f"{name} must contain at least {min_samples} sample(s), "
                         f"got shape {arr.shape}.")
    if not allow_nan:
        bad = ~np.isfinite(arr)
        if bad.any():
            where = np.argwhere(bad)[0]
            raise ValueError(f"{name} contains {int(bad.sum())} NaN or infinite value(s) "
                             f"(first at index {tuple(int(i) for i in where)}). Impute or drop "
                             "them first (notebook 05 shows how).")
    return arr


def as_labels(y, name: str = "y", *, n_samples: int | None = None,
              require_both: bool = False) -> np.ndarray:
    """Return ``y`` as an int array of 0 (normal) / 1 (anomaly), checked."""
    arr = as_float_array(y, name, ndim=1)
    values = np.unique(arr)
    if not np.isin(values, (0.0, 1.0)).all():
        shown = ", ".join(f"{v:g}" for v in values[:6])
        raise ValueError(f"{name} must contain only 0 (normal) and 1 (anomaly), got values "
                         f"{{{shown}}}. Map your labels first, e.g. y = (labels == 'fraud')"
                         ".astype(int).")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} labels but there are {n_samples} samples.")
    if require_both and values.size < 2:
        raise ValueError(f"{name} must contain both classes (0 and 1) to compute this metric, "
                         f"got only {int(values[0])}.")
    return arr.astype(np.int64)


def as_scores(s, name: str = "scores", *, n_samples: int | None = None) -> np.ndarray:
    """Return anomaly scores as a finite float 1-D array, checked."""
    arr = as_float_array(s, name, ndim=1)
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} values but there are {n_samples} labels.")
    return arr


def check_fraction(value, name: str, *, low: float = 0.0, high: float = 0.5,
                   inclusive_high: bool = False) -> float:
    """Check ``low < value < high`` (or ``<= high``) and return it as a float."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}.")
    value = float(value)
    ok_high = value <= high if inclusive_high else value < high
    if not (value > low and ok_high) or not np.isfinite(value):
        bracket = "]" if inclusive_high else ")"
        raise ValueError(f"{name} must be in ({low:g}, {high:g}{bracket}, got {value:g}.")
    return value


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer >= ``minimum`` and return it."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of ``choices`` and return it."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"Unknown {name} {value!r}; expected one of {options}.")
    return value


def as_rng(rng_or_seed) -> np.random.Generator:
    """Accept a seed (int), ``None`` or a ``np.random.Generator``; never the global state."""
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    if rng_or_seed is None or (isinstance(rng_or_seed, Integral) and not isinstance(rng_or_seed, bool)):
        return np.random.default_rng(rng_or_seed)
    raise TypeError("rng / random_state must be an int seed, None or a numpy Generator, got "
                    f"{type(rng_or_seed).__name__}.")
