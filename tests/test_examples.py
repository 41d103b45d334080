"""examples/: every script runs in its fast mode and prints the numbers it promises."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: Per script: lines its fast run must print (regular expressions, matched against whole lines).
EXPECTED = {
    "seed000_one_example.py": [r"loss: notebook \d+\.\d+, fnnet \d+\.\d+ \(= notebook / 2\)",
                               r"W1 .* 2\.000000", r"b2 .* 2\.000000",
                               r"fnnet's gradients against finite differences: right"],
    "seed001_product_regression.py": [r"before training: notebook's loss 3\.5350",
                                      r"after 20 full-batch steps: notebook's loss \d\.\d+, fnnet's mse \d\.\d+ .*"],
    "seed002_layered_notes.py": [r"\s+Z1 = W1 @ A0 \+ b1\s+\(3, 10\) = \(3, 2\) @ \(2, 10\) \+ \(3, 1\)",
                                 r"\s+dW1 = dZ1 @ A0\.T\s+\(3, 2\) = \(3, 10\) @ \(10, 2\)",
                                 r"\s+notes: WRONG in \['b1', 'b2'\]", r"\s+fnnet: right",
                                 r"\s+after 50 epochs: cost \d\.\d+, accuracy \d+%"],
    "seed003_crop_yields.py": [r"\s+0\s+6599\.3630\s+557\.5050", r"\s+1000\s+5\.4012\s+\d+\.\d+"],
    "seed004_nielsen_step.py": [r"\[\[-0\.10215984 -1\.14129263\]", r" \[ 0\.09890227 -3\.12153215\]\]",
                                r"cost 0\.\d+ -> 0\.\d+ after one step \(gradients right by finite differences\)"],
    "course_initialization.py": [r"\s+zeros\s+0\.6931\s+0\.6931\s+50%\s+50%", r"\s+large random .* 83%",
                                 r"\s+he .* 99%"],
    "course_regularization.py": [r"\s+none\s+\d+\.\d%\s+\d+\.\d%", r"\s+L2 \(lambda 0\.7\)\s+\d+\.\d%\s+\d+\.\d%",
                                 r"\s+dropout \(keep 0\.86\)\s+\d+\.\d%\s+\d+\.\d%"],
    "course_optimization.py": [r"\s+sgd .* 79\.7%", r"\s+momentum .* 79\.7%", r"\s+adam .* 94\.0%"],
    "gradient_checking.py": [r"with the planted bug: wrong: \['W1', 'b1'\]", r"with the bug fixed: every array right"],
    "nielsen_chapters_1_3.py": [r"MNIST files in .*: 1000 training images, 300 test images, 1 epoch\(s\)",
                                r"chapter 1: quadratic cost, N\(0, 1\): test accuracy \d+\.\d\d% \(Nielsen: 95\.42% \(MNIST\)\)",
                                r"chapter 3: cross-entropy, L2, N\(0, 1/n_in\): test accuracy \d+\.\d\d% .*"],
    "nielsen_chapter_5.py": [r"epoch  layer 1  layer 2  layer 3  layer 4  layer 4 / layer 1",
                             r"\s+1(\s+\d\.\d{4}){4}\s+\d+x", r"\s+2(\s+\d\.\d{4}){4}\s+\d+x",
                             r"layer\s+activation\s+mean\(A\).*"],
}
#: Scripts that draw figures with --plots, and the files they write.
FIGURES = {
    "seed001_product_regression.py": ["seed001_cost.png"],
    "seed003_crop_yields.py": ["seed003_cost.png"],
    "course_initialization.py": ["course_initialization.png"],
    "course_regularization.py": ["course_regularization.png"],
    "course_optimization.py": ["course_optimization.png"],
    "nielsen_chapter_5.py": ["nielsen_learning_speed.png"],
}


def _idx(path: Path, arr: np.ndarray) -> None:
    """An IDX file of unsigned bytes (magic 0, 0, 8, ndim; big-endian sizes), written independently of fnnet."""
    path.write_bytes(bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
                     + arr.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    """Four small MNIST-format files: 1200 training and 300 test images, each class a bright band."""
    directory = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(0)
    for prefix, m in (("train", 1200), ("t10k", 300)):
        labels = rng.integers(0, 10, m)
        images = rng.integers(0, 60, (m, 28, 28))
        for image, label in zip(images, labels):
            image[2 * label:2 * label + 3] = 250
        _idx(directory / f"{prefix}-images-idx3-ubyte", images)
        _idx(directory / f"{prefix}-labels-idx1-ubyte", labels)
    return directory


def _run(script: str, tmp_path: Path, mnist_dir: Path, *options: str) -> str:
    extra = ["--mnist", str(mnist_dir)] if script.startswith("nielsen") else []
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(EXAMPLES / script), "--fast", *extra, *options], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_example_is_tested():
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    assert scripts == sorted(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs_fast_and_prints_its_numbers(script, tmp_path, mnist_dir):
    lines = _run(script, tmp_path, mnist_dir).splitlines()
    for pattern in EXPECTED[script]:
        assert any(re.fullmatch(pattern, line) for line in lines), f"no line matches {pattern!r} in:\n" + "\n".join(lines)
    assert list(tmp_path.iterdir()) == []  # writes nothing without --plots


@pytest.mark.parametrize("script", sorted(FIGURES))
def test_example_draws_its_figures(script, tmp_path, mnist_dir):
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    out = _run(script, tmp_path, mnist_dir, "--plots", "figures")
    for name in FIGURES[script]:
        path = tmp_path / "figures" / name
        assert f"saved {os.path.join('figures', name)}" in out
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_mnist_examples_say_where_to_get_the_data(tmp_path, monkeypatch):
    env = dict(os.environ, FNNET_DATA=str(tmp_path))
    done = subprocess.run([sys.executable, str(EXAMPLES / "nielsen_chapter_5.py"), "--fast"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    if done.returncode == 0:  # a system-wide Fashion-MNIST (the Debian package) was found
        assert "Fashion-MNIST" in done.stdout
    else:
        assert "Fashion-MNIST not found" in done.stderr and "--mnist DIR" in done.stderr
