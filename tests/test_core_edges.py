"""The core at its edges: custom derivatives of the wrong shape, gradients that overflow,
gradients with respect to the inputs, and target messages that say exactly what is wrong."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet

from conftest import assert_same, snapshot


def _custom(shape_of_slope):
    """A tanh whose derivative returns an array of the given shape (a function of Z's shape)."""
    return fnnet.Activation("bad_tanh", np.tanh, lambda z: np.ones(shape_of_slope(z.shape)))


@pytest.mark.parametrize("shape_of_slope", [
    lambda s: (s[0], 1),    # broadcastable: would silently sum the wrong terms
    lambda s: (1, s[1]),    # broadcastable the other way
    lambda s: (s[0] + 1, s[1]),  # not broadcastable: a raw NumPy error before
], ids=["column", "row", "wrong-rows"])
def test_a_custom_derivative_of_the_wrong_shape_is_named(shape_of_slope):
    params = fnnet.init_params([2, 4, 1], seed=0)
    X, Y = np.ones((2, 5)), np.zeros((1, 5))
    _, cache = fnnet.forward(params, X, [_custom(shape_of_slope), "linear"])
    wrong = shape_of_slope((4, 5))
    with pytest.raises(ValueError, match=rf"the derivative of activation 'bad_tanh' of layer 1 returned shape "
                                         rf"\({wrong[0]}, {wrong[1]}\) for input of shape \(4, 5\)"):
        fnnet.backward(params, cache, Y, "mse")


def test_a_custom_function_of_the_wrong_shape_is_named_with_its_layer():
    squash = fnnet.Activation("sum_rows", lambda z: z.sum(axis=0, keepdims=True), lambda z: np.ones_like(z))
    with pytest.raises(ValueError, match=r"activation 'sum_rows' of layer 1 returned shape \(1, 5\) for input of "
                                         r"shape \(4, 5\); it must be element-wise"):
        fnnet.forward(fnnet.init_params([2, 4, 1], seed=0), np.ones((2, 5)), [squash, "linear"])


@pytest.mark.parametrize("scale", [1e154, 1e200])
def test_a_gradient_that_overflows_is_a_named_error_not_a_warning(scale):
    """Finite inputs so large that dW = dZ A^T overflows float64: a ValueError, no RuntimeWarning
    (warnings are errors in this test suite)."""
    params = {"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))}
    X = np.full((2, 3), scale)
    AL, cache = fnnet.forward(params, X, ["linear"])
    with pytest.raises(ValueError, match=r"the gradient 'W1' overflowed float64.*scale the inputs or targets down"):
        fnnet.backward(params, cache, np.zeros((1, 3)), "mse")


@pytest.mark.parametrize("acts,loss", [(["tanh", "sigmoid"], "bce"), (["relu", "softmax"], "cce"),
                                       (["sigmoid", "linear"], "mse")], ids=["bce", "cce", "mse"])
def test_gradient_with_respect_to_the_inputs_is_exact(acts, loss, rng):
    from conftest import draw_problem
    params, X, Y = draw_problem([3, 5, 2 if loss == "cce" else 1], acts, loss, 4, rng)
    X = X + 0.05  # keep relu pre-activations off their kink for the finite differences
    before = snapshot((params, X, Y))
    AL, cache = fnnet.forward(params, X, acts)
    grads, dX = fnnet.backward(params, cache, Y, loss, wrt_input=True)
    assert dX.shape == X.shape and dX.dtype == X.dtype
    assert_same(before, (params, X, Y))
    numerical = fnnet.numerical_grads(lambda p: fnnet.cost(fnnet.forward(params, p["X"], acts)[0], Y, loss), {"X": X})
    error = np.linalg.norm(dX - numerical["X"]) / (np.linalg.norm(dX) + np.linalg.norm(numerical["X"]))
    assert error < 1e-7, error
    plain = fnnet.backward(params, cache, Y, loss)
    assert all(np.array_equal(plain[k], grads[k]) for k in params)


def test_wrt_input_must_be_a_bool():
    params = fnnet.init_params([2, 1], seed=0)
    _, cache = fnnet.forward(params, np.ones((2, 3)), ["linear"])
    with pytest.raises(TypeError, match="wrt_input must be True or False, got str"):
        fnnet.backward(params, cache, np.zeros((1, 3)), "mse", wrt_input="yes")


def test_integer_class_labels_for_cce_point_to_one_hot():
    params = fnnet.init_params([2, 3], seed=0)
    AL, cache = fnnet.forward(params, np.ones((2, 4)), ["softmax"])
    labels = np.array([0, 2, 1, 1])
    for call in (lambda Y: fnnet.cost(AL, Y, "cce"), lambda Y: fnnet.backward(params, cache, Y, "cce")):
        with pytest.raises(ValueError, match=r"Y has shape \(4,\).*for class labels use fnnet\.one_hot\(labels, k\)"):
            call(labels)
        with pytest.raises(ValueError, match=r"Y has shape \(1, 4\).*for class labels use fnnet\.one_hot"):
            call(labels.reshape(1, -1))


def test_an_out_of_range_target_is_shown_to_all_its_digits():
    AL = np.array([[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"bce targets Y must lie in \[0, 1\]; got values in \[0, 1\.0000001\]"):
        fnnet.cost(AL, np.array([[0.0, 1.0000001]]), "bce")
