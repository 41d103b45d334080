"""backward is exact: float64 finite differences for every sensible activation x loss pair."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet
from fnnet.activations import ACTIVATIONS
from fnnet.losses import LOSSES

from conftest import draw_problem, fd_grads, rel_errors

TOL = 1e-7
EPS = 1e-5  # central differences: truncation ~eps^2, round-off ~1e-16/eps

# Output activations that make sense for each loss: log losses need outputs in [0, 1].
# Every built-in activation, read from the registry (aliases once): a new record is tested here
# with no other change. Log losses need outputs in [0, 1]: the activations that give them.
BUILT_IN = [name for name, act in ACTIVATIONS.items() if next(k for k, a in ACTIVATIONS.items() if a is act) == name]
OUTPUTS = {
    "mse": BUILT_IN,
    "bce": ["sigmoid", "softmax"],
    "cce": ["softmax", "sigmoid"],
}
HIDDEN = [name for name in BUILT_IN if not ACTIVATIONS[name].output_only]

SOFTPLUS = fnnet.Activation(
    "softplus", lambda z: np.logaddexp(0.0, z), lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))
)


def make_problem(dims, acts, loss, m, seed):
    """A network and a batch whose relu pre-activations keep clear of the kink at 0."""
    rng = np.random.default_rng(seed)
    for _ in range(50):
        # He init keeps the signal alive through relu-family stacks, Glorot through the rest:
        # vanishing gradients would leave finite differences with round-off only
        params, X, Y = draw_problem(dims, acts, loss, m, rng)
        if _clear_of_kinks(params, X, acts) and _unsaturated(params, X, acts, loss):
            return params, X, Y
    raise AssertionError("could not draw a problem clear of relu kinks")


def _unsaturated(params, X, acts, loss, margin=1e-3):
    """Log losses of outputs within 1e-3 of 0 or 1 lose digits to round-off in log(1 - a)."""
    if loss == "mse":
        return True
    AL, _ = fnnet.forward(params, X, acts)
    return AL.min() > margin and AL.max() < 1 - margin


def _clear_of_kinks(params, X, acts, margin=1e-3):
    A = X
    for layer, act in enumerate(acts, start=1):
        Z = params[f"W{layer}"] @ A + params[f"b{layer}"]
        if act in ("relu", "leaky_relu") and np.abs(Z).min() < margin:
            return False
        A = fnnet.activations.get_activation(act).function(Z)
    return True


def cases():
    out = []
    # every output activation with every loss it makes sense with, under each hidden activation
    for loss, outputs in OUTPUTS.items():
        for i, output in enumerate(outputs):
            for j, hidden in enumerate(HIDDEN):
                n_layers = 1 + (i + j) % 5  # 1 to 5 layers across the table
                if n_layers == 1:
                    n_layers = 2
                dims = [3] + [4 + (k % 2) for k in range(n_layers - 1)] + [2 if output != "softmax" else 3]
                acts = [hidden] * (n_layers - 1) + [output]
                m = [1, 2, 7, 64][(i + 2 * j) % 4]
                out.append(pytest.param(dims, acts, loss, m, id=f"{hidden}-{output}-{loss}-L{n_layers}-m{m}"))
    # single-layer networks (no hidden layer), one per loss
    for loss, output in (("mse", "linear"), ("bce", "sigmoid"), ("cce", "softmax")):
        out.append(pytest.param([4, 3], [output], loss, 5, id=f"{output}-{loss}-L1-m5"))
    return out


@pytest.mark.parametrize("dims,acts,loss,m", cases())
def test_backward_matches_finite_differences(dims, acts, loss, m):
    params, X, Y = make_problem(dims, acts, loss, m, seed=len(dims) * 100 + m)
    AL, cache = fnnet.forward(params, X, acts)
    grads = fnnet.backward(params, cache, Y, loss)
    errors = rel_errors(grads, fd_grads(params, X, Y, acts, loss, EPS))
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("loss", ["mse", "bce", "cce"])
def test_custom_activation_gradients_are_exact(loss):
    acts = [SOFTPLUS, "tanh", "softmax" if loss != "bce" else "sigmoid"]
    params, X, Y = make_problem([3, 5, 4, 3], acts, loss, 6, seed=7)
    AL, cache = fnnet.forward(params, X, acts)
    grads = fnnet.backward(params, cache, Y, loss)
    errors = rel_errors(grads, fd_grads(params, X, Y, acts, loss, EPS))
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("output,loss", [("linear", "mse"), ("sigmoid", "bce"), ("softmax", "cce")])
def test_fused_output_delta_equals_general_chain_rule(output, loss, rng):
    act = ACTIVATIONS[output]
    Z = rng.standard_normal((3, 8))
    AL = act.function(Z)
    if loss == "cce":
        Y = np.eye(3)[:, rng.integers(0, 3, 8)]
    else:
        Y = rng.random((3, 8)).round()
    fused = LOSSES[loss].output_delta(act, AL, Y, fused=True)
    general = LOSSES[loss].output_delta(act, AL, Y, fused=False)
    np.testing.assert_allclose(fused, (AL - Y) / 8, rtol=1e-15)
    np.testing.assert_allclose(general, fused, rtol=1e-9, atol=1e-15)


def test_custom_sigmoid_takes_the_general_path_and_agrees(rng):
    """A user's own sigmoid is not fused, yet gives the same grads as the built-in."""
    my_sigmoid = fnnet.Activation("my_sigmoid", lambda z: 1 / (1 + np.exp(-z)),
                                  lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2)
    params = fnnet.init_params([3, 4, 2], seed=3)
    X, Y = rng.standard_normal((3, 5)), rng.integers(0, 2, (2, 5))
    g_builtin = fnnet.backward(params, fnnet.forward(params, X, ["tanh", "sigmoid"])[1], Y, "bce")
    AL, cache = fnnet.forward(params, X, ["tanh", my_sigmoid])
    assert "Z2" in cache
    g_custom = fnnet.backward(params, cache, Y, "bce")
    for key in params:
        np.testing.assert_allclose(g_custom[key], g_builtin[key], rtol=1e-10, atol=1e-14)


def test_mse_with_several_outputs_and_one_example_hand_derived():
    """One reduction rule: J = 0.5 * sum_k (a_k - y_k)^2 / m, here m = 1, three outputs."""
    params = {"W1": np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]]), "b1": np.array([[0.5], [0.0], [-1.0]])}
    X = np.array([[1.0], [2.0]])
    Y = np.array([[5.0], [-2.0], [0.0]])
    AL, cache = fnnet.forward(params, X, ["linear"])
    np.testing.assert_array_equal(AL, [[5.5], [-2.0], [3.0]])
    assert fnnet.cost(AL, Y, "mse") == pytest.approx(0.5 * (0.25 + 0 + 9.0))
    grads = fnnet.backward(params, cache, Y, "mse")
    # dZ = A - Y = [0.5, 0, 3]; dW = dZ @ X.T; db = dZ
    np.testing.assert_allclose(grads["W1"], [[0.5, 1.0], [0.0, 0.0], [3.0, 6.0]])
    np.testing.assert_allclose(grads["b1"], [[0.5], [0.0], [3.0]])


def test_db_is_the_sum_of_dz_not_of_dw_seed002_bug():
    """Seed 002's backprop_layer_2 sums dC_dW2 for db2; ours sums dC_dZ2, and only ours is right."""
    X, Y = fnnet.data.seed002()
    acts = ["sigmoid"] * 3
    params = fnnet.init_params([2, 3, 3, 1], seed=0, init="normal")
    Xs = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)  # keep sigmoids unsaturated
    AL, cache = fnnet.forward(params, Xs, acts)
    grads = fnnet.backward(params, cache, Y, "bce")
    numerical = fd_grads(params, Xs, Y, acts, "bce", EPS)
    assert rel_errors(grads, numerical)["b2"] < TOL
    notebook_db2 = np.sum(grads["W2"], axis=1, keepdims=True)  # the notebook's line
    notebook_error = rel_errors({"b2": notebook_db2}, {"b2": numerical["b2"]})["b2"]
    assert notebook_error > 0.1


def test_large_relu_layers_agree_with_a_hand_written_network(rng):
    """A 256 x 300 relu layer: forward and backward against plain NumPy formulas."""
    params = fnnet.init_params([20, 256, 3], seed=4)
    X = rng.standard_normal((20, 300))
    Y = rng.standard_normal((3, 300))
    AL, cache = fnnet.forward(params, X, ["relu", "linear"])
    A1 = np.maximum(params["W1"] @ X + params["b1"], 0.0)
    np.testing.assert_allclose(cache["A1"], A1, rtol=1e-12, atol=1e-14)
    grads = fnnet.backward(params, cache, Y, "mse")
    dZ2 = (AL - Y) / 300  # a hand-written backward, independent of the library
    dZ1 = (params["W2"].T @ dZ2) * (A1 > 0)
    np.testing.assert_allclose(grads["W1"], dZ1 @ X.T, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grads["b1"], dZ1.sum(axis=1, keepdims=True), rtol=1e-10, atol=1e-14)


def test_a_custom_loss_named_like_a_builtin_keeps_its_own_gradient(rng):
    double_mse = fnnet.Loss("mse", lambda A, Y: 2 * fnnet.LOSSES["mse"].cost(A, Y),
                            lambda A, Y: 2 * fnnet.LOSSES["mse"].gradient(A, Y), probabilities=False)
    params = fnnet.init_params([3, 4, 2], seed=1)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    AL, cache = fnnet.forward(params, X, ["tanh", "linear"])
    plain = fnnet.backward(params, cache, Y, "mse")
    doubled = fnnet.backward(params, cache, Y, double_mse)
    for key in params:
        np.testing.assert_allclose(doubled[key], 2 * plain[key], rtol=1e-14)


@pytest.mark.parametrize("dims,acts,loss,m", [
    ([1, 4, 1], ["tanh", "linear"], "mse", 5),  # input width 1: forward's W1 @ X is an outer product
    ([1, 4, 1], ["sigmoid", "sigmoid"], "bce", 1),  # m = 1: every dW is an outer product too
    ([2, 3, 1, 2], ["tanh", "tanh", "softmax"], "cce", 3),  # a width-1 layer mid-network
    ([600, 4, 3], ["tanh", "softmax"], "cce", 500),  # layer 1 transposed: 4 < 500, 1.2M multiply-adds
], ids=["input-width-1", "one-example", "width-1-hidden", "transposed-layer"])
def test_outer_and_transposed_products_are_exact(dims, acts, loss, m):
    """Products with an inner dimension of 1 (outer products), and those forward computes as
    (A.T @ W.T).T: the values of the plain formulas, and gradients exact to finite differences."""
    params, X, Y = make_problem(dims, acts, loss, m, seed=sum(dims) + m)
    AL, cache = fnnet.forward(params, X, acts)
    A = X
    for layer, act in enumerate(acts, start=1):  # the layer formulas, one plain matmul each
        A = ACTIVATIONS[act].function(params[f"W{layer}"] @ A + params[f"b{layer}"])
        np.testing.assert_allclose(cache[f"A{layer}"], A, rtol=1e-13, atol=1e-15)
    grads = fnnet.backward(params, cache, Y, loss)
    assert all(grads[k].shape == params[k].shape and grads[k].dtype == params[k].dtype for k in params)
    errors = rel_errors(grads, fd_grads(params, X, Y, acts, loss, EPS))
    assert max(errors.values()) < TOL, errors
