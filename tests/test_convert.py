"""fnnet.convert: weights in and out of scikit-learn, PyTorch, Keras, Nielsen and the course.

Each layout is tested by a forward pass written by hand in NumPy in that library's own
orientation (``x @ coef + intercept``, ``x @ weight.T + bias``, ``x @ kernel + bias``), by
exact round trips, and against the library itself where it is installed: scikit-learn (the
extra ``sklearn``) and PyTorch (not an extra; those tests run only where torch is importable).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings

import numpy as np
import pytest

import fnnet
from fnnet import convert

ACTS = ["relu", "tanh", "sigmoid"]
G = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
     "linear": lambda z: z}


@pytest.fixture
def params():
    return fnnet.init_params([5, 7, 4, 3], seed=1, init="xavier")


@pytest.fixture
def rows():
    return np.random.default_rng(2).normal(size=(11, 5))  # 11 examples, one per row


def _fnnet_rows(params, x, acts=ACTS):
    return fnnet.predict(params, x.T, acts).T


def _snapshot(tree):
    return [np.array(a, copy=True) for a in (tree.values() if isinstance(tree, dict) else tree)]


def test_torch_layout_against_a_hand_written_forward(params, rows):
    sd = convert.to_torch(params)
    assert sorted(sd) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    assert sd["0.weight"].shape == (7, 5) and sd["0.bias"].shape == (7,) and sd["4.weight"].shape == (3, 4)
    h = rows
    for i, act in zip((0, 2, 4), ACTS):  # nn.Linear: y = x W^T + b
        h = G[act](h @ sd[f"{i}.weight"].T + sd[f"{i}.bias"])
    np.testing.assert_allclose(_fnnet_rows(params, rows), h, rtol=1e-12, atol=1e-14)
    assert sorted(convert.to_torch(params, indices=[1, 3, 6])) == ["1.bias", "1.weight", "3.bias", "3.weight",
                                                                    "6.bias", "6.weight"]


def test_keras_layout_against_a_hand_written_forward(params, rows):
    weights = convert.to_keras(params)
    assert [w.shape for w in weights] == [(5, 7), (7,), (7, 4), (4,), (4, 3), (3,)]
    h = rows
    for kernel, bias, act in zip(weights[0::2], weights[1::2], ACTS):  # Dense: y = x K + b
        h = G[act](h @ kernel + bias)
    np.testing.assert_allclose(_fnnet_rows(params, rows), h, rtol=1e-12, atol=1e-14)


def test_sklearn_layout_against_a_hand_written_forward(rows):
    rng = np.random.default_rng(4)
    from types import SimpleNamespace

    mlp = SimpleNamespace(coefs_=[rng.normal(size=(5, 6)), rng.normal(size=(6, 2))],
                          intercepts_=[rng.normal(size=6), rng.normal(size=2)], activation="logistic",
                          out_activation_="identity")
    params, acts = convert.from_sklearn(mlp)
    assert acts == ["sigmoid", "linear"] and params["W1"].shape == (6, 5) and params["b1"].shape == (6, 1)
    want = G["sigmoid"](rows @ mlp.coefs_[0] + mlp.intercepts_[0]) @ mlp.coefs_[1] + mlp.intercepts_[1]
    np.testing.assert_allclose(_fnnet_rows(params, rows, acts), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("out, back", [
    (convert.to_torch, convert.from_torch),
    (convert.to_keras, convert.from_keras),
    (convert.to_nielsen, lambda wb: convert.from_nielsen(*wb)),
    (convert.to_course, convert.from_course),
], ids=["torch", "keras", "nielsen", "course"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trips_are_exact_new_arrays_and_leave_the_input_alone(params, out, back, dtype):
    params = {k: v.astype(dtype) for k, v in params.items()}
    before = _snapshot(params)
    exported = out(params)
    again = back(exported)
    assert list(again) == list(params)
    for key in params:
        assert again[key].dtype == dtype and again[key].shape == params[key].shape
        np.testing.assert_array_equal(again[key], params[key])
        assert not np.shares_memory(again[key], params[key])
    for a, b in zip(before, params.values()):
        np.testing.assert_array_equal(a, b)


def test_nielsen_feedforward_and_the_course_forward_by_hand(params, rows):
    weights, biases = convert.to_nielsen(params)
    for x, want in zip(rows, _fnnet_rows(params, rows, ["sigmoid"] * 3)):
        a = x.reshape(-1, 1)  # network2.feedforward: one example as a column (n, 1)
        for b, w in zip(biases, weights):
            a = G["sigmoid"](np.dot(w, a) + b)
        np.testing.assert_allclose(a[:, 0], want, rtol=1e-12)
    parameters = convert.to_course(params)  # L_model_forward: [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID
    A = rows.T
    for l in (1, 2):
        A = G["relu"](parameters[f"W{l}"] @ A + parameters[f"b{l}"])
    AL = G["sigmoid"](parameters["W3"] @ A + parameters["b3"])
    np.testing.assert_allclose(AL, fnnet.predict(params, rows.T, ["relu", "relu", "sigmoid"]), rtol=1e-12)


def test_nielsen_and_course_share_fnnet_orientation(params):
    weights, biases = convert.to_nielsen(params)
    assert [w.shape for w in weights] == [(7, 5), (4, 7), (3, 4)] and [b.shape for b in biases] == [(7, 1), (4, 1), (3, 1)]
    assert sorted(convert.to_course(params)) == sorted(params)


def test_from_torch_orders_layers_by_index_not_by_text():
    sd = {f"{i}.{kind}": np.full((1, 1) if kind == "weight" else (1,), float(i)) for i in (2, 10) for kind in ("weight", "bias")}
    sd.update({"0.weight": np.zeros((1, 3)), "0.bias": np.zeros(1)})
    params = convert.from_torch(sd)
    assert params["W2"][0, 0] == 2.0 and params["W3"][0, 0] == 10.0


@pytest.mark.parametrize("make, match", [
    (lambda: convert.from_keras([np.ones((3, 4)), np.zeros(4), np.ones((5, 2)), np.zeros(2)]),
     "layer 2 takes 5 inputs, but layer 1 has 4 units"),
    (lambda: convert.from_keras([np.ones((3, 4)), np.zeros(4), np.ones((4, 2))]), "odd"),
    (lambda: convert.from_torch({"0.weight": np.ones((2, 3)), "0.bias": np.zeros(3)}),
     r"layer 1 has 2 units, but its bias has shape \(3,\)"),
    (lambda: convert.from_torch({"0.weight": np.ones((2, 3))}), "no '0.bias'"),
    (lambda: convert.from_nielsen([np.ones((2, 3))], []), "1 weight arrays but 0 biases"),
    (lambda: convert.from_course({"W1": np.ones((2, 3)), "b1": np.zeros((2, 1)), "A1": np.ones(2)}), "W1..WL"),
    (lambda: convert.from_keras([np.ones(3), np.zeros(3)]), "must be 2-D"),
])
def test_bad_layouts_name_the_layer(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# --- against scikit-learn ----------------------------------------------------------------------


def _neural_network():
    """scikit-learn's ``neural_network`` module (the test is skipped without it)."""
    return pytest.importorskip("sklearn.neural_network", reason="needs scikit-learn: the extra 'sklearn'")


def _short_fit(mlp, X, y):
    """``mlp.fit`` for a few epochs, without the ConvergenceWarning they earn."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mlp.fit(X, y)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_from_a_fitted_mlp_predicts_as_it_does(kind, rows):
    neural = _neural_network()
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 5))
    if kind == "regression":
        mlp = _short_fit(neural.MLPRegressor(hidden_layer_sizes=(6, 4), activation="tanh", max_iter=20,
                                             random_state=0), X, X[:, :2])
        want = mlp.predict(rows)
    else:
        y = (X[:, 0] > 0).astype(int) + (kind == "multiclass") * (X[:, 1] > 0)
        mlp = _short_fit(neural.MLPClassifier(hidden_layer_sizes=(6,), activation="logistic", max_iter=20,
                                              random_state=0), X, y)
        want = mlp.predict_proba(rows)[:, 1:] if kind == "binary" else mlp.predict_proba(rows)
    params, acts = convert.from_sklearn(mlp)
    np.testing.assert_allclose(_fnnet_rows(params, rows, acts), want, rtol=1e-12, atol=1e-15)


def test_into_an_mlp_classifier_predicts_as_fnnet_does(rows):
    neural = _neural_network()
    params = fnnet.init_params([5, 8, 3], seed=0)
    mlp = convert.to_sklearn(params, ["relu", "softmax"], neural.MLPClassifier(), classes=["a", "b", "c"])
    np.testing.assert_allclose(mlp.predict_proba(rows), _fnnet_rows(params, rows, ["relu", "softmax"]), rtol=1e-12)
    assert mlp.hidden_layer_sizes == (8,) and list(mlp.classes_) == ["a", "b", "c"]
    binary = convert.to_sklearn(fnnet.init_params([5, 4, 1], seed=0), ["tanh", "sigmoid"], neural.MLPClassifier())
    assert binary.predict(rows).shape == (11,) and binary.predict_proba(rows).shape == (11, 2)
    back, acts = convert.from_sklearn(mlp)
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])
    with pytest.raises(ValueError, match="one activation for every hidden layer"):
        convert.to_sklearn(fnnet.init_params([5, 4, 4, 1], seed=0), ["relu", "tanh", "sigmoid"], neural.MLPClassifier())
    with pytest.raises(ValueError, match="'leaky_relu' has no scikit-learn equivalent"):
        convert.to_sklearn(params, ["leaky_relu", "softmax"], neural.MLPClassifier())


# --- against PyTorch (only where it is importable; not an extra) -----------------------------------


def test_torch_sequential_agrees_both_ways(rows):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional; not a CI dependency)")
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 4), nn.Tanh(), nn.Linear(4, 3), nn.Sigmoid()).double()
    params = convert.from_torch(model.state_dict())
    assert params["W1"].dtype == np.float64
    with torch.no_grad():
        want = model(torch.from_numpy(rows)).numpy()
    np.testing.assert_allclose(_fnnet_rows(params, rows), want, rtol=1e-12, atol=1e-15)
    mine = fnnet.init_params([5, 7, 4, 3], seed=3)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in convert.to_torch(mine).items()})
    with torch.no_grad():
        got = model(torch.from_numpy(rows)).numpy()
    np.testing.assert_allclose(got, _fnnet_rows(mine, rows), rtol=1e-12, atol=1e-15)


# --- against Keras (only where it is importable; not an extra) ----------------------------------------


def _keras(monkeypatch):
    """Keras, on the PyTorch backend when TensorFlow is absent (the test is skipped without Keras)."""
    if "keras" not in sys.modules and "KERAS_BACKEND" not in os.environ and importlib.util.find_spec("tensorflow") is None:
        monkeypatch.setenv("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras", reason="Keras is not installed (optional; not a CI dependency)")


# Keras 3.15 reads its variables through an __array__ without NumPy 2's copy keyword: its own warning.
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_keras_dense_stack_agrees_both_ways(rows, monkeypatch):
    """A real Keras model proves the order and orientation of get_weights(). Keras 3 computes these
    float64 layers in float32 (its promotion rules make result_type(float64, float64) float32 here),
    so the outputs agree to float32 round-off; the hand-written forward above is the exact test."""
    keras = _keras(monkeypatch)
    layers = keras.layers
    model = keras.Sequential([keras.Input((5,)), layers.Dense(7, activation="relu"),
                              layers.Dense(4, activation="tanh"), layers.Dense(3, activation="sigmoid")])
    params = convert.from_keras(model.get_weights())
    assert params["W1"].shape == (7, 5) and params["W3"].shape == (3, 4)
    want = keras.ops.convert_to_numpy(model(rows.astype(np.float32)))
    np.testing.assert_allclose(_fnnet_rows(params, rows), want, rtol=1e-5, atol=1e-6)
    mine = fnnet.init_params([5, 7, 4, 3], seed=4)
    model.set_weights(convert.to_keras(mine))
    got = keras.ops.convert_to_numpy(model(rows.astype(np.float32)))
    np.testing.assert_allclose(got, _fnnet_rows(mine, rows), rtol=1e-5, atol=1e-6)
    swapped = convert.to_keras(mine)
    swapped[2] = swapped[2][::-1]  # a kernel in the wrong row order: the test can fail
    model.set_weights(swapped)
    assert not np.allclose(keras.ops.convert_to_numpy(model(rows.astype(np.float32))), _fnnet_rows(mine, rows),
                           rtol=1e-5, atol=1e-6)
