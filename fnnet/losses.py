"""Losses: one record per loss, holding every fact about it.

One reduction rule for every loss, stated once: for outputs ``A`` and targets ``Y`` of shape
``(n_L, m)``,

    J = (1/m) * sum_i loss(a_i, y_i),   loss summed over the n_L output units of example i,

or, with per-example weights ``w`` (``sample_weight``), the weighted mean
``J = sum_i w_i loss(a_i, y_i) / sum_i w_i``: the same rule with the column factors
``c_i = m w_i / sum_j w_j`` inside the sum (all weights 1 give ``c_i = 1``: the same numbers).

=======  ===============================================  ================================
name     per-example loss                                 dJ/dA
=======  ===============================================  ================================
``mse``  ``0.5 * sum_k (a_k - y_k)^2``                    ``(A - Y) / m``
``bce``  ``-sum_k y_k log a_k + (1-y_k) log(1-a_k)``      ``(A - Y) / (A (1 - A)) / m``
``cce``  ``-sum_k y_k log a_k``                           ``-Y / A / m``
=======  ===============================================  ================================

So the output delta ``dJ/dZ_L`` of each loss with its natural output activation (linear+MSE,
sigmoid+BCE, softmax+CCE) is exactly ``(A - Y) / m``: that fused form is used for those pairs,
and the general chain rule ``dZ = g'(Z) * dJ/dA`` for every other pair. Log losses clip ``A``
to ``[eps, 1 - eps]`` (``eps`` of the dtype, as scikit-learn does), so they never take
``log(0)``; their ``dJ/dA`` is the gradient of that clipped cost (zero where clipped).

With its natural output, a log loss also has a stable form computed from the output layer's
pre-activation ``Z`` (the logits) rather than from ``A``: for sigmoid + bce
``sum_k [y_k softplus(-z_k) + (1 - y_k) softplus(z_k)]`` (log-sigmoid), for softmax + cce
``-sum_k y_k log_softmax(z)_k``. It is the true cross-entropy at any finite logit (the clipped
form saturates: at a logit of 40 it reads 36.04 instead of 40), and its gradient is exactly
the fused delta ``(A - Y) / m`` that backward uses. ``fnnet.cost(AL, Y, loss)`` sees only
``A`` and so computes the clipped form; :meth:`Loss.network_cost` and the gradient checker use
the stable form for those two pairs and the clipped form for every other pair.

A record (:class:`Loss`) holds the cost, its gradient, the rule its targets must meet, its
natural output activation (and so the fused delta), the stable cost from the logits for that
pair, whether it classifies, and the exact cost changes the gradient checker uses.
"""

from __future__ import annotations

import inspect
import math
from typing import Callable, Dict, Optional, Union

import numpy as np

from . import activations as _act
from ._validation import as_matrix, column_factors, format_shape, format_value, raise_not_finite
from .regularization import check_penalty, penalty

__all__ = ["Loss", "LOSSES", "cost"]

#: The rules a loss's targets can follow (the ``targets`` argument of :class:`Loss`).
TARGET_RULES = ("real", "unit_interval", "distribution")


class Loss:
    """A cost ``J(A, Y)``, its gradient ``dJ/dA`` (both with the ``1/m`` included), and every
    other fact about the loss.

    Parameters
    ----------
    name : str
    cost : callable
        ``(A, Y) -> float``; ``A`` and ``Y`` of shape ``(n_L, m)``, validated. A cost that also
        takes ``(A, Y, c)``, the column factors ``c`` of shape ``(1, m)`` (see above), supports
        ``sample_weight``.
    gradient : callable
        ``(A, Y) -> dJ/dA``, a new array of shape ``(n_L, m)``.
    probabilities : bool, default False
        Whether outputs and targets must lie in ``[0, 1]`` (log losses).
    targets : {"real", "unit_interval", "distribution"}, optional
        The rule targets must meet: finite reals, values in ``[0, 1]``, or columns that are
        probability vectors (one-hot labels included). Default: ``"unit_interval"`` when
        ``probabilities``, else ``"real"``.
    natural_output : Activation, optional
        The output activation whose pairing with this loss has the output delta
        ``dJ/dZ_L = (A - Y) / m`` exactly (the fused delta).
    classifies : bool, optional
        Whether outputs are class scores, so training also reports accuracy. Default:
        ``probabilities``.
    change : callable, optional
        ``change(A, Y, dA) -> (K,)``: ``J(A + dA[:, k, :]) - J(A)`` for ``dA`` of shape
        ``(n_L, K, m)``, without cancellation (the gradient checker's). Default: plain differences.
    cost_from_logits : callable, optional
        ``(Z, Y) -> float``: the same cost computed stably from the pre-activation ``Z``
        (n_L, m) of the natural output layer, whose gradient ``dJ/dZ`` is ``(A - Y) / m``.
    change_from_logits : callable, optional
        ``(Z, Y, dZ) -> (K,)``: its change for ``dZ`` of shape ``(n_L, K, m)``, without
        cancellation. Default: plain differences of ``cost_from_logits``.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> half_mse = fnnet.Loss("half_mse", lambda A, Y: 0.5 * fnnet.cost(A, Y, "mse"),
    ...                       lambda A, Y: 0.5 * (A - Y) / A.shape[1])
    >>> fnnet.cost(np.array([[1.0, 3.0]]), np.array([[0.0, 1.0]]), half_mse)
    0.625
    """

    def __init__(self, name: str, cost: Callable, gradient: Callable, probabilities: bool = False, *,
                 targets: Optional[str] = None, natural_output: Optional[_act.Activation] = None,
                 classifies: Optional[bool] = None, change: Optional[Callable] = None,
                 cost_from_logits: Optional[Callable] = None, change_from_logits: Optional[Callable] = None,
                 hint: str = "") -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Loss name must be a non-empty str, got {name!r}")
        for label, fn in (("cost", cost), ("gradient", gradient), ("change", change),
                          ("cost_from_logits", cost_from_logits), ("change_from_logits", change_from_logits)):
            if fn is not None and not callable(fn):
                raise TypeError(f"Loss {name!r}: {label} must be callable, got {type(fn).__name__}")
        targets = targets or ("unit_interval" if probabilities else "real")
        if targets not in TARGET_RULES:
            raise ValueError(f"Loss {name!r}: unknown targets rule {targets!r}; valid rules are {TARGET_RULES}")
        self.name = name
        self.cost = cost
        self.takes_weights = _takes_three_arguments(cost)
        self.gradient = gradient
        self.probabilities = bool(probabilities)
        self.targets = targets
        self.natural_output = natural_output
        self.classifies = self.probabilities if classifies is None else bool(classifies)
        self.change = change if change is not None else self._plain_change
        self.cost_from_logits = cost_from_logits
        self.change_from_logits = (change_from_logits if change_from_logits is not None or cost_from_logits is None
                                   else self._plain_logit_change)
        self.hint = hint  # what to do with 1-D targets (class labels)

    def weighted_cost(self, A: np.ndarray, Y: np.ndarray, c: Optional[np.ndarray] = None) -> float:
        """The cost with column factors ``c`` (1, m) (None: unweighted), for validated ``A``, ``Y``."""
        if c is None:
            return float(self.cost(A, Y))
        if not self.takes_weights:
            raise TypeError(f"loss {self.name!r} does not take sample weights: its cost takes (A, Y); give a cost "
                            "(A, Y, c) that weights example i by c[0, i]")
        return float(self.cost(A, Y, c))

    def uses_logits(self, activation: _act.Activation) -> bool:
        """Whether an output layer ``activation`` has this loss's cost computed from its ``Z``:
        the natural pair, when the loss has a stable form from the logits."""
        return activation is self.natural_output and self.cost_from_logits is not None

    def network_cost(self, activation: _act.Activation, AL: np.ndarray, Y: np.ndarray,
                     ZL: Optional[np.ndarray] = None, c: Optional[np.ndarray] = None) -> float:
        """The cost of a network whose output layer is ``activation``, for validated ``AL``, ``Y``
        (and its pre-activation ``ZL``), all of shape ``(n_L, m)``.

        From ``ZL`` (log-sigmoid, log-softmax) when :meth:`uses_logits` and ``ZL`` is given:
        the true cross-entropy at any logit; else ``cost(AL, Y)``.

        Examples
        --------
        >>> import numpy as np
        >>> from fnnet.activations import ACTIVATIONS
        >>> Z, Y = np.array([[40.0]]), np.array([[0.0]])
        >>> A = ACTIVATIONS["sigmoid"].function(Z)
        >>> BCE.network_cost(ACTIVATIONS["sigmoid"], A, Y, Z), round(BCE.cost(A, Y), 2)
        (40.0, 36.04)
        """
        if ZL is not None and self.uses_logits(activation):
            return float(self.cost_from_logits(ZL, Y) if c is None else self.cost_from_logits(ZL, Y, c))
        return self.weighted_cost(AL, Y, c)

    def output_delta(self, activation: _act.Activation, AL: np.ndarray, Y: np.ndarray,
                     ZL: Optional[np.ndarray] = None, c: Optional[np.ndarray] = None, *,
                     fused: bool = True, out: Optional[np.ndarray] = None) -> np.ndarray:
        """``dZ_L = dJ/dZ_L`` for validated ``AL``, ``Y`` of shape ``(n_L, m)``; a new array,
        or ``out`` (of that shape) for the natural output activation.

        ``(A - Y) / m`` for the natural output activation, else the chain rule
        ``g'(Z_L) * dJ/dA_L``; with column factors ``c`` (1, m), each column times its
        factor. ``fused=False`` forces the chain rule (tests compare both).
        """
        if fused and activation is self.natural_output:
            delta = np.subtract(AL, Y, out=out)
            if c is not None:
                delta *= c
            delta /= AL.shape[1]
            return delta
        self.check_outputs(AL)
        dA = self.gradient(AL, Y) if c is None else self.gradient(AL, Y) * c  # columns are independent
        return activation.backprop(dA, AL, ZL)

    def check_outputs(self, AL: np.ndarray) -> None:
        """Log losses need outputs in ``[0, 1]`` (a sigmoid or softmax output layer)."""
        if self.probabilities:
            lo, hi = float(AL.min()), float(AL.max())
            if lo < 0.0 or hi > 1.0:
                raise ValueError(f"{self.name} needs outputs in [0, 1] (a sigmoid or softmax output layer); "
                                 f"got outputs in [{format_value(lo)}, {format_value(hi)}]")

    def check_targets(self, Y, shape, dtype: np.dtype, name: str = "Y") -> np.ndarray:
        """``Y`` validated against the output shape ``(n_L, m)`` and this loss's rule; cast to ``dtype``.

        ``name`` is what messages call the array (``"Y_val"`` for validation targets).
        """
        n_out, m = shape
        if np.ndim(Y) == 1 and self.hint:
            raise ValueError(f"{name} has shape {format_shape(np.shape(Y))}, expected (n_L, m) = "
                             f"{format_shape(shape)}: targets are columns; " + self.hint.format(name=name))
        Y = as_matrix(Y, name, dtype, check_finite=self.targets == "real")  # the range check below finds NaN/inf
        if Y.shape != shape:
            hint = f"; did you pass examples as rows? use {name}.T" if Y.shape == (m, n_out) else ""
            if self.hint and Y.shape == (1, m) and n_out > 1:
                hint = "; " + self.hint.format(name=name)
            raise ValueError(f"{name} has shape {format_shape(Y.shape)}, expected (n_L, m) = "
                             f"{format_shape(shape)} like the output{hint}")
        if self.targets != "real":
            lo, hi = float(Y.min()), float(Y.max())
            if not (lo >= 0.0 and hi <= 1.0):  # false for NaN too
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    raise_not_finite(Y, name)
                what = ("be one-hot or probability columns (values in [0, 1], each column summing to 1)"
                        if self.targets == "distribution" else "lie in [0, 1]")
                hint = f" ({self.hint.format(name=name)})" if self.hint and self.targets == "distribution" else ""
                raise ValueError(f"{self.name} targets {name} must {what}; got values in "
                                 f"[{format_value(lo)}, {format_value(hi)}]{hint}")
        if self.targets == "distribution":
            gaps = np.abs(Y.sum(axis=0) - 1.0)
            worst = int(gaps.argmax())
            if gaps[worst] > float(np.sqrt(np.finfo(dtype).eps)) * max(1, n_out):
                sums = Y.sum(axis=0)
                raise ValueError(f"{self.name} targets {name} must be one-hot or probability columns summing "
                                 f"to 1; column {worst} sums to {format_value(sums[worst])}"
                                 + (f" ({self.hint.format(name=name)})" if self.hint else ""))
        return Y

    def _plain_change(self, A: np.ndarray, Y: np.ndarray, dA: np.ndarray, c: Optional[np.ndarray] = None) -> np.ndarray:
        J = self.weighted_cost(A, Y, c)
        return np.array([self.weighted_cost(A + dA[:, k, :], Y, c) - J for k in range(dA.shape[1])])

    def _plain_logit_change(self, Z: np.ndarray, Y: np.ndarray, dZ: np.ndarray,
                            c: Optional[np.ndarray] = None) -> np.ndarray:
        cost = self.cost_from_logits if c is None else (lambda Z, Y: self.cost_from_logits(Z, Y, c))
        J = cost(Z, Y)
        return np.array([cost(Z + dZ[:, k, :], Y) - J for k in range(dZ.shape[1])])

    def weighted_changes(self, c: Optional[np.ndarray]) -> bool:
        """Whether :attr:`change` (and :attr:`change_from_logits`) take the column factors ``c``
        (1, m) as a fourth argument, as the built-ins do (always true for ``c`` None)."""
        return c is None or all(_takes_arguments(fn, 4) for fn in (self.change, self.change_from_logits)
                                if fn is not None)

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


def _eps(A: np.ndarray) -> float:
    return float(np.finfo(A.dtype).eps)


def _weighted(T: np.ndarray, c: Optional[np.ndarray]) -> np.ndarray:
    """``T`` (n, m) with each column times its factor ``c`` (1, m), or ``T`` itself."""
    return T if c is None else T * c


def _takes_three_arguments(function: Callable) -> bool:
    """Whether ``function(A, Y, c)`` can be called (a cost that supports sample weights)."""
    return _takes_arguments(function, 3)


def _takes_arguments(function: Callable, count: int) -> bool:
    """Whether ``function`` can be called with ``count`` positional arguments."""
    try:
        inspect.signature(function).bind(*([None] * count))
        return True
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): assume the plain (A, Y)
        return False


def _log_changes(weights: np.ndarray, A: np.ndarray, dA: np.ndarray, upper: float,
                 complement: bool = False) -> np.ndarray:
    """``sum_ij w_ij [log c(a_ij + d_ikj) - log c(a_ij)]`` per copy ``k``, ``c = clip(., eps, upper)``.

    ``complement``: of ``log(1 - c(.))`` instead. ``A`` is (n, m), ``dA`` (n, K, m); only
    entries with a nonzero weight are gathered (one per column for one-hot targets), and the
    change of the log is ``log1p(change / value)``, free of cancellation.
    """
    eps = _eps(A)
    rows, cols = np.nonzero(weights)
    a = A[rows, cols][:, None]
    d = dA[rows, :, cols]  # (nnz, K)
    new = a + d
    ca, cn = np.clip(a, eps, upper), np.clip(new, eps, upper)
    unclipped = (a >= eps) & (a <= upper) & (new >= eps) & (new <= upper)
    dc = np.where(unclipped, d, cn - ca)
    logs = np.log1p(-dc / (1.0 - ca)) if complement else np.log1p(dc / ca)
    return weights[rows, cols] @ logs


# --- mse: 0.5 * sum (a - y)^2 ----------------------------------------------------------------------
def _mse_cost(A: np.ndarray, Y: np.ndarray, c: Optional[np.ndarray] = None) -> float:
    R = A - Y
    return 0.5 * float(np.vdot(R if c is None else R * c, R)) / A.shape[1]


def _mse_change(A, Y, dA, c=None):
    # 0.5 |r + d|^2 - 0.5 |r|^2 = <d, r + d / 2>
    per_entry = dA * ((A - Y)[:, None, :] + 0.5 * dA)
    return _weighted(per_entry, c).sum(axis=(0, 2)) / A.shape[1]


MSE = Loss("mse", _mse_cost, lambda A, Y: (A - Y) / A.shape[1], targets="real",
           natural_output=_act.LINEAR, classifies=False, change=_mse_change)


# --- bce: -[y log a + (1 - y) log(1 - a)] ------------------------------------------------------------
def _bce_cost(A: np.ndarray, Y: np.ndarray, c: Optional[np.ndarray] = None) -> float:
    eps = _eps(A)
    Ac = np.clip(A, eps, 1.0 - eps)  # both logs finite
    Y1, Y0 = _weighted(Y, c), _weighted(1.0 - Y, c)
    return -float(np.vdot(Y1, np.log(Ac)) + np.vdot(Y0, np.log1p(-Ac))) / A.shape[1]


def _bce_gradient(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    eps = _eps(A)
    Ac = np.clip(A, eps, 1.0 - eps)
    G = (Ac - Y) / (Ac * (1.0 - Ac)) / A.shape[1]
    G[(A < eps) | (A > 1.0 - eps)] = 0.0  # the clipped cost is flat there
    return G


def _bce_change(A, Y, dA, c=None):
    upper = 1.0 - _eps(A)
    return -(_log_changes(_weighted(Y, c), A, dA, upper)
             + _log_changes(_weighted(1.0 - Y, c), A, dA, upper, complement=True)) / A.shape[1]


def _softplus(Z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, Z)  # log(1 + exp(z)), never overflows


def _softplus_change(z: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``softplus(z + d) - softplus(z)`` without cancellation (broadcast shapes)."""
    # softplus(z + d) - softplus(z) = log1p(sigmoid(z) expm1(d)), written about -|z| so that
    # sigmoid <= 1/2 (for z > 0 through softplus(z) = z + softplus(-z)); plain beyond |d| = 1,
    # where expm1 could overflow and the difference is no longer small.
    z, d = np.broadcast_arrays(z, d)
    positive = z > 0.0
    small = np.minimum(np.abs(d), 1.0)
    signed = np.where(positive, -np.copysign(small, d), np.copysign(small, d))
    core = np.log1p(_act.SIGMOID.function(-np.abs(z)) * np.expm1(signed))
    out = np.where(positive, d + core, core)
    large = np.abs(d) > 1.0
    if large.any():  # for z > 0 about -z, as softplus(x) = x + softplus(-x): nothing huge is subtracted
        zl, dl = z[large], d[large]
        out[large] = np.where(zl > 0.0, dl + (_softplus(-zl - dl) - _softplus(-zl)), _softplus(zl + dl) - _softplus(zl))
    return out


def _bce_cost_from_logits(Z: np.ndarray, Y: np.ndarray, c: Optional[np.ndarray] = None) -> float:
    # -[y log s(z) + (1 - y) log(1 - s(z))] = y softplus(-z) + (1 - y) softplus(z)
    return float(np.vdot(_weighted(Y, c), _softplus(-Z)) + np.vdot(_weighted(1.0 - Y, c), _softplus(Z))) / Z.shape[1]


def _bce_change_from_logits(Z, Y, dZ, c=None):
    z, y = Z[:, None, :], Y[:, None, :]
    per_entry = y * _softplus_change(-z, -dZ) + (1.0 - y) * _softplus_change(z, dZ)
    return _weighted(per_entry, c).sum(axis=(0, 2)) / Z.shape[1]


BCE = Loss("bce", _bce_cost, _bce_gradient, probabilities=True, targets="unit_interval",
           natural_output=_act.SIGMOID, change=_bce_change, cost_from_logits=_bce_cost_from_logits,
           change_from_logits=_bce_change_from_logits, hint="use {name}.reshape(1, -1)")


# --- cce: -sum y log a --------------------------------------------------------------------------------
def _cce_cost(A: np.ndarray, Y: np.ndarray, c: Optional[np.ndarray] = None) -> float:
    return -float(np.vdot(_weighted(Y, c), np.log(np.maximum(A, _eps(A))))) / A.shape[1]


def _cce_gradient(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    eps = _eps(A)
    G = -Y / np.maximum(A, eps) / A.shape[1]
    G[A < eps] = 0.0  # the clipped cost is flat there
    return G


def _log_softmax(Z: np.ndarray) -> np.ndarray:
    shifted = Z - np.max(Z, axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))


def _cce_cost_from_logits(Z: np.ndarray, Y: np.ndarray, c: Optional[np.ndarray] = None) -> float:
    return -float(np.vdot(_weighted(Y, c), _log_softmax(Z))) / Z.shape[1]


def _cce_change_from_logits(Z, Y, dZ, c=None):
    # Per class c: -log s_c(z + d) + log s_c(z) = log1p(sum_k s_k expm1(d_k - d_c)), s = softmax(z);
    # the k = c term is zero, so nothing cancels. Plain differences for a copy moving beyond 1/2,
    # where expm1 could overflow and the change is no longer small.
    rows, cols = np.nonzero(Y)  # one entry per column for one-hot targets
    S = _act.SOFTMAX.function(Z)[:, None, cols]  # (n, 1, nnz)
    gaps = np.minimum(dZ[:, :, cols] - dZ[rows, :, cols].T[None], 1.0)  # (n, K, nnz)
    out = np.log1p(np.sum(S * np.expm1(gaps), axis=0)) @ _weighted(Y, c)[rows, cols]  # (K,)
    for k in np.flatnonzero(np.abs(dZ).max(axis=(0, 2)) > 0.5):
        out[k] = (_cce_cost_from_logits(Z + dZ[:, k, :], Y, c) - _cce_cost_from_logits(Z, Y, c)) * Z.shape[1]
    return out / Z.shape[1]


CCE = Loss("cce", _cce_cost, _cce_gradient, probabilities=True, targets="distribution",
           natural_output=_act.SOFTMAX, change=lambda A, Y, dA, c=None: -_log_changes(_weighted(Y, c), A, dA, np.inf) / A.shape[1],
           cost_from_logits=_cce_cost_from_logits, change_from_logits=_cce_change_from_logits,
           hint="for class labels use fnnet.one_hot(labels, k)")


#: The built-in losses by name.
LOSSES: Dict[str, Loss] = {"mse": MSE, "bce": BCE, "cce": CCE}


def get_loss(spec: Union[str, Loss]) -> Loss:
    """Look a loss up by name (``"mse"``, ``"bce"``, ``"cce"``), or pass a :class:`Loss` through.

    Examples
    --------
    >>> get_loss("bce").natural_output
    Activation('sigmoid')
    """
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, str):
        if spec in LOSSES:
            return LOSSES[spec]
        raise ValueError(f"unknown loss {spec!r}; valid names are {', '.join(map(repr, LOSSES))}")
    raise TypeError(f"loss must be a name (str) or a fnnet.Loss, got {type(spec).__name__}")


def cost(AL, Y, loss: Union[str, Loss], *, params=None, l2: float = 0.0, l1: float = 0.0,
         sample_weight=None) -> float:
    """The scalar cost ``J``: the (weighted) mean over the ``m`` examples of a per-example
    loss, plus the penalty on ``params``' weights when ``l2``/``l1`` are given.

    Parameters
    ----------
    AL : array_like, shape (n_L, m)
        Network outputs, one example per column.
    Y : array_like, shape (n_L, m)
        Targets (ints are fine).
    loss : {"mse", "bce", "cce"} or Loss
    params : dict, optional
        The network's params, for the penalty ``(l2 / 2) * sum ||W||^2 + l1 * sum |W|``
        (see :func:`fnnet.penalty`); needed when ``l2`` or ``l1`` is non-zero.
    l2, l1 : float, default 0.0
    sample_weight : array_like, shape (m,), optional
        Non-negative weights per example: ``J = sum_i w_i loss_i / sum_i w_i``.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.cost(np.array([[0.5, 2.0]]), np.array([[1.0, 2.0]]), "mse")   # 0.5*0.25 / 2
    0.0625
    >>> fnnet.cost(np.array([[0.5, 2.0]]), np.array([[1.0, 2.0]]), "mse", sample_weight=[3, 1])  # 3*0.125 / 4
    0.09375
    """
    loss = get_loss(loss)
    AL = np.asarray(AL)
    dtype = AL.dtype if AL.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    AL = as_matrix(AL, "AL", dtype)
    Y = loss.check_targets(Y, AL.shape, dtype)
    loss.check_outputs(AL)
    c = column_factors(sample_weight, AL.shape[1], dtype)
    l2, l1 = check_penalty(l2, l1)
    J = loss.weighted_cost(AL, Y, c)
    if l2 or l1:
        if params is None:
            raise ValueError("cost with l2 or l1 needs params= (the penalty is on the weights)")
        J += penalty(params, l2=l2, l1=l1)
    return J

