"""Optimizers as pure functions on dicts that mirror params key for key.

Every optimizer is a pair of functions following one pattern::

    state = init_adam(params)                                        # dict mirroring params
    params, state = adam_update(params, grads, state, lr=1e-3)       # new dicts, inputs untouched

``OPTIMIZERS`` maps a name to its ``Optimizer(init, update)`` pair; :func:`fnnet.train` and
``python -m fnnet train`` look names up there. Every update returns new dicts; the arrays it
was given are never written to. State arrays have the params' dtype, so float32 stays float32.

L2 weight decay (``weight_decay=lam``) adds ``lam * W`` to the gradient of every weight
matrix (keys starting with ``"W"``) before the update, as for the cost
``J + lam/2 * sum_l ||W_l||^2``; biases (``"b..."``) are not decayed, as in scikit-learn's MLP
and the deep-learning course.
"""

from __future__ import annotations

import numbers
from functools import partial
from typing import Callable, Dict, Mapping, NamedTuple, Tuple

import numpy as np

from ._validation import check_like, check_lr, check_nonneg, check_positive, constant

__all__ = [
    "sgd_step",
    "Optimizer", "OPTIMIZERS", "get_optimizer",
    "init_sgd", "sgd_update",
    "init_momentum", "momentum_update",
    "init_adam", "adam_update",
]

Params = Dict[str, np.ndarray]


def sgd_step(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], lr: float) -> Dict[str, np.ndarray]:
    """One step of plain gradient descent: ``p <- p - lr * dp`` for every key.

    The stateless shorthand for ``sgd_update(params, grads, {}, lr=lr)[0]``.

    Parameters
    ----------
    params : dict of ndarray
        Any dict of float arrays (a network's ``W1, b1, ...``).
    grads : dict of ndarray
        The same keys and shapes, e.g. from :func:`fnnet.backward`.
    lr : float
        Learning rate, positive and finite.

    Returns
    -------
    dict
        New arrays, same keys, order, shapes and dtypes as ``params``.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.sgd_step({"W1": np.ones((1, 2))}, {"W1": np.full((1, 2), 4.0)}, lr=0.25)
    {'W1': array([[0., 0.]])}
    """
    return _descend(params, grads, check_lr(lr), 0.0)


# --- the (init, update) optimizers ------------------------------------------------------------


def _descend(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], lr: float,
             weight_decay: float) -> Params:
    """``p - lr * (dp + weight_decay * p)`` for every key, as new arrays in ``p``'s dtype (the
    hot path of every training step: two ufunc calls a key, the checks folded into the loop)."""
    if type(params) is not dict or type(grads) is not dict or len(grads) != len(params):
        _check_float_params(params)
        check_like(params, grads, "grads")
    new = {}
    dtype = factor = None
    for key, p in params.items():
        g = grads.get(key)
        if type(p) is not np.ndarray or type(g) is not np.ndarray or g.shape != p.shape:
            _check_float_params(params)
            check_like(params, grads, "grads")  # raises for a missing key or a shape
        if p.dtype is not dtype:
            if p.dtype.kind != "f":
                _check_float_params(params)  # raises
            dtype, factor = p.dtype, constant((), -lr, p.dtype)
        if weight_decay or g.dtype is not dtype:
            if g.dtype.kind != "f":
                check_like(params, grads, "grads")  # raises
            g = _gradient(key, p, g, weight_decay)
        step = g * factor
        step += p
        new[key] = step
    return new


def _check_float_params(params: Mapping) -> None:
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    for key, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise TypeError(f"params[{key!r}] must be a float numpy.ndarray, got {getattr(p, 'dtype', type(p).__name__)}")


def _check_rate(value, name: str, *, upper_open: float = 1.0) -> float:
    """A coefficient in ``[0, upper_open)`` as a Python float (Python floats keep float32 float32)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, {upper_open:g}), got {type(value).__name__} {value!r}")
    value = float(value)
    if not (0.0 <= value < upper_open):
        raise ValueError(f"{name} must be in [0, {upper_open:g}), got {value!r}")
    return value


def _check_state(params: Mapping, state, keys: Tuple[str, ...], optimizer: str) -> None:
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be the dict returned by init_{optimizer}(params), got {type(state).__name__}")
    for key in keys:
        if key not in state:
            raise ValueError(f"state has no {key!r}; pass the dict returned by init_{optimizer}(params)")
        check_like(params, state[key], f"state[{key!r}]")


def _gradient(key: str, p: np.ndarray, g: np.ndarray, weight_decay: float) -> np.ndarray:
    """``g + weight_decay * p`` for weights, ``g`` for biases, in ``p``'s dtype (maybe ``g`` itself)."""
    g = g.astype(p.dtype, copy=False)
    if weight_decay and key.startswith("W"):
        g = p * weight_decay + g  # a new array
    return g


def init_sgd(params: Mapping[str, np.ndarray]) -> dict:
    """State of plain SGD: an empty dict (SGD remembers nothing between steps).

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...``: float32 or float64 arrays of any shapes (checked, not stored).

    Returns
    -------
    dict
        ``{}``, the ``state`` :func:`sgd_update` takes.

    Examples
    --------
    >>> import fnnet
    >>> fnnet.init_sgd(fnnet.init_params([2, 1], seed=0))
    {}
    """
    _check_float_params(params)
    return {}


def sgd_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping, *,
               lr: float, weight_decay: float = 0.0) -> Tuple[Params, dict]:
    """One plain gradient-descent step, ``p <- p - lr * (dp + weight_decay * p)``.

    The weight-decay term applies to weights (keys ``W...``) only, not to biases.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...`` of any shapes, float32 or float64.
    grads : dict of ndarray
        Same keys and shapes, e.g. from :func:`fnnet.backward`.
    state : dict
        From :func:`init_sgd` (empty).
    lr : float
        Learning rate, positive and finite.
    weight_decay : float, default 0.0
        L2 coefficient ``lam >= 0``.

    Returns
    -------
    (dict, dict)
        New params (same keys, order, shapes, dtypes) and the new (empty) state.
    """
    lr = check_lr(lr)
    weight_decay = check_nonneg(weight_decay, "weight_decay")
    if type(state) is not dict and not isinstance(state, Mapping):
        raise TypeError(f"state must be the dict returned by init_sgd(params), got {type(state).__name__}")
    return _descend(params, grads, lr, weight_decay), {}


def init_momentum(params: Mapping[str, np.ndarray]) -> dict:
    """State of momentum SGD (and Nesterov): a zero velocity per parameter.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...``: float32 or float64 arrays of any shapes.

    Returns
    -------
    dict
        ``{"velocity": {k: zeros_like(params[k])}}``: each velocity of ``params[k]``'s shape
        and dtype, e.g. ``(n_l, n_{l-1})`` for ``W{l}`` and ``(n_l, 1)`` for ``b{l}``.

    Examples
    --------
    >>> import fnnet
    >>> state = fnnet.init_momentum(fnnet.init_params([2, 1], seed=0))
    >>> {k: v.shape for k, v in state["velocity"].items()}
    {'W1': (1, 2), 'b1': (1, 1)}
    """
    _check_float_params(params)
    return {"velocity": {key: np.zeros_like(p) for key, p in params.items()}}


def momentum_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping, *,
                    lr: float, beta: float = 0.9, nesterov: bool = False,
                    weight_decay: float = 0.0) -> Tuple[Params, dict]:
    """One step of SGD with momentum (heavy ball), or Nesterov's accelerated gradient.

    With ``g = dp + weight_decay * p`` (decay on weights only)::

        v <- beta * v - lr * g
        p <- p + v                          (classical momentum)
        p <- p + beta * v - lr * g          (nesterov=True, with the new v)

    the formulation of Sutskever et al. (2013) that scikit-learn's ``SGDOptimizer`` uses.

    Parameters
    ----------
    params, grads : dict of ndarray
        Mirroring each other key for key.
    state : dict
        ``{"velocity": dict mirroring params}``, from :func:`init_momentum` or the last update.
    lr : float
        Learning rate, positive and finite.
    beta : float, default 0.9
        Momentum coefficient in ``[0, 1)``; 0 gives plain SGD.
    nesterov : bool, default False
    weight_decay : float, default 0.0

    Returns
    -------
    (dict, dict)
        New params and new state ``{"velocity": ...}``, arrays in the params' dtype.
    """
    lr = check_lr(lr)
    beta = _check_rate(beta, "beta")
    weight_decay = check_nonneg(weight_decay, "weight_decay")
    _check_float_params(params)
    check_like(params, grads, "grads")
    _check_state(params, state, ("velocity",), "momentum")
    new, velocity = {}, {}
    for key, p in params.items():
        g = _gradient(key, p, grads[key], weight_decay)
        v = state["velocity"][key] * beta  # a new array, in p's dtype when v has it
        v = v.astype(p.dtype, copy=False)
        v -= g * lr
        if nesterov:
            step = v * beta
            step -= g * lr
        else:
            step = v.copy()
        step += p
        new[key], velocity[key] = step, v
    return new, {"velocity": velocity}


def init_adam(params: Mapping[str, np.ndarray]) -> dict:
    """State of Adam: first and second moment estimates and the step count.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...``: float32 or float64 arrays of any shapes.

    Returns
    -------
    dict
        ``{"m": {k: zeros_like(params[k])}, "v": {k: zeros_like(params[k])}, "t": 0}``: the
        moments of ``params[k]``'s shape and dtype (``(n_l, n_{l-1})`` for ``W{l}``,
        ``(n_l, 1)`` for ``b{l}``), and the int count of steps taken.

    Examples
    --------
    >>> import fnnet
    >>> state = fnnet.init_adam(fnnet.init_params([2, 1], seed=0))
    >>> {k: v.shape for k, v in state["m"].items()}, state["t"]
    ({'W1': (1, 2), 'b1': (1, 1)}, 0)
    """
    _check_float_params(params)
    return {"m": {key: np.zeros_like(p) for key, p in params.items()},
            "v": {key: np.zeros_like(p) for key, p in params.items()},
            "t": 0}


def adam_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping, *,
                lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                weight_decay: float = 0.0) -> Tuple[Params, dict]:
    """One Adam step (Kingma & Ba 2015, Algorithm 1).

    With ``g = dp + weight_decay * p`` (decay on weights only, i.e. L2 regularisation, not AdamW)::

        t <- t + 1
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        p <- p - lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...`` of any shapes (``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` is ``(n_l, 1)``),
        float32 or float64.
    grads : dict of ndarray
        Same keys and shapes as ``params``, e.g. from :func:`fnnet.backward`.
    state : dict
        ``{"m": dict, "v": dict, "t": int}`` from :func:`init_adam` or the last update;
        ``m`` and ``v`` mirror ``params`` key for key and shape for shape.
    lr : float
        Step size, positive and finite (1e-3 is the usual default).
    beta1, beta2 : float, default 0.9 and 0.999
        Decay rates of the moment estimates, in ``[0, 1)``.
    eps : float, default 1e-8
        Positive and finite, added to the denominator.
    weight_decay : float, default 0.0
        L2 coefficient ``lam >= 0`` (weights only).

    Returns
    -------
    (dict, dict)
        New params (same keys, order, shapes and dtypes) and the new state: ``m`` and ``v``
        of the params' shapes and dtype, ``t`` one larger.
    """
    lr = check_lr(lr)
    beta1 = _check_rate(beta1, "beta1")
    beta2 = _check_rate(beta2, "beta2")
    eps = check_positive(eps, "eps")
    weight_decay = check_nonneg(weight_decay, "weight_decay")
    _check_float_params(params)
    check_like(params, grads, "grads")
    _check_state(params, state, ("m", "v"), "adam")
    t = state.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
        raise ValueError(f"state['t'] must be a non-negative int step count, got {t!r}")
    t = int(t) + 1
    m_scale = 1.0 / (1.0 - beta1 ** t)  # Python floats: float32 stays float32
    v_scale = 1.0 / (1.0 - beta2 ** t)
    new, m_new, v_new = {}, {}, {}
    for key, p in params.items():
        g = _gradient(key, p, grads[key], weight_decay)
        m = (state["m"][key] * beta1).astype(p.dtype, copy=False)
        m += g * (1.0 - beta1)
        v = (state["v"][key] * beta2).astype(p.dtype, copy=False)
        v += np.square(g) * (1.0 - beta2)
        denom = v * v_scale
        np.sqrt(denom, out=denom)
        denom += eps
        step = m * (-lr * m_scale)
        step /= denom
        step += p
        new[key], m_new[key], v_new[key] = step, m, v
    return new, {"m": m_new, "v": v_new, "t": t}


class Optimizer(NamedTuple):
    """An optimizer as a pair of pure functions (the entries of :data:`OPTIMIZERS`).

    Parameters
    ----------
    init : callable
        ``state = init(params)``: the state before the first step, a dict whose arrays mirror
        ``params`` (shapes ``(n_l, n_{l-1})`` for ``W{l}``, ``(n_l, 1)`` for ``b{l}``).
    update : callable
        ``params, state = update(params, grads, state, lr=..., weight_decay=..., **options)``:
        one step, returning new dicts and leaving its arguments untouched.
    """

    init: Callable[[Mapping[str, np.ndarray]], dict]
    update: Callable[..., Tuple[Params, dict]]


#: The built-in optimizers by name; ``fnnet.train(optimizer=name)`` and the CLI look them up here.
OPTIMIZERS: Dict[str, Optimizer] = {
    "sgd": Optimizer(init_sgd, sgd_update),
    "momentum": Optimizer(init_momentum, momentum_update),
    "nesterov": Optimizer(init_momentum, partial(momentum_update, nesterov=True)),
    "adam": Optimizer(init_adam, adam_update),
}


def get_optimizer(spec) -> Optimizer:
    """Look up ``spec`` in :data:`OPTIMIZERS`, or accept an ``(init, update)`` pair of callables.

    Parameters
    ----------
    spec : str or tuple of two callables
        A name (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``) or ``(init, update)``.

    Returns
    -------
    Optimizer
        The registered pair, or ``Optimizer(init, update)`` for a tuple.

    Raises
    ------
    ValueError
        For an unknown name.
    TypeError
        For anything else.

    Examples
    --------
    >>> import fnnet
    >>> fnnet.get_optimizer("adam").update is fnnet.adam_update
    True
    """
    if isinstance(spec, str):
        try:
            return OPTIMIZERS[spec]
        except KeyError:
            raise ValueError(
                f"unknown optimizer {spec!r}; valid names are {', '.join(map(repr, OPTIMIZERS))}"
            ) from None
    if isinstance(spec, tuple) and len(spec) == 2 and all(callable(f) for f in spec):
        return Optimizer(*spec)
    raise TypeError(f"optimizer must be a name ({', '.join(OPTIMIZERS)}) or an (init, update) pair, got {spec!r}")
