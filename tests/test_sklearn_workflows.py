"""fnnet's estimators where scikit-learn works: Pipeline, GridSearchCV, cross_val_score, clone and a
pickled pipeline, on the breast-cancer data set scikit-learn ships (569 examples, 30 features).

Needs the extra ``sklearn`` (skipped without it, the reason naming the module).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="needs scikit-learn: the extra 'sklearn'")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from fnnet.sklearn import FnnetClassifier, FnnetRegressor  # noqa: E402


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    names = np.array(["malignant", "benign"])[y]  # string labels, as a user's data has them
    return train_test_split(X, names, test_size=0.25, random_state=0, stratify=names)


def _net(**params):
    return FnnetClassifier(**dict(dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=30,
                                       early_stopping=True, n_iter_no_change=5, random_state=0), **params))


def test_pipeline_scales_then_classifies_well(cancer):
    X_train, X_test, y_train, y_test = cancer
    pipe = make_pipeline(StandardScaler(), _net()).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.93
    assert list(pipe.classes_) == ["benign", "malignant"]
    unscaled = _net().fit(X_train, y_train)  # the raw features span 1e-3..4e3: scaling matters
    assert pipe.score(X_test, y_test) > unscaled.score(X_test, y_test)


def test_cross_val_score(cancer):
    X_train, _, y_train, _ = cancer
    scores = cross_val_score(make_pipeline(StandardScaler(), _net()), X_train, y_train,
                             cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,) and scores.min() > 0.9


def test_grid_search_over_pipeline_parameters(cancer):
    X_train, X_test, y_train, y_test = cancer
    grid = GridSearchCV(make_pipeline(StandardScaler(), _net()),
                        {"fnnetclassifier__hidden_layer_sizes": [(4,), (16,)],
                         "fnnetclassifier__alpha": [1e-4, 1.0]}, cv=3)
    grid.fit(X_train, y_train)
    assert set(grid.best_params_) == {"fnnetclassifier__hidden_layer_sizes", "fnnetclassifier__alpha"}
    assert grid.cv_results_["mean_test_score"].shape == (4,)
    assert grid.best_score_ == grid.cv_results_["mean_test_score"].max() > 0.9
    best = grid.best_estimator_[-1]
    assert best.params_["W1"].shape == (best.hidden_layer_sizes[0], 30)
    assert grid.score(X_test, y_test) > 0.9


def test_clone_is_unfitted_with_the_same_parameters(cancer):
    X_train, _, y_train, _ = cancer
    fitted = _net(class_weight="balanced", keep_prob=0.8).fit(StandardScaler().fit_transform(X_train), y_train)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "params_") and not hasattr(copy, "classes_")


def test_pickled_pipeline_carries_its_scaling(cancer):
    X_train, X_test, y_train, _ = cancer
    pipe = make_pipeline(StandardScaler(), _net()).fit(X_train, y_train)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict_proba(X_test), pipe.predict_proba(X_test))
    np.testing.assert_array_equal(again[0].mean_, pipe[0].mean_)
    assert again.predict(X_test[:3]).tolist() == pipe.predict(X_test[:3]).tolist()


def test_regressor_in_a_pipeline_on_diabetes():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    reg = make_pipeline(StandardScaler(), FnnetRegressor((8,), learning_rate_init=0.01, max_iter=300, early_stopping=True,
                                                         validation_fraction=0.2, random_state=0))
    reg.fit(X_train, (y_train - 150) / 75)  # targets near unit scale
    assert reg.score(X_test, (y_test - 150) / 75) > 0.25  # least squares: 0.36, MLPRegressor: 0.26
