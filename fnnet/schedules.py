"""Learning-rate schedules: pure functions of the epoch (counted from 0), ``lr = schedule(epoch)``.

Each schedule is a small frozen object, so it prints its parameters and two equal schedules
compare equal (a checkpoint records it, and resuming needs the same one). Each takes an
optional linear warm-up: for ``epoch < warmup`` the rate rises as ``lr0 * (epoch + 1) /
(warmup + 1)``, then the schedule runs from its own epoch 0.

``ReduceOnPlateau`` also reads the history: ``lr = schedule(epoch, history)``. It too is a
pure function (of the history so far), so a resumed run continues it exactly.

=============================  ====================================================
schedule                       lr at epoch t (after any warm-up)
=============================  ====================================================
``constant(lr0)``              ``lr0``
``step_decay(lr0, d, k)``      ``lr0 * d ** floor(t / k)``
``exponential_decay(lr0, r)``  ``lr0 * r ** t``
``inverse_time_decay(lr0, r,   ``lr0 / (1 + r * floor(t / k))``: the deep-learning course's
k=1)``                         ``schedule_lr_decay`` (``k=1``: its ``update_lr``)
``cosine_decay(lr0, T, lo)``   ``lo + (lr0 - lo) (1 + cos(pi min(t, T) / T)) / 2``
=============================  ====================================================
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ._validation import check_count, check_nonneg, check_positive

__all__ = ["constant", "step_decay", "exponential_decay", "inverse_time_decay", "cosine_decay",
           "ReduceOnPlateau"]


@dataclass(frozen=True)
class _Schedule:
    lr0: float
    warmup: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check_positive(self.lr0, "lr0"))
        object.__setattr__(self, "warmup", check_count(self.warmup, "warmup", minimum=0))

    def __call__(self, epoch: int, history: Optional[Mapping] = None) -> float:
        epoch = check_count(epoch, "epoch", minimum=0)
        if epoch < self.warmup:
            return self.lr0 * (epoch + 1) / (self.warmup + 1)
        return self.rate(epoch - self.warmup)

    def rate(self, t: int) -> float:
        raise NotImplementedError

    def length(self) -> Optional[int]:
        """The number of epochs the schedule is made for (warm-up included), or None for any."""
        return None


@dataclass(frozen=True)
class _Constant(_Schedule):
    def rate(self, t: int) -> float:
        return self.lr0


@dataclass(frozen=True)
class _StepDecay(_Schedule):
    drop: float
    every: float

    def rate(self, t: int) -> float:
        return self.lr0 * self.drop ** int(t // self.every)


@dataclass(frozen=True)
class _Exponential(_Schedule):
    rate_per_epoch: float

    def rate(self, t: int) -> float:
        return self.lr0 * self.rate_per_epoch ** t


@dataclass(frozen=True)
class _InverseTime(_Schedule):
    decay_rate: float
    time_interval: int

    def rate(self, t: int) -> float:
        return self.lr0 / (1.0 + self.decay_rate * (t // self.time_interval))


@dataclass(frozen=True)
class _Cosine(_Schedule):
    epochs: int
    lr_min: float

    def rate(self, t: int) -> float:
        return self.lr_min + (self.lr0 - self.lr_min) * 0.5 * (1.0 + math.cos(math.pi * min(t, self.epochs) / self.epochs))

    def length(self) -> Optional[int]:
        return self.warmup + self.epochs


def _fraction(value, name: str) -> float:
    """A number in ``(0, 1]``, as a Python float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return float(value)


def constant(lr0: float, *, warmup: int = 0) -> _Schedule:
    """``lr0`` every epoch (after an optional warm-up).

    Examples
    --------
    >>> import fnnet
    >>> [fnnet.constant(0.1, warmup=1)(t) for t in range(3)]
    [0.05, 0.1, 0.1]
    """
    return _Constant(lr0, warmup)


def step_decay(lr0: float, drop: float = 0.5, every: float = 10, *, warmup: int = 0) -> _Schedule:
    """``lr0 * drop ** floor(epoch / every)``: the rate falls by ``drop`` every ``every`` epochs.

    ``every`` may be a fraction (> 0): ``every = T / 4`` drops the rate exactly three times in
    ``T >= 4`` epochs, at ``ceil(T / 4)``, ``ceil(T / 2)`` and ``ceil(3 T / 4)``.

    Examples
    --------
    >>> import fnnet
    >>> [fnnet.step_decay(0.4, 0.5, 2)(t) for t in range(5)]
    [0.4, 0.4, 0.2, 0.2, 0.1]
    """
    every = check_count(every, "every") if isinstance(every, numbers.Integral) else check_positive(every, "every")
    return _StepDecay(lr0, warmup, _fraction(drop, "drop"), every)


def exponential_decay(lr0: float, rate: float = 0.95, *, warmup: int = 0) -> _Schedule:
    """``lr0 * rate ** epoch``.

    Examples
    --------
    >>> import fnnet
    >>> [round(fnnet.exponential_decay(1.0, 0.5)(t), 3) for t in range(3)]
    [1.0, 0.5, 0.25]
    """
    return _Exponential(lr0, warmup, _fraction(rate, "rate"))


def inverse_time_decay(lr0: float, decay_rate: float, time_interval: int = 1, *, warmup: int = 0) -> _Schedule:
    """``lr0 / (1 + decay_rate * floor(epoch / time_interval))``, the course's ``schedule_lr_decay``.

    With ``time_interval=1`` it is the course's ``update_lr``: ``lr0 / (1 + decay_rate * epoch)``.

    Examples
    --------
    >>> import fnnet
    >>> [fnnet.inverse_time_decay(0.5, 1.0, time_interval=2)(t) for t in range(5)]
    [0.5, 0.5, 0.25, 0.25, 0.16666666666666666]
    """
    return _InverseTime(lr0, warmup, check_nonneg(decay_rate, "decay_rate"), check_count(time_interval, "time_interval"))


def cosine_decay(lr0: float, epochs: int, lr_min: float = 0.0, *, warmup: int = 0) -> _Schedule:
    """From ``lr0`` down to ``lr_min`` over ``epochs`` epochs along half a cosine, then ``lr_min``.

    Examples
    --------
    >>> import fnnet
    >>> [round(fnnet.cosine_decay(1.0, 4)(t), 3) for t in (0, 2, 4, 5)]
    [1.0, 0.5, 0.0, 0.0]
    """
    return _Cosine(lr0, warmup, check_count(epochs, "epochs"), check_nonneg(lr_min, "lr_min"))


@dataclass(frozen=True)
class ReduceOnPlateau:
    """Multiply the rate by ``factor`` each time ``monitor`` has not improved for ``patience`` epochs.

    A pure function of the history: ``lr = schedule(epoch, history)`` replays the history's
    ``monitor`` values up to ``epoch`` (the epochs completed so far), so a resumed run goes on
    exactly where it stopped.

    Parameters
    ----------
    lr0 : float
        The starting rate.
    monitor : str, default "cost"
        A history key (``"cost"``, ``"val_cost"``, ``"val_accuracy"``, ...).
    factor : float, default 0.5
        In ``(0, 1)``.
    patience : int, default 3
        Epochs without improvement before a reduction; the count restarts after one.
    min_delta : float, default 0.0
        An improvement must beat the best value by more than this.
    min_lr : float, default 0.0
        The rate never goes below this.
    mode : {"min", "max"}, optional
        Whether lower or higher is better; default "max" for keys with "accuracy", else "min".

    Examples
    --------
    >>> import fnnet
    >>> plateau = fnnet.ReduceOnPlateau(0.1, patience=2)
    >>> history = {"cost": [1.0, 0.9, 0.95, 0.92, 0.91]}
    >>> [plateau(t, history) for t in range(6)]
    [0.1, 0.1, 0.1, 0.1, 0.05, 0.05]
    """

    lr0: float
    monitor: str = "cost"
    factor: float = 0.5
    patience: int = 3
    min_delta: float = 0.0
    min_lr: float = 0.0
    mode: Optional[str] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check_positive(self.lr0, "lr0"))
        if not isinstance(self.monitor, str):
            raise TypeError(f"monitor must be a history key (str), got {type(self.monitor).__name__}")
        factor = _fraction(self.factor, "factor")
        if factor == 1.0:
            raise ValueError("factor must be below 1 (it multiplies the rate on a plateau), got 1.0")
        object.__setattr__(self, "factor", factor)
        object.__setattr__(self, "patience", check_count(self.patience, "patience"))
        object.__setattr__(self, "min_delta", check_nonneg(self.min_delta, "min_delta"))
        object.__setattr__(self, "min_lr", check_nonneg(self.min_lr, "min_lr"))
        if self.min_lr > self.lr0:
            raise ValueError(f"min_lr ({self.min_lr!r}) must not exceed lr0 ({self.lr0!r}): a reduction would "
                             "raise the rate")
        object.__setattr__(self, "mode", improvement_mode(self.monitor, self.mode))

    def __call__(self, epoch: int, history: Optional[Mapping[str, Sequence[float]]] = None) -> float:
        if history is not None:
            check_monitored(self.monitor, history, "ReduceOnPlateau")
        values = list((history or {}).get(self.monitor, []))[:epoch]
        lr, best, waited = self.lr0, None, 0
        for value in values:
            if best is None or improved(value, best, self.mode, self.min_delta):
                best, waited = value, 0
            else:
                waited += 1
                if waited >= self.patience:
                    lr, waited = max(lr * self.factor, self.min_lr), 0
        return lr


def check_monitored(monitor: str, history: Mapping, who: str) -> None:
    """A ValueError unless ``history`` records ``monitor`` (the key a callback or schedule watches)."""
    if monitor in history:
        return
    recorded = sorted(k for k in history if isinstance(history[k], list))
    hint = ""
    if monitor.replace("loss", "cost") in recorded:
        hint = f" (fnnet calls it {monitor.replace('loss', 'cost')!r})"
    elif "val" in monitor:
        hint = " (val_cost and val_accuracy need X_val and Y_val)"
    raise ValueError(f"{who} monitors {monitor!r}, which this run's history does not record; it records "
                     f"{recorded}{hint}")


def improvement_mode(monitor: str, mode: Optional[str]) -> str:
    """``"min"`` or ``"max"``: what better means for ``monitor`` (``max`` for accuracies)."""
    if mode is None:
        return "max" if "accuracy" in monitor else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    return mode


def improved(value: float, best: float, mode: str, min_delta: float) -> bool:
    """Whether ``value`` beats ``best`` by more than ``min_delta`` in direction ``mode``."""
    return value < best - min_delta if mode == "min" else value > best + min_delta
