"""Activation functions: one record per activation, holding every fact about it.

Every activation maps a pre-activation ``Z`` of shape ``(n_l, m)`` to ``A = g(Z)`` of the
same shape. During backpropagation it turns ``dA = dJ/dA`` into ``dZ = dJ/dZ``:

    dZ = g'(Z) * dA                       (element-wise activations)
    dZ = A * (dA - sum_k A_k dA_k)        (softmax, over each column)

A record (:class:`Activation`) holds:

- ``function``: ``g``; ``derivative``: ``g'`` as a function of ``Z``;
- ``from_output``: ``g'`` as a function of ``A`` where that is exact (``A (1 - A)``,
  ``1 - A^2``, ``A > 0``), so the forward pass keeps ``A`` and never ``Z``;
- ``output_only``: the activation couples the units of a column (softmax);
- ``kinks``: the points where ``g`` has no derivative (``(0.0,)`` for relu);
- ``change``: ``g(z + d) - g(z)`` written without cancellation, which the gradient checker
  uses to carry a perturbation through the network exactly.

A user's own ``Activation`` is the same record: it works wherever a built-in name does.

Examples
--------
>>> import numpy as np
>>> from fnnet.activations import get_activation
>>> get_activation("relu").function(np.array([[-1.0, 2.0]]))
array([[0., 2.]])
"""

from __future__ import annotations

import inspect
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ["Activation", "ACTIVATIONS"]

ArrayFunction = Callable[[np.ndarray], np.ndarray]
#: ``change(z, a, d) -> g(z + d) - g(z)``, where ``a = g(z)``; the arrays broadcast together.
ChangeFunction = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

#: Slope of ``leaky_relu`` for negative inputs: ``g(z) = z if z > 0 else 0.01 * z``.
LEAKY_RELU_SLOPE = 0.01


class Activation:
    """An activation function and every fact about it, usable wherever a name is.

    Parameters
    ----------
    name : str
        Shown in error messages and in ``repr``.
    function : callable
        ``g(Z) -> A``: maps an array of shape ``(n, m)`` to a new array of the same shape.
        It must not modify ``Z``. If it takes a keyword ``out`` (``g(Z, out=None)``, as a
        NumPy ufunc does), :func:`fnnet.train` passes an ``(n, m)`` array of ``Z``'s dtype to
        write ``A`` into, reused from batch to batch. ``out`` may be ``Z`` itself: each
        entry of ``Z`` must be read before ``out`` is written there (element-wise ufuncs do).
    derivative : callable, optional
        ``g'(Z) -> D``: the element-wise derivative ``dA/dZ``, shape ``(n, m)``. Needed unless
        ``from_output`` is given.
    kinks : sequence of float, default ()
        Points where ``g`` has no derivative (``(0.0,)`` for a relu). The gradient checker
        sets aside the entries whose perturbation moves a pre-activation across one, as it
        does for the built-in relu.
    from_output : callable, optional
        ``g'`` computed from the output ``A`` alone, where that is exact (an array of ``A``'s
        shape, or a boolean mask for a 0/1 slope). Then the forward pass caches only ``A``;
        otherwise it caches ``Z`` too, for ``derivative``.
    change : callable, optional
        ``change(z, a, d) -> g(z + d) - g(z)`` (``a = g(z)``), without cancellation; by
        default the plain difference ``g(z + d) - a``.
    output_only : bool, default False
        The activation couples the units of a column, so it may only be the output layer.
    jacobian_product : callable, optional
        ``(dA, A) -> dZ`` for an activation that is not element-wise (softmax).

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> softplus = fnnet.Activation("softplus", lambda z: np.logaddexp(0.0, z),
    ...                             lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)))
    >>> params = fnnet.init_params([2, 3, 1], seed=0)
    >>> AL, cache = fnnet.forward(params, np.ones((2, 4)), [softplus, "sigmoid"])
    >>> sorted(cache)
    ['A0', 'A1', 'A2', 'Z1', 'activations']
    >>> my_relu = fnnet.Activation("my_relu", lambda z: np.maximum(z, 0.0),
    ...                            lambda z: (z > 0).astype(z.dtype), kinks=(0.0,))
    >>> my_relu.kinks
    (0.0,)
    """

    def __init__(self, name: str, function: ArrayFunction, derivative: Optional[ArrayFunction] = None, *,
                 kinks: Sequence[float] = (), from_output: Optional[ArrayFunction] = None,
                 change: Optional[ChangeFunction] = None, output_only: bool = False,
                 jacobian_product: Optional[Callable[[np.ndarray, np.ndarray], np.ndarray]] = None) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Activation name must be a non-empty str, got {name!r}")
        if derivative is None and from_output is None and jacobian_product is None:
            raise TypeError(f"Activation {name!r}: give its derivative (a function of Z)")
        for label, fn in (("function", function), ("derivative", derivative), ("from_output", from_output),
                          ("change", change), ("jacobian_product", jacobian_product)):
            if fn is not None and not callable(fn):
                raise TypeError(f"Activation {name!r}: {label} must be callable, got {type(fn).__name__}")
        try:
            kinks = tuple(float(k) for k in kinks)
        except (TypeError, ValueError):
            raise TypeError(f"Activation {name!r}: kinks must be a sequence of numbers, got {kinks!r}") from None
        self.name = name
        self.function = function
        self.derivative = derivative if derivative is not None else self._derivative_from_output
        self.kinks = kinks
        self.from_output = from_output
        self.change = change if change is not None else self._plain_change
        self.output_only = output_only
        self.jacobian_product = jacobian_product
        #: Whether the backward pass needs ``Z`` (no ``from_output``), so forward caches it.
        self.needs_z = from_output is None and jacobian_product is None
        #: Whether ``function`` takes ``out=`` (training writes ``A`` into its workspace).
        self.takes_out = _takes_out(function)


    def apply(self, Z: np.ndarray, layer: Optional[int] = None, out: Optional[np.ndarray] = None) -> np.ndarray:
        """``A = g(Z)`` in ``Z``'s dtype, checked to be element-wise (a user's function may not be).

        ``layer`` is only for the message when the shape is wrong; ``out``, an array of ``Z``'s
        shape and dtype, receives ``A`` when the function takes ``out`` (else ``A`` is new).
        """
        A = self.function(Z, out=out) if out is not None and self.takes_out else self.function(Z)
        if type(A) is np.ndarray and A.dtype is Z.dtype and A.shape == Z.shape:
            return A
        A = np.asarray(A)
        if A.shape != Z.shape:
            where = f" of layer {layer}" if layer is not None else ""
            raise ValueError(f"activation {self.name!r}{where} returned shape {A.shape} for input of shape "
                             f"{Z.shape}; it must be element-wise")
        return A.astype(Z.dtype, copy=False)

    def backprop(self, dA: np.ndarray, A: Optional[np.ndarray], Z: Optional[np.ndarray] = None,
                 layer: Optional[int] = None) -> np.ndarray:
        """``dZ = g'(Z) * dA`` (or the Jacobian product), shape ``(n, m)`` like ``dA``.

        ``dA`` is overwritten: the network passes the array ``W^T dZ`` it has just made. ``A``
        is the layer's output ``g(Z)`` (or None: then ``g'`` comes from ``Z``), ``Z`` its input
        (needed when ``needs_z`` or ``A`` is None); ``layer`` is only for the message when a
        derivative has the wrong shape.
        """
        if self.jacobian_product is not None:
            return self.jacobian_product(dA, A)
        dA *= self.slope(A, Z, layer)  # in place: no new (n, m) array, which at large sizes costs page faults
        return dA

    def slope(self, A: Optional[np.ndarray], Z: Optional[np.ndarray] = None, layer: Optional[int] = None):
        """``g'(Z)`` of an element-wise activation: an ``(n, m)`` array (or 0/1 mask), from the
        output ``A`` where that is exact (``from_output``), else from ``Z``; see :meth:`backprop`."""
        slope = self.from_output(A) if self.from_output is not None and A is not None else self.derivative(Z)
        shape = (Z if A is None else A).shape
        if getattr(slope, "shape", None) != shape:  # a broadcastable (n, 1) or (1, m) would be silently wrong
            where = f" of layer {layer}" if layer is not None else ""
            raise ValueError(f"the derivative of activation {self.name!r}{where} returned shape "
                             f"{np.shape(slope)} for input of shape {shape}; it must be element-wise "
                             "(the same shape)")
        return slope

    def crosses_kink(self, z: np.ndarray, zn: np.ndarray) -> np.ndarray:
        """Where moving from ``z`` to ``zn`` crosses (or leaves, or reaches) a kink: bool array."""
        crossed = np.zeros(np.broadcast_shapes(np.shape(z), np.shape(zn)), dtype=bool)
        for kink in self.kinks:
            crossed |= (z > kink) != (zn > kink)
        return crossed

    def _derivative_from_output(self, Z: np.ndarray) -> np.ndarray:
        if self.from_output is None:
            raise TypeError(
                f"{self.name} has no element-wise derivative: its Jacobian couples the units of a column; "
                "backward uses the Jacobian-vector product A * (dA - sum(A * dA, axis=0))")
        A = self.function(Z)
        return np.asarray(self.from_output(A), dtype=A.dtype)  # (a 0/1 mask as numbers)

    def _plain_change(self, z: np.ndarray, a: np.ndarray, d: np.ndarray) -> np.ndarray:
        zn = z + d
        return self.function(zn.reshape(zn.shape[0], -1)).reshape(zn.shape) - a

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    # An activation is an immutable value: copies are the object itself.
    def __copy__(self) -> "Activation":
        return self

    def __deepcopy__(self, memo) -> "Activation":
        return self


def _takes_out(function: Callable) -> bool:
    """Whether ``function(Z, out=...)`` can be called (a NumPy ufunc, or a keyword ``out``)."""
    if isinstance(function, np.ufunc):
        return True
    try:
        return "out" in inspect.signature(function).parameters
    except (TypeError, ValueError):  # no signature to read: called without out
        return False


def _as_float(Z) -> np.ndarray:
    """``Z`` as a float32/float64 array (ints become float64, float16 and bools float32)."""
    Z = np.asarray(Z)
    if Z.dtype.kind == "f" and Z.dtype.itemsize >= 4:
        if Z.dtype.itemsize > 8:
            raise TypeError(f"activations work in float32 or float64; got an array of {Z.dtype}")
        return Z
    dtype = np.result_type(Z, np.float32)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"activations work in float32 or float64; got an array of {Z.dtype}")
    return Z.astype(dtype)


# --- sigmoid: g(z) = 1 / (1 + exp(-z)),  g' = A (1 - A) ---------------------------------------
def _sigmoid(Z, out: Optional[np.ndarray] = None) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(-z) = inf below z = -709 gives 1 / inf = 0, correctly rounded
        A = np.negative(_as_float(Z), out=out)  # one array, then in place
        np.exp(A, out=A)
        A += 1.0
        return np.reciprocal(A, out=A)


def _sigmoid_change(z, a, d):
    # s(z + d) - s(z) = s(z + d) s(-z) (1 - exp(-d))
    return _sigmoid(z + d) * _sigmoid(-z) * -np.expm1(-d)


SIGMOID = Activation("sigmoid", _sigmoid, from_output=lambda A: A * (1.0 - A), change=_sigmoid_change)


# --- tanh: g' = 1 - A^2 ---------------------------------------------------------------------------
def _tanh(Z, out: Optional[np.ndarray] = None) -> np.ndarray:
    return np.tanh(_as_float(Z), out=out)


def _sech(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # never overflows
    return 2.0 * e / (1.0 + e * e)


def _tanh_change(z, a, d):
    # tanh(z + d) - tanh(z) = sinh(d) / (cosh(z) cosh(z + d))
    return np.sinh(d) * _sech(z) * _sech(z + d)


TANH = Activation("tanh", _tanh, from_output=lambda A: 1.0 - A * A, change=_tanh_change)


# --- relu: g(z) = max(z, 0),  g' = [A > 0];  leaky_relu: max(z, 0.01 z) ------------------------------
def _relu(Z, out: Optional[np.ndarray] = None) -> np.ndarray:
    return np.maximum(_as_float(Z), 0.0, out=out)


def _leaky_relu(Z, out: Optional[np.ndarray] = None) -> np.ndarray:
    Z = _as_float(Z)
    return np.maximum(Z, LEAKY_RELU_SLOPE * Z, out=out)


def _leaky_relu_slope(A: np.ndarray) -> np.ndarray:
    return np.where(A > 0.0, 1.0, LEAKY_RELU_SLOPE).astype(A.dtype, copy=False)


def _piecewise_linear_change(g: ArrayFunction, negative_slope: float) -> ChangeFunction:
    """The change of a function linear on each side of 0: ``d`` or ``slope * d``, exactly;
    across the kink, ``g(z + d) - g(z)``."""

    def change(z, a, d):
        zn = z + d
        positive, positive_new = np.broadcast_arrays(z > 0.0, zn > 0.0)
        out = np.where(positive, d, negative_slope * d)
        cross = positive != positive_new
        if cross.any():
            out[cross] = (g(zn) - g(np.broadcast_to(z, zn.shape)))[cross]
        return out

    return change


RELU = Activation("relu", _relu, from_output=lambda A: A > 0.0, kinks=(0.0,),  # a mask multiplies as 0/1
                  change=_piecewise_linear_change(_relu, 0.0))
LEAKY_RELU = Activation("leaky_relu", _leaky_relu, from_output=_leaky_relu_slope, kinks=(0.0,),
                        change=_piecewise_linear_change(_leaky_relu, LEAKY_RELU_SLOPE))


# --- linear: g(z) = z,  g' = 1 ----------------------------------------------------------------------
def _linear(Z, out: Optional[np.ndarray] = None) -> np.ndarray:
    return np.positive(_as_float(Z), out=out)  # a copy


LINEAR = Activation("linear", _linear, from_output=np.ones_like,
                    change=lambda z, a, d: np.array(d, dtype=np.float64))


# --- softmax over each column (axis 0): g(z)_k = exp(z_k) / sum_j exp(z_j) ----------------------------
def _softmax(Z, out: Optional[np.ndarray] = None) -> np.ndarray:
    Z = _as_float(Z)
    E = np.subtract(Z, Z.max(axis=0, keepdims=True), out=out)  # the largest exponent is 0: exp never overflows
    np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E


def _softmax_jacobian_product(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    # dZ_k = A_k (dA_k - sum_j A_j dA_j), per column
    return A * (dA - np.sum(A * dA, axis=0, keepdims=True))


def _softmax_change(z, a, d):
    # s(z + d) - s(z) = s (e - <s, e>) / (1 + <s, e>) per column, with e = exp(d) - 1
    E = np.expm1(d)
    t = np.sum(a * E, axis=0)
    return a * (E - t) / (1.0 + t)


SOFTMAX = Activation("softmax", _softmax, jacobian_product=_softmax_jacobian_product,
                     change=_softmax_change, output_only=True)


#: The built-in activations by name.
ACTIVATIONS: Dict[str, Activation] = {
    "sigmoid": SIGMOID,
    "relu": RELU,
    "tanh": TANH,
    "linear": LINEAR,
    "identity": LINEAR,
    "leaky_relu": LEAKY_RELU,
    "softmax": SOFTMAX,
}


def get_activation(spec: Union[str, Activation]) -> Activation:
    """Look an activation up by name, or pass an :class:`Activation` through.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    TypeError
        For anything that is neither a str nor an :class:`Activation`.

    Examples
    --------
    >>> get_activation("tanh")
    Activation('tanh')
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        if spec in ACTIVATIONS:
            return ACTIVATIONS[spec]
        valid = ", ".join(repr(k) for k in ACTIVATIONS)
        raise ValueError(f"unknown activation {spec!r}; valid names are {valid}, "
                         "or pass a fnnet.Activation(name, function, derivative)")
    raise TypeError(f"an activation must be a name (str) or a fnnet.Activation, got {type(spec).__name__}")


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

    Examples
    --------
    >>> resolve_activations(["relu", "sigmoid"], 2)
    (Activation('relu'), Activation('sigmoid'))
    """
    if isinstance(activations, (str, Activation)):
        example = [activations if isinstance(activations, str) else "..."] * n_layers
        raise TypeError(f"activations must be a list with one entry per layer ({n_layers} here), "
                        f"e.g. {example!r}; got a single {type(activations).__name__}")
    if not isinstance(activations, (list, tuple)):
        raise TypeError(f"activations must be a list of names or fnnet.Activation objects, "
                        f"got {type(activations).__name__}")
    resolved = tuple([get_activation(a) for a in activations])
    if len(resolved) != n_layers:
        raise ValueError(f"activations has {len(resolved)} entries but the network has {n_layers} layers "
                         f"(W1..W{n_layers}); give one activation per layer")
    for layer, act in enumerate(resolved[:-1], start=1):
        if act.output_only:
            raise ValueError(f"activation {act.name!r} at layer {layer} of {n_layers}: it is only allowed on the "
                             "output layer (it normalises each column)")
    return resolved
