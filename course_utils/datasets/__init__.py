"""The course datasets: offline, deterministic for a seed, each with a data card.

=====  ================  ====================================================  =========
id     ``load(name)``    data                                                  real?
=====  ================  ====================================================  =========
D1     breast_cancer     Wisconsin diagnostic breast cancer (in scikit-learn)  real
D2     digits            8 × 8 handwritten digits, one digit normal            real
D2     mnist             28 × 28 MNIST-5k, one digit normal (``data/``)        real
D2     mnist_hard        28 × 28 MNIST-5k, nine digits normal, one anomalous   real
D3     shuttle           NASA Shuttle, ODDS version (``data/shuttle.csv.gz``)  real
D4     machine_sensors   four coupled machine sensors with labelled events     synthetic
D5     ecg5000           ECG5000: 5,000 heartbeats of one patient (UCR)        real
D5     ecg               ECG beats, 140 samples, four kinds of abnormal beat   synthetic
D6     transactions      card transactions with four fraud schemes             synthetic
D7     network_flows     flow records with five kinds of attack                synthetic
=====  ================  ====================================================  =========

The real time series of D4, the Numenta Anomaly Benchmark (58 series with labelled anomaly
windows), come one at a time: ``nab_names()`` lists them and ``nab_series(name)`` loads one.

``load(name, random_state=0, protocol="normal-only", **options)`` returns an
:class:`AnomalyDataset` split into train / validation / test; ``print(ds)`` shows shapes and
class balance and ``ds.description`` is the data card. The generators
``make_machine_sensors``, ``make_ecg_beats``, ``make_transactions`` and
``make_network_flows`` return the whole generated data with per-row labels and anomaly
types. ``make_windows`` and ``windows_to_points`` cut a time series into windows and map
window scores back to time steps (causally by default: a window's score goes to its last
time step).

Conventions: ``X`` is 2-D ``(n_samples, n_features)``, ``y`` is 1 for an anomaly and 0 for
normal, features are returned unscaled, and every random choice comes from the
``random_state`` / ``rng`` argument, never from NumPy's global state.
"""

from ._base import AnomalyDataset, Event, GeneratedData
from ._ecg import ECG_ANOMALY_TYPES, make_ecg_beats
from ._ecg5000 import ECG5000_TYPES, read_ecg5000
from ._flows import ATTACK_TYPES, FLOW_FEATURES, make_network_flows
from ._load import dataset_options, list_datasets, load
from ._mnist import MNIST_IMAGE_SHAPE, read_mnist5k
from ._nab import (
    NAB_PROBATIONARY_PERCENT,
    NABSeries,
    nab_names,
    nab_probationary_length,
    nab_series,
)
from ._real import read_shuttle
from ._sensors import SENSOR_EVENT_TYPES, SENSORS, make_machine_sensors
from ._transactions import FRAUD_TYPES, MERCHANT_CATEGORIES, TRANSACTION_FEATURES, make_transactions
from ._windows import make_windows, n_windows, windows_to_points

__all__ = [
    "ATTACK_TYPES",
    "AnomalyDataset",
    "ECG5000_TYPES",
    "ECG_ANOMALY_TYPES",
    "Event",
    "FLOW_FEATURES",
    "FRAUD_TYPES",
    "GeneratedData",
    "MERCHANT_CATEGORIES",
    "MNIST_IMAGE_SHAPE",
    "NABSeries",
    "NAB_PROBATIONARY_PERCENT",
    "SENSORS",
    "SENSOR_EVENT_TYPES",
    "TRANSACTION_FEATURES",
    "dataset_options",
    "list_datasets",
    "load",
    "make_ecg_beats",
    "make_machine_sensors",
    "make_network_flows",
    "make_transactions",
    "make_windows",
    "n_windows",
    "nab_names",
    "nab_probationary_length",
    "nab_series",
    "read_ecg5000",
    "read_mnist5k",
    "read_shuttle",
    "windows_to_points",
]
