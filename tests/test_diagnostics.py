"""layer_stats, update_ratio and the Diagnostics callback: values against hand derivations."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import fnnet


def _tiny():
    """relu then sigmoid, chosen so every number is worked by hand below."""
    params = {"W1": np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]), "b1": np.zeros((3, 1)),
              "W2": np.zeros((1, 3)), "b2": np.zeros((1, 1))}
    X, Y = np.array([[1.0, 3.0], [2.0, 4.0]]), np.array([[1.0, 0.0]])
    return params, X, Y, ["relu", "sigmoid"]


def test_layer_stats_match_the_hand_worked_tiny_network():
    params, X, Y, acts = _tiny()
    AL, cache = fnnet.forward(params, X, acts)
    grads = fnnet.backward(params, cache, Y, "bce")
    first, second = fnnet.layer_stats(params, cache, grads)
    # Z1 = W1 X = [[1, 3], [2, 4], [-1, -3]] -> A1 = [[1, 3], [2, 4], [0, 0]]: unit 3 is dead
    A1 = np.array([[1.0, 3.0], [2.0, 4.0], [0.0, 0.0]])
    assert (first.layer, first.activation) == (1, "relu")
    assert first.mean == pytest.approx(10.0 / 6.0, rel=1e-15)
    assert first.std == pytest.approx(math.sqrt(20.0 / 9.0), rel=1e-15)  # mean of (A1 - 5/3)^2 is 20/9
    assert float(np.std(A1)) == pytest.approx(math.sqrt(20.0 / 9.0), rel=1e-15)
    assert first.dead == pytest.approx(1.0 / 3.0, rel=1e-15)
    assert first.saturated is None
    assert first.W_norm == pytest.approx(math.sqrt(3.0), rel=1e-15)
    # W2 = 0, so dA1 = W2^T dZ2 = 0: layer 1 gets no gradient
    assert (first.dW_norm, first.db_norm, first.std_ratio) == (0.0, 0.0, 0.0)
    # A2 = sigmoid(0) = 1/2 everywhere: not saturated; dZ2 = (A2 - Y) / 2 = [[-1/4, 1/4]]
    assert (second.mean, second.std, second.saturated, second.dead) == (0.5, 0.0, 0.0, None)
    # dW2 = dZ2 A1^T = [[1/2, 1/2, 0]], db2 = -1/4 + 1/4 = 0; std(W2) = 0: no ratio
    assert second.dW_norm == pytest.approx(math.sqrt(0.5), rel=1e-15)
    assert (second.W_norm, second.db_norm, second.std_ratio) == (0.0, 0.0, None)


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
def test_saturation_counts_the_flat_entries(act):
    # Z = [10, 0.5, -10, 0]: tanh is +-1 at +-10 (|A| > 0.97), sigmoid 0.99995 and 4.5e-5
    params = {"W1": np.array([[10.0], [0.5], [-10.0], [0.0]]), "b1": np.zeros((4, 1)),
              "W2": np.ones((1, 4)), "b2": np.zeros((1, 1))}
    AL, cache = fnnet.forward(params, np.ones((1, 3)), [act, "linear"])
    grads = fnnet.backward(params, cache, np.zeros((1, 3)), "mse")
    stats = fnnet.layer_stats(params, cache, grads)
    assert stats[0].saturated == 0.5
    assert stats[0].dead is None and stats[1].saturated is None


def test_the_table_prints_every_layer_and_marks_what_does_not_apply():
    params, X, Y, acts = _tiny()
    AL, cache = fnnet.forward(params, X, acts)
    stats = fnnet.layer_stats(params, cache, fnnet.backward(params, cache, Y, "bce"))
    lines = str(stats).splitlines()
    assert lines[0].split() == ["layer", "activation", "mean(A)", "std(A)", "saturated", "dead", "||W||", "||dW||",
                                "||db||", "std(dW)/std(W)"]
    assert lines[1].split() == ["1", "relu", "1.67", "1.49", "-", "33.3%", "1.73", "0", "0", "0"]
    assert lines[2].split() == ["2", "sigmoid", "0.5", "0", "0.0%", "-", "0", "0.707", "0", "-"]
    html = stats._repr_html_()
    assert html.count("<tr>") == 3 and "33.3%" in html and "||dW||" in html
    assert stats.column("dead") == [pytest.approx(1 / 3), None]
    with pytest.raises(ValueError, match="unknown field 'dw'.*dW_norm"):
        stats.column("dw")


def test_layer_stats_is_pure_works_in_float32_and_names_bad_grads():
    params = fnnet.init_params([3, 5, 4, 2], seed=1, dtype=np.float32)
    X = np.random.default_rng(0).standard_normal((3, 7)).astype(np.float32)
    Y = fnnet.one_hot(np.array([0, 1, 1, 0, 1, 0, 0]), 2, dtype=np.float32)
    AL, cache = fnnet.forward(params, X, ["tanh", "relu", "softmax"])
    grads = fnnet.backward(params, cache, Y, "cce")
    before = copy.deepcopy((params, cache, grads))
    stats = fnnet.layer_stats(params, cache, grads)
    p, c, g = before
    assert all(np.array_equal(p[k], params[k]) and np.array_equal(g[k], grads[k]) for k in params)
    assert all(np.array_equal(c[f"A{l}"], cache[f"A{l}"]) for l in range(4))
    assert [s.layer for s in stats] == [1, 2, 3]
    assert all(isinstance(s.W_norm, float) for s in stats)
    assert stats[2].dW_norm == pytest.approx(float(np.linalg.norm(grads["W3"].astype(np.float64))), rel=1e-6)
    bad = dict(grads, W2=grads["W2"][:, :2])
    with pytest.raises(ValueError, match=r"grads\['W2'\] has shape \(4, 2\), expected \(4, 5\)"):
        fnnet.layer_stats(params, cache, bad)


def test_norms_of_huge_finite_values_do_not_overflow(recwarn):
    params = {"W1": np.full((2, 2), 1e200), "b1": np.zeros((2, 1))}
    cache = {"A0": np.ones((2, 1)), "A1": np.full((2, 1), 1e-300), "activations": (fnnet.ACTIVATIONS["linear"],)}
    grads = {"W1": np.full((2, 2), 1e200), "b1": np.zeros((2, 1))}
    stats = fnnet.layer_stats(params, cache, grads)
    assert stats[0].W_norm == pytest.approx(2e200, rel=1e-15)
    assert fnnet.update_ratio(params, grads) == {"W1": 0.0, "b1": 0.0}
    assert not recwarn.list


def test_update_ratio_is_the_relative_change_per_key():
    old = {"W1": np.array([[3.0, 4.0]]), "b1": np.zeros((1, 1)), "W2": np.array([[1.0]]), "b2": np.zeros((1, 1))}
    new = {"W1": np.array([[3.0, 4.005]]), "b1": np.ones((1, 1)), "W2": np.array([[0.0]]), "b2": np.zeros((1, 1))}
    kept = copy.deepcopy((old, new))
    ratios = fnnet.update_ratio(old, new)
    assert list(ratios) == ["W1", "b1", "W2", "b2"]
    assert ratios["W1"] == pytest.approx(0.005 / 5.0, rel=1e-12)
    assert ratios == {"W1": ratios["W1"], "b1": math.inf, "W2": 1.0, "b2": 0.0}
    assert all(np.array_equal(kept[0][k], old[k]) and np.array_equal(kept[1][k], new[k]) for k in old)
    with pytest.raises(ValueError, match="new must have the same keys as params: missing \\['b2'\\]"):
        fnnet.update_ratio(old, {k: v for k, v in new.items() if k != "b2"})


def _moons_run(callbacks, epochs=4, **kwargs):
    X, y = fnnet.two_moons(120, seed=0)
    Y = y.reshape(1, -1).astype(float)
    params = fnnet.init_params([2, 6, 5, 1], seed=0)
    return params, X, Y, fnnet.train(params, X, Y, ["tanh", "relu", "sigmoid"], "bce", epochs=epochs, batch_size=40,
                                     lr=0.1, seed=0, verbose=0, callbacks=callbacks, **kwargs)


def test_the_callback_records_layer_stats_and_update_ratios_per_epoch():
    acts = ["tanh", "relu", "sigmoid"]
    seen = {}

    def keep(epoch, params, history):
        seen[epoch] = {k: v.copy() for k, v in params.items()}

    X, y = fnnet.two_moons(120, seed=0)
    watch = fnnet.Diagnostics(X[:, :50], y[None, :50].astype(float), acts, "bce")
    params0, X, Y, (params, history) = _moons_run([keep, watch])
    record = history["diagnostics"]
    assert record["epoch"] == [1, 2, 3, 4]
    assert np.array(record["db_norm"]).shape == (4, 3)
    for epoch in (1, 4):  # the same numbers as layer_stats on the epoch's params
        AL, cache = fnnet.forward(seen[epoch], X[:, :50], acts)
        stats = fnnet.layer_stats(seen[epoch], cache, fnnet.backward(seen[epoch], cache, Y[:, :50], "bce"))
        for field in ("mean", "std", "saturated", "dead", "W_norm", "dW_norm", "db_norm", "std_ratio"):
            assert record[field][epoch - 1] == stats.column(field)
        assert str(watch.stats[epoch]) == str(stats)
    assert record["update_ratio"][0] is None  # no params before epoch 1 were given
    expected = fnnet.update_ratio(seen[3], seen[4])
    assert record["update_ratio"][3] == [expected["W1"], expected["W2"], expected["W3"]]


def test_the_callback_with_initial_params_and_every(tmp_path):
    X, y = fnnet.two_moons(120, seed=0)
    params0 = fnnet.init_params([2, 6, 5, 1], seed=0)
    watch = fnnet.Diagnostics(X, y[None, :].astype(float), ["tanh", "relu", "sigmoid"], "bce", initial=params0,
                              every=2)
    _, _, _, (params, history) = _moons_run([watch], epochs=5, checkpoint=tmp_path / "run")
    record = history["diagnostics"]
    assert record["epoch"] == [1, 2, 4]
    assert all(0.0 < r < 1.0 for r in record["update_ratio"][0])
    assert watch.spans == {1: 1, 2: 1, 4: 2}  # epoch 4's ratio is the change over epochs 3 and 4
    assert record["update_ratio"][2] == watch.update_ratios[4]
    # the record is JSON: the checkpoint keeps it, and a resumed run is not refused for it
    _, _, meta = fnnet.load_checkpoint(tmp_path / "run")
    assert meta["history"]["diagnostics"]["epoch"] == [1, 2, 4]
    again = fnnet.Diagnostics(X, y[None, :].astype(float), ["tanh", "relu", "sigmoid"], "bce")
    _, _, _, (_, resumed) = _moons_run([again], epochs=6, checkpoint=tmp_path / "run", resume=True)
    assert resumed["diagnostics"]["epoch"] == [6] and len(resumed["cost"]) == 6


def test_the_callback_rejects_bad_options():
    X, Y = np.ones((2, 3)), np.ones((1, 3))
    with pytest.raises(ValueError, match="every must be an int >= 1, got 0"):
        fnnet.Diagnostics(X, Y, ["sigmoid"], "bce", every=0)
    with pytest.raises(TypeError, match="key must be a history key"):
        fnnet.Diagnostics(X, Y, ["sigmoid"], "bce", key=3)
    with pytest.raises(ValueError, match=r"probe batch's Y must be 2-D, one example per column; got shape \(3,\)"):
        fnnet.Diagnostics(X, np.ones(3), ["sigmoid"], "bce")
    with pytest.raises(ValueError, match="X has 3 examples \\(columns\\) but Y has 2"):
        fnnet.Diagnostics(X, np.ones((1, 2)), ["sigmoid"], "bce")
    with pytest.raises(ValueError, match="unknown activation 'sigmod'"):
        fnnet.Diagnostics(X, Y, ["sigmod"], "bce")
    with pytest.raises(ValueError, match="unknown loss 'bc'"):
        fnnet.Diagnostics(X, Y, ["sigmoid"], "bc")


def test_a_probe_pass_that_overflows_is_a_divergence_that_keeps_the_work():
    X, Y = np.array([[1e200, -1e200]]), np.array([[0.0, 1.0]])
    params = {"W1": np.array([[1e200]]), "b1": np.zeros((1, 1)), "W2": np.ones((1, 1)), "b2": np.zeros((1, 1))}
    watch = fnnet.Diagnostics(X, Y, ["linear", "linear"], "mse")
    history = {"cost": [1.0]}
    with pytest.raises(fnnet.TrainingDiverged, match="by epoch 3: the Diagnostics probe pass failed .*layer 1 overflowed") as info:
        watch(3, params, history)
    assert info.value.epoch == 3 and info.value.history is history
    assert np.array_equal(info.value.params["W1"], params["W1"]) and info.value.params["W1"] is not params["W1"]
