"""A training run's resumable state, in one home: what a checkpoint holds, when it is written,
and what resuming compares.

A checkpoint of :func:`fnnet.train` holds the params, the optimizer state, the epoch, the
history (its per-epoch lists as float64 arrays in the state; ``"stopped"`` and ``"best_epoch"``
in the metadata once a callback ended the run), the random
generator's state, the state of every callback that has one (``state_dict()`` /
``load_state_dict(state)``, as :class:`fnnet.EarlyStopping`) and the run's configuration, by
value. A resumed run refuses a checkpoint of another configuration, listing each difference;
a finished run resumed returns its result without training.

A write (a file made atomically and synced to disk) costs far more than a small epoch, and a
little more as the history grows. So a checkpoint is written after the first epoch,
the last one and a callback's stop, and in between after an epoch only once the training since
the last write has taken ``WRITE_RATIO`` times as long as that write: checkpoints cost at most
``1 / WRITE_RATIO`` of the run, and a ``kill -9`` loses at most that much training.
"""

from __future__ import annotations

import hashlib
import numbers
import os
import time
from typing import Callable, List, Mapping, Optional, Sequence

import numpy as np

from . import io as _io
from ._validation import check_like, check_params

#: Training between two checkpoint writes takes at least this many times as long as a write.
WRITE_RATIO = 10.0


def describe(function: Callable) -> str:
    """A name for an update or schedule function that is the same in every process (no
    address): a built-in optimizer by its name, a clipping wrapper by its kind and limit, a
    function by its qualified name, a ``functools.partial`` with its keywords."""
    from .optim import OPTIMIZERS  # (optim does not import this module: no cycle)

    clips = []
    while getattr(function, "clip", None) is not None and hasattr(function, "__wrapped__"):
        clips.append(function.clip)
        function = function.__wrapped__
    name = next((name for name, built_in in OPTIMIZERS.items() if function is built_in.update), None)
    if name is None:
        inner = getattr(function, "func", function)  # a functools.partial: its function and keywords
        name = f"{getattr(inner, '__module__', '')}.{getattr(inner, '__qualname__', type(inner).__qualname__)}"
        keywords = getattr(function, "keywords", None)
        name += f"{sorted(keywords.items())}" if keywords else ""
    return " of ".join(clips + [name])


def schedule_value(lr):
    """The learning rate or schedule as a checkpoint records it: a float, the ``repr`` of a
    schedule that prints its parameters, or the qualified name of a function."""
    if isinstance(lr, float):
        return lr
    text = repr(lr)
    return describe(lr) if " at 0x" in text else text


def option_value(value):
    """An optimizer option by value (NumPy numbers as Python ones), or None when it has none."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (str, type(None))):
        return value
    return describe(value) if callable(value) else None


def data_hash(*arrays: Optional[np.ndarray]) -> Optional[str]:
    """A digest of the arrays' bytes (None when the first is None)."""
    if arrays[0] is None:
        return None
    digest = hashlib.blake2b(digest_size=16)
    for arr in arrays:
        if arr is not None:
            digest.update(np.ascontiguousarray(arr).tobytes())
    return digest.hexdigest()


class Checkpoints:
    """The checkpoint file of one run: written after epochs (see the module), loaded to resume.

    Parameters
    ----------
    path : path or None
        The file (None: a run without checkpoints; nothing is written).
    config : dict
        The run's configuration (JSON values), recorded and compared.
    optimizer : str or None
        The optimizer's name, recorded for :func:`fnnet.load_checkpoint` readers.
    callbacks : sequence of callables
        Those with ``state_dict``/``load_state_dict`` have their state saved and restored.
    """

    def __init__(self, path, config: dict, optimizer: Optional[str], callbacks: Sequence[Callable]) -> None:
        self.path, self.config, self.optimizer = path, config, optimizer
        self.stateful = [cb for cb in callbacks if callable(getattr(cb, "state_dict", None))
                         and callable(getattr(cb, "load_state_dict", None))]
        self.next_write = 0.0   # time.perf_counter() after which an epoch is written
        self.written = 0        # the epoch of the last checkpoint this run wrote (0: none yet)

    def after_epoch(self, state, last: bool) -> None:
        """Write ``state`` (a ``_State`` at the end of an epoch) when it is due, or ``last``."""
        if self.path is None or not (last or state.epoch == 1 or time.perf_counter() >= self.next_write):
            return
        start = time.perf_counter()
        # the per-epoch lists as float64 arrays (a JSON text of thousands of floats costs far more)
        series = {key: np.array(values, dtype=np.float64) for key, values in state.history.items()
                  if isinstance(values, list)}
        ends = {key: value for key, value in state.history.items() if not isinstance(value, list)}
        _io.save_checkpoint(self.path, state.snapshot(),
                            {"optimizer": state.opt_state, "epoch": state.epoch, "history": series,
                             "callbacks": [cb.state_dict() for cb in self.stateful]},
                            epoch=state.epoch, optimizer=self.optimizer, history=ends,
                            rng_state=state.rng.bit_generator.state, config=self.config)
        end = time.perf_counter()
        self.next_write, self.written = end + WRITE_RATIO * (end - start), state.epoch

    def load(self, params: Mapping, history_keys: List[str]):
        """``(params, optimizer state, history, epoch, rng, finished)`` of the checkpoint, refused
        unless it was written by a run of this configuration; restores the callbacks' state."""
        where = f"checkpoint {os.fspath(self.path)!r}"
        saved, state, meta = _io.load_checkpoint(self.path)
        for key in ("rng_state", "history", "config"):
            if key not in meta:
                raise ValueError(f"{where} has no {key!r} in its metadata: it was not written by fnnet.train "
                                 "(or by a version that did not record it), which cannot resume from it")
        differences = [f"{key}: checkpoint {meta['config'].get(key)!r}, this run {value!r}"
                       for key, value in self.config.items() if meta["config"].get(key) != value]
        differences += [f"{key}: checkpoint {value!r}, this run has none"
                        for key, value in meta["config"].items() if key not in self.config]
        if differences:
            raise ValueError(f"{where} was written by a run of another configuration; resume with the same one, "
                             "or start afresh with another checkpoint path. Differences:\n  "
                             + "\n  ".join(differences))
        check_params(saved, "checkpoint params")
        check_like(params, saved, f"the params in {where}")
        recorded = {**meta["history"], **{key: values.tolist() for key, values in state.get("history", {}).items()}}
        saved_keys = {key for key, values in recorded.items() if isinstance(values, list)}
        keys = set(history_keys)
        if saved_keys != keys:
            raise ValueError(
                f"{where} recorded history {sorted(saved_keys)}, but this run records {sorted(keys)} (missing "
                f"{sorted(keys - saved_keys)}, unexpected {sorted(saved_keys - keys)}): resume with the same loss "
                "and with validation data (X_val, Y_val) exactly when the checkpointed run had them")
        callbacks = state.get("callbacks", [])
        if len(callbacks) != len(self.stateful):
            raise ValueError(f"{where} holds the state of {len(callbacks)} callback(s) with a state_dict, this run "
                             f"has {len(self.stateful)}: resume with the same callbacks")
        for callback, callback_state in zip(self.stateful, callbacks):
            callback.load_state_dict(callback_state)
        rng = np.random.default_rng()
        rng.bit_generator.state = meta["rng_state"]
        history = {key: list(recorded[key]) for key in history_keys}
        finished = "stopped" in recorded
        if finished:  # a callback ended the run: resuming it returns its result
            history.update({key: recorded[key] for key in ("stopped", "best_epoch") if key in recorded})
        return dict(saved), state["optimizer"], history, int(state["epoch"]), rng, finished
