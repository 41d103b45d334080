"""predict, predict_labels, accuracy, one_hot."""

import numpy as np
import pytest

import fnnet


def test_predict_is_forward_output():
    params = fnnet.init_params([3, 4, 2], seed=0)
    X = np.arange(15.0).reshape(3, 5) / 10
    AL, _ = fnnet.forward(params, X, ["tanh", "softmax"])
    out = fnnet.predict(params, X, ["tanh", "softmax"])
    assert out.shape == (2, 5)
    np.testing.assert_array_equal(out, AL)


@pytest.mark.parametrize("AL, expected", [
    ([[0.2, 0.5, 0.7, 0.49]], [0, 1, 1, 0]),
    ([[0.1, 0.6, 0.3], [0.9, 0.4, 0.3], [0.0, 0.0, 0.4]], [1, 0, 2]),
], ids=["sigmoid-threshold", "softmax-argmax"])
def test_predict_labels(AL, expected):
    labels = fnnet.predict_labels(np.array(AL))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, expected)


@pytest.mark.parametrize("AL, Y, expected", [
    ([[0.9, 0.2, 0.6, 0.4]], [[1, 0, 0, 0]], 0.75),
    ([[0.9, 0.2, 0.6, 0.4]], [1, 0, 1, 0], 1.0),
    ([[0.1, 0.6, 0.3], [0.9, 0.4, 0.7]], [[0, 1, 1], [1, 0, 0]], 2 / 3),
    ([[0.1, 0.6, 0.3], [0.9, 0.4, 0.7]], [1, 0, 0], 2 / 3),
    (np.float32([[0.1, 0.6, 0.3], [0.9, 0.4, 0.7]]), [1, 1, 1], 2 / 3),
], ids=["binary-row", "binary-labels", "one-hot", "labels", "float32"])
def test_accuracy(AL, Y, expected):
    assert fnnet.accuracy(np.array(AL), np.array(Y)) == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("Y, error, match", [
    (np.zeros((2, 4)), ValueError, r"Y has shape \(2, 4\), expected \(3, 4\) like the output, or labels of shape \(4,\)"),
    (np.zeros(5, dtype=int), ValueError, r"Y has shape \(5,\), expected labels of shape \(4,\)"),
    (np.array([0.5, 1, 0, 2]), TypeError, r"^Y as 1-D labels must hold integers, got dtype float64 with the value 0.5$"),
    (np.array([0, 1, np.nan, 2]), TypeError, r"^Y as 1-D labels must hold integers, got dtype float64 with the value nan$"),
    (np.array([0, 1, 1e20, 2]), ValueError, r"^Y as 1-D labels must hold integers of magnitude below 2\*\*62, got 1e\+20$"),
    (np.array([0, -np.inf, 1, 2]), ValueError, r"^Y as 1-D labels must hold integers of magnitude below 2\*\*62, got -inf$"),
    (np.array(["a", "b", "c", "d"]), TypeError, r"^Y as 1-D labels must hold integers, got dtype <U1$"),
], ids=["one-hot-shape", "label-count", "fractional-labels", "nan-label", "huge-label", "inf-label", "str-labels"])
def test_accuracy_errors(Y, error, match):
    with pytest.raises(error, match=match):
        fnnet.accuracy(np.full((3, 4), 1 / 3), Y)


def test_one_hot():
    Y = fnnet.one_hot(np.array([2, 0, 1, 2]), 4)
    assert Y.shape == (4, 4) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1], [0, 0, 0, 0]])
    np.testing.assert_array_equal(fnnet.one_hot([1, 0, 1]), [[0, 1, 0], [1, 0, 1]])   # k from the labels
    assert fnnet.one_hot([0, 1], 2, dtype=np.float32).dtype == np.float32
    # round trip: labels -> one-hot -> labels
    labels = np.random.default_rng(0).integers(0, 5, size=17)
    np.testing.assert_array_equal(fnnet.predict_labels(fnnet.one_hot(labels, 5)), labels)
    # one-hot targets are valid cce targets
    assert fnnet.cost(np.full((3, 2), 1 / 3), fnnet.one_hot([0, 2], 3), "cce") == pytest.approx(np.log(3))


def test_whole_float_labels_are_labels():
    np.testing.assert_array_equal(fnnet.one_hot(np.array([2.0, 0.0, -0.0]), 3), fnnet.one_hot([2, 0, 0], 3))
    assert fnnet.accuracy(np.array([[0.1, 0.6], [0.9, 0.4]]), np.array([1.0, 2.0 ** 61])) == 0.5
    assert fnnet.one_hot(np.array([]), 2).shape == (2, 0)


@pytest.mark.parametrize("labels, k, error, match", [
    ([0, 3], 3, ValueError, r"labels must lie in \[0, 3\) for k = 3; got values in \[0, 3\]"),
    ([-1, 0], 2, ValueError, r"labels must lie in \[0, 2\)"),
    ([[0, 1]], 2, ValueError, r"labels must be 1-D of shape \(m,\), got shape \(1, 2\)"),
    ([0.5, 1.0], 2, TypeError, r"^labels must hold integers, got dtype float64 with the value 0.5$"),
    ([1e20, 1.0], 2, ValueError, r"^labels must hold integers of magnitude below 2\*\*62, got 1e\+20$"),
    ([1e20, 1.0], None, ValueError, r"^labels must hold integers of magnitude below 2\*\*62, got 1e\+20$"),
    ([np.inf], 2, ValueError, r"^labels must hold integers of magnitude below 2\*\*62, got inf$"),
    ([0, 1], 0, ValueError, r"^k must be an int >= 1, got 0$"),
    ([0, 1], 2.5, TypeError, r"^k must be an int >= 1, got float 2.5$"),
], ids=["too-big", "negative", "2-D", "fractional", "huge-float", "huge-float-no-k", "inf", "k-zero", "k-float"])
def test_one_hot_errors(labels, k, error, match):
    with pytest.raises(error, match=match):
        fnnet.one_hot(labels, k)
