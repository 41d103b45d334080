"""Callbacks for :func:`fnnet.train`: ``callback(epoch, params, history)`` after every epoch.

A callback returns ``None`` to go on, or a :class:`Stop` to end training after this epoch
(``Stop(reason, params=...)`` also hands back the params train should return, e.g. the best
epoch's). :class:`EarlyStopping` is such a callback.
"""

from __future__ import annotations

from typing import Dict, Mapping, NamedTuple, Optional, Sequence

import numpy as np

from ._validation import check_count, check_nonneg
from .schedules import check_monitored, improved, improvement_mode

__all__ = ["Stop", "EarlyStopping"]


class _StopFields(NamedTuple):
    reason: str
    params: Optional[Dict[str, np.ndarray]] = None
    best_epoch: Optional[int] = None


class Stop(_StopFields):
    """Returned by a callback to stop training after the current epoch (the only signal: a
    callback that returns anything else but None is a TypeError).

    Attributes
    ----------
    reason : str
        Recorded as ``history["stopped"]``.
    params : dict, optional
        The params train returns instead of the last epoch's (e.g. the best epoch's).
    best_epoch : int, optional
        Recorded as ``history["best_epoch"]`` (counted from 1).
    """

    __slots__ = ()

    def __new__(cls, reason: str, params: Optional[Mapping[str, np.ndarray]] = None,
                best_epoch: Optional[int] = None) -> "Stop":
        if not isinstance(reason, str):
            raise TypeError(f"Stop's reason must be a str, got {type(reason).__name__} {reason!r}")
        if params is not None and not isinstance(params, Mapping):
            raise TypeError(f"Stop's params must be a dict of arrays or None, got {type(params).__name__}")
        if best_epoch is not None:
            best_epoch = check_count(best_epoch, "Stop's best_epoch")
        return super().__new__(cls, reason, params, best_epoch)


class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default "val_cost"
        A history key: ``"val_cost"``, ``"val_accuracy"``, ``"cost"``, ...
    patience : int, default 5
        Epochs without improvement before stopping.
    min_delta : float, default 0.0
        An improvement must beat the best value by more than this.
    restore_best : bool, default True
        Return the best epoch's params (a copy taken at that epoch), not the last ones.
    mode : {"min", "max"}, optional
        Default "max" for keys with "accuracy", else "min".

    Notes
    -----
    It remembers the best epoch of the run it watches; a checkpoint of :func:`fnnet.train`
    holds that memory (``state_dict``), so a resumed run stops where the uninterrupted one
    would. Reused for a new run (its epochs start again), it starts afresh.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> stop = fnnet.EarlyStopping(monitor="cost", patience=2)
    >>> params = {"W1": np.zeros((1, 1))}
    >>> [stop(epoch, params, {"cost": costs}) for epoch, costs in
    ...  enumerate([[1.0], [1.0, 0.5], [1.0, 0.5, 0.6]], start=1)]
    [None, None, None]
    >>> stop(4, params, {"cost": [1.0, 0.5, 0.6, 0.7]}).reason
    'early stopping: cost did not improve by more than 0 for 2 epochs (best 0.5 at epoch 2)'
    """

    def __init__(self, monitor: str = "val_cost", patience: int = 5, min_delta: float = 0.0,
                 restore_best: bool = True, mode: Optional[str] = None) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be a history key (str), got {type(monitor).__name__}")
        if not isinstance(restore_best, (bool, np.bool_)):
            raise TypeError(f"restore_best must be True or False, got {type(restore_best).__name__}")
        self.monitor = monitor
        self.patience = check_count(patience, "patience")
        self.min_delta = check_nonneg(min_delta, "min_delta")
        self.restore_best = bool(restore_best)
        self.mode = improvement_mode(monitor, mode)
        self._reset()

    def _reset(self) -> None:
        self.best: Optional[float] = None
        self.best_epoch: Optional[int] = None
        self.best_params: Optional[Dict[str, np.ndarray]] = None
        self.last_epoch: Optional[int] = None

    def state_dict(self) -> dict:
        """What it remembers of the run (for a checkpoint): the best value, its epoch and params."""
        return {"best": self.best, "best_epoch": self.best_epoch, "best_params": self.best_params,
                "last_epoch": self.last_epoch}

    def load_state_dict(self, state: Mapping) -> None:
        """Remember what :meth:`state_dict` returned (a checkpoint's)."""
        best = state["best"]
        self.best = None if best is None else float(best)
        self.best_epoch, self.last_epoch = state["best_epoch"], state["last_epoch"]
        self.best_params = None if state["best_params"] is None else dict(state["best_params"])

    def __call__(self, epoch: int, params: Mapping[str, np.ndarray],
                 history: Mapping[str, Sequence[float]]) -> Optional[Stop]:
        check_monitored(self.monitor, history, "EarlyStopping")
        if self.last_epoch is not None and epoch <= self.last_epoch:  # a new run: forget the last one's best
            self._reset()
        self.last_epoch = epoch
        value = history[self.monitor][-1]
        if self.best is None or improved(value, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch = value, epoch
            if self.restore_best:
                self.best_params = {key: np.array(p, copy=True) for key, p in params.items()}
            return None
        if epoch - self.best_epoch < self.patience:
            return None
        reason = (f"early stopping: {self.monitor} did not improve by more than {self.min_delta:g} for "
                  f"{self.patience} epochs (best {self.best:.4g} at epoch {self.best_epoch})")
        return Stop(reason, self.best_params if self.restore_best else None, self.best_epoch)
