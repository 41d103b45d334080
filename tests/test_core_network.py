"""init_params, forward, cost, sgd_step: values by hand, dtypes, purity, numerics."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet
from fnnet.activations import ACTIVATIONS

from conftest import assert_same, snapshot


# --- init_params ---------------------------------------------------------------------------
def test_init_shapes_keys_and_order():
    params = fnnet.init_params([2, 3, 3, 1], seed=0)
    assert [(k, v.shape) for k, v in params.items()] == [
        ("W1", (3, 2)), ("b1", (3, 1)), ("W2", (3, 3)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]
    assert all(v.dtype == np.float64 and v.flags.c_contiguous for v in params.values())


@pytest.mark.parametrize("init", ["he", "xavier", "normal", "small"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_seed_same_arrays_bit_for_bit(init, dtype):
    a = fnnet.init_params([5, 4, 3], seed=42, init=init, dtype=dtype)
    b = fnnet.init_params([5, 4, 3], seed=42, init=init, dtype=dtype)
    c = fnnet.init_params([5, 4, 3], seed=43, init=init, dtype=dtype)
    for key in a:
        assert a[key].dtype == dtype
        assert a[key].tobytes() == b[key].tobytes()
    assert not np.array_equal(a["W1"], c["W1"])


def test_float32_params_are_the_float64_ones_rounded():
    p64 = fnnet.init_params([4, 3, 2], seed=1)
    p32 = fnnet.init_params([4, 3, 2], seed=1, dtype=np.float32)
    for key in p64:
        np.testing.assert_array_equal(p32[key], p64[key].astype(np.float32))


def test_rng_argument_draws_from_the_given_generator():
    a = fnnet.init_params([3, 2], rng=np.random.default_rng(7))
    b = fnnet.init_params([3, 2], seed=7)
    np.testing.assert_array_equal(a["W1"], b["W1"])


@pytest.mark.parametrize("init,expected_std,bias_zero", [
    ("he", np.sqrt(2 / 400), True),
    ("xavier", np.sqrt(6 / 700) / np.sqrt(3), True),  # uniform(-l, l) has std l / sqrt(3)
    ("normal", 1.0, False),
    ("small", 0.01, True),
])
def test_init_scales(init, expected_std, bias_zero):
    params = fnnet.init_params([400, 300], seed=0, init=init)
    assert params["W1"].std() == pytest.approx(expected_std, rel=0.02)
    assert abs(params["W1"].mean()) < 0.05 * expected_std
    assert (np.count_nonzero(params["b1"]) == 0) == bias_zero
    if init == "xavier":
        assert np.abs(params["W1"]).max() <= np.sqrt(6 / 700)


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(layer_dims=[3]), ValueError, "at least an input and an output"),
    (dict(layer_dims=[3, 0, 1]), ValueError, r"layer_dims\[1\] must be an int >= 1, got 0"),
    (dict(layer_dims=[3, 2.5]), TypeError, r"layer_dims\[1\] must be an int >= 1, got float 2.5"),
    (dict(layer_dims="32"), TypeError, "layer_dims must be a list"),
    (dict(layer_dims=[3, 1], init="glorot"), ValueError, "unknown init 'glorot'; valid names are 'he', 'xavier'"),
    (dict(layer_dims=[3, 1], dtype=np.int64), TypeError, "float32 or float64"),
    (dict(layer_dims=[3, 1], seed=1, rng=np.random.default_rng(1)), ValueError, "either seed or rng"),
    (dict(layer_dims=[3, 1], rng=np.random.RandomState(1)), TypeError, "numpy.random.Generator"),
], ids=["one-size", "zero-units", "float-units", "str", "unknown-init", "int-dtype", "seed-and-rng", "legacy-rng"])
def test_init_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fnnet.init_params(**kwargs)


# --- forward -------------------------------------------------------------------------------
HAND = {
    "W1": np.array([[1.0, -1.0], [0.5, 2.0], [-2.0, 0.0]]),  # (3, 2)
    "b1": np.array([[0.0], [-1.0], [1.0]]),
    "W2": np.array([[1.0, 1.0, 1.0]]),  # (1, 3)
    "b2": np.array([[0.5]]),
}


def test_forward_by_hand_relu_linear():
    X = np.array([[1.0, 2.0, 0.0, -1.0], [3.0, 0.0, 1.0, 1.0]])  # (2, 4): non-square on purpose
    AL, cache = fnnet.forward(HAND, X, ["relu", "linear"])
    Z1 = np.array([[-2.0, 2.0, -1.0, -2.0], [5.5, 0.0, 1.0, 0.5], [-1.0, -3.0, 1.0, 3.0]])
    np.testing.assert_array_equal(cache["A1"], np.maximum(Z1, 0))
    np.testing.assert_array_equal(AL, [[6.0, 2.5, 2.5, 4.0]])
    assert AL is cache["A2"] and cache["A0"] is X
    assert sorted(cache) == ["A0", "A1", "A2", "activations"]
    assert [a.name for a in cache["activations"]] == ["relu", "linear"]


@pytest.mark.parametrize("name,z,expected", [
    ("sigmoid", [0.0, 2.0, -2.0], [0.5, 1 / (1 + np.exp(-2.0)), 1 / (1 + np.exp(2.0))]),
    ("tanh", [0.0, 1.0, -3.0], [0.0, np.tanh(1.0), np.tanh(-3.0)]),
    ("relu", [-1.5, 0.0, 2.5], [0.0, 0.0, 2.5]),
    ("leaky_relu", [-2.0, 0.0, 3.0], [-0.02, 0.0, 3.0]),
    ("linear", [-2.0, 0.0, 3.0], [-2.0, 0.0, 3.0]),
    ("identity", [-2.0, 0.0, 3.0], [-2.0, 0.0, 3.0]),
])
def test_activation_values(name, z, expected):
    np.testing.assert_allclose(ACTIVATIONS[name].function(np.array([z])), [expected], rtol=1e-15)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_activation_derivatives_match_differences(name):
    z = np.array([[-3.0, -0.7, 0.4, 2.2]])
    act = ACTIVATIONS[name]
    numerical = (act.function(z + 1e-6) - act.function(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(act.derivative(z), numerical, rtol=1e-7)


def test_softmax_normalises_each_column_over_units():
    Z = np.array([[1.0, 0.0, 3.0], [2.0, 0.0, 3.0]])  # (2 units, 3 examples)
    A = ACTIVATIONS["softmax"].function(Z)
    np.testing.assert_allclose(A.sum(axis=0), 1.0)
    np.testing.assert_allclose(A[:, 0], [1 / (1 + np.e), np.e / (1 + np.e)])
    np.testing.assert_allclose(A[:, 1], [0.5, 0.5])


def test_custom_activation_is_cached_with_z_and_needs_no_registration():
    cube = fnnet.Activation("cube", lambda z: z ** 3, lambda z: 3 * z ** 2)
    X = np.array([[1.0, 2.0], [0.0, -1.0]])
    AL, cache = fnnet.forward(HAND, X, [cube, "linear"])
    Z1 = HAND["W1"] @ X + HAND["b1"]
    np.testing.assert_array_equal(cache["Z1"], Z1)
    np.testing.assert_array_equal(cache["A1"], Z1 ** 3)
    assert "cube" not in ACTIVATIONS


def test_a_70_layer_network_runs_every_layer():
    dims = [3] + [2] * 69 + [1]
    params = fnnet.init_params(dims, seed=0)
    AL, cache = fnnet.forward(params, np.ones((3, 4)), ["tanh"] * 69 + ["linear"])
    assert "A70" in cache and AL is cache["A70"]
    grads = fnnet.backward(params, cache, np.zeros((1, 4)), "mse")
    assert list(grads) == list(params) and grads["W1"].shape == (2, 3)


def test_int_inputs_just_work_and_params_decide_dtype():
    X = np.array([[150, 254, 312], [70, 73, 68]])  # seed 002's data, ints
    for dtype in (np.float32, np.float64):
        params = fnnet.init_params([2, 3, 1], seed=0, dtype=dtype)
        AL, cache = fnnet.forward(params, X, ["relu", "sigmoid"])
        assert cache["A0"].dtype == dtype and AL.dtype == dtype
        grads = fnnet.backward(params, cache, np.array([[0, 1, 1]]), "bce")
        assert all(grads[k].dtype == dtype and grads[k].shape == params[k].shape for k in params)
        assert list(grads) == list(params)


@pytest.mark.parametrize("acts,loss", [(["tanh", "softmax"], "cce"), (["leaky_relu", "sigmoid"], "bce"),
                                       (["sigmoid", "linear"], "mse"), (["relu", "softmax"], "mse")])
def test_float32_stays_float32_everywhere(acts, loss, rng):
    params = fnnet.init_params([4, 5, 3], seed=2, dtype=np.float32)
    X = rng.standard_normal((4, 6)).astype(np.float32)
    Y = np.eye(3)[:, rng.integers(0, 3, 6)]  # float64 targets: cast once
    AL, cache = fnnet.forward(params, X, acts)
    assert all(v.dtype == np.float32 for k, v in cache.items() if k != "activations")
    grads = fnnet.backward(params, cache, Y, loss)
    assert all(g.dtype == np.float32 for g in grads.values())
    new = fnnet.sgd_step(params, grads, lr=0.1)
    assert all(v.dtype == np.float32 for v in new.values())
    # and the float32 grads agree with float64 ones to float32 precision
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    g64 = fnnet.backward(p64, fnnet.forward(p64, X, acts)[1], Y, loss)
    for key in params:
        np.testing.assert_allclose(grads[key], g64[key], rtol=2e-4, atol=1e-6)


# --- cost ----------------------------------------------------------------------------------
def test_costs_by_hand_two_outputs_three_examples():
    AL = np.array([[0.9, 0.2, 0.5], [0.1, 0.8, 0.5]])
    Y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    mse = 0.5 * ((0.1 ** 2 + 0.2 ** 2 + 0.5 ** 2) + (0.1 ** 2 + 0.2 ** 2 + 0.5 ** 2)) / 3
    bce = -(2 * np.log(0.9) + 2 * np.log(0.8) + 2 * np.log(0.5)) / 3
    cce = -(np.log(0.9) + np.log(0.8) + np.log(0.5)) / 3
    assert fnnet.cost(AL, Y, "mse") == pytest.approx(mse, rel=1e-14)
    assert fnnet.cost(AL, Y, "bce") == pytest.approx(bce, rel=1e-14)
    assert fnnet.cost(AL, Y, "cce") == pytest.approx(cce, rel=1e-14)
    assert isinstance(fnnet.cost(AL, Y, "mse"), float)


def test_cost_of_one_example():
    assert fnnet.cost(np.array([[0.25]]), np.array([[1]]), "bce") == pytest.approx(-np.log(0.25))


# --- sgd_step ------------------------------------------------------------------------------
def test_sgd_step_exact_and_new():
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[0.5]])}
    grads = {"W1": np.array([[0.5, -1.0]]), "b1": np.array([[2.0]])}
    new = fnnet.sgd_step(params, grads, lr=0.1)
    np.testing.assert_array_equal(new["W1"], [[0.95, 2.1]])
    np.testing.assert_array_equal(new["b1"], [[0.3]])
    assert list(new) == ["W1", "b1"] and new["W1"] is not params["W1"]


def test_sgd_step_keeps_params_dtype_with_float64_grads():
    params = {"W1": np.ones((2, 2), dtype=np.float32)}
    new = fnnet.sgd_step(params, {"W1": np.ones((2, 2))}, lr=np.float64(0.5))
    assert new["W1"].dtype == np.float32
    np.testing.assert_array_equal(new["W1"], 0.5)


# --- purity --------------------------------------------------------------------------------
@pytest.mark.parametrize("acts,loss", [
    (["sigmoid", "sigmoid"], "bce"), (["relu", "linear"], "mse"), (["tanh", "softmax"], "cce"),
    (["leaky_relu", "softmax"], "mse"),
])
def test_no_public_function_mutates_its_arguments(acts, loss, rng):
    params = fnnet.init_params([3, 4, 2], seed=5)
    X = rng.standard_normal((3, 5))
    Y = np.eye(2)[:, rng.integers(0, 2, 5)]
    params0, X0, Y0 = snapshot(params), X.copy(), Y.copy()
    AL, cache = fnnet.forward(params, X, acts)
    cache0, AL0 = snapshot(cache), AL.copy()
    fnnet.cost(AL, Y, loss)
    grads = fnnet.backward(params, cache, Y, loss)
    grads0 = snapshot(grads)
    fnnet.sgd_step(params, grads, lr=0.5)
    assert_same(params0, params, "params")
    assert_same(cache0, cache, "cache")
    assert_same(grads0, grads, "grads")
    np.testing.assert_array_equal(X0, X)
    np.testing.assert_array_equal(Y0, Y)
    np.testing.assert_array_equal(AL0, AL)


# --- numerics ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("output,loss", [("sigmoid", "bce"), ("softmax", "cce"), ("sigmoid", "mse"),
                                         ("softmax", "bce"), ("sigmoid", "cce")])
def test_saturated_outputs_stay_finite_without_warnings(dtype, output, loss):
    """Pre-activations of +-1e4: sigmoid/softmax saturate, log losses are clipped; no warnings
    (the suite runs with warnings as errors), finite cost and grads."""
    params = {"W1": np.array([[1e4, 0.0], [-1e4, 0.0], [0.0, 1e4]], dtype=dtype),
              "b1": np.zeros((3, 1), dtype=dtype)}
    X = np.array([[1.0, -1.0, 1.0, 0.0], [0.0, 0.0, -1.0, 1.0]])
    Y = np.array([[0, 1, 0, 1], [1, 0, 0, 0], [0, 0, 1, 0]])  # wrong on purpose: maximal loss
    AL, cache = fnnet.forward(params, X, [output])
    assert np.isfinite(AL).all() and AL.min() >= 0 and AL.max() <= 1
    J = fnnet.cost(AL, Y, loss)
    grads = fnnet.backward(params, cache, Y, loss)
    assert np.isfinite(J) and J > (0.9 if loss == "mse" else 10.0)
    assert all(np.isfinite(g).all() for g in grads.values())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_exact_in_both_tails(dtype):
    sig = ACTIVATIONS["sigmoid"].function
    z = np.array([[-1e4, -700.0, -80.0, -30.0, 0.0, 30.0, 1e4]], dtype=dtype)
    a = sig(z)
    assert a.dtype == dtype and np.isfinite(a).all()
    assert a[0, 0] == 0.0 and a[0, -1] == 1.0  # the correctly rounded values
    assert a[0, 1] == (0.0 if dtype == np.float32 else pytest.approx(np.exp(-700.0), rel=1e-13))
    np.testing.assert_allclose(a[0, 3], np.exp(-30.0) / (1 + np.exp(-30.0)), rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_softmax_of_huge_logits():
    A = ACTIVATIONS["softmax"].function(np.array([[1e4, -1e4], [1e4 - 1.0, 1e4]]))
    np.testing.assert_allclose(A, [[1 / (1 + np.exp(-1.0)), 0.0], [np.exp(-1.0) / (1 + np.exp(-1.0)), 1.0]])


def test_overflow_in_the_layer_loop_is_exact_and_silent():
    """An exp overflowing to inf gives sigmoid's exact 0 inside forward, with no warning, and
    the caller's error state is left as it was."""
    params = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    before = np.geterr()
    AL, _ = fnnet.forward(params, np.array([[-1000.0, 0.0]]), ["sigmoid"])
    np.testing.assert_array_equal(AL, [[0.0, 0.5]])
    assert np.geterr() == before
    with pytest.raises(RuntimeWarning, match="overflow"):
        np.exp(np.array([1000.0]))  # outside, overflow still warns (an error under the test settings)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_public_activation_functions_promote_ints_and_half_and_reject_other_dtypes(name):
    act = ACTIVATIONS[name]
    z = np.array([[-2.0, 0.5, 3.0]])
    want = act.function(z)
    assert want.dtype == np.float64
    np.testing.assert_array_equal(act.function(np.array([[-2, 0, 3]])), act.function(np.array([[-2.0, 0.0, 3.0]])))
    half = act.function(z.astype(np.float16))
    assert half.dtype == np.float32
    np.testing.assert_allclose(half, want, rtol=1e-3)
    assert act.derivative(z.astype(np.float16)).dtype == np.float32
    for dtype in (np.longdouble, np.complex128):
        if np.dtype(dtype) == np.float64:  # platforms where long double is double
            continue
        with pytest.raises(TypeError, match=r"activations work in float32 or float64; got an array of"):
            act.function(z.astype(dtype))
        with pytest.raises(TypeError, match=r"activations work in float32 or float64"):
            act.derivative(z.astype(dtype))
