"""train_val_split, standardize and summary."""

from __future__ import annotations

import numpy as np
import pytest

import fnnet

from conftest import assert_same, snapshot


def test_split_is_a_partition_of_the_columns_and_reproducible():
    X = np.vstack([np.arange(50.0), -np.arange(50.0)])
    Y = np.arange(50.0).reshape(1, 50)
    before = snapshot((X, Y))
    X_tr, Y_tr, X_val, Y_val = fnnet.train_val_split(X, Y, 0.2, seed=4)
    assert_same(before, (X, Y))
    assert X_tr.shape == (2, 40) and X_val.shape == (2, 10) and Y_tr.shape == (1, 40) and Y_val.shape == (1, 10)
    assert sorted(np.concatenate([X_tr[0], X_val[0]])) == list(range(50))
    np.testing.assert_array_equal(Y_tr[0], X_tr[0])  # columns move together
    again = fnnet.train_val_split(X, Y, 0.2, rng=np.random.default_rng(4))
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_tr, Y_tr, X_val, Y_val)))


def test_stratified_split_keeps_each_class_share():
    labels = np.array([0] * 80 + [1] * 20)
    X = np.arange(100.0).reshape(1, 100)
    Y = fnnet.one_hot(labels, 2)
    _, Y_tr, _, Y_val = fnnet.train_val_split(X, Y, 0.25, seed=0, stratify=labels)
    assert Y_val.sum(axis=1).tolist() == [20, 5] and Y_tr.sum(axis=1).tolist() == [60, 15]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(fraction=0.0), ValueError, r"fraction must be a number in \(0, 1\), got 0.0"),
    (dict(fraction=1), ValueError, r"fraction must be a number in \(0, 1\)"),
    (dict(Y=np.zeros((1, 9))), ValueError, "Y must have one column .* m = 10"),
    (dict(stratify=np.zeros(9)), ValueError, r"stratify must hold one label per example, shape \(10,\)"),
    (dict(seed=1, rng=np.random.default_rng(1)), ValueError, "either seed or rng"),
], ids=["zero", "one", "y-columns", "stratify-shape", "seed-and-rng"])
def test_split_bad_values(kwargs, error, match):
    args = dict(X=np.zeros((2, 10)), Y=np.zeros((1, 10)), fraction=0.2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        fnnet.train_val_split(args.pop("X"), args.pop("Y"), args.pop("fraction"), **args)


def test_standardize_returns_the_statistics_to_apply_to_test_data():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, (3, 200))
    X[2] = 7.0   # a constant feature is centred, not divided by 0
    before = snapshot(X)
    X_std, stats = fnnet.standardize(X)
    assert_same(before, X)
    np.testing.assert_allclose(X_std.mean(axis=1), 0.0, atol=1e-14)
    np.testing.assert_allclose(X_std.std(axis=1)[:2], 1.0, rtol=1e-14)
    assert stats.mean.shape == (3, 1) and stats.std[2, 0] == 1.0
    X_test = rng.normal(5.0, 3.0, (3, 7))
    np.testing.assert_array_equal(stats(X_test), (X_test - stats.mean) / stats.std)
    with pytest.raises(ValueError, match=r"X has shape \(2, 7\) but the standardizer expects 3 rows"):
        stats(X_test[:2])


def test_summary_counts_every_parameter_and_prints_unless_quiet(capsys):
    params = fnnet.init_params([4, 6, 3], seed=0, dtype=np.float32)
    table = fnnet.summary(params, ["relu", "softmax"])
    assert capsys.readouterr().out.strip() == table
    lines = table.splitlines()
    assert lines[1].split() == ["1", "(6,", "4)", "(6,", "1)", "relu", "30", "float32"]
    assert lines[2].split() == ["2", "(3,", "6)", "(3,", "1)", "softmax", "21", "float32"]
    assert lines[3].split() == ["total", "51"]
    assert fnnet.summary(params, ["relu", "softmax"], quiet=True) == table and capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="activations has 1 entries but the network has 2 layers"):
        fnnet.summary(params, ["relu"])
