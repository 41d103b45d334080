"""The training loop: shuffled mini-batches through ``forward``, ``cost``, ``backward`` and an optimizer.

One epoch, written with the public functions only::

    perm = rng.permutation(m)                      # from np.random.default_rng(seed)
    for each batch of columns B of the shuffled data:
        AL, cache = forward(params, X_B, activations)
        J = cost(AL, Y_B, loss)
        grads = backward(params, cache, Y_B, loss)
        params, state = update(params, grads, state, lr=lr, ...)

The shuffled copy of the data is made once per epoch, stored so that every batch
``X[:, i:j]`` is one contiguous block of memory (BLAS reads it without a copy). ``X`` and
``Y`` are validated once, before the first epoch; inside the loop ``cost`` is the loss's own
``Loss.cost`` and the accuracy count the labels rule of ``predict_labels``, the same numbers
without checking the same arrays again on every batch.
"""

from __future__ import annotations

import inspect
import math
import os
import sys
import time
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import io as _io
from ._validation import make_rng, as_matrix, check_count, check_like, check_lr, check_nonneg, check_params
from .activations import Activation, resolve_activations
from .io import _npz_path
from .losses import Loss, check_targets, get_loss
from .metrics import predict, predict_labels
from .network import backward_pass, forward_pass
from .optim import Optimizer, get_optimizer

__all__ = ["train", "TrainingDiverged"]

Params = Dict[str, np.ndarray]

#: With ``verbose=1``, progress lines start once training has run this many seconds ...
QUIET_SECONDS = 2.0
#: ... and then come at most once per this many seconds (and at the last epoch).
LINE_SECONDS = 1.0


class TrainingDiverged(FloatingPointError):
    """The cost or the parameters stopped being finite; nothing computed so far is lost.

    Raised by :func:`train` (a ``FloatingPointError``, so ``except FloatingPointError`` catches it).

    Parameters
    ----------
    message : str
        Where it happened and what to try (a lower learning rate).
    params : dict of ndarray
        The last parameters that were all finite (before the failing step): ``W{l}`` of shape
        ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``, in the training dtype.
    history : dict of lists
        The per-epoch history of the completed epochs (as :func:`train` returns it).
    epoch, batch : int
        Where it happened (both counted from 1).

    Attributes
    ----------
    params, history, epoch, batch
        The arguments above, unchanged.
    """

    def __init__(self, message: str, params: Params, history: dict, epoch: int, batch: int) -> None:
        super().__init__(message)
        self.params = params
        self.history = history
        self.epoch = epoch
        self.batch = batch


def _all_finite(params: Mapping[str, np.ndarray]) -> bool:
    for p in params.values():
        if not np.isfinite(p).all():
            return False
    return True


class _Progress:
    """Per-epoch lines on stderr (epoch, cost, metrics, elapsed time, ETA), or a tqdm bar.

    The bar replaces the throttled lines of ``verbose=1`` when tqdm is installed and stderr
    is a terminal; it too appears only after ``QUIET_SECONDS``.
    """

    def __init__(self, verbose: int, log_every: Optional[int], first: int, epochs: int, stream=None) -> None:
        self.verbose, self.log_every = verbose, log_every
        self.first, self.epochs = first, epochs
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.last_line = None
        self.bar = None
        if verbose == 1 and log_every is None and first < epochs and _isatty(self.stream):
            self.bar = _tqdm_bar(first, epochs, self.stream)

    def __call__(self, epoch: int, history: dict) -> None:
        if self.verbose <= 0:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(_metrics_text(history), refresh=False)
            self.bar.update(1)
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if self.log_every is not None:
            due = epoch % self.log_every == 0 or epoch in (self.first + 1, self.epochs)
        elif self.verbose >= 2:
            due = True
        else:
            due = elapsed >= QUIET_SECONDS and (
                self.last_line is None or now - self.last_line >= LINE_SECONDS or epoch == self.epochs)
        if not due:
            return
        self.last_line = now
        eta = elapsed / (epoch - self.first) * (self.epochs - epoch)
        width = len(str(self.epochs))
        print(f"epoch {epoch:>{width}}/{self.epochs}  {_metrics_text(history)}  {elapsed:.1f}s  ETA {eta:.1f}s",
              file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _metrics_text(history: dict) -> str:
    parts = []
    for key, label in (("cost", "cost"), ("accuracy", "acc"), ("val_cost", "val_cost"), ("val_accuracy", "val_acc")):
        if key in history:
            parts.append(f"{label} {history[key][-1]:.4f}")
    return "  ".join(parts)


def _isatty(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _tqdm_bar(first: int, epochs: int, stream):
    """A tqdm bar over the epochs, or None when tqdm is not installed (it is optional)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=epochs, initial=first, unit="epoch", file=stream, delay=QUIET_SECONDS, dynamic_ncols=True)


def _new_history(classify: bool, validate: bool) -> Dict[str, List[float]]:
    keys = ["cost"] + (["accuracy"] if classify else [])
    if validate:
        keys += ["val_cost"] + (["val_accuracy"] if classify else [])
    return {key: [] for key in keys}


def train(params: Mapping[str, np.ndarray], X, Y, activations: Sequence[Union[str, Activation]],
          loss: Union[str, Loss], *, epochs: int, batch_size: int, lr: float,
          optimizer="sgd", seed: Optional[int] = None, X_val=None, Y_val=None,
          weight_decay: float = 0.0, optimizer_options: Optional[Mapping] = None,
          checkpoint: Optional[Union[str, os.PathLike]] = None, resume: bool = False,
          verbose: int = 1, log_every: Optional[int] = None,
          callback: Optional[Callable[[int, Params, dict], None]] = None) -> Tuple[Params, dict]:
    """Train with shuffled mini-batches; return the new params and a per-epoch history.

    Parameters
    ----------
    params : dict
        Initial ``W1, b1, ..., WL, bL`` (never modified; float32 or float64 decides the dtype).
    X : array_like, shape (n0, m)
        Training inputs, one example per column.
    Y : array_like, shape (n_L, m)
        Targets as the loss wants them (``fnnet.one_hot(labels, k)`` for ``cce``).
    activations : sequence of str or Activation, length L
    loss : {"mse", "bce", "cce"}
    epochs : int
        Total number of passes over the data (with ``resume``, counted from the first run).
    batch_size : int
        Examples per batch (``m`` or more: full-batch). The last, shorter batch of an epoch is
        used, not dropped.
    lr : float
        Learning rate.
    optimizer : str or (init, update) pair, default "sgd"
        A name in ``fnnet.OPTIMIZERS`` (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``),
        or a pair of your own: ``state = init(params)`` and
        ``params, state = update(params, grads, state, lr=lr, **optimizer_options)``, which
        also gets ``weight_decay=`` when it is non-zero.
    seed : int, optional
        Seeds ``numpy.random.default_rng`` for the shuffles: same seed, same result, bit for bit.
    X_val, Y_val : array_like, shapes (n0, m_val) and (n_L, m_val), optional
        Validation data, evaluated after every epoch.
    weight_decay : float, default 0.0
        L2 coefficient on the weights (not the biases), passed to the optimizer.
    optimizer_options : dict, optional
        More keyword arguments for the update, e.g. ``{"beta": 0.95}`` or ``{"beta2": 0.99}``;
        checked against the update's signature before training (not ``lr``/``weight_decay``,
        which are train's own arguments).
    checkpoint : path, optional
        Written after every epoch (atomically): params, optimizer state, epoch, history and
        the random generator's state.
    resume : bool, default False
        Continue from ``checkpoint`` if that file exists (its params replace ``params``), so
        the run ends bit-identical to one never interrupted; start afresh if it does not.
    verbose : int, default 1
        0: silent. 1: progress lines on stderr once the run has taken more than
        ``QUIET_SECONDS`` (short runs print nothing), then at most one per ``LINE_SECONDS``
        (epochs in between are skipped), and one for the last epoch.
        2: a line every epoch. With ``verbose=1``, when tqdm is installed and stderr is a
        terminal, a progress bar (also delayed by ``QUIET_SECONDS``) replaces the lines.
    log_every : int, optional
        With ``verbose > 0``: a line every ``log_every`` epochs (and the first and last) instead.
    callback : callable, optional
        ``callback(epoch, params, history)`` after every epoch.

    Returns
    -------
    params : dict
        The trained parameters, new arrays, same keys, shapes and dtype.
    history : dict of lists
        One float per epoch: ``"cost"``, the mean over the epoch's batches of each batch's
        cost (computed before that batch's update), weighted by batch size; for ``bce``/``cce``
        also ``"accuracy"``, measured the same way on the batches; with validation data
        ``"val_cost"`` (and ``"val_accuracy"``) of the params at the end of the epoch.
        After Ctrl-C, ``history["interrupted"] = True``.

        Accuracy is that of :func:`fnnet.predict_labels`: ``a >= 0.5`` for one output unit,
        the row of the largest output for several. For ``bce`` with several output units
        (multi-label targets) that argmax compares the most likely label only, which says
        little about the other labels: compute your own metric from ``fnnet.predict`` there.

    Raises
    ------
    TrainingDiverged
        When a cost or a parameter becomes NaN or inf; it carries ``.params`` (the last finite
        ones) and ``.history``.
    TypeError, ValueError
        Before any arithmetic, for a bad argument (named in the message), e.g. an optimizer
        option the update does not take, or a checkpoint to resume from that was written by
        another kind of run (another loss, validation data or not, another optimizer).

    Notes
    -----
    Ctrl-C (``KeyboardInterrupt``) during training returns the params of the last completed
    step and the history of the completed epochs instead of raising.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]]); Y = np.array([[0, 1, 1, 0]])
    >>> params = fnnet.init_params([2, 8, 1], seed=0)
    >>> params, history = fnnet.train(params, X, Y, ["tanh", "sigmoid"], "bce", epochs=300,
    ...                               batch_size=4, lr=0.05, optimizer="adam", seed=0)
    >>> history["accuracy"][-1]
    1.0
    """
    # --- validate everything once, before any arithmetic --------------------------------
    L, dtype = check_params(params)
    acts = resolve_activations(activations, L)
    loss = get_loss(loss)
    opt = get_optimizer(optimizer)
    epochs = check_count(epochs, "epochs")
    batch_size = check_count(batch_size, "batch_size")
    lr = check_lr(lr)
    weight_decay = check_nonneg(weight_decay, "weight_decay")
    # keyword arguments of every update: weight_decay only when used, so an (init, update)
    # pair of the user's need not take it
    update_kwargs = dict(_optimizer_options(optimizer_options, opt), lr=lr)
    if weight_decay:
        update_kwargs["weight_decay"] = weight_decay
    _check_update_signature(opt, update_kwargs)
    fresh_rng = make_rng(seed, None)
    if not isinstance(verbose, (int, np.integer)):
        raise TypeError(f"verbose must be an int (0, 1 or 2), got {type(verbose).__name__}")
    if log_every is not None:
        log_every = check_count(log_every, "log_every")
    n_in, n_out = params["W1"].shape[1], params[f"W{L}"].shape[0]
    X = as_matrix(X, "X", dtype, rows=n_in, what="params['W1'] (layer 1)")
    m = X.shape[1]
    Y = _targets(Y, (n_out, m), dtype, loss, "Y")
    if (X_val is None) != (Y_val is None):
        raise ValueError("give both X_val and Y_val, or neither")
    validate = X_val is not None
    if validate:
        X_val = as_matrix(X_val, "X_val", dtype, rows=n_in, what="params['W1'] (layer 1)")
        Y_val = _targets(Y_val, (n_out, X_val.shape[1]), dtype, loss, "Y_val")
    classify = loss.classifies
    val_labels = predict_labels(Y_val) if validate and classify else None
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint=path (the file to resume from)")
    opt_name = optimizer if isinstance(optimizer, str) else None

    # --- fresh start or resume ------------------------------------------------------------
    start = 0
    history = _new_history(classify, validate)
    if resume and os.path.exists(_npz_path(checkpoint)):
        params, opt_state, start, history, rng = _load(checkpoint, params, opt_name, history)
    else:
        params = dict(params)
        opt_state = opt.init(params)
        rng = fresh_rng

    # Examples as C-ordered rows: a batch of rows i:j is contiguous, its .T is (n, j - i).
    XT, YT = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    X_epoch, Y_epoch = np.empty_like(XT), np.empty_like(YT)
    labels = predict_labels(Y) if classify else None
    one_unit = n_out == 1  # a classifier's label: a >= 0.5 for one unit, else the row of the largest
    loss_cost, update = loss.cost, opt.update  # on arrays validated above: no re-checks per batch
    progress = _Progress(verbose, log_every, start, epochs)

    try:
        for epoch in range(start + 1, epochs + 1):
            perm = rng.permutation(m)
            np.take(XT, perm, axis=0, out=X_epoch)
            np.take(YT, perm, axis=0, out=Y_epoch)
            epoch_labels = labels[perm] if classify else None
            total_cost, correct = 0.0, 0
            for batch, i in enumerate(range(0, m, batch_size), start=1):
                j = min(i + batch_size, m)
                Xb, Yb = X_epoch[i:j].T, Y_epoch[i:j].T
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    AL, cache = forward_pass(params, Xb, acts)
                    J = loss_cost(AL, Yb)  # = cost(AL, Yb, loss): Yb is a slice of the checked Y
                    if not math.isfinite(J):
                        raise _diverged(f"the cost is {J}", params, history, epoch, batch, lr)
                    grads, _ = backward_pass(params, cache, Yb, loss)
                    new_params, new_state = update(params, grads, opt_state, **update_kwargs)
                    if not _all_finite(new_params):
                        raise _diverged("a parameter became NaN or inf", params, history, epoch, batch, lr)
                params, opt_state = new_params, new_state
                total_cost += J * (j - i)
                if classify:  # = predict_labels(AL) == labels, without re-checking AL
                    predicted = AL[0] >= 0.5 if one_unit else np.argmax(AL, axis=0)
                    correct += int(np.count_nonzero(predicted == epoch_labels[i:j]))

            history["cost"].append(total_cost / m)
            if classify:
                history["accuracy"].append(correct / m)
            if validate:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    AL_val = predict(params, X_val, acts)
                    history["val_cost"].append(loss_cost(AL_val, Y_val))
                if classify:
                    predicted = AL_val[0] >= 0.5 if one_unit else np.argmax(AL_val, axis=0)
                    history["val_accuracy"].append(int(np.count_nonzero(predicted == val_labels)) / X_val.shape[1])
            if checkpoint is not None:
                _save(checkpoint, params, opt_state, epoch, history, rng, opt_name)
            progress(epoch, history)
            if callback is not None:
                callback(epoch, params, history)
    except KeyboardInterrupt:
        progress.close()
        history["interrupted"] = True
        if verbose > 0:
            done = len(history["cost"])
            print(f"interrupted: returning the params and history after {done} epoch(s)"
                  + (f"; resume from {os.fspath(checkpoint)!r} with resume=True" if checkpoint is not None else ""),
                  file=sys.stderr, flush=True)
    finally:
        progress.close()
    return params, history


def _targets(Y, shape, dtype, loss: Loss, name: str) -> np.ndarray:
    return loss.check_targets(Y, shape, dtype, name)


def _optimizer_options(options, opt: Optimizer) -> dict:
    """``optimizer_options`` as a new dict, without the keys :func:`train` passes itself."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(f"optimizer_options must be a dict of keyword arguments, got {type(options).__name__}")
    for key in options:
        if not isinstance(key, str):
            raise TypeError(f"optimizer_options keys must be str, got {key!r}")
        if key in ("lr", "weight_decay"):
            raise ValueError(f"optimizer_options must not hold {key!r}: pass {key}= to train itself")
    return dict(options)


def _check_update_signature(opt: Optimizer, kwargs: Mapping) -> None:
    """The update takes ``(params, grads, state, **kwargs)``; checked before any training step."""
    try:
        signature = inspect.signature(opt.update)
    except (TypeError, ValueError):  # a callable without a readable signature: the first step will tell
        return
    try:
        signature.bind(None, None, None, **kwargs)
    except TypeError as err:
        options = [name for name, p in list(signature.parameters.items())[3:]
                   if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name not in ("lr", "weight_decay")]
        raise TypeError(
            f"the optimizer's update{_name(opt.update)} cannot take the keyword arguments {sorted(kwargs)}: "
            f"{err}. Its optimizer_options are: {', '.join(options) or 'none'} (train passes lr always "
            "and weight_decay when it is non-zero)"
        ) from None


def _name(function) -> str:
    name = getattr(function, "__name__", None) or getattr(getattr(function, "func", None), "__name__", None)
    return f" {name}" if name else ""


def _diverged(what: str, params: Params, history: dict, epoch: int, batch: int, lr: float) -> TrainingDiverged:
    return TrainingDiverged(
        f"training diverged in epoch {epoch}, batch {batch}: {what}. Try a lower learning rate "
        f"(lr={lr:g} now, e.g. lr={lr / 10:g}); the exception's .params hold the last finite "
        "parameters and .history the completed epochs",
        params, history, epoch, batch,
    )


def _save(path, params, opt_state, epoch, history, rng, opt_name) -> None:
    _io.save_checkpoint(path, params, {"optimizer": opt_state, "epoch": epoch},
                    epoch=epoch, optimizer=opt_name, history=history,
                    rng_state=rng.bit_generator.state)


def _load(path, params, opt_name, history):
    saved, state, meta = _io.load_checkpoint(path)
    check_params(saved, "checkpoint params")
    check_like(params, saved, f"the params in checkpoint {os.fspath(path)!r}")
    first = next(iter(params.values()))
    if next(iter(saved.values())).dtype != first.dtype:
        raise ValueError(f"checkpoint {os.fspath(path)!r} holds {next(iter(saved.values())).dtype} params, "
                         f"but params are {first.dtype}")
    if meta.get("optimizer") != opt_name:
        raise ValueError(f"checkpoint {os.fspath(path)!r} was written by optimizer {meta.get('optimizer')!r}, "
                         f"not {opt_name!r}; resume with the same optimizer")
    for key in ("rng_state", "history"):
        if key not in meta:
            raise ValueError(f"checkpoint {os.fspath(path)!r} has no {key!r} in its metadata: it was not "
                             "written by fnnet.train, which cannot resume from it")
    saved_keys, keys = set(meta["history"]), set(history)
    if saved_keys != keys:
        missing, extra = sorted(keys - saved_keys), sorted(saved_keys - keys)
        raise ValueError(
            f"checkpoint {os.fspath(path)!r} recorded history {sorted(saved_keys)}, but this run records "
            f"{sorted(keys)} (missing {missing}, unexpected {extra}): resume with the same loss and with "
            "validation data (X_val, Y_val) exactly when the checkpointed run had them"
        )
    rng = np.random.default_rng()
    rng.bit_generator.state = meta["rng_state"]
    history = {key: list(values) for key, values in meta["history"].items()}
    return dict(saved), state["optimizer"], int(state["epoch"]), history, rng

