"""``python -m fnnet train``: train a network on a built-in or MNIST-format data set.

With no options it trains one hidden layer of 100 relu units on the 3-arm spiral (which no
linear model can separate) and prints progress and the final accuracy in about a second.
Every step is the public API: ``init_params``, ``train`` (``forward``, ``cost``,
``backward``, an optimizer), ``predict``, ``accuracy``, ``save_params``.

Exit codes: 0 success (also after Ctrl-C, which keeps and reports the epochs done), 1 when
training cannot run or diverges (missing data set, ``--plot`` without matplotlib — checked
before training starts — or a NaN/inf cost), 2 for bad options (argparse).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import List, NamedTuple, Optional

import numpy as np

from . import data as _data
from . import io as _io
from .activations import ACTIVATIONS
from .losses import LOSSES, NATURAL_OUTPUT, cost
from .metrics import accuracy, one_hot, predict, predict_labels
from .network import INIT_SCHEMES, init_params
from .optim import OPTIMIZERS
from .training import TrainingDiverged, train

PLOT_HINT = "pip install 'fnnet[plot]' (from a checkout: pip install -e \".[plot]\")"


class Defaults(NamedTuple):
    """What a data set trains with unless options say otherwise."""

    hidden: List[int]
    activation: str
    optimizer: str
    lr: float
    epochs: int
    batch_size: int


#: Per data set: a network and schedule that reaches the README's results in seconds.
DEFAULTS = {
    "spiral": Defaults([100], "relu", "adam", 0.01, 300, 32),
    "xor": Defaults([8], "tanh", "adam", 0.01, 200, 32),
    "moons": Defaults([16], "relu", "adam", 0.01, 200, 32),
    "circles": Defaults([16], "relu", "adam", 0.01, 200, 32),
    "seed001": Defaults([16], "tanh", "adam", 0.01, 100, 32),
    "seed002": Defaults([3, 3], "relu", "adam", 0.05, 200, 10),
    "seed003": Defaults([], "relu", "adam", 0.5, 1000, 5),
    "mnist": Defaults([256, 128], "relu", "adam", 0.001, 20, 128),
}
DATASETS = [name for name in DEFAULTS if name != "mnist"]


def register(commands) -> None:
    """Add the ``train`` subcommand to the argparse subparsers ``commands``; sets ``run``."""
    p = commands.add_parser(
        "train", help="train a network and report its accuracy (default: the spiral set)",
        description=__doc__.split("\n\n")[1].replace("\n", " ").replace("``", ""),
        epilog="defaults per data set (hidden, activation, optimizer, lr, epochs, batch size): "
               + "; ".join(f"{name}: {d.hidden} {d.activation} {d.optimizer} {d.lr:g} {d.epochs} {d.batch_size}"
                           for name, d in DEFAULTS.items()),
    )
    src = p.add_argument_group("data")
    src.add_argument("--data", choices=DATASETS, default="spiral",
                     help="built-in set: synthetic 2-D classification (spiral, xor, moons, circles) or the "
                          "seed notebooks' sets (seed002 classification, seed001/seed003 regression)")
    src.add_argument("--mnist", metavar="DIR", help="train on MNIST or Fashion-MNIST IDX files in DIR "
                                                    "(reports test accuracy every epoch)")
    src.add_argument("--fashion", action="store_true",
                     help="Fashion-MNIST from the Debian package dataset-fashion-mnist")
    src.add_argument("--limit", type=_positive_int, metavar="M",
                     help="MNIST: use only the first M training examples (M >= 1)")
    net = p.add_argument_group("network")
    net.add_argument("--hidden", type=int, nargs="*", metavar="N",
                     help="hidden layer sizes, e.g. --hidden 256 128 (none: a linear model); "
                          "default depends on the data set")
    net.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "softmax"],
                     help="hidden-layer activation (default depends on the data set)")
    net.add_argument("--output-activation", choices=list(ACTIVATIONS),
                     help="output-layer activation; default: softmax for cce, sigmoid for bce, linear for mse")
    net.add_argument("--loss", choices=list(LOSSES),
                     help="loss; default: cce for several classes, bce for two, mse for regression")
    net.add_argument("--init", choices=list(INIT_SCHEMES), default="he", help="weight initialisation (default: he)")
    net.add_argument("--dtype", choices=["float32", "float64"],
                     help="of the params and data (default: float32 for MNIST, float64 otherwise)")
    opt = p.add_argument_group("training")
    opt.add_argument("--optimizer", choices=list(OPTIMIZERS), help="default: adam (see fnnet.OPTIMIZERS)")
    opt.add_argument("--lr", type=float, help="learning rate (default depends on the data set)")
    opt.add_argument("--epochs", type=int, help="passes over the data (default depends on the data set)")
    opt.add_argument("--batch-size", type=int, help="examples per mini-batch (default depends on the data set)")
    opt.add_argument("--weight-decay", type=float, default=0.0, help="L2 coefficient on the weights (default: 0)")
    opt.add_argument("--seed", type=int, default=0, help="seeds the data, the init and the shuffles (default: 0)")
    out = p.add_argument_group("output")
    out.add_argument("--save", metavar="PATH", help="save the trained params (.npz) with their metadata")
    out.add_argument("--checkpoint", metavar="PATH", help="write a checkpoint every epoch")
    out.add_argument("--resume", action="store_true", help="continue from --checkpoint if it exists")
    out.add_argument("--plot", metavar="PATH",
                     help="write a PNG of the cost curve (and the decision regions of 2-D data); needs matplotlib")
    out.add_argument("--log-every", type=int, metavar="N", help="a progress line every N epochs (default: ~10 lines)")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(run=run)


def _positive_int(text: str) -> int:
    """An argparse type: an int >= 1 (a bad value is a usage error, exit code 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {value}")
    return value


class _Dataset(NamedTuple):
    name: str
    X: np.ndarray                 # (n0, m)
    Y: np.ndarray                 # (nL, m) targets for the loss
    labels: Optional[np.ndarray]  # (m,) ints for classification, else None
    X_test: Optional[np.ndarray]
    labels_test: Optional[np.ndarray]
    n_classes: int                # 0 for regression
    mean: Optional[np.ndarray]    # (n0, 1) input standardisation, if any
    std: Optional[np.ndarray]


def _load(args) -> _Dataset:
    """The data set the options ask for, as (n0, m) inputs and targets."""
    if args.mnist or args.fashion:
        directory = args.mnist
        if directory is None:
            directory = _data.fashion_mnist_dir()
            if directory is None:
                raise _Failure("Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist, "
                               "or give the IDX files' directory with --mnist DIR")
        dtype = np.dtype(args.dtype or "float32")
        try:
            X, y, X_test, y_test = _data.load_mnist(directory, dtype=dtype)
        except (OSError, ValueError) as err:
            raise _Failure(str(err)) from None
        if args.limit is not None:
            X, y = X[:, :args.limit], y[:args.limit]
        k = int(max(y.max(), y_test.max())) + 1
        name = "fashion-mnist" if args.fashion else f"mnist ({directory})"
        return _Dataset(name, X, one_hot(y, k, dtype=dtype), y, X_test, y_test, k, None, None)

    seed = args.seed
    if args.data == "seed002":
        X, Y = _data.seed002()
        return _standardised("seed002", X, Y, Y[0].astype(np.int64), 2)
    if args.data in ("seed001", "seed003"):
        X, Y = _data.seed001(seed=seed) if args.data == "seed001" else _data.seed003()
        return _standardised(args.data, X, Y, None, 0)
    make = {"spiral": _data.spiral, "xor": _data.xor, "moons": _data.two_moons, "circles": _data.circles}
    X, y = make[args.data](seed=seed)
    k = int(y.max()) + 1
    Y = y.reshape(1, -1).astype(np.float64) if k == 2 else one_hot(y, k)
    return _Dataset(args.data, X, Y, y, None, None, k, None, None)


def _standardised(name, X, Y, labels, k) -> _Dataset:
    """Inputs scaled to zero mean, unit variance per feature (the seed sets' raw scales differ)."""
    X = X.astype(np.float64)
    mean, std = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True)
    std[std == 0.0] = 1.0
    return _Dataset(name, (X - mean) / std, Y, labels, None, None, k, mean, std)


class _Failure(Exception):
    """A reason to stop with exit code 1 and a message."""


def run(args) -> int:
    try:
        return _run(args)
    except _Failure as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def _run(args) -> int:
    if args.plot:
        _require_matplotlib()
    ds = _load(args)
    d = DEFAULTS["mnist" if ds.X_test is not None else args.data]
    loss = args.loss or ("mse" if ds.n_classes == 0 else "bce" if ds.Y.shape[0] == 1 else "cce")
    out_act = args.output_activation or NATURAL_OUTPUT[loss]
    hidden = d.hidden if args.hidden is None else args.hidden
    dims = [ds.X.shape[0], *hidden, ds.Y.shape[0]]
    acts = [args.activation or d.activation] * len(hidden) + [out_act]
    optimizer = args.optimizer or d.optimizer
    lr = d.lr if args.lr is None else args.lr
    epochs = d.epochs if args.epochs is None else args.epochs
    batch_size = d.batch_size if args.batch_size is None else args.batch_size
    dtype = np.dtype(args.dtype or ("float32" if ds.X_test is not None else "float64"))

    m = ds.X.shape[1]
    what = f"{ds.n_classes} classes" if ds.n_classes else f"{ds.Y.shape[0]} target(s)"
    print(f"data: {ds.name}, {m} examples, {ds.X.shape[0]} features, {what}"
          + (", inputs standardised" if ds.mean is not None else "")
          + (f"; test set {ds.X_test.shape[1]} examples" if ds.X_test is not None else ""))
    print(f"network: {dims}, {' -> '.join(acts)}, loss {loss}, {dtype.name}")
    print(f"training: {optimizer} lr={lr:g}" + (f" weight_decay={args.weight_decay:g}" if args.weight_decay else "")
          + f", {epochs} epochs, batches of {batch_size}, seed {args.seed}", flush=True)

    params = init_params(dims, seed=args.seed, init=args.init, dtype=dtype)
    validation = {}
    if ds.X_test is not None:
        validation = dict(X_val=ds.X_test, Y_val=one_hot(ds.labels_test, ds.n_classes, dtype=dtype))
    start = time.perf_counter()
    try:
        params, history = train(
            params, ds.X, ds.Y, acts, loss, epochs=epochs, batch_size=batch_size, lr=lr,
            optimizer=optimizer, seed=args.seed, weight_decay=args.weight_decay,
            checkpoint=args.checkpoint, resume=args.resume, verbose=0 if args.quiet else 1,
            log_every=args.log_every or max(1, epochs // 10), **validation)
    except TrainingDiverged as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as err:
        raise _Failure(str(err)) from None
    seconds = time.perf_counter() - start

    done = len(history["cost"])
    if history.get("interrupted"):
        print(f"interrupted after {done} of {epochs} epochs")
    AL = predict(params, ds.X, acts)
    if ds.n_classes:
        right = int(np.count_nonzero(predict_labels(AL) == ds.labels))
        print(f"final training accuracy: {right / m:.4f} ({right}/{m})")
        if ds.X_test is not None:
            acc = accuracy(predict(params, ds.X_test, acts), ds.labels_test)
            print(f"test accuracy: {acc:.4f}")
    else:
        first = history["cost"][0] if history["cost"] else float("nan")
        print(f"final training cost ({loss}): {cost(AL, ds.Y, loss):.6g} (first epoch's mean: {first:.6g})")
    print(f"time: {seconds:.1f} s")

    if args.save:
        extra = {}
        if ds.mean is not None:
            extra = dict(input_mean=ds.mean.ravel().tolist(), input_std=ds.std.ravel().tolist())
        path = _io.save_params(args.save, params, layer_dims=dims, activations=acts, loss=loss,
                               dataset=ds.name, epochs=done, history=history, **extra)
        print(f"saved params to {path}")
    if args.plot:
        _plot(args.plot, history, params, acts, ds)
        print(f"saved plot to {args.plot}")
    return 0


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise _Failure(f"--plot needs matplotlib, which is not installed: {PLOT_HINT}") from None


def _plot(path: str, history: dict, params, acts, ds: _Dataset) -> None:
    """Cost per epoch, and for 2-D classification data the decision regions with the points."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    regions = ds.X.shape[0] == 2 and ds.n_classes > 0
    fig, axes = plt.subplots(1, 2 if regions else 1, figsize=(11 if regions else 5.5, 4.5), squeeze=False)
    ax = axes[0, 0]
    epochs = np.arange(1, len(history["cost"]) + 1)
    ax.plot(epochs, history["cost"], label="training cost")
    if "val_cost" in history:
        ax.plot(epochs, history["val_cost"], label="test cost")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title(f"{ds.name}: cost per epoch")
    if regions:
        ax = axes[0, 1]
        lo, hi = ds.X.min(axis=1) - 0.1, ds.X.max(axis=1) + 0.1
        g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
        grid = np.vstack([g0.ravel(), g1.ravel()])
        dtype = params["W1"].dtype
        region = predict_labels(predict(params, grid.astype(dtype), acts)).reshape(g0.shape)
        ax.contourf(g0, g1, region, levels=np.arange(ds.n_classes + 1) - 0.5, cmap="tab10", alpha=0.3,
                    vmin=0, vmax=9)
        ax.scatter(ds.X[0], ds.X[1], c=ds.labels, cmap="tab10", vmin=0, vmax=9, s=12, edgecolors="k", linewidths=0.3)
        ax.set_title("decision regions")
        ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
