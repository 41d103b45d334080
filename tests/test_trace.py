"""fnnet.trace: the equations as the layered notes write them, and the numbers of forward/backward."""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest

import fnnet
from fnnet.__main__ import main


CASES = [
    ([2, 3, 3, 1], ["sigmoid", "sigmoid", "sigmoid"], "bce"),
    ([2, 3, 3, 1], ["tanh", "relu", "sigmoid"], "mse"),                       # chain rule at the output
    ([4, 5, 3], ["leaky_relu", "softmax"], "cce"),
    ([4, 5, 3], ["relu", "softmax"], "mse"),                                  # softmax's Jacobian product
    ([3, 2], ["linear"], "mse"),                                              # one layer
    ([3, 6, 5, 4, 3, 2], ["tanh", "relu", "sigmoid", "leaky_relu", "softmax"], "cce"),  # five layers
]


def _data(dims, loss, m=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], m))
    if loss == "cce" or (loss == "mse" and dims[-1] > 1 and dims[-1] != 2):
        Y = fnnet.one_hot(rng.integers(0, dims[-1], m), dims[-1])
    else:
        Y = rng.uniform(0, 1, (dims[-1], m)).round()
    return X, Y


@pytest.mark.parametrize("dims,acts,loss", CASES, ids=lambda v: "-".join(map(str, v)) if isinstance(v, list) else v)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_trace_returns_the_numbers_of_forward_cost_and_backward(dims, acts, loss, dtype):
    params = fnnet.init_params(dims, seed=1, dtype=dtype)
    X, Y = _data(dims, loss)
    kept = copy.deepcopy(params)
    t = fnnet.trace(params, X, Y, acts, loss, quiet=True)
    AL, cache = fnnet.forward(params, X, acts)
    grads = fnnet.backward(params, cache, Y, loss)
    rtol = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(t.AL, AL, rtol=rtol, atol=1e-12 if dtype == np.float64 else 1e-6)
    assert t.cost == pytest.approx(fnnet.cost(AL, Y, loss), rel=rtol)
    assert list(t.grads) == list(params)
    for key in params:
        assert t.grads[key].dtype == dtype and t.grads[key].shape == params[key].shape
        np.testing.assert_allclose(t.grads[key], grads[key], rtol=rtol * 10, atol=1e-12 if dtype == np.float64 else 1e-6)
    for l in range(1, len(acts) + 1):
        np.testing.assert_allclose(t.arrays[f"A{l}"], cache[f"A{l}"], rtol=rtol, atol=1e-12 if dtype == np.float64 else 1e-6)
    assert all(np.array_equal(kept[k], params[k]) for k in params)


def test_the_trace_writes_the_equations_with_their_shapes_in_order():
    X, Y = fnnet.seed002()
    params = fnnet.init_params([2, 3, 3, 1], seed=0, init="normal")
    out = io.StringIO()
    t = fnnet.trace(params, X, Y, ["sigmoid"] * 3, "bce", max_values=0, file=out)
    assert out.getvalue() == t.text + "\n"
    lines = [" ".join(line.split()) for line in t.text.splitlines()]
    assert lines[0] == "m = 10 examples, L = 3 layers, loss bce"
    assert lines[1:5] == ["forward", "A0 = X (2, 10)", "Y (1, 10)", "Z1 = W1 @ A0 + b1 (3, 10) = (3, 2) @ (2, 10) + (3, 1)"]
    assert lines[5:10] == ["A1 = sigmoid(Z1) (3, 10)", "Z2 = W2 @ A1 + b2 (3, 10) = (3, 3) @ (3, 10) + (3, 1)",
                           "A2 = sigmoid(Z2) (3, 10)", "Z3 = W3 @ A2 + b3 (1, 10) = (1, 3) @ (3, 10) + (1, 1)",
                           "A3 = sigmoid(Z3) (1, 10)"]
    assert lines[10] == f"J = bce(A3, Y) = {t.cost:.6g}"
    assert lines[11:] == [
        "backward",
        "dZ3 = (A3 - Y) / m (1, 10)",
        "dW3 = dZ3 @ A2.T (1, 3) = (1, 10) @ (10, 3)", "db3 = sum(dZ3, axis=1, keepdims=True) (1, 1)",
        "dA2 = W3.T @ dZ3 (3, 10) = (3, 1) @ (1, 10)", "dZ2 = dA2 * sigmoid'(Z2) (3, 10)",
        "dW2 = dZ2 @ A1.T (3, 3) = (3, 10) @ (10, 3)", "db2 = sum(dZ2, axis=1, keepdims=True) (3, 1)",
        "dA1 = W2.T @ dZ2 (3, 10) = (3, 3) @ (3, 10)", "dZ1 = dA1 * sigmoid'(Z1) (3, 10)",
        "dW1 = dZ1 @ A0.T (3, 2) = (3, 10) @ (10, 2)", "db1 = sum(dZ1, axis=1, keepdims=True) (3, 1)",
    ]


def test_small_arrays_are_printed_under_their_equation_and_large_ones_are_not():
    params = fnnet.init_params([2, 3, 1], seed=0)
    X, Y = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]]), np.array([[0.0, 1.0, 1.0]])
    t = fnnet.trace(params, X, Y, ["relu", "sigmoid"], "bce", max_values=9, quiet=True)
    lines = t.text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip().startswith("Z1 = "))
    assert lines[row + 1].split() == np.array2string(t.arrays["Z1"], precision=4).splitlines()[0].split()
    row = next(i for i, line in enumerate(lines) if line.strip().startswith("dW1 = "))
    assert lines[row + 1].strip().startswith("[[") and len(lines[row + 1:row + 4]) == 3
    big = fnnet.trace(params, np.ones((2, 4)), np.ones((1, 4)), ["relu", "sigmoid"], "bce", max_values=9, quiet=True)
    row = next(i for i, line in enumerate(big.text.splitlines()) if line.strip().startswith("Z1 = "))
    assert big.text.splitlines()[row + 1].strip().startswith("A1 = ")  # (3, 4): 12 entries, shape only


def test_bad_input_is_named():
    params = fnnet.init_params([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match="X"):
        fnnet.trace(params, np.ones((3, 4)), np.ones((1, 4)), ["relu", "sigmoid"], "bce")
    with pytest.raises(ValueError, match="max_values must be an int >= 0"):
        fnnet.trace(params, np.ones((2, 4)), np.ones((1, 4)), ["relu", "sigmoid"], "bce", max_values=-1)


def test_the_command_traces_seed_002(capsys):
    assert main(["trace", "--max-values", "0"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "seed 002: [2, 3, 3, 1], sigmoid -> sigmoid -> sigmoid, loss bce, init normal (seed 0), raw inputs"
    X, Y = fnnet.seed002()
    expected = fnnet.trace(fnnet.init_params([2, 3, 3, 1], seed=0, init="normal"), X, Y, ["sigmoid"] * 3, "bce",
                           max_values=0, quiet=True)
    assert out.splitlines()[1:] == expected.text.splitlines()
    assert main(["trace", "--hidden", "4", "--activation", "tanh", "--standardize"]) == 0
    out = capsys.readouterr().out
    assert "Z1 = W1 @ A0 + b1" in out and "(4, 10) = (4, 2) @ (2, 10) + (4, 1)" in out and "dZ1 = dA1 * tanh'(Z1)" in out
