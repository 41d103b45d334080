"""Learning-rate schedules, callbacks and early stopping, penalties and dropout in train."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fnnet


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    """The deep-learning course's graded function, as the assignment states it."""
    return learning_rate0 / (1 + decay_rate * math.floor(epoch_num / time_interval))


def update_lr(learning_rate0, epoch_num, decay_rate):
    return learning_rate0 / (1 + decay_rate * epoch_num)


def test_inverse_time_decay_is_the_courses_schedule_lr_decay():
    for t in [0, 1, 999, 1000, 1001, 2500, 10_000]:
        assert fnnet.inverse_time_decay(0.5, 0.3, time_interval=1000)(t) == schedule_lr_decay(0.5, t, 0.3)
        assert fnnet.inverse_time_decay(0.5, 0.3)(t) == update_lr(0.5, t, 0.3)


@pytest.mark.parametrize("schedule, expected", [
    (fnnet.constant(0.1), [0.1, 0.1, 0.1, 0.1]),
    (fnnet.step_decay(0.8, 0.5, 2), [0.8, 0.8, 0.4, 0.4]),
    (fnnet.exponential_decay(1.0, 0.9), [1.0, 0.9, 0.81, 0.729]),
    (fnnet.cosine_decay(1.0, 2, lr_min=0.2), [1.0, 0.6, 0.2, 0.2]),
    (fnnet.step_decay(0.8, 0.5, 2, warmup=2), [0.8 / 3, 1.6 / 3, 0.8, 0.8]),
], ids=["constant", "step", "exponential", "cosine", "warm-up"])
def test_schedules_by_hand(schedule, expected):
    np.testing.assert_allclose([schedule(t) for t in range(4)], expected, rtol=1e-15)


def test_schedules_are_values_that_print_and_compare():
    assert fnnet.step_decay(0.1, 0.5, 3) == fnnet.step_decay(0.1, 0.5, 3) != fnnet.step_decay(0.1, 0.5, 4)
    assert "drop=0.5" in repr(fnnet.step_decay(0.1, 0.5, 3))


@pytest.mark.parametrize("make, error, match", [
    (lambda: fnnet.step_decay(-0.1), ValueError, "lr0 must be a positive finite number"),
    (lambda: fnnet.step_decay(0.1, drop=1.5), ValueError, r"drop must be a number in \(0, 1\]"),
    (lambda: fnnet.step_decay(0.1, every=0), ValueError, "every must be an int >= 1"),
    (lambda: fnnet.constant(0.1, warmup=-1), ValueError, "warmup must be an int >= 0"),
    (lambda: fnnet.inverse_time_decay(0.1, -1.0), ValueError, "decay_rate must be a non-negative"),
    (lambda: fnnet.cosine_decay(0.1, 0), ValueError, "epochs must be an int >= 1"),
    (lambda: fnnet.ReduceOnPlateau(0.1, factor=1.0), ValueError, "factor must be below 1"),
    (lambda: fnnet.ReduceOnPlateau(0.1, mode="up"), ValueError, "mode must be 'min' or 'max'"),
    (lambda: fnnet.EarlyStopping(patience=0), ValueError, "patience must be an int >= 1"),
    (lambda: fnnet.EarlyStopping(monitor=3), TypeError, "monitor must be a history key"),
    (lambda: fnnet.EarlyStopping(restore_best=1), TypeError, "restore_best must be True or False"),
], ids=["lr0", "drop", "every", "warmup", "decay-rate", "cosine-epochs", "factor", "mode", "patience", "monitor",
        "restore-best"])
def test_schedule_and_callback_bad_values(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.fixture(scope="module")
def moons():
    X, y = fnnet.two_moons(240, noise=0.2, seed=3)
    return X[:, :160], y[:160].reshape(1, -1), X[:, 160:], y[160:].reshape(1, -1)


def _train(moons, **kwargs):
    X, Y, Xv, Yv = moons
    options = dict(epochs=6, batch_size=32, lr=0.05, optimizer="adam", seed=0, verbose=0, X_val=Xv, Y_val=Yv)
    options.update(kwargs)
    return fnnet.train(fnnet.init_params([2, 12, 1], seed=1), X, Y, ["tanh", "sigmoid"], "bce", **options)


def test_train_follows_a_schedule_and_records_each_epochs_rate(moons):
    schedule = fnnet.step_decay(0.05, 0.5, 2)
    _, history = _train(moons, lr=schedule)
    assert history["lr"] == [schedule(t) for t in range(6)]
    _, plain = _train(moons, lr=lambda epoch: 0.05 * 0.5 ** (epoch // 2))  # a user's function of the epoch
    assert plain == history


def test_a_schedule_resumes_at_its_position(moons, tmp_path):
    schedule = fnnet.exponential_decay(0.05, 0.7)
    whole, h_whole = _train(moons, lr=schedule)
    _train(moons, lr=schedule, epochs=3, checkpoint=tmp_path / "c.npz")
    resumed, h_resumed = _train(moons, lr=schedule, checkpoint=tmp_path / "c.npz", resume=True)
    assert h_resumed == h_whole
    assert all(np.array_equal(whole[k], resumed[k]) for k in whole)
    with pytest.raises(ValueError, match=r"lr: checkpoint '_Exponential"):
        _train(moons, lr=fnnet.exponential_decay(0.05, 0.8), epochs=8, checkpoint=tmp_path / "c.npz", resume=True)


def test_reduce_on_plateau_in_train_reads_the_history(moons):
    plateau = fnnet.ReduceOnPlateau(0.05, monitor="val_cost", patience=1, factor=0.5)
    _, history = _train(moons, lr=plateau, epochs=12)
    assert history["lr"] == [plateau(t, history) for t in range(12)]
    assert history["lr"][0] == 0.05 and min(history["lr"]) < 0.05   # it did reduce on this run


def test_early_stopping_stops_and_restores_the_best_epoch(moons):
    X, Y, Xv, Yv = moons
    stop = fnnet.EarlyStopping(monitor="val_cost", patience=2)
    params, history = _train(moons, lr=0.3, epochs=200, callbacks=[stop])
    n = len(history["cost"])
    assert n < 200 and history["stopped"].startswith("early stopping: val_cost did not improve")
    best = history["best_epoch"]
    assert history["val_cost"][best - 1] == min(history["val_cost"]) and n == best + 2
    assert fnnet.cost(fnnet.predict(params, Xv, ["tanh", "sigmoid"]), Yv, "bce") == pytest.approx(history["val_cost"][best - 1], rel=1e-12)


def test_early_stopping_without_restoring_keeps_the_last_params(moons):
    params, history = _train(moons, lr=0.3, epochs=200, callbacks=[fnnet.EarlyStopping(patience=2, restore_best=False)])
    X, Y, Xv, Yv = moons
    assert fnnet.cost(fnnet.predict(params, Xv, ["tanh", "sigmoid"]), Yv, "bce") == pytest.approx(history["val_cost"][-1], rel=1e-12)


def test_early_stopping_on_a_key_the_run_does_not_record(moons):
    with pytest.raises(ValueError, match=r"EarlyStopping monitors 'val_accuracy'.*need X_val and Y_val"):
        _train(moons, X_val=None, Y_val=None, callbacks=[fnnet.EarlyStopping(monitor="val_accuracy")])


def test_a_callback_stops_training_by_returning_stop(moons):
    def after_three(epoch, params, history):
        return fnnet.Stop("three is enough") if epoch == 3 else None

    _, history = _train(moons, callback=after_three)
    assert len(history["cost"]) == 3 and history["stopped"] == "three is enough" and "best_epoch" not in history


def test_history_reports_the_penalised_cost_and_the_data_term(moons):
    X, Y, _, _ = moons
    params0 = fnnet.init_params([2, 12, 1], seed=1)
    params, history = fnnet.train(params0, X, Y, ["tanh", "sigmoid"], "bce", epochs=1, batch_size=200, lr=0.1,
                                  l2=0.5, l1=0.01, verbose=0)
    AL, cache = fnnet.forward(params0, X, ["tanh", "sigmoid"])   # one full batch: the hand-written step
    data = fnnet.cost(AL, Y, "bce")
    assert history["data_cost"] == [pytest.approx(data, rel=1e-12)]  # one batch, its columns shuffled: round-off
    assert history["cost"][0] == pytest.approx(data + fnnet.penalty(params0, l2=0.5, l1=0.01), rel=1e-12)
    expected = fnnet.sgd_step(params0, fnnet.backward(params0, cache, Y, "bce", l2=0.5, l1=0.01), lr=0.1)
    for key in params:
        np.testing.assert_allclose(params[key], expected[key], rtol=1e-13)


def test_dropout_in_train_is_reproducible_and_off_at_prediction(moons):
    a, h_a = _train(moons, keep_prob=0.8)
    b, h_b = _train(moons, keep_prob=0.8)
    c, _ = _train(moons)
    assert h_a == h_b and all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], c["W1"])
    X, Y, Xv, Yv = moons
    assert h_a["val_cost"][-1] == fnnet.cost(fnnet.predict(a, Xv, ["tanh", "sigmoid"]), Yv, "bce")
