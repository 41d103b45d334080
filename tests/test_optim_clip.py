"""Gradient clipping: the grads-dict functions, the update wrappers, composition with Adam, errors."""

import copy
import inspect

import numpy as np
import pytest

import fnnet
from fnnet.optim import OPTIMIZERS


def _grads(dtype=np.float64, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    shapes = {"W1": (3, 2), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1)}
    return {k: (scale * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}


def _norm64(grads):
    return np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))


# --- global norm ---------------------------------------------------------------------------


def test_global_norm_by_hand_over_all_keys():
    assert fnnet.global_norm({"W1": np.array([[3.0]]), "b1": np.array([[0.0], [4.0]])}) == pytest.approx(5.0, rel=1e-15)
    assert fnnet.global_norm({"W1": np.zeros((2, 2))}) == 0.0
    assert fnnet.global_norm({}) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("scale", [1e-30, 1.0, 1e30], ids=["tiny", "unit", "huge"])
def test_global_norm_without_overflow_or_underflow(dtype, scale):
    grads = _grads(dtype, scale=scale)   # 1e30 squared overflows float32; 1e-30 squared underflows it
    expected = scale * _norm64(_grads(np.float64))
    assert fnnet.global_norm(grads) == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-13)


def test_global_norm_near_the_float64_limit():
    assert fnnet.global_norm({"W1": np.full((2, 2), 1e300)}) == pytest.approx(2e300, rel=1e-14)


# --- clip by global norm -------------------------------------------------------------------


def test_clip_by_global_norm_by_hand():
    clipped = fnnet.clip_grads_by_global_norm({"W1": np.array([[3.0]]), "b1": np.array([[0.0], [4.0]])}, max_norm=1.0)
    np.testing.assert_allclose(clipped["W1"], [[0.6]], rtol=1e-15)
    np.testing.assert_allclose(clipped["b1"], [[0.0], [0.8]], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_clip_by_global_norm_scales_every_key_by_one_factor(dtype):
    grads = _grads(dtype, scale=10.0)
    norm = _norm64(grads)
    clipped = fnnet.clip_grads_by_global_norm(grads, max_norm=2.0)
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    assert _norm64(clipped) == pytest.approx(2.0, rel=rtol)
    for k, g in grads.items():
        assert clipped[k].dtype == dtype and clipped[k].shape == g.shape
        np.testing.assert_allclose(clipped[k], g * (2.0 / norm), rtol=rtol)


def test_norm_at_or_below_max_norm_is_untouched():
    grads = _grads()
    norm = _norm64(grads)
    for max_norm in (norm * 1.5, float(fnnet.global_norm(grads))):
        clipped = fnnet.clip_grads_by_global_norm(grads, max_norm)
        assert clipped is not grads and list(clipped) == list(grads)
        for k in grads:
            assert clipped[k] is grads[k]   # the very arrays: nothing copied, nothing scaled


def test_huge_float32_grads_clip_to_the_right_direction():
    grads = _grads(np.float32, scale=1e30)
    clipped = fnnet.clip_grads_by_global_norm(grads, max_norm=1.0)
    direction = {k: g / _norm64(_grads(np.float64)) for k, g in _grads(np.float64).items()}
    for k in grads:
        assert clipped[k].dtype == np.float32
        np.testing.assert_allclose(clipped[k], direction[k], rtol=1e-5, atol=1e-7)


# --- clip by value -------------------------------------------------------------------------


def test_clip_by_value_by_hand():
    clipped = fnnet.clip_grads_by_value({"W1": np.array([[-3.0, 0.5, 2.0]]), "b1": np.array([[-0.25]])}, limit=1.0)
    np.testing.assert_array_equal(clipped["W1"], [[-1.0, 0.5, 1.0]])
    np.testing.assert_array_equal(clipped["b1"], [[-0.25]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_clip_by_value_keeps_dtype_and_bounds_every_entry(dtype):
    grads = _grads(dtype, scale=3.0)
    clipped = fnnet.clip_grads_by_value(grads, 0.5)
    for k, g in grads.items():
        assert clipped[k].dtype == dtype
        np.testing.assert_array_equal(clipped[k], np.minimum(np.maximum(g, -0.5), 0.5))


# --- purity --------------------------------------------------------------------------------


@pytest.mark.parametrize("clip, limit", [(fnnet.clip_grads_by_global_norm, 0.1), (fnnet.clip_grads_by_global_norm, 1e9),
                                         (fnnet.clip_grads_by_value, 0.1)], ids=["norm-clips", "norm-no-op", "value"])
def test_clipping_never_writes_to_its_input(clip, limit):
    grads = _grads()
    before = copy.deepcopy(grads)
    clipped = clip(grads, limit)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])
    assert set(clipped) == set(grads) and clipped is not grads


# --- the wrappers compose with any update ---------------------------------------------------


def _params_grads():
    rng = np.random.default_rng(1)
    params = {k: rng.standard_normal(g.shape) for k, g in _grads().items()}
    return params, _grads(scale=10.0)


def test_clip_then_adam_equals_adam_on_clipped_grads_bit_for_bit():
    params, grads = _params_grads()
    opt = fnnet.Optimizer(fnnet.init_adam, fnnet.clip_by_global_norm(fnnet.adam_update, 1.0))
    state = opt.init(params)
    clipped = fnnet.clip_grads_by_global_norm(grads, 1.0)
    for _ in range(2):   # two steps: the state goes through the wrapper unchanged
        new, new_state = opt.update(params, grads, state, lr=0.01, beta1=0.8)
        ref, ref_state = fnnet.adam_update(params, clipped, state, lr=0.01, beta1=0.8)
        for k in params:
            np.testing.assert_array_equal(new[k], ref[k])
            np.testing.assert_array_equal(new_state["m"][k], ref_state["m"][k])
        assert new_state["t"] == ref_state["t"]
        params, state = new, new_state


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("wrap, clip, limit", [
    (fnnet.clip_by_global_norm, fnnet.clip_grads_by_global_norm, 0.5),
    (fnnet.clip_by_value, fnnet.clip_grads_by_value, 0.2),
], ids=["global-norm", "value"])
def test_every_optimizer_wraps_by_name_and_by_pair(name, wrap, clip, limit):
    params, grads = _params_grads()
    by_name = wrap(name, limit)
    by_pair = wrap(OPTIMIZERS[name], limit)
    assert isinstance(by_name, fnnet.Optimizer) and by_name.init is OPTIMIZERS[name].init
    state = OPTIMIZERS[name].init(params)
    expected, _ = OPTIMIZERS[name].update(params, clip(grads, limit), state, lr=0.01)
    for opt in (by_name, by_pair):
        got, _ = opt.update(params, grads, state, lr=0.01)
        for k in params:
            np.testing.assert_array_equal(got[k], expected[k])


def test_clipping_leaves_adamw_decoupled_decay_alone():
    # clip, then AdamW: at t = 1 from a zero state m_hat = g_c and v_hat = g_c**2 for the clipped
    # g_c, so p <- p - lr * (g_c / (|g_c| + eps) + wd * p); the decay term is not clipped
    params, grads = _params_grads()
    lr, wd, eps = 0.5, 0.2, 1e-3
    clipped = fnnet.clip_by_value(fnnet.adamw_update, 0.1)
    got, state = clipped(params, grads, fnnet.init_adam(params), lr=lr, weight_decay=wd, eps=eps)
    for k, p in params.items():
        g_c = np.clip(grads[k], -0.1, 0.1)
        decay = wd * p if k.startswith("W") else 0.0
        np.testing.assert_allclose(state["m"][k], 0.1 * g_c, rtol=1e-14, atol=1e-17)
        np.testing.assert_allclose(got[k], p - lr * (g_c / (np.abs(g_c) + eps) + decay), rtol=1e-12, atol=1e-15)


def test_clipped_update_refuses_weight_decay_like_the_update():
    params, grads = _params_grads()
    with pytest.raises(TypeError, match="unexpected keyword argument 'weight_decay'"):
        fnnet.clip_by_global_norm(fnnet.sgd_update, 1.0)(params, grads, {}, lr=0.1, weight_decay=0.1)


def test_wrapper_keeps_the_signature_so_train_checks_options():
    wrapped = fnnet.clip_by_global_norm(fnnet.adam_update, 1.0)
    assert list(inspect.signature(wrapped).parameters) == list(inspect.signature(fnnet.adam_update).parameters)
    X, y = fnnet.xor(m=32, seed=0)
    params0 = fnnet.init_params([2, 4, 1], seed=0)
    with pytest.raises(TypeError, match="beta"):
        fnnet.train(params0, X, y.reshape(1, -1), ["tanh", "sigmoid"], "bce", epochs=1, batch_size=8, lr=0.01,
                    optimizer=fnnet.clip_by_global_norm("adam", 1.0), optimizer_options={"beta": 0.5}, verbose=0)


def test_train_with_a_clipped_optimizer_matches_a_hand_loop_with_clipping():
    X, y = fnnet.xor(m=16, seed=0)
    Y = y.reshape(1, -1).astype(np.float64)
    acts = ["tanh", "sigmoid"]
    params0 = fnnet.init_params([2, 4, 1], seed=0)
    trained, _ = fnnet.train(params0, X, Y, acts, "bce", epochs=3, batch_size=16, lr=0.5,
                             optimizer=fnnet.clip_by_global_norm("momentum", 0.05), seed=0, verbose=0)
    p, state = dict(params0), fnnet.init_momentum(params0)
    for _ in range(3):   # one batch of all 16 columns: the shuffle does not change a full-batch gradient's
        _, cache = fnnet.forward(p, X, acts)   # terms, only their order in the sums
        grads = fnnet.clip_grads_by_global_norm(fnnet.backward(p, cache, Y, "bce"), 0.05)
        p, state = fnnet.momentum_update(p, grads, state, lr=0.5)
    for k in p:
        np.testing.assert_allclose(trained[k], p[k], rtol=1e-12, atol=1e-14)


# --- errors --------------------------------------------------------------------------------

BAD_LIMITS = [(0.0, ValueError, "got 0.0"), (-1.0, ValueError, "got -1.0"), (float("nan"), ValueError, "got nan"),
              (float("inf"), ValueError, "got inf"), ("1", TypeError, "got str '1'"), (True, TypeError, "got bool True"),
              (None, TypeError, "got NoneType")]


@pytest.mark.parametrize("value, error, tail", BAD_LIMITS, ids=[repr(v) for v, _, _ in BAD_LIMITS])
@pytest.mark.parametrize("function, option", [
    (fnnet.clip_by_global_norm, "max_norm"), (fnnet.clip_by_value, "limit"),
    (lambda grads, v: fnnet.clip_grads_by_global_norm(grads, v), "max_norm"),
    (lambda grads, v: fnnet.clip_grads_by_value(grads, v), "limit"),
], ids=["wrap-norm", "wrap-value", "norm", "value"])
def test_bad_limits_name_the_option(function, option, value, error, tail):
    first = fnnet.adam_update if function in (fnnet.clip_by_global_norm, fnnet.clip_by_value) else _grads()
    with pytest.raises(error, match=f"{option} must be a positive finite number, {tail}"):
        function(first, value)


@pytest.mark.parametrize("wrap", [fnnet.clip_by_global_norm, fnnet.clip_by_value])
def test_wrapping_something_that_is_not_an_update(wrap):
    with pytest.raises(TypeError, match=f"{wrap.__name__} takes an update function, an optimizer name or an "
                                        r"\(init, update\) pair, got int 3"):
        wrap(3, 1.0)
    with pytest.raises(ValueError, match="unknown optimizer 'adma'; valid names are 'sgd'"):
        wrap("adma", 1.0)


@pytest.mark.parametrize("clip", [fnnet.clip_grads_by_global_norm, fnnet.clip_grads_by_value, fnnet.clip_by_global_norm(fnnet.sgd_update, 1.0)],
                         ids=["norm", "value", "wrapped"])
def test_bad_grads_are_named(clip):
    call = (lambda g: clip(g, 1.0)) if clip in (fnnet.clip_grads_by_global_norm, fnnet.clip_grads_by_value) else (
        lambda g: clip({k: np.zeros_like(v) for k, v in _grads().items()}, g, {}, lr=0.1))
    with pytest.raises(TypeError, match="grads must be a dict of float arrays, got list"):
        call([np.zeros(2)])
    with pytest.raises(TypeError, match=r"grads\['b1'\] must be a float numpy.ndarray, got int64"):
        call({**_grads(), "b1": np.zeros((3, 1), dtype=np.int64)})
    with pytest.raises(ValueError, match=r"grads\['W2'\] contains NaN or inf \(1 entries\); gradients must be finite"):
        call({**_grads(), "W2": np.array([[0.0, np.nan, 1.0]])})
