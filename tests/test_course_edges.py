"""Issue 18: the course features at their edges (no silent wrong numbers, no lost work)."""

import math

import numpy as np
import pytest

import fnnet
import fnnet.training as train_module
from fnnet import _cli_gradcheck as cli_gradcheck
from fnnet import _cli_train as cli
from fnnet.__main__ import main
from fnnet.losses import CCE


def _xor():
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    return X, np.array([[0.0, 1.0, 1.0, 0.0]])


def _train(capsys, *options):
    code = main(["train", *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _usage_error(capsys, *options) -> str:
    with pytest.raises(SystemExit) as info:
        main(["train", *options])
    captured = capsys.readouterr()
    assert info.value.code == 2 and captured.out == "" and "Traceback" not in captured.err
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("python -m fnnet train: error: argument ")
    return last


# --------------------------------------------------------------------------- silent wrong numbers


@pytest.mark.parametrize("m", [3, 100, 1000])
def test_standardize_treats_a_constant_with_round_off_as_constant(m):
    """1: the std of equal values comes out ~1e-16, not 0; such a feature is only centred."""
    for c in np.linspace(0.01, 0.99, 99):
        X_std, stats = fnnet.standardize(np.full((2, m), c) + np.array([[0.0], [1.0]]) * np.arange(m))
        assert stats.std[0, 0] == 1.0, c
        assert np.abs(X_std[0]).max() < 1e-12
        assert abs(stats(np.array([[c + 0.5], [0.0]]))[0, 0] - 0.5) < 1e-12   # not ~1e14


def test_standardize_keeps_a_feature_spread_by_more_than_round_off():
    X = np.array([[1e8, 1e8 + 1e-6, 1e8 - 1e-6]])
    X_std, stats = fnnet.standardize(X)
    np.testing.assert_allclose(stats.std, [[np.sqrt(2 / 3) * 1e-6]], rtol=1e-2)  # the values hold 1e-6 to 2%


def test_standardize_of_values_spread_by_1e200_is_exact_without_warnings():
    """9 (standardize): the squares of 1e200 overflow; the scaled computation does not."""
    X = np.array([[-1e200, 1e200], [-1e-200, 1e-200], [1.0, 3.0]])
    X_std, stats = fnnet.standardize(X)   # warnings are errors in the suite
    np.testing.assert_array_equal(X_std, [[-1.0, 1.0]] * 3)
    np.testing.assert_array_equal(stats.std[:, 0], [1e200, 1e-200, 1.0])


def test_penalty_of_huge_weights_is_inf_without_warnings():
    """9 (penalty): l1 of W = 1e308 with l2 = 0 gave 0 * inf = nan and RuntimeWarnings."""
    params = {"W1": np.full((2, 2), 1e308), "b1": np.zeros((2, 1))}
    assert fnnet.penalty(params, l1=1.0) == math.inf
    assert fnnet.penalty(params, l2=1.0) == math.inf
    assert fnnet.penalty({"W1": np.full((1, 2), 1e200), "b1": np.zeros((1, 1))}, l1=0.5) == 1e200


@pytest.mark.parametrize("monitor, hint", [("val_cost", "need X_val and Y_val"),
                                           ("val_loss", "need X_val and Y_val"),
                                           ("loss", "fnnet calls it 'cost'")])
def test_plateau_monitoring_what_the_history_lacks_is_refused(monitor, hint):
    """2: it never reduced and said nothing; EarlyStopping raises in the same case."""
    X, Y = _xor()
    with pytest.raises(ValueError, match=rf"ReduceOnPlateau monitors '{monitor}', which this run's history "
                                         rf"does not record; it records \['accuracy', 'cost', 'lr'\].*{hint}"):
        fnnet.train(fnnet.init_params([2, 3, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce", epochs=3,
                    batch_size=4, lr=fnnet.ReduceOnPlateau(0.1, monitor=monitor), verbose=0)


def test_plateau_min_lr_above_the_rate_is_refused():
    """3: min_lr > lr0 raised the rate on a plateau."""
    with pytest.raises(ValueError, match=r"min_lr \(1.0\) must not exceed lr0 \(0.1\)"):
        fnnet.ReduceOnPlateau(0.1, min_lr=1.0)
    assert fnnet.ReduceOnPlateau(0.1, min_lr=0.1, patience=1)(3, {"cost": [1.0, 1.0, 1.0]}) == 0.1


@pytest.mark.parametrize("scale", [1e308, 1e-320])
def test_sample_weights_near_the_float_limits_count_only_by_their_ratios(scale):
    """4: 1e308 gave cost -0.0, zero gradients and NaN history; 1e-320 a false overflow."""
    X, Y = fnnet.two_moons(40, noise=0.2, seed=0)
    Y = Y.reshape(1, -1).astype(float)
    w = np.where(np.arange(40) % 2 == 0, scale, scale / 2)
    w_plain = np.where(np.arange(40) % 2 == 0, 1.0, 0.5)
    params = fnnet.init_params([2, 4, 1], seed=0)
    AL, _ = fnnet.forward(params, X, ["tanh", "sigmoid"])
    assert fnnet.cost(AL, Y, "bce", sample_weight=w) == pytest.approx(
        fnnet.cost(AL, Y, "bce", sample_weight=w_plain), rel=1e-12)
    kwargs = dict(epochs=3, batch_size=10, lr=0.1, seed=0, verbose=0)
    _, history = fnnet.train(params, X, Y, ["tanh", "sigmoid"], "bce", sample_weight=w, **kwargs)
    _, plain = fnnet.train(params, X, Y, ["tanh", "sigmoid"], "bce", sample_weight=w_plain, **kwargs)
    np.testing.assert_allclose(history["cost"], plain["cost"], rtol=1e-12)


def test_nan_sample_weight_is_named_plainly():
    """19: the message showed np.float64(nan)."""
    AL, Y = np.full((1, 3), 0.5), np.array([[0.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match=r"sample_weight must hold finite weights >= 0; 1 do not, the first "
                                         r"is sample_weight\[1\] = nan$"):
        fnnet.cost(AL, Y, "bce", sample_weight=[1.0, np.nan, 1.0])


def test_split_refuses_nan_in_stratify_and_a_single_example():
    """5: NaN labels were silently dropped; m = 1 gave an empty validation part."""
    X, Y = np.arange(12.0).reshape(2, 6), np.arange(6.0).reshape(1, 6)
    with pytest.raises(ValueError, match=r"stratify holds NaN at 1 example\(s\) \(first at index 2\)"):
        fnnet.train_val_split(X, Y, 0.5, seed=0, stratify=[0, 1, np.nan, 0, 1, 0])
    with pytest.raises(ValueError, match="X has 1 example: a split needs at least 2"):
        fnnet.train_val_split(X[:, :1], Y[:, :1], 0.5, seed=0)
    parts = fnnet.train_val_split(X[:, :2], Y[:, :2], 0.5, seed=0)
    assert [p.shape[1] for p in parts] == [1, 1, 1, 1]


@pytest.mark.parametrize("epochs", [4, 5, 9, 21, 30, 300])
@pytest.mark.parametrize("warmup", [0, 2])
def test_cli_step_schedule_halves_three_times(epochs, warmup):
    """6: --schedule step halved twice for 9, 21, 30 or 300 epochs, four times for 5."""
    schedule = cli.SCHEDULES["step"](0.8, epochs + warmup, warmup)
    rates = [schedule(t) for t in range(warmup, epochs + warmup)]
    assert sorted(set(rates), reverse=True) == [0.8, 0.4, 0.2, 0.1]
    assert rates == sorted(rates, reverse=True)


def test_cli_training_accuracy_leaves_out_the_validation_part(capsys):
    """7: 'final training accuracy' counted the held-out examples too."""
    code, out, _ = _train(capsys, "--epochs", "3", "--val-fraction", "0.2", "-q")
    assert code == 0
    assert "/240)" in out.split("final training accuracy: ")[1].splitlines()[0]   # 300 - 60 held out


def test_cli_mnist_help_names_what_the_lines_say(capsys):
    """7: --mnist said it reports test accuracy while the lines say val_acc."""
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "as val_cost, val_acc" in " ".join(capsys.readouterr().out.split())


def test_cli_plot_labels_held_out_data_as_validation(tmp_path, monkeypatch):
    """7: the plot called the validation curve 'test cost'."""
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    import matplotlib.pyplot as plt
    real_plot, real_subplots, labels, axes_made = cli._plot, plt.subplots, [], []

    def spy(*args, **kwargs):
        fig, axes = real_subplots(*args, **kwargs)
        axes_made.append(axes[0, 0])
        return fig, axes

    monkeypatch.setattr(plt, "subplots", spy)
    monkeypatch.setattr(cli, "_plot", lambda *args: labels.append(args[-1]) or real_plot(*args))
    assert main(["train", "--epochs", "2", "-q", "--val-fraction", "0.2", "--plot", str(tmp_path / "c.png")]) == 0
    assert labels == ["validation cost"]
    assert axes_made[0].get_legend_handles_labels()[1] == ["training cost", "validation cost"]


def test_history_cost_is_the_exact_cost_from_the_logits():
    """8: sigmoid + bce at a logit of 40 (Y = 0) read 36.04, the clipped cost; the true one is 40."""
    params = {"W1": np.array([[0.0]]), "b1": np.array([[40.0]])}
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    _, history = fnnet.train(params, X, Y, ["sigmoid"], "bce", epochs=1, batch_size=1, lr=1e-3,
                             X_val=X, Y_val=Y, verbose=0)
    assert history["cost"][0] == pytest.approx(40.0, rel=1e-12)
    # after the step: dJ/dZ = sigmoid(40) = 1 (to 4e-18), so W1 and b1 (X = 1) each fall by lr
    assert history["val_cost"][0] == pytest.approx(40.0 - 2e-3, rel=1e-12)


def test_mse_on_one_hot_targets_records_accuracy():
    """22: mse with one-hot targets recorded no accuracy."""
    X, y = fnnet.spiral(seed=0)
    Y = fnnet.one_hot(y, 3)
    params = fnnet.init_params([2, 5, 3], seed=0)
    _, history = fnnet.train(params, X, Y, ["relu", "linear"], "mse", epochs=1, batch_size=300, lr=0.1,
                             X_val=X, Y_val=Y, verbose=0)
    before = fnnet.accuracy(fnnet.predict(params, X, ["relu", "linear"]), y)
    assert history["accuracy"] == [before] and len(history["val_accuracy"]) == 1
    _, regression = fnnet.train(params, X, Y * 0.5, ["relu", "linear"], "mse", epochs=1, batch_size=300, lr=0.1,
                                verbose=0)
    assert "accuracy" not in regression


# --------------------------------------------------------------------------- lost work


def test_divergence_under_a_schedule_is_training_diverged():
    """10: f"{self.lr:g}" on a schedule object raised TypeError, losing params and history."""
    X, Y = fnnet.seed001(m=64, seed=0)
    with pytest.raises(fnnet.TrainingDiverged, match=r"lr=1e\+06 now") as info:
        fnnet.train(fnnet.init_params([2, 8, 1], seed=0), X, Y, ["tanh", "linear"], "mse", epochs=20,
                    batch_size=16, lr=fnnet.constant(1e6), optimizer="sgd", seed=0, verbose=0)
    assert info.value.params.keys() == {"W1", "b1", "W2", "b2"}


def test_cli_divergence_under_a_schedule_writes_the_rescue_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _train(capsys, "--data", "seed001", "--optimizer", "sgd", "--lr", "1e6", "--schedule", "step",
                          "-q")
    assert code == 1 and "training diverged" in err and "Traceback" not in err
    rescued = list(tmp_path.glob("fnnet-rescued-*.npz"))
    assert len(rescued) == 1 and fnnet.load_params(rescued[0]).keys() == {"W1", "b1", "W2", "b2"}


@pytest.mark.parametrize("optimizer", ["adam", fnnet.clip_by_global_norm("adam", 1.0)], ids=["built-in", "user"])
@pytest.mark.parametrize("schedule", [fnnet.exponential_decay(0.1, 1e-200), fnnet.step_decay(0.1, 1e-300, 1)],
                         ids=["exponential", "step"])
def test_a_schedule_that_reaches_zero_runs_to_the_end(schedule, optimizer):
    """11: a rate of 0 killed the run midway."""
    X, Y = _xor()
    _, history = fnnet.train(fnnet.init_params([2, 3, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce", epochs=4,
                             batch_size=4, lr=schedule, optimizer=optimizer, verbose=0)
    assert history["lr"][0] == 0.1 and history["lr"][-1] == 0.0 and len(history["cost"]) == 4


def test_cosine_shorter_than_the_run_warns_at_the_start_and_runs_to_the_end():
    """11: cosine_decay(0.1, 5) for 8 epochs."""
    X, Y = _xor()
    with pytest.warns(UserWarning, match=r"made for 5 epochs, but train runs 8: it stays at its last rate"):
        _, history = fnnet.train(fnnet.init_params([2, 3, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce", epochs=8,
                                 batch_size=4, lr=fnnet.cosine_decay(0.1, 5), optimizer="adam", verbose=0)
    assert history["lr"][5:] == [0.0, 0.0, 0.0]


def test_stop_with_params_of_the_wrong_shape_keeps_the_runs_own():
    """12: the check raised after training, losing params and history."""
    X, Y = _xor()

    def stop(epoch, params, history):
        return fnnet.Stop("enough", params={"W1": np.zeros((5, 5))}) if epoch == 2 else None

    with pytest.warns(UserWarning, match=r"the params of the callback's Stop must have the same keys as params.*"
                                         r"train returns the params of its last epoch \(2\) instead"):
        params, history = fnnet.train(fnnet.init_params([2, 3, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce",
                                      epochs=5, batch_size=4, lr=0.1, callback=stop, verbose=0)
    assert params["W1"].shape == (3, 2) and history["stopped"] == "enough" and len(history["cost"]) == 2


def test_ctrl_c_during_the_validation_pass_leaves_no_ragged_history(monkeypatch):
    """13: cost had 3 entries, val_cost 2."""
    X, Y = _xor()
    real, calls = train_module.forward_pass, []

    def interrupt_third_validation(params, X_in, *args, **kwargs):
        if X_in.shape[1] == 3:  # the validation set
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
        return real(params, X_in, *args, **kwargs)

    monkeypatch.setattr(train_module, "forward_pass", interrupt_third_validation)
    _, history = fnnet.train(fnnet.init_params([2, 3, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce", epochs=5,
                             batch_size=4, lr=0.1, X_val=X[:, :3], Y_val=Y[:, :3], verbose=0)
    assert history.pop("interrupted") is True
    assert {key: len(values) for key, values in history.items()} == dict.fromkeys(history, 2)


@pytest.mark.parametrize("options", [("--val-fraction", "0.001"), ("--val-fraction", "0.999"),
                                     ("--data", "seed002", "--val-fraction", "0.05")])
def test_cli_val_fraction_leaving_a_part_empty_is_a_usage_error(capsys, options):
    """14: a traceback and exit 1."""
    last = _usage_error(capsys, *options)
    assert "argument --val-fraction: fraction" in last and "leaves one part empty" in last


# --------------------------------------------------------------------------- clear errors


def test_cli_hidden_activations_come_from_the_records(monkeypatch):
    """19: _cli_train filtered 'softmax' by name."""
    own = fnnet.Activation("sparsemax", lambda Z: Z, lambda Z: np.ones_like(Z), output_only=True)
    monkeypatch.setattr(cli, "ACTIVATIONS", {**cli.ACTIVATIONS, "sparsemax": own})
    import argparse
    commands = argparse.ArgumentParser().add_subparsers()
    cli.register(commands)
    choices = next(a.choices for a in commands.choices["train"]._actions if a.dest == "activation")
    assert "sparsemax" not in choices and "softmax" not in choices and "relu" in choices


def test_cli_gradcheck_targets_come_from_the_loss_record(monkeypatch):
    """19: _cli_gradcheck picked targets by the loss's name."""
    monkeypatch.setattr(cli_gradcheck, "LOSSES", {"cce2": CCE})
    args = cli_gradcheck.argparse.Namespace(layers=[2, 3, 4], activations=None, loss="cce2", seed=0, init="he",
                                            dtype="float64", m=6)
    _, _, Y, acts = cli_gradcheck._problem(args)
    assert acts[-1] == "softmax" and set(np.unique(Y)) == {0.0, 1.0} and (Y.sum(axis=0) == 1).all()


def test_public_updates_take_a_rate_of_zero():
    """11: a schedule's 0 reaches the public updates too (a user's pair, a clipped built-in)."""
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[0.5]])}
    grads = {"W1": np.array([[3.0, 4.0]]), "b1": np.array([[1.0]])}
    for key, value in fnnet.sgd_step(params, grads, lr=0.0).items():
        np.testing.assert_array_equal(value, params[key])
    new, state = fnnet.adam_update(params, grads, fnnet.init_adam(params), lr=0.0)
    np.testing.assert_array_equal(new["W1"], params["W1"])
    assert state["t"] == 1


# --------------------------------------------------------------------------- resume exactly as promised


def _moons():
    X, y = fnnet.two_moons(200, noise=0.3, seed=0)
    Y = y.reshape(1, -1).astype(float)
    return X[:, :150], Y[:, :150], X[:, 150:], Y[:, 150:]


def _stopping_run(epochs=300, **kwargs):
    X, Y, Xv, Yv = _moons()
    options = dict(epochs=epochs, batch_size=30, lr=0.05, optimizer="adam", seed=3, X_val=Xv, Y_val=Yv, verbose=0)
    options.update(kwargs)
    options.setdefault("callbacks", [fnnet.EarlyStopping(patience=5)])
    return fnnet.train(fnnet.init_params([2, 16, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce", **options)


def test_early_stopping_resumed_is_bit_identical(tmp_path):
    """15: uninterrupted 31 epochs, best 21; interrupted and resumed 43, best 33."""
    straight, h_straight = _stopping_run()
    n, best = len(h_straight["cost"]), h_straight["best_epoch"]
    assert best + 5 == n < 300
    path = tmp_path / "run.npz"
    _stopping_run(epochs=best + 2, checkpoint=path)   # "killed" between the best epoch and the stop
    resumed, h_resumed = _stopping_run(checkpoint=path, resume=True)
    assert h_resumed == h_straight
    for key in straight:
        np.testing.assert_array_equal(resumed[key], straight[key])


def test_a_finished_run_resumed_returns_its_result_without_training(tmp_path):
    """15: re-running a finished command trained on."""
    path = tmp_path / "run.npz"
    first, h_first = _stopping_run(checkpoint=path)
    calls = []
    again, h_again = _stopping_run(checkpoint=path, resume=True,
                                   callbacks=[fnnet.EarlyStopping(patience=5), lambda *args: calls.append(1)])
    assert calls == [] and h_again == h_first and h_again["stopped"].startswith("early stopping")
    for key in first:
        np.testing.assert_array_equal(again[key], first[key])


@pytest.mark.parametrize("before, after, difference", [
    (dict(optimizer=fnnet.clip_by_global_norm("adam", 0.001)), dict(optimizer=fnnet.clip_by_global_norm("adam", 1000)),
     r"optimizer: checkpoint 'clip_by_global_norm\(max_norm=0.001\) of adam', "
     r"this run 'clip_by_global_norm\(max_norm=1000.0\) of adam'"),
    (dict(optimizer=fnnet.clip_by_global_norm("adam", 1.0)), dict(optimizer="adam"),   # 19: was adam_update vs adam
     r"optimizer: checkpoint 'clip_by_global_norm\(max_norm=1.0\) of adam', this run 'adam'"),
    (dict(optimizer=fnnet.clip_by_value("adam", 1.0)), dict(optimizer=fnnet.clip_by_global_norm("adam", 1.0)),
     r"optimizer: checkpoint 'clip_by_value\(limit=1.0\) of adam'"),
    (dict(optimizer_options={"beta1": np.float32(0.1)}), dict(optimizer_options={"beta1": 0.9}),
     r"optimizer_options: checkpoint \{'beta1': 0.10000000149011612\}, this run \{'beta1': 0.9\}"),
    (dict(), dict(X_val=_moons()[2][:, ::-1]), r"validation: checkpoint '[0-9a-f]{32}', this run '[0-9a-f]{32}'"),
], ids=["clip-norm", "clip-dropped", "clip-kind", "numpy-option", "validation-data"])
def test_resume_refuses_another_configuration_by_value(tmp_path, before, after, difference):
    """16: another clipping, NumPy options and other validation data were accepted."""
    path = tmp_path / "run.npz"
    _stopping_run(epochs=2, checkpoint=path, callbacks=[], **before)
    with pytest.raises(ValueError, match=r"another configuration.*Differences:\n  " + difference):
        _stopping_run(epochs=4, checkpoint=path, resume=True, callbacks=[], **after)


def test_resume_lists_every_difference(tmp_path):
    path = tmp_path / "run.npz"
    _stopping_run(epochs=2, checkpoint=path, callbacks=[])
    with pytest.raises(ValueError, match=r"Differences:\n  lr: checkpoint 0.05, this run 0.1\n  "
                                         r"batch_size: checkpoint 30, this run 10$"):
        _stopping_run(epochs=4, checkpoint=path, resume=True, callbacks=[], lr=0.1, batch_size=10)


def halving(epoch):
    return 0.05 * 0.5 ** epoch


def test_a_schedule_function_is_recorded_by_its_qualified_name(tmp_path):
    """16: its repr held a memory address, so no new process could resume it."""
    path = tmp_path / "run.npz"
    _stopping_run(epochs=2, checkpoint=path, callbacks=[], lr=halving)
    assert fnnet.load_metadata(path)["config"]["lr"] == f"{__name__}.halving"
    _, history = _stopping_run(epochs=3, checkpoint=path, resume=True, callbacks=[], lr=halving)
    assert history["lr"] == [0.05, 0.025, 0.0125]


def test_a_reused_early_stopping_starts_afresh():
    """17: a reused instance returned the previous run's params."""
    stop = fnnet.EarlyStopping(patience=5)
    _stopping_run(callbacks=[stop])
    reused, h_reused = _stopping_run(callbacks=[stop], lr=0.002)   # a slower run: above the first's best for long
    fresh, h_fresh = _stopping_run(callbacks=[fnnet.EarlyStopping(patience=5)], lr=0.002)
    assert h_reused == h_fresh
    for key in fresh:
        np.testing.assert_array_equal(reused[key], fresh[key])


@pytest.mark.parametrize("ratio, written", [(0.0, list(range(1, 21))), (math.inf, [1, 20])])
def test_checkpoints_are_written_as_the_write_ratio_allows(tmp_path, monkeypatch, ratio, written):
    """18: every epoch rewrote the whole history and synced it; the writes are now spaced so that
    they cost at most 1 / WRITE_RATIO of the run (the first and last epochs always written)."""
    real, epochs = fnnet.io.save_checkpoint, []

    def save_checkpoint(path, params, state, **metadata):
        epochs.append(metadata["epoch"])
        return real(path, params, state, **metadata)

    monkeypatch.setattr(fnnet.io, "save_checkpoint", save_checkpoint)
    monkeypatch.setattr(fnnet._resume, "WRITE_RATIO", ratio)
    path = tmp_path / "run.npz"
    params, history = _stopping_run(epochs=20, checkpoint=path, callbacks=[])
    assert epochs == written
    saved, state, meta = fnnet.load_checkpoint(path)
    assert meta["epoch"] == 20 and {key: values.tolist() for key, values in state["history"].items()} == history
    for key in params:
        np.testing.assert_array_equal(saved[key], params[key])


# --------------------------------------------------------------------------- clear errors and usage


def _tiny(**kwargs):
    X, Y = _xor()
    options = dict(epochs=2, batch_size=4, lr=0.1, verbose=0)
    options.update(kwargs)
    return fnnet.train(fnnet.init_params([2, 3, 1], seed=0), X, Y, ["tanh", "sigmoid"], "bce", **options)


def test_numpy_scalars_and_0d_arrays_are_taken_where_python_values_are_meant():
    """19: keep_prob=np.array(0.8) failed with len() of unsized object."""
    _, history = _tiny(keep_prob=np.array(0.8), seed=0, resume=np.False_)
    _, plain = _tiny(keep_prob=0.8, seed=0)
    assert history == plain
    params, _ = fnnet.momentum_update({"W1": np.ones((1, 1))}, {"W1": np.ones((1, 1))},
                                      fnnet.init_momentum({"W1": np.ones((1, 1))}), lr=0.5, nesterov=np.True_)
    assert params["W1"].shape == (1, 1)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(callbacks=None), None, None),
    (dict(callbacks=print), TypeError, r"callbacks must be a list of callables \(or None\), got builtin_function"),
    (dict(seed=-1), ValueError, r"seed must be a non-negative int or None, got -1"),
    (dict(resume="yes", checkpoint="x"), TypeError, r"resume must be True or False, got str 'yes'"),
    (dict(callback=lambda *args: True), TypeError,
     r"callback <lambda> returned bool True; a callback returns None to go on, or fnnet.Stop\(reason\)"),
    (dict(callback=lambda *args: "stop"), TypeError, r"returned str 'stop'"),
], ids=["callbacks-none", "callbacks-one", "seed-negative", "resume-yes", "callback-true", "callback-stop-str"])
def test_train_arguments_are_checked(kwargs, error, match):
    """19, 20: unclear errors, or values accepted silently."""
    if error is None:
        assert len(_tiny(**kwargs)[1]["cost"]) == 2
    else:
        with pytest.raises(error, match=match):
            _tiny(**kwargs)


def test_keep_prob_below_one_without_hidden_layers_is_refused():
    """20: the CLI refused it, the API did not."""
    X, Y = _xor()
    with pytest.raises(ValueError, match=r"keep_prob 0.5 < 1 needs hidden layers; this network has none"):
        fnnet.train(fnnet.init_params([2, 1], seed=0), X, Y, ["sigmoid"], "bce", epochs=1, batch_size=4, lr=0.1,
                    keep_prob=0.5, verbose=0)
    with pytest.raises(ValueError, match=r"keep_prob 0.5 < 1 needs hidden layers"):
        fnnet.forward(fnnet.init_params([2, 1], seed=0), X, ["sigmoid"], keep_prob=0.5,
                      rng=np.random.default_rng(0))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(best_epoch="a"), TypeError, r"Stop's best_epoch must be an int >= 1, got str 'a'"),
    (dict(best_epoch=0), ValueError, r"Stop's best_epoch must be an int >= 1, got 0"),
    (dict(params=[1, 2]), TypeError, r"Stop's params must be a dict of arrays or None, got list"),
], ids=["best-epoch-str", "best-epoch-zero", "params-list"])
def test_stop_checks_its_fields(kwargs, error, match):
    """20: Stop(best_epoch='a') was accepted."""
    with pytest.raises(error, match=match):
        fnnet.Stop("enough", **kwargs)
    with pytest.raises(TypeError, match="Stop's reason must be a str"):
        fnnet.Stop(None)


def test_nesterov_must_be_a_bool():
    """20: nesterov='no' meant True."""
    params = {"W1": np.ones((1, 1))}
    with pytest.raises(TypeError, match=r"nesterov must be True or False, got str 'no'"):
        fnnet.momentum_update(params, params, fnnet.init_momentum(params), lr=0.1, nesterov="no")


def test_a_schedule_with_a_defaulted_second_argument_gets_the_epoch_alone():
    """19: it was handed the history as its second argument."""
    def decay(epoch, rate=0.5):
        return 0.1 * rate ** epoch

    def plateau_like(epoch, history):
        return 0.1 if len(history["cost"]) == epoch else 0.0

    assert _tiny(epochs=3, lr=decay)[1]["lr"] == [0.1, 0.05, 0.025]
    assert _tiny(epochs=3, lr=plateau_like)[1]["lr"] == [0.1, 0.1, 0.1]


@pytest.mark.parametrize("name", ["adam", "rmsprop", "adagrad"])
def test_a_negative_sum_of_squares_in_the_state_is_named_not_an_overflow(name):
    """19: a negative optimizer state was reported as an overflow."""
    params = {"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))}
    init, update = fnnet.OPTIMIZERS[name]
    state = init(params)
    slot = {"adam": "v", "rmsprop": "mean_square", "adagrad": "sum_square"}[name]
    state[slot]["W1"] = np.array([[-1.0, 0.0]])
    grads = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}
    match = rf"{name}: state\['{slot}'\]\['W1'\] has 1 negative entries \(min -1.0\); it holds a running sum"
    with pytest.raises(ValueError, match=match):
        update(params, grads, state, lr=0.1)
    X, Y = _xor()
    with pytest.raises(ValueError, match=match):   # train checks the state it is given once
        fnnet.train(params, X, Y, ["sigmoid"], "bce", epochs=1, batch_size=4, lr=0.1, verbose=0,
                    optimizer=(lambda p: state, update))


def test_cce_targets_out_of_range_point_to_one_hot():
    """19: a value of 3 was told only 'must lie in [0, 1]'."""
    AL = np.full((3, 2), 1 / 3)
    with pytest.raises(ValueError, match=r"cce targets Y must be one-hot or probability columns \(values in \[0, 1\], "
                                         r"each column summing to 1\); got values in \[0, 3\] \(for class labels use "
                                         r"fnnet.one_hot\(labels, k\)\)"):
        fnnet.cost(AL, np.array([[0, 3], [1, 0], [0, 0]]), "cce")


def test_metadata_arrays_round_trip_beside_the_params(tmp_path):
    """21: save_params(meta=ndarray) said 'put arrays in params', which predict then refused."""
    params = fnnet.init_params([2, 3, 1], seed=0)
    mean = np.array([[0.5], [-1.5]], dtype=np.float32)
    path = fnnet.save_params(tmp_path / "model", params, input_mean=mean, activations=["relu", "sigmoid"])
    meta = fnnet.load_metadata(path)
    assert meta["activations"] == ["relu", "sigmoid"]
    assert meta["input_mean"].dtype == np.float32 and meta["input_mean"].shape == (2, 1)
    np.testing.assert_array_equal(meta["input_mean"], mean)
    loaded = fnnet.load_params(path)
    assert loaded.keys() == params.keys()
    assert fnnet.predict(loaded, np.zeros((2, 4)), meta["activations"]).shape == (1, 4)
    checkpoint = fnnet.save_checkpoint(tmp_path / "ckpt", params, {}, scale=np.arange(3))
    np.testing.assert_array_equal(fnnet.load_checkpoint(checkpoint)[2]["scale"], np.arange(3))
    with pytest.raises(TypeError, match=r"metadata 'nested' must be JSON-serialisable .* or an array given as a "
                                         r"metadata value of its own \(meta=array\)"):
        fnnet.save_params(tmp_path / "bad", params, nested={"a": np.zeros(2)})


def test_cli_rerunning_a_finished_early_stopped_command_does_not_train_on(capsys, tmp_path):
    """15: re-running a finished command trained on."""
    options = ["--data", "moons", "--val-fraction", "0.2", "--early-stopping", "--patience", "3", "-q",
               "--checkpoint", str(tmp_path / "c.npz"), "--resume"]
    code, first, _ = _train(capsys, *options)
    stopped = [line for line in first.splitlines() if "stopped after" in line]
    assert code == 0 and len(stopped) == 1
    code, again, _ = _train(capsys, *options)
    assert code == 0 and [line for line in again.splitlines() if "stopped after" in line] == stopped
    final = [line for line in first.splitlines() if line.startswith(("final", "validation"))]
    assert final == [line for line in again.splitlines() if line.startswith(("final", "validation"))]


def test_ctrl_c_says_which_epoch_the_checkpoint_holds(tmp_path, monkeypatch, capsys):
    """18: checkpoints are spaced, so the message names the epoch a resumed run starts from."""
    real, calls = train_module.backward_pass, []

    def interrupt_fifth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "backward_pass", interrupt_fifth)
    monkeypatch.setattr(fnnet._resume, "WRITE_RATIO", math.inf)
    path = tmp_path / "run.npz"
    _, history = _tiny(epochs=10, checkpoint=path, verbose=1)
    assert len(history["cost"]) == 4 and fnnet.load_checkpoint(path)[2]["epoch"] == 1
    assert capsys.readouterr().err.strip() == (f"interrupted: returning the params and history after 4 epoch(s); "
                                               f"resume from {str(path)!r} (written after epoch 1) with resume=True")


def test_plateau_resumed_continues_exactly(tmp_path):
    """15: ReduceOnPlateau's state is its history, which the checkpoint holds (a guard)."""
    plateau = fnnet.ReduceOnPlateau(0.05, monitor="val_cost", patience=2, factor=0.5)
    _, straight = _stopping_run(epochs=30, lr=plateau, callbacks=[])
    assert len(set(straight["lr"])) > 1   # it did reduce
    path = tmp_path / "run.npz"
    _stopping_run(epochs=12, lr=plateau, callbacks=[], checkpoint=path)
    _, resumed = _stopping_run(epochs=30, lr=plateau, callbacks=[], checkpoint=path, resume=True)
    assert resumed == straight


def test_0d_arrays_and_numpy_bools_are_their_values_everywhere():
    """19: accept NumPy bools and 0-d arrays where a Python value is meant."""
    _, history = _tiny(epochs=np.array(2), batch_size=np.array(4), lr=np.array(0.1), l2=np.array(0.0))
    _, plain = _tiny(epochs=2, batch_size=4, lr=0.1)
    assert history == plain
    stop = fnnet.EarlyStopping(monitor="cost", patience=np.array(2), restore_best=np.True_)
    assert stop.patience == 2 and stop.restore_best is True
    with pytest.raises(TypeError, match=r"lr must be a positive finite number, got bool_? (np\.)?True"):
        _tiny(lr=np.True_)
