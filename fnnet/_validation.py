"""Checks at the public boundary: raised before any arithmetic, naming what is wrong.

Each rule is written once, as one pass that raises its message where it finds the problem.
The public functions run these checks on every call; ``fnnet.train`` runs them once, then
the unchecked internals per batch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Optional, Tuple

import numpy as np

from .activations import Activation

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def format_shape(shape: Tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def format_value(x: float) -> str:
    """A number to all the digits that tell it apart (``repr``), without a trailing ``.0``."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


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
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed}")
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


def check_params(params: Mapping, name: str = "params") -> Tuple[int, np.dtype]:
    """Validate a parameter dict and return ``(L, dtype)``.

    Checks, in one pass that raises where it finds a problem: a mapping with exactly the keys
    ``W1..WL, b1..bL``; every value a float32 or float64 ``ndarray`` of one shared dtype;
    ``W{l}`` 2-D with ``W{l}.shape[1] == W{l-1}.shape[0]``; ``b{l}`` of shape ``(W{l}.shape[0], 1)``.
    """
    L = n_layers(params)
    if len(params) != 2 * L:
        expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
        missing = sorted(expected - set(params))
        extra = sorted(map(str, set(params) - expected))
        parts = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else [])
        raise ValueError(
            f"{name} keys must be exactly W1..W{L} and b1..b{L} (layers are counted from the "
            f"contiguous W keys): {' and '.join(parts) or 'wrong keys'}"
        )
    dtype = params["W1"].dtype if isinstance(params["W1"], np.ndarray) else None
    rows = None
    for layer in range(1, L + 1):
        w_key, b_key = f"W{layer}", f"b{layer}"
        if b_key not in params:
            raise ValueError(f"{name} is missing {b_key!r} (the bias of layer {layer})")
        W, b = params[w_key], params[b_key]
        for key, arr in ((w_key, W), (b_key, b)):
            if not isinstance(arr, np.ndarray):
                raise TypeError(f"{name}[{key!r}] must be a numpy.ndarray, got {type(arr).__name__}")
            if arr.dtype is not dtype or dtype not in FLOAT_DTYPES:  # (dtypes of one kind are one object)
                _check_param_dtype(arr.dtype, dtype, key, name)
        if W.ndim != 2:
            raise ValueError(f"{name}[{w_key!r}] must be 2-D (n{layer}, n{layer - 1}), got shape {format_shape(W.shape)}")
        if rows is not None and W.shape[1] != rows:
            raise ValueError(
                f"{name}[{w_key!r}] has shape {format_shape(W.shape)} but layer {layer - 1} has {rows} units "
                f"({name}['W{layer - 1}'] is {format_shape(params[f'W{layer - 1}'].shape)}); expected ({W.shape[0]}, {rows})"
            )
        rows = W.shape[0]
        if b.shape != (rows, 1):
            hint = (" a 1-D bias broadcasts along the wrong axis in column-major layout; use b.reshape(-1, 1)"
                    if b.ndim == 1 else "")
            raise ValueError(
                f"{name}[{b_key!r}] has shape {format_shape(b.shape)}, expected ({rows}, 1) for layer {layer};{hint}"
            )
    return L, dtype


def _check_param_dtype(got: np.dtype, first: np.dtype, key: str, name: str) -> None:
    """The dtype rule of :func:`check_params`: float32 or float64, the same as ``W1``'s."""
    if got not in FLOAT_DTYPES:
        raise TypeError(f"{name}[{key!r}] has dtype {got}; params must be float32 or float64")
    if got != first:
        raise TypeError(f"{name}[{key!r}] has dtype {got} but {name}['W1'] has {first}; all params must share one dtype")


def check_cache(cache: Mapping, params: Mapping, L: int, dtype: np.dtype) -> Tuple[tuple, list]:
    """``cache`` came from :func:`fnnet.forward` on a network shaped like ``params``.

    Returns ``(activations, [A0, ..., AL])``; raises, naming the key, where it does not.
    """
    if not isinstance(cache, Mapping) or "activations" not in cache:
        raise TypeError("cache must be the dict returned by fnnet.forward (it holds 'A0'..'AL' and 'activations')")
    acts = cache["activations"]
    if not isinstance(acts, tuple) or not all(isinstance(act, Activation) for act in acts):
        raise TypeError("cache['activations'] must be the tuple of Activation objects that fnnet.forward stores; "
                        "pass the cache returned by fnnet.forward")
    if len(acts) != L:
        raise ValueError(f"cache is from a network with {len(acts)} layers, params has {L}")
    A0 = cache.get("A0")
    m = A0.shape[1] if isinstance(A0, np.ndarray) and A0.ndim == 2 else -1
    As = []
    for layer in range(L + 1):
        key = f"A{layer}"
        rows = params["W1"].shape[1] if layer == 0 else params[f"W{layer}"].shape[0]
        if layer and acts[layer - 1].needs_z and not isinstance(cache.get(f"Z{layer}"), np.ndarray):
            raise ValueError(f"cache is missing 'Z{layer}', which the custom activation {acts[layer - 1].name!r} "
                             f"of layer {layer} needs; pass the cache returned by fnnet.forward")
        A = cache.get(key)
        if not isinstance(A, np.ndarray):
            raise ValueError(f"cache is missing {key!r}; pass the cache returned by fnnet.forward")
        if A.shape != (rows, m) or A.dtype != dtype:
            raise ValueError(
                f"cache[{key!r}] has shape {A.shape} and dtype {A.dtype}, but params expect ({rows}, {m}) "
                f"of {dtype}: was the cache made with these params?"
            )
        As.append(A)
    return acts, As


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
    if check_finite and not np.isfinite(arr).all():
        raise_not_finite(arr, name)
    return arr


def column_factors(sample_weight, m: int, dtype: np.dtype, name: str = "sample_weight") -> Optional[np.ndarray]:
    """Per-example weights ``w`` (m,) as the column factors ``c = m w / sum(w)``, shape (1, m),
    in ``dtype`` (None stays None): the weighted mean is the plain mean of ``c_i loss_i``."""
    if sample_weight is None:
        return None
    w = normalised_weights(sample_weight, m, name)
    return (w * (m / float(w.sum()))).astype(dtype).reshape(1, m)


def normalised_weights(sample_weight, m: int, name: str = "sample_weight") -> np.ndarray:
    """Per-example weights (m,) checked (finite, >= 0, not all 0) and divided by the largest, in
    float64: only their ratios matter, and weights near the float limits would overflow a sum
    (1e308) or a ratio (1e-320)."""
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array of one weight per example, got dtype {w.dtype}")
    if w.shape != (m,):
        raise ValueError(f"{name} must have one weight per example, shape ({m},); got shape {format_shape(w.shape)}")
    w = w.astype(np.float64)
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must hold finite weights >= 0; {int(bad.sum())} do not, the first is "
                         f"{name}[{first}] = {format_value(w[first])}")
    top = float(w.max())
    if top <= 0.0:
        raise ValueError(f"{name} must have a positive sum (some example must count), got all zeros")
    return w / top


def raise_not_finite(arr: np.ndarray, name: str) -> None:
    """Raise the ValueError for an array known to hold NaN or inf, locating the first one."""
    bad = ~np.isfinite(arr)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ValueError(
        f"{name} contains NaN or inf ({int(bad.sum())} entries, first at {list(first)} = {arr[first]}); "
        "inputs must be finite"
    )


def scalar(value):
    """A 0-d array as the NumPy scalar it holds (``np.array(0.8)`` means 0.8); anything else as it is."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def check_positive(value, name: str) -> float:
    """A real, finite number ``> 0`` (a step size, an epsilon), returned as a Python float.

    Raises ``TypeError`` for a non-number (bool included), ``ValueError`` for a bad value.
    """
    if type(value) is float and 0.0 < value < math.inf:  # the common case, before the ABC check
        return value
    value = scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
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
    value = scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_nonneg(value, name: str) -> float:
    """A real, finite number ``>= 0`` (a noise level, a decay), returned as a Python float."""
    if type(value) is float and 0.0 <= value < math.inf:  # the common case, before the ABC check
        return value
    value = scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a non-negative finite number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not (np.isfinite(value) and value >= 0.0):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return value


def check_like(params: Mapping, other: Mapping, name: str) -> None:
    """``other`` mirrors ``params`` key for key and shape for shape, with float arrays."""
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
