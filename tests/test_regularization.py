"""Dropout and the L2/L1 penalty: exact gradients (finite differences with the masks held
fixed), the masks' statistics and reproducibility, and bad values named."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet

from conftest import assert_same, draw_problem, rel_errors, snapshot

TOL = 1e-7


def _numerical(params, X, Y, acts, loss, *, keep_prob=1.0, seed=None, l2=0.0, l1=0.0):
    """Central differences of the penalised cost, the dropout masks held fixed (the same
    Generator state for every evaluation)."""
    def J(p):
        rng = np.random.default_rng(seed) if seed is not None else None
        AL, _ = fnnet.forward(p, X, acts, keep_prob=keep_prob, rng=rng)
        return fnnet.cost(AL, Y, loss) + fnnet.penalty(p, l2=l2, l1=l1)
    return fnnet.numerical_grads(J, params)


@pytest.mark.parametrize("acts,loss", [
    (["relu", "tanh", "sigmoid"], "bce"),
    (["tanh", "sigmoid", "softmax"], "cce"),
    (["leaky_relu", "relu", "linear"], "mse"),
], ids=["bce", "cce", "mse"])
@pytest.mark.parametrize("keep_prob", [0.7, (0.5, 0.9)], ids=["one-value", "per-layer"])
def test_dropout_gradients_are_exact_with_the_masks_fixed(acts, loss, keep_prob, rng):
    params, X, Y = draw_problem([4, 6, 5, 3 if loss == "cce" else 2], acts, loss, 7, rng)
    X = X + 0.03
    AL, cache = fnnet.forward(params, X, acts, keep_prob=keep_prob, rng=np.random.default_rng(11))
    assert "D1" in cache and "D2" in cache and "D3" not in cache   # hidden layers only
    grads = fnnet.backward(params, cache, Y, loss)
    errors = rel_errors(grads, _numerical(params, X, Y, acts, loss, keep_prob=keep_prob, seed=11))
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("l2,l1", [(0.3, 0.0), (0.0, 0.05), (0.2, 0.1)], ids=["l2", "l1", "both"])
@pytest.mark.parametrize("dtype", [np.float64])
def test_penalty_gradients_are_exact(l2, l1, dtype, rng):
    acts = ["tanh", "sigmoid"]
    params, X, Y = draw_problem([3, 4, 1], acts, "bce", 6, rng, dtype=dtype)
    AL, cache = fnnet.forward(params, X, acts)
    grads = fnnet.backward(params, cache, Y, "bce", l2=l2, l1=l1)
    errors = rel_errors(grads, _numerical(params, X, Y, acts, "bce", l2=l2, l1=l1))
    assert max(errors.values()) < TOL, errors
    plain = fnnet.backward(params, cache, Y, "bce")
    for key in params:  # biases are never penalised; weights get exactly l2 W + l1 sign(W)
        expected = plain[key] + (l2 * params[key] + l1 * np.sign(params[key]) if key[0] == "W" else 0.0)
        np.testing.assert_allclose(grads[key], expected, rtol=1e-13, atol=1e-16)


def test_penalty_value_by_hand():
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[5.0]]), "W2": np.array([[3.0]]), "b2": np.array([[-7.0]])}
    assert fnnet.penalty(params, l2=0.5, l1=0.25) == pytest.approx(0.25 * (1 + 4 + 9) + 0.25 * (1 + 2 + 3))


def test_dropout_masks_are_reproducible_inverted_and_of_the_right_rate():
    params = fnnet.init_params([3, 400, 1], seed=0)
    X = np.random.default_rng(1).standard_normal((3, 500))
    before = snapshot((params, X))
    _, a = fnnet.forward(params, X, ["relu", "sigmoid"], keep_prob=0.8, rng=np.random.default_rng(5))
    _, b = fnnet.forward(params, X, ["relu", "sigmoid"], keep_prob=0.8, rng=np.random.default_rng(5))
    _, c = fnnet.forward(params, X, ["relu", "sigmoid"], keep_prob=0.8, rng=np.random.default_rng(6))
    assert_same(before, (params, X))
    np.testing.assert_array_equal(a["D1"], b["D1"])
    assert not np.array_equal(a["D1"], c["D1"])
    assert set(np.unique(a["D1"])) == {0.0, 1.25}
    assert abs(np.mean(a["D1"] > 0) - 0.8) < 0.01   # 200,000 draws
    _, plain = fnnet.forward(params, X, ["relu", "sigmoid"])
    np.testing.assert_allclose(a["A1"], plain["A1"] * a["D1"], rtol=1e-15)
    assert "D1" not in plain   # keep_prob=1: no dropout (prediction)


def test_dropout_works_in_float32():
    params = fnnet.init_params([3, 5, 1], seed=0, dtype=np.float32)
    X = np.ones((3, 4), np.float32)
    AL, cache = fnnet.forward(params, X, ["relu", "sigmoid"], keep_prob=0.5, rng=np.random.default_rng(0))
    grads = fnnet.backward(params, cache, np.ones((1, 4)), "bce", l2=0.1)
    assert cache["D1"].dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(keep_prob=0.0, rng=np.random.default_rng(0)), ValueError, r"keep_prob of layer 1 must be a number in \(0, 1\], got 0.0"),
    (dict(keep_prob=1.5, rng=np.random.default_rng(0)), ValueError, r"keep_prob of layer 1 must be a number in \(0, 1\]"),
    (dict(keep_prob=(0.5, 0.5), rng=np.random.default_rng(0)), ValueError, "keep_prob has 2 entries but the network has 1 hidden"),
    (dict(keep_prob="0.5", rng=np.random.default_rng(0)), TypeError, "keep_prob must be a number"),
    (dict(keep_prob=0.5), TypeError, r"keep_prob < 1 needs rng=numpy.random.Generator"),
], ids=["zero", "above-one", "count", "str", "no-rng"])
def test_dropout_bad_values(kwargs, error, match):
    with pytest.raises(error, match=match):
        fnnet.forward(fnnet.init_params([2, 3, 1], seed=0), np.ones((2, 4)), ["relu", "sigmoid"], **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(l2=-0.1), ValueError, "l2 must be a non-negative finite number, got -0.1"),
    (dict(l1=float("nan")), ValueError, "l1 must be a non-negative finite number"),
    (dict(l2="0.1"), TypeError, "l2 must be a non-negative finite number, got str"),
], ids=["negative", "nan", "str"])
def test_penalty_bad_values(kwargs, error, match):
    params = fnnet.init_params([2, 1], seed=0)
    _, cache = fnnet.forward(params, np.ones((2, 3)), ["sigmoid"])
    with pytest.raises(error, match=match):
        fnnet.backward(params, cache, np.ones((1, 3)), "bce", **kwargs)
    with pytest.raises(error, match=match):
        fnnet.penalty(params, **kwargs)
