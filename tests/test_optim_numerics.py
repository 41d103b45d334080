"""Optimizers at the edges of the dtype: an overflow is a ValueError naming the optimizer and the key,
never a RuntimeWarning and never an inf (or a silently frozen Adam) returned."""

import copy
import warnings

import numpy as np
import pytest

import fnnet
from fnnet.optim import OPTIMIZERS

#: The name each optimizer gives itself in its messages.
NAMES = sorted(OPTIMIZERS)


def _near_limit(dtype=np.float32):
    """Params at 3e38 (finite float32) and a gradient whose step p - lr * g overflows float32."""
    params = {"W1": np.array([[3e38, 1.0]], dtype=dtype), "b1": np.array([[0.5]], dtype=dtype)}
    grads = {"W1": np.array([[-3e38, 1.0]], dtype=dtype), "b1": np.array([[0.25]], dtype=dtype)}
    return params, grads


def _no_warning_call(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a RuntimeWarning would fail here, whatever pytest's settings
        return function(*args, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_overflowing_step_is_a_value_error_naming_optimizer_and_key(name):
    params, grads = _near_limit()
    init, update = OPTIMIZERS[name]
    state = init(params)
    before = copy.deepcopy((params, grads, state))
    with pytest.raises(ValueError, match=rf"^{name}: the update of 'W1' overflows float32 \(overflow encountered in "):
        _no_warning_call(update, params, grads, state, lr=1.0)
    for now, then in zip((params, grads), before[:2]):   # nothing written on the way out
        for k in now:
            np.testing.assert_array_equal(now[k], then[k])


def test_sgd_step_overflow_near_the_float32_limit():
    params, grads = _near_limit()
    with pytest.raises(ValueError, match=r"sgd: the update of 'W1' overflows float32 .*lower lr, clip the gradients"):
        _no_warning_call(fnnet.sgd_step, params, grads, 1.0)
    # lr * g alone overflowing is the same error
    with pytest.raises(ValueError, match=r"sgd: the update of 'b1' overflows float32 \(overflow encountered in multiply\)"):
        _no_warning_call(fnnet.sgd_step, {"b1": np.ones((1, 1), np.float32)}, {"b1": np.full((1, 1), 1e38, np.float32)}, 1e3)


@pytest.mark.parametrize("name", NAMES)
def test_finite_steps_near_the_limit_are_fine_and_finite(name):
    # params at 3e38 with a small gradient: no overflow, so no error and no warning
    params, grads = _near_limit()
    grads = {k: np.full_like(g, 0.5) for k, g in grads.items()}
    init, update = OPTIMIZERS[name]
    new, state = _no_warning_call(update, params, grads, init(params), lr=0.01)
    assert all(np.isfinite(p).all() and p.dtype == np.float32 for p in new.values())
    assert new["W1"][0, 0] == pytest.approx(3e38, rel=1e-3)   # (AdamW decays it by lr * 0.01)


@pytest.mark.parametrize("name", NAMES)
def test_tiny_gradients_underflow_quietly(name):
    # g**2 underflows float32 to 0: harmless (Adam's step is then m_hat / eps), no error
    params = {"W1": np.ones((2, 2), np.float32)}
    grads = {"W1": np.full((2, 2), 1e-30, np.float32)}
    init, update = OPTIMIZERS[name]
    new, state = _no_warning_call(update, params, grads, init(params), lr=1e-3)
    assert np.isfinite(new["W1"]).all() and new["W1"].dtype == np.float32


@pytest.mark.parametrize("name", ["adam", "adamw", "rmsprop", "adagrad"])
def test_gradient_whose_square_overflows_is_refused_not_a_frozen_step(name):
    # 1e20 is finite in float32 but its square is not: v (or s, G) would be inf and the step
    # g / sqrt(inf) = 0 for ever after, silently
    params = {"W1": np.zeros((1, 2), np.float32), "b1": np.zeros((1, 1), np.float32)}
    grads = {"W1": np.array([[1e20, 1.0]], np.float32), "b1": np.ones((1, 1), np.float32)}
    init, update = OPTIMIZERS[name]
    with pytest.raises(ValueError, match=rf"{name}: the update of 'W1' overflows float32 \(overflow encountered in square\)"):
        _no_warning_call(update, params, grads, init(params), lr=1e-3)


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_never_steps_silently_from_an_inf_second_moment(name):
    # a state whose v is already inf (an overflow before, or a file) would give m / inf = 0: refused
    params = {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}
    grads = {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}
    state = fnnet.init_adam(params)
    state["v"]["W1"] = np.array([[np.inf, 1.0]])
    with pytest.raises(ValueError, match=rf"{name}: state\['v'\]\['W1'\] contains NaN or inf \(1 entries\)"):
        _no_warning_call(OPTIMIZERS[name].update, params, grads, state, lr=0.1)


def test_adam_keeps_updating_every_entry_after_large_finite_gradients():
    # gradients whose squares float64 can just hold, then tiny ones: every step still moves every entry
    params = {"W1": np.zeros((1, 3))}
    state = fnnet.init_adam(params)
    for g in (1e150, 1e-150, 1.0):
        new, state = _no_warning_call(fnnet.adam_update, params, {"W1": np.full((1, 3), g)}, state, lr=0.1)
        assert np.all(new["W1"] < params["W1"] - 1e-3), g
        params = new


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_grads_are_named(name, bad):
    params = {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}
    grads = {"W1": np.ones((1, 2)), "b1": np.array([[bad]])}
    init, update = OPTIMIZERS[name]
    with pytest.raises(ValueError, match=rf"{name}: grads\['b1'\] contains NaN or inf \(1 entries\)"):
        _no_warning_call(update, params, grads, init(params), lr=0.1)


def test_non_finite_params_are_named():
    params = {"W1": np.array([[np.inf, 1.0]])}
    with pytest.raises(ValueError, match=r"momentum: params\['W1'\] contains NaN or inf"):
        _no_warning_call(fnnet.momentum_update, params, {"W1": np.ones((1, 2))}, fnnet.init_momentum(params), lr=0.1)


def test_float64_grads_too_large_for_float32_params():
    params = {"W1": np.ones((1, 2), np.float32)}
    with pytest.raises(ValueError, match=r"sgd: the update of 'W1' overflows float32 \(overflow encountered in cast\)"):
        _no_warning_call(fnnet.sgd_step, params, {"W1": np.array([[1e39, 0.0]])}, 0.1)


def test_train_reports_a_divergence_not_a_warning():
    # the optimizers' own check runs inside train's loop too
    X, Y = fnnet.seed001(m=64, seed=0)
    with pytest.raises((fnnet.TrainingDiverged, ValueError)):
        fnnet.train(fnnet.init_params([2, 8, 1], seed=0, dtype=np.float32), X, Y, ["relu", "linear"], "mse",
                    epochs=50, batch_size=16, lr=1e6, seed=0, verbose=0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_entry_of_a_large_array_is_named(name, bad):
    # a layer of 200 x 150: the one bad entry is found however the check looks at large arrays
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((200, 150)), "b1": np.zeros((200, 1)), "W2": np.ones((1, 200))}
    grads = {k: np.full_like(p, 0.5) for k, p in params.items()}
    grads["W1"][137, 41] = bad
    init, update = OPTIMIZERS[name]
    with pytest.raises(ValueError, match=rf"{name}: grads\['W1'\] contains NaN or inf \(1 entries\)"):
        _no_warning_call(update, params, grads, init(params), lr=0.1)


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_inf_second_moment_of_a_large_array_is_named(name):
    params = {"W1": np.ones((200, 150)), "b1": np.ones((200, 1))}
    grads = {k: np.ones_like(p) for k, p in params.items()}
    state = fnnet.init_adam(params)
    state["v"]["W1"] = np.ones((200, 150))
    state["v"]["W1"][5, 5] = np.inf
    with pytest.raises(ValueError, match=rf"{name}: state\['v'\]\['W1'\] contains NaN or inf \(1 entries\)"):
        _no_warning_call(OPTIMIZERS[name].update, params, grads, state, lr=0.1)


def test_large_finite_values_whose_squares_overflow_are_fine():
    # float64 entries of 1e200: every square overflows, yet the step is finite and allowed
    params = {"W1": np.full((3, 2), 1e200), "b1": np.full((3, 1), -1e200)}
    grads = {k: np.ones_like(p) for k, p in params.items()}
    new = _no_warning_call(fnnet.sgd_step, params, grads, 0.5)
    for k, p in params.items():
        np.testing.assert_array_equal(new[k], p - 0.5)
