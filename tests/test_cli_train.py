"""python -m fnnet train, run in-process through fnnet.__main__.main."""

import gzip
import sys

import numpy as np
import pytest

import fnnet
from fnnet.__main__ import main

from fnnet import _cli_train as cli  # noqa: E402


def _train(capsys, *options):
    code = main(["train", *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_default_spiral_reaches_97_percent(capsys):
    code, out, err = _train(capsys)
    assert code == 0
    assert "data: spiral, 300 examples, 2 features, 3 classes" in out
    assert "network: [2, 100, 3], relu -> softmax, loss cce, float64" in out
    accuracy = float(out.split("final training accuracy: ")[1].split()[0])
    assert accuracy > 0.97
    lines = err.strip().splitlines()   # progress: first epoch, then every 30
    assert lines[0].startswith("epoch   1/300  cost ") and lines[-1].startswith("epoch 300/300")
    assert len(lines) == 11


@pytest.mark.parametrize("options, expected", [
    (["--data", "xor"], "network: [2, 8, 1], tanh -> sigmoid, loss bce"),
    (["--data", "moons", "--hidden", "5", "4", "--activation", "tanh"], "network: [2, 5, 4, 1], tanh -> tanh -> sigmoid"),
    (["--data", "circles", "--loss", "mse", "--output-activation", "sigmoid"], "network: [2, 16, 1], relu -> sigmoid, loss mse"),
    (["--data", "seed002"], "data: seed002, 10 examples, 2 features, 2 classes, inputs standardised"),
    (["--data", "seed001", "--dtype", "float32"], "network: [2, 16, 1], tanh -> linear, loss mse, float32"),
    (["--data", "seed003", "--hidden"], "network: [3, 2], linear, loss mse"),
    (["--optimizer", "nesterov", "--lr", "0.05", "--batch-size", "7", "--weight-decay", "1e-4"],
     "training: nesterov lr=0.05 weight_decay=0.0001, 3 epochs, batches of 7, seed 0"),
], ids=["xor", "moons-hidden", "circles-mse", "seed002", "seed001-float32", "seed003-linear", "optimizer-options"])
def test_options(capsys, options, expected):
    code, out, _ = _train(capsys, "--epochs", "3", "-q", *options)
    assert code == 0
    assert expected in out
    assert ("final training accuracy" in out) != ("final training cost" in out)


def test_seed002_reaches_100_percent(capsys):
    code, out, _ = _train(capsys, "--data", "seed002", "-q")
    assert code == 0 and "final training accuracy: 1.0000 (10/10)" in out


def test_regression_cost_falls(capsys):
    code, out, _ = _train(capsys, "--data", "seed003", "-q")
    final, first = out.split("final training cost (mse): ")[1].split(" (first epoch's mean: ")
    assert float(final) < 1e-3 * float(first.split(")")[0])


def test_quiet_prints_no_progress_and_seed_is_reproducible(capsys):
    _, out1, err = _train(capsys, "--epochs", "5", "-q", "--seed", "3")
    _, out2, _ = _train(capsys, "--epochs", "5", "-q", "--seed", "3")
    assert err == ""
    strip = lambda out: [line for line in out.splitlines() if not line.startswith("time:")]  # noqa: E731
    assert strip(out1) == strip(out2)


def test_save_writes_params_and_metadata(capsys, tmp_path):
    path = tmp_path / "spiral.npz"
    code, out, _ = _train(capsys, "--epochs", "4", "-q", "--save", str(path))
    assert code == 0 and f"saved params to {path}" in out
    params = fnnet.load_params(path)
    assert {k: v.shape for k, v in params.items()} == {"W1": (100, 2), "b1": (100, 1), "W2": (3, 100), "b2": (3, 1)}
    meta = fnnet.load_metadata(path)
    assert meta["layer_dims"] == [2, 100, 3] and meta["activations"] == ["relu", "softmax"]
    assert meta["loss"] == "cce" and meta["epochs"] == 4 and len(meta["history"]["cost"]) == 4
    X, y = fnnet.spiral(seed=0)   # the saved network reproduces the printed accuracy
    acc = fnnet.accuracy(fnnet.predict(params, X, meta["activations"]), y)
    assert f"final training accuracy: {acc:.4f}" in out


def test_checkpoint_resume(capsys, tmp_path):
    path = str(tmp_path / "run.npz")
    _, straight, _ = _train(capsys, "--epochs", "6", "-q")
    _train(capsys, "--epochs", "3", "-q", "--checkpoint", path)
    code, resumed, _ = _train(capsys, "--epochs", "6", "-q", "--checkpoint", path, "--resume")
    assert code == 0
    line = [s for s in straight.splitlines() if s.startswith("final")]
    assert line == [s for s in resumed.splitlines() if s.startswith("final")]


def test_divergence_exit_code_1(capsys):
    code, _, err = _train(capsys, "--data", "seed001", "--optimizer", "sgd", "--lr", "1e6", "-q")
    assert code == 1
    assert "error: training diverged in epoch 1, batch" in err and "lower learning rate" in err


def test_plot_without_matplotlib_says_how_to_get_it(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import matplotlib -> ImportError
    code, out, err = _train(capsys, "--epochs", "2", "--plot", str(tmp_path / "cost.png"))
    assert code == 1 and out == ""   # checked before training
    assert "--plot needs matplotlib, which is not installed: pip install 'fnnet[plot]'" in err
    assert not (tmp_path / "cost.png").exists()


@pytest.mark.parametrize("data", ["spiral", "seed003"])
def test_plot_writes_a_png(capsys, tmp_path, data):
    pytest.importorskip("matplotlib")
    path = tmp_path / "cost.png"
    code, out, _ = _train(capsys, "--data", data, "--epochs", "3", "-q", "--plot", str(path))
    assert code == 0 and f"saved plot to {path}" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _write_idx(path, array):
    dims = array.shape
    header = bytes([0, 0, 8, len(dims)]) + b"".join(int(d).to_bytes(4, "big") for d in dims)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _mnist_dir(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, m in (("train", 60), ("t10k", 20)):
        labels = np.arange(m) % 10
        images = rng.integers(0, 60, size=(m, 28, 28))
        images[np.arange(m), labels, :] = 255    # a bright row per class: learnable
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return tmp_path


def test_mnist_limit_keeps_the_first_m_examples(capsys, tmp_path):
    code, out, _ = _train(capsys, "--mnist", str(_mnist_dir(tmp_path)), "--epochs", "1", "--hidden", "4", "-q",
                          "--limit", "25")
    assert code == 0
    assert "data: mnist (" in out and "25 examples, 784 features, 10 classes; test set 20 examples" in out


@pytest.mark.parametrize("limit, got", [("0", "0"), ("-5", "-5"), ("2.5", "'2.5'")], ids=["zero", "negative", "float"])
def test_mnist_limit_below_one_is_a_usage_error(capsys, tmp_path, limit, got):
    with pytest.raises(SystemExit) as info:
        main(["train", "--mnist", str(tmp_path), "--limit", limit])
    assert info.value.code == 2
    assert f"argument --limit: expected an int >= 1, got {got}" in capsys.readouterr().err


def test_mnist_directory(capsys, tmp_path):
    _mnist_dir(tmp_path)
    code, out, err = _train(capsys, "--mnist", str(tmp_path), "--epochs", "2", "--hidden", "16", "--lr", "0.01")
    assert code == 0
    assert "60 examples, 784 features, 10 classes; test set 20 examples" in out
    assert "network: [784, 16, 10], relu -> softmax, loss cce, float32" in out
    assert "test accuracy: " in out and "val_acc " in err


@pytest.mark.parametrize("options, match", [
    (["--mnist", "/nonexistent/dir"], "error: MNIST directory not found: '/nonexistent/dir'"),
    (["--epochs", "0"], "error: epochs must be an int >= 1, got 0"),
    (["--batch-size", "0"], "error: batch_size must be an int >= 1, got 0"),
    (["--lr", "-1"], "error: lr must be a positive finite number, got -1.0"),
], ids=["mnist-missing", "epochs", "batch-size", "lr"])
def test_errors_exit_1_with_a_message(capsys, options, match):
    code, _, err = _train(capsys, *options)
    assert code == 1 and match in err


def test_fashion_missing_says_how_to_install(capsys, monkeypatch):
    monkeypatch.setattr(cli._data, "fashion_mnist_dir", lambda: None)
    code, _, err = _train(capsys, "--fashion")
    assert code == 1 and "apt-get install dataset-fashion-mnist" in err


def test_bad_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--optimizer", "nope"])
    assert info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_ctrl_c_keeps_the_epochs_done(capsys, monkeypatch, tmp_path):
    train_module = sys.modules["fnnet.train"]
    real, calls = train_module.backward, []

    def backward(*args):
        calls.append(1)
        if len(calls) == 25:   # in epoch 3 of the spiral (10 batches of 32 per epoch)
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(train_module, "backward", backward)
    path = tmp_path / "partial.npz"
    code, out, err = _train(capsys, "--save", str(path))
    assert code == 0
    assert "interrupted after 2 of 300 epochs" in out and "final training accuracy: " in out
    assert "interrupted: returning the params and history after 2 epoch(s)" in err
    assert fnnet.load_metadata(path)["epochs"] == 2
