"""``list_datasets()`` and ``load(name)``: every course dataset behind one call."""

from __future__ import annotations

import inspect

import numpy as np

from .._validate import as_rng, check_choice, check_positive_int
from ._base import (
    PROTOCOLS,
    AnomalyDataset,
    Event,
    assemble,
    check_both_classes,
    split_iid,
    split_temporal,
)
from ._ecg import make_ecg_beats
from ._ecg5000 import load_ecg5000_ds
from ._flows import make_network_flows
from ._mnist import load_mnist_ds, load_mnist_hard_ds
from ._real import load_breast_cancer_ds, load_digits_ds, load_shuttle_ds
from ._sensors import make_machine_sensors
from ._transactions import make_transactions

__all__ = ["list_datasets", "load"]


def _load_machine_sensors(protocol, rng, *, n_days: int = 12, freq_minutes: int = 5,
                          options: dict) -> AnomalyDataset:
    n_days = check_positive_int(n_days, "n_days", minimum=4)
    if n_days % 4:
        raise ValueError(f"n_days must be a multiple of 4 (train half, validation and test a "
                         f"quarter each), got {n_days}.")
    # normal-only: events only after the training half, one of each type in val and in test;
    # contaminated: the training half gets events too, in the same two-per-quarter rhythm
    if protocol == "normal-only":
        gen = make_machine_sensors(n_days, freq_minutes=freq_minutes, clean_days=n_days // 2,
                                   events_per_type=2, rng=rng)
    else:
        gen = make_machine_sensors(n_days, freq_minutes=freq_minutes, clean_days=0,
                                   events_per_type=4, rng=rng)
    per_day = 1440 // freq_minutes
    bounds = {"train": (0, n_days // 2 * per_day),
              "val": (n_days // 2 * per_day, 3 * n_days // 4 * per_day),
              "test": (3 * n_days // 4 * per_day, n_days * per_day)}
    parts = {k: np.arange(a, b) for k, (a, b) in bounds.items()}
    local = {k: tuple(Event(e.start - a, e.end - a, e.type) for e in gen.events
                      if a <= e.start and e.end <= b) for k, (a, b) in bounds.items()}
    card = gen.description + (
        f"\n## This load\n\n{n_days} days every {freq_minutes} min; train = days 0–"
        f"{n_days // 2 - 1}, validation = days {n_days // 2}–{3 * n_days // 4 - 1}, test = days "
        f"{3 * n_days // 4}–{n_days - 1}. `X_*` rows are time steps in time order.\n")
    return assemble("machine_sensors", protocol, gen.X, gen.y, gen.types, parts,
                    gen.feature_names, card,
                    {**options, "n_days": n_days, "freq_minutes": freq_minutes},
                    time=gen.time, time_unit=gen.time_unit, series=gen.X.copy(),
                    timestamps=gen.time.copy(), point_labels=gen.y.copy(), events=gen.events,
                    events_train=local["train"], events_val=local["val"],
                    events_test=local["test"])


def _load_ecg(protocol, rng, *, n_beats: int = 3000, contamination: float = 0.1,
              options: dict) -> AnomalyDataset:
    gen_rng, split_rng = rng.spawn(2)
    gen = make_ecg_beats(n_beats, contamination=contamination, rng=gen_rng)
    parts = split_iid(gen.y, protocol, split_rng)
    check_both_classes(parts, gen.y, "ecg", "Use more beats or a larger contamination.")
    return assemble("ecg", protocol, gen.X, gen.y, gen.types, parts, gen.feature_names,
                    gen.description,
                    {**options, "n_beats": n_beats, "contamination": contamination})


def _load_temporal(name, maker, span, protocol, rng, options, **kwargs) -> AnomalyDataset:
    gen = maker(rng=rng, **kwargs)
    parts = split_temporal(gen.time, gen.y, protocol, 0.0, span)
    check_both_classes(parts, gen.y, name, "Use a larger contamination or more rows.")
    return assemble(name, protocol, gen.X, gen.y, gen.types, parts, gen.feature_names,
                    gen.description, {**options, **kwargs}, time=gen.time,
                    time_unit=gen.time_unit)


def _load_transactions(protocol, rng, *, n_transactions: int = 20_000, n_customers: int = 500,
                       n_days: int = 60, contamination: float = 0.015,
                       options: dict) -> AnomalyDataset:
    return _load_temporal("transactions", make_transactions, 24.0 * n_days, protocol, rng,
                          options, n_transactions=n_transactions, n_customers=n_customers,
                          n_days=n_days, contamination=contamination)


def _load_network_flows(protocol, rng, *, n_flows: int = 20_000, n_days: int = 5,
                        contamination: float = 0.05, options: dict) -> AnomalyDataset:
    return _load_temporal("network_flows", make_network_flows, 86_400.0 * n_days, protocol,
                          rng, options, n_flows=n_flows, n_days=n_days,
                          contamination=contamination)


_LOADERS = {
    "breast_cancer": load_breast_cancer_ds,
    "digits": load_digits_ds,
    "mnist": load_mnist_ds,
    "mnist_hard": load_mnist_hard_ds,
    "shuttle": load_shuttle_ds,
    "machine_sensors": _load_machine_sensors,
    "ecg": _load_ecg,
    "ecg5000": load_ecg5000_ds,
    "transactions": _load_transactions,
    "network_flows": _load_network_flows,
}


def list_datasets() -> list[str]:
    """Names of the course datasets D1–D7, in course order (for ``load``).

    D2 comes three times: ``"digits"`` (scikit-learn's 8 × 8 digits), ``"mnist"`` (28 × 28
    MNIST-5k, one digit normal) and ``"mnist_hard"`` (nine digits normal, one anomalous).
    D5 comes twice: ``"ecg5000"`` (real recordings) and ``"ecg"`` (synthetic beats with known
    anomaly types). The NAB time series (D4, real) have their own loader, ``nab_series``.
    """
    return list(_LOADERS)


def dataset_options(name: str) -> dict:
    """The options ``load(name, **options)`` accepts, with their defaults."""
    check_choice(name, "dataset", tuple(_LOADERS))
    params = inspect.signature(_LOADERS[name]).parameters
    return {k: p.default for k, p in params.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY and k != "options"}


def load(name: str, *, random_state=0, protocol: str = "normal-only",
         **options) -> AnomalyDataset:
    """Load course dataset ``name``, split into train / validation / test.

    Parameters
    ----------
    name : one of ``list_datasets()``: "breast_cancer", "digits", "mnist", "mnist_hard", "shuttle",
        "machine_sensors", "ecg", "ecg5000", "transactions", "network_flows".
    random_state : int seed (or ``np.random.Generator``) for subsampling, generation and
        splitting: the same seed gives identical arrays.
    protocol : "normal-only" (default; the training set has no anomaly) or "contaminated"
        (the training set keeps its natural share of anomalies, labelled in ``y_train``).
    **options : dataset-specific; ``dataset_options(name)`` lists them with defaults:
        breast_cancer ``n_malignant`` (21, 10, … or None for all 212);
        digits ``normal_digit`` (0–9), ``contamination``; mnist ``normal_digit`` (0–9),
        ``anomaly_share`` (None: all 4,500 other digits, Ruff et al. 2018's one-class layout);
        mnist_hard ``anomaly_digit`` (0–9: nine digits normal, this one anomalous),
        ``anomaly_share`` (default 0.05; None keeps all 500); machine_sensors ``n_days``
        (multiple of 4), ``freq_minutes``; ecg ``n_beats``, ``contamination``; ecg5000
        ``anomaly_share`` (None keeps all abnormal beats, 41.6 % of ECG5000; a share in
        (0, 1) subsamples the abnormal beats of every split that has any, e.g. 0.05);
        transactions ``n_transactions``, ``n_customers``, ``n_days``, ``contamination``;
        network_flows ``n_flows``, ``n_days``, ``contamination``.

    Returns
    -------
    AnomalyDataset — ``X_train``, ``y_train``, ``X_val``, ``y_val``, ``X_test``, ``y_test``,
    ``feature_names``, ``description`` (the data card), ``protocol``; ``print(ds)`` shows
    shapes and class balance. Features are not scaled and contain no NaN.
    """
    if not isinstance(name, str) or name not in _LOADERS:
        raise ValueError(f"Unknown dataset {name!r}; expected one of "
                         + ", ".join(repr(n) for n in _LOADERS) + ".")
    check_choice(protocol, "protocol", PROTOCOLS)
    allowed = dataset_options(name)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        valid = ", ".join(allowed) if allowed else "none"
        raise TypeError(f"load({name!r}) got unknown option(s) {', '.join(unknown)}; its "
                        f"options are: {valid}.")
    rng = as_rng(random_state)
    seed = random_state if not isinstance(random_state, np.random.Generator) else "Generator"
    return _LOADERS[name](protocol, rng, options={"random_state": seed}, **options)
