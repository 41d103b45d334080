"""The training loop: shuffled mini-batches through ``forward``, ``backward`` and an optimizer.

The loop :func:`train` runs, written with the public functions::

    rng = np.random.default_rng(seed)
    state = init(params)
    for epoch in range(1, epochs + 1):
        for Xb, Yb in fnnet.batches(X, Y, batch_size, rng):
            AL, cache = fnnet.forward(params, Xb, activations)
            grads = fnnet.backward(params, cache, Yb, loss)
            params, state = update(params, grads, state, lr=lr)

``train`` validates everything once, before the first epoch, then runs per batch the same
unchecked ``forward_pass``/``backward_pass`` that ``forward`` and ``backward`` run after their
checks, on a workspace it allocates once (``fnnet._workspace``): activations, deltas and
gradients are written over the same arrays batch after batch. With a built-in optimizer the
params and the optimizer state are train's own copies too, updated in place by the same rule
the public update runs (``fnnet.optim.InPlaceUpdate``); a user's ``(init, update)`` pair gets
new gradient arrays every batch and returns new params, as it would in the loop above. Around
the loop it keeps the history, checkpoints, progress, Ctrl-C and divergence.
"""

from __future__ import annotations

import inspect
import math
import os
import sys
import warnings
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import io as _io
from ._kernels import all_finite
from ._progress import Progress
from ._validation import (as_matrix, check_count, check_like, check_lr, check_nonneg, check_params,
                          make_rng, normalised_weights)
from .callbacks import Stop
from .activations import Activation, resolve_activations
from .losses import Loss, get_loss
from .metrics import labels_of
from .network import backward_pass, forward_pass
from ._resume import Checkpoints, data_hash, describe, option_value, schedule_value
from ._workspace import Grouped, Workspace
from .optim import OPTIMIZERS, InPlaceUpdate, Optimizer, get_optimizer
from .schedules import _Schedule
from .regularization import check_penalty, keep_probs, penalty

__all__ = ["train", "batches", "TrainingDiverged"]

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


def batches(X, Y, batch_size: int, rng: np.random.Generator) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
    """One epoch of shuffled mini-batches, each one contiguous block of memory.

    Parameters
    ----------
    X : ndarray, shape (n0, m)
        Inputs, one example per column.
    Y : ndarray, shape (n_L, m)
        Targets, one example per column.
    batch_size : int
        Examples per batch; the last batch holds the ``m % batch_size`` left over (if any).
    rng : numpy.random.Generator
        Draws the epoch's order (one ``rng.permutation(m)``).

    Yields
    ------
    Xb : ndarray, shape (n0, b)
    Yb : ndarray, shape (n_L, b)
        The columns of the shuffled data, ``b = batch_size`` (less for the last batch);
        Fortran-ordered, so that BLAS reads them without a copy.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> X, Y = np.arange(10.0).reshape(2, 5), np.arange(5.0).reshape(1, 5)
    >>> [Xb.shape for Xb, Yb in fnnet.batches(X, Y, 2, np.random.default_rng(0))]
    [(2, 2), (2, 2), (2, 1)]
    """
    X, Y = as_matrix(X, "X", np.asarray(X).dtype), as_matrix(Y, "Y", np.asarray(Y).dtype)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X has {X.shape[1]} examples (columns) but Y has {Y.shape[1]}")
    batch_size = check_count(batch_size, "batch_size")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    yield from _batches_of_rows(batch_size, rng, np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T))


def _batches_of_rows(batch_size: int, rng: np.random.Generator, *arrays: Optional[np.ndarray],
                     into: Optional[Sequence[Optional[np.ndarray]]] = None):
    """:func:`batches` of arrays stored as C-ordered rows, one example a row: a shuffled copy
    of the rows, so that rows ``i:j`` are one block of memory, yielded transposed (a None
    array yields None). ``into``: arrays of the same shapes to shuffle into (train reuses its
    own from epoch to epoch: a fresh copy of a large data set costs page faults every epoch)."""
    order = rng.permutation(arrays[0].shape[0])
    into = into or [None] * len(arrays)
    arrays = [None if a is None else np.take(a, order, axis=0, out=out) for a, out in zip(arrays, into)]
    for i in range(0, len(order), batch_size):
        yield tuple(None if a is None else a[i:i + batch_size].T for a in arrays)


def train(params: Mapping[str, np.ndarray], X, Y, activations: Sequence[Union[str, Activation]],
          loss: Union[str, Loss], *, epochs: int, batch_size: int, lr: Union[float, Callable],
          optimizer="sgd", seed: Optional[int] = None, X_val=None, Y_val=None,
          l2: float = 0.0, l1: float = 0.0, keep_prob: Union[float, Sequence[float]] = 1.0,
          optimizer_options: Optional[Mapping] = None,
          checkpoint: Optional[Union[str, os.PathLike]] = None, resume: bool = False,
          verbose: int = 1, log_every: Optional[int] = None,
          callback: Optional[Callable] = None, callbacks: Sequence[Callable] = (), sample_weight=None,
          class_weight=None) -> Tuple[Params, dict]:
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
    loss : {"mse", "bce", "cce"} or Loss
    epochs : int
        Total number of passes over the data (with ``resume``, counted from the first run).
    batch_size : int
        Examples per batch (``m`` or more: full-batch). The last, shorter batch of an epoch is
        used, not dropped.
    lr : float or schedule
        The learning rate, or a schedule giving it per epoch: ``lr(epoch)`` (epoch 0 first),
        e.g. ``fnnet.inverse_time_decay(0.1, 0.5)``, or ``lr(epoch, history)`` such as
        ``fnnet.ReduceOnPlateau(0.1)`` (a second parameter with a default is the schedule's
        own: it gets the epoch alone). A schedule may reach 0; one made for another number of
        epochs (``cosine_decay``) is warned about. ``history["lr"]`` records the rate of every epoch.
    optimizer : str or (init, update) pair, default "sgd"
        A name in ``fnnet.OPTIMIZERS``, or a pair of your own: ``state = init(params)`` and
        ``params, state = update(params, grads, state, lr=lr, **optimizer_options)``.
    seed : int, optional
        Seeds ``numpy.random.default_rng`` for the shuffles: same seed, same result, bit for
        bit (on the same machine and BLAS kernel).
    X_val, Y_val : array_like, shapes (n0, m_val) and (n_L, m_val), optional
        Validation data, evaluated after every epoch.
    l2, l1 : float, default 0.0
        The penalty ``(l2 / 2) * sum ||W||^2 + l1 * sum |W|`` on the weights (not the
        biases), in the cost that is reported and in its gradient (see :func:`fnnet.penalty`).
    keep_prob : float or sequence of float, default 1.0
        Inverted dropout on the hidden layers during training (see :func:`fnnet.forward`);
        the masks come from the run's generator, so a seed reproduces them.
    optimizer_options : dict, optional
        More keyword arguments for the update, e.g. ``{"beta": 0.95}``; checked against the
        update's signature before training (not ``lr``, train's own argument).
    checkpoint : path, optional
        Written atomically (see ``fnnet._resume``): params, optimizer state, epoch, history, the
        random generator's state, the state of callbacks that have one (``state_dict``) and the
        run's configuration; after the first and last epochs and a callback's stop, and in
        between once the training since the last write took 10 times as long as that write.
    resume : bool, default False
        Continue from ``checkpoint`` if that file exists (its params replace ``params``), so
        the run ends bit-identical to one never interrupted; start afresh if it does not. A
        run a callback ended is not trained on: its params and history are returned. A
        checkpoint of another configuration (layer sizes, activations, loss, optimizer, its
        clipping and options, lr or schedule, batch size, penalties, dropout, seed, training and
        validation data) is refused, each difference listed.
    verbose : int, default 1
        0: silent. 1: progress lines on stderr once the run has taken more than
        ``QUIET_SECONDS`` (short runs print nothing), then at most one per ``LINE_SECONDS``,
        and one for the last epoch; a tqdm bar instead when tqdm is installed and stderr is a
        terminal. 2: a line every epoch.
    log_every : int, optional
        With ``verbose > 0``: a line every ``log_every`` epochs (and the first and last) instead.
    callback : callable, optional
        ``callback(epoch, params, history)`` after every epoch; it returns None, or a
        :class:`fnnet.Stop` to end training there (anything else is a TypeError: ``True`` is
        not a signal). A Stop whose params do not mirror the run's is warned about, and the
        run's own params are returned.
    callbacks : sequence of callables, optional
        More of them, called in order after ``callback``: e.g. ``[fnnet.EarlyStopping()]``
        (None: none).
    sample_weight : array_like, shape (m,), optional
        Non-negative weights per training example: each batch's cost and gradient are the
        weighted mean over its examples (see :func:`fnnet.cost`), and ``history["cost"]``
        the weighted mean over the epoch. All ones give the unweighted numbers exactly.
    class_weight : dict or "balanced", optional
        For classifying losses: a weight per class label (``{0: 1.0, 1: 5.0}``), or
        ``"balanced"``, ``m / (k * count of the class)`` as in scikit-learn; multiplies
        ``sample_weight`` when both are given. Accuracies stay unweighted.

    Returns
    -------
    params : dict
        The trained parameters, same keys, shapes and dtype: arrays train made (with a built-in
        optimizer, views of the one block of memory it trained in), never those passed in.
    history : dict of lists
        One float per epoch: ``"cost"``, the mean over the epoch's batches of each batch's
        cost (computed before that batch's update, from the logits for a loss's natural output
        as ``gradcheck`` does, with the penalty, if any; then ``"data_cost"`` holds the cost
        without it), weighted by batch size; ``"lr"``; for classifying losses (``bce``,
        ``cce``), and any loss on one-hot (or 0/1) targets, also ``"accuracy"``, measured the
        same way on the batches;
        with validation data ``"val_cost"`` (and ``"val_accuracy"``) of the params at the end
        of the epoch (without the penalty). After Ctrl-C, ``history["interrupted"] = True``;
        after a callback's :class:`fnnet.Stop`, ``history["stopped"]`` is its reason (and
        ``history["best_epoch"]`` the best epoch, when it names one).

        Accuracy is that of :func:`fnnet.predict_labels`: ``a >= 0.5`` for one output unit,
        the row of the largest output for several. For ``bce`` with several output units
        (multi-label targets) that compares the most likely label only: compute your own
        metric from ``fnnet.predict`` there.

    Raises
    ------
    TrainingDiverged
        When a cost or a parameter becomes NaN or inf; it carries ``.params`` (the last finite
        ones) and ``.history``.
    TypeError, ValueError
        Before any arithmetic, for a bad argument (named in the message), or a checkpoint to
        resume from that was written by another configuration.

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
    run = _Run(params, X, Y, activations, loss, epochs=epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
               seed=seed, X_val=X_val, Y_val=Y_val, l2=l2, l1=l1, keep_prob=keep_prob,
               optimizer_options=optimizer_options, checkpoint=checkpoint, resume=resume, verbose=verbose,
               log_every=log_every, callbacks=([callback] if callback is not None else []) + _callbacks(callbacks),
               sample_weight=sample_weight, class_weight=class_weight)
    state = run.start(params)
    progress = run.progress(state.epoch)
    try:
        for epoch in run.epochs_left(state):
            lr = run.rate(epoch, state.history)
            cost = data_cost = correct = 0.0  # sums over the epoch's (weighted) examples
            for batch, (Xb, Yb, wb, labels) in enumerate(run.batches(state.rng), start=1):
                c, weight = run.column_factors(wb, Xb.shape[1])
                buffers = state.work.at(Xb.shape[1])
                AL, cache = run.forward(state, Xb, buffers, epoch, batch)
                J, J_data = run.cost(AL, Yb, state.params, c, buffers.Z[-1])
                correct += run.correct(AL, labels)
                grads, _ = backward_pass(state.params, cache, Yb, run.loss, l2=run.l2, l1=run.l1, c=c, work=buffers)
                state.step(run, grads, lr, epoch, batch, J)
                cost, data_cost = cost + J * weight, data_cost + J_data * weight
            run.record_epoch(state, epoch, lr, cost, data_cost, correct)
            progress.update(1, lambda: _metrics_text(state.history))
            if run.end_epoch(state, epoch):  # the callbacks, then the checkpoint
                break
    except KeyboardInterrupt:
        run.interrupted(state)
    finally:
        progress.close()
    return state.final(), state.history


class _State:
    """What a run has made so far, updated after every step, so Ctrl-C loses none of it.

    This one runs a user's update: new params every step, new gradient arrays every batch
    (``grads`` is None: the update may keep the ones it is given). ``work`` is the run's
    :class:`fnnet._workspace.Workspace`.
    """

    grads: Optional[Params] = None
    work: Workspace
    finished = False  # resumed from the checkpoint of a run a callback ended

    def __init__(self, params: Params, opt_state, history: Dict[str, List[float]], epoch: int,
                 rng: np.random.Generator) -> None:
        self.params, self.opt_state, self.history, self.epoch, self.rng = params, opt_state, history, epoch, rng

    def snapshot(self) -> Params:
        """The current params, as arrays nothing in the run writes to."""
        return dict(self.params)

    def final(self) -> Params:
        """The params :func:`train` returns."""
        return dict(self.params)

    def replace(self, params: Mapping[str, np.ndarray]) -> None:
        """Continue from (end with) ``params`` instead (a callback's :class:`Stop`)."""
        self.params = dict(params)

    def step(self, run: "_Run", grads: Params, lr: float, epoch: int, batch: int, J: float) -> None:
        """One optimizer step, unless the cost or the new params are no longer finite."""
        if not math.isfinite(J):
            raise run.diverged(f"the cost is {J}", self, epoch, batch)
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # a user's update may overflow: checked below
                params, opt_state = run.update(self.params, grads, self.opt_state, lr=lr, **run.options)
        except (ValueError, FloatingPointError) as err:  # the built-ins name an overflow or a NaN/inf
            raise run.diverged(f"the update failed ({err})", self, epoch, batch) from None
        if not all_finite(*params.values()):
            raise run.diverged("a parameter became NaN or inf", self, epoch, batch)
        self.params, self.opt_state = params, opt_state


class _OwnedState(_State):
    """A run of a built-in optimizer: params, gradients and optimizer state are arrays train
    made (:class:`fnnet._workspace.Grouped`), and each step updates them in place.

    The update writes the new params over the gradients; they are checked, then copied over
    the params in one call. A step that fails, or Ctrl-C anywhere in it, leaves the params of
    the last completed step.
    """

    def __init__(self, params: Params, opt_state, history: Dict[str, List[float]], epoch: int,
                 rng: np.random.Generator, update: InPlaceUpdate) -> None:
        update.check_state(params, opt_state)  # a user's init, or a checkpoint's state
        self.store, self.grad_store = Grouped(params, params), Grouped(params)
        slots = {slot: Grouped(params, opt_state[slot]) for slot in update.method.slots}
        steps = {"t": opt_state["t"]} if update.method.counts_steps else {}
        super().__init__(self.store.views, {**{k: g.views for k, g in slots.items()}, **steps}, history, epoch, rng)
        self.grads = self.grad_store.views
        self.update, self.flat_state = update, {**{k: g.flat for k, g in slots.items()}, **steps}

    def step(self, run: "_Run", grads: Params, lr: float, epoch: int, batch: int, J: float) -> None:
        """One in-place optimizer step, unless the cost or the new params are no longer finite."""
        if not math.isfinite(J):
            raise run.diverged(f"the cost is {J}", self, epoch, batch)
        new = self.grad_store  # the update writes the new params here
        try:
            flat_state = self.update(self.store.flat, new.flat, self.flat_state, lr)
        except ValueError as err:  # an overflow, named
            raise run.diverged(f"the update failed ({err})", self, epoch, batch) from None
        if not all_finite(new.whole):
            raise run.diverged("a parameter became NaN or inf", self, epoch, batch)
        np.copyto(self.store.whole, new.whole)  # one call: Ctrl-C lands before it or after it
        self.flat_state = flat_state
        if "t" in flat_state:
            self.opt_state["t"] = flat_state["t"]

    def snapshot(self) -> Params:
        return self.store.copies()

    def final(self) -> Params:
        return dict(self.store.views)  # views of the one array train made: returned, not copied

    def replace(self, params: Mapping[str, np.ndarray]) -> None:
        np.copyto(self.store.whole, Grouped(self.params, params).whole)  # one call, as a step commits


class _Run:
    """A training run's arguments, each validated once, and what it does around the loop."""

    def __init__(self, params, X, Y, activations, loss, *, epochs, batch_size, lr, optimizer, seed, X_val, Y_val,
                 l2, l1, keep_prob, optimizer_options, checkpoint, resume, verbose, log_every, callbacks,
                 sample_weight, class_weight) -> None:
        L, dtype = check_params(params)
        self.acts = resolve_activations(activations, L)
        self.loss = get_loss(loss)
        self.logits = self.loss.uses_logits(self.acts[-1])  # the cost from the output's Z: exact at any logit
        self.opt = get_optimizer(optimizer)
        self.epochs = check_count(epochs, "epochs")
        self.batch_size = check_count(batch_size, "batch_size")
        self.lr, self.takes_history = _schedule(lr)
        length = self.lr.length() if isinstance(self.lr, _Schedule) else None
        if length is not None and length != self.epochs:
            warnings.warn(f"the schedule {self.lr!r} is made for {length} epochs, but train runs {self.epochs}: "
                          + (f"it stays at its last rate after epoch {length}" if length < self.epochs
                             else "the run ends before the schedule does"), UserWarning, stacklevel=3)
        self.l2, self.l1 = check_penalty(l2, l1)
        self.keep = keep_probs(keep_prob, L)
        self.options = _optimizer_options(optimizer_options)
        _check_update_signature(self.opt, dict(self.options, lr=1.0))
        self.update = self.opt.update
        self.in_place = _in_place_update(self.opt, self.options)
        self.seed, self.rng = seed, make_rng(seed, None)
        if not isinstance(verbose, (int, np.integer)) or isinstance(verbose, bool):
            raise TypeError(f"verbose must be an int (0, 1 or 2), got {type(verbose).__name__}")
        self.verbose = int(verbose)
        self.log_every = None if log_every is None else check_count(log_every, "log_every")
        for callback in callbacks:
            if not callable(callback):
                raise TypeError(f"a callback must be callable(epoch, params, history), got {type(callback).__name__}")
        self.callbacks = callbacks
        n_in, n_out = params["W1"].shape[1], params[f"W{L}"].shape[0]
        self.X = as_matrix(X, "X", dtype, rows=n_in, what="params['W1'] (layer 1)")
        self.Y = self.loss.check_targets(Y, (n_out, self.X.shape[1]), dtype, "Y")
        self.weights, self.class_weight = _example_weights(sample_weight, class_weight, self.loss, self.Y)
        #: accuracy is recorded for a classifying loss, and for any loss trained on one-hot (or 0/1) targets
        self.classifies = self.loss.classifies or _class_targets(self.Y)
        labels = labels_of(self.Y).reshape(1, -1) if self.classifies else None  # made once
        weights = None if self.weights is None else self.weights.reshape(1, -1)
        #: An epoch of one batch without dropout is the data in its order (see :meth:`batches`);
        #: else the examples are rows, shuffled into the same arrays every epoch (a fresh copy
        #: of a large data set costs page faults every epoch).
        self.shuffles = self.batch_size < self.X.shape[1] or min(self.keep) < 1.0
        self.whole = (self.X, self.Y, weights, labels)
        self.rows = [None if a is None else np.ascontiguousarray(a.T) for a in self.whole] if self.shuffles else None
        self.shuffled = [None if a is None else np.empty_like(a) for a in self.rows] if self.shuffles else None
        if (X_val is None) != (Y_val is None):
            raise ValueError("give both X_val and Y_val, or neither")
        self.validate = X_val is not None
        if self.validate:
            self.X_val = as_matrix(X_val, "X_val", dtype, rows=n_in, what="params['W1'] (layer 1)")
            self.Y_val = self.loss.check_targets(Y_val, (n_out, self.X_val.shape[1]), dtype, "Y_val")
        if not isinstance(resume, (bool, np.bool_)):  # "yes" (or "no") would be truthy
            raise TypeError(f"resume must be True or False, got {type(resume).__name__} {resume!r}")
        resume = bool(resume)
        if resume and checkpoint is None:
            raise ValueError("resume=True needs checkpoint=path (the file to resume from)")
        self.checkpoint, self.resume = checkpoint, resume
        self.opt_name = optimizer if isinstance(optimizer, str) else None
        # only a checkpoint records the configuration (hashing the data costs a pass over it)
        self.config = self._config(params) if checkpoint is not None else None
        self.checkpoints = Checkpoints(checkpoint, self.config, self.opt_name, self.callbacks)

    def _config(self, params: Mapping) -> dict:
        """What a checkpoint records of the run, by value, and a resumed run must share (JSON values)."""
        L = len(self.acts)
        return {
            "layer_sizes": [int(params["W1"].shape[1])] + [int(params[f"W{l}"].shape[0]) for l in range(1, L + 1)],
            "activations": [act.name for act in self.acts],
            "loss": self.loss.name,
            "optimizer": self.opt_name if self.opt_name is not None else describe(self.opt.update),
            "optimizer_options": {k: option_value(v) for k, v in self.options.items()},
            "lr": schedule_value(self.lr), "batch_size": self.batch_size,
            "l2": self.l2, "l1": self.l1, "keep_prob": list(self.keep[:-1]), "seed": self.seed,
            "class_weight": self.class_weight,
            "data": {"X_shape": list(self.X.shape), "Y_shape": list(self.Y.shape), "dtype": str(self.X.dtype),
                     "hash": data_hash(self.X, self.Y, self.weights)},
            "validation": data_hash(self.X_val, self.Y_val) if self.validate else None,
        }

    def start(self, params: Mapping) -> _State:
        """A fresh state, or the checkpoint's when resuming from an existing file."""
        keys = ["cost"] + (["data_cost"] if self.l2 or self.l1 else []) + ["lr"]
        keys += ["accuracy"] if self.classifies else []
        if self.validate:
            keys += ["val_cost"] + (["val_accuracy"] if self.classifies else [])
        finished = False
        if self.resume and os.path.exists(_io.npz_path(self.checkpoint)):
            params, opt_state, history, epoch, rng, finished = self.checkpoints.load(params, keys)
            if self.verbose > 0:
                print(f"resumed from epoch {epoch} of {os.fspath(self.checkpoint)}", file=sys.stderr, flush=True)
        else:
            params = dict(params)
            opt_state, history, epoch, rng = self.opt.init(params), {key: [] for key in keys}, 0, self.rng
        if self.in_place is None:
            state = _State(params, opt_state, history, epoch, rng)
        else:
            state = _OwnedState(params, opt_state, history, epoch, rng, self.in_place)
        state.finished = finished
        state.work = Workspace(state.params, self.acts, self.keep, min(self.batch_size, self.X.shape[1]), state.grads,
                               fused_output=self.acts[-1] is self.loss.natural_output, output_z=self.logits)
        if self.validate:
            self.val_work = Workspace(state.params, self.acts, None, self.X_val.shape[1], output_z=self.logits)
        return state

    def epochs_left(self, state: _State) -> range:
        """The epochs still to run (none for a finished run resumed)."""
        return range(state.epoch + 1, (state.epoch if state.finished else self.epochs) + 1)

    def end_epoch(self, state: _State, epoch: int) -> bool:
        """Run the callbacks, then write the checkpoint when due; True when a callback stopped the run."""
        stopped = self.stopped(state, epoch)
        self.checkpoints.after_epoch(state, last=stopped or epoch == self.epochs)
        return stopped

    def progress(self, first: int) -> Progress:
        if self.verbose <= 0:
            enabled = False
        else:
            enabled = True if self.verbose >= 2 or self.log_every is not None else None
        return Progress(self.epochs, label="epoch", unit="epoch", enabled=enabled, after=QUIET_SECONDS,
                        every=0.0 if self.verbose >= 2 else LINE_SECONDS, each=self.log_every, first=first,
                        bar=self.verbose == 1)

    def batches(self, rng: np.random.Generator):
        """The epoch's batches ``(Xb, Yb, wb, labels)``: shuffled mini-batches; or, for one
        batch and no dropout, the data in its order (a permutation would change only the
        rounding of the sums over the examples, and cost a copy of the data every epoch)."""
        if self.shuffles:
            return _batches_of_rows(self.batch_size, rng, *self.rows, into=self.shuffled)
        return [self.whole]

    def forward(self, state: "_State", Xb: np.ndarray, buffers, epoch: int, batch: int):
        """``forward_pass`` on a batch; a layer that overflows (weights grown huge) stops the
        run with a :class:`TrainingDiverged` that keeps the params of the last step."""
        try:
            return forward_pass(state.params, Xb, self.acts, self.keep, state.rng, buffers)
        except ValueError as err:
            raise self.diverged(f"the forward pass failed ({err})", state, epoch, batch) from None

    def correct(self, AL: np.ndarray, labels: Optional[np.ndarray]) -> int:
        """How many of the batch's examples (their ``labels``, (1, b)) are classified right
        (0 for a regression loss)."""
        if labels is None:
            return 0
        return int(np.count_nonzero(labels_of(AL) == labels[0]))

    def rate(self, epoch: int, history: Mapping) -> float:
        """The learning rate of ``epoch`` (counted from 1 here, from 0 by schedules)."""
        if isinstance(self.lr, float):
            return self.lr
        lr = self.lr(epoch - 1, history) if self.takes_history else self.lr(epoch - 1)
        return check_nonneg(lr, f"the learning rate the schedule gave for epoch {epoch}")  # 0 may be reached

    def column_factors(self, wb: Optional[np.ndarray], b: int) -> Tuple[Optional[np.ndarray], float]:
        """A batch's column factors ``c = b w / sum(w)`` (1, b) (None unweighted) and its total
        weight (``b`` unweighted); a batch of zero weights counts for nothing."""
        if wb is None:
            return None, float(b)
        total = float(wb.sum())
        return (wb * (b / total) if total > 0 else wb), total

    def cost(self, AL: np.ndarray, Y: np.ndarray, params: Mapping, c: Optional[np.ndarray] = None,
             ZL: Optional[np.ndarray] = None) -> Tuple[float, float]:
        """``(J, J_data)``: the cost with the penalty, and without; from the output layer's
        pre-activation ``ZL`` where the loss has an exact form from it (as ``gradcheck`` does)."""
        J_data = self.loss.network_cost(self.acts[-1], AL, Y, ZL if self.logits else None, c)
        return (J_data + penalty(params, l2=self.l2, l1=self.l1) if self.l2 or self.l1 else J_data), J_data

    def record_epoch(self, state: _State, epoch: int, lr: float, cost: float, data_cost: float,
                     correct: float) -> None:
        """Append the epoch's figures to the history (computed first: Ctrl-C leaves no ragged lists)."""
        m = self.X.shape[1] if self.weights is None else float(self.weights.sum())  # the total weight
        row = {"cost": cost / m}
        if self.l2 or self.l1:
            row["data_cost"] = data_cost / m
        row["lr"] = lr
        if self.classifies:
            row["accuracy"] = correct / self.X.shape[1]
        if self.validate:
            buffers = self.val_work.at(self.X_val.shape[1])
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                AL, _ = forward_pass(state.params, self.X_val, self.acts, work=buffers)
                row["val_cost"] = self.loss.network_cost(self.acts[-1], AL, self.Y_val,
                                                         buffers.Z[-1] if self.logits else None)
            if self.classifies:
                right = np.count_nonzero(labels_of(AL) == labels_of(self.Y_val))
                row["val_accuracy"] = int(right) / self.X_val.shape[1]
        for key, value in row.items():
            state.history[key].append(value)
        state.epoch = epoch

    def stopped(self, state: _State, epoch: int) -> bool:
        """Run the callbacks; True when one of them returns a :class:`Stop`."""
        for callback in self.callbacks:
            stop = callback(epoch, state.snapshot(), state.history)
            if stop is not None and not isinstance(stop, Stop):
                raise TypeError(f"callback {getattr(callback, '__name__', type(callback).__name__)} returned "
                                f"{type(stop).__name__} {stop!r}; a callback returns None to go on, or "
                                "fnnet.Stop(reason) to stop training (True is not a signal)")
            if isinstance(stop, Stop):
                state.history["stopped"] = stop.reason
                if stop.best_epoch is not None:
                    state.history["best_epoch"] = stop.best_epoch
                if stop.params is not None:
                    try:
                        check_like(state.params, stop.params, "the params of the callback's Stop")
                    except (TypeError, ValueError) as err:  # the run's own params are kept, not lost
                        warnings.warn(f"{err}; train returns the params of its last epoch ({epoch}) instead",
                                      UserWarning, stacklevel=4)
                    else:
                        state.replace(stop.params)
                return True
        return False

    def diverged(self, what: str, state: _State, epoch: int, batch: int) -> TrainingDiverged:
        lr = self.rate(epoch, state.history)  # the epoch's rate (a schedule is a function of the history)
        lower = "e.g. lr=" + (f"{lr / 10:g}" if isinstance(self.lr, float) else "a schedule starting lower")
        return TrainingDiverged(
            f"training diverged in epoch {epoch}, batch {batch}: {what}. Try a lower learning rate "
            f"(lr={lr:g} now, {lower}); the exception's .params hold the last finite "
            "parameters and .history the completed epochs",
            state.snapshot(), state.history, epoch, batch)

    def interrupted(self, state: _State) -> None:
        for values in state.history.values():  # Ctrl-C amid an epoch's record: that epoch is not complete
            if isinstance(values, list):
                del values[state.epoch:]
        state.history["interrupted"] = True
        if self.verbose > 0:
            print(f"interrupted: returning the params and history after {len(state.history['cost'])} epoch(s)"
                  + (f"; resume from {os.fspath(self.checkpoint)!r} (written after epoch "
                     f"{self.checkpoints.written}) with resume=True"
                     if self.checkpoints.written else ""), file=sys.stderr, flush=True)


def _example_weights(sample_weight, class_weight, loss: Loss, Y: np.ndarray):
    """The per-example weights (m,) in the training dtype, or None; and ``class_weight`` as JSON."""
    m, dtype = Y.shape[1], Y.dtype
    weights = None
    if sample_weight is not None:  # (m,), finite, >= 0, a positive sum; scaled so that the largest is 1
        weights = normalised_weights(sample_weight, m).astype(dtype)
    if class_weight is None:
        return weights, None
    if not loss.classifies:
        raise ValueError(f"class_weight needs a classifying loss (bce, cce), not {loss.name!r}; "
                         "use sample_weight for a regression")
    labels = labels_of(Y)
    k = max(Y.shape[0], 2)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be a dict of label -> weight or 'balanced', got {class_weight!r}")
        counts = np.bincount(labels, minlength=k)
        per_class = {label: m / (k * int(count)) for label, count in enumerate(counts) if count}
    elif isinstance(class_weight, Mapping):
        per_class = {}
        for label, w in class_weight.items():
            if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < k:
                raise ValueError(f"class_weight keys must be class labels 0..{k - 1}, got {label!r}")
            per_class[int(label)] = check_nonneg(w, f"class_weight[{label}]")
    else:
        raise TypeError(f"class_weight must be a dict of label -> weight or 'balanced', got {type(class_weight).__name__}")
    by_example = np.array([per_class.get(int(label), 1.0) for label in range(k)])[labels].astype(dtype)
    weights = by_example if weights is None else weights * by_example
    weights = normalised_weights(weights, m, "the weights of class_weight (times sample_weight)").astype(dtype)
    return weights, ({str(label): w for label, w in sorted(per_class.items())} if isinstance(class_weight, Mapping)
                     else class_weight)


def _class_targets(Y: np.ndarray) -> bool:
    """Whether targets ``Y`` (n_L, m) are class labels in disguise: one-hot columns, or 0/1 for one unit."""
    if not np.isin(Y, (0.0, 1.0)).all():
        return False
    return Y.shape[0] == 1 or bool((Y.sum(axis=0) == 1.0).all())


def _metrics_text(history: dict) -> str:
    labels = (("cost", "cost"), ("accuracy", "acc"), ("val_cost", "val_cost"), ("val_accuracy", "val_acc"))
    return "  ".join(f"{label} {history[key][-1]:.4f}" for key, label in labels if key in history)


def _callbacks(callbacks) -> List[Callable]:
    """``callbacks`` as a list (None: none)."""
    if callbacks is None:
        return []
    if callable(callbacks) or isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of callables (or None), got {type(callbacks).__name__}; "
                        "for one, pass callback=... or callbacks=[...]")
    return list(callbacks)


def _schedule(lr) -> Tuple[Union[float, Callable], bool]:
    """``lr`` as a float, or a schedule with whether it takes ``(epoch, history)``: a second
    parameter without a default, or named ``history`` (a defaulted one is the schedule's own)."""
    if not callable(lr):
        return check_lr(lr), False
    try:
        parameters = list(inspect.signature(lr).parameters.values())
    except (TypeError, ValueError):  # no readable signature: called with the epoch alone
        return lr, False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 2:
        second = positional[1]
        return lr, second.default is second.empty or second.name == "history"
    return lr, any(p.kind is p.VAR_POSITIONAL for p in parameters)


def _optimizer_options(options) -> dict:
    """``optimizer_options`` as a new dict, without the keys :func:`train` passes itself."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(f"optimizer_options must be a dict of keyword arguments, got {type(options).__name__}")
    for key in options:
        if not isinstance(key, str):
            raise TypeError(f"optimizer_options keys must be str, got {key!r}")
        if key == "lr":
            raise ValueError("optimizer_options must not hold 'lr': pass lr= to train itself")
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
                   if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name != "lr"]
        name = getattr(opt.update, "__name__", None) or getattr(getattr(opt.update, "func", None), "__name__", "")
        raise TypeError(
            f"the optimizer's update {name} cannot take the keyword arguments {sorted(kwargs)}: {err}. Its "
            f"optimizer_options are: {', '.join(options) or 'none'} (train passes lr itself)"
        ) from None


def _in_place_update(opt: Optimizer, options: Mapping) -> Optional[InPlaceUpdate]:
    """The in-place form of a built-in optimizer with these options (defaults filled in), or
    None for a user's update."""
    name = next((name for name, built_in in OPTIMIZERS.items() if opt.update is built_in.update), None)
    if name is None:
        return None
    bound = inspect.signature(opt.update).bind(None, None, None, lr=1.0, **options)
    bound.apply_defaults()
    return InPlaceUpdate(name, {k: v for k, v in list(bound.arguments.items())[3:] if k != "lr"})
