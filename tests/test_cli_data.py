"""``python -m fnnet train --data FILE --target COLUMN`` and ``python -m fnnet predict MODEL DATA``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import fnnet
from fnnet.__main__ import main


def _blobs(m=120, seed=0):
    """Three classes of 3-feature points on very different scales (so standardising matters)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=m)
    X = rng.normal(size=(m, 3)) + 3.0 * np.eye(3)[labels]
    return X * np.array([1.0, 100.0, 0.01]) + np.array([0.0, 500.0, -2.0]), labels


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def flowers(tmp_path):
    X, labels = _blobs()
    names = np.array(["iris", "rose", "tulip"])[labels]
    path = _write_csv(tmp_path / "flowers.csv", ["width", "height", "weight", "kind"],
                      [[*map(repr, x.tolist()), name] for x, name in zip(X, names)])
    return path, X, names


def _run(capsys, *argv):
    """``(exit code, stdout, stderr)``; argparse's and a bad file's exit 2 included."""
    try:
        code = main(list(argv))
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_train_on_a_csv_then_predict_labels_and_probabilities(capsys, tmp_path, flowers):
    path, X, names = flowers
    model = str(tmp_path / "model.npz")
    code, out, _ = _run(capsys, "train", "--data", path, "--target", "kind", "--epochs", "60", "--lr", "0.01",
                        "--save", model, "-q")
    assert code == 0
    assert "data: flowers.csv, 120 examples, 3 features, 3 classes, inputs standardised" in out
    meta = fnnet.load_metadata(model)
    assert meta["classes"] == ["iris", "rose", "tulip"] and meta["feature_names"] == ["width", "height", "weight"]
    assert meta["target"] == "kind" and len(meta["input_mean"]) == 3

    code, out, _ = _run(capsys, "predict", model, path)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "kind" and len(lines) == 121
    assert np.mean(np.array(lines[1:]) == names) > 0.95

    code, out, _ = _run(capsys, "predict", model, path, "--proba")
    lines = out.splitlines()
    assert lines[0] == "iris,rose,tulip"
    P = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    params = fnnet.load_params(model)  # the model's own standardisation, applied by predict
    Z = (X.T - np.array(meta["input_mean"])[:, None]) / np.array(meta["input_std"])[:, None]
    np.testing.assert_allclose(P, fnnet.predict(params, Z, meta["activations"]).T, rtol=1e-12)


def test_predict_finds_the_feature_columns_by_name_and_writes_a_file(capsys, tmp_path, flowers):
    path, X, _ = flowers
    model = str(tmp_path / "model.npz")
    assert _run(capsys, "train", "--data", path, "--target", "kind", "--epochs", "5", "--save", model, "-q")[0] == 0
    code, expected, _ = _run(capsys, "predict", model, path)
    shuffled = _write_csv(tmp_path / "new.csv", ["weight", "note", "width", "height"],
                          [[repr(x[2]), "n", repr(x[0]), repr(x[1])] for x in X.tolist()])
    out_file = tmp_path / "predictions.csv"
    code, out, err = _run(capsys, "predict", model, shuffled, "-o", str(out_file))
    assert code == 0 and out == "" and "wrote 120 predictions" in err
    assert out_file.read_text() == expected
    before = Path(shuffled).read_text()
    code, _, err = _run(capsys, "predict", model, shuffled, "-o", shuffled)
    assert code == 2 and "is the DATA file; writing the predictions there would destroy it" in err
    assert Path(shuffled).read_text() == before


def test_train_on_an_npz_and_a_regression_csv(capsys, tmp_path):
    X, labels = _blobs(m=60)
    np.savez(tmp_path / "d.npz", X=X, y=labels)
    code, out, _ = _run(capsys, "train", "--data", str(tmp_path / "d.npz"), "--epochs", "3", "-q")
    assert code == 0 and "data: d.npz, 60 examples, 3 features, 3 classes" in out
    rows = [[repr(a), repr(b), repr(2 * a - b + 0.5)] for a, b in np.random.default_rng(1).normal(size=(80, 2)).tolist()]
    path = _write_csv(tmp_path / "r.csv", ["a", "b", "price"], rows)
    model = str(tmp_path / "r.npz")
    code, out, _ = _run(capsys, "train", "--data", path, "--target", "price", "--epochs", "200", "--lr", "0.01",
                        "--save", model, "-q")
    assert code == 0 and "1 target(s)" in out and "loss mse" in out
    code, out, _ = _run(capsys, "predict", model, path)
    lines = out.splitlines()
    assert lines[0] == "price"
    predicted, wanted = np.array(lines[1:], dtype=float), np.array([float(r[2]) for r in rows])
    assert np.sqrt(np.mean((predicted - wanted) ** 2)) < 0.3 * wanted.std()
    code, _, err = _run(capsys, "predict", model, path, "--proba")
    assert code == 2 and "--proba: the model" in err and "is a regression" in err


@pytest.mark.parametrize("contents, problem", [
    ("width,height,kind\n1,2,a\n3,x,b\n", "line 3, column 'height': 'x' is not a number"),
    ("width,height,kind\n1,,a\n3,4,b\n", "line 2, column 'height': empty is not a number"),
    ("width,height,kind\n1,2,a\n3,4\n", "line 3 has 2 fields, the header 3"),
    ("width,height,species\n1,2,a\n3,4,b\n", "has no column 'kind' (--target); its columns are width, height, species"),
    ("", "is empty (a CSV file needs a header row and one row per example)"),
    ("width,height,kind\n", "has a header but no examples"),
    ("width,width,kind\n1,2,a\n3,4,b\n", "the header names a column twice: 'width'"),
    ("width,height,kind\n1,2,a\n3,4,a\n", "the target 'kind' has one class only ('a'); classification needs two or more"),
    ("width,height,kind\n1,nan,a\n3,4,b\n", "line 2, column 'height': 'nan' is not a finite number"),
])
def test_a_bad_csv_is_one_line_naming_the_file_exit_2(capsys, tmp_path, contents, problem):
    path = tmp_path / "bad.csv"
    path.write_text(contents)
    code, out, err = _run(capsys, "train", "--data", str(path), "--target", "kind", "-q")
    assert code == 2
    assert err == f"error: {path}: {problem}\n"


def test_bad_npz_and_model_files_exit_2(capsys, tmp_path, flowers):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    code, _, err = _run(capsys, "train", "--data", str(tmp_path / "junk.npz"), "-q")
    assert code == 2 and err.startswith(f"error: {tmp_path / 'junk.npz'}: not a readable .npz file") and err.count("\n") == 1
    np.savez(tmp_path / "nox.npz", X=np.ones((4, 2)))
    code, _, err = _run(capsys, "train", "--data", str(tmp_path / "nox.npz"), "-q")
    assert code == 2 and err == f"error: {tmp_path / 'nox.npz'}: has no array 'y' (it holds X)\n"
    code, _, err = _run(capsys, "train", "--data", str(tmp_path / "none.csv"), "--target", "kind", "-q")
    assert code == 2 and err == f"error: {tmp_path / 'none.csv'}: no such file\n"

    path, _, _ = flowers
    fnnet.save_params(tmp_path / "bare.npz", fnnet.init_params([3, 2], seed=0))
    code, _, err = _run(capsys, "predict", str(tmp_path / "bare.npz"), path)
    assert code == 2 and "bare.npz: has no 'activations' in its metadata" in err and err.count("\n") == 1
    code, _, err = _run(capsys, "predict", str(tmp_path / "junk.npz"), path)
    assert code == 2 and "junk.npz: not a model saved by fnnet" in err and err.count("\n") == 1
    model = str(tmp_path / "model.npz")
    _run(capsys, "train", "--data", path, "--target", "kind", "--epochs", "1", "--save", model, "-q")
    partial = _write_csv(tmp_path / "partial.csv", ["width", "height"], [["1", "2"]])
    code, _, err = _run(capsys, "predict", model, partial)
    assert code == 2 and err == (f"error: {partial}: has no column 'weight'; the model {model} takes the features "
                                 "width, height, weight\n")


@pytest.mark.parametrize("argv, message", [
    (["--data", "spiral", "--target", "y"], "argument --target: only with --data FILE.csv"),
    (["--data", "table.xlsx"], "argument --data: expected a built-in set (spiral, xor, moons, circles, seed001, "
                               "seed002, seed003) or a .csv or .npz file, got 'table.xlsx'"),
    (["--data", "d.csv"], "argument --data: a CSV file needs --target COLUMN"),
])
def test_data_option_usage_errors(capsys, argv, message):
    code, _, err = _run(capsys, "train", *argv)
    assert code == 2 and message in err


def test_a_model_of_a_built_in_set_predicts_labels_from_a_csv(capsys, tmp_path):
    model = str(tmp_path / "xor.npz")
    assert _run(capsys, "train", "--data", "xor", "--epochs", "2", "--save", model, "-q")[0] == 0
    data = _write_csv(tmp_path / "points.csv", ["x0", "x1"], [["0.1", "0.9"], ["-0.5", "0.5"]])
    code, out, _ = _run(capsys, "predict", model, data)
    assert code == 0 and out.splitlines()[0] == "label" and set(out.splitlines()[1:]) <= {"0", "1"}
