"""course_utils.model_selection: parameters chosen on validation labels only, test never used."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from course_utils import datasets, detectors, metrics
from course_utils.model_selection import ValidationSearch, predefined_split

GRID = {"knndetector__n_neighbors": [1, 3, 10, 30]}


@pytest.fixture(scope="module")
def cancer():
    return datasets.load("breast_cancer", random_state=0)


def _knn():
    return make_pipeline(StandardScaler(), detectors.KNNDetector())


def test_selects_the_best_validation_score_and_refits_on_training_rows(cancer):
    search = ValidationSearch(_knn(), GRID).fit(cancer.X_train, cancer.X_val, cancer.y_val)
    by_hand = []
    for k in GRID["knndetector__n_neighbors"]:
        model = _knn().set_params(knndetector__n_neighbors=k).fit(cancer.X_train)
        by_hand.append(metrics.roc_auc(cancer.y_val, model.decision_function(cancer.X_val)))
    assert [r["score"] for r in search.results_] == pytest.approx(by_hand, abs=1e-12)
    assert search.best_score_ == max(by_hand)
    assert search.best_params_ == {"knndetector__n_neighbors":
                                   GRID["knndetector__n_neighbors"][int(np.argmax(by_hand))]}
    # refitted on the training rows only: as many training scores as training rows
    knn = search.best_estimator_[-1]
    assert knn.decision_scores_.shape == (len(cancer.X_train),)
    best = _knn().set_params(**search.best_params_).fit(cancer.X_train)
    np.testing.assert_array_equal(search.decision_function(cancer.X_test),
                                  best.decision_function(cancer.X_test))
    assert set(np.unique(search.predict(cancer.X_test))) <= {0, 1}


def test_poisoned_test_labels_do_not_change_the_selection(cancer):
    """The search receives no test data; permuting or flipping y_test changes the test AUC only."""
    rng = np.random.default_rng(0)
    chosen, test_aucs = [], []
    for y_test in (cancer.y_test, rng.permutation(cancer.y_test), 1 - cancer.y_test):
        search = ValidationSearch(_knn(), GRID).fit(cancer.X_train, cancer.X_val, cancer.y_val)
        chosen.append(search.best_params_)
        test_aucs.append(metrics.roc_auc(y_test, search.decision_function(cancer.X_test)))
    assert chosen[0] == chosen[1] == chosen[2]
    assert test_aucs[0] > 0.9 and test_aucs[2] < 0.1      # the poison did reach the test AUC


def test_poisoned_validation_labels_do_change_it(cancer):
    """The converse, so the test above can fail: the selection does follow the validation labels."""
    search = ValidationSearch(_knn(), GRID).fit(cancer.X_train, cancer.X_val, cancer.y_val)
    flipped = ValidationSearch(_knn(), GRID).fit(cancer.X_train, cancer.X_val, 1 - cancer.y_val)
    assert flipped.best_params_ != search.best_params_


def test_agrees_with_scikit_learns_grid_search_on_a_predefined_split(cancer):
    X, y, cv = predefined_split(cancer.X_train, cancer.X_val, cancer.y_val)
    grid = GridSearchCV(_knn(), GRID, scoring="roc_auc", cv=cv, refit=False).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()                  # the detectors are outlier detectors to it
    search = ValidationSearch(_knn(), GRID).fit(cancer.X_train, cancer.X_val, cancer.y_val)
    np.testing.assert_allclose(scores, [r["score"] for r in search.results_], atol=1e-12)
    assert grid.best_params_ == search.best_params_


def test_pr_auc_and_a_function_as_scoring(cancer):
    pr = ValidationSearch(_knn(), GRID, scoring="pr_auc").fit(cancer.X_train, cancer.X_val,
                                                               cancer.y_val)
    own = ValidationSearch(_knn(), GRID, scoring=lambda y, s: metrics.pr_auc(y, s))
    own.fit(cancer.X_train, cancer.X_val, cancer.y_val)
    assert pr.best_score_ == own.best_score_ and pr.best_params_ == own.best_params_


def test_a_failing_candidate_is_skipped_with_its_message(cancer):
    grid = {"pcadetector__n_components": [0.9, 30]}   # 30 of 30 components: error is 0 everywhere
    search = ValidationSearch(make_pipeline(StandardScaler(), detectors.PCADetector()), grid)
    search.fit(cancer.X_train, cancer.X_val, cancer.y_val)
    assert search.best_params_ == {"pcadetector__n_components": 0.9}
    assert np.isnan(search.results_[1]["score"]) and "Keep fewer" in search.results_[1]["error"]
    with pytest.raises(ValueError, match="Every candidate of param_grid failed.*Keep fewer"):
        ValidationSearch(make_pipeline(StandardScaler(), detectors.PCADetector()),
                         {"pcadetector__n_components": [30]}).fit(cancer.X_train, cancer.X_val,
                                                                  cancer.y_val)


# ------------------------------------------------------------------------- bad input, clear messages

@pytest.mark.parametrize(("grid", "error", "match"), [
    ({"n_neighbours": [1, 2]}, ValueError, r"does not have; its parameters are:.*knndetector__n_neighbors"),
    ({"knndetector__n_neighbors": []}, ValueError, r"must be a non-empty list of values"),
    ({"knndetector__n_neighbors": 5}, ValueError, r"must be a non-empty list of values, got 5"),
    ({"knndetector__method": "mean"}, ValueError, r"non-empty list of values, got 'mean'"),
    ("knndetector__n_neighbors", TypeError, r"param_grid must be a dict"),
    ([], ValueError, r"has no candidate"),
])
def test_bad_grids_are_rejected_with_a_clear_message(cancer, grid, error, match):
    with pytest.raises(error, match=match):
        ValidationSearch(_knn(), grid).fit(cancer.X_train, cancer.X_val, cancer.y_val)


def test_bad_data_and_scoring_are_rejected_with_a_clear_message(cancer):
    ds = cancer
    with pytest.raises(ValueError, match=r"y_val must contain both classes"):
        ValidationSearch(_knn(), GRID).fit(ds.X_train, ds.X_val, np.zeros(len(ds.y_val)))
    with pytest.raises(ValueError, match=r"y_val has \d+ labels but there are \d+ samples"):
        ValidationSearch(_knn(), GRID).fit(ds.X_train, ds.X_val, ds.y_val[:-1])
    with pytest.raises(ValueError, match=r"y_val must contain only 0 \(normal\) and 1"):
        ValidationSearch(_knn(), GRID).fit(ds.X_train, ds.X_val, 2 * ds.y_val)
    with pytest.raises(ValueError, match=r"X_val has 29 features but X_train has 30"):
        ValidationSearch(_knn(), GRID).fit(ds.X_train, ds.X_val[:, 1:], ds.y_val)
    X_nan = ds.X_val.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"X_val contains 1 NaN"):
        ValidationSearch(_knn(), GRID).fit(ds.X_train, X_nan, ds.y_val)
    with pytest.raises(ValueError, match=r"scoring must be one of 'roc_auc', 'pr_auc'"):
        ValidationSearch(_knn(), GRID, scoring="accuracy").fit(ds.X_train, ds.X_val, ds.y_val)
    with pytest.raises(TypeError, match=r"estimator must be a detector"):
        ValidationSearch(StandardScaler(), {"with_mean": [True]}).fit(ds.X_train, ds.X_val,
                                                                     ds.y_val)
    with pytest.raises(NotFittedError, match=r"call fit\(X_train, X_val, y_val\) first"):
        ValidationSearch(_knn(), GRID).decision_function(ds.X_test)


def test_the_callers_arrays_are_left_alone(cancer):
    copies = [a.copy() for a in (cancer.X_train, cancer.X_val, cancer.y_val)]
    ValidationSearch(_knn(), GRID).fit(cancer.X_train, cancer.X_val, cancer.y_val)
    for before, after in zip(copies, (cancer.X_train, cancer.X_val, cancer.y_val), strict=True):
        np.testing.assert_array_equal(before, after)


def test_ties_keep_the_estimators_own_setting_else_the_first_candidate():
    """On a validation split every candidate separates perfectly, so all tie at 1.0."""
    rng = np.random.default_rng(0)
    X_train, X_val = rng.normal(size=(60, 2)), np.r_[rng.normal(size=(20, 2)), np.full((5, 2), 9.0)]
    y_val = np.r_[np.zeros(20), np.ones(5)]
    default = ValidationSearch(detectors.KNNDetector(), {"n_neighbors": [1, 5, 10]})
    assert default.fit(X_train, X_val, y_val).best_params_ == {"n_neighbors": 5}
    assert [r["score"] for r in default.results_] == [1.0, 1.0, 1.0]
    other = ValidationSearch(detectors.KNNDetector(n_neighbors=7), {"n_neighbors": [1, 5, 10]})
    assert other.fit(X_train, X_val, y_val).best_params_ == {"n_neighbors": 1}
