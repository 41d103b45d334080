"""Bad input gets a clear ValueError/TypeError naming the parameter, layer, expected and actual."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import fnnet

P = fnnet.init_params([2, 3, 1], seed=0)  # W1 (3, 2), b1 (3, 1), W2 (1, 3), b2 (1, 1)
X = np.array([[0.5, 1.0, -1.0, 2.0, 0.0], [1.0, 0.0, 1.0, -1.0, 3.0]])  # (2, 5)
Y = np.array([[0, 1, 1, 0, 1]])
ACTS = ["relu", "sigmoid"]


def with_(key, value):
    p = dict(P)
    p[key] = value
    return p


def without(key):
    return {k: v for k, v in P.items() if k != key}


FORWARD_CASES = [
    ("x-rows", dict(X=np.ones((3, 5))), ValueError,
     r"X has shape \(3, 5\) but params\['W1'\] \(layer 1\) expects 2 rows: expected \(2, m\), got 3 rows"),
    ("x-transposed", dict(X=np.ones((5, 2))), ValueError, r"did you pass examples as rows\? use X\.T"),
    ("x-1d", dict(X=np.ones(2)), ValueError, r"X must be 2-D with shape \(2, m\).*got shape \(2,\)"),
    ("x-empty", dict(X=np.ones((2, 0))), ValueError, r"empty batch \(m = 0\)"),
    ("x-nan", dict(X=np.array([[1.0, np.nan], [0.0, 1.0]])), ValueError, r"X contains NaN or inf .*first at \[0, 1\]"),
    ("x-inf", dict(X=np.array([[1.0, 0.0], [np.inf, 1.0]])), ValueError, r"X contains NaN or inf"),
    ("x-strings", dict(X=np.array([["a", "b"], ["c", "d"]])), TypeError, r"X must be a numeric array, got dtype <U1"),
    ("x-objects", dict(X=np.array([[None, 1], [2, 3]], dtype=object)), TypeError, r"X must be a numeric array"),
    ("w1-nan", dict(params=with_("W1", np.where(np.eye(3, 2) > 0, np.nan, 1.0))), ValueError,
     r"params\['W1'\] contains NaN or inf \(2 entries, first at \[0, 0\]"),
    ("b1-inf", dict(params=with_("b1", np.array([[0.0], [np.inf], [0.0]]))), ValueError,
     r"params\['b1'\] contains NaN or inf \(1 entries, first at \[1, 0\]"),
    ("z1-overflow", dict(X=np.full((2, 5), 1e308), params=with_("W1", np.ones((3, 2)))), ValueError, r"layer 1 overflowed float64: W1 @ A0 \+ b1 is not finite .*scale the inputs down"),
    ("missing-b2", dict(params=without("b2")), ValueError, r"missing \['b2'\]"),
    ("extra-key", dict(params=with_("c1", np.ones((1, 1)))), ValueError, r"unexpected \['c1'\]"),
    ("missing-W1", dict(params=without("W1")), ValueError, r"params has no 'W1'"),
    ("bias-1d", dict(params=with_("b1", np.zeros(3))), ValueError,
     r"params\['b1'\] has shape \(3,\), expected \(3, 1\) for layer 1;.*wrong axis.*reshape\(-1, 1\)"),
    ("bias-rows", dict(params=with_("b2", np.zeros((2, 1)))), ValueError,
     r"params\['b2'\] has shape \(2, 1\), expected \(1, 1\) for layer 2"),
    ("w-chain", dict(params=with_("W2", np.zeros((1, 4)))), ValueError,
     r"params\['W2'\] has shape \(1, 4\) but layer 1 has 3 units \(params\['W1'\] is \(3, 2\)\); expected \(1, 3\)"),
    ("w-1d", dict(params=with_("W1", np.zeros(3))), ValueError, r"params\['W1'\] must be 2-D"),
    ("w-list", dict(params=with_("W1", [[1.0, 2.0]] * 3)), TypeError, r"params\['W1'\] must be a numpy.ndarray, got list"),
    ("w-int", dict(params=with_("W1", np.zeros((3, 2), dtype=int))), TypeError, r"params\['W1'\] has dtype int64"),
    ("mixed-dtype", dict(params=with_("b2", np.zeros((1, 1), np.float32))), TypeError,
     r"params\['b2'\] has dtype float32 but params\['W1'\] has float64"),
    ("params-list", dict(params=[P["W1"]]), TypeError, r"params must be a dict of arrays"),
    ("acts-count", dict(activations=["relu"]), ValueError, r"activations has 1 entries but the network has 2 layers"),
    ("acts-str", dict(activations="relu"), TypeError, r"activations must be a list with one entry per layer \(2 here\)"),
    ("acts-unknown", dict(activations=["relu", "sigmod"]), ValueError,
     r"unknown activation 'sigmod'; valid names are 'sigmoid', 'relu', 'tanh', 'linear', 'identity', 'leaky_relu', 'softmax'"),
    ("acts-type", dict(activations=["relu", 3]), TypeError, r"an activation must be a name \(str\) or a fnnet.Activation, got int"),
    ("softmax-hidden", dict(activations=["softmax", "sigmoid"]), ValueError,
     r"activation 'softmax' at layer 1 of 2: it is only allowed on the output layer"),
]


@pytest.mark.parametrize("case,kwargs,exc,match", FORWARD_CASES, ids=[c[0] for c in FORWARD_CASES])
def test_forward_errors(case, kwargs, exc, match):
    args = dict(params=P, X=X, activations=ACTS)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        fnnet.forward(args["params"], args["X"], args["activations"])


_, CACHE = fnnet.forward(P, X, ACTS)
_, CACHE_SOFTMAX = fnnet.forward(fnnet.init_params([2, 3, 3], seed=0), X, ["relu", "softmax"])

BACKWARD_CASES = [
    ("y-1d", dict(Y=np.array([0, 1, 1, 0, 1])), ValueError,
     r"Y has shape \(5,\), expected \(n_L, m\) = \(1, 5\): targets are columns; use Y\.reshape\(1, -1\)"),
    ("y-shape", dict(Y=np.zeros((2, 5))), ValueError, r"Y has shape \(2, 5\), expected \(n_L, m\) = \(1, 5\)"),
    ("y-transposed", dict(Y=np.zeros((5, 1))), ValueError, r"did you pass examples as rows\? use Y\.T"),
    ("y-nan", dict(Y=np.array([[0, 1, np.nan, 0, 1]])), ValueError, r"Y contains NaN or inf"),
    ("bce-range", dict(Y=np.array([[0, 1, 2, 0, 1]])), ValueError, r"bce targets Y must lie in \[0, 1\]; got values in \[0, 2\]"),
    ("bce-negative", dict(Y=np.array([[0, -1, 1, 0, 1]])), ValueError, r"bce targets Y must lie in \[0, 1\]"),
    ("unknown-loss", dict(loss="hinge"), ValueError, r"unknown loss 'hinge'; valid names are 'mse', 'bce', 'cce'"),
    ("loss-type", dict(loss=None), TypeError, r"loss must be a name \(str\) or a fnnet.Loss, got NoneType"),
    ("cache-type", dict(cache={"A0": X}), TypeError, r"cache must be the dict returned by fnnet.forward"),
    ("cache-other-net", dict(params=fnnet.init_params([2, 4, 1], seed=0)), ValueError,
     r"cache\['A1'\] has shape \(3, 5\) .* params expect \(4, 5\)"),
    ("cce-not-onehot", dict(cache=CACHE_SOFTMAX, params=fnnet.init_params([2, 3, 3], seed=0), loss="cce",
                            Y=np.array([[1, 0, 0, 1, 0], [0, 1, 0, 0, 1], [0, 1, 1, 0, 0]])), ValueError,
     r"cce targets Y must be one-hot or probability columns summing to 1; column 1 sums to 2"),
    ("bce-on-relu-output", dict(cache=fnnet.forward(P, X * 50, ["relu", "relu"])[1]), ValueError,
     r"bce needs outputs in \[0, 1\] \(a sigmoid or softmax output layer\)"),
]


@pytest.mark.parametrize("case,kwargs,exc,match", BACKWARD_CASES, ids=[c[0] for c in BACKWARD_CASES])
def test_backward_errors(case, kwargs, exc, match):
    args = dict(params=P, cache=CACHE, Y=Y, loss="bce")
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        fnnet.backward(args["params"], args["cache"], args["Y"], args["loss"])


def test_cce_accepts_soft_probability_targets():
    params = fnnet.init_params([2, 3, 3], seed=0)
    Y = np.array([[0.2, 1, 0, 0.5, 0], [0.3, 0, 0, 0.5, 1], [0.5, 0, 1, 0, 0]])
    grads = fnnet.backward(params, fnnet.forward(params, X, ["relu", "softmax"])[1], Y, "cce")
    assert grads["W2"].shape == (3, 3)


@pytest.mark.parametrize("lr,exc,match", [
    (-0.1, ValueError, r"lr must be a non-negative finite number, got -0.1"),
    (float("nan"), ValueError, r"got nan"),
    (float("inf"), ValueError, r"got inf"),
    ("0.1", TypeError, r"lr must be a non-negative finite number, got str '0.1'"),
    (True, TypeError, r"got bool"),
    (None, TypeError, r"got NoneType"),
], ids=["negative", "nan", "inf", "str", "bool", "none"])
def test_sgd_step_lr_errors(lr, exc, match):
    grads = {k: np.zeros_like(v) for k, v in P.items()}
    with pytest.raises(exc, match=match):
        fnnet.sgd_step(P, grads, lr)


@pytest.mark.parametrize("grads,exc,match", [
    ({k: np.zeros_like(v) for k, v in P.items() if k != "b2"}, ValueError, r"grads must have the same keys as params: missing \['b2'\]"),
    ({**{k: np.zeros_like(v) for k, v in P.items()}, "W1": np.zeros((2, 3))}, ValueError,
     r"grads\['W1'\] has shape \(2, 3\), expected \(3, 2\) like params\['W1'\]"),
    ([np.zeros(1)], TypeError, r"grads must be a dict mirroring params, got list"),
], ids=["missing-key", "transposed", "list"])
def test_sgd_step_grads_errors(grads, exc, match):
    with pytest.raises(exc, match=match):
        fnnet.sgd_step(P, grads, 0.1)


@pytest.mark.parametrize("AL,Yc,loss,match", [
    (np.array([0.5, 0.5]), np.array([[1, 0]]), "mse", r"AL must be 2-D"),
    (np.array([[0.5, 0.5]]), np.array([[1, 0, 1]]), "mse", r"Y has shape \(1, 3\), expected \(n_L, m\) = \(1, 2\)"),
    (np.array([[1.5, 0.5]]), np.array([[1, 0]]), "bce", r"bce needs outputs in \[0, 1\]"),
    (np.array([[0.5, 0.5]]), np.array([[1, 0]]), "nll", r"unknown loss 'nll'"),
], ids=["al-1d", "y-shape", "bce-output-range", "unknown"])
def test_cost_errors(AL, Yc, loss, match):
    with pytest.raises(ValueError, match=match):
        fnnet.cost(AL, Yc, loss)


def test_errors_come_before_any_arithmetic():
    """A bad b2 is reported even though layer 1 alone would have computed fine."""
    calls = []

    def spy(z):
        calls.append(1)
        return z

    spy_act = fnnet.Activation("spy", spy, lambda z: np.ones_like(z))
    with pytest.raises(ValueError, match="b2"):
        fnnet.forward(with_("b2", np.zeros(1)), X, [spy_act, "sigmoid"])
    assert calls == []


@pytest.mark.parametrize("output", ["linear", "relu", "softmax", "tanh"])
def test_overflow_after_layer_1_is_a_named_error_not_inf_or_a_warning(output):
    """Finite inputs, finite but huge weights (a diverged float32 step): layer 2 overflows."""
    params = {"W1": np.ones((3, 2), np.float32), "b1": np.zeros((3, 1), np.float32),
              "W2": np.full((2, 3), 3e38, np.float32), "b2": np.zeros((2, 1), np.float32)}
    X = np.ones((2, 4), np.float32)
    if output == "tanh":  # tanh squashes inf to 1: a finite, saturated output is returned
        AL, _ = fnnet.forward(params, X, ["linear", output])
        assert np.all(AL == 1.0)
        return
    with pytest.raises(ValueError, match=r"layer 2 overflowed float32: W2 @ A1 \+ b2 is not finite .*"
                                         r"max \|W2\| = 3e\+38.*did training diverge"):
        fnnet.forward(params, X, ["linear", output])


def test_nan_weights_of_a_deeper_layer_are_named():
    params = dict(fnnet.init_params([2, 3, 2], seed=0))
    params["W2"] = params["W2"].copy()
    params["W2"][1, 2] = np.nan
    with pytest.raises(ValueError, match=r"params\['W2'\] contains NaN or inf \(1 entries, first at \[1, 2\]"):
        fnnet.forward(params, X, ["relu", "linear"])


def test_a_forged_cache_is_a_clear_error():
    _, cache = fnnet.forward(P, X, ACTS)
    with pytest.raises(TypeError, match=r"cache\['activations'\] must be the tuple of Activation objects"):
        fnnet.backward(P, {**cache, "activations": ["relu", "sigmoid"]}, Y, "bce")
    cube = fnnet.Activation("cube", lambda z: z ** 3, lambda z: 3 * z ** 2)
    _, cache = fnnet.forward(P, X, [cube, "sigmoid"])
    del cache["Z1"]
    with pytest.raises(ValueError, match=r"cache is missing 'Z1', which the custom activation 'cube' of layer 1 needs"):
        fnnet.backward(P, cache, Y, "bce")


def test_finite_values_whose_sum_overflows_are_not_an_error():
    """The NaN/inf check sums Z1 and AL; a sum of huge finite values is only a false alarm."""
    params = {"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))}
    X = np.array([[1e308, 1e308, 1e308]])
    AL, _ = fnnet.forward(params, X, ["linear"])
    np.testing.assert_array_equal(AL, X)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_loss_targets_at_the_edges_of_the_unit_interval(dtype):
    """0, the smallest subnormal, 1 and the float below 1 pass; the float above 1, any negative,
    NaN and inf fail, and the message shows the offending value to all its digits; -0.0 is 0."""
    params = {k: v.astype(dtype) for k, v in P.items()}
    _, cache = fnnet.forward(params, X, ACTS)
    tiny = np.finfo(dtype).smallest_subnormal
    ok = np.array([[0.0, tiny, 0.5, np.nextafter(dtype(1), dtype(0)), 1.0]], dtype=dtype)
    assert fnnet.backward(params, cache, ok, "bce")["W1"].dtype == dtype
    above_one = repr(float(np.nextafter(dtype(1), dtype(2)))).replace(".", r"\.")
    for bad, match in [(np.nextafter(dtype(1), dtype(2)), rf"must lie in \[0, 1\]; got values in \[0, {above_one}\]"),
                       (-tiny, r"must lie in \[0, 1\]"), (1.5, r"must lie in \[0, 1\]; got values in \[0, 1.5\]"),
                       (np.nan, r"Y contains NaN or inf"), (np.inf, r"Y contains NaN or inf"),
                       (-np.inf, r"Y contains NaN or inf")]:
        Yb = ok.copy()
        Yb[0, 2] = bad
        with pytest.raises(ValueError, match=match):
            fnnet.backward(params, cache, Yb, "bce")
    Yz = ok.copy()
    Yz[0, 0] = -0.0
    fnnet.backward(params, cache, Yz, "bce")  # -0.0 is a valid 0


def test_huge_finite_mse_targets_are_not_an_error():
    """Y's NaN/inf check is a sum of squares first: 1e200**2 overflows it, the exact check clears it."""
    grads = fnnet.backward(P, CACHE, np.full((1, 5), 1e200), "mse")
    assert all(np.isfinite(g).all() for g in grads.values())
    with pytest.raises(ValueError, match=r"Y contains NaN or inf \(1 entries, first at \[0, 3\]"):
        fnnet.backward(P, CACHE, np.array([[1e200, 1e200, 1e200, np.inf, 1e200]]), "mse")


def test_sgd_step_rejects_integer_arrays():
    grads = {k: np.zeros_like(v) for k, v in P.items()}
    with pytest.raises(TypeError, match=r"grads\['b1'\] has dtype int64; expected a float array"):
        fnnet.sgd_step(P, {**grads, "b1": np.zeros((3, 1), dtype=np.int64)}, 0.1)
    with pytest.raises(TypeError, match=r"params\['W2'\] must be a float numpy.ndarray, got int64"):
        fnnet.sgd_step({**P, "W2": np.zeros((1, 3), dtype=np.int64)}, grads, 0.1)


@pytest.mark.parametrize("case", ["nan-w1-times-a-zero-x", "nan-x-times-a-zero-w1", "inf-w2-times-a-dead-unit"])
def test_nan_and_inf_meet_a_1x1_zero_and_are_still_named(case):
    """A product with a 1x1 operand: BLAS would scale by it as a scalar, and 0 * NaN would be 0;
    forward multiplies those with matmul, so NaN and inf reach the check and are named."""
    if case == "nan-w1-times-a-zero-x":  # X is (1, 1) and 0
        params = fnnet.init_params([1, 3, 1], seed=0)
        params["W1"][1, 0] = np.nan
        X, acts, match = np.array([[0.0]]), ["tanh", "sigmoid"], r"params\['W1'\] contains NaN or inf"
    elif case == "nan-x-times-a-zero-w1":  # W1 is (1, 1) and 0
        params = fnnet.init_params([1, 1, 1], seed=0)
        params["W1"][0, 0] = 0.0
        X, acts, match = np.array([[1.0, np.nan, 2.0]]), ["tanh", "linear"], r"X contains NaN or inf .*first at \[0, 1\]"
    else:  # a width-1 relu layer outputs a (1, 1) zero for m = 1
        params = fnnet.init_params([2, 1, 3, 1], seed=0)
        params["W1"][:] = -1.0
        params["W2"][2, 0] = np.inf
        X, acts, match = np.ones((2, 1)), ["relu", "tanh", "sigmoid"], r"params\['W2'\] contains NaN or inf"
    with pytest.raises(ValueError, match=match):
        fnnet.forward(params, X, acts)


def test_backward_of_a_network_deeper_than_64_layers_in_a_fresh_process():
    """The layer-key tables grow past 64 on first sight of a deeper network; backward given a
    cache built by hand (no forward, no check_params before it) must still see every layer."""
    code = """if True:
        import numpy as np, fnnet
        L = 66
        params = fnnet.init_params([2] * (L + 1), seed=0)
        acts = fnnet.activations.resolve_activations(["tanh"] * L, L)
        cache, A = {"A0": np.ones((2, 3)), "activations": acts}, np.ones((2, 3))
        for l in range(1, L + 1):
            A = cache[f"A{l}"] = np.tanh(params[f"W{l}"] @ A + params[f"b{l}"])
        grads = fnnet.backward(params, cache, np.zeros((2, 3)), "mse")
        AL, cache2 = fnnet.forward(params, np.ones((2, 3)), ["tanh"] * L)
        np.testing.assert_allclose(AL, A, rtol=1e-12)
        again = fnnet.backward(params, cache2, np.zeros((2, 3)), "mse")
        assert list(grads) == list(params) and all(np.allclose(grads[k], again[k]) for k in grads)
        print(len(grads))
    """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["132"]


def test_a_fortran_ordered_array_is_used_as_it_is():
    """as_matrix takes a Fortran-ordered array of the right dtype (what load_mnist and train's
    batches give) without copying it."""
    from fnnet._validation import as_matrix
    Y = np.asfortranarray(np.random.default_rng(0).standard_normal((300, 800)))
    assert as_matrix(Y, "Y", np.dtype(np.float64)) is Y


@pytest.mark.parametrize("key,hidden,output", [
    ("W2", "tanh", "sigmoid"), ("b2", "sigmoid", "tanh"), ("W3", "tanh", "sigmoid"), ("b3", "relu", "softmax"),
])
def test_inf_weights_squashed_by_a_saturating_layer_are_still_named(key, hidden, output):
    """tanh(inf) = 1 and sigmoid(-inf) = 0 are finite: forward checks every Z before its
    activation, so an inf parameter in any layer is named, not hidden in a finite output."""
    params = fnnet.init_params([2, 4, 4, 3], seed=0)
    params[key] = params[key].copy()
    params[key][1, 0] = -np.inf
    with pytest.raises(ValueError, match=rf"params\['{key}'\] contains NaN or inf \(1 entries, first at \[1, 0\]"):
        fnnet.forward(params, X, [hidden, hidden, output])


def test_a_custom_activation_returning_nan_is_named():
    bad = fnnet.Activation("bad_log", lambda z: np.where(z > 0, z, np.nan), lambda z: np.ones_like(z))
    params = fnnet.init_params([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"activation 'bad_log' of layer 2 returned NaN or inf for a finite input"):
        fnnet.forward(params, X, ["tanh", bad])
    with pytest.raises(ValueError, match=r"activation 'bad_log' of layer 1 returned NaN or inf for a finite input"):
        fnnet.forward(params, X, [bad, "sigmoid"])
