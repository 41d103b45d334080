"""A fully-connected network as a plain dict of arrays: ``init_params``, ``forward``, ``backward``.

Layout (column-major, one example per column), for layer sizes ``n = [n0, n1, ..., nL]``:

    W{l} : (n_l, n_{l-1})     b{l} : (n_l, 1)     A{l}, Z{l} : (n_l, m)

    Z{l} = W{l} @ A{l-1} + b{l},     A{l} = g_l(Z{l}),     A0 = X.

Each public function validates its arguments, then runs the math on them: ``forward_pass``
and ``backward_pass``, which ``fnnet.train`` runs per batch after validating once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from ._kernels import all_finite, product, row_sums
from ._table import Table
from ._workspace import NEW, Buffers
from ._validation import FLOAT_DTYPES, as_matrix, check_cache, column_factors, check_count, check_params, make_rng, raise_not_finite
from .activations import Activation, resolve_activations
from .losses import Loss, get_loss
from .regularization import check_penalty, dropout_mask, keep_probs, penalty_gradient

__all__ = ["init_params", "forward", "backward", "summary"]

Params = Dict[str, np.ndarray]

#: Weight initialisation schemes: name -> what ``W{l}`` is drawn from (fan_in = n_{l-1}).
INIT_SCHEMES = {
    "he": "normal(0, sqrt(2 / fan_in)); biases zero (He et al. 2015, for relu)",
    "xavier": "uniform(+-sqrt(6 / (fan_in + fan_out))); biases zero (Glorot & Bengio 2010)",
    "normal": "standard normal for weights and biases, as the seed notebooks do",
    "small": "0.01 * standard normal; biases zero (the deep-learning course's default)",
    "zeros": "all weights and biases zero: every unit of a layer stays the same as the others, "
             "the course's symmetry lesson (a network that cannot learn)",
    "nielsen": "normal(0, sqrt(1 / fan_in)) weights, standard normal biases (Nielsen's network2.py "
               "default_weight_initializer, chapter 3: sigmoid units that do not start saturated)",
}
#: Schemes whose biases are drawn from the standard normal (the others start at zero).
RANDOM_BIASES = ("normal", "nielsen")



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
    init : {"he", "xavier", "normal", "small", "zeros", "nielsen"}
        Weight scheme, see ``fnnet.network.INIT_SCHEMES``: ``"he"`` for relu, ``"xavier"``
        for tanh, ``"nielsen"`` (``N(0, 1/fan_in)``, biases ``N(0, 1)``) for sigmoid as in
        Nielsen's book, ``"normal"`` as the seed notebooks, ``"small"`` as the course, and
        ``"zeros"`` to see that without random weights the symmetry never breaks (the
        units of a hidden layer stay identical).
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
        elif init == "zeros":
            W = np.zeros((fan_out, fan_in))
        else:
            W = gen.standard_normal((fan_out, fan_in))
            W *= {"he": np.sqrt(2.0 / fan_in), "normal": 1.0, "small": 0.01, "nielsen": np.sqrt(1.0 / fan_in)}[init]
        b = gen.standard_normal((fan_out, 1)) if init in RANDOM_BIASES else np.zeros((fan_out, 1))
        params[f"W{layer}"] = W.astype(dtype, copy=False)
        params[f"b{layer}"] = b.astype(dtype, copy=False)
    return params


def forward(params: Mapping[str, np.ndarray], X, activations: Sequence[Union[str, Activation]], *,
            keep_prob: Union[float, Sequence[float]] = 1.0,
            rng: Optional[np.random.Generator] = None) -> Tuple[np.ndarray, dict]:
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
    keep_prob : float or sequence of float, default 1.0
        Inverted dropout (training only): each unit of a hidden layer is kept with this
        probability and the kept ones scaled by ``1 / keep_prob``. One value for every hidden
        layer, or one per hidden layer (``L - 1``); 1.0 means no dropout. The output layer
        is never dropped.
    rng : numpy.random.Generator, optional
        Draws the dropout masks; required when ``keep_prob < 1``. The same generator state
        gives the same masks.

    Returns
    -------
    AL : ndarray, shape (n_L, m)
        The output, ``cache["A{L}"]`` itself.
    cache : dict
        ``"A0"`` (X as used) .. ``"A{L}"`` of shape ``(n_l, m)``, each layer's output as the
        next layer sees it; ``"Z{l}"``
        for layers whose activation needs it (custom ones, and dropped-out layers);
        ``"D{l}"``, the dropout mask ``[u < keep_prob] / keep_prob`` of a dropped-out layer,
        so :func:`backward` uses exactly those masks; ``"activations"``, the resolved tuple.

    Raises
    ------
    ValueError
        For NaN or inf in ``X`` or the params, or a layer that overflows, naming it.

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
    X = as_matrix(X, "X", dtype, rows=params["W1"].shape[1], what="params['W1'] (layer 1)", check_finite=False)
    keep = keep_probs(keep_prob, L)
    if min(keep) < 1.0 and not isinstance(rng, np.random.Generator):
        raise TypeError(f"keep_prob < 1 needs rng=numpy.random.Generator to draw the dropout masks, "
                        f"got {type(rng).__name__}")
    return forward_pass(params, X, acts, keep, rng)


def forward_pass(params: Mapping[str, np.ndarray], X: np.ndarray, acts: Sequence[Activation],
                 keep: Optional[Sequence[float]] = None, rng: Optional[np.random.Generator] = None,
                 work: Buffers = NEW) -> Tuple[np.ndarray, dict]:
    """:func:`forward` on validated arguments: ``X`` of the params' dtype, ``acts`` resolved,
    ``keep`` the keep probability of each layer (None: no dropout); ``work``: the arrays to
    write ``Z`` and ``A`` into (``fnnet.train``'s workspace), by default new ones.
    A layer that overflows is a ``ValueError`` naming it (``fnnet.train`` turns it into a
    ``TrainingDiverged`` that keeps its work)."""
    cache = {"A0": X, "activations": tuple(acts)}
    A, finite = X, True
    with np.errstate(over="ignore", invalid="ignore"):  # NaN and inf are found and named below
        for layer, g in enumerate(acts, start=1):
            Z = product(params[f"W{layer}"], A, work.Z[layer])
            Z += params[f"b{layer}"]                                   # Z = W A + b
            finite = finite and all_finite(Z)  # before g can squash a NaN/inf (tanh(inf) = 1)
            A = g.apply(Z, layer, work.A[layer])                       # A = g(Z)
            dropped = keep is not None and keep[layer - 1] < 1.0  # a dropped-out A is not g(Z): g' from Z
            if g.needs_z or dropped:
                cache[f"Z{layer}"] = Z
            if dropped:
                D = dropout_mask(A.shape, keep[layer - 1], rng, A.dtype)
                A = A * D if A is Z else np.multiply(A, D, out=A)      # inverted dropout (Z is kept)
                cache[f"D{layer}"] = D
            cache[f"A{layer}"] = A
        if not (finite and all_finite(A)):
            _explain_nonfinite(params, cache)
    return A, cache


def _explain_nonfinite(params: Mapping[str, np.ndarray], cache: Mapping) -> None:
    """Some layer's ``Z`` or the output is not finite: name the culprit, layer by layer. Passes
    if only huge finite values overflowed the sums of squares, or a deeper layer's overflow was
    squashed exactly by its activation (``tanh(inf) = 1``)."""
    acts = cache["activations"]
    for key, arr in [("X", cache["A0"])] + [(f"params[{k!r}]", params[k]) for k in params]:
        if not all_finite(arr):
            raise_not_finite(arr, key)
    for layer, g in enumerate(acts, start=1):
        A_prev, W = cache[f"A{layer - 1}"], params[f"W{layer}"]
        Z = W @ A_prev + params[f"b{layer}"]
        if not all_finite(Z) and (layer == 1 or not all_finite(g.apply(Z, layer))):
            raise ValueError(
                f"layer {layer} overflowed {A_prev.dtype}: W{layer} @ A{layer - 1} + b{layer} is not finite "
                f"(max |A{layer - 1}| = {float(np.abs(A_prev).max()):.3g}, max |W{layer}| = {float(np.abs(W).max()):.3g}); "
                + ("scale the inputs down" if layer == 1 else "the weights are too large: did training diverge?"))
        if all_finite(Z) and not all_finite(cache[f"A{layer}"]):
            raise ValueError(f"activation {g.name!r} of layer {layer} returned NaN or inf for a finite input")


def backward(params: Mapping[str, np.ndarray], cache: Mapping, Y, loss: Union[str, Loss], *,
             l2: float = 0.0, l1: float = 0.0, sample_weight=None, wrt_input: bool = False):
    """Gradients of the cost with respect to every parameter, by backpropagation.

    The equations, for ``l = L, ..., 1`` (``*`` is element-wise, ``@`` the matrix product):

        dZ{L} = dJ/dZ{L}                       ((A{L} - Y) / m for linear+mse, sigmoid+bce,
                                                softmax+cce; else g_L'(Z{L}) * dJ/dA{L})
        dW{l} = dZ{l} @ A{l-1}.T               (n_l, n_{l-1})
        db{l} = sum(dZ{l}, axis=1, keepdims)   (n_l, 1)
        dA{l-1} = W{l}.T @ dZ{l}               (n_{l-1}, m)
        dZ{l-1} = g_{l-1}'(Z{l-1}) * dA{l-1}   (times the dropout mask D{l-1}, if any)

    The ``1/m`` of the cost enters once, in ``dZ{L}``. With a penalty, ``dW{l}`` also gets
    ``l2 * W{l} + l1 * sign(W{l})`` (see :func:`fnnet.penalty`).

    Parameters
    ----------
    params : dict
        The parameters :func:`forward` ran with.
    cache : dict
        The cache :func:`forward` returned.
    Y : array_like, shape (n_L, m)
        Targets; ``bce`` needs values in ``[0, 1]``, ``cce`` columns summing to 1.
    loss : {"mse", "bce", "cce"} or Loss
    l2, l1 : float, default 0.0
        The penalty ``(l2 / 2) * sum ||W||^2 + l1 * sum |W|`` on the weights (not the biases)
        whose gradient is added to each ``dW``; use the same values in :func:`fnnet.cost`.
    sample_weight : array_like, shape (m,), optional
        Non-negative weights per example, for the weighted mean ``sum_i w_i loss_i / sum_i w_i``
        (as in :func:`fnnet.cost`): column ``i`` of ``dZ{L}`` is scaled by ``m w_i / sum(w)``.
    wrt_input : bool, default False
        Also return ``dX = dJ/dX = W1^T dZ1``, the gradient with respect to the inputs
        (for saliency maps, adversarial examples, or checking a hand-written ``dA0``).

    Returns
    -------
    grads : dict
        ``grads[k] = dJ/dparams[k]``: the same keys, in the same order, shapes and dtype.
    dX : ndarray, shape (n0, m)
        Only with ``wrt_input=True``: ``(grads, dX)`` is returned.

    Raises
    ------
    ValueError
        For a cache that does not match ``params``, bad targets, or a gradient that overflows.

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
    L, dtype = check_params(params)
    acts, As = check_cache(cache, params, L, dtype)
    loss = get_loss(loss)
    Y = loss.check_targets(Y, As[L].shape, dtype)
    if not isinstance(wrt_input, bool):
        raise TypeError(f"wrt_input must be True or False, got {type(wrt_input).__name__}")
    l2, l1 = check_penalty(l2, l1)
    c = column_factors(sample_weight, Y.shape[1], dtype)
    grads, dX = backward_pass(params, cache, Y, loss, l2=l2, l1=l1, c=c, wrt_input=wrt_input)
    computed = dict(grads, X=dX) if wrt_input else grads
    if not all_finite(*computed.values()):
        key = next(key for key, g in computed.items() if not all_finite(g))
        raise ValueError(f"the gradient {key!r} overflowed {dtype} (max |A0| = {float(np.abs(As[0]).max()):.3g}): "
                         "scale the inputs or targets down")
    return (grads, dX) if wrt_input else grads


def backward_pass(params: Mapping[str, np.ndarray], cache: Mapping, Y: np.ndarray, loss: Loss, *,
                  l2: float = 0.0, l1: float = 0.0, c: Optional[np.ndarray] = None, wrt_input: bool = False,
                  work: Buffers = NEW) -> Tuple[Dict[str, np.ndarray], Optional[np.ndarray]]:
    """:func:`backward` on validated arguments: ``cache`` from :func:`forward_pass` on ``params``,
    ``c`` the column factors of the sample weights (1, m) or None; ``work``: the arrays to
    write the deltas and the gradients into (``fnnet.train``'s workspace), by default new ones.

    Returns ``(grads, dX)``; ``dX`` is None unless ``wrt_input``.
    """
    acts = cache["activations"]
    L = len(acts)
    grads = {}
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is found and named by the caller
        dZ = loss.output_delta(acts[-1], cache[f"A{L}"], Y, cache.get(f"Z{L}"), c, out=work.dZ)  # dZ_L = dJ/dZ_L
        for layer in range(L, 0, -1):
            A_prev = cache[f"A{layer - 1}"]
            W = params[f"W{layer}"]
            grads[f"W{layer}"] = product(dZ, A_prev.T, work.grads[f"W{layer}"])  # dW = dZ A_prev^T
            if l2 or l1:
                grads[f"W{layer}"] += penalty_gradient(W, l2, l1)         #      + l2 W + l1 sign(W)
            grads[f"b{layer}"] = row_sums(dZ, work.ones, work.grads[f"b{layer}"])  # db = row sums of dZ
            if layer == 1 and not wrt_input:
                break
            if layer > 1:
                g, D = acts[layer - 2], cache.get(f"D{layer - 1}")
                A_out = A_prev if D is None else None                 # a dropped-out A is not g(Z)
                # g'(Z_prev) is read first: train's workspace writes dA_prev over A_prev
                Z_prev = cache.get(f"Z{layer - 1}")
                slope = None if g.jacobian_product else g.slope(A_out, Z_prev, layer - 1)
                if slope is not None and work.dA[layer - 1] is A_prev and np.may_share_memory(slope, A_prev):
                    slope = slope.copy()  # g' given as A itself (g = exp): it must outlive A_prev's memory
            dA = product(W.T, dZ, work.dA[layer - 1])                 # dA_prev = W^T dZ
            if layer > 1:
                if D is not None:
                    dA *= D                                           # through the dropout mask
                if slope is None:  # the Jacobian at g(Z_prev), which a dropped-out A_prev is not
                    dZ = g.jacobian_product(dA, A_prev if D is None else g.apply(Z_prev, layer - 1))
                else:
                    dA *= slope                                       # dZ_prev = g'(Z_prev) * dA_prev
                    dZ = dA
    return {key: grads[key] for key in params}, (dA if wrt_input else None)


def summary(params: Mapping[str, np.ndarray], activations: Sequence[Union[str, Activation]], *,
            file=None, quiet: bool = False) -> Table:
    """A table of the network's layers: W and b shapes, activation, parameter count, dtype.

    Parameters
    ----------
    params : dict
        ``W1..WL`` of shape ``(n_l, n_{l-1})`` and ``b1..bL`` of shape ``(n_l, 1)``.
    activations : sequence of str or Activation, length L
    file : file, optional
        Where to print it (default ``sys.stdout``).
    quiet : bool, default False
        Only return the table.

    Returns
    -------
    Table
        The table (a ``str``, also printed unless ``quiet``), shown as HTML in a notebook;
        its cells are in ``.header`` and ``.rows``.

    Examples
    --------
    >>> import fnnet
    >>> table = fnnet.summary(fnnet.init_params([784, 30, 10], seed=0), ["sigmoid", "softmax"])
    layer  W          b        activation  params  dtype
    1      (30, 784)  (30, 1)  sigmoid      23550  float64
    2      (10, 30)   (10, 1)  softmax        310  float64
    total                                   23860
    """
    L, dtype = check_params(params)
    acts = resolve_activations(activations, L)
    rows = []
    for layer, act in enumerate(acts, start=1):
        W, b = params[f"W{layer}"], params[f"b{layer}"]
        rows.append((str(layer), str(W.shape), str(b.shape), act.name, str(W.size + b.size), str(dtype)))
    rows.append(("total", "", "", "", str(sum(p.size for p in params.values())), ""))
    table = Table(("layer", "W", "b", "activation", "params", "dtype"), rows, right=[4])
    if not quiet:
        print(table, file=file)
    return table
