"""``python -m fnnet train``: train a network on a built-in set, MNIST-format files, or your own
CSV or ``.npz`` file (``--data FILE``, ``--target COLUMN``; read by ``_cli_data``).

With no options it trains one hidden layer of 100 relu units on the 3-arm spiral (which no
linear model can separate) and prints progress and the final accuracy in about a second.
Every step is the public API: ``init_params``, ``train`` (``forward``, ``cost``,
``backward``, an optimizer), ``predict``, ``accuracy``, ``save_params``.

A finished run is never lost: every output path (``--save``, ``--checkpoint``, ``--plot``
and its format) is checked before the data is loaded, and if a write still fails, the trained
params go to a fallback file whose name is printed.

Exit codes: 0 success; 1 when training cannot run, diverges or an output could not be written
(missing data set, ``--plot`` without matplotlib, a NaN/inf cost, a failed save: the params
are then in the printed fallback file); 2 for bad options (argparse style: a bad value, a
conflicting or meaningless combination, an output path that cannot be written, a network too
large for this machine's memory); 130 after Ctrl-C (after training was interrupted, the epochs
done are still reported and saved).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from typing import Callable, Dict, List, NamedTuple, Optional

import numpy as np

from . import _cli_data, _cli_diagnose
from . import data as _data
from . import io as _io
from . import schedules as _schedules
from .activations import ACTIVATIONS
from .callbacks import EarlyStopping
from .losses import LOSSES, cost
from .metrics import accuracy, one_hot, predict, predict_labels
from .network import INIT_SCHEMES, init_params, summary
from .optim import OPTIMIZERS, clip_by_global_norm
from .preprocessing import standardize, train_val_split
from .training import TrainingDiverged, train

PLOT_HINT = "pip install 'fnnet[plot]' (from a checkout: pip install -e \".[plot]\")"
#: Exit code after Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2).
INTERRUPTED = 130


class Defaults(NamedTuple):
    """What a data set trains with unless options say otherwise."""

    hidden: List[int]
    activation: str
    optimizer: str
    lr: float
    epochs: int
    batch_size: int


#: Per data set: a network and schedule that reaches the results in docs/data.md in seconds.
DEFAULTS = {
    "spiral": Defaults([100], "relu", "adam", 0.01, 300, 32),
    "xor": Defaults([8], "tanh", "adam", 0.01, 200, 32),
    "moons": Defaults([16], "relu", "adam", 0.01, 200, 32),
    "circles": Defaults([16], "relu", "adam", 0.01, 200, 32),
    "seed001": Defaults([16], "tanh", "adam", 0.01, 100, 32),
    "seed002": Defaults([3, 3], "relu", "adam", 0.05, 200, 10),
    "seed003": Defaults([], "relu", "adam", 0.5, 1000, 5),
    "mnist": Defaults([256, 128], "relu", "adam", 0.001, 20, 128),
    "file": Defaults([64], "relu", "adam", 0.001, 100, 32),  # --data FILE.csv|FILE.npz
}
DATASETS = [name for name in DEFAULTS if name not in ("mnist", "file")]


# --------------------------------------------------------------------------- option types
# Shared by the subcommands: a bad value is an argparse usage error (exit code 2).


def _number_type(convert: Callable, test: Callable, expected: str) -> Callable[[str], object]:
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value!r}")
        return value

    return parse


positive_int = _number_type(int, lambda v: v >= 1, "an int >= 1")
nonneg_int = _number_type(int, lambda v: v >= 0, "an int >= 0")
positive_float = _number_type(float, lambda v: math.isfinite(v) and v > 0, "a finite number > 0")
nonneg_float = _number_type(float, lambda v: math.isfinite(v) and v >= 0, "a finite number >= 0")
fraction = _number_type(float, lambda v: 0 < v < 1, "a number in (0, 1)")
rate = _number_type(float, lambda v: 0 <= v < 1, "a number in [0, 1)")

#: ``--schedule`` names: the learning rate over the run, from ``--lr`` (see fnnet.schedules).
SCHEDULES = {
    "constant": lambda lr, epochs, warmup: _schedules.constant(lr, warmup=warmup),
    # halved 3 times: at a quarter, half and three quarters of the epochs after the warm-up
    "step": lambda lr, epochs, warmup: _schedules.step_decay(lr, 0.5, max(1, epochs - warmup) / 4, warmup=warmup),
    "exponential": lambda lr, epochs, warmup: _schedules.exponential_decay(lr, 0.01 ** (1 / epochs), warmup=warmup),
    "inverse-time": lambda lr, epochs, warmup: _schedules.inverse_time_decay(lr, 9 / epochs, warmup=warmup),
    "cosine": lambda lr, epochs, warmup: _schedules.cosine_decay(lr, max(1, epochs - warmup), warmup=warmup),
}


def physical_memory() -> Optional[int]:
    """This machine's physical memory in bytes, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_fits_in_memory(parser: argparse.ArgumentParser, option: str, what: str, nbytes: int) -> None:
    """A usage error (exit 2) when ``nbytes`` exceed the machine's physical memory."""
    have = physical_memory()
    if have is not None and nbytes > have:
        parser.error(f"argument {option}: {what} needs about {nbytes / 1e9:.3g} GB of memory; "
                     f"this machine has {have / 1e9:.3g} GB")


def register(commands) -> None:
    """Add the ``train`` subcommand to the argparse subparsers ``commands``; sets ``run``."""
    p = commands.add_parser(
        "train", help="train a network and report its accuracy (default: the spiral set)",
        description=__doc__.split("\n\n")[1].replace("\n", " ").replace("``", ""),
        epilog="defaults per data set (hidden, activation, optimizer, lr, epochs, batch size): "
               + "; ".join(f"{name}: {d.hidden} {d.activation} {d.optimizer} {d.lr:g} {d.epochs} {d.batch_size}"
                           for name, d in DEFAULTS.items()),
    )
    src = p.add_argument_group("data (one of --data, --mnist, --fashion)")
    which = src.add_mutually_exclusive_group()
    which.add_argument("--data", type=_cli_data.data_source(DATASETS), metavar="NAME|FILE",
                       help="built-in set (default: spiral): synthetic 2-D classification (spiral, xor, moons, "
                            "circles) or the seed notebooks' sets (seed002 classification, seed001/seed003 regression); "
                            "or your own FILE.csv (a header row; with --target) or FILE.npz (arrays X and y), one "
                            "example per row")
    src.add_argument("--target", metavar="COLUMN", help="with --data FILE.csv: the column to predict")
    which.add_argument("--mnist", metavar="DIR", help="train on MNIST or Fashion-MNIST IDX files in DIR (reports the "
                                                      "test set's cost and accuracy every epoch as val_cost, val_acc)")
    which.add_argument("--fashion", action="store_true",
                       help="Fashion-MNIST from the Debian package dataset-fashion-mnist, or from "
                            "$FNNET_DATA (a directory holding the four files, or a fashion-mnist directory)")
    src.add_argument("--limit", type=positive_int, metavar="M",
                     help="with --mnist or --fashion: use only the first M training examples (M >= 1)")
    net = p.add_argument_group("network")
    net.add_argument("--hidden", type=positive_int, nargs="*", metavar="N",
                     help="hidden layer sizes (each >= 1), e.g. --hidden 256 128 (none: a linear model); "
                          "default depends on the data set")
    net.add_argument("--activation", choices=[name for name, act in ACTIVATIONS.items() if not act.output_only],
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
    opt.add_argument("--lr", type=positive_float, help="learning rate (default depends on the data set)")
    opt.add_argument("--epochs", type=positive_int, help="passes over the data (default depends on the data set)")
    opt.add_argument("--batch-size", type=positive_int,
                     help="examples per mini-batch (default depends on the data set)")
    opt.add_argument("--schedule", choices=list(SCHEDULES) + ["plateau"], default="constant",
                     help="learning rate over the run, from --lr: step (halved 3 times, at 1/4, 1/2 and 3/4 "
                          "of the run), exponential (to lr/100), inverse-time (the course's, to lr/10), cosine (to 0), plateau (halved when the "
                          "validation cost, or the cost, has not improved for 5%% of the epochs); default: constant")
    opt.add_argument("--warmup", type=nonneg_int, default=0, metavar="N",
                     help="with --schedule: rise linearly to --lr over the first N epochs")
    opt.add_argument("--l2", type=nonneg_float, default=0.0,
                     help="L2 penalty (l2/2) * sum ||W||^2 on the weights, in the cost (default: 0)")
    opt.add_argument("--l1", type=nonneg_float, default=0.0, help="L1 penalty l1 * sum |W| on the weights (default: 0)")
    opt.add_argument("--dropout", type=rate, default=0.0, metavar="RATE",
                     help="share of hidden units dropped in training (inverted dropout; keep_prob = 1 - RATE)")
    opt.add_argument("--clip", type=positive_float, metavar="NORM",
                     help="clip the gradients to this global norm before each update")
    opt.add_argument("--val-fraction", type=fraction, metavar="F",
                     help="hold out this share of the training examples (stratified) as validation data")
    opt.add_argument("--early-stopping", action="store_true",
                     help="stop when the validation cost has not improved for --patience epochs, and keep the "
                          "best epoch's params (needs --val-fraction)")
    opt.add_argument("--patience", type=positive_int, default=10, help="with --early-stopping (default: 10)")
    opt.add_argument("--seed", type=nonneg_int, default=0,
                     help="seeds the data, the init and the shuffles (default: 0)")
    out = p.add_argument_group("output (every path is checked before training starts)")
    out.add_argument("--save", metavar="PATH", help="save the trained params (.npz) with their metadata")
    out.add_argument("--checkpoint", metavar="PATH", help="write a checkpoint every epoch (not the --save path)")
    out.add_argument("--resume", action="store_true", help="continue from --checkpoint if it exists")
    out.add_argument("--plot", metavar="PATH",
                     help="write a plot of the cost curve (and the decision regions of 2-D data) in the format "
                          "of PATH's extension (png, pdf, svg, ...); needs matplotlib")
    out.add_argument("--log-every", type=positive_int, metavar="N",
                     help="a progress line every N epochs (default: ~10 lines)")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    out.add_argument("--summary", action="store_true", help="print the network's layers and parameter counts first")
    _cli_diagnose.add_option(out)
    p.set_defaults(run=run, parser=p)


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
    metadata: Optional[dict] = None  # a user's file: classes, feature and target names (see _cli_data)


class _Failure(Exception):
    """A reason to stop with exit code 1 and a message."""


# --------------------------------------------------------------------------- checks before training


def _check_options(args) -> None:
    """Conflicting or meaningless combinations are usage errors, not silently ignored."""
    parser = args.parser
    _cli_data.check_options(args)
    if args.limit is not None and not (args.mnist or args.fashion):
        parser.error("argument --limit: only with --mnist or --fashion (the built-in sets have a fixed size)")
    if args.log_every is not None and args.quiet:
        parser.error("argument --log-every: not allowed with argument -q/--quiet (which prints no progress lines)")
    if args.resume and not args.checkpoint:
        parser.error("argument --resume: needs --checkpoint PATH (the file to resume from)")
    if args.early_stopping and args.val_fraction is None:
        parser.error("argument --early-stopping: needs --val-fraction F (the validation cost it watches)")
    if args.patience != 10 and not args.early_stopping:
        parser.error("argument --patience: only with --early-stopping")
    if args.warmup and args.schedule == "plateau":
        parser.error("argument --warmup: not with --schedule plateau (which follows the history from epoch 1)")
    if args.dropout and args.hidden == []:
        parser.error("argument --dropout: a network without hidden layers has no units to drop")


def _check_outputs(args) -> None:
    """Every output path can be written, and no two of them are the same file (before training)."""
    parser = args.parser
    paths = {}
    for option, path in (("--save", args.save), ("--checkpoint", args.checkpoint), ("--plot", args.plot)):
        if path is None:
            continue
        try:
            target = path if option == "--plot" else _io.npz_path(path)
        except (TypeError, ValueError) as err:
            parser.error(f"argument {option}: {err}")
        problem = _unwritable(target)
        if problem:
            parser.error(f"argument {option}: {problem}")
        for other, other_target in paths.items():
            if os.path.realpath(other_target) == os.path.realpath(target):
                parser.error(f"argument {option}: {target!r} is also the {other} file; writing one would "
                             "destroy the other, so give them different paths")
        paths[option] = target
    if args.plot:
        _require_matplotlib()
        _check_plot_format(parser, args.plot)


def _unwritable(path: str) -> Optional[str]:
    """Why a file cannot be written at ``path`` (the directory is tried), or None if it can."""
    if not path:
        return "an empty path"
    if path.endswith(os.sep) or os.path.isdir(path):
        return f"{path!r} is a directory; give a file name"
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        what = "is not a directory" if os.path.exists(directory) else "does not exist"
        return f"cannot write {path!r}: the directory {directory!r} {what}"
    if os.path.exists(path) and not os.stat(path).st_mode & 0o222:
        return f"cannot write {path!r}: it is read-only"
    try:  # the one reliable test (permissions, read-only mounts, ACLs): create a file there
        fd, probe = tempfile.mkstemp(prefix=".fnnet-probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        return f"cannot write in the directory {directory!r}: {err.strerror or err}"
    return None


def _check_plot_format(parser, path: str) -> None:
    """PATH's extension is a format matplotlib can write here (a tiny figure is rendered to it)."""
    from io import BytesIO

    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.figure import Figure

    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    extension = os.path.splitext(path)[1][1:].lower()
    if extension not in formats:
        parser.error(f"argument --plot: {path!r} needs a file extension matplotlib can write: "
                     f"{', '.join(formats)}")
    probe = Figure(figsize=(1, 1))
    probe.text(0.5, 0.5, "cost")   # text too: pgf needs LaTeX only for it
    try:
        probe.savefig(BytesIO(), format=extension)
    except Exception as err:  # e.g. pgf without LaTeX, or an image format without its library
        parser.error(f"argument --plot: matplotlib cannot write {extension} here "
                     f"({type(err).__name__}: {' '.join(str(err).split())[:200]})")


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise _Failure(f"--plot needs matplotlib, which is not installed: {PLOT_HINT}") from None


def _network_bytes(dims: List[int], batch_size: int, m: int, dtype: np.dtype) -> int:
    """A generous estimate of training's memory: params, grads, optimizer state and new copies
    (six sets of weights), the batch's activations and deltas, and the shuffled epoch copy."""
    weights = sum(n_in * n_out + n_out for n_in, n_out in zip(dims[:-1], dims[1:]))
    units = sum(dims)
    return dtype.itemsize * (6 * weights + 3 * min(batch_size, m) * units + 2 * m * (dims[0] + dims[-1]))


# --------------------------------------------------------------------------- data


def _load(args) -> _Dataset:
    """The data set the options ask for, as (n0, m) inputs and targets."""
    if _cli_data.is_file(args.data):
        try:
            return _Dataset(**_cli_data.load(args.data, args.target, args.loss, args.dtype))
        except _cli_data.BadFile as err:
            _cli_data.fail(err)
    if args.mnist or args.fashion:
        directory = args.mnist
        if directory is None:
            directory = _data.fashion_mnist_dir()
            if directory is None:
                places = ", ".join(_data.fashion_mnist_search_path())
                raise _Failure(f"Fashion-MNIST not found in {places}: apt-get install dataset-fashion-mnist, "
                               "set FNNET_DATA to a directory holding its four IDX files, "
                               "or give their directory with --mnist DIR")
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

    seed, which = args.seed, args.data or "spiral"
    if which == "seed002":
        X, Y = _data.seed002()
        return _standardised("seed002", X, Y, Y[0].astype(np.int64), 2)
    if which in ("seed001", "seed003"):
        X, Y = _data.seed001(seed=seed) if which == "seed001" else _data.seed003()
        return _standardised(which, X, Y, None, 0)
    make = {"spiral": _data.spiral, "xor": _data.xor, "moons": _data.two_moons, "circles": _data.circles}
    X, y = make[which](seed=seed)
    k = int(y.max()) + 1
    Y = y.reshape(1, -1).astype(np.float64) if k == 2 else one_hot(y, k)
    return _Dataset(which, X, Y, y, None, None, k, None, None)


def _standardised(name, X, Y, labels, k) -> _Dataset:
    """Inputs scaled to zero mean, unit variance per feature (the seed sets' raw scales differ)."""
    X_std, stats = standardize(X)
    return _Dataset(name, X_std, Y, labels, None, None, k, stats.mean, stats.std)


# --------------------------------------------------------------------------- the run


def run(args) -> int:
    try:
        return _run(args)
    except _Failure as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def _run(args) -> int:
    _check_options(args)
    _check_outputs(args)
    ds = _load(args)
    d = DEFAULTS["mnist" if ds.X_test is not None else ds.name if ds.metadata is None else "file"]
    loss = args.loss or ("mse" if ds.n_classes == 0 else "bce" if ds.Y.shape[0] == 1 else "cce")
    out_act = args.output_activation or LOSSES[loss].natural_output.name
    hidden = d.hidden if args.hidden is None else args.hidden
    dims = [ds.X.shape[0], *hidden, ds.Y.shape[0]]
    acts = [args.activation or d.activation] * len(hidden) + [out_act]
    optimizer = args.optimizer or d.optimizer
    lr = d.lr if args.lr is None else args.lr
    epochs = d.epochs if args.epochs is None else args.epochs
    batch_size = d.batch_size if args.batch_size is None else args.batch_size
    dtype = np.dtype(args.dtype or ("float32" if ds.X_test is not None else "float64"))
    m = ds.X.shape[1]
    check_fits_in_memory(args.parser, "--hidden", f"training a {dims} network",
                         _network_bytes(dims, batch_size, m, dtype))

    X, Y, validation = ds.X, ds.Y, {}
    if args.val_fraction is not None:
        try:
            X, Y, X_val, Y_val = train_val_split(ds.X, ds.Y, args.val_fraction, seed=args.seed,
                                                 stratify=ds.labels if ds.n_classes else None)
        except ValueError as err:  # a part would be empty: a usage error, not a traceback
            args.parser.error(f"argument --val-fraction: {err} ({m} examples in {ds.name})")
        validation = dict(X_val=X_val, Y_val=Y_val)
    elif ds.X_test is not None:  # MNIST: the test set, reported every epoch
        validation = dict(X_val=ds.X_test, Y_val=one_hot(ds.labels_test, ds.n_classes, dtype=dtype))
    what = f"{ds.n_classes} classes" if ds.n_classes else f"{ds.Y.shape[0]} target(s)"
    print(f"data: {ds.name}, {m} examples, {ds.X.shape[0]} features, {what}"
          + (", inputs standardised" if ds.mean is not None else "")
          + (f"; test set {ds.X_test.shape[1]} examples" if ds.X_test is not None else ""))
    print(f"network: {dims}, {' -> '.join(acts)}, loss {loss}, {dtype.name}")
    extras = [f"{args.schedule} schedule" if args.schedule != "constant" else "",
              f"warm-up {args.warmup}" if args.warmup else "", f"l2={args.l2:g}" if args.l2 else "",
              f"l1={args.l1:g}" if args.l1 else "", f"dropout {args.dropout:g}" if args.dropout else "",
              f"clip {args.clip:g}" if args.clip else "",
              f"validation {args.val_fraction:g}" if args.val_fraction else "",
              f"early stopping (patience {args.patience})" if args.early_stopping else ""]
    print(f"training: {optimizer} lr={lr:g}" + "".join(f" {e}" for e in extras if e)
          + f", {epochs} epochs, batches of {batch_size}, seed {args.seed}", flush=True)

    params = init_params(dims, seed=args.seed, init=args.init, dtype=dtype)
    if args.summary:
        summary(params, acts)
    metadata = dict(layer_dims=dims, activations=acts, loss=loss, dataset=ds.name)
    if ds.mean is not None:
        metadata.update(input_mean=ds.mean.ravel().tolist(), input_std=ds.std.ravel().tolist())
    metadata.update(ds.metadata or {})
    if args.schedule == "plateau":
        rate = _schedules.ReduceOnPlateau(lr, monitor="val_cost" if validation else "cost", patience=max(2, epochs // 20))
    elif args.schedule == "constant" and not args.warmup:
        rate = lr
    else:
        rate = SCHEDULES[args.schedule](lr, epochs, args.warmup)
    callbacks = [EarlyStopping("val_cost", patience=args.patience)] if args.early_stopping else []
    diagnostics = _cli_diagnose.watch(X, Y, acts, loss, params) if args.diagnose else None
    callbacks += [diagnostics] if diagnostics else []
    if args.clip:
        optimizer = clip_by_global_norm(optimizer, args.clip)
    finished: Dict[str, object] = {}  # the params and history of the last completed epoch

    def keep(epoch, epoch_params, history):
        finished.update(epoch=epoch, params=epoch_params, history=history)

    start = time.perf_counter()
    try:
        params, history = train(
            params, X, Y, acts, loss, epochs=epochs, batch_size=batch_size, lr=rate, optimizer=optimizer,
            seed=args.seed, l2=args.l2, l1=args.l1,
            keep_prob=1.0 - args.dropout, checkpoint=args.checkpoint, resume=args.resume,
            verbose=0 if args.quiet else 1, log_every=args.log_every or max(1, epochs // 10), callback=keep,
            callbacks=callbacks, **validation)
    except TrainingDiverged as err:  # the last finite params are kept in a fallback file
        print(f"error: {err}", file=sys.stderr)
        _rescue(err.params, dict(metadata, epochs=len(err.history["cost"]), history=err.history))
        if diagnostics:  # the epochs before it diverged
            _cli_diagnose.report(diagnostics, steps_per_epoch=-(-X.shape[1] // batch_size))
        return 1
    except OSError as err:  # the checkpoint could not be written or read: keep the last epoch's params
        print(f"error: checkpoint {args.checkpoint!r}: {err}", file=sys.stderr)
        if not finished:
            return 1
        _rescue(finished["params"], dict(metadata, epochs=finished["epoch"], history=finished["history"]))
        return 1
    except (ValueError, TypeError) as err:
        raise _Failure(str(err)) from None
    seconds = time.perf_counter() - start

    done = len(history["cost"])
    interrupted = bool(history.get("interrupted"))
    if interrupted:
        print(f"interrupted after {done} of {epochs} epochs")
    if "stopped" in history:
        print(f"{history['stopped']}; stopped after {done} of {epochs} epochs, "
              f"kept the params of epoch {history.get('best_epoch', done)}")
    AL = predict(params, X, acts)  # the training part only (without the held-out examples)
    if ds.n_classes:
        m_train = X.shape[1]
        right = int(np.count_nonzero(predict_labels(AL) == predict_labels(Y)))
        print(f"final training accuracy: {right / m_train:.4f} ({right}/{m_train})")
        if args.val_fraction is not None:
            print(f"validation accuracy: {accuracy(predict(params, validation['X_val'], acts), validation['Y_val']):.4f}")
        if ds.X_test is not None:
            acc = accuracy(predict(params, ds.X_test, acts), ds.labels_test)
            print(f"test accuracy: {acc:.4f}")
    else:
        first = history["cost"][0] if history["cost"] else float("nan")
        print(f"final training cost ({loss}): {cost(AL, Y, loss):.6g} (first epoch's mean: {first:.6g})")
    print(f"time: {seconds:.1f} s")
    if diagnostics:
        _cli_diagnose.report(diagnostics, steps_per_epoch=-(-X.shape[1] // batch_size))

    metadata.update(epochs=done, history=history)
    saved = failed = False
    if args.save:
        try:
            path = _io.save_params(args.save, params, **metadata)
            print(f"saved params to {path}")
            saved = True
        except (OSError, ValueError) as err:
            print(f"error: could not save the params to {args.save!r}: {err}", file=sys.stderr)
            failed = True
    if args.plot:
        try:
            _plot(args.plot, history, params, acts, ds,
                  "validation cost" if args.val_fraction is not None else "test cost")
            print(f"saved plot to {args.plot}")
        except Exception as err:  # whatever matplotlib raises, the trained params are kept below
            print(f"error: could not write the plot {args.plot!r}: {type(err).__name__}: {err}", file=sys.stderr)
            failed = True
    if failed and not saved:
        _rescue(params, metadata)
    if interrupted:
        return INTERRUPTED
    return 1 if failed else 0


def _rescue(params, metadata) -> Optional[str]:
    """Save ``params`` to a new file in the working directory (else the temporary directory)
    and say where on stderr; returns the path, or None when no place would take it."""
    for directory in (os.getcwd(), tempfile.gettempdir()):
        try:  # a fresh name that no other run takes, then the file saved onto it
            fd, path = tempfile.mkstemp(prefix="fnnet-rescued-", suffix=".npz", dir=directory)
        except OSError:
            continue
        os.close(fd)
        try:
            _io.save_params(path, params, **metadata)
        except (OSError, ValueError):
            os.unlink(path)
            continue
        print(f"saved the trained params to the fallback file {path}", file=sys.stderr)
        return path
    print("error: could not save the trained params anywhere (working or temporary directory)", file=sys.stderr)
    return None


def _plot(path: str, history: dict, params, acts, ds: _Dataset, val_label: str) -> None:
    """Cost per epoch (``val_label`` names the curve of ``history["val_cost"]``), and for 2-D
    classification data the decision regions with the points (drawn by :mod:`fnnet.plot`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plot

    regions = ds.X.shape[0] == 2 and ds.n_classes > 0
    fig, axes = plt.subplots(1, 2 if regions else 1, figsize=(11 if regions else 5.5, 4.5), squeeze=False)
    try:
        ax = plot.training_curves(history, ax=axes[0, 0], label="training cost", val_label=val_label)
        ax.set_title(f"{ds.name}: cost per epoch")
        if regions:
            plot.decision_boundary(params, ds.X, ds.labels, acts, ax=axes[0, 1], resolution=300).set_aspect("equal")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
