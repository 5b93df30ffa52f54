"""FusionDetector: the article's "model fusion", with members on a common scale."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from course_utils.detectors import (
    BaseDetector,
    FusionDetector,
    GaussianDetector,
    IsolationForestDetector,
    KNNDetector,
    holdout_split,
)
from course_utils.metrics import roc_auc


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(300, 3))
    X_test = np.vstack([rng.normal(size=(100, 3)), rng.normal(4.0, 1.0, size=(10, 3))])
    y_test = np.r_[np.zeros(100, int), np.ones(10, int)]
    return X_train, X_test, y_test


def _members():
    return [GaussianDetector(), KNNDetector(n_neighbors=5),
            IsolationForestDetector(random_state=0)]


@pytest.mark.parametrize("method", ["rank", "zscore"])
@pytest.mark.parametrize("combine", ["mean", "max"])
def test_fusion_follows_the_detector_contract(data, method, combine):
    X_train, X_test, y_test = data
    fusion = FusionDetector(_members(), method=method, combine=combine)
    assert fusion.fit(X_train) is fusion
    scores = fusion.decision_function(X_test)
    assert scores.shape == (110,)
    assert roc_auc(y_test, scores) > 0.95
    assert set(np.unique(fusion.predict(X_test))) <= {0, 1}
    assert clone(fusion).get_params()["method"] == method


def _members_scoring_training_rows_like_new_rows():
    # (KNNDetector's training scores leave each row out of its own neighbours, so they
    # differ from decision_function(X_train), which is what the next tests compare.)
    return [GaussianDetector(), IsolationForestDetector(random_state=0)]


def test_rank_normalisation_is_the_empirical_cdf_of_held_out_scores(data):
    X_train, X_test, _ = data
    fusion = FusionDetector(_members_scoring_training_rows_like_new_rows(), method="rank")
    held_out = X_train[fusion.fit(X_train).reference_rows_]
    assert len(held_out) == 60                                  # holdout=0.2 of 300 rows
    ranks = fusion.normalised_scores(held_out)
    assert ranks.shape == (60, 2)
    assert ranks.min() > 0 and ranks.max() == 1.0
    # each member's held-out ranks are a permutation of 1/m, 2/m, ..., 1 (no ties here)
    np.testing.assert_allclose(np.sort(ranks[:, 0]), np.arange(1, 61) / 60)


def test_zscore_normalisation_has_zero_mean_unit_sd_on_held_out_rows(data):
    X_train, _, _ = data
    fusion = FusionDetector(_members_scoring_training_rows_like_new_rows(), method="zscore")
    z = fusion.fit(X_train).normalised_scores(X_train[fusion.reference_rows_])
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, atol=1e-12)


def test_holdout_zero_normalises_on_the_training_scores(data):
    X_train, _, _ = data
    fusion = FusionDetector(_members_scoring_training_rows_like_new_rows(), method="zscore",
                            holdout=0).fit(X_train)
    assert fusion.reference_rows_.size == 0
    z = fusion.normalised_scores(X_train)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, atol=1e-12)


class _Memoriser(BaseDetector):
    """Distance to the nearest training row: 0 on every training row (it memorised them),
    > 0 on every new row — the extreme of an autoencoder's optimistic training errors."""

    def _fit_scores(self, X):
        self.rows_ = X.copy()
        return np.zeros(X.shape[0])

    def _score(self, X):
        return np.sqrt(((X[:, None, :] - self.rows_[None]) ** 2).sum(-1)).min(axis=1)


def test_held_out_normalisation_removes_a_memorising_members_bias(data):
    """Ranked against its training scores, a memoriser puts every new normal row at the
    top (rank 1); ranked against held-out rows, new normal rows spread over [0, 1]."""
    X_train, X_test, _ = data
    new_normal = X_test[:100]
    biased = FusionDetector([_Memoriser()], holdout=0).fit(X_train)
    fair = FusionDetector([_Memoriser()]).fit(X_train)
    assert biased.normalised_scores(new_normal).min() == 1.0
    assert 0.35 < fair.normalised_scores(new_normal).mean() < 0.65


def test_holdout_split_is_deterministic_disjoint_and_complete():
    fit_rows, held = holdout_split(50, 0.2, 3)
    assert len(held) == 10 and len(fit_rows) == 40
    assert sorted([*fit_rows, *held]) == list(range(50))
    again = holdout_split(50, 0.2, 3)
    np.testing.assert_array_equal(fit_rows, again[0])
    assert not np.array_equal(held, holdout_split(50, 0.2, 4)[1])


@pytest.mark.parametrize("holdout, error", [(-0.1, ValueError), (0.95, ValueError),
                                            ("0.2", TypeError), (float("nan"), ValueError)])
def test_fusion_rejects_a_bad_holdout(data, holdout, error):
    with pytest.raises(error, match="holdout"):
        FusionDetector(_members(), holdout=holdout).fit(data[0])


def test_fusion_says_when_too_few_rows_are_left():
    with pytest.raises(ValueError, match="at least 1 and 2 rows"):
        FusionDetector(_members(), holdout=0.1).fit(np.zeros((4, 2)))


def test_fused_score_does_not_depend_on_a_members_scale(data):
    """Rescaling one member's scores by 1000 changes nothing after normalisation."""
    X_train, X_test, _ = data

    class Scaled(GaussianDetector):  # its training scores come from _score too
        def _score(self, X):
            return 1000 * super()._score(X)

    base = FusionDetector([GaussianDetector(), KNNDetector()], method="zscore").fit(X_train)
    scaled = FusionDetector([Scaled(), KNNDetector()], method="zscore").fit(X_train)
    np.testing.assert_allclose(base.decision_function(X_test), scaled.decision_function(X_test))


def test_members_are_cloned_not_modified(data):
    X_train, _, _ = data
    member = GaussianDetector()
    FusionDetector([member]).fit(X_train)
    assert not hasattr(member, "threshold_")


@pytest.mark.parametrize("bad", [[], None, [object()], "knn"])
def test_fusion_rejects_bad_members(data, bad):
    with pytest.raises(TypeError, match="non-empty list of detectors"):
        FusionDetector(bad).fit(data[0])


def test_fusion_rejects_unknown_method(data):
    with pytest.raises(ValueError, match="Unknown method"):
        FusionDetector(_members(), method="vote").fit(data[0])
