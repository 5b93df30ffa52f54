"""Seeding and TensorFlow setup: the one place that makes results repeatable.

Two calls cover every notebook:

* ``seed_everything(seed)`` seeds Python's ``random``, NumPy's legacy global state and,
  if Keras is already imported, Keras (and through it TensorFlow). NumPy-only notebooks
  call it without paying for a TensorFlow import.
* ``setup_tensorflow(seed)`` is how notebooks import TensorFlow: it silences the
  import-time notices (they go to the process's stderr, get stored in notebooks and
  then break nbval), enables op determinism and seeds everything. It returns the
  ``tensorflow`` module.

Library code never relies on the global NumPy state: it takes ``rng`` / ``random_state``.
Seeding the global state is for learners' own code in the notebooks.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import warnings
from numbers import Integral

import numpy as np

__all__ = ["seed_everything", "setup_tensorflow"]

_MAX_SEED = 2**32 - 1


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}.")
    if not 0 <= seed <= _MAX_SEED:
        raise ValueError(f"seed must be in [0, 2**32 - 1], got {seed}.")
    return int(seed)


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy and (when already imported) Keras with one integer.

    Returns the seed, so a notebook can print what it used.
    """
    seed = _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - learners' code may use the legacy global API
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)
    return seed


def setup_tensorflow(seed: int = 0, *, deterministic: bool = True):
    """Import TensorFlow quietly, make it deterministic and seed everything.

    Call this *instead of* ``import tensorflow`` at the top of a notebook::

        tf = setup_tensorflow(seed=0)
        import keras

    What it does, in order:

    1. ``TF_CPP_MIN_LOG_LEVEL=3`` and ``TF_ENABLE_ONEDNN_OPTS=0`` before the import:
       no C++ notices on stderr, and the same float results on every x86 CPU.
    2. Silences Python-side TensorFlow / absl logging and the import-time warnings.
    3. ``tf.config.experimental.enable_op_determinism()`` (same result on every run).
    4. ``seed_everything(seed)``, which now also seeds Keras.
    """
    seed = _check_seed(seed)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if os.environ["KERAS_BACKEND"] != "tensorflow":
        raise RuntimeError("The course runs Keras on TensorFlow, but KERAS_BACKEND is "
                           f"{os.environ['KERAS_BACKEND']!r}. Unset it or set it to 'tensorflow'.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import keras  # noqa: F401, PLC0415 - makes seed_everything seed Keras too
        import tensorflow as tf  # noqa: PLC0415 - the point of this helper
    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    seed_everything(seed)
    return tf
