"""Checks at the public boundary: raised before any arithmetic, naming what is wrong.

Every check here is cheap (shape and dtype comparisons, at most one reduction per array)
because it runs on every call of the hot path.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Mapping
from typing import Dict, Optional, Tuple

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_all = np.logical_and.reduce  # the ufuncs themselves: ndarray.all()/.sum() add a Python wrapper
_sum = np.add.reduce


_CONSTANTS: Dict[tuple, np.ndarray] = {}


def constant(shape: Tuple[int, ...], value: float, dtype: np.dtype) -> np.ndarray:
    """A read-only array of ``shape`` filled with ``value`` in ``dtype``, kept between calls.

    The hot path's constants: ``1/m`` and ``-lr`` as 0-d arrays (``shape=()``; a ufunc takes a
    0-d array of its own dtype ~0.2 us faster than a Python float, which it converts on every
    call) and the ``(m, 1)`` column of ones whose product with ``dZ`` sums its rows.
    """
    key = (shape, value, dtype)
    arr = _CONSTANTS.get(key)
    if arr is None:
        if len(_CONSTANTS) > 256:
            _CONSTANTS.clear()
        arr = _CONSTANTS[key] = np.full(shape, value, dtype=dtype)
        arr.setflags(write=False)
    return arr


def format_shape(shape: Tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def make_rng(seed=None, rng=None) -> np.random.Generator:
    """The generator to draw from: ``rng`` itself, or a fresh ``default_rng(seed)`` (not both)."""
    if rng is not None:
        if seed is not None:
            raise ValueError("give either seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    return np.random.default_rng(seed)


def n_layers(params: Mapping) -> int:
    """``L`` from the keys ``W1..WL`` (contiguous), without touching the arrays."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays (W1, b1, ...), got {type(params).__name__}")
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    if L == 0:
        raise ValueError(f"params has no 'W1'; expected keys W1..WL and b1..bL, got {sorted(map(str, params))}")
    return L


#: Key strings of layers 1..64, built once: ("W1", "b1", "A1", "Z1"), ... (index 0 is layer 1).
LAYER_KEYS = [(f"W{layer}", f"b{layer}", f"A{layer}", f"Z{layer}") for layer in range(1, 65)]
_WB_KEYS = [keys[:2] for keys in LAYER_KEYS]
_GROWING = threading.Lock()  # held while the two lists grow for a deeper network


def check_params(params: Mapping, name: str = "params") -> Tuple[int, np.dtype]:
    """Validate a parameter dict and return ``(L, dtype)``.

    Checks: a mapping with exactly the keys ``W1..WL, b1..bL``; every value a float32 or
    float64 ``ndarray`` of one shared dtype; ``W{l}`` 2-D with ``W{l}.shape[1] ==
    W{l-1}.shape[0]``; ``b{l}`` of shape ``(W{l}.shape[0], 1)``.

    The common case (a plain dict of well-formed arrays) takes a lean path of plain
    comparisons; anything unusual goes through :func:`_diagnose_params`, which names the problem.
    """
    if type(params) is dict and len(params) % 2 == 0 and 0 < len(params) <= 2 * len(_WB_KEYS):
        L = len(params) // 2
        W1 = params.get("W1")
        if type(W1) is np.ndarray and W1.dtype in FLOAT_DTYPES:
            dtype = W1.dtype
            rows = W1.shape[1] if W1.ndim == 2 else -1
            for w_key, b_key in _WB_KEYS[:L]:
                W = params.get(w_key)
                b = params.get(b_key)
                # `is` on dtypes: NumPy's built-in dtypes are singletons (an equal copy takes the slow path)
                if type(W) is not np.ndarray or type(b) is not np.ndarray or W.dtype is not dtype or b.dtype is not dtype:
                    break
                shape = W.shape
                if len(shape) != 2 or shape[1] != rows or b.shape != (shape[0], 1):
                    break
                rows = shape[0]
            else:
                return L, dtype
    return _diagnose_params(params, name)


def _diagnose_params(params: Mapping, name: str) -> Tuple[int, np.dtype]:
    """The full check behind :func:`check_params`, with a message for each problem."""
    L = n_layers(params)
    if L > len(LAYER_KEYS):  # deeper than any network seen so far: so the next call takes the lean path
        with _GROWING:  # one thread at a time, or two could append the same layer twice
            for layer in range(len(LAYER_KEYS) + 1, L + 1):
                # LAYER_KEYS first: readers bound L by len(_WB_KEYS), never longer than LAYER_KEYS
                LAYER_KEYS.append((f"W{layer}", f"b{layer}", f"A{layer}", f"Z{layer}"))
                _WB_KEYS.append((f"W{layer}", f"b{layer}"))
    if len(params) != 2 * L:
        expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
        missing = sorted(expected - set(params))
        extra = sorted(map(str, set(params) - expected))
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"unexpected {extra}")
        raise ValueError(
            f"{name} keys must be exactly W1..W{L} and b1..b{L} (layers are counted from the "
            f"contiguous W keys): {' and '.join(parts) or 'wrong keys'}"
        )
    dtype = None
    rows = None
    for layer in range(1, L + 1):
        W = params[f"W{layer}"]
        try:
            b = params[f"b{layer}"]
        except KeyError:
            raise ValueError(f"{name} is missing 'b{layer}' (the bias of layer {layer})") from None
        for key, arr in ((f"W{layer}", W), (f"b{layer}", b)):
            if not isinstance(arr, np.ndarray):
                raise TypeError(f"{name}[{key!r}] must be a numpy.ndarray, got {type(arr).__name__}")
            if arr.dtype not in FLOAT_DTYPES:
                raise TypeError(f"{name}[{key!r}] has dtype {arr.dtype}; params must be float32 or float64")
            if dtype is None:
                dtype = arr.dtype
            elif arr.dtype != dtype:
                raise TypeError(
                    f"{name}[{key!r}] has dtype {arr.dtype} but {name}['W1'] has {dtype}; "
                    "all params must share one dtype"
                )
        if W.ndim != 2:
            raise ValueError(f"{name}['W{layer}'] must be 2-D (n{layer}, n{layer - 1}), got shape {format_shape(W.shape)}")
        if rows is not None and W.shape[1] != rows:
            raise ValueError(
                f"{name}['W{layer}'] has shape {format_shape(W.shape)} but layer {layer - 1} has {rows} units "
                f"({name}['W{layer - 1}'] is {format_shape(params[f'W{layer - 1}'].shape)}); expected ({W.shape[0]}, {rows})"
            )
        rows = W.shape[0]
        if b.shape != (rows, 1):
            hint = (" a 1-D bias broadcasts along the wrong axis in column-major layout; use b.reshape(-1, 1)"
                    if b.ndim == 1 else "")
            raise ValueError(
                f"{name}['b{layer}'] has shape {format_shape(b.shape)}, expected ({rows}, 1) for layer {layer};{hint}"
            )
    return L, dtype


def as_matrix(X, name: str, dtype: np.dtype, rows: Optional[int] = None, what: str = "",
              check_finite: bool = True) -> np.ndarray:
    """A 2-D, finite, non-empty array of ``dtype`` (cast once, no copy when it already is).

    Parameters
    ----------
    X : array_like, shape (rows, m)
    name : str
        How the caller calls it, for messages (``"X"``, ``"Y"``).
    dtype : numpy dtype
        The params' dtype.
    rows : int, optional
        The required number of rows; ``what`` says where it comes from.
    """
    arr = X if type(X) is np.ndarray else np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        want = f"({rows}, m)" if rows is not None else "(n, m)"
        raise ValueError(
            f"{name} must be 2-D with shape {want}, one example per column; got shape {format_shape(arr.shape)}"
            + (f". For one example use {name}.reshape(-1, 1); for one feature, {name}.reshape(1, -1)"
               if arr.ndim == 1 else "")
        )
    if rows is not None and arr.shape[0] != rows:
        hint = (f"; did you pass examples as rows? use {name}.T" if arr.shape[1] == rows else "")
        raise ValueError(
            f"{name} has shape {format_shape(arr.shape)} but {what} expects {rows} rows: "
            f"expected ({rows}, m), got {arr.shape[0]} rows{hint}"
        )
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has shape {format_shape(arr.shape)}: an empty batch (m = 0) has no cost or gradient")
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    # NaN/inf make the sum of squares (one BLAS dot, faster than any reduction) NaN or inf; if it
    # is not finite, the exact check decides (huge finite values can overflow the sum)
    # (np.vdot, unlike ndarray.dot, never warns when the sum overflows). A strided array would be
    # copied to be read flat: there the element-wise check is cheaper.
    if check_finite:
        if arr.flags.forc:
            flat = arr.ravel(order="K")  # a view, in memory order (Fortran-ordered data included)
            finite = math.isfinite(np.vdot(flat, flat)) or _all(np.isfinite(arr), axis=None)
        else:
            finite = _all(np.isfinite(arr), axis=None)
        if not finite:
            raise_not_finite(arr, name)
    return arr


def raise_not_finite(arr: np.ndarray, name: str) -> None:
    """Raise the ValueError for an array known to hold NaN or inf, locating the first one."""
    bad = ~np.isfinite(arr)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ValueError(
        f"{name} contains NaN or inf ({int(bad.sum())} entries, first at {list(first)} = {arr[first]}); "
        "inputs must be finite"
    )


def check_positive(value, name: str) -> float:
    """A real, finite number ``> 0`` (a step size, an epsilon), returned as a Python float.

    Raises ``TypeError`` for a non-number (bool included), ``ValueError`` for a bad value.
    """
    if type(value) is float and 0.0 < value < float("inf"):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive finite number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not (np.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def check_lr(lr) -> float:
    """A learning rate: a real, finite, positive number, returned as a Python float."""
    return check_positive(lr, "lr")


def check_count(value, name: str, minimum: int = 1) -> int:
    """A whole number ``>= minimum`` (a size, a count of epochs), returned as a Python int.

    Raises ``TypeError`` for a non-integer (bool and 2.0 included), ``ValueError`` below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_nonneg(value, name: str) -> float:
    """A real, finite number ``>= 0`` (a noise level, a decay), returned as a Python float."""
    if type(value) is float and 0.0 <= value < float("inf"):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a non-negative finite number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not (np.isfinite(value) and value >= 0.0):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return value


def check_like(params: Mapping, other: Mapping, name: str) -> None:
    """``other`` mirrors ``params`` key for key and shape for shape."""
    if type(other) is dict and type(params) is dict and other.keys() == params.keys():
        for key, p in params.items():  # lean path: plain comparisons only
            g = other[key]
            if type(g) is not np.ndarray or g.shape != p.shape or g.dtype.kind != "f":
                break
        else:
            return
    if not isinstance(other, Mapping):
        raise TypeError(f"{name} must be a dict mirroring params, got {type(other).__name__}")
    if other.keys() != params.keys():
        missing = sorted(map(str, params.keys() - other.keys()))
        extra = sorted(map(str, other.keys() - params.keys()))
        raise ValueError(f"{name} must have the same keys as params: missing {missing}, unexpected {extra}")
    for key, p in params.items():
        g = other[key]
        if not isinstance(g, np.ndarray):
            raise TypeError(f"{name}[{key!r}] must be a numpy.ndarray, got {type(g).__name__}")
        if g.shape != p.shape:
            raise ValueError(
                f"{name}[{key!r}] has shape {format_shape(g.shape)}, expected {format_shape(p.shape)} like params[{key!r}]"
            )
        if g.dtype.kind != "f":
            raise TypeError(f"{name}[{key!r}] has dtype {g.dtype}; expected a float array")
