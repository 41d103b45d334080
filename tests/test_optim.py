"""Optimizers: one step against the closed-form update, state handling, dtype, purity, errors."""

import copy

import numpy as np
import pytest

import fnnet
from fnnet.optim import OPTIMIZERS


def _params_grads(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1)),
              "W2": rng.standard_normal((1, 3)), "b2": rng.standard_normal((1, 1))}
    grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    cast = lambda d: {k: v.astype(dtype) for k, v in d.items()}  # noqa: E731
    return cast(params), cast(grads)


#: The optimizers that take the gradient as given: an L2 penalty is in it (fnnet.backward(l2=)).
#: Only AdamW has a weight_decay, the decoupled kind.
PLAIN_OPTIMIZERS = sorted(set(OPTIMIZERS) - {"adamw"})

#: State slots that hold running squares (non-negative by construction).
SQUARE_SLOTS = {"v", "mean_square", "sum_square"}


def _random_state(name, params, seed=1):
    """A non-trivial state of optimizer ``name``, as after some steps: every slot dict random."""
    rng = np.random.default_rng(seed)
    state = {}
    for slot, value in OPTIMIZERS[name].init(params).items():
        if isinstance(value, dict):
            state[slot] = {k: rng.standard_normal(p.shape).astype(p.dtype) for k, p in params.items()}
            if slot in SQUARE_SLOTS:
                state[slot] = {k: np.abs(a) for k, a in state[slot].items()}
        else:
            state[slot] = 3  # Adam's step count t
    return state


def test_sgd_update_matches_sgd_step_and_formula():
    params, grads = _params_grads()
    new, state = fnnet.sgd_update(params, grads, fnnet.init_sgd(params), lr=0.1)
    old = fnnet.sgd_step(params, grads, 0.1)
    assert state == {}
    for k in params:
        np.testing.assert_array_equal(new[k], old[k])
        np.testing.assert_allclose(new[k], params[k] - 0.1 * grads[k], rtol=0, atol=1e-15)


@pytest.mark.parametrize("nesterov", [False, True], ids=["momentum", "nesterov"])
def test_momentum_step_closed_form(nesterov):
    params, grads = _params_grads()
    state = _random_state("momentum", params)
    lr, beta = 0.05, 0.8
    new, new_state = fnnet.momentum_update(params, grads, state, lr=lr, beta=beta, nesterov=nesterov)
    for k in params:
        v = beta * state["velocity"][k] - lr * grads[k]
        expected = params[k] + (beta * v - lr * grads[k] if nesterov else v)
        np.testing.assert_allclose(new_state["velocity"][k], v, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(new[k], expected, rtol=1e-14, atol=1e-15)


def test_momentum_first_step_from_zero_is_sgd():
    params, grads = _params_grads()
    new, _ = fnnet.momentum_update(params, grads, fnnet.init_momentum(params), lr=0.1)
    for k in params:
        np.testing.assert_allclose(new[k], params[k] - 0.1 * grads[k], rtol=1e-15, atol=1e-15)


def test_adam_step_closed_form():
    params, grads = _params_grads()
    state = _random_state("adam", params)
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-6
    new, ns = fnnet.adam_update(params, grads, state, lr=lr, beta1=b1, beta2=b2, eps=eps)
    assert ns["t"] == 4
    for k in params:
        m = b1 * state["m"][k] + (1 - b1) * grads[k]
        v = b2 * state["v"][k] + (1 - b2) * grads[k] ** 2
        expected = params[k] - lr * (m / (1 - b1 ** 4)) / (np.sqrt(v / (1 - b2 ** 4)) + eps)
        np.testing.assert_allclose(ns["m"][k], m, rtol=1e-14)
        np.testing.assert_allclose(ns["v"][k], v, rtol=1e-14)
        np.testing.assert_allclose(new[k], expected, rtol=1e-14, atol=1e-15)


def test_adam_first_step_moves_each_entry_by_about_lr():
    # m_hat = g, v_hat = g**2 at t = 1, so the step is lr * g / (|g| + eps) ~ lr * sign(g)
    params, grads = _params_grads()
    new, _ = fnnet.adam_update(params, grads, fnnet.init_adam(params), lr=0.01)
    for k in params:
        np.testing.assert_allclose(params[k] - new[k], 0.01 * np.sign(grads[k]), rtol=1e-5)


@pytest.mark.parametrize("name", PLAIN_OPTIMIZERS)
def test_weight_decay_is_not_an_option_l2_lives_in_the_cost(name):
    # one concept, not two: L2 is fnnet.backward(l2=) / fnnet.train(l2=), not an optimizer option
    params, grads = _params_grads()
    init, update = OPTIMIZERS[name]
    state = init(params)
    before = copy.deepcopy((params, grads, state))
    with pytest.raises(TypeError, match="unexpected keyword argument 'weight_decay'"):
        update(params, grads, state, lr=0.1, weight_decay=0.1)
    for now, then in zip((params, grads), before[:2]):
        for k in now:
            np.testing.assert_array_equal(now[k], then[k])


def test_l2_from_backward_then_sgd_is_the_old_weight_decay_step():
    # p - lr * (dp + lam * W) for weights, p - lr * dp for biases: the L2 step, now from the gradient
    X = np.array([[0.0, 1.0, 2.0, 3.0], [1.0, 0.0, 1.0, 0.0]])
    Y = np.array([[0, 1, 1, 0]])
    params = fnnet.init_params([2, 3, 1], seed=0)
    _, cache = fnnet.forward(params, X, ["tanh", "sigmoid"])
    plain = fnnet.backward(params, cache, Y, "bce")
    penalised = fnnet.backward(params, cache, Y, "bce", l2=0.3)
    new, _ = fnnet.sgd_update(params, penalised, {}, lr=0.1)
    for k, p in params.items():
        decay = 0.3 * p if k.startswith("W") else 0.0
        np.testing.assert_allclose(new[k], p - 0.1 * (plain[k] + decay), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_dtype_kept_in_params_and_state(name, dtype):
    params, grads = _params_grads(dtype)
    init, update = OPTIMIZERS[name]
    state = init(params)
    for _ in range(2):
        params, state = update(params, grads, state, lr=0.01)
    for k, p in params.items():
        assert p.dtype == dtype, k
    for sub in state.values():
        if isinstance(sub, dict):
            assert all(a.dtype == dtype for a in sub.values())


def test_float32_step_close_to_float64_step():
    p64, g64 = _params_grads(np.float64)
    p32, g32 = _params_grads(np.float32)
    n64, _ = fnnet.adam_update(p64, g64, fnnet.init_adam(p64), lr=0.01)
    n32, _ = fnnet.adam_update(p32, g32, fnnet.init_adam(p32), lr=0.01)
    for k in p64:
        np.testing.assert_allclose(n32[k], n64[k], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_pure_inputs_untouched_and_new_dicts(name):
    params, grads = _params_grads()
    init, update = OPTIMIZERS[name]
    state = _random_state(name, params)
    before = copy.deepcopy((params, grads, state))
    new, new_state = update(params, grads, state, lr=0.1)
    for a, b in zip((params, grads), before[:2]):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    for key, sub in state.items():
        if isinstance(sub, dict):
            for k in sub:
                np.testing.assert_array_equal(sub[k], before[2][key][k])
                assert new_state[key][k] is not sub[k]
        else:
            assert sub == before[2][key]
    assert new is not params and new_state is not state
    assert all(new[k] is not params[k] for k in params)
    assert list(new) == list(params)


@pytest.mark.parametrize("name, slots", [
    ("sgd", set()), ("momentum", {"velocity"}), ("nesterov", {"velocity"}), ("rmsprop", {"mean_square"}),
    ("adagrad", {"sum_square"}), ("adam", {"m", "v", "t"}), ("adamw", {"m", "v", "t"}),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_state_mirrors_params_key_shape_and_dtype(name, slots, dtype):
    params, _ = _params_grads(dtype)
    state = OPTIMIZERS[name].init(params)
    assert set(state) == slots
    for slot in slots - {"t"}:
        assert list(state[slot]) == list(params)
        for k, p in params.items():
            assert state[slot][k].shape == p.shape and state[slot][k].dtype == dtype
            assert not state[slot][k].any()
            assert state[slot][k] is not p
    if "t" in slots:
        assert state["t"] == 0 and type(state["t"]) is int


def test_optimizer_reduces_cost_on_a_small_network():
    X = np.array([[0.0, 1.0, 2.0, 3.0, 4.0], [1.0, 0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0, 0, 1, 1, 1]])
    acts = ["tanh", "sigmoid"]
    for name, (init, update) in OPTIMIZERS.items():
        params = fnnet.init_params([2, 4, 1], seed=0)
        state = init(params)
        first = None
        for _ in range(50):
            AL, cache = fnnet.forward(params, X, acts)
            first = fnnet.cost(AL, Y, "bce") if first is None else first
            params, state = update(params, fnnet.backward(params, cache, Y, "bce"), state, lr=0.05)
        assert fnnet.cost(fnnet.forward(params, X, acts)[0], Y, "bce") < 0.8 * first, name


@pytest.mark.parametrize("kwargs, error, match", [
    ({"lr": -0.1}, ValueError, "lr must be a non-negative finite number, got -0.1"),
    ({"lr": float("nan")}, ValueError, "lr must be a non-negative finite number"),
    ({"lr": 0.1, "beta": 1.0}, ValueError, r"beta must be in \[0, 1\), got 1.0"),
    ({"lr": 0.1, "beta": -0.1}, ValueError, r"beta must be in \[0, 1\)"),
    ({"lr": 0.1, "beta": "0.9"}, TypeError, "beta must be a number"),
], ids=["lr-zero", "lr-nan", "beta-one", "beta-negative", "beta-str"])
def test_momentum_hyper_parameter_errors(kwargs, error, match):
    params, grads = _params_grads()
    with pytest.raises(error, match=match):
        fnnet.momentum_update(params, grads, fnnet.init_momentum(params), **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"beta1": 1.0}, ValueError, r"beta1 must be in \[0, 1\)"),
    ({"beta2": 1.5}, ValueError, r"beta2 must be in \[0, 1\)"),
    ({"eps": 0.0}, ValueError, "eps must be a positive finite number, got 0.0"),
    ({"eps": float("inf")}, ValueError, "eps must be a positive finite number, got inf"),
    ({"eps": "x"}, TypeError, "eps must be a positive finite number, got str 'x'"),
    ({"eps": True}, TypeError, "eps must be a positive finite number, got bool True"),
], ids=["beta1", "beta2", "eps-zero", "eps-inf", "eps-str", "eps-bool"])
def test_adam_hyper_parameter_errors(kwargs, error, match):
    params, grads = _params_grads()
    with pytest.raises(error, match=match):
        fnnet.adam_update(params, grads, fnnet.init_adam(params), lr=0.1, **kwargs)


def test_sgd_on_float64_grads_for_float32_params_is_momentum_with_beta_zero():
    # one lift for every optimizer: grads are cast to the params' dtype before the rule
    params, _ = _params_grads(np.float32)
    _, grads = _params_grads(np.float64, seed=3)
    sgd, _ = fnnet.sgd_update(params, grads, {}, lr=0.1)
    mom, _ = fnnet.momentum_update(params, grads, fnnet.init_momentum(params), lr=0.1, beta=0.0)
    for k in params:
        assert sgd[k].dtype == np.float32
        np.testing.assert_array_equal(sgd[k], mom[k])


def test_state_errors():
    params, grads = _params_grads()
    with pytest.raises(ValueError, match="state has no 'velocity'; pass the dict returned by init_momentum"):
        fnnet.momentum_update(params, grads, {}, lr=0.1)
    bad = fnnet.init_adam(params)
    bad["m"] = {k: v for k, v in bad["m"].items() if k != "b2"}
    with pytest.raises(ValueError, match=r"state\['m'\] must have the same keys as params: missing \['b2'\]"):
        fnnet.adam_update(params, grads, bad, lr=0.1)
    with pytest.raises(ValueError, match=r"state\['t'\] must be a non-negative int step count, got -1"):
        fnnet.adam_update(params, grads, {**fnnet.init_adam(params), "t": -1}, lr=0.1)
    with pytest.raises(ValueError, match=r"grads\['W1'\] has shape \(2, 3\), expected \(3, 2\)"):
        fnnet.sgd_update(params, {**grads, "W1": grads["W1"].T}, {}, lr=0.1)


def test_get_optimizer():
    assert fnnet.get_optimizer("adam") is OPTIMIZERS["adam"]
    pair = fnnet.get_optimizer((fnnet.init_sgd, fnnet.sgd_update))
    assert pair.init is fnnet.init_sgd and pair.update is fnnet.sgd_update
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'; valid names are 'sgd', 'momentum', 'nesterov', "
                                         "'rmsprop', 'adagrad', 'adam', 'adamw'"):
        fnnet.get_optimizer("lbfgs")
    with pytest.raises(TypeError, match="optimizer must be a name"):
        fnnet.get_optimizer(3)
