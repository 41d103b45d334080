"""Regularisation: the L2/L1 penalty on the weights and inverted dropout on hidden layers.

The penalty is added to the cost, never to the biases:

    J_total = J_data + (l2 / 2) * sum_l ||W_l||^2 + l1 * sum_l |W_l|,
    dJ_total/dW_l = dJ_data/dW_l + l2 * W_l + l1 * sign(W_l).

It is not divided by ``m``: Nielsen's ``lmbda / n``, scikit-learn's ``alpha / m`` and the
deep-learning course's ``lambd / m`` are this ``l2``.

Inverted dropout keeps each unit of a hidden layer with probability ``keep_prob`` and scales
the kept ones by ``1 / keep_prob``, so the expected activation is unchanged and prediction
needs no dropout: ``A <- A * D`` with ``D = [u < keep_prob] / keep_prob``, ``u ~ U(0, 1)``.
"""

from __future__ import annotations

import numbers
from typing import Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._validation import check_nonneg, scalar

__all__ = ["penalty"]


def check_penalty(l2, l1) -> Tuple[float, float]:
    """``(l2, l1)`` as non-negative finite Python floats."""
    return check_nonneg(l2, "l2"), check_nonneg(l1, "l1")


def penalty(params: Mapping[str, np.ndarray], *, l2: float = 0.0, l1: float = 0.0) -> float:
    """``(l2 / 2) * sum ||W||^2 + l1 * sum |W|`` over the weight matrices (keys ``W...``).

    Parameters
    ----------
    params : dict
        ``W1..WL`` of shape ``(n_l, n_{l-1})`` and ``b1..bL`` (not penalised).
    l2, l1 : float, default 0.0
        Non-negative coefficients.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.penalty({"W1": np.array([[3.0, -4.0]]), "b1": np.array([[10.0]])}, l2=0.1, l1=0.5)
    4.75
    """
    l2, l1 = check_penalty(l2, l1)
    total = 0.0
    with np.errstate(over="ignore"):  # a sum beyond the float range is inf, said by the value, not a warning
        for key, W in params.items():
            if key.startswith("W"):  # a zero coefficient adds nothing (not 0 * inf = nan)
                total += (0.5 * l2 * float(np.vdot(W, W)) if l2 else 0.0) + (l1 * float(np.abs(W).sum()) if l1 else 0.0)
    return total


def penalty_gradient(W: np.ndarray, l2: float, l1: float) -> np.ndarray:
    """``l2 * W + l1 * sign(W)``, the penalty's gradient for one weight matrix, in ``W``'s dtype."""
    return l2 * W + l1 * np.sign(W)


def keep_probs(keep_prob, n_layers: int) -> Tuple[float, ...]:
    """``keep_prob`` for each of the ``n_layers`` layers: one value for every hidden layer, or one
    per hidden layer (``n_layers - 1`` of them); the output layer always keeps every unit."""
    keep_prob = scalar(keep_prob)  # a 0-d array is its number
    if isinstance(keep_prob, (int, float)) and not isinstance(keep_prob, bool) and keep_prob == 1.0:
        return (1.0,) * n_layers  # no dropout, the common case
    if n_layers == 1 and isinstance(keep_prob, numbers.Real) and not isinstance(keep_prob, bool):
        raise ValueError(f"keep_prob {keep_prob!r} < 1 needs hidden layers; this network has none (one layer), "
                         "so there are no units to drop: use keep_prob=1.0")
    values = [keep_prob] * (n_layers - 1) if isinstance(keep_prob, numbers.Real) else keep_prob
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"keep_prob must be a number in (0, 1] or one per hidden layer, got {type(keep_prob).__name__}")
    if len(values) != n_layers - 1:
        raise ValueError(f"keep_prob has {len(values)} entries but the network has {n_layers - 1} hidden layers; "
                         "give one value for all, or one per hidden layer")
    checked = []
    for layer, p in enumerate(values, start=1):
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 < float(p) <= 1.0:
            raise ValueError(f"keep_prob of layer {layer} must be a number in (0, 1], got {p!r}")
        checked.append(float(p))
    return tuple(checked) + (1.0,)


def dropout_mask(shape: Tuple[int, int], keep_prob: float, rng: np.random.Generator, dtype) -> np.ndarray:
    """``D = [u < keep_prob] / keep_prob`` of ``shape`` (n_l, m), ``u`` uniform from ``rng``."""
    keep = rng.random(shape, dtype=dtype) < keep_prob
    return np.where(keep, np.array(1.0 / keep_prob, dtype=dtype), np.array(0.0, dtype=dtype))
