"""course_utils — the small library behind the course *Deep Learning for Anomaly Detection*.

Each module is what a notebook derived first and then "graduated" into the library:

============== ==============================================================
module          responsibility
============== ==============================================================
reproducibility seeding Python / NumPy / Keras, TensorFlow setup
doctor          environment check with a concrete fix for every problem
plotting        the course's projector-friendly, colour-blind-safe style
checks          numerical gradients and learner-friendly checks
nn_numpy        the from-scratch network of notebooks 01-02
datasets        the course datasets (offline, seeded) and their data cards
detectors       one API for classical and deep detectors
thresholds      named threshold strategies
metrics         evaluation reports for detectors
widgets         thin ipywidgets front ends over pure functions
models          Keras model builders (the only module that imports Keras)
autoencoder     the autoencoder detector (Keras at fit time only)
forecast        the forecasting detector (Keras at fit time only)
vae             the variational autoencoder detector, the reparameterisation trick
deep_svdd       the one-class Deep SVDD detector (Ruff et al. 2018)
few_labels      the deviation network: a few labelled anomalies (Pang et al. 2019)
timeseries      causal building blocks for streams (z-scores, likelihood)
practice        saving, int8 compression, pseudonymisation, drift monitoring
benchmark       the detection benchmark behind notebook 10
model_selection choosing a detector's parameters on validation data
============== ==============================================================

Importing the package is instant: submodules load on first use, and nothing
here imports TensorFlow.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "autoencoder",
    "benchmark",
    "checks",
    "datasets",
    "deep_svdd",
    "detectors",
    "doctor",
    "few_labels",
    "forecast",
    "metrics",
    "model_selection",
    "models",
    "nn_numpy",
    "plotting",
    "practice",
    "reproducibility",
    "thresholds",
    "timeseries",
    "vae",
    "widgets",
}

__all__ = sorted(_SUBMODULES) + ["__version__"]


def __getattr__(name: str):
    """Load a submodule on first attribute access (``course_utils.checks``)."""
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
