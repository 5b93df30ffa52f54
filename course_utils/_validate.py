"""Input validation shared by every public function of the library.

One home for the checks, so every function rejects bad input with the same kind of
message: what was expected, and what arrived. Validators return *new* float arrays
(``np.array(..., copy=True)``), so library code can never modify the caller's data.

One exception type per kind of mistake, everywhere in the library:

* ``TypeError``: the value has the wrong type — a string where a number is expected, a
  ``bool`` where a number is expected (``True`` is an ``int`` to Python, never to us), a
  float where an integer is expected, complex or sparse input, a NumPy ``Generator``
  where an int seed is expected;
* ``ValueError``: the type is right but the value is not — out of range, NaN or
  infinite, an unknown name, the wrong shape.
"""

from __future__ import annotations

import math
import sys
import warnings
from numbers import Integral, Real

import numpy as np

#: The largest seed NumPy's legacy state, Python's ``random`` and TensorFlow all accept.
MAX_SEED = 2**32 - 1


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
    if _is_sparse(x):            # first: scipy's dok_matrix is a dict
        raise TypeError(f"{name} is a sparse {type(x).__name__}: sparse input is not "
                        f"supported; use {name}.toarray() (the data sets of this course fit "
                        "in memory as dense arrays).")
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise TypeError(f"{name} must be array-like of numbers, got {_describe(x)}.")
    complex_data = TypeError(
        f"{name} holds complex numbers: complex data is not supported (the imaginary part "
        f"would be silently dropped). Pass real features, e.g. np.abs({name}) or "
        f"np.column_stack([{name}.real, {name}.imag]).")
    if isinstance(getattr(x, "dtype", None), np.dtype) and x.dtype.kind == "c":
        raise complex_data
    with warnings.catch_warnings():
        # NumPy only warns when it drops the imaginary part (complex arrays in a list, a
        # DataFrame with a complex column): make that an error
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            arr = np.array(x, dtype=np.float64, copy=True)
        except np.exceptions.ComplexWarning:
            raise complex_data from None
        except (TypeError, ValueError) as err:
            if "complex" in str(err):       # Python complex numbers in a list
                raise complex_data from None
            raise TypeError(f"{name} must be array-like of numbers, got {_describe(x)} "
                            f"that cannot be converted to float: {err}") from None
    if ndim is not None and arr.ndim != ndim:
        hint = ""
        if ndim == 2 and arr.ndim == 1:
            hint = (" Reshape your data: X.reshape(-1, 1) if it has a single feature, "
                    "X.reshape(1, -1) if it is a single sample.")
        raise ValueError(f"{name} must be {ndim}-D, got {arr.ndim}-D with shape {arr.shape}.{hint}")
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 features: found 0 feature(s) (shape={arr.shape}) "
                         "while a minimum of 1 is required.")
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


def _is_sparse(x) -> bool:
    # scipy.sparse is not imported for this check: if nobody imported it, x cannot be one
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(x)


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


def check_number(value, name: str, *, low: float = -math.inf, high: float = math.inf,
                 low_inclusive: bool = False, high_inclusive: bool = False) -> float:
    """Check that ``value`` is a finite real number in the interval and return it as a float.

    TypeError for anything that is not a real number (a string, ``None``, a bool);
    ValueError for NaN, infinity and values outside ``low .. high`` (open ends unless
    ``low_inclusive`` / ``high_inclusive``).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__}).")
    value = float(value)
    ok_low = value >= low if low_inclusive else value > low
    ok_high = value <= high if high_inclusive else value < high
    if not (math.isfinite(value) and ok_low and ok_high):
        if math.isinf(low) and math.isinf(high):
            expected = "a finite number"
        elif math.isinf(high):
            expected = f"a finite number {'>=' if low_inclusive else '>'} {low:g}"
        else:
            expected = (f"in {'[' if low_inclusive else '('}{low:g}, {high:g}"
                        f"{']' if high_inclusive else ')'}")
        raise ValueError(f"{name} must be {expected}, got {value:g}.")
    return value


def check_fraction(value, name: str, *, low: float = 0.0, high: float = 0.5,
                   inclusive_high: bool = False) -> float:
    """Check ``low < value < high`` (or ``<= high``) and return it as a float."""
    return check_number(value, name, low=low, high=high, high_inclusive=inclusive_high)


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer >= ``minimum`` and return it.

    TypeError for anything that is not an integer (a float, even 3.0; a bool); ValueError
    below ``minimum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_bool(value, name: str) -> bool:
    """Check that ``value`` is ``True`` or ``False`` (a NumPy bool too) and return it."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_sizes(value, name: str, *, allow_empty: bool = False) -> tuple[int, ...]:
    """An int or a sequence of ints -> a tuple of positive ints (layer widths, filters)."""
    if isinstance(value, Integral) and not isinstance(value, (bool, np.bool_)):
        value = (value,)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be an integer or a tuple of integers, got {value!r}.")
    sizes = tuple(check_positive_int(v, f"each entry of {name}") for v in value)
    if not sizes and not allow_empty:
        raise ValueError(f"{name} must hold at least one layer size, got {value!r}.")
    return sizes


def check_shape(value, name: str, lengths: tuple[int, ...]) -> tuple[int, ...]:
    """A tuple of ``len(value) in lengths`` positive ints: the shape of one sample."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be a tuple of positive integers, got {value!r}.")
    if len(value) not in lengths:
        sizes = " or ".join(str(n) for n in lengths)
        raise ValueError(f"{name} must be a tuple of {sizes} positive integers, got {value!r}.")
    return tuple(check_positive_int(v, f"each entry of {name}") for v in value)


def check_seed(value, name: str = "seed", *, allow_none: bool = False) -> int:
    """Check an int seed in ``[0, 2**32 - 1]`` and return it.

    ``allow_none``: ``None`` gives a fresh seed from the operating system's entropy (never
    from a global random state). TypeError for a float, a bool or a NumPy ``Generator``
    (it cannot seed TensorFlow); ValueError for a negative or too large integer.
    """
    if value is None and allow_none:
        return int(np.random.SeedSequence().entropy % (MAX_SEED + 1))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        accepted = "an int seed or None" if allow_none else "an int seed"
        raise TypeError(f"{name} must be {accepted}, got {value!r} ({type(value).__name__})."
                        + (" A NumPy Generator cannot seed TensorFlow."
                           if isinstance(value, np.random.Generator) else ""))
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"{name} must be in [0, 2**32 - 1], got {value}.")
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
