"""Activation functions: one registry entry holds a function and its derivative together.

Every activation maps a pre-activation ``Z`` of shape ``(n_l, m)`` to ``A = g(Z)`` of the
same shape. During backpropagation it turns ``dA = dJ/dA`` into ``dZ = dJ/dZ``:

    dZ = dA * g'(Z)                       (element-wise activations)
    dZ = A * (dA - sum_k A_k dA_k)        (softmax, over each column)

The built-ins compute ``g'`` from the cached output ``A`` alone (``A*(1-A)``, ``1-A**2``,
``A>0``), so the forward pass keeps ``A`` and never ``Z``. A custom :class:`Activation` gives
``g'`` as a function of ``Z``; the forward pass then also caches ``Z``.

Examples
--------
>>> import numpy as np
>>> from fnnet.activations import get_activation
>>> get_activation("relu").function(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Tuple, Union

import numpy as np

__all__ = ["Activation", "ACTIVATIONS"]

ArrayFunction = Callable[[np.ndarray], np.ndarray]

#: Slope of ``leaky_relu`` for negative inputs: ``g(z) = z if z > 0 else 0.01 * z``.
LEAKY_RELU_SLOPE = 0.01


class Activation:
    """An activation function and its derivative, usable wherever a name is.

    Parameters
    ----------
    name : str
        Shown in error messages and in ``repr``.
    function : callable
        ``g(Z) -> A``: maps an array of shape ``(n, m)`` to a new array of the same shape.
        It must not modify ``Z``.
    derivative : callable
        ``g'(Z) -> D``: the element-wise derivative ``dA/dZ``, shape ``(n, m)``.

    Notes
    -----
    Pass an instance in the ``activations`` list of :func:`fnnet.forward` in place of a name;
    nothing global changes, and :func:`fnnet.backward` and :func:`fnnet.gradcheck` use it
    through the cache. Its layers cache ``Z`` as well as ``A`` because ``g'`` takes ``Z``.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> softplus = fnnet.Activation("softplus", lambda z: np.logaddexp(0.0, z),
    ...                             lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)))
    >>> params = fnnet.init_params([2, 3, 1], seed=0)
    >>> AL, cache = fnnet.forward(params, np.ones((2, 4)), [softplus, "sigmoid"])
    >>> sorted(cache)
    ['A0', 'A1', 'A2', 'Z1', 'activations']
    """

    #: Whether the backward pass needs ``Z`` (custom activations) or only ``A`` (built-ins).
    needs_z: bool = True
    #: Whether the activation couples the units of a column (softmax): output layer only.
    output_only: bool = False

    def __init__(self, name: str, function: ArrayFunction, derivative: ArrayFunction) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Activation name must be a non-empty str, got {name!r}")
        for label, fn in (("function", function), ("derivative", derivative)):
            if not callable(fn):
                raise TypeError(f"Activation {name!r}: {label} must be callable, got {type(fn).__name__}")
        self.name = name
        self.function = function
        self.derivative = derivative

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    # An activation is an immutable value: copies are the object itself.
    def __copy__(self) -> "Activation":
        return self

    def __deepcopy__(self, memo) -> "Activation":
        return self

    # The two hooks the network loop calls. Both may overwrite the array they are given,
    # because the network loop only ever passes arrays it has just created itself; apply_
    # runs under np.errstate(over="ignore", invalid="ignore") (an exp overflowing to inf is
    # exact for sigmoid; NaN and inf are found and named after the loop).
    def apply_(self, Z: np.ndarray) -> np.ndarray:
        """``A = g(Z)``; built-ins write over ``Z`` (a fresh array owned by the caller)."""
        A = np.asarray(self.function(Z))
        if A.shape != Z.shape:
            raise ValueError(
                f"activation {self.name!r} returned shape {A.shape} for input of shape {Z.shape}; "
                "it must be element-wise"
            )
        return A.astype(Z.dtype, copy=False)

    def delta_(self, dA: np.ndarray, Z: Optional[np.ndarray], A: np.ndarray) -> np.ndarray:
        """``dZ = dA * g'(Z)``; built-ins write over ``dA`` (a fresh array owned by the caller)."""
        dA *= self.derivative(Z)
        return dA


class _Builtin(Activation):
    """A built-in activation whose derivative is computed from the output ``A`` alone.

    Its in-place hooks are plain functions stored on the instance (``delta_(dA, Z, A)``
    ignores ``Z``): the network loop calls them directly, one Python call per layer, not two.
    """

    needs_z = False

    def __init__(self, name: str, function: ArrayFunction, derivative: ArrayFunction,
                 apply_: Callable[[np.ndarray], np.ndarray],
                 delta_: Callable[[np.ndarray, Optional[np.ndarray], np.ndarray], np.ndarray],
                 output_only: bool = False) -> None:
        super().__init__(name, function, derivative)
        self.apply_ = apply_  # type: ignore[method-assign]
        self.delta_ = delta_  # type: ignore[method-assign]
        self.output_only = output_only


# --- sigmoid: g(z) = 1 / (1 + exp(-z)),  g' = A (1 - A) -------------------------------------
# Constants as 0-d arrays of the array's own dtype: a ufunc takes them about 0.2 us faster
# than a Python float, which it must convert on every call (float32 stays float32 either way).
_FLOATS = (np.float32, np.float64)
_ONE = {np.dtype(t): np.array(1.0, dtype=t) for t in _FLOATS}
_ZERO = {np.dtype(t): np.array(0.0, dtype=t) for t in _FLOATS}
for _constant in (*_ONE.values(), *_ZERO.values()):
    _constant.setflags(write=False)
del _constant


def _sigmoid_apply(Z: np.ndarray) -> np.ndarray:
    # 1/(1+exp(-z)) is accurate to a few ulp in relative terms, in both tails. For z below
    # about -709 (float64) or -88 (float32) exp(-z) overflows to inf and 1/(1+inf) is 0, the
    # correctly rounded value; the caller runs this under np.errstate(over="ignore") (forward
    # does, and so does the public function below), so that overflow raises no warning.
    np.negative(Z, out=Z)
    np.exp(Z, out=Z)
    Z += _ONE[Z.dtype]
    return np.reciprocal(Z, out=Z)


def _sigmoid_delta(dA: np.ndarray, Z: Optional[np.ndarray], A: np.ndarray) -> np.ndarray:
    slope = np.subtract(_ONE[A.dtype], A)
    slope *= A
    dA *= slope
    return dA


# --- tanh: g' = 1 - A^2 -----------------------------------------------------------------------
def _tanh_apply(Z: np.ndarray) -> np.ndarray:
    return np.tanh(Z, out=Z)


def _tanh_delta(dA: np.ndarray, Z: Optional[np.ndarray], A: np.ndarray) -> np.ndarray:
    slope = np.multiply(A, A)
    np.subtract(_ONE[A.dtype], slope, out=slope)
    dA *= slope
    return dA


# --- relu: g(z) = max(z, 0),  g' = [A > 0] ----------------------------------------------------
_RELU_MASK_FROM = 1 << 16  # from this many entries, z * [z > 0] beats max(z, 0) (measured)


def _relu_apply(Z: np.ndarray) -> np.ndarray:
    if Z.size >= _RELU_MASK_FROM:
        return np.multiply(Z, Z > _ZERO[Z.dtype], out=Z)
    return np.maximum(Z, _ZERO[Z.dtype], out=Z)


def _relu_delta(dA: np.ndarray, Z: Optional[np.ndarray], A: np.ndarray) -> np.ndarray:
    np.multiply(dA, A > _ZERO[A.dtype], out=dA)
    return dA


# --- leaky_relu: g(z) = max(z, 0.01 z),  g' = 1 if A > 0 else 0.01 ----------------------------
def _leaky_relu_apply(Z: np.ndarray) -> np.ndarray:
    return np.maximum(Z, np.multiply(Z, LEAKY_RELU_SLOPE), out=Z)


def _leaky_relu_delta(dA: np.ndarray, Z: Optional[np.ndarray], A: np.ndarray) -> np.ndarray:
    np.multiply(dA, LEAKY_RELU_SLOPE, out=dA, where=A <= _ZERO[A.dtype])
    return dA


# --- linear: g(z) = z,  g' = 1 ----------------------------------------------------------------
def _identity(Z: np.ndarray) -> np.ndarray:
    return Z


def _linear_delta(dA: np.ndarray, Z: Optional[np.ndarray], A: np.ndarray) -> np.ndarray:
    return dA


# --- softmax over each column (axis 0): g(z)_k = exp(z_k) / sum_j exp(z_j) --------------------
def _softmax_apply(Z: np.ndarray) -> np.ndarray:
    Z -= Z.max(axis=0, keepdims=True)  # the largest exponent is 0: exp never overflows
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=0, keepdims=True)
    return Z


def _softmax_delta(dA: np.ndarray, Z: Optional[np.ndarray], A: np.ndarray) -> np.ndarray:
    # Jacobian-vector product: dZ_k = A_k (dA_k - sum_j A_j dA_j)
    dA -= np.einsum("ij,ij->j", A, dA)
    dA *= A
    return dA


def _softmax_derivative(Z: np.ndarray) -> np.ndarray:
    raise TypeError(
        "softmax has no element-wise derivative: its Jacobian couples the units of a column; "
        "backward uses the Jacobian-vector product A * (dA - sum(A * dA, axis=0))"
    )


def _pure(apply_: Callable[[np.ndarray], np.ndarray]) -> ArrayFunction:
    """The public, non-mutating form of an in-place hook: works on a float copy."""

    def function(Z: np.ndarray) -> np.ndarray:
        Z = np.asarray(Z)
        dtype = np.result_type(Z, np.float32)  # ints -> float64, float16 and bool -> float32
        if dtype not in _ONE:
            raise TypeError(f"activations work in float32 or float64; got an array of {Z.dtype}")
        with np.errstate(over="ignore"):  # as in forward: exp overflowing to inf is exact here
            return apply_(np.array(Z, dtype=dtype))

    return function


def _from_output(delta: Callable[[np.ndarray, Optional[np.ndarray], np.ndarray], np.ndarray],
                 apply_: Callable[[np.ndarray], np.ndarray]) -> ArrayFunction:
    """The element-wise derivative g'(Z) of a built-in, computed through its output."""

    def derivative(Z: np.ndarray) -> np.ndarray:
        A = _pure(apply_)(Z)
        return delta(np.ones_like(A), None, A)

    return derivative


def _builtin(name: str, apply_, delta_, output_only: bool = False) -> _Builtin:
    derivative = _softmax_derivative if output_only else _from_output(delta_, apply_)
    return _Builtin(name, _pure(apply_), derivative, apply_, delta_, output_only)


_LINEAR = _builtin("linear", _identity, _linear_delta)

#: The built-in activations by name.
ACTIVATIONS: Dict[str, Activation] = {
    "sigmoid": _builtin("sigmoid", _sigmoid_apply, _sigmoid_delta),
    "relu": _builtin("relu", _relu_apply, _relu_delta),
    "tanh": _builtin("tanh", _tanh_apply, _tanh_delta),
    "linear": _LINEAR,
    "identity": _LINEAR,
    "leaky_relu": _builtin("leaky_relu", _leaky_relu_apply, _leaky_relu_delta),
    "softmax": _builtin("softmax", _softmax_apply, _softmax_delta, output_only=True),
}


def get_activation(spec: Union[str, Activation]) -> Activation:
    """Look an activation up by name, or pass an :class:`Activation` through.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    TypeError
        For anything that is neither a str nor an :class:`Activation`.
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        try:
            return ACTIVATIONS[spec]
        except KeyError:
            valid = ", ".join(repr(k) for k in ACTIVATIONS)
            raise ValueError(
                f"unknown activation {spec!r}; valid names are {valid}, "
                "or pass a fnnet.Activation(name, function, derivative)"
            ) from None
    raise TypeError(f"an activation must be a name (str) or a fnnet.Activation, got {type(spec).__name__}")


_RESOLVED: Dict[tuple, Tuple[Activation, ...]] = {}  # (tuple(activations), L) -> resolved


def resolve_activations(activations, n_layers: int) -> Tuple[Activation, ...]:
    """Check a per-layer list of activations against a network of ``n_layers`` layers.

    Parameters
    ----------
    activations : sequence of (str or Activation), length ``n_layers``
        One entry per layer ``1..L``; ``softmax`` only in the last.
    n_layers : int
        ``L``, the number of weight matrices.

    Returns
    -------
    tuple of Activation, length ``n_layers``
    """
    if type(activations) in (list, tuple):  # memoised: a training loop passes the same list each step
        key = (tuple(activations), n_layers)
        try:
            return _RESOLVED[key]
        except (KeyError, TypeError):  # not seen yet, or holds something unhashable
            pass
        resolved = _resolve(activations, n_layers)
        if len(_RESOLVED) > 256:
            _RESOLVED.clear()
        _RESOLVED[key] = resolved
        return resolved
    return _resolve(activations, n_layers)


def _resolve(activations, n_layers: int) -> Tuple[Activation, ...]:
    if isinstance(activations, (str, Activation)):
        raise TypeError(
            f"activations must be a list with one entry per layer ({n_layers} here), "
            f"e.g. {[activations if isinstance(activations, str) else '...'] * n_layers!r}; "
            f"got a single {type(activations).__name__}"
        )
    try:
        resolved = tuple(get_activation(a) for a in activations)
    except TypeError as exc:
        if "an activation must be" in str(exc):
            raise
        raise TypeError(
            f"activations must be a list of names or fnnet.Activation objects, got {type(activations).__name__}"
        ) from None
    if len(resolved) != n_layers:
        raise ValueError(
            f"activations has {len(resolved)} entries but the network has {n_layers} layers "
            f"(W1..W{n_layers}); give one activation per layer"
        )
    for layer, act in enumerate(resolved[:-1], start=1):
        if act.output_only:
            raise ValueError(
                f"activation {act.name!r} at layer {layer} of {n_layers}: it is only allowed on the "
                "output layer (it normalises each column)"
            )
    return resolved
