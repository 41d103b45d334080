"""Per-example and per-class weights: the weighted mean as the one reduction rule."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet

from conftest import assert_same, draw_problem, rel_errors, snapshot

CASES = [
    (["tanh", "sigmoid"], "bce"), (["relu", "softmax"], "cce"), (["sigmoid", "linear"], "mse"),
    (["tanh", "tanh"], "mse"), (["tanh", "softmax"], "mse"),  # the general chain rule, not the fused delta
]
IDS = ["sigmoid-bce", "softmax-cce", "linear-mse", "tanh-mse", "softmax-mse"]


@pytest.mark.parametrize("acts,loss", CASES, ids=IDS)
def test_weighted_gradients_are_exact(acts, loss, rng):
    params, X, Y = draw_problem([3, 5, 3 if "softmax" in acts else 2], acts, loss, 6, rng)
    X = X + 0.05
    w = rng.uniform(0.0, 3.0, 6)
    before = snapshot((params, X, Y, w))
    AL, cache = fnnet.forward(params, X, acts)
    grads = fnnet.backward(params, cache, Y, loss, sample_weight=w)
    numerical = fnnet.numerical_grads(
        lambda p: fnnet.cost(fnnet.forward(p, X, acts)[0], Y, loss, sample_weight=w), params)
    errors = rel_errors(grads, numerical)
    assert max(errors.values()) < 1e-7, errors
    assert_same(before, (params, X, Y, w))
    report = fnnet.gradcheck(params, X, Y, acts, loss, sample_weight=w)
    assert report.ok, str(report)
    unweighted = fnnet.backward(params, cache, Y, loss)
    assert not fnnet.gradcheck(params, X, Y, acts, loss, grads=unweighted, sample_weight=w).ok


@pytest.mark.parametrize("acts,loss", CASES, ids=IDS)
def test_weights_all_one_give_the_unweighted_numbers_exactly(acts, loss, rng):
    params, X, Y = draw_problem([3, 4, 3 if "softmax" in acts else 2], acts, loss, 5, rng)
    AL, cache = fnnet.forward(params, X, acts)
    assert fnnet.cost(AL, Y, loss, sample_weight=np.ones(5)) == fnnet.cost(AL, Y, loss)
    a, b = fnnet.backward(params, cache, Y, loss, sample_weight=np.ones(5)), fnnet.backward(params, cache, Y, loss)
    assert all(np.array_equal(a[k], b[k]) for k in params)


def test_an_integer_weight_counts_an_example_that_many_times(rng):
    acts = ["tanh", "sigmoid"]
    params, X, Y = draw_problem([2, 3, 1], acts, "bce", 4, rng)
    w = np.array([2, 1, 0, 3])
    repeat = np.repeat(np.arange(4), w)
    AL, cache = fnnet.forward(params, X, acts)
    AL2, cache2 = fnnet.forward(params, X[:, repeat], acts)
    assert fnnet.cost(AL, Y, "bce", sample_weight=w) == pytest.approx(fnnet.cost(AL2, Y[:, repeat], "bce"), rel=1e-14)
    weighted, repeated = fnnet.backward(params, cache, Y, "bce", sample_weight=w), fnnet.backward(params, cache2, Y[:, repeat], "bce")
    for key in params:
        np.testing.assert_allclose(weighted[key], repeated[key], rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("w, error, match", [
    (np.ones(4), ValueError, r"sample_weight must have one weight per example, shape \(5,\); got shape \(4,\)"),
    (np.array([1, 1, -1, 1, 1]), ValueError, r"sample_weight must hold finite weights >= 0"),
    (np.array([1, 1, np.nan, 1, 1]), ValueError, r"sample_weight must hold finite weights >= 0"),
    (np.zeros(5), ValueError, "sample_weight must have a positive sum"),
    (np.array(["a"] * 5), TypeError, "sample_weight must be a numeric array"),
], ids=["length", "negative", "nan", "zeros", "strings"])
def test_bad_sample_weights_are_named(w, error, match):
    params = fnnet.init_params([2, 1], seed=0)
    AL, cache = fnnet.forward(params, np.ones((2, 5)), ["sigmoid"])
    Y = np.ones((1, 5))
    for call in (lambda: fnnet.cost(AL, Y, "bce", sample_weight=w),
                 lambda: fnnet.backward(params, cache, Y, "bce", sample_weight=w)):
        with pytest.raises(error, match=match):
            call()


def test_a_custom_loss_without_weights_says_so():
    mse = fnnet.LOSSES["mse"]
    mine = fnnet.Loss("my_mse", lambda A, Y: mse.cost(A, Y), mse.gradient)
    with pytest.raises(TypeError, match="loss 'my_mse' does not take sample weights: its cost takes \\(A, Y\\)"):
        fnnet.cost(np.ones((1, 2)), np.zeros((1, 2)), mine, sample_weight=[1, 2])


# --- in train ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def unbalanced():
    rng = np.random.default_rng(0)
    y = (rng.random(120) < 0.2).astype(int)  # about 20% of class 1
    X = rng.standard_normal((2, 120)) + 1.5 * y
    return X, y.reshape(1, -1)


def _fit(data, **kwargs):
    X, Y = data
    return fnnet.train(fnnet.init_params([2, 6, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce", epochs=3,
                       batch_size=16, lr=0.1, seed=0, verbose=0, **kwargs)


def test_train_with_weights_of_one_is_the_unweighted_run_bit_for_bit(unbalanced):
    a, h_a = _fit(unbalanced, sample_weight=np.ones(120))
    b, h_b = _fit(unbalanced)
    assert h_a == h_b and all(np.array_equal(a[k], b[k]) for k in a)


def test_class_weight_balanced_is_sample_weight_m_over_k_counts(unbalanced):
    X, Y = unbalanced
    counts = np.bincount(Y[0])
    w = (120 / (2 * counts))[Y[0]]
    a, h_a = _fit(unbalanced, class_weight="balanced")
    b, h_b = _fit(unbalanced, sample_weight=w)
    c, h_c = _fit(unbalanced, class_weight={0: 120 / (2 * counts[0]), 1: 120 / (2 * counts[1])})
    assert h_a == h_b == h_c
    assert all(np.array_equal(a[k], b[k]) and np.array_equal(a[k], c[k]) for k in a)
    _, plain = _fit(unbalanced)
    assert h_a["cost"] != plain["cost"]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(class_weight="auto"), ValueError, "class_weight must be a dict of label -> weight or 'balanced'"),
    (dict(class_weight={3: 1.0}), ValueError, r"class_weight keys must be class labels 0..1, got 3"),
    (dict(class_weight={1: -2.0}), ValueError, r"class_weight\[1\] must be a non-negative finite number"),
    (dict(sample_weight=np.ones(7)), ValueError, r"sample_weight must have one weight per example, shape \(120,\)"),
], ids=["name", "label", "negative", "length"])
def test_bad_weights_in_train(unbalanced, kwargs, error, match):
    with pytest.raises(error, match=match):
        _fit(unbalanced, **kwargs)


def test_class_weight_needs_a_classifier():
    X, Y = fnnet.seed001(m=20, seed=0)
    with pytest.raises(ValueError, match="class_weight needs a classifying loss"):
        fnnet.train(fnnet.init_params([2, 3, 1], seed=0), X, Y, ["tanh", "linear"], "mse", epochs=1, batch_size=4,
                    lr=0.1, class_weight="balanced", verbose=0)
