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
* :func:`psi`, :func:`feature_psi` and :class:`DriftMonitor`: the population stability
  index of a score distribution (or of every input column) against a reference, with an
  alarm and a retraining rule; :func:`alarm_rate` states a measured false-alarm rate with
  its upper confidence bound; :func:`retrain_unlabelled` refits a detector on recent rows
  without labels (optionally dropping the rows its first fit scores highest).
* Out of core: :func:`write_csv_shards` writes rows as CSV files in chunks,
  :func:`csv_stream` reads them back in batches with ``tf.data``, and
  :class:`StreamingAutoencoder` learns its scaling (``keras.layers.Normalization.adapt``
  on the stream) and its weights from the files without ever holding them in memory.
* Explanations checked against a known mechanism: :data:`TRANSACTION_SIGNATURES` (the
  features each generated fraud scheme pushes out of the normal range),
  :func:`zscore_attribution`, :func:`gradient_attribution`, :func:`top_k_hits`,
  :func:`chance_hit_rate` and :func:`explanation_hit_rates`.
* :class:`ModelCard`: a model card (Mitchell et al. 2019) rendered to Markdown from
  explicit, checked fields: intended use, training, threshold and its rationale, measured
  performance with its spread, known blind spots, drift and retraining policy.

Importing this module does not import TensorFlow; the save / load functions import Keras
when they run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import warnings
from dataclasses import dataclass
from datetime import date as _date
from pathlib import Path

import numpy as np

from ._validate import as_float_array, as_rng, check_fraction, check_number, check_positive_int

__all__ = ["FORMAT_VERSION", "save_detector", "load_detector", "quantize_int8", "dequantize",
           "dense_layers", "Int8DenseAutoencoder", "pseudonymize", "psi", "feature_psi",
           "DriftMonitor", "alarm_rate", "retrain_unlabelled", "TRANSACTION_SIGNATURES",
           "zscore_attribution", "gradient_attribution", "top_k_hits", "chance_hit_rate",
           "explanation_hit_rates", "write_csv_shards", "csv_stream", "StreamingAutoencoder",
           "ModelCard"]

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


def feature_psi(reference, current, *, n_bins: int = 10) -> np.ndarray:
    """:func:`psi` of every column of ``current`` against the same column of ``reference``.

    reference: (n_ref, n_features); current: (n, n_features). Returns (n_features,).
    Columns with few distinct values (codes, counts, flags) get fewer bins: repeated quantile
    edges leave bins empty in both arrays, and an empty bin adds nothing.
    """
    ref = as_float_array(reference, "reference")
    cur = as_float_array(current, "current")
    if cur.shape[1] != ref.shape[1]:
        raise ValueError(f"current has {cur.shape[1]} columns, the reference "
                         f"{ref.shape[1]}: pass the same features in the same order.")
    return np.array([psi(ref[:, j], cur[:, j], n_bins=n_bins) for j in range(ref.shape[1])])


class DriftMonitor:
    """Daily drift check of a score distribution (or of the inputs) with an alarm and a
    retraining rule.

    ``update(values)`` compares one period with the reference by :func:`psi`; the period
    raises an **alarm** when the PSI reaches ``threshold`` (``>=``, the course's rule), and the monitor says
    **retrain** after ``patience`` alarms in a row (one noisy day is not drift).
    A 1-D reference monitors scores. A 2-D reference ``(n, n_features)`` monitors the
    inputs: the day's PSI is the largest :func:`feature_psi` over the columns, and the
    state also names that column (``feature``, its index) — which says *what* changed.
    ``history_`` keeps one dict per period: ``psi``, ``alarm``, ``retrain`` (and
    ``feature`` for inputs). Labels play no part: the monitor works the day the scores
    arrive.
    """

    def __init__(self, reference, *, threshold: float = 0.25, patience: int = 3,
                 n_bins: int = 10):
        self.reference = self._checked_reference(reference)
        self.threshold = check_number(threshold, "threshold", low=0.0)
        self.patience = check_positive_int(patience, "patience")
        self.n_bins = check_positive_int(n_bins, "n_bins", minimum=2)
        self.history_: list[dict] = []
        self._streak = 0

    @staticmethod
    def _checked_reference(reference):
        ref = as_float_array(reference, "reference", ndim=None)
        if ref.ndim not in (1, 2):
            raise ValueError("reference must be 1-D scores or a 2-D (n_samples, n_features) "
                             f"array of inputs, got {ref.ndim} dimensions.")
        return ref

    def update(self, values) -> dict:
        """Check one period's scores (or input rows); returns ``{"psi", "alarm", "retrain"}``
        (and ``"feature"`` when the monitor watches inputs)."""
        if self.reference.ndim == 1:
            value, extra = psi(self.reference, values, n_bins=self.n_bins), {}
        else:
            per_feature = feature_psi(self.reference, values, n_bins=self.n_bins)
            worst = int(np.argmax(per_feature))
            value, extra = float(per_feature[worst]), {"feature": worst}
        alarm = value >= self.threshold   # the course's rule: at the threshold is flagged
        self._streak = self._streak + 1 if alarm else 0
        state = {"psi": value, "alarm": alarm, "retrain": self._streak >= self.patience,
                 **extra}
        self.history_.append(state)
        return state

    def reset(self, reference) -> DriftMonitor:
        """Start again with a new reference (after retraining); returns self."""
        self.reference = self._checked_reference(reference)
        self._streak = 0
        return self


def alarm_rate(alarms, *, confidence: float = 0.95) -> tuple[float, float]:
    """Measured alarm rate of 0/1 ``alarms`` and its one-sided upper confidence bound.

    The bound is Clopper-Pearson's: the largest rate under which seeing at most this many
    alarms still has probability ``1 - confidence``. With no alarm in ``n`` periods it is
    ``1 - (1 - confidence) ** (1 / n)`` (about 3 / n, the "rule of three"): zero alarms in
    36 days does not mean a false-alarm rate of zero, only below about 8 %. Returns
    ``(rate, upper)``.
    """
    from scipy import stats  # only here

    a = np.asarray(alarms)
    if a.ndim != 1 or a.size == 0 or not np.isin(a, (0, 1)).all():
        raise ValueError(f"alarms must be a non-empty 1-D array of 0/1 (or booleans), got "
                         f"shape {a.shape} with values {np.unique(a)[:5]}.")
    confidence = check_number(confidence, "confidence", low=0.0, high=1.0)
    k, n = int(a.sum()), a.size
    upper = 1.0 if k == n else float(stats.beta.ppf(confidence, k + 1, n - k))
    return k / n, upper


def retrain_unlabelled(detector, X_recent, *, trim: float = 0.0, holdout: float = 0.2,
                       random_state=0):
    """Refit a copy of ``detector`` on recent rows **without labels**; returns
    ``(new_detector, reference_scores)``.

    ``X_recent`` holds whatever arrived — frauds included, since nobody has labelled them
    yet. A share ``holdout`` of its rows (at random) is kept out of the fit: their scores
    under the new detector are the monitor's new reference (a detector's scores on its own
    training rows are optimistically low). ``trim > 0`` filters by score: fit once, drop
    the ``trim`` share of training rows the first fit scores highest (the likeliest
    anomalies, by the detector's own judgement), fit again. The copy has the detector's
    parameters (``sklearn.base.clone``); the detector passed in is not changed.
    """
    from sklearn.base import clone  # only here

    X = as_float_array(X_recent, "X_recent", min_samples=10)
    trim = check_number(trim, "trim", low=0.0, high=0.5, low_inclusive=True)
    holdout = check_fraction(holdout, "holdout")
    held = as_rng(random_state).random(len(X)) < holdout
    train = X[~held]
    new = clone(detector).fit(train)
    if trim > 0:
        first = new.decision_function(train)
        train = train[first <= np.quantile(first, 1.0 - trim)]
        new = clone(detector).fit(train)
    new.n_trained_rows_ = len(train)
    return new, new.decision_function(X[held])


# --- explanations checked against the mechanism -----------------------------------------------

#: For each fraud scheme of ``datasets.make_transactions``: the features the scheme pushes
#: out of the normal range, read from the generator (``_fraud_rows``) and its data card. A
#: faithful explanation of such a fraud should name one of them first.
#: card_testing: tiny amounts (amount, amount_to_mean_ratio) in a burst minutes apart
#: (n_tx_last_1h, time_since_last_h); "online" and "any hour" are left out: a quarter of
#: normal payments are online and normal hours vary. account_takeover: large purchases
#: (amount, amount_to_mean_ratio) in electronics, jewelry or travel (category,
#: category_freq). impossible_travel: far from the last card-present payment, too soon
#: (speed_from_last_kmh, distance_from_home_km). subtle: a category the customer rarely uses
#: (category_freq), hours off the customer's usual time (hour_deviation_h), a larger amount
#: than usual (amount_to_mean_ratio).
TRANSACTION_SIGNATURES = {
    "card_testing": ("amount", "amount_to_mean_ratio", "n_tx_last_1h", "time_since_last_h"),
    "account_takeover": ("amount", "amount_to_mean_ratio", "category", "category_freq"),
    "impossible_travel": ("speed_from_last_kmh", "distance_from_home_km"),
    "subtle": ("category_freq", "hour_deviation_h", "amount_to_mean_ratio"),
}


def zscore_attribution(detector, X) -> np.ndarray:
    """``|z|`` of every feature, with the detector's own scaling: ``|X - mean_| / scale_``.

    The simplest explanation: how many training standard deviations each value is from
    the training mean, one feature at a time. Shape of ``X``.
    """
    detector._check_fitted()
    X = as_float_array(X, "X")
    return np.abs((X - detector.mean_) / detector.scale_)


def gradient_attribution(detector, X) -> np.ndarray:
    """Gradient × input of the score of a dense ``AutoencoderDetector``: ``|∂s/∂z_j · z_j|``.

    ``s(z)`` is the row's mean squared reconstruction error as a function of its
    standardised features ``z`` (0 is the training mean): the first-order share of the
    score due to feature ``j`` moving away from the mean. Shape of ``X``. Imports
    TensorFlow.
    """
    if getattr(detector, "architecture", None) != "dense":
        raise ValueError("gradient_attribution needs a fitted dense AutoencoderDetector, got "
                         f"architecture {getattr(detector, 'architecture', None)!r}.")
    detector._check_fitted()
    import tensorflow as tf  # only here

    Z = tf.constant(detector._standardise(as_float_array(X, "X")).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(Z)
        score = tf.reduce_mean((Z - detector.model_(Z, training=False)) ** 2, axis=1)
    grad = tape.gradient(score, Z)
    return np.abs((grad * Z).numpy()).astype(np.float64)


def top_k_hits(attributions, relevant, k: int = 1) -> np.ndarray:
    """For each row: does any of its ``k`` largest attributions fall on a ``relevant`` column?

    attributions: (n, n_features), larger = more responsible; relevant: column indices.
    Returns a boolean array (n,). Ties are broken by column order (a stable sort).
    """
    A = as_float_array(attributions, "attributions")
    k = check_positive_int(k, "k")
    if k > A.shape[1]:
        raise ValueError(f"k must be at most the number of features ({A.shape[1]}), got {k}.")
    relevant = np.asarray(relevant, dtype=int)
    top = np.argsort(-A, axis=1, kind="stable")[:, :k]
    return np.isin(top, relevant).any(axis=1)


def chance_hit_rate(n_features: int, n_relevant: int, k: int = 1) -> float:
    """Hit rate of :func:`top_k_hits` for attributions in random order:
    ``1 - C(n_features - n_relevant, k) / C(n_features, k)``."""
    from math import comb

    n = check_positive_int(n_features, "n_features")
    r = check_positive_int(n_relevant, "n_relevant")
    k = check_positive_int(k, "k")
    if r > n or k > n:
        raise ValueError(f"need n_relevant <= n_features and k <= n_features, got "
                         f"n_relevant={r}, k={k}, n_features={n}.")
    return 1.0 - comb(n - r, k) / comb(n, k)


def explanation_hit_rates(attributions: dict, types, signatures: dict, feature_names,
                          ks=(1, 3)) -> list[dict]:
    """Top-k hit rates of several attribution methods, per anomaly type.

    attributions: ``{method name: (n, n_features) array}`` for the same n anomalous rows;
    types: (n,) the type of each row; signatures: ``{type: feature names}`` (e.g.
    :data:`TRANSACTION_SIGNATURES`); feature_names: the columns' names. Returns one dict
    per type: ``type``, ``n``, ``chance@k`` and ``<method>@k`` for every k — the share of
    that type's rows whose top-k attribution names a signature feature.
    """
    names = list(feature_names)
    types = np.asarray(types)
    rows = []
    for kind, features in signatures.items():
        missing = [f for f in features if f not in names]
        if missing:
            raise ValueError(f"signature of {kind!r} names unknown features {missing}.")
        relevant = [names.index(f) for f in features]
        mask = types == kind
        if not mask.any():
            continue
        row = {"type": kind, "n": int(mask.sum())}
        for k in ks:
            row[f"chance@{k}"] = chance_hit_rate(len(names), len(relevant), k)
            for method, A in attributions.items():
                row[f"{method}@{k}"] = float(top_k_hits(np.asarray(A)[mask], relevant, k).mean())
        rows.append(row)
    return rows


# --- out of core: tf.data streams from CSV files ----------------------------------------------

def write_csv_shards(X, folder, *, n_shards: int = 4, feature_names=None,
                     chunk_rows: int = 100_000) -> list[Path]:
    """Write the rows of ``X`` as ``n_shards`` CSV files ``part-0.csv`` ... in ``folder``.

    One header line (``feature_names``, default ``f0, f1, ...``), values with 9 significant
    digits (float32 survives the round trip), rows written ``chunk_rows`` at a time. Returns
    the paths in order. Stands in for the export of a data warehouse.
    """
    X = as_float_array(X, "X")
    n_shards = check_positive_int(n_shards, "n_shards")
    chunk_rows = check_positive_int(chunk_rows, "chunk_rows")
    names = ([f"f{j}" for j in range(X.shape[1])] if feature_names is None
             else [str(f) for f in feature_names])
    if len(names) != X.shape[1]:
        raise ValueError(f"feature_names has {len(names)} names, X has {X.shape[1]} columns.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(X)), n_shards)):
        path = folder / f"part-{i}.csv"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(",".join(names) + "\n")
            for start in range(0, len(part), chunk_rows):
                np.savetxt(fh, X[part[start:start + chunk_rows]], delimiter=",", fmt="%.9g")
        paths.append(path)
    return paths


def csv_stream(files, n_features: int, *, batch_size: int = 256, shuffle_buffer: int = 0,
               seed: int = 0):
    """A ``tf.data.Dataset`` of float32 batches ``(<= batch_size, n_features)`` read from CSV files.

    Each file's header line is skipped; two files are read at a time (interleaved) and
    lines are parsed batch by batch, so memory holds a few batches (plus ``shuffle_buffer``
    lines when > 0: a shuffle of the lines within that window, reshuffled every pass),
    whatever the size of the files. Imports TensorFlow.
    """
    import tensorflow as tf  # only here

    n_features = check_positive_int(n_features, "n_features")
    batch_size = check_positive_int(batch_size, "batch_size")
    shuffle_buffer = check_positive_int(shuffle_buffer, "shuffle_buffer", minimum=0)
    paths = [str(f) for f in files]
    if not paths:
        raise ValueError("files is empty: pass the paths of one or more CSV files.")
    lines = tf.data.Dataset.from_tensor_slices(paths).interleave(
        lambda f: tf.data.TextLineDataset(f).skip(1), cycle_length=2)
    if shuffle_buffer:
        lines = lines.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    defaults = [[0.0]] * n_features

    def parse(batch):
        return tf.stack(tf.io.decode_csv(batch, record_defaults=defaults), axis=1)

    return lines.batch(batch_size).map(parse).prefetch(2)


_STEPS_PER_EXECUTION = 32   # batches per call into TensorFlow, as in the course's training loop


class StreamingAutoencoder:
    """A dense autoencoder detector trained from CSV files that never sit in memory.

    ``fit(files)`` makes one pass over the files to learn the scaling —
    ``keras.layers.Normalization().adapt(stream)``: mean and variance accumulated batch by
    batch — and then trains ``models.build_dense_autoencoder`` with Adam on the mean
    squared error for ``epochs`` passes, the lines shuffled within ``shuffle_buffer``.
    The score is the one of :class:`~course_utils.autoencoder.AutoencoderDetector`: the
    mean squared reconstruction error of the standardised row. No early stopping and no
    validation split: both would need a second stream. Fitted: ``mean_``, ``scale_``,
    ``model_``, ``history_`` (the loss per epoch), ``n_rows_``.
    """

    def __init__(self, n_features: int, *, hidden=(32, 16), bottleneck: int = 4,
                 epochs: int = 20, batch_size: int = 256, learning_rate: float = 0.003,
                 shuffle_buffer: int = 10_000, random_state: int = 0):
        self.n_features = check_positive_int(n_features, "n_features")
        self.hidden, self.bottleneck = hidden, bottleneck
        self.epochs = check_positive_int(epochs, "epochs")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.learning_rate = check_number(learning_rate, "learning_rate", low=0.0, high=1.0)
        self.shuffle_buffer = check_positive_int(shuffle_buffer, "shuffle_buffer", minimum=0)
        self.random_state = random_state

    def fit(self, files) -> StreamingAutoencoder:
        """Learn the scaling, then the weights, from the CSV ``files``; returns self."""
        import keras  # only here

        from . import models
        from .reproducibility import tensorflow_seeded

        files = [str(f) for f in files]
        plain = csv_stream(files, self.n_features, batch_size=1024)
        self.n_rows_ = int(sum(int(b.shape[0]) for b in plain))   # a first, cheap pass
        if self.n_rows_ == 0:
            raise ValueError("The files hold no data rows (only headers?).")
        with tensorflow_seeded(self.random_state):
            normalizer = keras.layers.Normalization(axis=-1)
            normalizer.adapt(plain)
            self.mean_ = np.asarray(normalizer.mean, dtype=np.float64).ravel()
            std = np.sqrt(np.asarray(normalizer.variance, dtype=np.float64).ravel())
            self.scale_ = np.where(std > 1e-12 * np.maximum(1.0, np.abs(self.mean_)), std, 1.0)
            mean, scale = self.mean_.astype(np.float32), self.scale_.astype(np.float32)
            train = csv_stream(files, self.n_features, batch_size=self.batch_size,
                               shuffle_buffer=self.shuffle_buffer, seed=self.random_state)
            # repeat() with a known number of steps per pass: Keras need not discover the
            # end of the stream (and warn about it) in every epoch
            train = train.map(lambda x: ((x - mean) / scale,) * 2).repeat()
            model = models.build_dense_autoencoder(self.n_features, self.hidden,
                                                   self.bottleneck)
            model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss="mse",
                          steps_per_execution=_STEPS_PER_EXECUTION)
            history = model.fit(train, epochs=self.epochs, verbose=0,
                                steps_per_epoch=-(-self.n_rows_ // self.batch_size))
        self.model_ = model
        self.history_ = [float(v) for v in history.history["loss"]]
        return self

    def decision_function(self, X) -> np.ndarray:
        """Mean squared reconstruction error of each standardised row of ``X`` (n, n_features)."""
        if not hasattr(self, "model_"):
            raise ValueError("This StreamingAutoencoder is not fitted yet: call fit(files).")
        X = as_float_array(X, "X")
        if X.shape[1] != self.n_features:
            raise ValueError(f"X has {X.shape[1]} columns, the detector {self.n_features}.")
        from ._keras_fit import predict

        Z = (X - self.mean_) / self.scale_
        return ((Z - predict(self.model_, Z.astype(np.float32))) ** 2).mean(axis=1)

    def score_files(self, files) -> np.ndarray:
        """The scores of every row of the CSV ``files``, streamed batch by batch (in file
        order: the files one after another, not interleaved)."""
        return np.concatenate([self.decision_function(b.numpy()) for f in files
                               for b in csv_stream([f], self.n_features, batch_size=4096)])


# --- model card ----------------------------------------------------------------------------
# Derived in notebook 11 (section 7).

_ROW_KEYS = ("setting", "metric", "mean", "sd", "n", "over")


def _text(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r} ({type(value).__name__}).")
    if not value.strip():
        raise ValueError(f"{name} must not be empty: write what the card should say.")
    return value.strip()


def _texts(values, name: str) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list of strings (one item per line), got "
                        f"{type(values).__name__}.")
    items = tuple(_text(v, f"each item of {name}") for v in values)
    if not items:
        raise ValueError(f"{name} must hold at least one item, got none.")
    return items


def _bullets(items) -> str:
    return "\n".join(f"- {item}" for item in items)


def _performance_row(row, i: int) -> dict:
    where = f"performance[{i}]"
    if not isinstance(row, dict):
        raise TypeError(f"{where} must be a dict with keys {', '.join(_ROW_KEYS)}, got "
                        f"{type(row).__name__}.")
    missing = [k for k in _ROW_KEYS if k not in row]
    unknown = sorted(set(row) - set(_ROW_KEYS))
    if missing or unknown:
        raise ValueError(f"{where} must have exactly the keys {', '.join(_ROW_KEYS)}; "
                         f"missing {missing}, unknown {unknown}.")
    n = check_positive_int(row["n"], f"{where}['n']")
    sd = row["sd"]
    if n == 1 and sd is not None:
        raise ValueError(f"{where}: a single run (n = 1) has no spread, so 'sd' must be None, "
                         f"got {sd!r}.")
    if n > 1:
        if sd is None:
            raise ValueError(f"{where}: n = {n} runs need their standard deviation 'sd', got None.")
        sd = check_number(sd, f"{where}['sd']", low=0.0, low_inclusive=True)
    return {"setting": _text(row["setting"], f"{where}['setting']"),
            "metric": _text(row["metric"], f"{where}['metric']"),
            "mean": check_number(row["mean"], f"{where}['mean']"), "sd": sd, "n": n,
            "over": _text(row["over"], f"{where}['over']")}


@dataclass(frozen=True, kw_only=True)
class ModelCard:
    """A model card: what a detector is for, how it was made and measured, where it fails.

    Every field is required and checked when the card is made (``TypeError`` for a wrong
    type, ``ValueError`` for an empty text, an empty list, a NaN or a bad date); lists are
    copied into tuples, so the caller's objects are never modified or shared.

    performance: one dict per measurement with keys ``setting`` (the data and recipe),
        ``metric``, ``mean``, ``sd`` (``None`` for a single run, required for ``n > 1``),
        ``n`` (runs) and ``over`` (what varied: "seeds", "weeks", ...). Rendered as
        ``mean ± sd`` with ``decimals`` decimals.
    threshold: the score above which a row is flagged, rendered with
        ``threshold_decimals`` decimals next to its rationale.
    date: an ISO date, ``YYYY-MM-DD``.
    """

    name: str
    version: str
    date: str
    intended_use: str
    out_of_scope: tuple
    training: str
    threshold: float
    threshold_rationale: str
    performance: tuple
    blind_spots: tuple
    monitoring: str
    decimals: int = 3
    threshold_decimals: int = 4

    def __post_init__(self):
        put = object.__setattr__        # frozen: fields are set once, here, after checking
        for name in ("name", "version", "intended_use", "training", "threshold_rationale",
                     "monitoring"):
            put(self, name, _text(getattr(self, name), name))
        put(self, "date", _text(self.date, "date"))
        try:
            _date.fromisoformat(self.date)
        except ValueError:
            raise ValueError(f"date must be an ISO date YYYY-MM-DD, got {self.date!r}.") from None
        put(self, "out_of_scope", _texts(self.out_of_scope, "out_of_scope"))
        put(self, "blind_spots", _texts(self.blind_spots, "blind_spots"))
        put(self, "threshold", check_number(self.threshold, "threshold"))
        put(self, "decimals", check_positive_int(self.decimals, "decimals", minimum=0))
        put(self, "threshold_decimals",
            check_positive_int(self.threshold_decimals, "threshold_decimals", minimum=0))
        rows = self.performance
        if isinstance(rows, (str, bytes, dict)) or not hasattr(rows, "__iter__"):
            raise TypeError("performance must be a list of dicts (one per measurement), got "
                            f"{type(rows).__name__}.")
        rows = tuple(_performance_row(row, i) for i, row in enumerate(rows))
        if not rows:
            raise ValueError("performance must hold at least one measured row: a card without "
                             "numbers is not a card.")
        put(self, "performance", rows)

    def format_value(self, row: dict) -> str:
        """``mean ± sd`` (or the mean alone for a single run) with the card's decimals."""
        value = f"{row['mean']:.{self.decimals}f}"
        return value if row["sd"] is None else f"{value} ± {row['sd']:.{self.decimals}f}"

    def to_markdown(self) -> str:
        """The card as Markdown: a title, then one section per field, in a fixed order."""
        rows = "\n".join(f"| {r['setting']} | {r['metric']} | {self.format_value(r)} | "
                         f"{r['n']} {r['over']} |" for r in self.performance)
        return (f"# Model card: {self.name}\n\n"
                f"Version {self.version} · {self.date}\n\n"
                f"## Intended use\n\n{self.intended_use}\n\n"
                f"## Out of scope\n\n{_bullets(self.out_of_scope)}\n\n"
                f"## Training data and protocol\n\n{self.training}\n\n"
                f"## Threshold\n\n**{self.threshold:.{self.threshold_decimals}f}**: "
                f"{self.threshold_rationale}\n\n"
                "## Measured performance\n\n"
                "| setting | metric | value (mean ± sd) | runs |\n| --- | --- | ---: | ---: |\n"
                f"{rows}\n\n"
                f"## Known blind spots\n\n{_bullets(self.blind_spots)}\n\n"
                f"## Drift monitoring and retraining\n\n{self.monitoring}\n")

    def write(self, folder, filename: str = "MODEL_CARD.md") -> Path:
        """Write the Markdown card into ``folder`` (next to a saved detector); return its path."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ValueError(f"folder must be an existing directory, got {str(folder)!r}.")
        path = folder / _text(filename, "filename")
        path.write_text(self.to_markdown(), encoding="utf-8")
        return path
