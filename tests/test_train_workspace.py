"""fnnet.train on its own workspace: the same numbers as the public functions, the caller's
arrays untouched, train's own arrays reused, and nothing lost when a step fails or is interrupted."""

import numpy as np
import pytest

import fnnet
import fnnet.training as train_module
from fnnet._workspace import Grouped, Workspace
from fnnet.activations import resolve_activations
from fnnet.optim import InPlaceUpdate

ACTS = ["relu", "tanh", "softmax"]
LAYERS = [2, 6, 5, 3]


@pytest.fixture(scope="module")
def spiral():
    X, y = fnnet.spiral(n_per_class=25, n_classes=3, seed=2)   # 75 examples: batches of 16 leave 11
    return X, fnnet.one_hot(y, 3)


def _hand_loop(params, X, Y, acts, loss, optimizer, epochs, batch_size, lr, seed, **options):
    """What train does, written with the public functions (shuffled batches, the update)."""
    opt = fnnet.get_optimizer(optimizer)
    rng, state, p = np.random.default_rng(seed), opt.init(params), params
    for _ in range(epochs):
        for Xb, Yb in fnnet.batches(X, Y, batch_size, rng):
            AL, cache = fnnet.forward(p, Xb, acts)
            p, state = opt.update(p, fnnet.backward(p, cache, Yb, loss), state, lr=lr, **options)
    return p


@pytest.mark.parametrize("optimizer", list(fnnet.OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bit_identical_to_the_public_functions_for_every_built_in_optimizer(spiral, optimizer, dtype):
    X, Y = spiral
    params0 = fnnet.init_params(LAYERS, seed=0, dtype=dtype)
    trained, _ = fnnet.train(params0, X, Y, ACTS, "cce", epochs=3, batch_size=16, lr=0.01, optimizer=optimizer,
                             seed=4, verbose=0)
    expected = _hand_loop(params0, X, Y, ACTS, "cce", optimizer, 3, 16, 0.01, 4)
    for key in expected:
        assert trained[key].dtype == dtype
        assert np.array_equal(trained[key], expected[key]), key


def test_one_batch_per_epoch_is_the_data_in_its_order(spiral):
    """Full-batch training skips the shuffle: the same numbers as the unshuffled loop, bit for
    bit, and those of the shuffled loop to round-off (only the order of the sums differs)."""
    X, Y = spiral
    params0 = fnnet.init_params(LAYERS, seed=0)
    trained, _ = fnnet.train(params0, X, Y, ACTS, "cce", epochs=5, batch_size=100, lr=0.1, seed=1, verbose=0)
    p = params0
    for _ in range(5):
        AL, cache = fnnet.forward(p, X, ACTS)
        p = fnnet.sgd_step(p, fnnet.backward(p, cache, Y, "cce"), 0.1)
    shuffled = _hand_loop(params0, X, Y, ACTS, "cce", "sgd", 5, 100, 0.1, 1)
    for key in p:
        assert np.array_equal(trained[key], p[key]), key
        np.testing.assert_allclose(trained[key], shuffled[key], rtol=1e-12, atol=1e-15)


def test_the_same_arrays_are_written_batch_after_batch(spiral, monkeypatch):
    X, Y = spiral
    seen = []
    real = train_module.backward_pass

    def backward(params, cache, Yb, loss, **kwargs):
        grads, dX = real(params, cache, Yb, loss, **kwargs)
        seen.append((cache["A1"], cache["A3"], grads["W1"], params["W2"]))
        return grads, dX

    monkeypatch.setattr(train_module, "backward_pass", backward)
    params0 = fnnet.init_params(LAYERS, seed=0)
    fnnet.train(params0, X, Y, ACTS, "cce", epochs=2, batch_size=16, lr=0.1, seed=0, verbose=0)
    assert len(seen) == 10
    full, last = seen[0], seen[4]   # a batch of 16 and the epoch's last batch of 11
    assert last[0].shape == (6, 11)
    for later in seen[1:]:
        for first, array in zip(full, later):
            assert np.shares_memory(first, array)   # views of the one workspace
    assert not any(np.shares_memory(seen[0][3], p) for p in params0.values())   # train's own params


def test_the_caller_arrays_are_never_written(spiral):
    X, Y = spiral
    params0 = fnnet.init_params(LAYERS, seed=0)
    before = {k: v.copy() for k, v in params0.items()}
    X0, Y0 = X.copy(), Y.copy()
    for optimizer in ("sgd", "adam"):
        trained, _ = fnnet.train(params0, X, Y, ACTS, "cce", epochs=2, batch_size=16, lr=0.1, optimizer=optimizer,
                                 seed=0, verbose=0)
        for key in before:
            assert np.array_equal(params0[key], before[key])
            assert not any(np.shares_memory(trained[key], p) for p in params0.values())
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)


def test_callbacks_get_params_that_later_steps_do_not_change(spiral):
    X, Y = spiral
    kept = []
    fnnet.train(fnnet.init_params(LAYERS, seed=0), X, Y, ACTS, "cce", epochs=3, batch_size=16, lr=0.1, seed=0,
                verbose=0, callback=lambda epoch, params, history: kept.append(params))
    assert not np.array_equal(kept[0]["W1"], kept[2]["W1"])
    assert not np.shares_memory(kept[0]["W1"], kept[1]["W1"])


def test_a_users_update_gets_new_gradient_arrays_every_batch(spiral):
    X, Y = spiral
    kept = []

    def update(params, grads, state, *, lr):
        kept.append((grads["W1"], grads["W1"].copy()))
        return fnnet.sgd_update(params, grads, state, lr=lr)

    fnnet.train(fnnet.init_params(LAYERS, seed=0), X, Y, ACTS, "cce", epochs=1, batch_size=16, lr=0.1, seed=0,
                verbose=0, optimizer=(fnnet.init_sgd, update))
    assert len(kept) == 5
    for given, copy in kept:
        assert np.array_equal(given, copy)   # not overwritten by a later batch


def test_a_failed_step_keeps_the_params_of_the_last_completed_one():
    X, Y = fnnet.seed001(m=64, seed=0)
    params0, acts = fnnet.init_params([2, 8, 1], seed=0), ["relu", "linear"]
    with pytest.raises(fnnet.TrainingDiverged) as info:
        fnnet.train(params0, X, Y, acts, "mse", epochs=50, batch_size=16, lr=1e6, seed=0, verbose=0)
    err = info.value
    steps = (err.epoch - 1) * 4 + err.batch - 1   # completed before the failing one
    assert steps > 4
    rng, p = np.random.default_rng(0), params0
    batches = (batch for _ in range(err.epoch) for batch in fnnet.batches(X, Y, 16, rng))
    for _, (Xb, Yb) in zip(range(steps), batches):
        AL, cache = fnnet.forward(p, Xb, acts)
        p = fnnet.sgd_step(p, fnnet.backward(p, cache, Yb, "mse"), 1e6)
    for key in p:
        assert np.array_equal(err.params[key], p[key]), key


def test_a_layer_that_overflows_in_train_is_a_divergence_not_a_lost_run(spiral):
    X, Y = spiral
    params0 = fnnet.init_params(LAYERS, seed=0)
    params0["b2"] = np.full((5, 1), 1e200)     # tanh saturates: A2 = 1
    params0["W3"] = np.full((3, 5), 1e308)     # W3 A2 = 5e308 overflows float64
    with pytest.raises(ValueError, match="layer 3 overflowed"):
        fnnet.forward(params0, X, ACTS)
    with pytest.raises(fnnet.TrainingDiverged, match="epoch 1, batch 1: the forward pass failed .layer 3 overflowed") as info:
        fnnet.train(params0, X, Y, ACTS, "cce", epochs=2, batch_size=16, lr=0.1, seed=0, verbose=0)
    for key in params0:
        assert np.array_equal(info.value.params[key], params0[key])


@pytest.mark.parametrize("where", ["in the update", "after it"])
def test_ctrl_c_inside_a_step_returns_the_params_before_it(spiral, monkeypatch, where):
    X, Y = spiral
    real = InPlaceUpdate.__call__
    before = []

    def interrupted(self, params, grads, state, lr):
        before.append({key: flat.copy() for key, flat in params.items()})
        if len(before) == 7 and where == "in the update":
            grads["W"][:] = 1.0   # the new weights are written, the biases not yet: then Ctrl-C
            raise KeyboardInterrupt
        state = real(self, params, grads, state, lr)
        if len(before) == 7:
            raise KeyboardInterrupt   # the new params made, not yet committed
        return state

    monkeypatch.setattr(InPlaceUpdate, "__call__", interrupted)
    params, history = fnnet.train(fnnet.init_params(LAYERS, seed=0), X, Y, ACTS, "cce", epochs=3, batch_size=16,
                                  lr=0.1, optimizer="momentum", seed=0, verbose=0)
    assert history["interrupted"] is True
    assert np.array_equal(np.concatenate([params[f"W{l}"].ravel() for l in (1, 2, 3)]), before[-1]["W"])
    assert np.array_equal(np.concatenate([params[f"b{l}"].ravel() for l in (1, 2, 3)]), before[-1]["b"])


def test_an_update_that_overflows_leaves_the_params_of_the_last_step():
    X, Y = fnnet.seed001(m=64, seed=0)
    params0 = fnnet.init_params([2, 8, 1], seed=0, dtype=np.float32)
    with pytest.raises(fnnet.TrainingDiverged, match="the update failed .*overflows float32") as info:
        fnnet.train(params0, X, Y * 1e15, ["relu", "linear"], "mse", epochs=3, batch_size=64, lr=1e30, seed=0,
                    verbose=0)
    for key in params0:   # the first step fails: the params are the initial ones
        assert np.array_equal(info.value.params[key], params0[key])


@pytest.mark.parametrize("optimizer", list(fnnet.OPTIMIZERS))
def test_in_place_update_is_the_public_update_bit_for_bit(optimizer):
    rng = np.random.default_rng(0)
    params = fnnet.init_params([3, 4, 2], seed=0)
    opt = fnnet.get_optimizer(optimizer)
    options = {"weight_decay": 0.1} if optimizer == "adamw" else {}
    defaults = {"momentum": {"beta": 0.9, "nesterov": False}, "nesterov": {"beta": 0.9, "nesterov": True},
                "rmsprop": {"rho": 0.9, "eps": 1e-8}, "adagrad": {"eps": 1e-10},
                "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
                "adamw": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1}}.get(optimizer, {})
    step = InPlaceUpdate(optimizer, defaults)
    own, state = Grouped(params, params), opt.init(params)
    slots = {k: Grouped(params, v) for k, v in state.items() if isinstance(v, dict)}
    flat_state = {**{k: g.flat for k, g in slots.items()}, **({"t": state["t"]} if "t" in state else {})}
    p = params
    for _ in range(3):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        p, state = opt.update(p, grads, state, lr=0.05, **options)
        new = Grouped(params, grads)
        flat_state = step(own.flat, new.flat, flat_state, 0.05)   # the new params are written over grads
        np.copyto(own.whole, new.whole)
    for key in p:
        assert np.array_equal(own.views[key], p[key]), key
    for slot, grouped in slots.items():
        for key in p:
            assert np.array_equal(grouped.views[key], state[slot][key]), (slot, key)


def test_an_activation_that_takes_out_writes_into_the_workspace():
    written = []

    def softsign(z, out=None):
        written.append(out)
        return np.divide(z, 1.0 + np.abs(z), out=out)

    act = fnnet.Activation("softsign", softsign, lambda z: 1.0 / (1.0 + np.abs(z)) ** 2)
    assert act.takes_out and not fnnet.Activation("f", lambda z: z * 1.0, lambda z: z * 0.0 + 1.0).takes_out
    params = fnnet.init_params([2, 4, 1], seed=0)
    X, Y = fnnet.seed001(m=20, seed=0)
    trained, _ = fnnet.train(params, X, Y, [act, "linear"], "mse", epochs=2, batch_size=20, lr=0.1, seed=0,
                             verbose=0)
    assert written[0] is not None and written[0] is written[1]   # the same buffer both epochs
    p = params
    for _ in range(2):
        AL, cache = fnnet.forward(p, X, [act, "linear"])
        p = fnnet.sgd_step(p, fnnet.backward(p, cache, Y, "mse"), 0.1)
    for key in p:
        assert np.array_equal(trained[key], p[key])


def test_workspace_views_of_a_shorter_batch_share_the_memory():
    params = fnnet.init_params([3, 4, 2], seed=0)
    work = Workspace(params, resolve_activations(["sigmoid", "softmax"], 2), None, 10)
    full, short = work.at(10), work.at(7)
    assert full.A[1].shape == (4, 10) and short.A[1].shape == (4, 7)
    assert short.A[1].flags.c_contiguous and np.shares_memory(full.A[1], short.A[1])
    assert full.Z[1] is full.A[1]   # sigmoid needs only its output: applied in place
    assert full.dA[1] is full.A[1]   # dA1 is written over A1 once g'(Z1) is read from it
    assert not np.shares_memory(full.dA[1], full.dZ)
    with_dropout = Workspace(params, resolve_activations(["sigmoid", "softmax"], 2), (0.5, 1.0), 10).at(10)
    assert not np.shares_memory(with_dropout.Z[1], with_dropout.A[1])   # a dropped-out layer keeps Z


def test_hidden_activations_of_every_kind_match_the_public_functions(spiral):
    """Element-wise from the output (dA written over A), from Z (Z kept), and one that is not
    element-wise (a Jacobian product: its delta has a buffer of its own), with dropout."""
    X, Y = spiral
    square = fnnet.Activation("square", lambda z: z * z, lambda z: 2.0 * z)
    scaled = fnnet.Activation("scaled", lambda z: 0.5 * z, jacobian_product=lambda dA, A: 0.5 * dA)
    acts = ["tanh", square, scaled, "softmax"]
    params0 = fnnet.init_params([2, 5, 4, 4, 3], seed=3)
    for keep in (1.0, 0.8):
        trained, _ = fnnet.train(params0, X, Y, acts, "cce", epochs=2, batch_size=16, lr=0.05, seed=0, verbose=0,
                                 keep_prob=keep)
        rng, p = np.random.default_rng(0), params0
        for _ in range(2):
            for Xb, Yb in fnnet.batches(X, Y, 16, rng):
                AL, cache = fnnet.forward(p, Xb, acts, keep_prob=keep, rng=rng)
                p = fnnet.sgd_step(p, fnnet.backward(p, cache, Yb, "cce"), 0.05)
        for key in p:
            assert np.array_equal(trained[key], p[key]), (keep, key)


def test_a_slope_that_is_the_output_itself_survives_dA_written_over_A(spiral):
    """g = exp, g' = g: from_output returns A itself, whose memory dA then takes."""
    X, Y = spiral
    exp = fnnet.Activation("exp", np.exp, from_output=lambda A: A)
    acts = [exp, "softmax"]
    params0 = fnnet.init_params([2, 4, 3], seed=0, init="small")
    trained, _ = fnnet.train(params0, X, Y, acts, "cce", epochs=2, batch_size=16, lr=0.1, seed=0, verbose=0)
    expected = _hand_loop(params0, X, Y, acts, "cce", "sgd", 2, 16, 0.1, 0)
    for key in expected:
        assert np.array_equal(trained[key], expected[key]), key


def test_a_hidden_jacobian_activation_under_dropout_gets_g_of_z():
    """The Jacobian product is taken at g(Z), not at the dropped-out A (checked by gradcheck)."""
    exp = fnnet.Activation("exp", np.exp, jacobian_product=lambda dA, A: dA * A)
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 6)), np.eye(2)[rng.integers(0, 2, 6)].T
    params = fnnet.init_params([3, 4, 2], seed=1, init="small")
    report = fnnet.gradcheck(params, X, Y, [exp, "softmax"], "cce", keep_prob=0.5, rng=np.random.default_rng(3))
    assert report.ok, report


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_penalties_and_a_chain_rule_output_match_the_public_functions(spiral, dtype):
    X, Y = spiral
    acts = ["tanh", "relu", "sigmoid"]   # sigmoid + mse: the output delta by the chain rule, no buffer
    params0 = fnnet.init_params([2, 6, 5, 3], seed=2, dtype=dtype)
    trained, _ = fnnet.train(params0, X, Y, acts, "mse", epochs=2, batch_size=16, lr=0.1, seed=0, verbose=0,
                             l2=1e-2, l1=1e-3, optimizer="adam")
    opt, rng = fnnet.get_optimizer("adam"), np.random.default_rng(0)
    p, state = params0, opt.init(params0)
    for _ in range(2):
        for Xb, Yb in fnnet.batches(X, Y, 16, rng):
            AL, cache = fnnet.forward(p, Xb, acts)
            p, state = opt.update(p, fnnet.backward(p, cache, Yb, "mse", l2=1e-2, l1=1e-3), state, lr=0.1)
    for key in p:
        assert np.array_equal(trained[key], p[key]), key


def test_a_state_that_does_not_fit_the_built_in_update_is_refused(spiral):
    X, Y = spiral
    params0 = fnnet.init_params(LAYERS, seed=0)
    with pytest.raises(ValueError, match="state has no 'm'; pass the dict returned by init_adam"):
        fnnet.train(params0, X, Y, ACTS, "cce", epochs=1, batch_size=16, lr=0.1, seed=0, verbose=0,
                    optimizer=(fnnet.init_sgd, fnnet.adam_update))
    bad_init = (lambda p: {"velocity": {k: 0.5 for k in p}}, fnnet.momentum_update)
    with pytest.raises(TypeError, match=r"state\['velocity'\]\['W1'\] must be a numpy.ndarray"):
        fnnet.train(params0, X, Y, ACTS, "cce", epochs=1, batch_size=16, lr=0.1, seed=0, verbose=0,
                    optimizer=bad_init)
