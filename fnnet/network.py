"""A fully-connected network as a plain dict of arrays: ``init_params``, ``forward``, ``backward``.

Layout (column-major, one example per column), for layer sizes ``n = [n0, n1, ..., nL]``:

    W{l} : (n_l, n_{l-1})     b{l} : (n_l, 1)     A{l}, Z{l} : (n_l, m)

    Z{l} = W{l} @ A{l-1} + b{l},     A{l} = g_l(Z{l}),     A0 = X.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from ._validation import (make_rng, _WB_KEYS, FLOAT_DTYPES, LAYER_KEYS, _all, as_matrix, check_count, check_params, constant,
                          raise_not_finite)
from .activations import Activation, resolve_activations
from .losses import Loss, check_targets, get_loss, output_delta

__all__ = ["init_params", "forward", "backward"]

Params = Dict[str, np.ndarray]
_NUMPY_2 = int(np.__version__.split(".")[0]) >= 2

# Matrix products are written ``W.dot(A)``, not ``W @ A``: for 2-D arrays the two are the same
# product and the same BLAS call, but ndarray.dot skips the ufunc machinery of matmul, which
# costs ~0.5 us a call (tiny networks make a dozen), and NumPy's matmul runs outer products
# (an inner dimension of 1) 3-5x slower than dot. One exception: dot takes a 1x1 operand for a
# scalar, and BLAS's scaling by a scalar 0 gives 0 even for NaN and inf, so forward, whose
# NaN/inf check relies on them propagating, multiplies a 1x1 operand with matmul. (backward
# works on a cache that forward found finite.)

#: From this many multiply-adds, a layer whose output ``(n, m)`` has fewer rows than columns is
#: computed as ``(A.T @ W.T).T``: the same product (to rounding: BLAS sums in another order),
#: stored column by column (Fortran order).
#: OpenBLAS runs such a GEMM up to 1.5x faster when the smaller output dimension is its "M"
#: (measured: [784, 30] at m = 128, 3M multiply-adds, 1.45x in float64). Below about a million
#: the GEMM no longer dominates its layer, and the Fortran-ordered activation costs its
#: element-wise neighbours as much as the GEMM saves (measured on [256, 10] at m = 256).
_TRANSPOSED_FROM = 1 << 20

#: Weight initialisation schemes: name -> what ``W{l}`` is drawn from (fan_in = n_{l-1}).
INIT_SCHEMES = {
    "he": "normal(0, sqrt(2 / fan_in)); biases zero (He et al. 2015, for relu)",
    "xavier": "uniform(+-sqrt(6 / (fan_in + fan_out))); biases zero (Glorot & Bengio 2010)",
    "normal": "standard normal for weights and biases, as the seed notebooks do",
    "small": "0.01 * standard normal; biases zero (the deep-learning course's default)",
}



def init_params(layer_dims: Sequence[int], *, seed: Optional[int] = None,
                rng: Optional[np.random.Generator] = None, init: str = "he",
                dtype=np.float64) -> Params:
    """Create the parameters of a fully-connected network.

    Parameters
    ----------
    layer_dims : sequence of int, length L + 1
        ``[n0, n1, ..., nL]``: input size, hidden sizes, output size.
    seed : int, optional
        Seed for a fresh ``numpy.random.default_rng``; same seed, same arrays, bit for bit.
    rng : numpy.random.Generator, optional
        Draw from this generator instead (advances it). Not together with ``seed``.
    init : {"he", "xavier", "normal", "small"}
        Weight scheme, see ``fnnet.network.INIT_SCHEMES``.
    dtype : {numpy.float64, numpy.float32}
        The dtype of every array, and so of every forward and backward pass over them.
        Values are drawn in float64 and rounded, so both dtypes give the same network.

    Returns
    -------
    dict
        ``{"W1": (n1, n0), "b1": (n1, 1), ..., "WL": (nL, n_{L-1}), "bL": (nL, 1)}``.

    Examples
    --------
    >>> import fnnet
    >>> params = fnnet.init_params([2, 3, 3, 1], seed=0)
    >>> {k: v.shape for k, v in params.items()}
    {'W1': (3, 2), 'b1': (3, 1), 'W2': (3, 3), 'b2': (3, 1), 'W3': (1, 3), 'b3': (1, 1)}
    """
    if isinstance(layer_dims, (str, bytes)) or not hasattr(layer_dims, "__len__"):
        raise TypeError(f"layer_dims must be a list of ints like [2, 3, 1], got {type(layer_dims).__name__}")
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(f"layer_dims needs at least an input and an output size, got {dims}")
    for i, n in enumerate(dims):
        check_count(n, f"layer_dims[{i}]")
    if init not in INIT_SCHEMES:
        raise ValueError(f"unknown init {init!r}; valid names are {', '.join(map(repr, INIT_SCHEMES))}")
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    gen = make_rng(seed, rng)

    params: Params = {}
    for layer in range(1, len(dims)):
        fan_in, fan_out = int(dims[layer - 1]), int(dims[layer])
        if init == "xavier":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            W = gen.uniform(-limit, limit, size=(fan_out, fan_in))
        else:
            W = gen.standard_normal((fan_out, fan_in))
            W *= {"he": np.sqrt(2.0 / fan_in), "normal": 1.0, "small": 0.01}[init]
        b = gen.standard_normal((fan_out, 1)) if init == "normal" else np.zeros((fan_out, 1))
        params[f"W{layer}"] = W.astype(dtype, copy=False)
        params[f"b{layer}"] = b.astype(dtype, copy=False)
    return params


def forward(params: Mapping[str, np.ndarray], X,
            activations: Sequence[Union[str, Activation]]) -> Tuple[np.ndarray, dict]:
    """Run the network on a batch.

    Parameters
    ----------
    params : dict
        ``W1..WL`` of shape ``(n_l, n_{l-1})`` and ``b1..bL`` of shape ``(n_l, 1)``,
        float32 or float64 (they decide the dtype of everything that follows).
    X : array_like, shape (n0, m)
        One example per column; ints are fine, cast once to the params' dtype.
    activations : sequence of str or Activation, length L
        Per layer: ``"sigmoid"``, ``"relu"``, ``"tanh"``, ``"linear"`` (``"identity"``),
        ``"leaky_relu"``, ``"softmax"`` (output layer only), or a :class:`fnnet.Activation`.

    Returns
    -------
    AL : ndarray, shape (n_L, m)
        The output, ``cache["A{L}"]`` itself.
    cache : dict
        ``"A0"`` (X as used) .. ``"A{L}"`` of shape ``(n_l, m)`` (Fortran-ordered where a wide
        layer was computed transposed, see ``_TRANSPOSED_FROM``); ``"Z{l}"`` only for layers
        with a custom activation (built-ins differentiate from ``A``); ``"activations"``,
        the resolved tuple, so :func:`backward` needs nothing repeated.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = fnnet.init_params([2, 3, 1], seed=0)
    >>> AL, cache = fnnet.forward(params, np.array([[150, 254], [70, 73]]), ["relu", "sigmoid"])
    >>> AL.shape, sorted(cache)
    ((1, 2), ['A0', 'A1', 'A2', 'activations'])
    """
    L, dtype = check_params(params)
    acts = resolve_activations(activations, L)
    rows = params["W1"].shape[1]
    if type(X) is np.ndarray and X.dtype == dtype and X.ndim == 2 and X.shape[0] == rows and X.shape[1]:
        A = X  # the common case, as_matrix's checks in a line; NaN/inf are caught through Z1 below
    else:
        A = as_matrix(X, "X", dtype, rows=rows, what="params['W1'] (layer 1)", check_finite=False)

    cache = {"A0": A, "activations": acts}
    return _run_layers(params, acts, A, cache), cache


def _ignoring_overflow(function):
    """``function`` run under ``np.errstate(over="ignore", invalid="ignore")``.

    On NumPy >= 2, errstate as a decorator is reentrant and thread-safe (a context variable) and
    costs 0.3 us a call against 0.8 us for a ``with`` block; NumPy 1 keeps its state on the
    instance, so there every call gets its own ``with`` block.
    """
    if _NUMPY_2:
        return np.errstate(over="ignore", invalid="ignore")(function)

    @functools.wraps(function)
    def run(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return function(*args, **kwargs)

    return run


@_ignoring_overflow
def _run_layers(params: Mapping[str, np.ndarray], acts, A: np.ndarray, cache: dict) -> np.ndarray:
    """The layer loop of :func:`forward`: fills ``cache`` with ``A1..AL`` (and custom layers'
    ``Z``), returns ``AL``.

    Overflow is ignored (an exp overflowing to inf is exact for sigmoid); NaN and inf are found
    through the sum of squares of every ``Z{l}`` (a BLAS dot, twice as fast as a sum), taken
    before the activation can squash an inf (tanh(inf) = 1): a NaN or inf in X or in any
    weight or bias makes its layer's Z non-finite, and so does an overflowing product. Then
    :func:`_explain_nonfinite` names the culprit instead of a RuntimeWarning and an inf output,
    or passes (a sum of huge finite values, or an overflow a saturating activation absorbs
    exactly). Built-in activations of a finite Z are finite; a custom output activation's
    ``AL`` is checked too.
    """
    m = A.shape[1]
    check = 0.0
    for (w_key, b_key, a_key, z_key), act in zip(LAYER_KEYS, acts):
        W = params[w_key]
        n, k = W.shape
        transposed = n < m and n * m * k >= _TRANSPOSED_FROM
        if k == 1 and (n == 1 or m == 1):
            Z = W @ A  # a 1x1 operand: dot would scale by it as a scalar, and 0 * NaN gives 0 there
        else:  # (A.T @ W.T).T: the same product, in the orientation BLAS computes faster (see above)
            Z = A.T.dot(W.T).T if transposed else W.dot(A)
        Z += params[b_key]
        flat = (Z.T if transposed else Z).ravel()  # a view: the C-ordered one of Z, Z.T
        check += flat.dot(flat)
        if act.needs_z:
            cache[z_key] = Z
        A = act.apply_(Z)  # built-ins overwrite Z: it is ours, and only A is kept
        cache[a_key] = A
    if acts[-1].needs_z:
        flat = A.ravel(order="K")
        check += flat.dot(flat)
    if not math.isfinite(check):
        _explain_nonfinite(params, cache, acts)
    return A


def _explain_nonfinite(params: Mapping[str, np.ndarray], cache: Mapping, acts) -> None:
    """A sum of squares of forward's checks is not finite: find and name the culprit (or pass,
    if only a sum of huge finite values overflowed, or an overflowing Z was squashed exactly)."""
    X = cache["A0"]
    if not _all(np.isfinite(X), axis=None):
        raise_not_finite(X, "X")
    for layer, act in enumerate(acts, start=1):
        W, b, A_prev = params[f"W{layer}"], params[f"b{layer}"], cache[f"A{layer - 1}"]
        for key, arr in ((f"W{layer}", W), (f"b{layer}", b)):
            if not _all(np.isfinite(arr), axis=None):
                raise_not_finite(arr, f"params[{key!r}]")
        Z_finite = _all(np.isfinite(W @ A_prev + b), axis=None)
        A_finite = _all(np.isfinite(cache[f"A{layer}"]), axis=None)
        if Z_finite and not A_finite:
            raise ValueError(f"activation {act.name!r} of layer {layer} returned NaN or inf for a finite input")
        if not A_finite or (layer == 1 and not Z_finite):
            raise ValueError(
                f"layer {layer} overflowed {X.dtype}: W{layer} @ A{layer - 1} + b{layer} is not finite "
                f"(max |A{layer - 1}| = {float(np.abs(A_prev).max()):.3g}, "
                f"max |W{layer}| = {float(np.abs(W).max()):.3g}); "
                + ("scale the inputs down" if layer == 1 else "the weights are too large: did training diverge?")
            )


def backward(params: Mapping[str, np.ndarray], cache: Mapping, Y,
             loss: Union[str, Loss]) -> Dict[str, np.ndarray]:
    """Gradients of the cost with respect to every parameter, by backpropagation.

    The equations, for ``l = L, ..., 1`` (``*`` is element-wise, ``@`` the matrix product):

        dZ{L} = dJ/dZ{L}                       ((A{L} - Y) / m for linear+mse, sigmoid+bce,
                                                softmax+cce; else g_L'(Z{L}) * dJ/dA{L})
        dW{l} = dZ{l} @ A{l-1}.T               (n_l, n_{l-1})
        db{l} = sum(dZ{l}, axis=1, keepdims)   (n_l, 1)
        dZ{l-1} = g_{l-1}'(Z{l-1}) * (W{l}.T @ dZ{l})

    The ``1/m`` of the cost enters once, in ``dZ{L}``.

    Parameters
    ----------
    params : dict
        The parameters :func:`forward` ran with.
    cache : dict
        The cache :func:`forward` returned.
    Y : array_like, shape (n_L, m)
        Targets; ``bce`` needs values in ``[0, 1]``, ``cce`` columns summing to 1.
    loss : {"mse", "bce", "cce"}

    Returns
    -------
    dict
        ``grads[k] = dJ/dparams[k]``: the same keys, in the same order, shapes and dtype.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = fnnet.init_params([2, 3, 1], seed=0)
    >>> X, Y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0, 1]])
    >>> AL, cache = fnnet.forward(params, X, ["tanh", "sigmoid"])
    >>> grads = fnnet.backward(params, cache, Y, "bce")
    >>> [(k, g.shape) for k, g in grads.items()]
    [('W1', (3, 2)), ('b1', (3, 1)), ('W2', (1, 3)), ('b2', (1, 1))]
    """
    L, dtype, acts, As = _check_inputs(params, cache)
    loss = get_loss(loss)
    AL = As[L]
    Y = check_targets(Y, AL.shape, dtype, loss)
    m = AL.shape[1]
    ones, inv_m = constant((m, 1), 1.0, dtype), constant((), 1.0 / m, dtype)

    grads: Dict[str, np.ndarray] = dict.fromkeys(params)  # filled from L down, ordered like params
    dZ = output_delta(acts[-1], loss, AL, Y, cache.get(f"Z{L}"), inv_m=inv_m)
    for layer in range(L, 0, -1):
        w_key, b_key = _WB_KEYS[layer - 1]
        A_prev = As[layer - 1]
        grads[w_key] = dZ.dot(A_prev.T)
        grads[b_key] = dZ.dot(ones)  # the row sums as a BLAS matrix-vector product: 2-7x a reduction
        if layer > 1:
            dA = params[w_key].T.dot(dZ)
            act = acts[layer - 2]
            dZ = act.delta_(dA, cache.get(f"Z{layer - 1}") if act.needs_z else None, A_prev)
    return grads


def _check_inputs(params: Mapping, cache: Mapping):
    """``params`` are well-formed and ``cache`` came from :func:`forward` on a network shaped
    like them. Returns ``(L, dtype, activations, [A0, ..., AL])``.

    The common case (plain dicts, as ``forward`` and ``init_params`` make them) takes one loop
    of plain comparisons over both; anything else goes through :func:`check_params` and
    :func:`_diagnose_cache`, which name the problem.
    """
    if type(params) is dict and type(cache) is dict:
        acts = cache.get("activations")
        A = cache.get("A0")
        L = len(acts) if type(acts) is tuple else 0  # (the key lists grow past 64 in check_params)
        if (0 < L <= len(_WB_KEYS) and len(params) == 2 * L and type(A) is np.ndarray and A.ndim == 2
                and A.dtype in FLOAT_DTYPES):
            dtype = A.dtype
            rows, m = A.shape
            As = [A]
            for (w_key, b_key, a_key, z_key), act in zip(LAYER_KEYS, acts):
                W, b, A = params.get(w_key), params.get(b_key), cache.get(a_key)
                if (type(W) is not np.ndarray or type(b) is not np.ndarray or type(A) is not np.ndarray
                        or W.dtype is not dtype or b.dtype is not dtype or A.dtype is not dtype):
                    break
                shape = W.shape
                if len(shape) != 2 or shape[1] != rows or b.shape != (shape[0], 1) or A.shape != (shape[0], m):
                    break
                if not isinstance(act, Activation) or act.needs_z and type(cache.get(z_key)) is not np.ndarray:
                    break
                rows = shape[0]
                As.append(A)
            else:
                return L, dtype, acts, As
    L, dtype = check_params(params)
    return (L, dtype, *_diagnose_cache(cache, params, L, dtype))


def _diagnose_cache(cache: Mapping, params: Mapping, L: int, dtype: np.dtype):
    """The full check of ``cache`` behind :func:`_check_inputs`, with a message for each problem.

    Returns ``(activations, [A0, ..., AL])``.
    """
    if type(cache) is not dict and not isinstance(cache, Mapping) or "activations" not in cache:
        raise TypeError("cache must be the dict returned by fnnet.forward (it holds 'A0'..'AL' and 'activations')")
    acts = cache["activations"]
    if type(acts) is not tuple:
        raise TypeError("cache['activations'] must be the tuple of Activation objects that fnnet.forward stores; "
                        "pass the cache returned by fnnet.forward")
    if len(acts) != L:
        raise ValueError(f"cache is from a network with {len(acts)} layers, params has {L}")
    key, A, rows = "A0", cache.get("A0"), params["W1"].shape[1]
    m = A.shape[1] if type(A) is np.ndarray and A.ndim == 2 else -1
    As = []
    for layer in range(L + 1):
        if layer:
            w_key, _, key, z_key = LAYER_KEYS[layer - 1]
            act = acts[layer - 1]
            if not isinstance(act, Activation):
                raise TypeError("cache['activations'] must be the tuple of Activation objects that fnnet.forward "
                                "stores; pass the cache returned by fnnet.forward")
            if act.needs_z and type(cache.get(z_key)) is not np.ndarray:
                raise ValueError(f"cache is missing {z_key!r}, which the custom activation {act.name!r} of layer "
                                 f"{layer} needs; pass the cache returned by fnnet.forward")
            A, rows = cache.get(key), params[w_key].shape[0]
        if type(A) is not np.ndarray:
            raise ValueError(f"cache is missing {key!r}; pass the cache returned by fnnet.forward")
        if A.shape != (rows, m) or A.dtype != dtype:
            raise ValueError(
                f"cache[{key!r}] has shape {A.shape} and dtype {A.dtype}, but params expect ({rows}, {m}) "
                f"of {dtype}: was the cache made with these params?"
            )
        As.append(A)
    return acts, As
