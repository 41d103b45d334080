"""The initialisations the course and Nielsen's book compare: "zeros" and "nielsen"."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet
from fnnet.network import INIT_SCHEMES


def test_both_schemes_are_listed_with_what_they_are_for():
    assert "symmetry" in INIT_SCHEMES["zeros"]
    assert "1 / fan_in" in INIT_SCHEMES["nielsen"] and "Nielsen" in INIT_SCHEMES["nielsen"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nielsen_draws_weights_of_variance_one_over_fan_in_and_standard_normal_biases(dtype):
    params = fnnet.init_params([400, 300, 200], seed=0, init="nielsen", dtype=dtype)
    again = fnnet.init_params([400, 300, 200], seed=0, init="nielsen", dtype=dtype)
    assert all(params[k].tobytes() == again[k].tobytes() and params[k].dtype == dtype for k in params)
    assert params["W1"].std() == pytest.approx(np.sqrt(1 / 400), rel=0.02)
    assert params["W2"].std() == pytest.approx(np.sqrt(1 / 300), rel=0.02)
    assert params["b1"].std() == pytest.approx(1.0, rel=0.2)
    # the same draws as "normal", the weights scaled by 1/sqrt(fan_in)
    normal = fnnet.init_params([400, 300, 200], seed=0, init="normal")
    np.testing.assert_allclose(params["W2"], (normal["W2"] / np.sqrt(300)).astype(dtype), rtol=1e-6)
    np.testing.assert_array_equal(params["b2"], normal["b2"].astype(dtype))


def test_zeros_makes_every_array_zero_and_draws_nothing():
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    params = fnnet.init_params([3, 4, 2], rng=rng, init="zeros", dtype=np.float32)
    assert [(k, v.shape, v.dtype) for k, v in params.items()] == [
        ("W1", (4, 3), np.float32), ("b1", (4, 1), np.float32), ("W2", (2, 4), np.float32), ("b2", (2, 1), np.float32)]
    assert all(not v.any() for v in params.values())
    assert rng.bit_generator.state == state


def test_zeros_never_breaks_the_symmetry_of_a_hidden_layer():
    """The course's lesson: every hidden unit gets the same gradient, so they stay copies."""
    X = np.random.default_rng(0).standard_normal((2, 100))
    y = (X[0] + X[1] > 0.8).astype(float)  # unbalanced: with balanced classes W2 would stay 0 too
    params = fnnet.init_params([2, 5, 1], init="zeros")
    trained, history = fnnet.train(params, X, y[None, :], ["sigmoid", "sigmoid"], "bce", epochs=30, batch_size=100,
                                   lr=1.0, verbose=0)
    W1, W2 = trained["W1"], trained["W2"]
    assert np.abs(W1).max() > 1e-4 and np.abs(W2).max() > 1e-3  # it moved ...
    # ... but every unit the same way (to round-off: BLAS may sum rows in different orders)
    np.testing.assert_allclose(W1, np.repeat(W1[:1], 5, axis=0), rtol=1e-10, atol=0)
    np.testing.assert_allclose(W2, np.repeat(W2[:, :1], 5, axis=1), rtol=1e-10, atol=0)


@pytest.mark.parametrize("init", ["zeros", "nielsen"])
def test_the_command_line_accepts_them(init, capsys):
    from fnnet.__main__ import main

    assert main(["train", "--data", "xor", "--epochs", "2", "--init", init, "-q"]) == 0
    assert "final training accuracy" in capsys.readouterr().out
