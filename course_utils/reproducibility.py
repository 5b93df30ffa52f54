"""Seeding and TensorFlow setup: the one place that makes results repeatable.

Two calls cover every notebook:

* ``seed_everything(seed)`` seeds Python's ``random``, NumPy's legacy global state and,
  if Keras is already imported, Keras (and through it TensorFlow). NumPy-only notebooks
  call it without paying for a TensorFlow import.
* ``setup_tensorflow(seed)`` is how notebooks import TensorFlow: it silences the
  import-time notices (they go to the process's stderr, get stored in notebooks and
  then break nbval), enables op determinism and seeds everything. It returns the
  ``tensorflow`` module.

Library code never relies on the global random state, and leaves it as it found it:
functions take ``rng`` / ``random_state``, and **only the functions whose name says so
seed** — the two above, and :func:`tensorflow_seeded`, with which the Keras detectors
train: it seeds for the duration of ``fit`` and puts the global states back afterwards.
Seeding the global state is for learners' own code in the notebooks.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import sys
import warnings

import numpy as np

from ._validate import check_bool, check_seed

__all__ = ["seed_everything", "setup_tensorflow", "tensorflow_seeded"]


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy and (when already imported) Keras with one integer.

    Returns the seed, so a notebook can print what it used.
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - learners' code may use the legacy global API
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)
    return seed


def setup_tensorflow(seed: int = 0, *, deterministic: bool = True):
    """Import TensorFlow quietly, make it deterministic and seed everything.

    Call this *instead of* ``import tensorflow`` at the top of a notebook::

        tf = setup_tensorflow(seed=0)
        import keras  # noqa: F401, PLC0415 - makes seed_everything seed Keras too

    What it does, in order:

    1. ``TF_CPP_MIN_LOG_LEVEL=3`` and ``TF_ENABLE_ONEDNN_OPTS=0`` before the import:
       no C++ notices on stderr, and the same float results on every x86 CPU.
    2. Silences Python-side TensorFlow / absl logging and the import-time warnings.
    3. ``tf.config.experimental.enable_op_determinism()`` (same result on every run).
    4. ``seed_everything(seed)``, which now also seeds Keras.
    """
    seed = check_seed(seed)
    tf = import_tensorflow(deterministic=deterministic)
    seed_everything(seed)
    return tf


def import_tensorflow(*, deterministic: bool = True):
    """Steps 1-3 of :func:`setup_tensorflow` **without seeding**: the quiet import.

    ``course_utils.models`` uses it when it is the first to import Keras, so importing a
    module never touches a random state. (Importing TensorFlow itself draws from Python's
    ``random``; the state is put back.) Returns the ``tensorflow`` module.
    """
    deterministic = check_bool(deterministic, "deterministic")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if os.environ["KERAS_BACKEND"] != "tensorflow":
        raise RuntimeError("The course runs Keras on TensorFlow, but KERAS_BACKEND is "
                           f"{os.environ['KERAS_BACKEND']!r}. Unset it or set it to 'tensorflow'.")
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002 - the caller's state, restored below
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import keras  # noqa: F401 - the quiet import covers Keras too
            import tensorflow as tf
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002 - put the caller's global state back
    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return tf


@contextlib.contextmanager
def tensorflow_seeded(seed: int):
    """``setup_tensorflow(seed)`` for the duration of a ``with`` block, then the global random
    states are put back: how ``AutoencoderDetector.fit`` and ``ForecastDetector.fit`` train.

    Inside the block everything is seeded exactly as ``setup_tensorflow(seed)`` seeds it
    (the same calls in the same order, so a trained model is bit for bit the one the
    notebooks stored). On leaving it, even by an exception, these are restored to what they
    were on entering:

    * Python's ``random`` state and NumPy's legacy global state (public APIs, exact);
    * TensorFlow's global seed with the sequence of operation seeds it hands out, and
      Keras's record of the global seed (``keras.utils.set_random_seed``), through private
      attributes of TensorFlow and Keras, checked by ``tests/test_side_effects.py`` for the
      installed versions (if they are missing, they are left as seeded).

    What is **not** restored:

    * if TensorFlow had **no** global seed on entering (not imported yet, or never
      seeded), it keeps the one set here, ``seed``: the block turns on op determinism, and
      with determinism on TensorFlow refuses random ops without a global seed, so putting
      back "no seed" would make your next ``tf.random.uniform`` raise;
    * op determinism stays on (a setting, not a random state; it keeps the fitted model's
      scores repeatable);
    * ``tf.random.set_seed`` clears TensorFlow's cache of random-op kernels, so a stateful
      random op with an explicit operation seed (``tf.random.uniform([2], seed=5)``) called
      again after the block restarts its sequence. ``tf.random.Generator`` objects and the
      stateless ops are unaffected.
    """
    seed = check_seed(seed)
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002 - the caller's state, restored below
    import_tensorflow(deterministic=False)     # the import only, to record TensorFlow's seed
    tf_state = _tensorflow_seed_state()
    try:
        setup_tensorflow(seed)
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002 - put the caller's global state back
        _restore_tensorflow_seed_state(tf_state)


def _tensorflow_seed_state() -> dict | None:
    """TensorFlow's eager global seed with its op-seed generator, and Keras's seed record;
    ``None`` when there is nothing to restore: no global seed yet (see above), or the private
    attributes are not where they were (another TensorFlow / Keras version)."""
    try:
        from keras.src.backend.common import global_state
        from tensorflow.python.eager import context

        ctx = context.context()
        if ctx._seed is None:
            return None
        return {"seed": ctx._seed, "rng": ctx._rng.getstate(),
                "keras_seed": global_state.get_global_attribute("global_random_seed")}
    except (ImportError, AttributeError):
        return None


def _restore_tensorflow_seed_state(state: dict | None) -> None:
    if state is None:
        return
    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context

    ctx = context.context()
    ctx._seed = state["seed"]
    ctx._rng = random.Random()
    ctx._rng.setstate(state["rng"])
    global_state.set_global_attribute("global_random_seed", state["keras_seed"])
