"""Optimizers as pure functions on dicts that mirror params key for key.

Every optimizer is a pair of functions following one pattern::

    state = init_adam(params)                                        # dict mirroring params
    params, state = adam_update(params, grads, state, lr=1e-3)       # new dicts, inputs untouched

Each update rule is written once, for ONE array, as the paper writes it (``_sgd``,
``_momentum``, ``_rmsprop``, ``_adagrad``, ``_adam``, ``_adamw``), and lifted over the params
dict by one helper, ``_lift``, which is also the one place that checks the structure (grads and
every state dict mirror params key for key and shape for shape, float arrays) and the numerics
(a step that overflows the dtype, or a NaN/inf given in, is a ``ValueError`` naming the
optimizer and the key, never a ``RuntimeWarning`` and never an inf returned).

``OPTIMIZERS`` maps a name to its ``Optimizer(init, update)`` pair; :func:`fnnet.train` and
``python -m fnnet train`` look names up there. Every update returns new dicts; the arrays it
was given are never written to. State arrays have the params' dtype, so float32 stays float32
(every constant is a Python float: a NumPy float64 scalar would upcast float32 arrays).

The optimizers take the gradient they are given and add nothing to it. An L2 (or L1) penalty
on the weights is part of the cost, so it is in the gradient already: ``fnnet.backward(...,
l2=lam)`` adds ``lam * W`` to every ``dW`` (``fnnet.train(l2=lam)`` passes it on), for the cost
``J + lam/2 * sum_l ||W_l||^2``, biases not penalised. The one ``weight_decay`` left is
AdamW's, the decoupled kind (:func:`adamw_update`): it shrinks the weights outside the
gradient, so Adam's per-entry scaling never touches it. The two agree only for plain SGD, where
``p - lr * (g + lam * p)`` is a decoupled decay of ``lr * lam``; with momentum or Adam they differ.

Gradient clipping comes in two forms: :func:`clip_grads_by_global_norm` and
:func:`clip_grads_by_value` clip a grads dict; :func:`clip_by_global_norm` and
:func:`clip_by_value` wrap an update (or an optimizer) so that it clips its grads first.
"""

from __future__ import annotations

import functools
import math
import numbers
from functools import partial
from collections.abc import Mapping
from typing import Callable, Dict, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from ._kernels import all_finite
from ._validation import check_like, check_nonneg, check_positive

__all__ = [
    "sgd_step",
    "Optimizer", "OPTIMIZERS", "get_optimizer",
    "init_sgd", "sgd_update",
    "init_momentum", "momentum_update",
    "init_rmsprop", "rmsprop_update",
    "init_adagrad", "adagrad_update",
    "init_adam", "adam_update", "adamw_update",
    "global_norm", "clip_grads_by_global_norm", "clip_grads_by_value",
    "clip_by_global_norm", "clip_by_value",
]

Params = Dict[str, np.ndarray]


# --- the update rules, one array each ------------------------------------------------------
#
# Each takes one parameter array p, its gradient g (same shape and dtype) and its state arrays,
# updates the state arrays IN PLACE, as the papers write the algorithm (``v <- ...``), and
# returns the new p: a new array, or ``out`` when one is given. p and g are only read, and
# ``out`` may be g itself (g is read before ``out`` is written). The public updates (through
# ``_lift``) give a rule copies of the state, so they stay pure; ``fnnet.train`` gives it the
# arrays it owns (``InPlaceUpdate``), with g as ``out``, and commits the new params once they
# are known to be finite.


def _sgd(p: np.ndarray, g: np.ndarray, *, lr: float, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Gradient descent: ``p <- p - lr * g``.

    >>> import numpy as np
    >>> _sgd(np.array([1.0]), np.array([4.0]), lr=0.25)
    array([0.])
    """
    new = np.multiply(g, -lr, out=out)  # -lr g + p, made in one array
    new += p
    return new


def _momentum(p: np.ndarray, g: np.ndarray, v: np.ndarray, *, lr: float, beta: float, nesterov: bool,
              out: Optional[np.ndarray] = None) -> np.ndarray:
    """Heavy ball, or Nesterov's accelerated gradient (Sutskever et al. 2013).

    ``v <- beta * v - lr * g``, then ``p <- p + v`` (or ``p + beta * v - lr * g``).

    >>> import numpy as np
    >>> v = np.array([2.0])
    >>> _momentum(np.array([1.0]), np.array([1.0]), v, lr=0.5, beta=0.5, nesterov=False), v
    (array([1.5]), array([0.5]))
    """
    v *= beta
    v -= lr * g
    return np.add(p, beta * v - lr * g if nesterov else v, out=out)


def _rmsprop(p: np.ndarray, g: np.ndarray, s: np.ndarray, *, lr: float, rho: float, eps: float,
             out: Optional[np.ndarray] = None) -> np.ndarray:
    """RMSprop (Hinton, Neural Networks for Machine Learning, lecture 6e).

    ``s <- rho * s + (1 - rho) * g**2``, then ``p <- p - lr * g / (sqrt(s) + eps)``.

    >>> import numpy as np
    >>> s = np.array([0.0])
    >>> _rmsprop(np.array([1.0]), np.array([2.0]), s, lr=0.1, rho=0.75, eps=1e-8), s
    (array([0.8]), array([1.]))
    """
    s *= rho
    s += (1.0 - rho) * g**2
    return np.subtract(p, lr * g / (np.sqrt(s) + eps), out=out)


def _adagrad(p: np.ndarray, g: np.ndarray, G: np.ndarray, *, lr: float, eps: float, out: Optional[np.ndarray] = None) -> np.ndarray:
    """AdaGrad (Duchi, Hazan & Singer 2011), diagonal form.

    ``G <- G + g**2``, then ``p <- p - lr * g / (sqrt(G) + eps)``.

    >>> import numpy as np
    >>> G = np.array([16.0])
    >>> _adagrad(np.array([1.0]), np.array([3.0]), G, lr=0.5, eps=0.0), G
    (array([0.7]), array([25.]))
    """
    G += g**2
    return np.subtract(p, lr * g / (np.sqrt(G) + eps), out=out)


def _adam(p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, *, lr: float, beta1: float,
          beta2: float, eps: float, t: int, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Adam (Kingma & Ba 2015, Algorithm 1) at step ``t`` (1 for the first step).

    >>> import numpy as np
    >>> m, v = np.array([0.0]), np.array([0.0])
    >>> p = _adam(np.array([1.0]), np.array([2.0]), m, v, lr=0.1, beta1=0.9, beta2=0.999, eps=0.0, t=1)
    >>> p, m, v     # first step: m_hat = g, v_hat = g**2, so p moves by lr * sign(g)
    (array([0.9]), array([0.2]), array([0.004]))
    """
    m *= beta1
    m += (1.0 - beta1) * g         # m <- beta1 m + (1 - beta1) g
    v *= beta2
    v += (1.0 - beta2) * g**2      # v <- beta2 v + (1 - beta2) g^2
    # p - lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - beta1**t) and
    # v_hat = v / (1 - beta2**t) applied as scalars rather than as two more arrays
    return np.subtract(p, lr / (1.0 - beta1**t) * m / (np.sqrt(v) / math.sqrt(1.0 - beta2**t) + eps), out=out)


def _adamw(p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, *, lr: float, beta1: float,
           beta2: float, eps: float, t: int, decay: float, out: Optional[np.ndarray] = None) -> np.ndarray:
    """AdamW (Loshchilov & Hutter 2019, Algorithm 2): Adam's step plus a decay of ``p`` itself.

    ``p <- p - lr * (m_hat / (sqrt(v_hat) + eps) + decay * p)``: the decay never enters m or v.

    >>> import numpy as np
    >>> _adamw(np.array([1.0]), np.array([2.0]), np.array([0.0]), np.array([0.0]),
    ...        lr=0.1, beta1=0.9, beta2=0.999, eps=0.0, t=1, decay=0.5)
    array([0.85])
    """
    new = _adam(p, g, m, v, lr=lr, beta1=beta1, beta2=beta2, eps=eps, t=t, out=out)
    if decay:
        new -= lr * decay * p
    return new


# --- each optimizer: its rule, state and hyper-parameters, each checked in one place ---------


def _momentum_hyper(*, beta, nesterov) -> dict:
    if not isinstance(nesterov, (bool, np.bool_)):  # "no" would be truthy
        raise TypeError(f"nesterov must be True or False, got {type(nesterov).__name__} {nesterov!r}")
    return {"beta": _check_rate(beta, "beta"), "nesterov": bool(nesterov)}


def _rmsprop_hyper(*, rho, eps) -> dict:
    return {"rho": _check_rate(rho, "rho"), "eps": check_positive(eps, "eps")}


def _adagrad_hyper(*, eps) -> dict:
    return {"eps": check_positive(eps, "eps")}


def _adam_hyper(*, beta1, beta2, eps) -> dict:
    return {"beta1": _check_rate(beta1, "beta1"), "beta2": _check_rate(beta2, "beta2"),
            "eps": check_positive(eps, "eps")}


def _adamw_hyper(*, beta1, beta2, eps, weight_decay) -> dict:
    return {**_adam_hyper(beta1=beta1, beta2=beta2, eps=eps), "decay": check_nonneg(weight_decay, "weight_decay")}


class _Method(NamedTuple):
    """A built-in optimizer: its one-array ``rule``, the names of its state dicts (``slots``,
    in the order the rule takes them), the check of its options (``hyper``: keyword options ->
    the rule's hyper-parameters, lr aside), whether its state counts steps (``t``), and the
    hyper-parameters that apply to weights only (0.0 for biases)."""

    rule: Callable[..., np.ndarray]
    slots: Tuple[str, ...]
    hyper: Callable[..., dict]
    counts_steps: bool = False
    weights_only: Tuple[str, ...] = ()


_METHODS: Dict[str, _Method] = {
    "sgd": _Method(_sgd, (), lambda: {}),
    "momentum": _Method(_momentum, ("velocity",), _momentum_hyper),
    "nesterov": _Method(_momentum, ("velocity",), _momentum_hyper),
    "rmsprop": _Method(_rmsprop, ("mean_square",), _rmsprop_hyper),
    "adagrad": _Method(_adagrad, ("sum_square",), _adagrad_hyper),
    "adam": _Method(_adam, ("m", "v"), _adam_hyper, counts_steps=True),
    "adamw": _Method(_adamw, ("m", "v"), _adamw_hyper, counts_steps=True, weights_only=("decay",)),
}


def _update(optimizer: str, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping,
            lr: float, **options) -> Tuple[Params, dict]:
    """The public update of a built-in ``optimizer``: its options checked, its rule lifted."""
    lr = check_nonneg(lr, "lr")  # a schedule may reach 0 (as PyTorch, lr >= 0)
    step = InPlaceUpdate(optimizer, options)  # the options checked, as train checks them once
    method, hyper = step.method, dict(step.hyper)
    if method.counts_steps:
        hyper["t"] = _step_count(state, optimizer) + 1
    new_params, slots = _lift(optimizer, method.rule, params, grads, state, method.slots,
                              weights_only=step.weights_only, lr=lr, **hyper)
    return new_params, ({**slots, "t": hyper["t"]} if method.counts_steps else slots)


# --- the lift: one rule over the params dict, the structure and numerics checked once -------


def _is_weight(key: str) -> bool:
    """Weight matrices ``W1..WL`` are decayed; biases ``b1..bL`` are not."""
    return key.startswith("W")


def _lift(optimizer: str, rule: Callable, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
          state: Mapping, slots: Tuple[str, ...] = (), *,
          weights_only: Mapping[str, float] = None, **hyper) -> Tuple[Params, Dict[str, Params]]:
    """Apply the one-array ``rule`` to copies of every key of ``params``, after checking everything.

    Parameters
    ----------
    optimizer : str
        Its name, for messages (``"adam"``); ``init_{optimizer}`` (or the one in ``_INIT_OF``)
        made the state.
    rule : callable
        ``rule(p, g, *slot_arrays, **hyper) -> new_p``, which updates the slot arrays in place:
        it is given copies of the state, which are returned with the new ``p``.
    params : dict of ndarray
        Float arrays of any shapes: ``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` is ``(n_l, 1)``.
    grads : dict of ndarray
        Mirrors ``params``: same keys, same shapes, float (cast to each param's dtype).
    state : dict
        Holds, for each name in ``slots``, a dict mirroring ``params`` (cast likewise).
    slots : tuple of str
        The names of the state's per-parameter dicts, in the order ``rule`` takes them.
    weights_only : dict, optional
        Hyper-parameters ``rule`` gets as given for weights and as ``0.0`` for biases.
    **hyper
        The rule's other hyper-parameters, the same for every key.

    Returns
    -------
    (dict, dict)
        The new params (same keys, order, shapes, dtypes) and ``{slot: dict mirroring params}``.

    Raises
    ------
    TypeError, ValueError
        For a structure that does not mirror ``params`` (naming the key and both shapes), and
        a ``ValueError`` naming the optimizer and the key for a NaN/inf given in or a step
        that overflows the dtype.

    Examples
    --------
    >>> import numpy as np
    >>> _lift("sgd", _sgd, {"W1": np.ones((1, 2))}, {"W1": np.ones((1, 2))}, {}, lr=0.5)
    ({'W1': array([[0.5, 0.5]])}, {})
    """
    _check_float_params(params)
    check_like(params, grads, "grads")
    _check_state(params, state, slots, optimizer)
    hyper_of = _hyper_of_keys(params, hyper, weights_only)
    olds = [state[slot] for slot in slots]
    results = {}
    # an overflow anywhere in a rule (g**2 in Adam's v, say) raises here, so a step can never
    # be silently zero (x / inf) or inf
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        for key, p in params.items():
            dtype = p.dtype
            slot_arrays = [old[key].astype(dtype) for old in olds]  # the new state: copies, updated in place
            try:
                new_p = rule(p, grads[key].astype(dtype, copy=False), *slot_arrays, **hyper_of[key])
            except FloatingPointError as err:
                raise _numeric_error(optimizer, key, params, grads, state, slots, str(err)) from None
            results[key] = (new_p, *slot_arrays)
    # finite in, finite out (or the errstate raised): a NaN/inf in a result came in
    if not all_finite(*(a for arrays in results.values() for a in arrays)):
        key = next(key for key, arrays in results.items() if not all_finite(*arrays))
        raise _numeric_error(optimizer, key, params, grads, state, slots, "a NaN or inf result")
    new_params = {key: arrays[0] for key, arrays in results.items()}
    return new_params, {slot: {key: arrays[i] for key, arrays in results.items()} for i, slot in enumerate(slots, 1)}


class InPlaceUpdate:
    """A built-in optimizer's step on arrays that :func:`fnnet.train` owns.

    The same rule as the public update (``adam_update`` ...), its options checked once, here.
    Each call writes the new params over ``grads`` (``params`` are only read, so a step that
    fails leaves them as they were) and updates the state's arrays in place. Nothing is checked
    per call: the caller checks that the new params are finite, then commits them.

    Parameters
    ----------
    optimizer : str
        A name in :data:`OPTIMIZERS`.
    options : dict
        Every keyword option of its update but ``lr`` (defaults filled in).

    Examples
    --------
    >>> import numpy as np
    >>> step = InPlaceUpdate("momentum", {"beta": 0.5, "nesterov": False})
    >>> params, grads = {"W1": np.ones((1, 2))}, {"W1": np.ones((1, 2))}
    >>> state = step(params, grads, {"velocity": {"W1": np.zeros((1, 2))}}, lr=0.5)
    >>> grads["W1"], state["velocity"]["W1"]      # the new params, the new velocity
    (array([[0.5, 0.5]]), array([[-0.5, -0.5]]))
    """

    def __init__(self, optimizer: str, options: Mapping) -> None:
        self.optimizer, self.method = optimizer, _METHODS[optimizer]
        self.hyper = self.method.hyper(**options)
        self.weights_only = {k: self.hyper.pop(k) for k in self.method.weights_only}

    def check_state(self, params: Mapping[str, np.ndarray], state) -> None:
        """``state`` is what this optimizer's init makes for ``params`` (checked once, as the
        public update checks it every call)."""
        _check_state(params, state, self.method.slots, self.optimizer)
        for slot in self.method.slots:
            for key in params:
                _check_nonnegative(slot, key, state[slot][key], self.optimizer)
        if self.method.counts_steps:
            _step_count(state, self.optimizer)

    def __call__(self, params: Params, grads: Params, state: dict, lr: float) -> dict:
        """One step with learning rate ``lr`` (checked by the caller); returns the state
        (its arrays updated in place, its step count ``t`` one larger)."""
        hyper = dict(self.hyper, lr=lr)
        if self.method.counts_steps:
            state = dict(state, t=state["t"] + 1)
            hyper["t"] = state["t"]
        hyper_of = _hyper_of_keys(params, hyper, self.weights_only)
        slots = [state[slot] for slot in self.method.slots]
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            try:
                for key, p in params.items():
                    g = grads[key]
                    self.method.rule(p, g, *[slot[key] for slot in slots], out=g, **hyper_of[key])
            except FloatingPointError as err:
                raise ValueError(f"{self.optimizer}: the update of {key!r} overflows {p.dtype} ({err})") from None
        return state


def _hyper_of_keys(params: Mapping, hyper: Dict[str, float], weights_only) -> Dict[str, Dict[str, float]]:
    """Each key's hyper-parameters: the ``weights_only`` ones as given for a weight, 0.0 for a bias."""
    if not weights_only:
        return dict.fromkeys(params, hyper)
    weight, bias = {**hyper, **weights_only}, {**hyper, **dict.fromkeys(weights_only, 0.0)}
    return {key: weight if _is_weight(key) else bias for key in params}


def _numeric_error(optimizer: str, key: str, params: Mapping, grads: Mapping, state: Mapping,
                   slots: Tuple[str, ...], what: str) -> ValueError:
    """The error for a step of ``key`` that is not finite: a NaN/inf given in, or else an overflow."""
    inputs = {f"params[{key!r}]": params[key], f"grads[{key!r}]": grads[key],
              **{f"state[{slot!r}][{key!r}]": state[slot][key] for slot in slots}}
    for name, a in inputs.items():
        if not np.isfinite(a).all():
            return ValueError(f"{optimizer}: {name} contains NaN or inf ({int(np.sum(~np.isfinite(a)))} "
                              "entries); the update needs finite params, grads and state")
    for slot in slots:
        try:
            _check_nonnegative(slot, key, state[slot][key], optimizer)
        except ValueError as err:
            return err
    dtype = params[key].dtype
    return ValueError(
        f"{optimizer}: the update of {key!r} overflows {dtype} ({what}): the gradient, the state or "
        f"lr is too large for {dtype}; lower lr, clip the gradients (fnnet.clip_by_global_norm) "
        "or use float64"
    )


#: State slots that sum squares: never negative (a negative one is not an overflow but a wrong state).
_SQUARES = ("v", "mean_square", "sum_square")


def _check_nonnegative(slot: str, key: str, values: np.ndarray, optimizer: str) -> None:
    if slot in _SQUARES and (values < 0).any():
        raise ValueError(f"{optimizer}: state[{slot!r}][{key!r}] has {int((values < 0).sum())} negative entries "
                         f"(min {float(values.min())!r}); it holds a running sum of squared gradients, which "
                         f"cannot be negative: pass the state {_init_name(optimizer)}(params) made")


def _check_float_params(params) -> None:
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    for key, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise TypeError(f"params[{key!r}] must be a float numpy.ndarray, got {getattr(p, 'dtype', type(p).__name__)}")


def _check_state(params: Mapping, state, slots: Tuple[str, ...], optimizer: str) -> None:
    _check_state_dict(state, optimizer)
    for slot in slots:
        if slot not in state:
            raise ValueError(f"state has no {slot!r}; pass the dict returned by {_init_name(optimizer)}(params)")
        check_like(params, state[slot], f"state[{slot!r}]")


def _check_rate(value, name: str) -> float:
    """A decay coefficient in ``[0, 1)`` as a Python float (Python floats keep float32 float32)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {type(value).__name__} {value!r}")
    value = float(value)
    if not (0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


#: The optimizers whose state another one's init makes.
_INIT_OF = {"nesterov": "init_momentum", "adamw": "init_adam"}


def _check_state_dict(state, optimizer: str) -> None:
    if not isinstance(state, Mapping):
        raise TypeError(f"state must be the dict returned by {_init_name(optimizer)}(params), got {type(state).__name__}")


def _init_name(optimizer: str) -> str:
    return _INIT_OF.get(optimizer, f"init_{optimizer}")


def _step_count(state, optimizer: str) -> int:
    """The step count ``state["t"]`` of Adam and AdamW, checked."""
    _check_state_dict(state, optimizer)
    t = state.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
        raise ValueError(f"state['t'] must be a non-negative int step count, got {t!r}")
    return int(t)


def _zeros_like(params: Mapping[str, np.ndarray]) -> Params:
    """A zero array per key, of its param's shape and dtype (checked first)."""
    _check_float_params(params)
    return {key: np.zeros_like(p) for key, p in params.items()}


# --- the optimizers ------------------------------------------------------------------------


def sgd_step(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], lr: float) -> Dict[str, np.ndarray]:
    """One step of plain gradient descent: ``p <- p - lr * dp`` for every key.

    The stateless shorthand for ``sgd_update(params, grads, {}, lr=lr)[0]``.

    Parameters
    ----------
    params : dict of ndarray
        Any dict of float arrays (a network's ``W1`` of shape ``(n_1, n_0)``, ``b1`` of shape
        ``(n_1, 1)``, ...).
    grads : dict of ndarray
        The same keys and shapes, e.g. from :func:`fnnet.backward` (cast to the params' dtype).
    lr : float
        Learning rate, positive and finite.

    Returns
    -------
    dict
        New arrays, same keys, order, shapes and dtypes as ``params``.

    Raises
    ------
    ValueError
        Naming the key, for grads that do not mirror params or a step that overflows.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.sgd_step({"W1": np.ones((1, 2))}, {"W1": np.full((1, 2), 4.0)}, lr=0.25)
    {'W1': array([[0., 0.]])}
    """
    return sgd_update(params, grads, {}, lr=lr)[0]


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
               lr: float) -> Tuple[Params, dict]:
    """One plain gradient-descent step, ``p <- p - lr * dp`` for every key.

    An L2 penalty belongs in ``dp``: ``fnnet.backward(..., l2=lam)`` adds ``lam * W`` to ``dW``.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...`` of any shapes (``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` is
        ``(n_l, 1)``), float32 or float64.
    grads : dict of ndarray
        Same keys and shapes, e.g. from :func:`fnnet.backward`.
    state : dict
        From :func:`init_sgd` (empty).
    lr : float
        Learning rate, positive and finite.

    Returns
    -------
    (dict, dict)
        New params (same keys, order, shapes, dtypes) and the new (empty) state.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = {"W1": np.array([[2.0]]), "b1": np.array([[2.0]])}
    >>> grads = {"W1": np.array([[1.0]]), "b1": np.array([[1.0]])}
    >>> fnnet.sgd_update(params, grads, {}, lr=0.5)
    ({'W1': array([[1.5]]), 'b1': array([[1.5]])}, {})
    """
    return _update("sgd", params, grads, state, lr)


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
    return {"velocity": _zeros_like(params)}


def momentum_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping, *,
                    lr: float, beta: float = 0.9, nesterov: bool = False) -> Tuple[Params, dict]:
    """One step of SGD with momentum (heavy ball), or Nesterov's accelerated gradient.

    With ``g = dp``::

        v <- beta * v - lr * g
        p <- p + v                          (classical momentum)
        p <- p + beta * v - lr * g          (nesterov=True, with the new v)

    the formulation of Sutskever et al. (2013) that scikit-learn's ``SGDOptimizer`` uses.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...`` of any shapes (``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` is
        ``(n_l, 1)``), float32 or float64.
    grads : dict of ndarray
        Same keys and shapes as ``params``.
    state : dict
        ``{"velocity": dict mirroring params}``, from :func:`init_momentum` or the last update.
    lr : float
        Learning rate, positive and finite.
    beta : float, default 0.9
        Momentum coefficient in ``[0, 1)``; 0 gives plain SGD.
    nesterov : bool, default False

    Returns
    -------
    (dict, dict)
        New params and new state ``{"velocity": ...}``, arrays in the params' dtype.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params, grads = {"W1": np.array([[1.0]])}, {"W1": np.array([[1.0]])}
    >>> state = {"velocity": {"W1": np.array([[2.0]])}}
    >>> fnnet.momentum_update(params, grads, state, lr=0.5, beta=0.5)
    ({'W1': array([[1.5]])}, {'velocity': {'W1': array([[0.5]])}})
    """
    return _update("nesterov" if nesterov else "momentum", params, grads, state, lr,
                   beta=beta, nesterov=nesterov)


def init_rmsprop(params: Mapping[str, np.ndarray]) -> dict:
    """State of RMSprop: a zero running mean of squared gradients per parameter.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...``: float32 or float64 arrays of any shapes.

    Returns
    -------
    dict
        ``{"mean_square": {k: zeros_like(params[k])}}``, each of ``params[k]``'s shape and dtype
        (``(n_l, n_{l-1})`` for ``W{l}``, ``(n_l, 1)`` for ``b{l}``).

    Examples
    --------
    >>> import fnnet
    >>> state = fnnet.init_rmsprop(fnnet.init_params([2, 1], seed=0))
    >>> {k: v.shape for k, v in state["mean_square"].items()}
    {'W1': (1, 2), 'b1': (1, 1)}
    """
    return {"mean_square": _zeros_like(params)}


def rmsprop_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping, *,
                   lr: float, rho: float = 0.9, eps: float = 1e-8) -> Tuple[Params, dict]:
    """One RMSprop step (Hinton, lecture 6e of Neural Networks for Machine Learning, 2012).

    With ``g = dp``::

        s <- rho * s + (1 - rho) * g**2
        p <- p - lr * g / (sqrt(s) + eps)

    (``eps`` outside the square root, as in PyTorch and Keras.)

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...`` of any shapes (``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` is
        ``(n_l, 1)``), float32 or float64.
    grads : dict of ndarray
        Same keys and shapes as ``params``.
    state : dict
        ``{"mean_square": dict mirroring params}`` from :func:`init_rmsprop` or the last update.
    lr : float
        Learning rate, positive and finite (1e-3 is usual).
    rho : float, default 0.9
        Decay rate of the running mean, in ``[0, 1)``.
    eps : float, default 1e-8
        Positive and finite, added to the denominator.

    Returns
    -------
    (dict, dict)
        New params and new state ``{"mean_square": ...}``, arrays in the params' dtype.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params, grads = {"W1": np.array([[1.0]])}, {"W1": np.array([[2.0]])}
    >>> new, state = fnnet.rmsprop_update(params, grads, fnnet.init_rmsprop(params), lr=0.1, rho=0.75)
    >>> state["mean_square"]["W1"]          # 0.25 * 2**2
    array([[1.]])
    >>> np.round(new["W1"], 6)              # 1 - 0.1 * 2 / sqrt(1)
    array([[0.8]])
    """
    return _update("rmsprop", params, grads, state, lr, rho=rho, eps=eps)


def init_adagrad(params: Mapping[str, np.ndarray], initial_accumulator: float = 0.0) -> dict:
    """State of AdaGrad: the sum of squared gradients so far, per parameter.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...``: float32 or float64 arrays of any shapes.
    initial_accumulator : float, default 0.0
        The sum's starting value, ``>= 0`` (PyTorch's ``initial_accumulator_value``, 0 by
        default; TensorFlow starts at 0.1). A positive value damps the first steps.

    Returns
    -------
    dict
        ``{"sum_square": {k: full_like(params[k], initial_accumulator)}}``, each of
        ``params[k]``'s shape and dtype (``(n_l, n_{l-1})`` for ``W{l}``, ``(n_l, 1)`` for ``b{l}``).

    Examples
    --------
    >>> import fnnet
    >>> state = fnnet.init_adagrad(fnnet.init_params([2, 1], seed=0), initial_accumulator=0.1)
    >>> state["sum_square"]["W1"]
    array([[0.1, 0.1]])
    """
    initial_accumulator = check_nonneg(initial_accumulator, "initial_accumulator")
    _check_float_params(params)
    return {"sum_square": {key: np.full_like(p, initial_accumulator) for key, p in params.items()}}


def adagrad_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping, *,
                   lr: float, eps: float = 1e-10) -> Tuple[Params, dict]:
    """One AdaGrad step (Duchi, Hazan & Singer 2011, the diagonal form).

    With ``g = dp``::

        G <- G + g**2
        p <- p - lr * g / (sqrt(G) + eps)

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...`` of any shapes (``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` is
        ``(n_l, 1)``), float32 or float64.
    grads : dict of ndarray
        Same keys and shapes as ``params``.
    state : dict
        ``{"sum_square": dict mirroring params}`` from :func:`init_adagrad` or the last update.
    lr : float
        Learning rate, positive and finite (0.01 is usual).
    eps : float, default 1e-10
        Positive and finite, added to the denominator (PyTorch's default).

    Returns
    -------
    (dict, dict)
        New params and new state ``{"sum_square": ...}``, arrays in the params' dtype.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params, grads = {"W1": np.array([[1.0]])}, {"W1": np.array([[3.0]])}
    >>> state = {"sum_square": {"W1": np.array([[16.0]])}}
    >>> new, state = fnnet.adagrad_update(params, grads, state, lr=0.5)
    >>> state["sum_square"]["W1"], np.round(new["W1"], 6)     # 16 + 9; 1 - 0.5 * 3 / 5
    (array([[25.]]), array([[0.7]]))
    """
    return _update("adagrad", params, grads, state, lr, eps=eps)


def init_adam(params: Mapping[str, np.ndarray]) -> dict:
    """State of Adam (and AdamW): first and second moment estimates and the step count.

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
    return {"m": _zeros_like(params), "v": _zeros_like(params), "t": 0}


def adam_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping, *,
                lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Tuple[Params, dict]:
    """One Adam step (Kingma & Ba 2015, Algorithm 1).

    With ``g = dp`` (an L2 penalty from ``fnnet.backward(..., l2=)`` included; for decoupled
    weight decay see :func:`adamw_update`)::

        t <- t + 1
        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        p <- p - lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)

    An overflow (``g**2`` beyond the dtype's range, say) is a ``ValueError``: an inf ``v``
    would make every later step of that entry silently zero.

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

    Returns
    -------
    (dict, dict)
        New params (same keys, order, shapes and dtypes) and the new state: ``m`` and ``v``
        of the params' shapes and dtype, ``t`` one larger.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params, grads = {"W1": np.array([[1.0, 1.0]])}, {"W1": np.array([[2.0, -0.5]])}
    >>> new, state = fnnet.adam_update(params, grads, fnnet.init_adam(params), lr=0.1)
    >>> np.round(new["W1"], 6), state["t"]      # the first step moves by about lr * sign(g)
    (array([[0.9, 1.1]]), 1)
    """
    return _update("adam", params, grads, state, lr, beta1=beta1, beta2=beta2, eps=eps)


def adamw_update(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], state: Mapping, *,
                 lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.01) -> Tuple[Params, dict]:
    """One AdamW step: Adam with decoupled weight decay (Loshchilov & Hutter 2019, Algorithm 2).

    ``m``, ``v`` and ``t`` as in :func:`adam_update` from the plain gradient ``g = dp``, then::

        p <- p - lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * p)      (weights W...)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)                           (biases b...)

    Unlike an L2 penalty (``fnnet.backward(..., l2=)``, which is in ``dp``), the decay never
    passes through ``m`` and ``v``, so it is not rescaled by Adam's per-entry step size; the two
    are the same only for plain SGD, where ``l2=lam`` is a decay of ``lr * lam`` per step. As in
    PyTorch's ``AdamW`` the decay is multiplied by ``lr`` (the paper's schedule multiplier is 1
    here); biases (keys not starting with ``"W"``) are not decayed. The state is Adam's: start
    from :func:`init_adam`.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ...`` of any shapes (``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` is ``(n_l, 1)``),
        float32 or float64.
    grads : dict of ndarray
        Same keys and shapes as ``params``.
    state : dict
        ``{"m": dict, "v": dict, "t": int}`` from :func:`init_adam` or the last update.
    lr : float
        Step size, positive and finite.
    beta1, beta2 : float, default 0.9 and 0.999
        Decay rates of the moment estimates, in ``[0, 1)``.
    eps : float, default 1e-8
        Positive and finite, added to the denominator.
    weight_decay : float, default 0.01
        Decoupled decay coefficient ``>= 0`` (PyTorch's default); 0 gives Adam.

    Returns
    -------
    (dict, dict)
        New params and the new state (``m``, ``v`` in the params' dtype, ``t`` one larger).

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = {"W1": np.array([[1.0]]), "b1": np.array([[1.0]])}
    >>> grads = {"W1": np.array([[2.0]]), "b1": np.array([[2.0]])}
    >>> new, state = fnnet.adamw_update(params, grads, fnnet.init_adam(params), lr=0.1, weight_decay=0.5)
    >>> {k: np.round(p, 6) for k, p in new.items()}   # W1: 1 - 0.1 * (1 + 0.5 * 1); b1: 1 - 0.1
    {'W1': array([[0.85]]), 'b1': array([[0.9]])}
    """
    return _update("adamw", params, grads, state, lr, beta1=beta1, beta2=beta2, eps=eps,
                   weight_decay=weight_decay)


# --- gradient clipping ---------------------------------------------------------------------


def _check_grads(grads) -> None:
    """A dict of finite float arrays (clipping reads every value before any update does)."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict of float arrays, got {type(grads).__name__}")
    for key, g in grads.items():
        if not isinstance(g, np.ndarray) or g.dtype.kind != "f":
            raise TypeError(f"grads[{key!r}] must be a float numpy.ndarray, got {getattr(g, 'dtype', type(g).__name__)}")
        if not np.isfinite(g).all():
            raise ValueError(f"grads[{key!r}] contains NaN or inf ({int(np.sum(~np.isfinite(g)))} entries); "
                             "gradients must be finite to be clipped")


def _scaled_norm(grads: Mapping[str, np.ndarray]) -> Tuple[float, float]:
    """``(s, r)`` with the global norm ``= s * r``: ``s = max |g|``, ``r`` the norm of ``g / s``.

    Dividing by the largest entry first means no square overflows, whatever the dtype.
    """
    s = max((float(np.max(np.abs(g))) for g in grads.values() if g.size), default=0.0)
    if s == 0.0:
        return 0.0, 0.0
    return s, math.sqrt(sum(float(np.vdot(g / s, g / s)) for g in grads.values()))


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """The Euclidean norm of all gradients together, ``sqrt(sum_k sum_ij grads[k][i, j]**2)``.

    Parameters
    ----------
    grads : dict of ndarray
        Finite float arrays of any shapes (``dW{l}`` is ``(n_l, n_{l-1})``, ``db{l}`` is
        ``(n_l, 1)``), e.g. from :func:`fnnet.backward`.

    Returns
    -------
    float
        The norm, computed without overflow (it is ``inf`` only beyond float64's range).

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.global_norm({"W1": np.array([[3.0]]), "b1": np.array([[0.0], [4.0]])})
    5.0
    """
    _check_grads(grads)
    s, r = _scaled_norm(grads)
    return s * r


def clip_grads_by_global_norm(grads: Mapping[str, np.ndarray], max_norm: float) -> Params:
    """Scale all gradients by one factor so that their global norm is at most ``max_norm``.

    ``g <- g * min(1, max_norm / ||grads||)`` for every key, where ``||grads||`` is
    :func:`global_norm` over all keys together (Pascanu, Mikolov & Bengio 2013; PyTorch's
    ``clip_grad_norm_``), so the direction of the whole step is kept.

    Parameters
    ----------
    grads : dict of ndarray
        Finite float arrays of any shapes (``dW{l}`` is ``(n_l, n_{l-1})``, ``db{l}`` is ``(n_l, 1)``).
    max_norm : float
        Positive and finite.

    Returns
    -------
    dict
        A new dict, same keys, shapes and dtypes; when the norm is already at most ``max_norm``
        it holds the very arrays given (nothing is copied, nothing written).

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.clip_grads_by_global_norm({"W1": np.array([[3.0, 4.0]])}, max_norm=1.0)
    {'W1': array([[0.6, 0.8]])}
    """
    max_norm = check_positive(max_norm, "max_norm")
    _check_grads(grads)
    s, r = _scaled_norm(grads)
    if s * r <= max_norm:
        return dict(grads)
    factor = max_norm / s / r  # max_norm / (s * r), without forming a norm beyond float64
    return {key: g * factor for key, g in grads.items()}


def clip_grads_by_value(grads: Mapping[str, np.ndarray], limit: float) -> Params:
    """Clip every gradient entry into ``[-limit, limit]``.

    Parameters
    ----------
    grads : dict of ndarray
        Finite float arrays of any shapes (``dW{l}`` is ``(n_l, n_{l-1})``, ``db{l}`` is ``(n_l, 1)``).
    limit : float
        Positive and finite.

    Returns
    -------
    dict
        New arrays, same keys, shapes and dtypes.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.clip_grads_by_value({"W1": np.array([[-3.0, 0.5, 2.0]])}, limit=1.0)
    {'W1': array([[-1. ,  0.5,  1. ]])}
    """
    limit = check_positive(limit, "limit")
    _check_grads(grads)
    return {key: np.clip(g, -limit, limit) for key, g in grads.items()}


Update = Callable[..., Tuple[Params, dict]]


def _clip_first(update, clip: Callable[[Params], Params], wrapper: str, limit: str):
    """``update`` (a function, or an optimizer for ``get_optimizer``) that clips its grads first;
    its ``clip`` attribute says how (``"clip_by_global_norm(max_norm=1.0)"``: a checkpoint
    records it)."""
    if isinstance(update, (str, tuple)):
        opt = get_optimizer(update)
        return Optimizer(opt.init, _clip_first(opt.update, clip, wrapper, limit))
    if not callable(update):
        raise TypeError(f"{wrapper} takes an update function, an optimizer name or an (init, update) pair, "
                        f"got {type(update).__name__} {update!r}")

    @functools.wraps(update)  # inspect.signature follows __wrapped__: train still checks the options
    def clipped_update(params, grads, state, **options):
        return update(params, clip(grads), state, **options)

    clipped_update.clip = f"{wrapper}({limit})"
    return clipped_update


def clip_by_global_norm(update: Union[Update, str, tuple], max_norm: float):
    """Wrap an update (or an optimizer) so that it clips the gradients by global norm first.

    ``clip_by_global_norm(adam_update, 1.0)(params, grads, state, lr=...)`` is
    ``adam_update(params, clip_grads_by_global_norm(grads, 1.0), state, lr=...)``: clipping
    happens before anything else (AdamW's decoupled ``weight_decay`` included; an L2 penalty
    from ``fnnet.backward(..., l2=)`` is part of the gradient, so it is clipped with it).

    Parameters
    ----------
    update : callable, str or (init, update) pair
        An update function ``update(params, grads, state, **options)``; or an optimizer: a
        name in :data:`OPTIMIZERS` or an ``Optimizer``/``(init, update)`` pair.
    max_norm : float
        Positive and finite, checked now.

    Returns
    -------
    callable or Optimizer
        An update function with the same options, or for an optimizer an ``Optimizer`` with the
        same ``init`` and the wrapped update (ready for ``fnnet.train(optimizer=...)``).

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> adam = fnnet.Optimizer(fnnet.init_adam, fnnet.clip_by_global_norm(fnnet.adam_update, 1.0))
    >>> params, grads = {"W1": np.zeros((1, 2))}, {"W1": np.array([[300.0, 400.0]])}
    >>> new, state = adam.update(params, grads, adam.init(params), lr=0.1)
    >>> state["m"]["W1"]             # (1 - beta1) * the clipped gradient [[0.6, 0.8]]
    array([[0.06, 0.08]])
    >>> clipped_sgd = fnnet.clip_by_global_norm("sgd", 1.0)   # an optimizer in, an optimizer out
    >>> clipped_sgd.update(params, grads, {}, lr=1.0)[0]
    {'W1': array([[-0.6, -0.8]])}
    """
    max_norm = check_positive(max_norm, "max_norm")
    return _clip_first(update, partial(clip_grads_by_global_norm, max_norm=max_norm), "clip_by_global_norm",
                       f"max_norm={max_norm!r}")


def clip_by_value(update: Union[Update, str, tuple], limit: float):
    """Wrap an update (or an optimizer) so that it clips every gradient entry into ``[-limit, limit]`` first.

    Parameters
    ----------
    update : callable, str or (init, update) pair
        An update function ``update(params, grads, state, **options)``; or an optimizer: a
        name in :data:`OPTIMIZERS` or an ``Optimizer``/``(init, update)`` pair.
    limit : float
        Positive and finite, checked now.

    Returns
    -------
    callable or Optimizer
        As for :func:`clip_by_global_norm`.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> sgd = fnnet.clip_by_value(fnnet.sgd_update, 0.5)
    >>> sgd({"W1": np.zeros((1, 2))}, {"W1": np.array([[3.0, -0.25]])}, {}, lr=1.0)
    ({'W1': array([[-0.5 ,  0.25]])}, {})
    """
    limit = check_positive(limit, "limit")
    return _clip_first(update, partial(clip_grads_by_value, limit=limit), "clip_by_value", f"limit={limit!r}")


# --- the registry --------------------------------------------------------------------------


class Optimizer(NamedTuple):
    """An optimizer as a pair of pure functions (the entries of :data:`OPTIMIZERS`).

    Attributes
    ----------
    init : callable
        ``state = init(params)``: the state before the first step, a dict whose arrays mirror
        ``params`` (shapes ``(n_l, n_{l-1})`` for ``W{l}``, ``(n_l, 1)`` for ``b{l}``).
    update : callable
        ``params, state = update(params, grads, state, lr=..., **options)``:
        one step, returning new dicts and leaving its arguments untouched.

    Examples
    --------
    >>> import fnnet
    >>> opt = fnnet.Optimizer(fnnet.init_momentum, fnnet.momentum_update)
    >>> params = fnnet.init_params([2, 1], seed=0)
    >>> grads = {k: p * 0.0 + 1.0 for k, p in params.items()}
    >>> new, state = opt.update(params, grads, opt.init(params), lr=0.1)
    >>> sorted(state["velocity"])
    ['W1', 'b1']
    """

    init: Callable[[Mapping[str, np.ndarray]], dict]
    update: Callable[..., Tuple[Params, dict]]


#: The built-in optimizers by name; ``fnnet.train(optimizer=name)`` and the CLI look them up here.
OPTIMIZERS: Dict[str, Optimizer] = {
    "sgd": Optimizer(init_sgd, sgd_update),
    "momentum": Optimizer(init_momentum, momentum_update),
    "nesterov": Optimizer(init_momentum, partial(momentum_update, nesterov=True)),
    "rmsprop": Optimizer(init_rmsprop, rmsprop_update),
    "adagrad": Optimizer(init_adagrad, adagrad_update),
    "adam": Optimizer(init_adam, adam_update),
    "adamw": Optimizer(init_adam, adamw_update),
}


def get_optimizer(spec) -> Optimizer:
    """Look up ``spec`` in :data:`OPTIMIZERS`, or accept an ``(init, update)`` pair of callables.

    Parameters
    ----------
    spec : str or tuple of two callables
        A name (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"rmsprop"``, ``"adagrad"``,
        ``"adam"``, ``"adamw"``) or ``(init, update)``.

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
