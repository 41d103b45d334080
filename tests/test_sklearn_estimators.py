"""fnnet.sklearn: scikit-learn's own estimator checks, and the adapter against fnnet.train itself.

Needs the extra ``sklearn`` (skipped without it, the reason naming the module).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", reason="needs scikit-learn: the extra 'sklearn'")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import fnnet  # noqa: E402
from fnnet.sklearn import FnnetClassifier, FnnetRegressor  # noqa: E402

#: A run that stops at max_iter says so, as MLPClassifier does; these tests stop there on purpose.
quiet_convergence = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: Checks the estimators are expected to fail, each with its reason: none. Two candidates pass:
#: check_sample_weight_equivalence_on_dense_data fits the check's small data in one batch (so
#: no shuffle), and alpha's penalty is divided by the batch's total weight, as MLPClassifier
#: divides it, so weight 2 and a repeated row give the same cost.
EXPECTED_FAILED_CHECKS: dict = {}


@quiet_convergence
@parametrize_with_checks([FnnetClassifier(), FnnetRegressor()],
                         expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def _data(m=60, n=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0)


def _full_batch(est_class, **params):
    """An estimator whose run is train's, epoch for epoch: one batch (no shuffle), no penalty,
    no stopping rule before max_iter."""
    return est_class(**dict(dict(batch_size=10_000, alpha=0.0, tol=0.0, n_iter_no_change=10_000,
                                 random_state=0), **params))


@quiet_convergence
@pytest.mark.parametrize("solver", ["sgd", "adam", "nesterov"])
def test_fit_is_init_params_and_train(solver):
    X, y = _data()
    clf = _full_batch(FnnetClassifier, hidden_layer_sizes=(5, 3), activation="tanh", solver=solver,
                      learning_rate_init=0.05, max_iter=7).fit(X, y)
    params0 = fnnet.init_params([4, 5, 3, 1], seed=clf._seed)
    options = {"adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, "nesterov": {"beta": 0.9}}.get(solver)
    want, history = fnnet.train(params0, X.T, y.reshape(1, -1).astype(float), ["tanh", "tanh", "sigmoid"], "bce",
                                epochs=7, batch_size=60, lr=0.05, optimizer=solver, optimizer_options=options,
                                verbose=0)
    assert clf.activations_ == ["tanh", "tanh", "sigmoid"]
    assert sorted(clf.params_) == sorted(want) and clf.params_["W2"].shape == (3, 5)
    for key in want:
        np.testing.assert_allclose(clf.params_[key], want[key], rtol=1e-12, atol=1e-15, err_msg=key)
    np.testing.assert_allclose(clf.loss_curve_, history["cost"], rtol=1e-12)
    assert clf.n_iter_ == 7 and clf.history_["accuracy"] == history["accuracy"]


@quiet_convergence
@pytest.mark.parametrize("labels", [("no", "yes"), (-1, 1), (2.0, 7.0)])
def test_binary_labels_of_any_type_and_two_probability_columns(labels):
    X, y = _data()
    y = np.where(y, labels[1], labels[0])
    clf = FnnetClassifier((8,), learning_rate_init=0.01, max_iter=200, random_state=0).fit(X, y)
    assert list(clf.classes_) == list(labels)
    assert clf.params_["W2"].shape == (1, 8) and clf.activations_[-1] == "sigmoid"
    P = clf.predict_proba(X)
    p = fnnet.predict(clf.params_, X.T, clf.activations_)[0]
    np.testing.assert_array_equal(P[:, 1], p)
    np.testing.assert_array_equal(P[:, 0], 1.0 - p)
    assert clf.predict(X).dtype == np.asarray(labels).dtype
    np.testing.assert_array_equal(clf.predict(X), np.where(p >= 0.5, labels[1], labels[0]))
    assert clf.score(X, y) > 0.95


@quiet_convergence
def test_multiclass_is_softmax_and_cce_with_classes_in_order():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 3))
    y = np.array(["c", "a", "b"])[np.argmax(X, axis=1)]
    clf = FnnetClassifier((10,), learning_rate_init=0.01, max_iter=150, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["a", "b", "c"] and clf.activations_[-1] == "softmax"
    P = clf.predict_proba(X)
    assert P.shape == (90, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[P.argmax(axis=1)])
    assert clf.score(X, y) > 0.9


@quiet_convergence
def test_partial_fit_is_one_epoch_and_keeps_the_optimizer_state():
    X, y = _data()
    whole = _full_batch(FnnetClassifier, hidden_layer_sizes=(6,), max_iter=3, learning_rate_init=0.01).fit(X, y)
    parts = _full_batch(FnnetClassifier, hidden_layer_sizes=(6,), learning_rate_init=0.01)
    for _ in range(3):
        parts.partial_fit(X, y, classes=[False, True] if parts.__dict__.get("n_iter_") is None else None)
    assert parts.n_iter_ == 3 and len(parts.loss_curve_) == 3
    for key in whole.params_:  # Adam's moments and step count carried over: the same run
        np.testing.assert_allclose(parts.params_[key], whole.params_[key], rtol=1e-12, atol=1e-15)
    assert parts._optimizer_state["t"] == 3
    fresh_state = _full_batch(FnnetClassifier, hidden_layer_sizes=(6,), max_iter=1, learning_rate_init=0.01)
    fresh_state.fit(X, y).partial_fit(X, y)
    assert fresh_state._optimizer_state["t"] == 2


@quiet_convergence
def test_warm_start_continues_params_and_optimizer_state():
    X, y = _data()
    once = _full_batch(FnnetRegressor, hidden_layer_sizes=(4,), max_iter=5, learning_rate_init=0.01).fit(X, X[:, 0])
    twice = _full_batch(FnnetRegressor, hidden_layer_sizes=(4,), max_iter=2, learning_rate_init=0.01,
                        warm_start=True).fit(X, X[:, 0])
    twice.set_params(max_iter=3).fit(X, X[:, 0])
    assert twice.n_iter_ == 5 and len(twice.loss_curve_) == 5
    for key in once.params_:
        np.testing.assert_allclose(twice.params_[key], once.params_[key], rtol=1e-12, atol=1e-15)
    cold = _full_batch(FnnetRegressor, hidden_layer_sizes=(4,), max_iter=2, learning_rate_init=0.01).fit(X, X[:, 0])
    cold.fit(X, X[:, 0])
    assert cold.n_iter_ == 2


def test_partial_fit_needs_classes_first_and_the_same_classes_after():
    X, y = _data()
    clf = FnnetClassifier((3,))
    with pytest.raises(ValueError, match="classes must be given on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X, y, classes=[False, True])
    with pytest.raises(ValueError, match="not the classes of the first call"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="labels the classifier was not given"):
        clf.partial_fit(X, np.where(y, 2, 0))


@quiet_convergence
def test_class_weight_by_label_is_sample_weight_by_class():
    X, y = _data()
    labels = np.where(y, "spam", "ham")
    by_class = _full_batch(FnnetClassifier, hidden_layer_sizes=(4,), max_iter=5,
                           class_weight={"spam": 3.0}).fit(X, labels)
    by_example = _full_batch(FnnetClassifier, hidden_layer_sizes=(4,), max_iter=5).fit(
        X, labels, sample_weight=np.where(y, 3.0, 1.0))
    for key in by_class.params_:
        np.testing.assert_allclose(by_class.params_[key], by_example.params_[key], rtol=1e-12)
    with pytest.raises(ValueError, match="class_weight names the label 'eggs'"):
        FnnetClassifier(class_weight={"eggs": 2.0}).fit(X, labels)


def test_balanced_class_weight_lifts_the_minority_class():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] + 0.3 * rng.normal(size=400) > 1.3).astype(int)  # about 10% positives
    from sklearn.metrics import recall_score

    kw = dict(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=30, random_state=0)
    with pytest.warns(ConvergenceWarning):
        plain = FnnetClassifier(**kw).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        balanced = FnnetClassifier(class_weight="balanced", **kw).fit(X, y)
    assert recall_score(y, balanced.predict(X)) > recall_score(y, plain.predict(X)) + 0.1


def test_early_stopping_keeps_the_best_validation_epoch():
    X, y = _data(m=200)
    clf = FnnetClassifier((16,), learning_rate_init=0.05, max_iter=500, early_stopping=True, n_iter_no_change=4,
                          validation_fraction=0.2, random_state=0).fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ < 500
    best = clf.history_["best_epoch"]
    assert scores[best - 1] == max(scores) == clf.best_validation_score_
    assert all(s <= max(scores[:best]) + 1e-4 for s in scores[best:]) and len(scores) - best == 4
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_the_training_loss_rule_stops_before_max_iter():
    X, y = _data()
    clf = FnnetRegressor((4,), learning_rate_init=0.05, max_iter=2000, tol=1e-3, n_iter_no_change=3,
                         random_state=0).fit(X, X[:, 0])
    assert clf.n_iter_ < 2000 and "stopped" in clf.history_
    assert clf.validation_scores_ is None


@quiet_convergence
def test_regressor_shapes_one_and_several_targets():
    X, _ = _data()
    Y = np.column_stack([X[:, 0] - X[:, 1], 2 * X[:, 2]])
    reg = FnnetRegressor((8,), learning_rate_init=0.01, max_iter=300, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (60, 2) and reg.params_["W2"].shape == (2, 8)
    assert reg.activations_ == ["relu", "linear"] and reg.score(X, Y) > 0.9
    one = FnnetRegressor((8,), max_iter=5, random_state=0).fit(X, Y[:, 0])
    assert one.predict(X).shape == (60,)


@quiet_convergence
def test_pickle_with_string_activations_predicts_the_same():
    X, y = _data()
    clf = FnnetClassifier((5,), activation="leaky_relu", max_iter=20, keep_prob=0.9, l1=1e-4,
                          schedule=fnnet.cosine_decay(0.01, 20), random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    again.partial_fit(X, y)  # the optimizer state travels too
    assert again.n_iter_ == 21


@pytest.mark.parametrize("params, match", [
    (dict(hidden_layer_sizes=(4, 0)), "hidden_layer_sizes .* hidden layer 2 is 0"),
    (dict(hidden_layer_sizes="big"), "hidden_layer_sizes"),
    (dict(solver="lbfgs"), "solver must be one of 'sgd'"),
    (dict(alpha=-1.0), "alpha must be a number >= 0, got -1.0"),
    (dict(max_iter=0), "max_iter must be an int >= 1, got 0"),
    (dict(batch_size=0), "batch_size must be an int >= 1, got 0"),
    (dict(early_stopping=True, validation_fraction=1.5), r"validation_fraction must be in \(0, 1\), got 1.5"),
    (dict(activation="swish"), "swish"),
])
def test_bad_parameters_are_named_in_fit_not_init(params, match):
    X, y = _data()
    clf = FnnetClassifier(**params)  # accepted here: scikit-learn validates in fit
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_one_class_is_refused():
    X, _ = _data()
    with pytest.raises(ValueError, match="at least 2 classes; y has only one class, 'a'"):
        FnnetClassifier().fit(X, ["a"] * len(X))


@quiet_convergence
def test_a_diverging_warm_start_keeps_the_fitted_params_and_optimizer_state():
    X, y = _data()
    reg = FnnetRegressor((4,), solver="momentum", max_iter=3, warm_start=True, random_state=0).fit(X, 1e3 * X[:, 0])
    params = {k: v.copy() for k, v in reg.params_.items()}
    velocity = {k: v.copy() for k, v in reg._optimizer_state["velocity"].items()}
    with pytest.raises(fnnet.TrainingDiverged):
        reg.set_params(learning_rate_init=1e200).fit(X, 1e3 * X[:, 0])
    for key in params:
        np.testing.assert_array_equal(reg.params_[key], params[key])
        np.testing.assert_array_equal(reg._optimizer_state["velocity"][key], velocity[key])
    assert reg.n_iter_ == 3
