"""python -m fnnet train, run in-process through fnnet.__main__.main."""

import gzip
import os
import re
import shutil
import signal
import struct
import subprocess
import sys

import numpy as np
import pytest

import fnnet
from fnnet.__main__ import main

from fnnet import _cli_train as cli  # noqa: E402

import fnnet.training as train_module  # noqa: E402  (fnnet.train is the function)


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
    (["--optimizer", "nesterov", "--lr", "0.05", "--batch-size", "7", "--l2", "1e-4"],
     "training: nesterov lr=0.05 l2=0.0001, 3 epochs, batches of 7, seed 0"),
    (["--optimizer", "rmsprop", "--schedule", "cosine", "--warmup", "1", "--dropout", "0.2", "--clip", "2",
      "--l1", "1e-5"],
     "training: rmsprop lr=0.01 cosine schedule warm-up 1 l1=1e-05 dropout 0.2 clip 2, 3 epochs, batches of 32, seed 0"),
], ids=["xor", "moons-hidden", "circles-mse", "seed002", "seed001-float32", "seed003-linear", "optimizer-options",
        "course-options"])
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


def test_divergence_exit_code_1(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _train(capsys, "--data", "seed001", "--optimizer", "sgd", "--lr", "1e6", "-q")
    assert code == 1
    assert "error: training diverged in epoch 1, batch" in err and "lower learning rate" in err
    assert os.path.dirname(_fallback(err)) == str(tmp_path)  # the last finite params are kept


def test_plot_without_matplotlib_says_how_to_get_it(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import matplotlib -> ImportError
    code, out, err = _train(capsys, "--epochs", "2", "--plot", str(tmp_path / "cost.png"))
    assert code == 1 and out == ""   # checked before training
    assert "--plot needs matplotlib, which is not installed: pip install 'fnnet[plot]'" in err
    assert not (tmp_path / "cost.png").exists()


@pytest.mark.parametrize("data, size", [("spiral", (1100, 450)), ("seed003", (550, 450))],
                         ids=["cost-and-regions", "cost-only"])
def test_plot_writes_a_png_of_the_figure_size(capsys, tmp_path, data, size):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    path = tmp_path / "cost.png"
    code, out, _ = _train(capsys, "--data", data, "--epochs", "3", "-q", "--plot", str(path))
    assert code == 0 and f"saved plot to {path}" in out
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == size   # figsize (11 or 5.5, 4.5) inches at 100 dpi


def test_progress_extra_draws_a_real_tqdm_bar(capsys, monkeypatch):
    """fnnet.train's bar with the real tqdm (test_train.py checks the calls with a fake one)."""
    pytest.importorskip("tqdm", reason="the progress extra (tqdm) is not installed")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)   # capsys's stderr is no terminal
    monkeypatch.setattr(train_module, "QUIET_SECONDS", 0.0)
    X, y = fnnet.spiral(seed=0)
    params = fnnet.init_params([2, 8, 3], seed=0)
    fnnet.train(params, X, fnnet.one_hot(y, 3), ["relu", "softmax"], "cce", epochs=5, batch_size=32, lr=0.01,
                optimizer="adam", seed=0)
    err = capsys.readouterr().err
    assert re.search(r"100%\|.*\| 5/5 \[.*epoch/s, cost \d\.\d{4}  acc \d\.\d{4}\]", err), err
    assert "epoch 1/5" not in err   # the bar, not the lines


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


def test_missing_mnist_directory_exits_1_with_a_message(capsys):
    code, _, err = _train(capsys, "--mnist", "/nonexistent/dir")
    assert code == 1 and "error: MNIST directory not found: '/nonexistent/dir'" in err


def test_fashion_missing_says_how_to_install_and_where_it_looked(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("FNNET_DATA", str(tmp_path))   # an empty directory: no Fashion-MNIST
    code, out, err = _train(capsys, "--fashion")
    assert code == 1 and out == ""
    assert (f"error: Fashion-MNIST not found in {tmp_path / 'fashion-mnist'}, {tmp_path}: "
            "apt-get install dataset-fashion-mnist, set FNNET_DATA") in err


def test_fashion_from_fnnet_data(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("FNNET_DATA", str(_mnist_dir(tmp_path)))
    code, out, _ = _train(capsys, "--fashion", "--epochs", "1", "--hidden", "4", "-q", "--limit", "30")
    assert code == 0
    assert "data: fashion-mnist, 30 examples, 784 features, 10 classes; test set 20 examples" in out


def _usage_error(capsys, *options):
    """Run with bad options: argparse's exit code 2, nothing on stdout, the usage then one error line."""
    with pytest.raises(SystemExit) as info:
        main(["train", *options])
    captured = capsys.readouterr()
    assert info.value.code == 2 and captured.out == ""
    assert captured.err.startswith("usage: python -m fnnet train") and "Traceback" not in captured.err
    last = captured.err.strip().splitlines()[-1]
    assert last.startswith("python -m fnnet train: error: argument ")
    return last


@pytest.mark.parametrize("options, message", [
    (["--hidden", "0"], "argument --hidden: expected an int >= 1, got 0"),
    (["--hidden", "16", "-5"], "argument --hidden: expected an int >= 1, got -5"),
    (["--hidden", "1.5"], "argument --hidden: expected an int >= 1, got '1.5'"),
    (["--seed", "-1"], "argument --seed: expected an int >= 0, got -1"),
    (["--epochs", "0"], "argument --epochs: expected an int >= 1, got 0"),
    (["--batch-size", "0"], "argument --batch-size: expected an int >= 1, got 0"),
    (["--lr", "-1"], "argument --lr: expected a finite number > 0, got -1.0"),
    (["--lr", "nan"], "argument --lr: expected a finite number > 0, got nan"),
    (["--l2", "-0.1"], "argument --l2: expected a finite number >= 0, got -0.1"),
    (["--l1", "inf"], "argument --l1: expected a finite number >= 0, got inf"),
    (["--log-every", "0"], "argument --log-every: expected an int >= 1, got 0"),
    (["--dropout", "1"], "argument --dropout: expected a number in [0, 1), got 1.0"),
    (["--dropout", "-0.1"], "argument --dropout: expected a number in [0, 1), got -0.1"),
    (["--clip", "0"], "argument --clip: expected a finite number > 0, got 0.0"),
    (["--val-fraction", "1.5"], "argument --val-fraction: expected a number in (0, 1), got 1.5"),
    (["--patience", "0"], "argument --patience: expected an int >= 1, got 0"),
    (["--warmup", "-2"], "argument --warmup: expected an int >= 0, got -2"),
], ids=["hidden-0", "hidden-negative", "hidden-float", "seed", "epochs", "batch-size", "lr", "lr-nan",
        "l2", "l1-inf", "log-every", "dropout-1", "dropout-negative", "clip", "val-fraction", "patience", "warmup"])
def test_bad_values_are_usage_errors(capsys, options, message):
    assert _usage_error(capsys, *options).endswith(message)


def test_a_network_too_large_for_memory_is_a_usage_error(capsys):
    last = _usage_error(capsys, "--hidden", "1000000000000")
    assert re.fullmatch(r"python -m fnnet train: error: argument --hidden: training a \[2, 1000000000000, 3\] "
                        r"network needs about [\d.e+]+ GB of memory; this machine has [\d.e+]+ GB", last), last


def test_the_memory_limit_is_the_machines(capsys, monkeypatch):
    # [2, 100, 3] in float64: 8 * (6 * 603 weights + 3 * 32 * 105 batch units + 2 * 300 * 5 data) bytes
    monkeypatch.setattr(cli, "physical_memory", lambda: 133_583)
    assert _usage_error(capsys, "--epochs", "1").endswith(
        "argument --hidden: training a [2, 100, 3] network needs about 0.000134 GB of memory; "
        "this machine has 0.000134 GB")
    monkeypatch.setattr(cli, "physical_memory", lambda: 133_584)
    assert _train(capsys, "--epochs", "1", "-q")[0] == 0


@pytest.mark.parametrize("options, message", [
    (["--data", "xor", "--mnist", "DIR"], "argument --mnist: not allowed with argument --data"),
    (["--data", "xor", "--fashion"], "argument --fashion: not allowed with argument --data"),
    (["--mnist", "DIR", "--fashion"], "argument --fashion: not allowed with argument --mnist"),
    (["--limit", "5"], "argument --limit: only with --mnist or --fashion"),
    (["--data", "moons", "--limit", "5"], "argument --limit: only with --mnist or --fashion"),
    (["-q", "--log-every", "5"], "argument --log-every: not allowed with argument -q/--quiet"),
    (["--resume"], "argument --resume: needs --checkpoint PATH"),
    (["--early-stopping"], "argument --early-stopping: needs --val-fraction F"),
    (["--patience", "3"], "argument --patience: only with --early-stopping"),
    (["--schedule", "plateau", "--warmup", "2"], "argument --warmup: not with --schedule plateau"),
    (["--hidden", "--dropout", "0.5"], "argument --dropout: a network without hidden layers has no units to drop"),
], ids=["data-mnist", "data-fashion", "mnist-fashion", "limit-alone", "limit-builtin", "quiet-log-every",
        "resume-alone", "early-stopping-alone", "patience-alone", "plateau-warmup", "dropout-no-hidden"])
def test_conflicting_or_meaningless_options_are_usage_errors(capsys, options, message):
    assert message in _usage_error(capsys, *options)


# --------------------------------------------------------------------------- outputs checked before training


def test_output_in_a_missing_directory(capsys, tmp_path):
    target = tmp_path / "nope" / "model.npz"
    last = _usage_error(capsys, "--save", str(target))
    assert last.endswith(f"argument --save: cannot write {str(target)!r}: the directory "
                         f"{str(tmp_path / 'nope')!r} does not exist")


def test_output_in_a_file_as_directory(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    last = _usage_error(capsys, "--checkpoint", str(tmp_path / "file" / "ckpt"))
    assert f"argument --checkpoint: cannot write {str(tmp_path / 'file' / 'ckpt.npz')!r}" in last
    assert last.endswith("is not a directory")


def test_output_that_is_a_directory(capsys, tmp_path):
    (tmp_path / "model.npz").mkdir()
    assert _usage_error(capsys, "--save", str(tmp_path / "model.npz")).endswith(
        f"argument --save: {str(tmp_path / 'model.npz')!r} is a directory; give a file name")


def test_output_that_is_read_only(capsys, tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"keep me")
    target.chmod(0o444)
    assert _usage_error(capsys, "--save", str(target)).endswith(f"cannot write {str(target)!r}: it is read-only")
    assert target.read_bytes() == b"keep me"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root may write into a directory without write permission")
def test_output_in_a_read_only_directory(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert "argument --save: cannot write in the directory" in _usage_error(capsys, "--save", str(locked / "m"))
    finally:
        locked.chmod(0o755)


def test_output_directory_that_refuses_new_files(capsys, tmp_path, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "mkstemp", refuse)   # as a read-only mount or an ACL would
    assert _usage_error(capsys, "--save", str(tmp_path / "m")).endswith(
        f"argument --save: cannot write in the directory {str(tmp_path)!r}: Permission denied")


@pytest.mark.parametrize("save, checkpoint", [("run", "run.npz"), ("run.npz", "run.npz"), ("run", "./sub/../run")],
                         ids=["npz-appended", "same", "same-after-normalising"])
def test_save_and_checkpoint_must_differ(capsys, tmp_path, monkeypatch, save, checkpoint):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    last = _usage_error(capsys, "--save", save, "--checkpoint", checkpoint)
    assert "argument --checkpoint: " in last and "is also the --save file" in last


@pytest.mark.parametrize("name, message", [
    ("cost.npz", "needs a file extension matplotlib can write: "),
    ("cost", "needs a file extension matplotlib can write: "),
], ids=["unknown-extension", "no-extension"])
def test_plot_format_is_checked_before_training(capsys, tmp_path, name, message):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    last = _usage_error(capsys, "--plot", str(tmp_path / name))
    assert message in last and "png" in last and "svg" in last


@pytest.mark.skipif(shutil.which("xelatex") is not None, reason="xelatex is installed: matplotlib can write pgf")
def test_plot_format_matplotlib_lists_but_cannot_write_here_is_refused(capsys, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    last = _usage_error(capsys, "--plot", str(tmp_path / "cost.pgf"))
    assert "argument --plot: matplotlib cannot write pgf here (RuntimeError: 'xelatex' not found" in last
    assert not list(tmp_path.iterdir())


def test_plot_in_a_missing_directory_is_refused_even_without_matplotlib(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert "argument --plot: cannot write" in _usage_error(capsys, "--plot", str(tmp_path / "no" / "c.png"))


# --------------------------------------------------------------------------- writes failing after training


def _fallback(err):
    found = re.findall(r"saved the trained params to the fallback file (\S+)", err)
    assert len(found) == 1, err
    return found[0]


def _removing_after_training(monkeypatch, directory):
    """train as usual, then the directory disappears (a real write failure afterwards)."""
    real = cli.train

    def train_then_remove(*args, **kwargs):
        result = real(*args, **kwargs)
        shutil.rmtree(directory)
        return result

    monkeypatch.setattr(cli, "train", train_then_remove)


def test_failed_save_after_training_goes_to_a_printed_fallback(capsys, tmp_path, monkeypatch):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.chdir(tmp_path)
    _removing_after_training(monkeypatch, out_dir)
    code, out, err = _train(capsys, "--epochs", "4", "-q", "--save", str(out_dir / "model.npz"))
    assert code == 1 and "Traceback" not in err
    assert f"error: could not save the params to {str(out_dir / 'model.npz')!r}: " in err
    rescued = _fallback(err)
    assert os.path.dirname(rescued) == str(tmp_path) and os.path.basename(rescued).startswith("fnnet-rescued-")
    params, meta = fnnet.load_params(rescued), fnnet.load_metadata(rescued)
    assert meta["epochs"] == 4 and meta["layer_dims"] == [2, 100, 3]
    X, y = fnnet.spiral(seed=0)
    assert f"final training accuracy: {fnnet.accuracy(fnnet.predict(params, X, meta['activations']), y):.4f}" in out


def test_fallback_goes_to_the_temporary_directory_when_the_working_one_refuses(capsys, tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(cli.tempfile, "gettempdir", lambda: str(temporary))
    real_save = cli._io.save_params

    def save(path, params, **metadata):
        if os.path.dirname(os.path.abspath(path)) != str(temporary):
            raise OSError(28, "No space left on device")
        return real_save(path, params, **metadata)

    monkeypatch.setattr(cli._io, "save_params", save)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, err = _train(capsys, "--epochs", "2", "-q", "--save", str(tmp_path / "m.npz"))
    assert code == 1 and "No space left on device" in err
    assert os.path.dirname(_fallback(err)) == str(temporary)
    assert not list(work.iterdir())   # the failed attempt left nothing behind


def test_failed_plot_after_training_keeps_the_params(capsys, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    plots = tmp_path / "plots"
    plots.mkdir()
    monkeypatch.chdir(tmp_path)
    _removing_after_training(monkeypatch, plots)
    code, out, err = _train(capsys, "--epochs", "3", "-q", "--plot", str(plots / "cost.png"))
    assert code == 1 and f"error: could not write the plot {str(plots / 'cost.png')!r}: " in err
    assert fnnet.load_metadata(_fallback(err))["epochs"] == 3


def test_failed_checkpoint_keeps_the_last_completed_epoch(capsys, tmp_path, monkeypatch):
    real, calls = fnnet.io.save_checkpoint, []

    def save_checkpoint(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(fnnet.io, "save_checkpoint", save_checkpoint)
    monkeypatch.setattr(fnnet._resume, "WRITE_RATIO", 0.0)   # a checkpoint after every epoch
    monkeypatch.chdir(tmp_path)
    ckpt = str(tmp_path / "run.npz")
    code, _, err = _train(capsys, "--epochs", "10", "-q", "--checkpoint", ckpt)
    assert code == 1 and f"error: checkpoint {ckpt!r}: [Errno 28] No space left on device" in err
    assert fnnet.load_metadata(_fallback(err))["epochs"] == 3   # epoch 3 was complete when its write failed
    assert fnnet.load_checkpoint(ckpt)[2]["epoch"] == 2   # the last good checkpoint is intact


def test_bad_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--optimizer", "nope"])
    assert info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_ctrl_c_keeps_the_epochs_done(capsys, monkeypatch, tmp_path):
    real, calls = train_module.backward_pass, []

    def backward(*args, **kwargs):
        calls.append(1)
        if len(calls) == 25:   # in epoch 3 of the spiral (10 batches of 32 per epoch)
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "backward_pass", backward)
    path = tmp_path / "partial.npz"
    code, out, err = _train(capsys, "--save", str(path))
    assert code == 130
    assert "interrupted after 2 of 300 epochs" in out and "final training accuracy: " in out
    assert "interrupted: returning the params and history after 2 epoch(s)" in err
    assert fnnet.load_metadata(path)["epochs"] == 2


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("where", ["_data.spiral", "init_params", "predict", "_io.save_params"],
                         ids=["loading", "init", "evaluating", "saving"])
def test_ctrl_c_anywhere_exits_130_with_one_line(capsys, monkeypatch, tmp_path, where):
    owner = cli
    for name in where.split(".")[:-1]:
        owner = getattr(owner, name)
    monkeypatch.setattr(owner, where.split(".")[-1], _interrupt)
    code, _, err = _train(capsys, "--epochs", "2", "-q", "--save", str(tmp_path / "m.npz"))
    assert code == 130 and err == "python -m fnnet: interrupted (Ctrl-C)\n"


SLOW_LOADING = """
import sys, time
import fnnet.data

real_load_idx = fnnet.data.load_idx

def slow_load_idx(path):
    print("loading", path, flush=True)
    time.sleep(60)
    return real_load_idx(path)

fnnet.data.load_idx = slow_load_idx
from fnnet.__main__ import main
sys.exit(main(["train", "--mnist", sys.argv[1]]))
"""


def test_sigint_during_loading_in_a_subprocess(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", SLOW_LOADING, str(_mnist_dir(tmp_path))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("loading ")   # inside load_mnist, reading a file
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and out == ""
    assert err == "python -m fnnet: interrupted (Ctrl-C)\n"


def test_sigint_during_training_in_a_subprocess_saves_the_epochs_done(tmp_path):
    path = tmp_path / "partial.npz"
    proc = subprocess.Popen([sys.executable, "-m", "fnnet", "train", "--epochs", "100000", "--save", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("epoch      1/100000  cost ")   # training has begun
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.startswith("interrupted: returning the params and history after ")
    done = fnnet.load_metadata(path)["epochs"]
    assert f"interrupted after {done} of 100000 epochs" in out and f"saved params to {path}" in out


# --------------------------------------------------------------------------- the course's second half


def test_summary_is_printed_before_training(capsys):
    code, out, _ = _train(capsys, "--epochs", "1", "--summary")
    assert code == 0
    lines = out.splitlines()
    table = lines.index(next(line for line in lines if line.startswith("layer  W")))
    assert lines[table + 1].split()[:3] == ["1", "(100,", "2)"] and lines[table + 3].split() == ["total", "603"]
    assert table < next(i for i, line in enumerate(lines) if line.startswith("final training accuracy"))


def test_early_stopping_on_a_validation_split_stops_and_keeps_the_best(capsys):
    code, out, _ = _train(capsys, "--epochs", "300", "--lr", "0.05", "--val-fraction", "0.2", "--early-stopping",
                          "--patience", "3")
    assert code == 0
    stopped = next(line for line in out.splitlines() if line.startswith("early stopping:"))
    assert "val_cost did not improve" in stopped and "of 300 epochs, kept the params of epoch" in stopped
    assert "validation accuracy: " in out


@pytest.mark.parametrize("schedule", ["step", "exponential", "inverse-time", "cosine", "plateau"])
def test_every_schedule_runs(capsys, schedule):
    code, out, _ = _train(capsys, "--epochs", "4", "--schedule", schedule)
    assert code == 0 and f"{schedule} schedule" in out


@pytest.mark.parametrize("optimizer", ["rmsprop", "adagrad", "adamw"])
def test_the_new_optimizers_train(capsys, optimizer):
    code, out, _ = _train(capsys, "--epochs", "3", "--optimizer", optimizer)
    assert code == 0 and f"training: {optimizer} " in out


def test_a_checkpointed_run_resumes_with_the_same_options_and_refuses_others(capsys, tmp_path):
    ckpt = str(tmp_path / "run.npz")
    options = ["--epochs", "2", "--checkpoint", ckpt, "--dropout", "0.1", "--clip", "1", "--l2", "1e-3"]
    assert _train(capsys, *options)[0] == 0
    code, out, err = _train(capsys, *options[2:], "--epochs", "3", "--resume")
    assert code == 0 and f"resumed from epoch 2 of {ckpt}" in err
    code, _, err = _train(capsys, *options[2:], "--epochs", "3", "--resume", "--lr", "0.5")
    assert code == 1 and "another configuration" in err and "lr: checkpoint" in err
