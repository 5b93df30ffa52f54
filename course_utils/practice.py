"""From notebook to practice (notebook 11): save / load, int8 weights, privacy, drift.

* :func:`save_detector` / :func:`load_detector` store a fitted
  :class:`~course_utils.autoencoder.AutoencoderDetector` as two files in a folder: the
  network in Keras's native ``model.keras`` format, everything else (scaling statistics,
  threshold, parameters, feature names, versions, the model file's SHA-256) in a readable
  ``detector.json``. No pickle: loading a pickle runs code chosen by whoever wrote the file.
* :func:`quantize_int8` / :func:`dequantize` and :class:`Int8DenseAutoencoder`: symmetric
  per-tensor int8 weight quantisation of a dense autoencoder, in NumPy, so every step is
  visible.
* :func:`pseudonymize`: HMAC-SHA256 pseudonyms of identifiers with a secret key.
* :func:`psi` and :class:`DriftMonitor`: the population stability index of a score
  distribution against a reference, with an alarm and a retraining rule.

Importing this module does not import TensorFlow; the save / load functions import Keras
when they run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import warnings
from pathlib import Path

import numpy as np

from ._validate import as_float_array, check_number, check_positive_int

__all__ = ["FORMAT_VERSION", "save_detector", "load_detector", "quantize_int8", "dequantize",
           "dense_layers", "Int8DenseAutoencoder", "pseudonymize", "psi", "DriftMonitor"]

#: Version of the folder layout written by :func:`save_detector`.
FORMAT_VERSION = 1
MODEL_FILE = "model.keras"
META_FILE = "detector.json"
_FITTED = ("n_features_in_", "threshold_", "mean_", "scale_", "sample_shape_", "batch_size_",
           "n_epochs_", "best_epoch_", "history_", "decision_scores_")


def _versions() -> dict:
    import keras  # only when saving / loading

    from . import __version__

    return {"course_utils": __version__, "keras": keras.__version__, "numpy": np.__version__}


def _jsonable(value, name):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, tuple):
        return [_jsonable(v, name) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v, name) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str, list)):
        return value
    raise TypeError(f"Cannot save {name}={value!r} ({type(value).__name__}) as JSON: use a "
                    "named strategy or a number (not a function) for parameters you save.")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_detector(detector, path, *, feature_names=None) -> Path:
    """Save a fitted ``AutoencoderDetector`` into the folder ``path`` (created if needed).

    Writes ``model.keras`` (the network, Keras's native format) and ``detector.json``
    (parameters, scaling statistics, threshold, ``feature_names``, versions and the
    SHA-256 of ``model.keras``). Returns the folder as a ``Path``.
    """
    from .autoencoder import AutoencoderDetector

    if not isinstance(detector, AutoencoderDetector):
        raise TypeError(f"save_detector saves an AutoencoderDetector, got "
                        f"{type(detector).__name__}.")
    detector._check_fitted()
    if feature_names is not None:
        feature_names = [str(f) for f in feature_names]
        if len(feature_names) != detector.n_features_in_:
            raise ValueError(f"feature_names has {len(feature_names)} names, but the detector "
                             f"was fitted with {detector.n_features_in_} features.")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    detector.model_.save(folder / MODEL_FILE)
    meta = {"format_version": FORMAT_VERSION,
            "class": type(detector).__name__,
            "versions": _versions(),
            "model_sha256": _sha256(folder / MODEL_FILE),
            "feature_names": feature_names,
            "params": {k: _jsonable(v, k) for k, v in detector.get_params().items()},
            "fitted": {k: _jsonable(getattr(detector, k), k) for k in _FITTED
                       if hasattr(detector, k)}}
    (folder / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return folder


def load_detector(path, *, strict=False):
    """Load a detector saved by :func:`save_detector` from the folder ``path``.

    The network is loaded with ``safe_mode=True`` (Keras refuses to run code stored in
    the file, e.g. a ``Lambda`` layer) after its SHA-256 was checked against the JSON
    file. A different folder format raises ``ValueError``; a different Keras or course
    version warns (``strict=True``: raises), because scores may then differ slightly.
    """
    folder = Path(path)
    meta_path, model_path = folder / META_FILE, folder / MODEL_FILE
    for file in (meta_path, model_path):
        if not file.is_file():
            raise FileNotFoundError(f"{file.name} is missing in the folder {folder.name!r}: "
                                    "pass the folder that save_detector wrote.")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{META_FILE} is not valid JSON ({err}): the file is damaged.") from None
    if meta.get("format_version") != FORMAT_VERSION or meta.get("class") != "AutoencoderDetector":
        raise ValueError(f"{META_FILE} has format_version {meta.get('format_version')!r} and "
                         f"class {meta.get('class')!r}; this course_utils reads format "
                         f"{FORMAT_VERSION} of AutoencoderDetector only. Save it again with "
                         "the course version that trained it.")
    if _sha256(model_path) != meta.get("model_sha256"):
        raise ValueError(f"{MODEL_FILE} does not match the SHA-256 stored in {META_FILE}: the "
                         "model file was changed or belongs to another detector. Refusing "
                         "to load it.")
    saved, running = meta.get("versions", {}), _versions()
    differ = [f"{k} {saved.get(k)} (saved) vs {v} (running)" for k, v in running.items()
              if k != "numpy" and saved.get(k) != v]
    if differ:
        message = ("The detector was saved with other versions: " + "; ".join(differ)
                   + ". Check its scores on validation data before using it.")
        if strict:
            raise ValueError(message)
        warnings.warn(message, UserWarning, stacklevel=2)

    import keras  # only when saving / loading

    from .autoencoder import AutoencoderDetector

    params = dict(meta["params"])
    for key in ("hidden", "image_shape", "window_shape"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    detector = AutoencoderDetector(**params)
    detector.model_ = keras.saving.load_model(model_path, safe_mode=True, compile=False)
    for key, value in meta["fitted"].items():
        if key in ("mean_", "scale_", "decision_scores_"):
            value = np.asarray(value, dtype=np.float64)
        elif key == "sample_shape_":
            value = tuple(value)
        setattr(detector, key, value)
    if meta.get("feature_names") is not None:
        detector.feature_names_in_ = np.asarray(meta["feature_names"], dtype=object)
    return detector


# --- int8 weight quantisation ----------------------------------------------------------------

def quantize_int8(weights) -> tuple[np.ndarray, float]:
    """Symmetric per-tensor int8 quantisation: ``q = round(w / scale)``, ``scale = max|w| / 127``.

    Returns ``(q, scale)`` with ``q`` an int8 array of the same shape in [-127, 127]; the
    round-off error of every weight is at most ``scale / 2``.
    """
    w = as_float_array(weights, "weights", ndim=None)
    largest = float(np.abs(w).max())
    scale = largest / 127.0 if largest > 0 else 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale


def dequantize(q, scale) -> np.ndarray:
    """Float32 weights back from int8 ``q`` and its ``scale``: ``q * scale``."""
    return (np.asarray(q, dtype=np.float32) * np.float32(scale)).astype(np.float32)


def dense_layers(model) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """``(kernel, bias, activation name)`` of every Dense layer of ``model``, in order.

    Walks nested models (the course's autoencoders are an encoder and a decoder).
    """
    found = []
    for layer in model.layers:
        if hasattr(layer, "layers"):
            found += dense_layers(layer)
        elif type(layer).__name__ == "Dense":
            kernel, bias = layer.get_weights()
            found.append((kernel, bias, layer.activation.__name__))
        elif type(layer).__name__ != "InputLayer":
            raise TypeError(f"dense_layers handles Dense layers only, found "
                            f"{type(layer).__name__} {layer.name!r}.")
    return found


_ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}


class Int8DenseAutoencoder:
    """A fitted dense ``AutoencoderDetector`` with int8 weights, scored in NumPy.

    Kernels are stored as int8 with one float scale each (:func:`quantize_int8`); biases
    stay float32 (a few dozen numbers). At inference the kernels are dequantised and the
    forward pass runs in float32. ``quantize=False`` keeps float32 kernels: the same
    NumPy forward pass, to compare like with like.
    """

    def __init__(self, detector, *, quantize=True):
        if getattr(detector, "architecture", None) != "dense":
            raise ValueError("Int8DenseAutoencoder needs a fitted AutoencoderDetector with "
                             f"architecture='dense', got {getattr(detector, 'architecture', None)!r}.")
        detector._check_fitted()
        self.mean_, self.scale_ = detector.mean_, detector.scale_
        self.threshold_ = detector.threshold_
        self.layers_ = []
        for kernel, bias, activation in dense_layers(detector.model_):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"Unsupported activation {activation!r}: relu or linear only.")
            stored = quantize_int8(kernel) if quantize else (kernel.astype(np.float32), None)
            self.layers_.append((stored, bias.astype(np.float32), activation))
        self._weights = [(dequantize(*k) if k[1] is not None else k[0], b, a)
                         for k, b, a in self.layers_]

    @property
    def nbytes(self) -> int:
        """Bytes of the stored weights: kernels (int8 or float32), their scales, biases."""
        total = 0
        for (kernel, scale), bias, _ in self.layers_:
            total += kernel.nbytes + bias.nbytes + (4 if scale is not None else 0)
        return total

    def reconstruct_scaled(self, Z) -> np.ndarray:
        a = np.asarray(Z, dtype=np.float32)
        for kernel, bias, activation in self._weights:
            a = _ACTIVATIONS[activation](a @ kernel + bias)
        return a

    def decision_function(self, X) -> np.ndarray:
        """Mean squared reconstruction error of each row, as the detector computes it."""
        Z = (as_float_array(X, "X") - self.mean_) / self.scale_
        return ((Z - self.reconstruct_scaled(Z).astype(np.float64)) ** 2).mean(axis=1)


# --- privacy ---------------------------------------------------------------------------------

def pseudonymize(ids, key: bytes, *, length: int = 16) -> np.ndarray:
    """HMAC-SHA256 pseudonyms: the first ``length`` hex digits of HMAC(key, str(id)).

    The same id and key always give the same pseudonym (joins and counts still work);
    without the key nobody can recompute them, unlike a plain hash of a short id.
    ids: a scalar or 1-D array-like. Returns an array of str of the same length.
    """
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError("key must be bytes of length >= 16 (e.g. secrets.token_bytes(32)), "
                        f"got {type(key).__name__}.")
    if len(key) < 16:
        raise ValueError("key must be bytes of length >= 16 (e.g. secrets.token_bytes(32)), "
                         f"got {len(key)} bytes: a short key can be guessed.")
    length = check_positive_int(length, "length")
    if length > 64:
        raise ValueError(f"length must be at most 64 hex digits, got {length}.")
    values = np.atleast_1d(np.asarray(ids))
    return np.array([hmac.new(bytes(key), str(v).encode(), hashlib.sha256).hexdigest()[:length]
                     for v in values.tolist()])


# --- drift monitoring ------------------------------------------------------------------------

def psi(reference, current, *, n_bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of ``current`` against ``reference`` (1-D scores).

    Bins: ``n_bins`` quantile bins of the reference (outer edges open), so each holds
    ``1 / n_bins`` of it. ``PSI = Σ (c - r) · ln(c / r)`` over the bins, with shares
    ``r`` (reference) and ``c`` (current) floored at ``eps``. Rule of thumb: < 0.1 stable,
    0.1-0.25 a moderate shift, > 0.25 a large one.
    """
    ref = as_float_array(reference, "reference", ndim=1)
    cur = as_float_array(current, "current", ndim=1)
    n_bins = check_positive_int(n_bins, "n_bins", minimum=2)
    edges = np.quantile(ref, np.linspace(0, 1, n_bins + 1))[1:-1]
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=n_bins) / ref.size
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=n_bins) / cur.size
    r, c = np.maximum(r, eps), np.maximum(c, eps)
    return float(np.sum((c - r) * np.log(c / r)))


class DriftMonitor:
    """Daily drift check of a score distribution with an alarm and a retraining rule.

    ``update(scores)`` compares one period's scores with the reference by :func:`psi`;
    the period raises an **alarm** when the PSI exceeds ``threshold``, and the monitor
    says **retrain** after ``patience`` alarms in a row (one noisy day is not drift).
    ``history_`` keeps one dict per period: ``psi``, ``alarm``, ``retrain``.
    """

    def __init__(self, reference, *, threshold: float = 0.25, patience: int = 3,
                 n_bins: int = 10):
        self.reference = as_float_array(reference, "reference", ndim=1)
        self.threshold = check_number(threshold, "threshold", low=0.0)
        self.patience = check_positive_int(patience, "patience")
        self.n_bins = check_positive_int(n_bins, "n_bins", minimum=2)
        self.history_: list[dict] = []
        self._streak = 0

    def update(self, scores) -> dict:
        """Check one period's scores; returns ``{"psi", "alarm", "retrain"}``."""
        value = psi(self.reference, scores, n_bins=self.n_bins)
        alarm = value > self.threshold
        self._streak = self._streak + 1 if alarm else 0
        state = {"psi": value, "alarm": alarm, "retrain": self._streak >= self.patience}
        self.history_.append(state)
        return state

    def reset(self, reference) -> DriftMonitor:
        """Start again with a new reference (after retraining); returns self."""
        self.reference = as_float_array(reference, "reference", ndim=1)
        self._streak = 0
        return self
