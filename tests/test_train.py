"""fnnet.train: batches, determinism, history, validation, divergence, Ctrl-C, checkpoints, progress."""

import copy
import sys

import numpy as np
import pytest

import fnnet

import fnnet.training as train_module  # fnnet.train is the function

ACTS = ["relu", "softmax"]


@pytest.fixture(scope="module")
def spiral():
    X, y = fnnet.spiral(n_per_class=30, n_classes=3, seed=1)
    return X, fnnet.one_hot(y, 3), y


def _run(data, **kwargs):
    X, Y, _ = data
    options = dict(epochs=3, batch_size=16, lr=0.01, optimizer="adam", seed=0, verbose=0)
    options.update(kwargs)
    return fnnet.train(fnnet.init_params([2, 7, 3], seed=0), X, Y, ACTS, "cce", **options)


def _assert_same(a, b):
    assert list(a) == list(b)
    for k in a:
        assert np.array_equal(a[k], b[k]), k


def test_same_seed_same_result_bit_for_bit(spiral):
    p1, h1 = _run(spiral, seed=3)
    p2, h2 = _run(spiral, seed=3)
    _assert_same(p1, p2)
    assert h1 == h2
    p3, _ = _run(spiral, seed=4)
    assert not np.array_equal(p1["W1"], p3["W1"])


def test_history_per_epoch(spiral):
    X, Y, y = spiral
    params, history = _run(spiral, epochs=4, X_val=X[:, :20], Y_val=Y[:, :20])
    assert set(history) == {"cost", "lr", "accuracy", "val_cost", "val_accuracy"}
    assert all(len(v) == 4 and all(isinstance(x, float) for x in v) for v in history.values())
    AL = fnnet.predict(params, X[:, :20], ACTS)
    assert history["val_cost"][-1] == fnnet.cost(AL, Y[:, :20], "cce")
    assert history["val_accuracy"][-1] == fnnet.accuracy(AL, Y[:, :20])


def test_regression_history_has_no_accuracy():
    X, Y = fnnet.seed003()
    params, history = fnnet.train(fnnet.init_params([3, 4, 2], seed=0), X / X.max(axis=1, keepdims=True),
                                  Y / Y.max(), ["tanh", "linear"], "mse", epochs=2, batch_size=2, lr=0.1, verbose=0)
    assert set(history) == {"cost", "lr"} and len(history["cost"]) == 2 and history["lr"] == [0.1, 0.1]


class _Recorder:
    """Wraps fnnet.forward inside fnnet.train to see every batch."""

    def __init__(self, monkeypatch):
        self.batches, self.contiguous = [], []
        real = train_module.forward_pass

        def forward(params, X, activations, *args, **kwargs):
            self.contiguous.append(X.flags.f_contiguous)
            self.batches.append(X.copy())  # train reuses its epoch buffer
            return real(params, X, activations, *args, **kwargs)

        monkeypatch.setattr(train_module, "forward_pass", forward)


def test_batches_cover_every_example_once_per_epoch_last_short_batch_kept(monkeypatch):
    m = 10
    X = np.vstack([np.arange(m, dtype=float), np.zeros(m)])   # row 0 names the example
    Y = (np.arange(m) % 2).reshape(1, m)
    rec = _Recorder(monkeypatch)
    fnnet.train(fnnet.init_params([2, 3, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce",
                epochs=2, batch_size=4, lr=0.1, seed=0, verbose=0)
    assert [b.shape[1] for b in rec.batches] == [4, 4, 2, 4, 4, 2]
    epochs = [np.concatenate([b[0] for b in rec.batches[k:k + 3]]) for k in (0, 3)]
    for order in epochs:
        assert sorted(order) == list(range(m))
    assert not np.array_equal(epochs[0], epochs[1])      # reshuffled every epoch
    assert not np.array_equal(epochs[0], np.arange(m))    # shuffled at all
    assert all(rec.contiguous)   # each batch is one contiguous block: no BLAS copy


def test_matches_a_hand_written_loop(spiral):
    X, Y, _ = spiral
    params0 = fnnet.init_params([2, 7, 3], seed=0)
    params, _ = fnnet.train(params0, X, Y, ACTS, "cce", epochs=2, batch_size=32, lr=0.5, seed=5, verbose=0)
    rng = np.random.default_rng(5)
    p = params0
    for _ in range(2):
        perm = rng.permutation(X.shape[1])
        for i in range(0, X.shape[1], 32):
            cols = perm[i:i + 32]
            AL, cache = fnnet.forward(p, X[:, cols], ACTS)
            p = fnnet.sgd_step(p, fnnet.backward(p, cache, Y[:, cols], "cce"), lr=0.5)
    for k in p:
        np.testing.assert_allclose(params[k], p[k], rtol=1e-12, atol=1e-14)


def test_momentum_with_beta_zero_is_sgd_bit_for_bit(spiral):
    p_sgd, _ = _run(spiral, optimizer="sgd", lr=0.3)
    p_mom, _ = _run(spiral, optimizer="momentum", lr=0.3, optimizer_options={"beta": 0.0})
    _assert_same(p_sgd, p_mom)


def test_pure_inputs_untouched(spiral):
    X, Y, _ = spiral
    params = fnnet.init_params([2, 7, 3], seed=0)
    before = copy.deepcopy((params, X, Y))
    new, _ = fnnet.train(params, X, Y, ACTS, "cce", epochs=2, batch_size=8, lr=0.1, verbose=0)
    _assert_same(params, before[0])
    assert np.array_equal(X, before[1]) and np.array_equal(Y, before[2])
    assert all(new[k] is not params[k] for k in params)


@pytest.mark.parametrize("optimizer", sorted(fnnet.OPTIMIZERS))
def test_float32_stays_float32(spiral, optimizer):
    X, Y, _ = spiral
    params = fnnet.init_params([2, 7, 3], seed=0, dtype=np.float32)
    new, history = fnnet.train(params, X, Y, ACTS, "cce", epochs=2, batch_size=16, lr=0.01,
                               optimizer=optimizer, l2=1e-3, keep_prob=0.9, verbose=0)
    assert all(v.dtype == np.float32 for v in new.values())
    assert all(isinstance(c, float) for c in history["cost"])


def test_known_result_spiral_one_hidden_layer_of_100_relu():
    X, y = fnnet.spiral(seed=0)   # 300 examples, 3 arms
    params, history = fnnet.train(fnnet.init_params([2, 100, 3], seed=0), X, fnnet.one_hot(y, 3), ACTS, "cce",
                                  epochs=300, batch_size=32, lr=0.01, optimizer="adam", seed=0, verbose=0)
    assert fnnet.accuracy(fnnet.predict(params, X, ACTS), y) > 0.97
    assert history["cost"][-1] < 0.1 * history["cost"][0]


def test_known_result_seed002_all_correct():
    X, Y = fnnet.seed002()
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    params, _ = fnnet.train(fnnet.init_params([2, 3, 3, 1], seed=0), X, Y, ["relu", "relu", "sigmoid"], "bce",
                            epochs=200, batch_size=10, lr=0.05, optimizer="adam", seed=0, verbose=0)
    assert fnnet.accuracy(fnnet.predict(params, X, ["relu", "relu", "sigmoid"]), Y) == 1.0


def test_divergence_raises_with_last_finite_params_and_history():
    X, Y = fnnet.seed001(m=64, seed=0)
    params0 = fnnet.init_params([2, 8, 1], seed=0)
    with pytest.raises(fnnet.TrainingDiverged,
                       match=r"training diverged in epoch \d+, batch \d+: .*Try a lower learning rate "
                             r"\(lr=1e\+06 now, e.g. lr=100000\)") as info:
        fnnet.train(params0, X, Y, ["relu", "linear"], "mse", epochs=50, batch_size=16, lr=1e6, seed=0, verbose=0)
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert all(np.isfinite(p).all() for p in err.params.values())
    assert len(err.history["cost"]) == err.epoch - 1
    assert set(err.params) == set(params0)


def test_keyboard_interrupt_between_epochs_returns_params_and_history(spiral, capsys):
    seen = {}

    def callback(epoch, params, history):
        seen[epoch] = params
        if epoch == 3:
            raise KeyboardInterrupt

    params, history = _run(spiral, epochs=10, callback=callback, verbose=1)
    assert history["interrupted"] is True and len(history["cost"]) == 3
    _assert_same(params, seen[3])
    assert "interrupted: returning the params and history after 3 epoch(s)" in capsys.readouterr().err


def test_keyboard_interrupt_mid_epoch_returns_last_step(spiral, monkeypatch):
    calls = []
    real = train_module.backward_pass

    def backward(params, cache, Y, loss, **kwargs):
        calls.append({k: v.copy() for k, v in params.items()})  # train updates its own arrays in place
        if len(calls) == 9:   # in epoch 2 (6 batches per epoch of 90 examples, batch 16)
            raise KeyboardInterrupt
        return real(params, cache, Y, loss, **kwargs)

    monkeypatch.setattr(train_module, "backward_pass", backward)
    params, history = _run(spiral, epochs=5)
    assert history["interrupted"] is True and len(history["cost"]) == 1
    _assert_same(params, calls[-1])   # the params of the last completed step


def test_progress_lines(spiral, capsys):
    _run(spiral, epochs=3, verbose=2)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch 1/3  cost ") and "acc " in lines[0]
    assert lines[-1].split()[-2:][0] == "ETA" and lines[-1].endswith("s")
    _run(spiral, epochs=5, verbose=1, log_every=2, X_val=spiral[0], Y_val=spiral[1])
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["1/5", "2/5", "4/5", "5/5"]
    assert "val_cost " in lines[0] and "val_acc " in lines[0]


def test_verbose_1_prints_once_the_run_is_long(spiral, capsys, monkeypatch):
    monkeypatch.setattr(train_module, "QUIET_SECONDS", 0.0)   # every run counts as long
    monkeypatch.setattr(train_module, "LINE_SECONDS", 0.0)
    _run(spiral, epochs=3, verbose=1)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    monkeypatch.setattr(train_module, "LINE_SECONDS", 1e9)    # throttled: the first line and the last
    _run(spiral, epochs=3, verbose=1)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "3/3"]


class _Terminal:
    """A stderr that says it is a terminal."""

    def isatty(self):
        return True

    def write(self, text):
        return len(text)

    def flush(self):
        pass


class _FakeTqdm:
    made = []

    def __init__(self, **kwargs):
        self.kwargs, self.updates, self.postfix, self.closed = kwargs, 0, None, False
        _FakeTqdm.made.append(self)

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text

    def update(self, n):
        self.updates += n

    def close(self):
        self.closed = True


def test_tqdm_bar_when_installed_and_a_terminal(spiral, capsys, monkeypatch):
    fake = type(sys)("tqdm")
    fake.tqdm = _FakeTqdm
    monkeypatch.setitem(sys.modules, "tqdm", fake)
    monkeypatch.setattr(sys, "stderr", _Terminal())
    _FakeTqdm.made.clear()
    _run(spiral, epochs=4, verbose=1)
    (bar,) = _FakeTqdm.made
    assert bar.kwargs["total"] == 4 and bar.kwargs["initial"] == 0 and bar.kwargs["delay"] == train_module.QUIET_SECONDS
    assert bar.updates == 4 and bar.closed and bar.postfix.startswith("cost ") and "acc " in bar.postfix
    assert capsys.readouterr().err == ""
    _run(spiral, epochs=2, verbose=2)          # explicit per-epoch lines: no bar
    monkeypatch.setitem(sys.modules, "tqdm", None)   # not installed: lines, no error
    _run(spiral, epochs=2, verbose=1)
    assert len(_FakeTqdm.made) == 1


@pytest.mark.parametrize("verbose", [0, 1], ids=["silent", "short-run"])
def test_quiet_runs_print_nothing(spiral, capsys, verbose):
    _run(spiral, epochs=2, verbose=verbose)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("kwargs, error, match", [
    ({"epochs": 0}, ValueError, "epochs must be an int >= 1, got 0"),
    ({"batch_size": 2.5}, TypeError, "batch_size must be an int >= 1, got float 2.5"),
    ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1, got 0"),
    ({"seed": 1.5}, TypeError, "seed must be an int or None, got float"),
    ({"optimizer_options": {"lr": 1}}, ValueError, "optimizer_options must not hold 'lr': pass lr= to train"),
    ({"keep_prob": 0.0}, ValueError, r"keep_prob of layer 1 must be a number in \(0, 1\], got 0.0"),
    ({"optimizer_options": [("beta1", 0.5)]}, TypeError, "optimizer_options must be a dict of keyword arguments"),
    ({"optimizer_options": {"betta": 1}}, TypeError,
     r"the optimizer's update adam_update cannot take the keyword arguments \['betta', 'lr'\]: .*'betta'\. "
     r"Its optimizer_options are: beta1, beta2, eps"),
    ({"optimizer": "nesterov", "optimizer_options": {"beta1": 0.5}}, TypeError,
     r"update momentum_update cannot take .*Its optimizer_options are: beta, nesterov"),
    ({"lr": -1.0}, ValueError, "lr must be a positive finite number, got -1.0"),
    ({"optimizer": "adadelta"}, ValueError, "unknown optimizer 'adadelta'"),
    ({"l2": -0.1}, ValueError, "l2 must be a non-negative finite number"),
    ({"resume": True}, ValueError, r"resume=True needs checkpoint=path"),
    ({"X_val": np.zeros((2, 3))}, ValueError, "give both X_val and Y_val, or neither"),
    ({"X_val": np.zeros((3, 4)), "Y_val": np.zeros((3, 4))}, ValueError, r"X_val has shape \(3, 4\)"),
    ({"log_every": 0}, ValueError, "log_every must be an int >= 1, got 0"),
    ({"X_val": np.zeros((2, 4)), "Y_val": np.full((3, 4), "a")}, TypeError,
     r"^Y_val must be a numeric array, got dtype <U1$"),
    ({"X_val": np.zeros((2, 4)), "Y_val": np.zeros((3, 4)).tolist()[0]}, ValueError,
     r"^Y_val has shape \(4,\), expected \(n_L, m\) = \(3, 4\): .*fnnet.one_hot"),
    ({"X_val": np.zeros((2, 4)), "Y_val": np.zeros((3, 4))}, ValueError,
     r"^cce targets Y_val must be one-hot or probability columns summing to 1; column 0 sums to 0"),
    ({"X_val": np.full((2, 4), "x"), "Y_val": np.zeros((3, 4))}, TypeError,
     r"^X_val must be a numeric array, got dtype <U1$"),
], ids=["epochs", "batch-size-float", "batch-size-0", "seed-float", "options-lr", "keep-prob",
        "options-not-a-dict", "options-typo", "options-of-another-optimizer", "lr", "optimizer", "l2",
        "resume", "val-half", "val-shape", "log-every", "Y_val-not-numeric", "Y_val-1d-cce", "Y_val-not-one-hot",
        "X_val-not-numeric"])
def test_argument_errors(spiral, kwargs, error, match):
    with pytest.raises(error, match=match):
        _run(spiral, **kwargs)


def test_regression_validation_targets_named_Y_val():
    X, Y = fnnet.seed001(m=20, seed=0)
    params = fnnet.init_params([2, 4, 1], seed=0)
    kwargs = dict(epochs=1, batch_size=8, lr=0.01, verbose=0, X_val=X)
    with pytest.raises(ValueError, match=r"^Y_val must be 2-D with shape \(n, m\), one example per column; "
                                         r"got shape \(20,\)\. For one example use Y_val\.reshape\(-1, 1\)"):
        fnnet.train(params, X, Y, ["tanh", "linear"], "mse", Y_val=Y[0], **kwargs)
    with pytest.raises(ValueError, match=r"^Y_val contains NaN or inf \(1 entries, first at \[0, 3\]"):
        fnnet.train(params, X, Y, ["tanh", "linear"], "mse", Y_val=np.where(np.arange(20) == 3, np.inf, Y), **kwargs)


def test_optimizer_options_are_checked_before_training(spiral, monkeypatch):
    calls = []
    monkeypatch.setattr(train_module, "forward_pass", lambda *a: calls.append(a))
    with pytest.raises(TypeError, match="cannot take"):
        _run(spiral, optimizer_options={"beta": 0.5})   # adam has beta1/beta2, not beta
    assert calls == []


def _plain_sgd(params, grads, state, *, lr):
    return {key: p - lr * grads[key] for key, p in params.items()}, state


def test_own_optimizer_pair_runs_like_the_built_in(spiral):
    mine, h_mine = _run(spiral, optimizer=(fnnet.init_sgd, _plain_sgd), lr=0.3)
    sgd, h_sgd = _run(spiral, optimizer="sgd", lr=0.3)
    for key in mine:
        np.testing.assert_allclose(mine[key], sgd[key], rtol=1e-12, atol=1e-15)
    assert h_mine["accuracy"] == h_sgd["accuracy"]


@pytest.mark.parametrize("layers, acts, loss, target", [
    ([2, 7, 3], ACTS, "cce", "one-hot"),
    ([2, 5, 1], ["tanh", "sigmoid"], "bce", "binary"),
], ids=["softmax-cce", "sigmoid-bce"])
def test_history_equals_the_public_functions_on_each_batch(spiral, layers, acts, loss, target):
    X, Y, y = spiral
    if target == "binary":
        Y = (y == 1).astype(float).reshape(1, -1)
    params0 = fnnet.init_params(layers, seed=0)
    kwargs = dict(epochs=2, batch_size=32, lr=0.5, seed=5, verbose=0)
    _, history = fnnet.train(params0, X, Y, acts, loss, X_val=X[:, :25], Y_val=Y[:, :25], **kwargs)
    rng = np.random.default_rng(5)
    p, expected = params0, {"cost": [], "accuracy": [], "val_cost": [], "val_accuracy": []}
    m = X.shape[1]
    for _ in range(2):
        perm = rng.permutation(m)
        total, right = 0.0, 0
        for i in range(0, m, 32):
            cols = perm[i:i + 32]
            AL, cache = fnnet.forward(p, np.ascontiguousarray(X.T[cols]).T, acts)
            total += fnnet.cost(AL, Y[:, cols], loss) * len(cols)
            right += round(fnnet.accuracy(AL, Y[:, cols]) * len(cols))
            p = fnnet.sgd_step(p, fnnet.backward(p, cache, Y[:, cols], loss), lr=0.5)
        expected["cost"].append(total / m)
        expected["accuracy"].append(right / m)
        AL = fnnet.predict(p, X[:, :25], acts)
        expected["val_cost"].append(fnnet.cost(AL, Y[:, :25], loss))
        expected["val_accuracy"].append(fnnet.accuracy(AL, Y[:, :25]))
    assert history.pop("lr") == [0.5, 0.5]
    assert history.keys() == expected.keys()
    for key in ("accuracy", "val_accuracy"):
        assert history[key] == expected[key]
    for key in ("cost", "val_cost"):  # train's from the logits (exact at any logit): the same to round-off here
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-12)


def test_outputs_outside_0_1_for_a_log_loss_still_refused(spiral):
    X, Y, y = spiral
    with pytest.raises(ValueError, match=r"bce needs outputs in \[0, 1\] \(a sigmoid or softmax output layer\)"):
        fnnet.train(fnnet.init_params([2, 5, 1], seed=0), X, (y == 1).reshape(1, -1), ["tanh", "linear"], "bce",
                    epochs=1, batch_size=16, lr=0.1, verbose=0)


def test_data_shape_errors(spiral):
    X, Y, y = spiral
    params = fnnet.init_params([2, 7, 3], seed=0)
    with pytest.raises(ValueError, match=r"X has shape \(90, 2\).*use X.T"):
        fnnet.train(params, X.T, Y, ACTS, "cce", epochs=1, batch_size=8, lr=0.1)
    with pytest.raises(ValueError, match=r"Y has shape \(90,\), expected \(n_L, m\) = \(3, 90\): .*"
                                         r"use fnnet.one_hot\(labels, k\)"):
        fnnet.train(params, X, y, ACTS, "cce", epochs=1, batch_size=8, lr=0.1)
    with pytest.raises(ValueError, match=r"Y_val has shape \(2, 90\), expected \(n_L, m\) = \(3, 90\)"):
        fnnet.train(params, X, Y, ACTS, "cce", epochs=1, batch_size=8, lr=0.1, X_val=X, Y_val=Y[:2])


# --- checkpoints ---------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_resume_is_bit_identical_to_an_uninterrupted_run(spiral, tmp_path, optimizer):
    X, Y, _ = spiral
    kwargs = dict(batch_size=16, lr=0.01, optimizer=optimizer, seed=7, verbose=0, X_val=X, Y_val=Y)
    params0 = fnnet.init_params([2, 7, 3], seed=0)
    straight, h_straight = fnnet.train(params0, X, Y, ACTS, "cce", epochs=4, **kwargs)
    path = tmp_path / "run.ckpt"
    fnnet.train(params0, X, Y, ACTS, "cce", epochs=2, checkpoint=path, **kwargs)   # "killed" after 2 epochs
    resumed, h_resumed = fnnet.train(params0, X, Y, ACTS, "cce", epochs=4, checkpoint=path, resume=True, **kwargs)
    _assert_same(straight, resumed)
    assert h_straight == h_resumed
    saved, state, meta = fnnet.load_checkpoint(path)
    _assert_same(saved, resumed)
    assert state["epoch"] == 4 and meta["epoch"] == 4


def test_resume_without_a_checkpoint_file_starts_afresh(spiral, tmp_path):
    a, _ = _run(spiral, checkpoint=tmp_path / "new.ckpt", resume=True)
    b, _ = _run(spiral)
    _assert_same(a, b)
    assert (tmp_path / "new.ckpt.npz").exists()   # fnnet.io appends .npz


def test_resume_with_another_optimizer_is_refused(spiral, tmp_path):
    path = tmp_path / "run.ckpt"
    _run(spiral, epochs=1, checkpoint=path, optimizer="adam")
    with pytest.raises(ValueError, match=r"another configuration.*\n  optimizer: checkpoint 'adam', this run 'sgd'"):
        _run(spiral, epochs=2, checkpoint=path, resume=True, optimizer="sgd")


@pytest.mark.parametrize("first, then, match", [
    (False, True, r"another configuration.*Differences:\n  validation: checkpoint None, this run '[0-9a-f]{32}'$"),
    (True, False, r"another configuration.*Differences:\n  validation: checkpoint '[0-9a-f]{32}', this run None$"),
], ids=["validation-added", "validation-dropped"])
def test_resume_with_other_validation_is_refused(spiral, tmp_path, first, then, match):
    X, Y, _ = spiral
    path = tmp_path / "run.ckpt"
    _run(spiral, epochs=1, checkpoint=path, **(dict(X_val=X, Y_val=Y) if first else {}))
    with pytest.raises(ValueError, match=match):
        _run(spiral, epochs=2, checkpoint=path, resume=True, **(dict(X_val=X, Y_val=Y) if then else {}))


def test_resume_from_a_checkpoint_without_rng_state_is_refused(spiral, tmp_path):
    path = tmp_path / "other.ckpt"
    params = fnnet.init_params([2, 7, 3], seed=0)
    fnnet.save_checkpoint(path, params, {"optimizer": fnnet.init_adam(params), "epoch": 1},
                          optimizer="adam", history={"cost": [1.0], "accuracy": [0.5]})
    with pytest.raises(ValueError, match=r"checkpoint .*other.ckpt' has no 'rng_state' in its metadata: "
                                         r"it was not written by fnnet.train"):
        _run(spiral, epochs=2, checkpoint=path, resume=True)


def test_train_with_a_custom_activation_matches_the_hand_written_loop():
    """A user's Activation works in train as in the four functions: same params, bit for bit."""
    softplus = fnnet.Activation("softplus", lambda z: np.logaddexp(0.0, z),
                                lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)))
    X, y = fnnet.two_moons(40, seed=0)
    Y = fnnet.one_hot(y, 2)
    acts = [softplus, "softmax"]
    params0 = fnnet.init_params([2, 6, 2], seed=0)
    trained, history = fnnet.train(params0, X, Y, acts, "cce", epochs=3, batch_size=40, lr=0.5, verbose=0)
    params = params0
    for _ in range(3):  # batch_size = m: one full batch per epoch, so the order does not matter
        AL, cache = fnnet.forward(params, X, acts)
        params = fnnet.sgd_step(params, fnnet.backward(params, cache, Y, "cce"), 0.5)
    for key in params:
        np.testing.assert_allclose(trained[key], params[key], rtol=1e-12, atol=1e-15)
    assert history["cost"][-1] < history["cost"][0]


# --- fnnet.batches -------------------------------------------------------------------------
def test_batches_shuffle_once_and_keep_the_last_short_batch():
    X = np.vstack([np.arange(7.0), -np.arange(7.0)])  # column j names example j
    Y = np.arange(7.0).reshape(1, 7)
    got = list(fnnet.batches(X, Y, 3, np.random.default_rng(0)))
    assert [(Xb.shape, Yb.shape) for Xb, Yb in got] == [((2, 3), (1, 3)), ((2, 3), (1, 3)), ((2, 1), (1, 1))]
    order = np.concatenate([Xb[0] for Xb, _ in got])
    np.testing.assert_array_equal(order, np.random.default_rng(0).permutation(7))  # one permutation a call
    for Xb, Yb in got:
        np.testing.assert_array_equal(Xb[1], -Xb[0])   # whole columns move together
        np.testing.assert_array_equal(Yb[0], Xb[0])    # and X with Y
        assert Xb.flags.f_contiguous and Yb.flags.f_contiguous
    again = [Xb for Xb, _ in fnnet.batches(X, Y, 3, np.random.default_rng(0))]
    assert all(np.array_equal(a, b) for a, (b, _) in zip(again, got))


@pytest.mark.parametrize("args, error, match", [
    ((np.ones((2, 5)), np.ones((1, 4)), 2), ValueError, "X has 5 examples \\(columns\\) but Y has 4"),
    ((np.ones((2, 5)), np.ones((1, 5)), 0), ValueError, "batch_size must be an int >= 1, got 0"),
    ((np.ones(5), np.ones((1, 5)), 2), ValueError, "X must be 2-D"),
], ids=["examples", "batch-size", "1-d"])
def test_batches_errors(args, error, match):
    with pytest.raises(error, match=match):
        list(fnnet.batches(*args, np.random.default_rng(0)))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        list(fnnet.batches(np.ones((2, 5)), np.ones((1, 5)), 2, 0))


def test_the_training_module_is_not_shadowed_by_the_function():
    import fnnet.training
    assert callable(fnnet.train) and fnnet.train is fnnet.training.train
    assert fnnet.batches is fnnet.training.batches


# --- resume refuses another configuration ---------------------------------------------------
def _readme_run(tmp_path, **changes):
    """The training example of docs/training.md (moons, relu, bce), resumable."""
    X, y = fnnet.two_moons(200, noise=0.1, seed=0)
    Y = y.reshape(1, -1)
    options = dict(activations=["relu", "relu", "sigmoid"], loss="bce", epochs=2, batch_size=32, lr=0.01,
                   optimizer="adam", seed=0, verbose=0)
    options.update(changes)
    params = fnnet.init_params([2, 16, 16, 1], seed=0)
    acts, loss = options.pop("activations"), options.pop("loss")
    return fnnet.train(params, options.pop("X", X), Y, acts, loss, checkpoint=tmp_path / "run.npz", resume=True,
                       **options)


@pytest.mark.parametrize("change, difference", [
    ({"activations": ["tanh", "tanh", "sigmoid"]},
     r"activations: checkpoint \['relu', 'relu', 'sigmoid'\], this run \['tanh', 'tanh', 'sigmoid'\]"),
    ({"lr": 0.5}, r"lr: checkpoint 0.01, this run 0.5"),
    ({"batch_size": 16}, r"batch_size: checkpoint 32, this run 16"),
    ({"seed": 1}, r"seed: checkpoint 0, this run 1"),
    ({"optimizer_options": {"beta1": 0.8}}, r"optimizer_options: checkpoint \{\}, this run \{'beta1': 0.8\}"),
    ({"X": fnnet.two_moons(200, noise=0.1, seed=1)[0]}, r"data: checkpoint \{.*'hash'"),
], ids=["activations", "lr", "batch-size", "seed", "options", "data"])
def test_resume_with_another_configuration_is_refused_listing_each_difference(tmp_path, change, difference):
    _readme_run(tmp_path)
    with pytest.raises(ValueError, match=r"written by a run of another configuration(.|\n)*" + difference):
        _readme_run(tmp_path, epochs=4, **change)


def test_resume_says_where_it_resumed_from(tmp_path, capsys):
    _readme_run(tmp_path)
    _, history = _readme_run(tmp_path, epochs=3, verbose=1)
    assert len(history["cost"]) == 3
    assert f"resumed from epoch 2 of {tmp_path / 'run.npz'}" in capsys.readouterr().err
