"""Losses: one registry entry holds a cost and its gradient with respect to the output.

One reduction rule for every loss, stated once: for outputs ``A`` and targets ``Y`` of shape
``(n_L, m)``,

    J = (1/m) * sum_i loss(a_i, y_i),   loss summed over the n_L output units of example i.

=======  ======================================  ============================
name     per-example loss                        dJ/dA
=======  ======================================  ============================
``mse``  ``0.5 * sum_k (a_k - y_k)^2``           ``(A - Y) / m``
``bce``  ``-sum_k y_k log a_k + (1-y_k) log(1-a_k)``  ``(A - Y) / (A (1 - A)) / m``
``cce``  ``-sum_k y_k log a_k``                  ``-Y / A / m``
=======  ======================================  ============================

So the output delta ``dJ/dZ_L`` of linear+MSE, sigmoid+BCE and softmax+CCE is exactly
``(A - Y) / m``: that fused form is used for those pairs, and the general chain rule
``dZ = g'(Z) * dJ/dA`` for every other pair. Log losses clip ``A`` to
``[eps, 1 - eps]`` (``eps`` of the dtype, as scikit-learn does), so they never take
``log(0)``; their ``dJ/dA`` is the gradient of that clipped cost (zero where clipped).
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Union

import numpy as np

from . import activations as _act
from ._validation import format_shape, as_matrix, raise_not_finite

__all__ = ["Loss", "LOSSES", "cost"]

# ufunc reductions called directly: the ndarray methods add a Python-level wrapper per call
_min, _max, _sum = np.minimum.reduce, np.maximum.reduce, np.add.reduce


class Loss:
    """A cost ``J(A, Y)`` and its gradient ``dJ/dA``, both with the ``1/m`` included.

    Parameters
    ----------
    name : str
    cost : callable
        ``(A, Y) -> float``; ``A`` and ``Y`` of shape ``(n_L, m)``, validated.
    gradient : callable
        ``(A, Y) -> dJ/dA``, a new array of shape ``(n_L, m)``.
    probabilities : bool
        Whether outputs must lie in ``[0, 1]`` (log losses).
    """

    def __init__(self, name: str, cost: Callable, gradient: Callable, probabilities: bool) -> None:
        self.name = name
        self.cost = cost
        self.gradient = gradient
        self.probabilities = probabilities

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


def _eps(A: np.ndarray) -> float:
    return float(np.finfo(A.dtype).eps)


def _mse_cost(A: np.ndarray, Y: np.ndarray) -> float:
    R = A - Y
    return 0.5 * float(np.vdot(R, R)) / A.shape[1]


def _mse_gradient(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    G = A - Y
    G *= 1.0 / A.shape[1]
    return G


def _bce_cost(A: np.ndarray, Y: np.ndarray) -> float:
    eps = _eps(A)
    Ac = np.clip(A, eps, 1.0 - eps)
    # y log a + (1 - y) log(1 - a), with both logs finite
    total = np.vdot(Y, np.log(Ac)) + np.vdot(1.0 - Y, np.log1p(-Ac))
    return -float(total) / A.shape[1]


def _bce_gradient(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    eps = _eps(A)
    Ac = np.clip(A, eps, 1.0 - eps)
    G = Ac - Y
    G /= Ac * (1.0 - Ac)
    G[(A < eps) | (A > 1.0 - eps)] = 0.0  # the clipped cost is flat there
    G *= 1.0 / A.shape[1]
    return G


def _cce_cost(A: np.ndarray, Y: np.ndarray) -> float:
    Ac = np.maximum(A, _eps(A))
    return -float(np.vdot(Y, np.log(Ac))) / A.shape[1]


def _cce_gradient(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    eps = _eps(A)
    G = np.divide(Y, np.maximum(A, eps))
    G *= -1.0 / A.shape[1]
    G[A < eps] = 0.0
    return G


#: The built-in losses by name.
LOSSES: Dict[str, Loss] = {
    "mse": Loss("mse", _mse_cost, _mse_gradient, probabilities=False),
    "bce": Loss("bce", _bce_cost, _bce_gradient, probabilities=True),
    "cce": Loss("cce", _cce_cost, _cce_gradient, probabilities=True),
}

# (output activation, loss) pairs whose output delta dJ/dZ_L is exactly (A - Y) / m; keyed on
# the built-in objects, so a user's own Loss or Activation never takes this path by its name.
_FUSED = {
    (_act.ACTIVATIONS["linear"], LOSSES["mse"]),
    (_act.ACTIVATIONS["sigmoid"], LOSSES["bce"]),
    (_act.ACTIVATIONS["softmax"], LOSSES["cce"]),
}

#: The output activation that goes with each built-in loss (the fused pairs above).
NATURAL_OUTPUT = {"mse": "linear", "bce": "sigmoid", "cce": "softmax"}


def get_loss(spec: Union[str, Loss]) -> Loss:
    """Look a loss up by name (``"mse"``, ``"bce"``, ``"cce"``), or pass a :class:`Loss` through."""
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, str):
        try:
            return LOSSES[spec]
        except KeyError:
            raise ValueError(f"unknown loss {spec!r}; valid names are {', '.join(map(repr, LOSSES))}") from None
    raise TypeError(f"loss must be a name (str), got {type(spec).__name__}")


def check_targets(Y, shape, dtype: np.dtype, loss: Loss, name: str = "Y") -> np.ndarray:
    """Validate targets against the output shape ``(n_L, m)`` and the loss; cast to ``dtype``.

    ``bce`` needs ``0 <= Y <= 1``; ``cce`` needs every column of ``Y`` to be a probability
    vector (one-hot labels or soft targets): entries in ``[0, 1]`` summing to 1. ``name`` is
    what messages call the array (``"Y_val"`` for validation targets).
    """
    n_out, m = shape
    # log losses check the range [0, 1] below, which catches NaN and inf in the same pass (so an
    # ndarray of the right dtype and shape needs nothing else); mse checks for NaN/inf here
    ready = type(Y) is np.ndarray and Y.dtype is dtype and Y.shape == shape
    if not (ready and loss.probabilities):
        Y = as_matrix(Y, name, dtype, check_finite=not loss.probabilities)
    if Y.shape != shape:
        hint = f"; did you pass examples as rows? use {name}.T" if Y.shape == (m, n_out) else ""
        raise ValueError(
            f"{name} has shape {format_shape(Y.shape)}, expected (n_L, m) = {format_shape(shape)} like the output{hint}"
        )
    if loss.probabilities:
        # Read as unsigned integers, the floats +0.0 .. 1.0 are exactly the bit patterns 0 .. bits(1.0)
        # (negative numbers have the sign bit set; inf and NaN have the largest exponent), so one
        # integer max decides the common case; otherwise the exact check (which lets -0.0 pass)
        if _max(Y.view(_UINT_OF[dtype]), axis=None) > _BITS_OF_ONE[dtype]:
            _check_unit_interval(Y, loss, name)
        if loss is LOSSES["cce"]:
            sums = _sum(Y, axis=0)
            tol = float(np.sqrt(np.finfo(dtype).eps)) * max(1, n_out)
            worst = int(np.argmax(np.abs(sums - 1.0)))
            if abs(float(sums[worst]) - 1.0) > tol:
                raise ValueError(
                    f"cce targets {name} must be one-hot or probability columns summing to 1; "
                    f"column {worst} sums to {float(sums[worst]):g} (use fnnet.one_hot(labels, k) for labels)"
                )
    return Y


_UINT_OF = {np.dtype(np.float32): np.dtype(np.uint32), np.dtype(np.float64): np.dtype(np.uint64)}
_BITS_OF_ONE = {dtype: np.array(1.0, dtype=dtype).view(uint)[()] for dtype, uint in _UINT_OF.items()}


def _check_unit_interval(Y: np.ndarray, loss: Loss, name: str) -> None:
    """Raise unless every entry of ``Y`` lies in ``[0, 1]`` (NaN and inf are named as such)."""
    lo, hi = float(_min(Y, axis=None)), float(_max(Y, axis=None))  # NaN propagates
    if not (lo >= 0.0 and hi <= 1.0):
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise_not_finite(Y, name)
        raise ValueError(f"{loss.name} targets {name} must lie in [0, 1]; got values in [{lo:g}, {hi:g}]")


def _check_outputs(AL: np.ndarray, loss: Loss) -> None:
    if loss.probabilities:
        lo, hi = float(_min(AL, axis=None)), float(_max(AL, axis=None))
        if lo < 0.0 or hi > 1.0:
            raise ValueError(
                f"{loss.name} needs outputs in [0, 1] (a sigmoid or softmax output layer); "
                f"got outputs in [{lo:g}, {hi:g}]"
            )


def cost(AL, Y, loss: Union[str, Loss]) -> float:
    """The scalar cost ``J``: the mean over the ``m`` examples of a per-example loss.

    Parameters
    ----------
    AL : array_like, shape (n_L, m)
        Network outputs, one example per column.
    Y : array_like, shape (n_L, m)
        Targets (ints are fine).
    loss : {"mse", "bce", "cce"}

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.cost(np.array([[0.5, 2.0]]), np.array([[1.0, 2.0]]), "mse")   # 0.5*0.25 / 2
    0.0625
    """
    loss = get_loss(loss)
    AL = np.asarray(AL)
    dtype = AL.dtype if AL.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    AL = as_matrix(AL, "AL", dtype)
    Y = check_targets(Y, AL.shape, dtype, loss)
    _check_outputs(AL, loss)
    return loss.cost(AL, Y)


def output_delta(activation: _act.Activation, loss: Loss, AL: np.ndarray, Y: np.ndarray,
                 ZL: Optional[np.ndarray] = None, *, fused: bool = True,
                 inv_m: Optional[np.ndarray] = None) -> np.ndarray:
    """``dZ_L = dJ/dZ_L`` for validated ``AL``, ``Y`` of shape ``(n_L, m)``; a new array.

    ``fused=False`` forces the general chain rule ``g'(Z_L) * dJ/dA_L`` even for the three
    pairs whose delta is ``(A - Y) / m`` (tests compare both paths). ``inv_m``: ``1/m`` as a
    0-d array of ``AL``'s dtype, if the caller keeps one (a Python float is slower to apply).
    """
    if fused and (activation, loss) in _FUSED:
        dZ = AL - Y
        dZ *= 1.0 / AL.shape[1] if inv_m is None else inv_m
        return dZ
    _check_outputs(AL, loss)
    return activation.delta_(loss.gradient(AL, Y), ZL, AL)
