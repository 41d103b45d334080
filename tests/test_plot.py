"""fnnet.plot: each function renders to PNG with Agg; the figure's content is checked, not its pixels."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

import fnnet
from fnnet import plot


@pytest.fixture
def plt():
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _png(ax) -> bytes:
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


@pytest.fixture(scope="module")
def moons_run():
    X, y = fnnet.two_moons(200, seed=0)
    Y = y.reshape(1, -1).astype(float)
    acts = ["tanh", "relu", "sigmoid"]
    params0 = fnnet.init_params([2, 8, 8, 1], seed=0)
    watch = fnnet.Diagnostics(X, Y, acts, "bce", initial=params0)
    params, history = fnnet.train(params0, X[:, :150], Y[:, :150], acts, "bce", epochs=6, batch_size=50, lr=0.05,
                                  optimizer="adam", seed=0, verbose=0, X_val=X[:, 150:], Y_val=Y[:, 150:],
                                  callbacks=[watch])
    return X, y, Y, acts, params, history


def test_training_curves_draw_training_and_validation(plt, moons_run):
    X, y, Y, acts, params, history = moons_run
    fig, (left, right) = plt.subplots(1, 2)
    ax = plot.training_curves(history, ax=left)
    assert ax is left
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["training", "validation"]
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(1, 7))
    np.testing.assert_array_equal(lines[0].get_ydata(), history["cost"])
    np.testing.assert_array_equal(lines[1].get_ydata(), history["val_cost"])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()) == ("epoch", "cost", "log")
    acc = plot.training_curves(history, metric="accuracy", ax=right)
    assert acc.get_yscale() == "linear" and acc.get_ylabel() == "accuracy" and len(acc.get_lines()) == 2
    _png(ax)
    lr = plot.training_curves(history, metric="lr")  # no ax: a new figure's axes
    assert lr.figure is not fig and [line.get_label() for line in lr.get_lines()] == ["training"]
    with pytest.raises(ValueError, match="the history records no 'val_loss'; it records \\['accuracy', 'cost'"):
        plot.training_curves(history, metric="val_loss")


def test_decision_boundary_colours_the_predicted_class_of_the_plane(plt, moons_run):
    X, y, Y, acts, params, history = moons_run
    ax = plot.decision_boundary(params, X, y, acts, resolution=50)
    assert len(ax.collections) >= 2  # the filled regions (one or more collections) and the points
    points = ax.collections[-1]
    np.testing.assert_array_equal(points.get_offsets(), X.T)
    np.testing.assert_array_equal(points.get_array(), y)
    x0, x1 = ax.get_xlim()
    assert x0 < X[0].min() and x1 > X[0].max()
    assert ax.get_title() == "decision regions"
    _png(ax)
    # the same from one-hot targets, for a softmax network with three classes
    Xs, ys = fnnet.spiral(30, seed=0)
    net = fnnet.init_params([2, 5, 3], seed=0)
    ax = plot.decision_boundary(net, Xs, fnnet.one_hot(ys, 3), ["relu", "softmax"], resolution=20)
    np.testing.assert_array_equal(ax.collections[-1].get_array(), ys)
    with pytest.raises(ValueError, match=r"X must have shape \(2, m\)"):
        plot.decision_boundary(net, np.ones((3, 4)), np.zeros(4), ["relu", "softmax"])
    with pytest.raises(ValueError, match=r"one label per column of X \(90\), got shape \(89,\)"):
        plot.decision_boundary(net, Xs, ys[:-1], ["relu", "softmax"])


def test_learning_speed_is_nielsens_figure(plt, moons_run):
    X, y, Y, acts, params, history = moons_run
    ax = plot.learning_speed(history)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["layer 1", "layer 2"]  # the hidden layers
    assert ax.get_yscale() == "log" and ax.get_title() == "speed of learning per layer"
    record = history["diagnostics"]
    np.testing.assert_array_equal(lines[1].get_xdata(), record["epoch"])
    np.testing.assert_array_equal(lines[1].get_ydata(), [row[1] for row in record["db_norm"]])
    ratio = plot.learning_speed(history, field="update_ratio", layers=[1, 2, 3])
    assert len(ratio.get_lines()) == 3 and ratio.get_ylabel() == "update_ratio (probe batch)"
    _png(ax)
    with pytest.raises(ValueError, match="fnnet.Diagnostics"):
        plot.learning_speed({"cost": [1.0]})
    with pytest.raises(ValueError, match="layers must be in 1..3, got 4"):
        plot.learning_speed(history, layers=[4])


def test_histograms_draw_one_distribution_per_layer(plt, moons_run):
    X, y, Y, acts, params, history = moons_run
    AL, cache = fnnet.forward(params, X, acts)
    grads = fnnet.backward(params, cache, Y, "bce")
    ax = plot.activation_histograms(cache, bins=20)
    labels = [line.get_label() for line in ax.get_lines()]
    A1 = cache["A1"]
    saturated = 100 * np.mean(np.abs(A1) > 0.97)
    assert labels[0] == f"layer 1 (tanh): mean {A1.mean():+.2f}, std {A1.std():.2f}, saturated {saturated:.1f}%"
    assert labels[1].startswith("layer 2 (relu): mean ") and len(labels) == 2
    counts, edges = np.histogram(A1, bins=20, density=True)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), counts)
    g = plot.gradient_histograms(grads, layers=[1, 3])
    assert [line.get_label().split(":")[0] for line in g.get_lines()] == ["layer 1", "layer 3"]
    assert g.get_xlabel() == "dW value"
    _png(ax), _png(g)
    diverged = dict(grads, W2=np.full_like(grads["W2"], np.nan))  # no warning, an empty line named
    assert plot.gradient_histograms(diverged, layers=[2]).get_lines()[0].get_label().endswith("(no finite values)")
    with pytest.raises(TypeError, match="cache must be the dict returned by fnnet.forward"):
        plot.activation_histograms({"A1": A1})
    with pytest.raises(ValueError, match="layers must be layer numbers in 1..3, got 0"):
        plot.gradient_histograms(grads, layers=[0])


def test_the_cli_plot_draws_with_fnnet_plot(plt, capsys, tmp_path, monkeypatch):
    drawn = []
    for name in ("training_curves", "decision_boundary"):
        original = getattr(plot, name)
        monkeypatch.setattr(plot, name, lambda *a, _f=original, _n=name, **k: drawn.append(_n) or _f(*a, **k))
    from fnnet.__main__ import main

    assert main(["train", "--data", "moons", "--epochs", "2", "-q", "--plot", str(tmp_path / "run.png")]) == 0
    assert drawn == ["training_curves", "decision_boundary"]
    assert (tmp_path / "run.png").read_bytes()[:4] == b"\x89PNG"


def test_without_matplotlib_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"fnnet.plot needs matplotlib \(the plot extra\).*pip install 'fnnet\[plot\]'"):
        plot.training_curves({"cost": [1.0, 0.5]})


def test_import_fnnet_does_not_import_matplotlib():
    import subprocess

    code = "import sys, fnnet, fnnet.plot; print(any(m.split('.')[0] == 'matplotlib' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
