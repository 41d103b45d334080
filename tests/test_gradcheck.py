"""fnnet.gradcheck and fnnet.numerical_grads: exact on correct grads, flags exactly the wrong key."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import fnnet
from fnnet.checking import FLOAT32_TOL, GradcheckReport

from conftest import assert_same, draw_problem, fd_grads, rel_errors, snapshot
from test_core_gradients import HIDDEN, OUTPUTS, SOFTPLUS  # the sensible activation x loss table


def make_problem(dims, acts, loss, m, seed, dtype=np.float64):
    """A random network and batch. No care is taken to avoid ReLU kinks: gradcheck handles them."""
    return draw_problem(dims, acts, loss, m, np.random.default_rng(seed), dtype)


def own_grads(params, X, Y, acts, loss):
    AL, cache = fnnet.forward(params, X, acts)
    return fnnet.backward(params, cache, Y, loss)


def combos():
    """Every sensible output x loss pair under every hidden activation, 1..5 layers, m in 1..64."""
    out = []
    for loss, outputs in OUTPUTS.items():
        for i, output in enumerate(outputs):
            for j, hidden in enumerate(HIDDEN):
                n_layers = 1 + (i + 2 * j) % 5
                m = [1, 2, 7, 64][(i + j) % 4]
                dims = [3] + [5 - (k % 2) for k in range(n_layers - 1)] + [3 if output == "softmax" else 2]
                acts = [hidden] * (n_layers - 1) + [output]
                out.append(pytest.param(dims, acts, loss, m, id=f"{hidden}-{output}-{loss}-L{n_layers}-m{m}"))
    for loss in OUTPUTS:
        acts = [SOFTPLUS, "tanh", "softmax" if loss != "bce" else "sigmoid"]
        out.append(pytest.param([3, 5, 4, 3], acts, loss, 6, id=f"softplus-tanh-{loss}-custom"))
    return out


# --------------------------------------------------------------------------------------------
# Planted bugs: the seed notebooks' and the deep-learning course's classic mistakes.
# Each takes correct grads (a fresh dict) and the batch size, and returns the key it broke.
# --------------------------------------------------------------------------------------------
def db2_from_dW2(grads, m):  # seed 002: dC_db2 = np.sum(dC_dW2, axis=1, keepdims=True)
    grads["b2"] = np.sum(grads["W2"], axis=1, keepdims=True)
    return "b2"


def missing_one_over_m(grads, m):  # dW1 = dZ1 @ A0.T without the 1/m
    grads["W1"] = grads["W1"] * m
    return "W1"


def doubled_dW(grads, m):
    grads["W2"] = grads["W2"] * 2
    return "W2"


def transposed_dW(grads, m):  # dW1 = (A0 @ dZ1.T).reshape(W1.shape): the shape fits, the values do not
    grads["W1"] = grads["W1"].T.reshape(grads["W1"].shape)
    return "W1"


def sign_flip(grads, m):
    grads["b1"] = -grads["b1"]
    return "b1"


BUGS = [db2_from_dW2, missing_one_over_m, doubled_dW, transposed_dW, sign_flip]
BUG_NETS = [
    pytest.param([4, 5, 3], ["tanh", "softmax"], "cce", id="tanh-softmax-cce"),
    pytest.param([3, 5, 4, 2], ["relu", "relu", "sigmoid"], "bce", id="relu-relu-sigmoid-bce"),
    pytest.param([2, 6, 3, 1], ["sigmoid", "leaky_relu", "linear"], "mse", id="sigmoid-leaky-linear-mse"),
]


# --------------------------------------------------------------------------------------------
# numerical_grads
# --------------------------------------------------------------------------------------------
def test_numerical_grads_of_a_known_function_hand_derived():
    # f = sum(w^3) + 2 * b . w[0]  ->  df/dw = 3 w^2 (+ 2 b on row 0), df/db = 2 w[0]
    params = {"w": np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]), "b": np.array([0.5, 1.5, -2.0])}

    def f(p):
        return float(np.sum(p["w"] ** 3) + 2.0 * p["b"] @ p["w"][0])

    n = fnnet.numerical_grads(f, params)
    assert list(n) == ["w", "b"]
    expected_w = 3.0 * params["w"] ** 2
    expected_w[0] += 2.0 * params["b"]
    np.testing.assert_allclose(n["w"], expected_w, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(n["b"], 2.0 * params["w"][0], rtol=1e-8, atol=1e-9)
    assert n["w"].shape == (2, 3) and n["b"].shape == (3,) and n["w"].dtype == np.float64


def test_numerical_grads_of_the_cost_agree_with_the_independent_loop(rng):
    acts, loss = ["tanh", "softmax"], "cce"
    params, X, Y = make_problem([3, 4, 3], acts, loss, 5, seed=1, dtype=np.float32)
    n = fnnet.numerical_grads(lambda p: fnnet.cost(fnnet.forward(p, X, acts)[0], Y, loss), params)
    ref = fd_grads(params, X, Y, acts, loss)
    for key in params:
        assert n[key].shape == params[key].shape and n[key].dtype == np.float64
        np.testing.assert_allclose(n[key], ref[key], rtol=0, atol=1e-9)
    assert max(rel_errors(own_grads(params, X, Y, acts, loss), n).values()) < FLOAT32_TOL


def test_numerical_grads_never_mutates_params_and_f_sees_a_copy():
    params = {"w": np.array([[1.0, 2.0]]), "v": np.array([3], dtype=np.int64)}
    before = snapshot(params)
    seen = []

    def f(p):
        assert p is not params and p["w"] is not params["w"]
        seen.append(p["w"].copy())
        return float(np.sum(p["w"] ** 2) + p["v"][0] ** 2)

    n = fnnet.numerical_grads(f, params)
    assert_same(before, params, "params")
    np.testing.assert_allclose(n["v"], [6.0], rtol=1e-8)
    assert len(seen) == 2 * 3


def test_numerical_grads_leaves_params_intact_when_f_raises_midway():
    params = {"W1": np.arange(6.0).reshape(2, 3), "b1": np.ones((2, 1))}
    before = snapshot(params)
    calls = []

    def f(p):
        calls.append(1)
        if len(calls) == 5:  # in the middle of a +-eps pair of the third entry
            raise RuntimeError("boom")
        return float(np.sum(p["W1"]) + np.sum(p["b1"]))

    with pytest.raises(RuntimeError, match="boom"):
        fnnet.numerical_grads(f, params)
    assert_same(before, params, "params")


@pytest.mark.parametrize("f,params,eps,error,match", [
    pytest.param(None, {"w": np.ones(2)}, 1e-6, TypeError, "f must be a callable", id="f-not-callable"),
    pytest.param(lambda p: 0.0, [np.ones(2)], 1e-6, TypeError, "params must be a dict", id="params-list"),
    pytest.param(lambda p: 0.0, {"w": [1.0]}, 1e-6, TypeError, r"params\['w'\] must be a real numpy", id="list-value"),
    pytest.param(lambda p: 0.0, {"w": np.ones(2)}, 0.0, ValueError, "eps must be a positive", id="eps-zero"),
    pytest.param(lambda p: 0.0, {"w": np.ones(2)}, "1e-6", TypeError, "eps must be a positive", id="eps-str"),
    pytest.param(lambda p: p["w"], {"w": np.ones(2)}, 1e-6, TypeError, "f must return a real scalar", id="f-array"),
    pytest.param(lambda p: np.inf, {"w": np.ones((2, 2))}, 1e-6, ValueError,
                 r"f returned inf with params\['w'\]\[\(0, 0\)\]", id="f-inf"),
])
def test_numerical_grads_rejects_bad_input(f, params, eps, error, match):
    with pytest.raises(error, match=match):
        fnnet.numerical_grads(f, params, eps=eps)


# --------------------------------------------------------------------------------------------
# Correct grads pass, in every mode
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims,acts,loss,m", combos())
def test_correct_grads_pass_for_every_combo_in_float64(dims, acts, loss, m):
    params, X, Y = make_problem(dims, acts, loss, m, seed=10 * len(dims) + m)
    report = fnnet.gradcheck(params, X, Y, acts, loss)  # the defaults: eps=1e-6, tol=1e-7
    assert report.ok, str(report)
    assert report.max_rel_error < 1e-9  # far below the tolerance: the numerical side is exact
    assert report.precision == "float64" and report.tol == 1e-7 and report.mode == "full"
    n_judged = {k: report.n_checked[k] + len(report.unsure[k]) for k in params}
    assert n_judged == {k: p.size for k, p in params.items()}


@pytest.mark.parametrize("dims,acts,loss,m", combos()[::3])
def test_full_mode_numerical_grads_match_the_independent_loop(dims, acts, loss, m):
    params, X, Y = make_problem(dims, acts, loss, m, seed=10 * len(dims) + m)
    report = fnnet.gradcheck(params, X, Y, acts, loss)
    ref = fd_grads(params, X, Y, acts, loss, eps=1e-6)
    for key in params:
        kink = np.zeros(params[key].shape, dtype=bool)
        for idx in report.kinks[key]:
            kink[idx] = True
        # the plain loop carries round-off of about 1e-16 |J| / eps; ours does not
        np.testing.assert_allclose(report.numerical[key][~kink], ref[key][~kink], rtol=0, atol=1e-9)


@pytest.mark.parametrize("dims,acts,loss,m", combos()[::2])
def test_correct_float32_grads_pass(dims, acts, loss, m):
    params, X, Y = make_problem(dims, acts, loss, m, seed=10 * len(dims) + m, dtype=np.float32)
    report = fnnet.gradcheck(params, X, Y, acts, loss)
    assert report.ok, str(report)
    assert report.precision == "float32" and report.tol == FLOAT32_TOL == 1e-3
    assert "float32 params (numerical side float64)" in str(report) and "tol=0.001" in str(report)


@pytest.mark.parametrize("mode", ["full", "directional"])
def test_float32_params_numerical_side_sees_the_float32_rounded_X(mode):
    """The analytic side runs on X rounded to float32; the float64 numerical side must use that X too."""
    acts, loss = ["tanh", "linear"], "mse"
    params, X, Y = make_problem([3, 4, 2], acts, loss, 5, seed=3, dtype=np.float32)
    X = X + 1e-3 / 3.0                                     # most entries not representable in float32
    X_rounded = X.astype(np.float32).astype(np.float64)
    assert not np.array_equal(X, X_rounded)
    X_before = X.copy()
    report = fnnet.gradcheck(params, X, Y, acts, loss, mode=mode, k=3)
    np.testing.assert_array_equal(X, X_before)
    params64 = {key: p.astype(np.float64) for key, p in params.items()}
    rounded_cost = fnnet.cost(fnnet.forward(params64, X_rounded, acts)[0], Y, loss)
    exact_cost = fnnet.cost(fnnet.forward(params64, X, acts)[0], Y, loss)
    assert abs(rounded_cost - exact_cost) > 1e-9 * abs(exact_cost)  # the two Xs are told apart
    assert report.cost == pytest.approx(rounded_cost, rel=1e-13)
    assert report.ok, str(report)


@pytest.mark.parametrize("mode", ["sample", "directional"])
@pytest.mark.parametrize("dims,acts,loss,m", combos()[1::4])
def test_correct_grads_pass_in_sample_and_directional_modes(dims, acts, loss, m, mode):
    params, X, Y = make_problem(dims, acts, loss, m, seed=10 * len(dims) + m)
    report = fnnet.gradcheck(params, X, Y, acts, loss, mode=mode, n=3, k=4, seed=5)
    assert report.ok, str(report)
    assert report.mode == mode


def test_custom_loss_object_takes_the_plain_difference_path():
    mse = fnnet.losses.LOSSES["mse"]
    my_mse = fnnet.losses.Loss("my_mse", mse.cost, mse.gradient, probabilities=False)
    acts = ["tanh", "linear"]
    params, X, Y = make_problem([3, 4, 2], acts, "mse", 6, seed=4)
    report = fnnet.gradcheck(params, X, Y, acts, my_mse)
    reference = fnnet.gradcheck(params, X, Y, acts, "mse")
    assert report.ok and report.max_rel_error < 1e-7
    for key in params:
        np.testing.assert_allclose(report.numerical[key], reference.numerical[key], rtol=0, atol=1e-9)


# --------------------------------------------------------------------------------------------
# Planted bugs are flagged on exactly the wrong key
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("bug", BUGS, ids=[b.__name__ for b in BUGS])
@pytest.mark.parametrize("dims,acts,loss", BUG_NETS)
def test_planted_bug_flags_exactly_the_wrong_key(dims, acts, loss, bug, dtype):
    m = 8
    params, X, Y = make_problem(dims, acts, loss, m, seed=3, dtype=dtype)
    grads = dict(own_grads(params, X, Y, acts, loss))
    wrong = bug(grads, m)
    before = snapshot(grads)
    report = fnnet.gradcheck(params, X, Y, acts, loss, grads)
    assert_same(before, grads, "grads")
    assert not report.ok
    assert report.failed_keys == [wrong], str(report)
    assert report.worst_key == wrong and report.max_rel_error > 0.01
    for key, err in report.errors.items():
        if key != wrong:
            assert report.verdicts[key] != "FAIL"


@pytest.mark.parametrize("bug", [db2_from_dW2, doubled_dW, sign_flip], ids=lambda b: b.__name__)
def test_sample_mode_catches_a_planted_bug_and_names_the_key(bug):
    dims, acts, loss = [4, 6, 5, 3], ["tanh", "relu", "softmax"], "cce"
    params, X, Y = make_problem(dims, acts, loss, 8, seed=11)
    grads = dict(own_grads(params, X, Y, acts, loss))
    wrong = bug(grads, 8)
    report = fnnet.gradcheck(params, X, Y, acts, loss, grads, mode="sample", n=4)
    assert not report.ok and report.worst_key == wrong, str(report)
    assert report.failed_keys == [wrong]


@pytest.mark.parametrize("bug", [db2_from_dW2, doubled_dW, sign_flip], ids=lambda b: b.__name__)
def test_directional_mode_catches_a_planted_bug_for_the_whole_network(bug):
    dims, acts, loss = [4, 6, 5, 3], ["tanh", "relu", "softmax"], "cce"
    params, X, Y = make_problem(dims, acts, loss, 8, seed=11)
    grads = dict(own_grads(params, X, Y, acts, loss))
    bug(grads, 8)
    report = fnnet.gradcheck(params, X, Y, acts, loss, grads, mode="directional", k=3)
    assert not report.ok and report.failed_keys == ["all"] and report.max_rel_error > 1e-3, str(report)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def seed002_backward(params, X, Y):
    """Seed 002's hand-written backward for [2, 3, 3, 1] sigmoid + bce, db from dW as in the notebook."""
    m = X.shape[1]
    A1 = _sigmoid(params["W1"] @ X + params["b1"])
    A2 = _sigmoid(params["W2"] @ A1 + params["b2"])
    A3 = _sigmoid(params["W3"] @ A2 + params["b3"])
    dZ3 = (1 / m) * (A3 - Y)
    dW3, db3 = dZ3 @ A2.T, np.sum(dZ3, axis=1, keepdims=True)
    dZ2 = (params["W3"].T @ dZ3) * A2 * (1 - A2)
    dW2 = dZ2 @ A1.T
    db2 = np.sum(dW2, axis=1, keepdims=True)  # the notebook's line: should be dZ2
    dZ1 = (params["W2"].T @ dZ2) * A1 * (1 - A1)
    dW1 = dZ1 @ X.T
    db1 = np.sum(dW1, axis=1, keepdims=True)  # and again: should be dZ1
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "W3": dW3, "b3": db3}


def test_seed002_hand_written_backward_is_caught_on_b1_and_b2_only():
    X, Y = fnnet.data.seed002()
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    params = fnnet.init_params([2, 3, 3, 1], seed=0, init="normal")
    report = fnnet.gradcheck(params, X, Y, ["sigmoid"] * 3, "bce", seed002_backward(params, X, Y))
    assert not report.ok
    assert report.failed_keys == ["b1", "b2"], str(report)
    assert report.errors["W1"] < 1e-9 and report.errors["W3"] < 1e-9


# --------------------------------------------------------------------------------------------
# ReLU kinks
# --------------------------------------------------------------------------------------------
def test_kink_adjacent_entries_are_reported_separately_not_failed():
    # Z1[0, 2] = 1e-8 sits closer to the relu kink than any +-1e-6 perturbation of row 0
    rng = np.random.default_rng(2)
    params = fnnet.init_params([3, 4, 2], rng=rng)
    X = rng.standard_normal((3, 5))
    Y = rng.standard_normal((2, 5))
    params["b1"][0, 0] = 1e-8 - params["W1"][0] @ X[:, 2]
    acts = ["relu", "linear"]
    grads = own_grads(params, X, Y, acts, "mse")
    report = fnnet.gradcheck(params, X, Y, acts, "mse")
    assert report.ok, str(report)
    assert report.kinks["b1"] == [(0, 0)]
    assert report.kinks["W1"] == [(0, j) for j in range(3) if abs(X[j, 2]) * 1e-6 > 1e-8]
    assert report.kinks["W2"] == [] and report.kinks["b2"] == []
    assert report.n_checked["b1"] == 4 and report.unsure["b1"] == []
    # the step that straddled the kink was shrunk until it no longer did: the exact derivative
    assert abs(report.numerical["b1"][0, 0] - grads["b1"][0, 0]) < 1e-9 * abs(grads["b1"][0, 0])
    assert "(1 at or near a kink)" in str(report)


def test_kink_adjacent_entries_still_catch_a_wrong_value():
    """Zero biases and a dead layer put Z2 exactly at 0: every b2 entry is kink-adjacent."""
    rng = np.random.default_rng(0)
    params = fnnet.init_params([2, 3, 2], rng=rng)
    params["b1"] = np.full((3, 1), -50.0)  # layer 1 dead: A1 = 0, so Z2 = b2 = 0 exactly
    X, Y = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    acts = ["relu", "relu"]
    grads = dict(own_grads(params, X, Y, acts, "mse"))
    report = fnnet.gradcheck(params, X, Y, acts, "mse", grads)
    # at the kink itself the backward's value is one of the one-sided slopes: right
    assert report.ok and report.kinks["b2"] == [(0, 0), (1, 0)] and report.verdicts["b2"] == "PASS"
    grads["b2"] = grads["b2"] - 0.5  # outside both one-sided slopes: wrong
    report = fnnet.gradcheck(params, X, Y, acts, "mse", grads)
    assert report.failed_keys == ["b2"] and "<-- wrong" in str(report)


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------
def test_report_fields_and_str_one_line_per_key_with_verdicts(capsys):
    acts, loss = ["tanh", "sigmoid"], "bce"
    params, X, Y = make_problem([3, 4, 2], acts, loss, 6, seed=8)
    grads = dict(own_grads(params, X, Y, acts, loss))
    grads["b1"] = -grads["b1"]
    report = fnnet.gradcheck(params, X, Y, acts, loss, grads)
    assert capsys.readouterr() == ("", "")  # never prints
    assert isinstance(report, GradcheckReport) and not report and report.ok is False
    assert set(report.errors) == set(params)
    assert report.worst_key == "b1" and report.max_rel_error == pytest.approx(1.0)
    i = report.worst_index
    assert report.worst_analytic == grads["b1"][i]
    assert report.worst_numerical == report.numerical["b1"][i] == pytest.approx(-grads["b1"][i])
    assert np.argmax(np.abs(grads["b1"])) == i[0]
    assert report.cost == pytest.approx(fnnet.cost(fnnet.forward(params, X, acts)[0], Y, loss))
    text = str(report).splitlines()
    assert text[0].startswith("gradcheck FAIL: full mode, float64 params") and "in b1" in text[0]
    rows = {line.split()[0]: line for line in text if line.split() and line.split()[0] in params}
    assert list(rows) == list(params)
    for key, line in rows.items():
        assert (" FAIL  <-- wrong" in line) if key == "b1" else line.rstrip().endswith(" PASS"), line
    assert "<-- wrong" in rows["b1"] and "(4, 1)" in rows["b1"]
    assert "||g - n|| / (||g|| + ||n||)" in str(report)


def test_sample_mode_is_seeded_and_checks_n_entries_per_key():
    acts, loss = ["tanh", "softmax"], "cce"
    params, X, Y = make_problem([6, 7, 3], acts, loss, 4, seed=9)
    a = fnnet.gradcheck(params, X, Y, acts, loss, mode="sample", n=5, seed=1)
    b = fnnet.gradcheck(params, X, Y, acts, loss, mode="sample", n=5, seed=1)
    c = fnnet.gradcheck(params, X, Y, acts, loss, mode="sample", n=5, seed=2)
    assert a.n_checked == {"W1": 5, "b1": 5, "W2": 5, "b2": 3}
    for key in params:
        np.testing.assert_array_equal(np.isnan(a.numerical[key]), np.isnan(b.numerical[key]))
    assert not np.array_equal(np.isnan(a.numerical["W1"]), np.isnan(c.numerical["W1"]))
    full = fnnet.gradcheck(params, X, Y, acts, loss)
    checked = ~np.isnan(a.numerical["W1"])
    np.testing.assert_allclose(a.numerical["W1"][checked], full.numerical["W1"][checked], rtol=1e-12)


def test_directional_mode_compares_slopes_along_unit_directions():
    acts, loss = ["sigmoid", "linear"], "mse"
    params, X, Y = make_problem([3, 4, 2], acts, loss, 5, seed=6)
    report = fnnet.gradcheck(params, X, Y, acts, loss, mode="directional", k=6)
    assert report.ok and report.n_checked == {"all": 6} and report.errors["all"] < 1e-9
    assert list(report.numerical) == ["all"] and report.numerical["all"].shape == (6,)
    assert "direction" in str(report) and "(26,)" in str(report)  # 4*3 + 4 + 2*4 + 2 parameters
    index, g, n = report.worst_entries["all"]  # <grads, v> against its central difference
    assert g == pytest.approx(n, rel=1e-9)


def test_directional_mode_is_one_cost_pair_per_direction_over_all_keys():
    """Every direction moves every key, so a wrong b2 alone spoils every slope."""
    acts, loss = ["tanh", "linear"], "mse"
    params, X, Y = make_problem([3, 4, 1], acts, loss, 5, seed=2)
    grads = fnnet.backward(params, fnnet.forward(params, X, acts)[1], Y, loss)
    wrong = dict(grads)
    wrong["b2"] = grads["b2"] + 1.0  # every direction has a b2 component: every slope is off
    report = fnnet.gradcheck(params, X, Y, acts, loss, wrong, mode="directional", k=5)
    assert not report.ok and report.n_checked == {"all": 5}


@pytest.mark.parametrize("tqdm", ["blocked", "if-installed"])
def test_progress_goes_to_stderr_only_when_asked_or_slow(capsys, monkeypatch, tqdm):
    if tqdm == "blocked":
        monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    acts, loss = ["tanh", "softmax"], "cce"
    params, X, Y = make_problem([5, 4, 3], acts, loss, 4, seed=0)
    fnnet.gradcheck(params, X, Y, acts, loss)
    assert capsys.readouterr() == ("", "")
    fnnet.gradcheck(params, X, Y, acts, loss, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "gradcheck full" in err
    if tqdm == "blocked":
        assert "gradcheck full 39/39" in err and err.endswith("\n")
    fnnet.gradcheck(params, X, Y, acts, loss, progress=False)
    assert capsys.readouterr() == ("", "")


def test_gradcheck_never_mutates_its_arguments():
    acts, loss = ["relu", "softmax"], "cce"
    params, X, Y = make_problem([4, 5, 3], acts, loss, 6, seed=2, dtype=np.float32)
    grads = own_grads(params, X, Y, acts, loss)
    before = snapshot((params, X, Y, acts, grads))
    for mode in ("full", "sample", "directional"):
        fnnet.gradcheck(params, X, Y, acts, loss, grads, mode=mode)
    assert_same(before, (params, X, Y, acts, grads), "args")


def test_nan_in_user_grads_fails_that_key_without_warnings():
    acts, loss = ["tanh", "linear"], "mse"
    params, X, Y = make_problem([3, 4, 2], acts, loss, 5, seed=6)
    grads = dict(own_grads(params, X, Y, acts, loss))
    grads["W2"] = grads["W2"].copy()
    grads["W2"][1, 2] = np.nan
    grads["b2"] = np.full((2, 1), np.inf)
    report = fnnet.gradcheck(params, X, Y, acts, loss, grads)
    assert not report.ok and report.errors["W2"] == np.inf and report.errors["b2"] == np.inf
    assert report.errors["W1"] < 1e-9


def _bad(**changes):
    params, X, Y = make_problem([3, 4, 2], ["tanh", "sigmoid"], "bce", 5, seed=1)
    args = dict(params=params, X=X, Y=Y, activations=["tanh", "sigmoid"], loss="bce", grads=None)
    kwargs = changes.pop("kwargs", {})
    for name, change in changes.items():
        args[name] = change(args[name])
    return args, kwargs


@pytest.mark.parametrize("changes,error,match", [
    pytest.param(dict(grads=lambda g: {"W1": np.zeros((4, 3))}), ValueError,
                 r"grads must have the same keys as params: missing \['W2', 'b1', 'b2'\]", id="grads-keys"),
    pytest.param(dict(grads=lambda g: {"W1": np.zeros((3, 4)), "b1": np.zeros((4, 1)), "W2": np.zeros((2, 4)),
                                       "b2": np.zeros((2, 1))}), ValueError,
                 r"grads\['W1'\] has shape \(3, 4\), expected \(4, 3\)", id="grads-shape"),
    pytest.param(dict(grads=lambda g: [1]), TypeError, "grads must be a dict", id="grads-list"),
    pytest.param(dict(X=lambda X: X.T), ValueError, "X has shape", id="X-transposed"),
    pytest.param(dict(Y=lambda Y: Y * 3.0), ValueError, r"bce targets Y must lie in \[0, 1\]", id="Y-range"),
    pytest.param(dict(activations=lambda a: ["tanh", "nope"]), ValueError, "unknown activation 'nope'", id="act"),
    pytest.param(dict(loss=lambda s: "hinge"), ValueError, "unknown loss 'hinge'", id="loss"),
    pytest.param(dict(kwargs=dict(mode="fast")), ValueError, "unknown mode 'fast'; valid modes", id="mode"),
    pytest.param(dict(kwargs=dict(eps=-1e-6)), ValueError, "eps must be a positive", id="eps"),
    pytest.param(dict(kwargs=dict(tol=0)), ValueError, "tol must be a positive", id="tol"),
    pytest.param(dict(kwargs=dict(n=0)), ValueError, "n must be an int >= 1, got 0", id="n"),
    pytest.param(dict(kwargs=dict(k=2.5)), TypeError, "k must be an int >= 1, got float 2.5", id="k"),
    pytest.param(dict(kwargs=dict(n=True)), TypeError, "n must be an int >= 1, got bool True", id="n-bool"),
    pytest.param(dict(kwargs=dict(eps="1e-6")), TypeError, "eps must be a positive finite number, got str",
                 id="eps-str"),
    pytest.param(dict(kwargs=dict(tol=float("nan"))), ValueError, "tol must be a positive finite number, got nan",
                 id="tol-nan"),
    pytest.param(dict(kwargs=dict(progress="yes")), TypeError, "progress must be None, True or False", id="progress"),
])
def test_gradcheck_rejects_bad_input_naming_it(changes, error, match):
    args, kwargs = _bad(**changes)
    grads = args.pop("grads")
    if grads is not None:
        kwargs["grads"] = grads
    with pytest.raises(error, match=match):
        fnnet.gradcheck(*args.values(), **kwargs)
