"""The seed notebooks' own examples, run through the four public functions."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet


def descend(params, X, Y, activations, loss, lr, steps):
    """Full-batch gradient descent with the four atoms; returns params and the cost per step."""
    costs = []
    for _ in range(steps):
        AL, cache = fnnet.forward(params, X, activations)
        costs.append(fnnet.cost(AL, Y, loss))
        params = fnnet.sgd_step(params, fnnet.backward(params, cache, Y, loss), lr)
    return params, np.array(costs)


def test_seed002_raw_ints_sigmoid_bce_cost_falls():
    """The notebook's network and data as they are: int inputs in the hundreds, sigmoid layers
    that saturate (the notebook printed ten identical outputs). It still runs warning-free and
    its cost falls to log(2), the best a saturated first layer allows."""
    X, Y = fnnet.data.seed002()
    params = fnnet.init_params([2, 3, 3, 1], seed=0, init="normal")
    _, costs = descend(params, X, Y, ["sigmoid"] * 3, "bce", lr=0.1, steps=600)
    assert costs[-1] < costs[0]
    assert costs[-1] == pytest.approx(np.log(2), abs=1e-3)


def test_seed002_standardised_reaches_all_ten_correct():
    X, Y = fnnet.data.seed002()
    Xs = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    params = fnnet.init_params([2, 3, 3, 1], seed=0, init="normal")
    params, costs = descend(params, Xs, Y, ["sigmoid"] * 3, "bce", lr=1.0, steps=2000)
    AL, _ = fnnet.forward(params, Xs, ["sigmoid"] * 3)
    assert costs[-1] < 0.1 * costs[0]
    np.testing.assert_array_equal((AL > 0.5).astype(int), Y)


def test_seed003_crop_yields_linear_regression_as_in_the_notebook():
    """Notebook: [3, 2] with MSE, lr 1e-5, 10000 epochs, loss 6599 -> 0.518. Its loss is the mean
    over examples and both outputs of the squared error, which for two outputs equals our
    0.5 * sum over outputs, mean over examples; so the numbers compare directly."""
    X, Y = fnnet.data.seed003()
    params = fnnet.init_params([3, 2], seed=1, init="normal")
    params, costs = descend(params, X, Y, ["linear"], "mse", lr=1e-5, steps=10000)
    assert costs[0] > 1000
    assert costs[-1] < 0.55
    assert np.all(np.diff(costs[100:]) <= 1e-12)  # monotone once past the first steps


def test_seed001_product_target_relu_linear():
    """Notebook: [2, 5, 1] relu -> linear on y = 10 x0 x1 + noise; its mean squared error reached
    0.198. Ours is half the mean squared error."""
    X, Y = fnnet.data.seed001(seed=0)
    params = fnnet.init_params([2, 5, 1], seed=0)
    params, costs = descend(params, X, Y, ["relu", "linear"], "mse", lr=0.1, steps=2000)
    assert costs[0] > 1.0
    assert 2 * costs[-1] < 0.198 / 4
