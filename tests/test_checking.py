"""fnnet.check_grads for any function, and what gradcheck gained with it: course naming, the
input row X, exact log losses at any logit, custom kinks, penalties and dropout masks."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet
import fnnet.checking
from fnnet.checking import FLOAT32_TOL, GradcheckReport

from conftest import assert_same, draw_problem, snapshot


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def course_forward_backward(params, X, Y):
    """A learner's two-layer tanh -> sigmoid + bce, in the course's style: cost and grads dict."""
    m = X.shape[1]
    Z1 = params["W1"] @ X + params["b1"]
    A1 = np.tanh(Z1)
    A2 = _sigmoid(params["W2"] @ A1 + params["b2"])
    cost = -float(np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))) / m
    dZ2 = A2 - Y
    dW2, db2 = dZ2 @ A1.T / m, np.sum(dZ2, axis=1, keepdims=True) / m
    dA1 = params["W2"].T @ dZ2
    dZ1 = dA1 * (1 - A1 ** 2)
    dW1, db1 = dZ1 @ X.T / m, np.sum(dZ1, axis=1, keepdims=True) / m
    return cost, {"dZ2": dZ2, "dW2": dW2, "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


@pytest.fixture
def course():
    rng = np.random.default_rng(7)
    params = fnnet.init_params([3, 4, 1], seed=1, init="xavier")
    X, Y = rng.standard_normal((3, 6)), rng.integers(0, 2, (1, 6)).astype(float)
    return params, X, Y, (lambda p: course_forward_backward(p, X, Y)[0])


# --------------------------------------------------------------------------------------------
# check_grads: any f, the course's naming
# --------------------------------------------------------------------------------------------
def test_course_naming_is_matched_and_extra_keys_are_noted(course, capsys):
    params, X, Y, f = course
    _, grads = course_forward_backward(params, X, Y)
    before = snapshot((params, grads))
    report = fnnet.check_grads(f, params, grads)
    assert capsys.readouterr() == ("", "")  # prints nothing
    assert_same(before, (params, grads), "args")
    assert isinstance(report, GradcheckReport) and report.ok, str(report)
    assert list(report.errors) == ["W1", "b1", "W2", "b2"] and report.max_rel_error < 1e-8
    assert report.ignored == ["dA1", "dZ1", "dZ2"]
    text = str(report)
    assert text.startswith("check_grads PASS: full mode, float64 params")
    assert text.splitlines()[-1] == "ignored grads keys that match no parameter: dA1, dZ1, dZ2"
    assert report.cost == pytest.approx(f(params), rel=1e-15)


def test_seed002_db_from_dW_bug_is_caught_on_exactly_that_key(course):
    params, X, Y, f = course
    _, grads = course_forward_backward(params, X, Y)
    grads["db1"] = np.sum(grads["dW1"], axis=1, keepdims=True)
    report = fnnet.check_grads(f, params, grads)
    assert not report.ok and report.failed_keys == ["b1"] and report.worst_key == "b1"
    assert "b1" in str(report).splitlines()[0] and "<-- wrong" in str(report)


@pytest.mark.parametrize("grads,error,match", [
    pytest.param(lambda g: {k: v for k, v in g.items() if k != "db2"}, ValueError,
                 r"grads must have the same keys as params: missing \['b2'\]", id="missing"),
    pytest.param(lambda g: dict(g, W1=g["dW1"]), ValueError, r"grads has both 'W1' and 'dW1'", id="both"),
    pytest.param(lambda g: dict(g, dW1=g["dW1"].T), ValueError,
                 r"grads\['dW1'\] has shape \(3, 4\), expected \(4, 3\) like params\['W1'\]", id="shape"),
    pytest.param(lambda g: dict(g, db1=[0.0] * 4), TypeError, r"grads\['db1'\] must be a real numpy.ndarray",
                 id="list"),
    pytest.param(lambda g: list(g.values()), TypeError, "grads must be a dict", id="not-a-dict"),
])
def test_check_grads_rejects_bad_grads_naming_the_key(course, grads, error, match):
    params, X, Y, f = course
    with pytest.raises(error, match=match):
        fnnet.check_grads(f, params, grads(course_forward_backward(params, X, Y)[1]))


def test_check_grads_rejects_bad_options_and_bad_f():
    params, grads = {"w": np.ones(3)}, {"w": 2.0 * np.ones(3)}
    f = lambda p: float(np.sum(p["w"] ** 2))  # noqa: E731
    with pytest.raises(ValueError, match="unknown mode 'fast'; valid modes"):
        fnnet.check_grads(f, params, grads, mode="fast")
    with pytest.raises(TypeError, match="f must be a callable"):
        fnnet.check_grads(None, params, grads)
    with pytest.raises(ValueError, match=r"f returned nan at params \(unperturbed\)"):
        fnnet.check_grads(lambda p: float("nan"), params, grads)
    with pytest.raises(TypeError, match="progress must be None, True or False"):
        fnnet.check_grads(f, params, grads, progress=1)


def _counting(f):
    calls = []

    def counted(p):
        calls.append(1)
        return f(p)
    return counted, calls


@pytest.mark.parametrize("mode,expected", [("full", 10 + 2 * (200 + 30 + 5)), ("sample", 10 + 2 * (7 + 7 + 5)),
                                           ("directional", 10 + 2 * 4), ("auto", 10 + 2 * (200 + 30 + 5))])
def test_number_of_calls_is_what_the_docstring_states(mode, expected):
    rng = np.random.default_rng(0)
    params = {"a": rng.standard_normal((20, 10)), "b": rng.standard_normal(30), "c": rng.standard_normal((5, 1))}
    f, calls = _counting(lambda p: float(sum(np.sum(np.sin(v)) for v in p.values())))
    grads = {key: np.cos(v) for key, v in params.items()}
    report = fnnet.check_grads(f, params, grads, mode=mode, n=7, k=4)
    assert report.ok, str(report)
    assert len(calls) == expected == report.calls  # f checked first (10 calls), then 2 per entry: none examined again


def test_full_mode_of_20000_parameters_is_two_calls_per_entry_and_announces_itself(capsys):
    """Issue 11 point 7: about 2 x 20,000 calls; with progress on, the estimate comes first."""
    rng = np.random.default_rng(1)
    params = {"W": rng.standard_normal((100, 200))}
    f, calls = _counting(lambda p: float(p["W"][3, 4]) ** 2)  # cheap: the test counts, never times
    dW = np.zeros((100, 200))
    dW[3, 4] = 2.0 * params["W"][3, 4]
    report = fnnet.check_grads(f, params, {"dW": dW}, progress=True, mode="full")
    assert report.ok and len(calls) == 2 * 20_000 + 10
    out, err = capsys.readouterr()
    assert out == ""
    first = err.splitlines()[0]
    assert first.startswith("check_grads full: 40000 calls of f at about ") and " ms each: about " in first
    assert "check_grads full 20000/20000" in err


def test_float32_grads_get_the_float32_tolerance():
    params = {"w": np.array([0.3, -1.2, 2.0])}
    f = lambda p: float(np.sum(np.exp(p["w"])))  # noqa: E731
    g32 = (np.exp(params["w"]) * (1 + 4e-7)).astype(np.float32)  # a few float32 ulps off, as float32 backprop is
    report = fnnet.check_grads(f, params, {"w": g32})
    assert report.ok and report.precision == "float32" and report.tol == FLOAT32_TOL
    assert 1e-9 < report.max_rel_error < FLOAT32_TOL  # float32 round-off, not a bug
    strict = fnnet.check_grads(f, params, {"w": g32.astype(np.float64)})
    assert not strict.ok and strict.tol == 1e-7


def test_check_grads_of_fnnet_cost_agrees_with_gradcheck():
    acts, loss = ["tanh", "softmax"], "cce"
    params, X, Y = draw_problem([3, 5, 4], acts, loss, 6, np.random.default_rng(3))
    grads = fnnet.backward(params, fnnet.forward(params, X, acts)[1], Y, loss)
    plain = fnnet.check_grads(lambda p: fnnet.cost(fnnet.forward(p, X, acts)[0], Y, loss), params, grads)
    exact = fnnet.gradcheck(params, X, Y, acts, loss)
    assert plain.ok and exact.ok and list(plain.errors) == list(exact.errors)
    for key in params:
        np.testing.assert_allclose(plain.numerical[key], exact.numerical[key], rtol=0, atol=1e-9)


def test_the_module_is_importable_and_the_function_is_not_shadowed():
    assert callable(fnnet.gradcheck) and fnnet.checking.gradcheck is fnnet.gradcheck
    assert fnnet.checking.MODES == ("auto", "full", "sample", "directional")
    assert fnnet.check_grads is fnnet.checking.check_grads


# --------------------------------------------------------------------------------------------
# gradcheck: the input row, a custom activation's kinks
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
def test_wrt_input_adds_a_row_X_that_catches_a_wrong_dA0(mode):
    acts, loss = ["relu", "tanh", "sigmoid"], "bce"
    params, X, Y = draw_problem([3, 5, 4, 2], acts, loss, 6, np.random.default_rng(5))
    report = fnnet.gradcheck(params, X, Y, acts, loss, wrt_input=True, mode=mode, n=5, k=4)
    assert report.ok, str(report)
    if mode != "directional":
        assert list(report.errors) == ["W1", "b1", "W2", "b2", "W3", "b3", "X"]
        assert report.numerical["X"].shape == X.shape and "(3, 6)" in str(report)
    grads, dX = fnnet.backward(params, fnnet.forward(params, X, acts)[1], Y, loss, wrt_input=True)
    wrong = dict(grads, dA0=dX * X.shape[1])  # a learner's dA0 with the 1/m forgotten
    report = fnnet.gradcheck(params, X, Y, acts, loss, wrong, wrt_input=True, mode=mode, n=5, k=4)
    assert not report.ok and report.failed_keys == (["all"] if mode == "directional" else ["X"])
    with pytest.raises(ValueError, match=r"missing \['X'\]"):
        fnnet.gradcheck(params, X, Y, acts, loss, grads, wrt_input=True)


def test_dA0_without_wrt_input_is_ignored_with_a_note():
    acts, loss = ["tanh", "linear"], "mse"
    params, X, Y = draw_problem([3, 4, 2], acts, loss, 5, np.random.default_rng(2))
    grads, dX = fnnet.backward(params, fnnet.forward(params, X, acts)[1], Y, loss, wrt_input=True)
    course = {"d" + key: g for key, g in grads.items()}
    course["dA0"] = dX
    report = fnnet.gradcheck(params, X, Y, acts, loss, course)
    assert report.ok and report.ignored == ["dA0"] and list(report.errors) == list(params)


def _kinked_relu_problem():
    """Z1[0, 2] = 1e-8: closer to relu's kink than any +-1e-6 step of row 0 of layer 1."""
    rng = np.random.default_rng(2)
    params = fnnet.init_params([3, 4, 2], rng=rng)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    params["b1"][0, 0] = 1e-8 - params["W1"][0] @ X[:, 2]
    return params, X, Y


def _my_relu(kinks):
    return fnnet.Activation("my_relu", lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(z.dtype), kinks=kinks)


def test_a_custom_relu_declaring_its_kink_passes_exactly_like_the_built_in():
    params, X, Y = _kinked_relu_problem()
    builtin = fnnet.gradcheck(params, X, Y, ["relu", "linear"], "mse")
    custom = fnnet.gradcheck(params, X, Y, [_my_relu((0.0,)), "linear"], "mse")
    assert builtin.ok and custom.ok, str(custom)
    assert custom.kinks == builtin.kinks and custom.kinks["b1"] == [(0, 0)]
    assert custom.n_checked == builtin.n_checked
    for key in params:
        assert custom.errors[key] < 1e-7 and builtin.errors[key] < 1e-9  # the custom change is plain differences
    # undeclared, the kink is found from the one-sided slopes, and resolved the same way
    undeclared = fnnet.gradcheck(params, X, Y, [_my_relu(()), "linear"], "mse")
    assert undeclared.ok and (0, 0) in undeclared.kinks["b1"], str(undeclared)
    assert abs(undeclared.numerical["b1"][0, 0] - builtin.numerical["b1"][0, 0]) < 1e-6 * abs(builtin.numerical["b1"][0, 0])


# --------------------------------------------------------------------------------------------
# Log losses exact at any logit (natural pairs: from the pre-activation)
# --------------------------------------------------------------------------------------------
LOGITS = [25.0, 40.0, 100.0, 700.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("logit", LOGITS + [-z for z in LOGITS])
@pytest.mark.parametrize("target", [0.0, 1.0])
def test_sigmoid_bce_passes_fnnets_backward_at_any_logit(logit, target, dtype):
    params = {"W1": np.array([[logit]], dtype=dtype), "b1": np.array([[0.0]], dtype=dtype)}
    X, Y = np.array([[1.0]]), np.array([[target]])
    report = fnnet.gradcheck(params, X, Y, ["sigmoid"], "bce")
    assert report.ok, str(report)
    wrong = -logit if target == 1.0 else logit  # the cross-entropy of a confident mistake is |logit|
    assert report.cost == pytest.approx(max(wrong, 0.0) + np.log1p(np.exp(-abs(logit))), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("gap", LOGITS)
@pytest.mark.parametrize("label", [0, 1, 2])
def test_softmax_cce_passes_fnnets_backward_at_any_logit_gap(gap, label, dtype):
    # three examples: logits (gap, 0, -gap/2) scaled by x = 1, 0.5, -1, with bias (0, 0.1, 0)
    params = {"W1": np.array([[gap], [0.0], [-gap / 2]], dtype=dtype), "b1": np.array([[0.0], [0.1], [0.0]], dtype=dtype)}
    X = np.array([[1.0, 0.5, -1.0]])
    Y = np.eye(3)[:, [label] * 3]
    report = fnnet.gradcheck(params, X, Y, ["softmax"], "cce", wrt_input=True)
    assert report.ok, str(report)
    Z = params["W1"].astype(np.float64) @ X + params["b1"].astype(np.float64)
    top = Z.max(axis=0)
    true = np.mean(top + np.log(np.exp(Z - top).sum(axis=0)) - Z[label])
    assert report.cost == pytest.approx(true, rel=1e-12)


def test_the_issue_example_passes_and_reports_the_true_cross_entropy():
    p = {"W1": np.array([[40.0]]), "b1": np.array([[0.0]])}
    report = fnnet.gradcheck(p, np.array([[1.0]]), np.array([[0.0]]), ["sigmoid"], "bce")
    assert report.ok and report.cost == 40.0  # softplus(40) = 40 + 4e-18
    assert round(fnnet.cost(fnnet.forward(p, np.array([[1.0]]), ["sigmoid"])[0], [[0.0]], "bce"), 2) == 36.04


def test_saturated_logits_in_a_deeper_network_in_both_dtypes():
    for dtype in (np.float64, np.float32):
        rng = np.random.default_rng(4)
        params = fnnet.init_params([3, 4, 2], rng=rng, init="xavier", dtype=dtype)
        params["W2"] = (params["W2"] * 60).astype(dtype)  # output logits of tens, both signs
        X, Y = rng.standard_normal((3, 8)), rng.integers(0, 2, (2, 8)).astype(float)
        AL, cache = fnnet.forward(params, X, ["tanh", "sigmoid"])
        assert np.min(AL) < 1e-12 or np.max(AL) > 1 - 1e-12
        report = fnnet.gradcheck(params, X, Y, ["tanh", "sigmoid"], "bce", wrt_input=True)
        assert report.ok, str(report)


def test_logit_costs_of_the_records_are_the_true_cross_entropies_and_their_gradient_is_the_fused_delta():
    bce, cce = fnnet.LOSSES["bce"], fnnet.LOSSES["cce"]
    Z = np.array([[700.0, -700.0, 3.0, 0.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.5]])
    per_example = np.array([700.0, 700.0, np.log1p(np.exp(-3.0)), np.log(2.0)])
    assert bce.cost_from_logits(Z, Y) == pytest.approx(per_example.mean(), rel=1e-15)
    for loss, Z, Y in [(bce, np.array([[2.0, -1.0], [0.5, 30.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])),
                       (cce, np.array([[2.0, -1.0], [0.5, 30.0]]), np.array([[1.0, 1.0], [0.0, 0.0]]))]:
        A = loss.natural_output.function(Z)
        n = fnnet.numerical_grads(lambda p: loss.cost_from_logits(p["Z"], Y), {"Z": Z})["Z"]
        np.testing.assert_allclose(n, (A - Y) / Z.shape[1], rtol=1e-7, atol=1e-12)
        dZ = np.random.default_rng(0).standard_normal((2, 3, 2)) * 1e-6
        plain = [loss.cost_from_logits(Z + dZ[:, k, :], Y) - loss.cost_from_logits(Z, Y) for k in range(3)]
        np.testing.assert_allclose(loss.change_from_logits(Z, Y, dZ), plain, rtol=1e-6)
        assert loss.uses_logits(loss.natural_output) and not loss.uses_logits(fnnet.ACTIVATIONS["tanh"])


def test_other_pairs_keep_the_clipped_cost():
    acts = ["tanh", "softmax"]
    params, X, Y = draw_problem([3, 4, 2], ["tanh", "sigmoid"], "bce", 5, np.random.default_rng(1))
    report = fnnet.gradcheck(params, X, Y, ["tanh", "tanh"], "mse")
    assert report.cost == pytest.approx(fnnet.cost(fnnet.forward(params, X, ["tanh", "tanh"])[0], Y, "mse"), rel=1e-14)
    assert not fnnet.LOSSES["bce"].uses_logits(fnnet.ACTIVATIONS["softmax"]) and acts


# --------------------------------------------------------------------------------------------
# Penalties and dropout (issue 11 point 5)
# --------------------------------------------------------------------------------------------
PENALTY_NET = ([4, 6, 5, 3], ["relu", "tanh", "softmax"], "cce")


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
@pytest.mark.parametrize("l2,l1", [(0.1, 0.0), (0.0, 0.05), (0.2, 0.03)])
def test_the_checked_cost_includes_the_penalty(l2, l1, mode):
    dims, acts, loss = PENALTY_NET
    params, X, Y = draw_problem(dims, acts, loss, 7, np.random.default_rng(8))
    report = fnnet.gradcheck(params, X, Y, acts, loss, l2=l2, l1=l1, mode=mode, n=6, k=4)
    assert report.ok, str(report)
    data = fnnet.gradcheck(params, X, Y, acts, loss).cost
    assert report.cost == pytest.approx(data + fnnet.penalty(params, l2=l2, l1=l1), rel=1e-14)
    grads = fnnet.backward(params, fnnet.forward(params, X, acts)[1], Y, loss)  # the penalty's gradient left out
    report = fnnet.gradcheck(params, X, Y, acts, loss, grads, l2=l2, l1=l1, mode=mode, n=6, k=4)
    assert not report.ok
    if mode != "directional":
        assert report.failed_keys == ["W1", "W2", "W3"], str(report)


def test_a_wrong_penalty_gradient_is_caught_on_its_key():
    dims, acts, loss = PENALTY_NET
    params, X, Y = draw_problem(dims, acts, loss, 7, np.random.default_rng(8))
    grads = dict(fnnet.backward(params, fnnet.forward(params, X, acts)[1], Y, loss, l2=0.1))
    grads["W2"] = grads["W2"] + 0.1 * params["W2"]  # the l2 term added twice
    report = fnnet.gradcheck(params, X, Y, acts, loss, grads, l2=0.1)
    assert report.failed_keys == ["W2"], str(report)


def test_an_l1_weight_at_zero_is_kink_adjacent_not_failed():
    dims, acts, loss = PENALTY_NET
    params, X, Y = draw_problem(dims, acts, loss, 7, np.random.default_rng(8))
    params["W2"][1, 2] = 0.0
    report = fnnet.gradcheck(params, X, Y, acts, loss, l1=0.05)
    assert report.ok and (1, 2) in report.kinks["W2"], str(report)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
def test_dropout_is_checked_with_the_masks_held_fixed(mode, dtype):
    dims, acts, loss = PENALTY_NET
    params, X, Y = draw_problem(dims, acts, loss, 9, np.random.default_rng(8), dtype)
    report = fnnet.gradcheck(params, X, Y, acts, loss, keep_prob=[0.6, 0.8], rng=np.random.default_rng(1),
                             mode=mode, n=6, k=4, wrt_input=True, l2=0.05)
    assert report.ok, str(report)
    AL, cache = fnnet.forward(params, X, acts, keep_prob=[0.6, 0.8], rng=np.random.default_rng(1))
    assert np.any(cache["D1"] == 0.0) and np.any(cache["D2"] == 0.0)
    assert report.cost == pytest.approx(fnnet.cost(AL, Y, loss) + fnnet.penalty(params, l2=0.05), rel=1e-5)
    # a learner's backward that applies the mask twice
    twice = dict(cache, D1=cache["D1"] * cache["D1"])
    grads = fnnet.backward(params, twice, Y, loss, l2=0.05)
    report = fnnet.gradcheck(params, X, Y, acts, loss, grads, keep_prob=[0.6, 0.8], rng=np.random.default_rng(1),
                             mode=mode, n=6, k=4, l2=0.05)
    assert not report.ok
    if mode != "directional":
        assert report.failed_keys == ["W1", "b1"], str(report)


def test_gradcheck_never_mutates_its_arguments_with_every_option():
    dims, acts, loss = PENALTY_NET
    params, X, Y = draw_problem(dims, acts, loss, 5, np.random.default_rng(8), np.float32)
    before = snapshot((params, X, Y, acts))
    for mode in ("full", "sample", "directional"):
        fnnet.gradcheck(params, X, Y, acts, loss, mode=mode, wrt_input=True, l2=0.1, l1=0.01,
                        keep_prob=0.7, rng=np.random.default_rng(0))
    assert_same(before, (params, X, Y, acts), "args")


@pytest.mark.parametrize("eps", [1e3, 1e100])
@pytest.mark.parametrize("acts,loss", [(["tanh", "softmax"], "cce"), (["sigmoid", "linear"], "mse"),
                                       (["relu", "sigmoid"], "bce")], ids=["tanh-cce", "sigmoid-mse", "relu-bce"])
def test_a_huge_eps_is_a_fail_not_a_runtime_warning(eps, acts, loss):
    """Finite input, an absurd step: the exact changes overflow without a warning (warnings are
    errors in this test suite), and a verdict for every key."""
    params = fnnet.init_params([3, 4, 2], seed=0)
    X = np.random.default_rng(0).standard_normal((3, 5))
    Y = np.eye(2)[:, [0, 1, 0, 1, 1]]
    report = fnnet.gradcheck(params, X, Y, acts, loss, eps=eps)
    assert set(report.verdicts) == set(params) and np.isfinite(report.cost)


# --------------------------------------------------------------------------------------------
# Issue 17: f checked first, hints, the time budget, notebooks
# --------------------------------------------------------------------------------------------
def _tanh_net(dtype=np.float64):
    rng = np.random.default_rng(5)
    params = {"W1": rng.standard_normal((4, 3)).astype(dtype), "b1": np.zeros((4, 1), dtype),
              "W2": rng.standard_normal((1, 4)).astype(dtype), "b2": np.zeros((1, 1), dtype)}
    X, Y = rng.standard_normal((3, 8)), rng.standard_normal((1, 8))

    def f(p):
        A1 = np.tanh(p["W1"] @ X + p["b1"])
        return 0.5 * float(np.sum((p["W2"] @ A1 + p["b2"] - Y) ** 2)) / 8

    def grads(p):
        A1 = np.tanh(p["W1"] @ X + p["b1"])
        dZ2 = (p["W2"] @ A1 + p["b2"] - Y) / 8
        dZ1 = p["W2"].T @ dZ2 * (1 - A1 ** 2)
        return {"W1": dZ1 @ X.T, "b1": dZ1.sum(axis=1, keepdims=True), "W2": dZ2 @ A1.T,
                "b2": dZ2.sum(axis=1, keepdims=True)}

    grads.data = (X, Y)  # the same network as fnnet's ["tanh", "linear"] with "mse"
    return params, f, grads


def test_a_function_that_redraws_its_randomness_is_named_not_called_wrong():
    params, f, grads = _tanh_net()
    rng = np.random.default_rng(0)
    noisy = lambda p: f(p) + 1e-3 * float(rng.random())  # noqa: E731 (a mask redrawn at every call)
    with pytest.raises(ValueError, match=r"f is not deterministic: f\(params\) returned .* hold the dropout masks fixed"):
        fnnet.check_grads(noisy, params, grads(params))


@pytest.mark.parametrize("how", ["numpy.float32", "float32 values"])
def test_an_f_computing_in_float32_gets_float32_tolerance_and_says_why(how):
    params, f, grads = _tanh_net()
    f32 = ((lambda p: np.float32(f(p))) if how == "numpy.float32" else (lambda p: float(np.float32(f(p)))))
    report = fnnet.check_grads(f32, params, grads(params))
    assert report.ok and report.tol == FLOAT32_TOL and report.eps == fnnet.checking.FLOAT32_EPS, str(report)
    assert any("float32" in note and "compute f in float64" in note for note in report.notes)
    assert "compute f in float64 for a precise check" in str(report)
    exact = fnnet.check_grads(f, params, grads(params))
    assert exact.notes == [] and exact.tol == 1e-7 and exact.eps == 1e-6


@pytest.mark.parametrize("change,hint", [
    (lambda g: dict(g, W1=g["W1"] * 8), "analytic = 8 x numerical: a missing 1/m (m = 8)?"),
    (lambda g: dict(g, W2=-g["W2"]), "analytic = -1 x numerical: a sign"),
    (lambda g: dict(g, W1=g["W1"] * 2), "analytic = 2 x numerical: a factor 2"),
    (lambda g: dict(g, W1=g["W1"] / 8), "analytic = 0.125 x numerical: an extra 1/m (m = 8)?"),
])
def test_a_failing_key_with_a_constant_ratio_is_named(change, hint):
    params, _, grads = _tanh_net()
    X, Y = grads.data
    report = fnnet.gradcheck(params, X, Y, ["tanh", "linear"], "mse", change(grads(params)))
    key = report.failed_keys[0]
    assert len(report.failed_keys) == 1 and report.hints[key] == hint, str(report)
    assert hint in str(report)


def test_wrong_entries_sharing_a_row_are_named():
    params, f, grads = _tanh_net()
    g = grads(params)
    g["W1"] = g["W1"].copy()
    g["W1"][2] += 0.5  # row 2 only
    report = fnnet.check_grads(f, params, g)
    assert report.failed_keys == ["W1"] and "only row 2 is wrong" in report.hints["W1"]
    g = grads(params)
    g["W1"] = g["W1"].copy()
    g["W1"][:, 1] *= 3.0  # column 1 only
    report = fnnet.check_grads(f, params, g)
    assert report.failed_keys == ["W1"] and report.hints["W1"].endswith("only column 1 is wrong")


def test_auto_mode_samples_a_check_over_its_budget_and_says_so(monkeypatch, capsys):
    params, f, grads = _tanh_net()
    full = fnnet.check_grads(f, params, grads(params))
    assert full.mode == "full" and not full.sampled and full.requested_mode == "auto"
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(fnnet._verdict, "BUDGET_SECONDS", 0.0)  # any full check is now over budget
    report = fnnet.check_grads(f, params, grads(params), n=3)
    err = capsys.readouterr().err
    assert report.ok and report.mode == "sample" and report.sampled
    assert report.n_checked == {"W1": 3, "b1": 3, "W2": 3, "b2": 1}
    assert len(err.splitlines()) == 1 and "checking 3 random entries per key instead" in err
    assert "fnnet.gradcheck checks an fnnet network exactly and fast" in err
    assert any("random entries per key" in note for note in report.notes) and "random entries per key" in str(report)
    forced = fnnet.check_grads(f, params, grads(params), mode="full")
    assert forced.mode == "full" and sum(forced.n_checked.values()) == 12 + 4 + 4 + 1


def test_the_report_shows_as_a_table_in_a_notebook():
    params, f, grads = _tanh_net()
    g = dict(grads(params), b2=-grads(params)["b2"])
    report = fnnet.check_grads(f, params, g)

    class Printer:  # IPython's pretty printer, as much of it as _repr_pretty_ uses
        def __init__(self):
            self.out = []

        def text(self, s):
            self.out.append(s)

    printer = Printer()
    report._repr_pretty_(printer, cycle=False)
    assert printer.out == [str(report)]
    html = report._repr_html_()
    assert html.startswith("<div>") and html.count("<tr>") == 1 + 4
    assert "<td>b2</td>" in html and "<td>FAIL</td>" in html and "check_grads FAIL" in html
    assert "&lt;" not in str(report) and "<-- wrong" not in html  # the table's cells, not the text arrows


# --------------------------------------------------------------------------------------------
# Found in review: wrong gradients that got through, and a warning
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("factor", [1.05, 1.5])
def test_the_exact_side_fails_a_cancelling_output_bias_instead_of_calling_it_a_kink(factor):
    """db3 of a kink-free tanh net is a sum of +-0.5/m deltas that cancels to 1e-6: its changes
    scatter far beyond their own round-off, which once passed for a kink."""
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((5, 32)), rng.integers(0, 2, (1, 32)).astype(float)
    params = fnnet.init_params([5, 6, 4, 1], seed=2, init="small")
    params = {k: (np.zeros_like(v) if k[0] == "b" else v) for k, v in params.items()}
    acts = ["tanh", "tanh", "sigmoid"]
    grads = fnnet.backward(params, fnnet.forward(params, X, acts)[1], Y, "bce")
    report = fnnet.gradcheck(params, X, Y, acts, "bce", dict(grads, b3=grads["b3"] * factor))
    assert report.failed_keys == ["b3"] and not any(report.kinks.values()), str(report)
    assert fnnet.gradcheck(params, X, Y, acts, "bce").ok


def test_an_infinite_or_nan_analytic_value_is_wrong_in_every_mode():
    params = {"w": np.array([1.0, -2.0])}
    f = lambda p: float(np.sum(p["w"] ** 2))  # noqa: E731
    for bad in (np.inf, np.nan):
        grads = {"w": np.array([bad, -4.0])}
        assert fnnet.check_grads(f, params, grads).failed_keys == ["w"]
        assert fnnet.check_grads(f, params, grads, mode="directional").failed_keys == ["all"]


def test_a_cost_beyond_float32s_range_gives_no_warning():
    params = {"w": np.array([1.0, 2.0])}
    report = fnnet.check_grads(lambda p: 1e39 + float(np.sum(p["w"] ** 2)), params, {"w": 2 * params["w"]})
    assert report.notes == []  # a float64 f: no float32 note, and no RuntimeWarning (errors here)


def test_huge_logits_keep_the_exact_side_exact():
    params = fnnet.init_params([2, 3, 1], seed=0)
    params = {k: v * 1e50 for k, v in params.items()}
    X, Y = np.random.default_rng(0).standard_normal((2, 4)), np.array([[0.0, 1.0, 1.0, 0.0]])
    report = fnnet.gradcheck(params, X, Y, ["relu", "sigmoid"], "bce")
    assert report.ok, str(report)


def test_a_constant_f_with_nonzero_gradients_fails():
    """A smooth f that does not move (a dead path, as the relu slope of 1 where the unit is off)."""
    params = {"w": np.array([1.0, 2.0])}
    report = fnnet.check_grads(lambda p: 3.0, params, {"w": np.array([0.5, 0.0])})
    assert report.failed_keys == ["w"] and report.worst_index == (0,)


def test_an_agreement_within_a_loose_error_is_not_called_right():
    """A tanh net's 1e-9 bias gradient 2% off, checked by plain differences: the differences'
    round-off (about 1e-10) allows it, so the entry cannot be told; it is not 'right'."""
    params, f, grads = _tanh_net()
    params = {k: v * 0.01 for k, v in params.items()}
    g = grads(params)
    g["b2"] = g["b2"] * 1.02
    report = fnnet.check_grads(lambda p: 1e-4 * f(p) + 0.69, params, {k: 1e-4 * v for k, v in g.items()})
    assert report.verdicts["b2"] in ("FAIL", "CANNOT TELL") or report.unsure["b2"], str(report)


@pytest.mark.parametrize("scale", [100.0, 1000.0])
def test_a_saturated_sigmoid_output_never_fails_fnnets_own_backward(scale):
    """The backward's slope A (1 - A) with A near 1 is off by round-off of A itself: at 1e-19
    the analytic value is only that precise, so it cannot be told, never wrong."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((4, 8)), rng.standard_normal((1, 8))
    params = {k: v * scale if k[0] == "W" else v for k, v in fnnet.init_params([4, 5, 1], seed=0).items()}
    report = fnnet.gradcheck(params, X, Y, ["tanh", "sigmoid"], "mse")
    assert report.ok, str(report)


def test_a_users_loss_whose_change_takes_no_weights_is_checked_by_plain_differences_with_weights():
    """gradcheck falls back to the function side; its auto mode times the calls of that side."""
    mse = fnnet.LOSSES["mse"]
    loss = fnnet.Loss("my_mse", mse.cost, mse.gradient,
                      change=lambda A, Y, dA: np.einsum("ikj,ikj->k", dA, (A - Y)[:, None, :] + 0.5 * dA) / A.shape[1])
    params = fnnet.init_params([3, 4, 1], seed=0)
    X, Y = np.random.default_rng(0).standard_normal((3, 6)), np.zeros((1, 6))
    w = np.arange(1.0, 7.0)
    report = fnnet.gradcheck(params, X, Y, ["tanh", "linear"], loss, sample_weight=w)
    assert report.ok and report.mode == "full", str(report)
    _, cache = fnnet.forward(params, X, ["tanh", "linear"])
    grads = fnnet.backward(params, cache, Y, "mse", sample_weight=w)
    bad = fnnet.gradcheck(params, X, Y, ["tanh", "linear"], loss, dict(grads, W2=2 * grads["W2"]), sample_weight=w)
    assert bad.failed_keys == ["W2"]
