"""RMSprop, AdaGrad and AdamW: one and two steps by hand, against the closed form, and their options."""

import numpy as np
import pytest

import fnnet
from fnnet.optim import OPTIMIZERS

TINY = 1e-300  # an eps that changes nothing next to a square root of order 1 (eps must be > 0)


def _params_grads(seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1)),
              "W2": rng.standard_normal((1, 3)), "b2": rng.standard_normal((1, 1))}
    grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    return params, grads


def _one(value):
    return {"W1": np.array([[value]])}


# --- RMSprop -------------------------------------------------------------------------------


def test_rmsprop_two_steps_by_hand():
    # rho = 0.75, s0 = 0.  Step 1, g = 2: s = 0.25 * 4 = 1, p = 1 - 0.1 * 2 / 1 = 0.8.
    # Step 2, g = -1: s = 0.75 * 1 + 0.25 * 1 = 1, p = 0.8 + 0.1 * 1 / 1 = 0.9.
    params, state = _one(1.0), fnnet.init_rmsprop(_one(1.0))
    params, state = fnnet.rmsprop_update(params, _one(2.0), state, lr=0.1, rho=0.75, eps=TINY)
    np.testing.assert_allclose(state["mean_square"]["W1"], [[1.0]], rtol=1e-15)
    np.testing.assert_allclose(params["W1"], [[0.8]], rtol=1e-15)
    params, state = fnnet.rmsprop_update(params, _one(-1.0), state, lr=0.1, rho=0.75, eps=TINY)
    np.testing.assert_allclose(state["mean_square"]["W1"], [[1.0]], rtol=1e-15)
    np.testing.assert_allclose(params["W1"], [[0.9]], rtol=1e-15)


def test_rmsprop_step_closed_form_from_a_non_zero_state():
    params, grads = _params_grads()
    rng = np.random.default_rng(5)
    state = {"mean_square": {k: np.abs(rng.standard_normal(p.shape)) for k, p in params.items()}}
    lr, rho, eps = 0.01, 0.8, 1e-6
    new, ns = fnnet.rmsprop_update(params, grads, state, lr=lr, rho=rho, eps=eps)
    for k in params:
        s = rho * state["mean_square"][k] + (1 - rho) * grads[k] ** 2
        np.testing.assert_allclose(ns["mean_square"][k], s, rtol=1e-14)
        np.testing.assert_allclose(new[k], params[k] - lr * grads[k] / (np.sqrt(s) + eps), rtol=1e-14, atol=1e-15)


def test_rmsprop_first_step_from_zero_moves_by_lr_over_sqrt_one_minus_rho():
    # s = (1 - rho) g**2, so the step is lr * g / (sqrt(1 - rho) |g|) = lr * sign(g) / sqrt(1 - rho)
    params, grads = _params_grads()
    new, _ = fnnet.rmsprop_update(params, grads, fnnet.init_rmsprop(params), lr=0.01)
    for k in params:
        np.testing.assert_allclose(params[k] - new[k], 0.01 * np.sign(grads[k]) / np.sqrt(0.1), rtol=1e-6)


# --- AdaGrad -------------------------------------------------------------------------------


def test_adagrad_two_steps_by_hand():
    # G0 = 0. Step 1, g = 3: G = 9, p = 1 - 0.5 * 3 / 3 = 0.5. Step 2, g = 4: G = 25, p = 0.5 - 0.5 * 4 / 5 = 0.1.
    params, state = _one(1.0), fnnet.init_adagrad(_one(1.0))
    params, state = fnnet.adagrad_update(params, _one(3.0), state, lr=0.5, eps=TINY)
    np.testing.assert_array_equal(state["sum_square"]["W1"], [[9.0]])
    np.testing.assert_allclose(params["W1"], [[0.5]], rtol=1e-15)
    params, state = fnnet.adagrad_update(params, _one(4.0), state, lr=0.5, eps=TINY)
    np.testing.assert_array_equal(state["sum_square"]["W1"], [[25.0]])
    np.testing.assert_allclose(params["W1"], [[0.1]], rtol=1e-14)


def test_adagrad_initial_accumulator_damps_the_first_step():
    # G0 = 16, g = 3: G = 25, p = 1 - 0.5 * 3 / 5 = 0.7
    state = fnnet.init_adagrad(_one(1.0), initial_accumulator=16.0)
    np.testing.assert_array_equal(state["sum_square"]["W1"], [[16.0]])
    params, state = fnnet.adagrad_update(_one(1.0), _one(3.0), state, lr=0.5, eps=TINY)
    np.testing.assert_array_equal(state["sum_square"]["W1"], [[25.0]])
    np.testing.assert_allclose(params["W1"], [[0.7]], rtol=1e-15)


def test_adagrad_step_closed_form():
    params, grads = _params_grads()
    rng = np.random.default_rng(6)
    state = {"sum_square": {k: np.abs(rng.standard_normal(p.shape)) for k, p in params.items()}}
    new, ns = fnnet.adagrad_update(params, grads, state, lr=0.05, eps=1e-7)
    for k in params:
        G = state["sum_square"][k] + grads[k] ** 2
        np.testing.assert_allclose(ns["sum_square"][k], G, rtol=1e-15)
        np.testing.assert_allclose(new[k], params[k] - 0.05 * grads[k] / (np.sqrt(G) + 1e-7), rtol=1e-14, atol=1e-15)


def test_adagrad_zero_gradient_from_zero_state_is_no_step():
    params = {"W1": np.array([[1.0, -2.0]])}
    new, state = fnnet.adagrad_update(params, {"W1": np.zeros((1, 2))}, fnnet.init_adagrad(params), lr=0.1)
    np.testing.assert_array_equal(new["W1"], params["W1"])
    np.testing.assert_array_equal(state["sum_square"]["W1"], 0.0)


# --- AdamW ---------------------------------------------------------------------------------


def test_adamw_two_steps_by_hand_decays_weights_not_biases():
    # With a constant g, m_hat = g and v_hat = g**2 at every t, so Adam's direction is sign(g) = 1.
    # W: 1 - 0.1 * (1 + 0.5 * 1) = 0.85, then 0.85 - 0.1 * (1 + 0.5 * 0.85) = 0.7075.
    # b: 1 - 0.1 = 0.9, then 0.8.
    params = {"W1": np.array([[1.0]]), "b1": np.array([[1.0]])}
    grads = {"W1": np.array([[2.0]]), "b1": np.array([[2.0]])}
    state = fnnet.init_adam(params)
    params, state = fnnet.adamw_update(params, grads, state, lr=0.1, weight_decay=0.5, eps=TINY)
    np.testing.assert_allclose(params["W1"], [[0.85]], rtol=1e-14)
    np.testing.assert_allclose(params["b1"], [[0.9]], rtol=1e-14)
    np.testing.assert_allclose(state["m"]["W1"], [[0.2]], rtol=1e-14)     # (1 - 0.9) * 2: no decay in m
    np.testing.assert_allclose(state["v"]["W1"], [[0.004]], rtol=1e-14)   # (1 - 0.999) * 4
    params, state = fnnet.adamw_update(params, grads, state, lr=0.1, weight_decay=0.5, eps=TINY)
    assert state["t"] == 2
    np.testing.assert_allclose(state["m"]["W1"], [[0.38]], rtol=1e-14)    # 0.9 * 0.2 + 0.1 * 2
    np.testing.assert_allclose(params["W1"], [[0.7075]], rtol=1e-14)
    np.testing.assert_allclose(params["b1"], [[0.8]], rtol=1e-14)


def test_adamw_is_adam_plus_decoupled_decay_on_weights():
    params, grads = _params_grads()
    rng = np.random.default_rng(2)
    state = {"m": {k: rng.standard_normal(p.shape) for k, p in params.items()},
             "v": {k: np.abs(rng.standard_normal(p.shape)) for k, p in params.items()}, "t": 3}
    lr, wd = 0.01, 0.3
    adam, adam_state = fnnet.adam_update(params, grads, state, lr=lr)
    adamw, adamw_state = fnnet.adamw_update(params, grads, state, lr=lr, weight_decay=wd)
    for k in params:
        np.testing.assert_array_equal(adamw_state["m"][k], adam_state["m"][k])   # decay not in the moments
        np.testing.assert_array_equal(adamw_state["v"][k], adam_state["v"][k])
        expected = adam[k] - lr * wd * params[k] if k.startswith("W") else adam[k]
        np.testing.assert_allclose(adamw[k], expected, rtol=1e-14, atol=1e-16)
    for k in ("b1", "b2"):
        np.testing.assert_array_equal(adamw[k], adam[k])
    assert adamw_state["t"] == adam_state["t"] == 4


def test_adamw_with_zero_decay_is_adam_bit_for_bit_and_differs_from_adam_l2():
    params, grads = _params_grads()
    state = fnnet.init_adam(params)
    adam, _ = fnnet.adam_update(params, grads, state, lr=0.01)
    adamw0, _ = fnnet.adamw_update(params, grads, state, lr=0.01, weight_decay=0.0)
    for k in params:
        np.testing.assert_array_equal(adamw0[k], adam[k])
    # decoupled decay is not L2: Adam's L2 (in the gradient, as from fnnet.backward(l2=)) goes
    # through m and v and is normalised away at t = 1
    with_l2 = {k: g + 0.3 * params[k] if k.startswith("W") else g for k, g in grads.items()}
    l2, _ = fnnet.adam_update(params, with_l2, state, lr=0.01)
    adamw, _ = fnnet.adamw_update(params, grads, state, lr=0.01, weight_decay=0.3)
    assert not np.allclose(l2["W1"], adamw["W1"], rtol=1e-6, atol=0)


def test_adamw_default_decay_is_0_01():
    params, grads = _params_grads()
    state = fnnet.init_adam(params)
    default, _ = fnnet.adamw_update(params, grads, state, lr=0.01)
    explicit, _ = fnnet.adamw_update(params, grads, state, lr=0.01, weight_decay=0.01)
    for k in params:
        np.testing.assert_array_equal(default[k], explicit[k])


def test_registry_pairs():
    assert OPTIMIZERS["rmsprop"] == (fnnet.init_rmsprop, fnnet.rmsprop_update)
    assert OPTIMIZERS["adagrad"] == (fnnet.init_adagrad, fnnet.adagrad_update)
    assert OPTIMIZERS["adamw"] == (fnnet.init_adam, fnnet.adamw_update)
    for name in ("init_rmsprop", "rmsprop_update", "init_adagrad", "adagrad_update", "adamw_update", "clip_by_global_norm", "clip_by_value",
                 "clip_grads_by_global_norm", "clip_grads_by_value", "global_norm"):
        assert name in fnnet.__all__


@pytest.mark.parametrize("name", ["rmsprop", "adagrad", "adamw"])
def test_new_optimizers_train_through_fnnet_train(name):
    X, y = fnnet.xor(m=64, seed=0)
    Y = y.reshape(1, -1)
    params0 = fnnet.init_params([2, 8, 1], seed=0)
    lr = {"rmsprop": 0.01, "adagrad": 0.1, "adamw": 0.02}[name]
    params, history = fnnet.train(params0, X, Y, ["relu", "sigmoid"], "bce", epochs=30, batch_size=16,
                                  lr=lr, optimizer=name, seed=0, verbose=0)
    assert history["cost"][-1] < 0.8 * history["cost"][0]


# --- bad values of every new option ----------------------------------------------------------

BAD_OPTIONS = [
    (fnnet.rmsprop_update, {"rho": 1.0}, ValueError, r"rho must be in \[0, 1\), got 1.0"),
    (fnnet.rmsprop_update, {"rho": -0.1}, ValueError, r"rho must be in \[0, 1\), got -0.1"),
    (fnnet.rmsprop_update, {"rho": "0.9"}, TypeError, r"rho must be a number in \[0, 1\), got str '0.9'"),
    (fnnet.rmsprop_update, {"eps": 0.0}, ValueError, "eps must be a positive finite number, got 0.0"),
    (fnnet.rmsprop_update, {"eps": float("nan")}, ValueError, "eps must be a positive finite number, got nan"),
    (fnnet.adagrad_update, {"eps": -1e-8}, ValueError, "eps must be a positive finite number, got -1e-08"),
    (fnnet.adagrad_update, {"eps": None}, TypeError, "eps must be a positive finite number, got NoneType"),
    (fnnet.adagrad_update, {"lr": -1.0}, ValueError, "lr must be a non-negative finite number, got -1.0"),
    (fnnet.adamw_update, {"weight_decay": -0.01}, ValueError,
     "weight_decay must be a non-negative finite number, got -0.01"),
    (fnnet.adamw_update, {"weight_decay": float("inf")}, ValueError, "weight_decay must be a non-negative finite"),
    (fnnet.adamw_update, {"weight_decay": True}, TypeError, "weight_decay must be a non-negative finite number, got bool"),
    (fnnet.adamw_update, {"beta1": 1.0}, ValueError, r"beta1 must be in \[0, 1\), got 1.0"),
    (fnnet.adamw_update, {"beta2": -0.5}, ValueError, r"beta2 must be in \[0, 1\), got -0.5"),
    (fnnet.adamw_update, {"eps": 0}, ValueError, "eps must be a positive finite number, got 0.0"),
]


@pytest.mark.parametrize("update, kwargs, error, match", BAD_OPTIONS,
                         ids=[f"{u.__name__}-{'-'.join(k)}-{v!r}" for u, k, _, _ in BAD_OPTIONS for v in k.values()])
def test_bad_option_values_name_the_option(update, kwargs, error, match):
    params, grads = _params_grads()
    init = {fnnet.rmsprop_update: fnnet.init_rmsprop, fnnet.adagrad_update: fnnet.init_adagrad,
            fnnet.adamw_update: fnnet.init_adam}[update]
    with pytest.raises(error, match=match):
        update(params, grads, init(params), **{"lr": 0.1, **kwargs})


@pytest.mark.parametrize("value, error, match", [
    (-1.0, ValueError, "initial_accumulator must be a non-negative finite number, got -1.0"),
    (float("nan"), ValueError, "initial_accumulator must be a non-negative finite number, got nan"),
    ("0.1", TypeError, "initial_accumulator must be a non-negative finite number, got str '0.1'"),
], ids=["negative", "nan", "str"])
def test_bad_initial_accumulator(value, error, match):
    with pytest.raises(error, match=match):
        fnnet.init_adagrad(_params_grads()[0], initial_accumulator=value)


def test_state_of_another_optimizer_is_refused_naming_the_init():
    params, grads = _params_grads()
    with pytest.raises(ValueError, match=r"state has no 'mean_square'; pass the dict returned by init_rmsprop\(params\)"):
        fnnet.rmsprop_update(params, grads, fnnet.init_adam(params), lr=0.1)
    with pytest.raises(ValueError, match=r"state has no 'sum_square'; pass the dict returned by init_adagrad\(params\)"):
        fnnet.adagrad_update(params, grads, fnnet.init_rmsprop(params), lr=0.1)
    with pytest.raises(TypeError, match=r"state must be the dict returned by init_adam\(params\), got list"):
        fnnet.adamw_update(params, grads, [], lr=0.1)
    with pytest.raises(ValueError, match=r"state has no 'velocity'; pass the dict returned by init_momentum\(params\)"):
        OPTIMIZERS["nesterov"].update(params, grads, {}, lr=0.1)
    bad = fnnet.init_rmsprop(params)
    bad["mean_square"]["b1"] = np.zeros((1, 3))
    with pytest.raises(ValueError, match=r"state\['mean_square'\]\['b1'\] has shape \(1, 3\), expected \(3, 1\)"):
        fnnet.rmsprop_update(params, grads, bad, lr=0.1)
