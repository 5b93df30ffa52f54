"""No hidden global side effects: importing a module or fitting a detector leaves Python's and
NumPy's global random state (and TensorFlow's global seed) as it was.

Seeding is the job of the functions whose name says so — ``seed_everything``,
``setup_tensorflow`` and ``tensorflow_seeded`` in :mod:`course_utils.reproducibility` —
and of nothing else. Imports are checked in fresh interpreters (an import runs once per
process); ``fit`` in this one.
"""

# These tests are about NumPy's legacy global state, so they use its legacy API.

from __future__ import annotations

import ast
import random
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, run_fresh_python

from course_utils import detectors as det

# Keras 3.12's convert_to_numpy calls np.array(tensor), which NumPy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

PACKAGE_DIR = ROOT / "course_utils"
TENSORFLOW_MODULES = {"course_utils.models"}      # imports TensorFlow (seconds)


def _module_names():
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _module_names()

# Runs in a fresh interpreter: seeds both global states, then imports the modules one
# after the other and reports the first import after which a state is not the same.
IMPORT_CHECK = """
import importlib, random, sys
import numpy as np
random.seed(42)
np.random.seed(42)
py_state, np_state = random.getstate(), np.random.get_state()
for name in sys.argv[1:]:
    importlib.import_module(name)
    if random.getstate() != py_state:
        sys.exit(f"importing {name} changed Python's random state")
    after = np.random.get_state()
    if not all(np.array_equal(a, b) for a, b in zip(after, np_state, strict=True)):
        sys.exit(f"importing {name} changed NumPy's global random state")
print("ok")
"""


def _check_imports(names):
    return subprocess.run([sys.executable, "-c", IMPORT_CHECK, *names], capture_output=True,
                          text=True, cwd=ROOT, check=False)


def test_importing_the_modules_leaves_the_global_random_state_alone():
    proc = _check_imports([m for m in MODULES if m not in TENSORFLOW_MODULES])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


@pytest.mark.slow
def test_importing_models_does_not_reseed_numpy():
    """It used to call setup_tensorflow(seed=0): the next draw was seed 0's, not 42's."""
    proc = _check_imports(sorted(TENSORFLOW_MODULES))
    assert proc.returncode == 0, proc.stderr
    code = ("import numpy as np\nnp.random.seed(42)\nfrom course_utils import models\n"
            "print(repr(np.random.rand()))\n")
    proc = run_fresh_python(code)
    assert proc.returncode == 0, proc.stderr
    drawn = float(proc.stdout.strip())
    assert drawn == np.random.RandomState(42).rand()
    assert drawn != np.random.RandomState(0).rand()


# --- seeding happens in reproducibility's seeding functions only ------------------------------

SEEDING_CALLS = {"seed", "set_random_seed", "set_seed", "set_global_seed", "setup_tensorflow",
                 "seed_everything"}


def _seeding_calls():
    """(module, enclosing function, called name) for every call of a seeding function."""
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def walk(node, function, path=path):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    walk(child, child.name)
                    continue
                if isinstance(child, ast.Call):
                    func = child.func
                    name = func.attr if isinstance(func, ast.Attribute) else \
                        getattr(func, "id", None)
                    if name in SEEDING_CALLS:
                        found.append((path.stem, function, name))
                walk(child, function)

        walk(tree, "<module>")
    return found


def test_only_the_seeding_functions_seed():
    calls = _seeding_calls()
    assert ("reproducibility", "seed_everything", "seed") in calls        # the reader works
    allowed = {"seed_everything", "setup_tensorflow", "tensorflow_seeded"}
    elsewhere = [c for c in calls if not (c[0] == "reproducibility" and c[1] in allowed)]
    assert elsewhere == [], f"seeding outside reproducibility's seeding functions: {elsewhere}"


# --- fit ----------------------------------------------------------------------------------------

X_TRAIN = np.random.default_rng(0).normal(size=(120, 4))


def _snapshot():
    return random.getstate(), np.random.get_state()  # noqa: NPY002


def _assert_unchanged(before):
    py_state, np_state = before
    assert random.getstate() == py_state, "Python's random state changed"
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(after, np_state, strict=True)), \
        "NumPy's global random state changed"


CLASSICAL = {
    "gaussian_mcd": lambda: det.GaussianDetector(covariance="mcd", random_state=0),
    "knn": lambda: det.KNNDetector(),
    "lof": lambda: det.LOFDetector(),
    "kmeans": lambda: det.KMeansDetector(n_init=2, random_state=0),
    "iforest": lambda: det.IsolationForestDetector(n_estimators=20, random_state=0),
    "ocsvm": lambda: det.OneClassSVMDetector(),
    "pca": lambda: det.PCADetector(n_components=2),
    "fusion": lambda: det.FusionDetector([det.KNNDetector(),
                                          det.IsolationForestDetector(random_state=0)]),
}


@pytest.mark.parametrize("name", sorted(CLASSICAL))
def test_fitting_a_classical_detector_leaves_the_global_random_state_alone(name):
    random.seed(1)
    np.random.seed(1)  # noqa: NPY002
    before = _snapshot()
    d = CLASSICAL[name]().fit(X_TRAIN)
    d.fit_threshold(X_TRAIN[:50], strategy="quantile")
    d.predict(X_TRAIN[:5])
    _assert_unchanged(before)


def _keras_detectors():
    from course_utils.autoencoder import AutoencoderDetector
    from course_utils.forecast import ForecastDetector

    tiny = {"epochs": 2, "hidden": (4,), "patience": None}
    return {"autoencoder": AutoencoderDetector(bottleneck=2, **tiny),
            "forecaster": ForecastDetector(**tiny)}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["autoencoder", "forecaster"])
def test_keras_fit_seeds_inside_and_restores_the_global_random_state(name):
    from course_utils.reproducibility import setup_tensorflow

    tf = setup_tensorflow(3)                 # TensorFlow imported, Keras's seed record 3
    import keras
    from keras.src.backend.common import global_state  # private: what set_random_seed sets

    def draw_after(fit: bool):
        random.seed(1)
        np.random.seed(1)  # noqa: NPY002
        tf.random.set_seed(11)
        tf.random.uniform([2])                   # advance TF's op-seed sequence once
        before = _snapshot()
        scores = None
        if fit:
            scores = _keras_detectors()[name].fit(X_TRAIN).decision_scores_
        _assert_unchanged(before)
        return tf.random.uniform([3]).numpy(), scores

    without_fit, _ = draw_after(fit=False)
    with_fit, scores = draw_after(fit=True)
    # TensorFlow's global seed and its sequence of op seeds were put back
    np.testing.assert_array_equal(with_fit, without_fit)
    assert global_state.get_global_attribute("global_random_seed") == 3
    # ... and the training itself is still seeded by random_state alone
    keras.utils.set_random_seed(12345)
    np.random.seed(99)  # noqa: NPY002
    again = _keras_detectors()[name].fit(X_TRAIN).decision_scores_
    np.testing.assert_array_equal(again, scores)


@pytest.mark.slow
def test_a_first_fit_in_a_fresh_process():
    """Python's and NumPy's states are restored; TensorFlow, unseeded before, keeps the
    fit's seed (documented in tensorflow_seeded: with op determinism on, which fit turns on,
    TensorFlow refuses random ops without a global seed)."""
    code = """
import random
import numpy as np
from course_utils.autoencoder import AutoencoderDetector
random.seed(5); np.random.seed(5)
X = np.random.default_rng(0).normal(size=(60, 3))
AutoencoderDetector(epochs=1, hidden=(4,), bottleneck=2, random_state=7).fit(X)
assert random.random() == random.Random(5).random()
assert np.random.rand() == np.random.RandomState(5).rand()
import tensorflow as tf
from tensorflow.python.framework import random_seed
assert random_seed.get_seed(None)[0] == 7, random_seed.get_seed(None)
tf.random.uniform([2])                  # works: op determinism is on and a seed is set
print("ok")
"""
    proc = run_fresh_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


@pytest.mark.slow
def test_tensorflow_seeded_restores_the_state_when_the_block_raises():
    from course_utils.reproducibility import tensorflow_seeded

    random.seed(8)
    np.random.seed(8)  # noqa: NPY002
    before = _snapshot()
    with pytest.raises(RuntimeError, match="inside"), tensorflow_seeded(0):
        assert random.getstate() != before[0]        # seeded with 0 inside
        raise RuntimeError("inside")
    _assert_unchanged(before)
