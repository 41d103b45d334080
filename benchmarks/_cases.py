"""The benchmark cases and every contender timed against fnnet's training step.

A case is a network (layer sizes, one activation per layer, a loss) and a batch size ``m``.
For each case and dtype, :func:`build` returns zero-argument callables, all doing the work of
ONE training step on the same seeded data:

- ``step``: what a user writes, ``forward`` + ``backward`` (with the cost gradient) + ``sgd_step``;
  ``forward``, ``backward`` and ``update`` time the three calls alone;
- ``floor``: the same matrix products and nothing else, on preallocated arrays with ``out=``:
  ``W{l} @ A{l-1}`` for l = 1..L, ``dZ{l} @ A{l-1}.T`` for l = 1..L and ``W{l}.T @ dZ{l}``
  for l = 2..L, i.e. ``3L - 1`` calls, each by the call and in the orientation fnnet uses
  (see :func:`floor_callable`);
- ``loop``: the per-example backpropagation of the seed notebooks (seed 004, Nielsen's
  ``network.py``): column vectors ``(n, 1)``, one example at a time, sums, then the update;
- ``torch``: PyTorch CPU eager, same network, same loss scaling, autograd, in-place SGD update;
- ``sklearn``: ``MLPClassifier``/``MLPRegressor.partial_fit`` with one batch of ``m`` where the
  architecture is expressible (its loss and update differ in details: ratios only).

Peers are imported lazily; a missing one is skipped and reported as such.
"""

from __future__ import annotations

import tracemalloc
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

import fnnet
from fnnet._validation import n_layers  # L from the keys W1..WL, as fnnet counts it
from fnnet.network import _TRANSPOSED_FROM  # where forward computes (A.T @ W.T).T

#: Learning rate of every contender (small: torch updates in place over thousands of repeats).
LR = 1e-3


@dataclass(frozen=True)
class Case:
    """One benchmark case: a network, a loss, a batch size and the data it trains on."""

    name: str
    layer_dims: Tuple[int, ...]
    activations: Tuple[str, ...]
    loss: str
    m: int
    init: str
    data: str  # "seed002", "seed001", "mnist_like", "gaussian"
    note: str
    loop: bool = False  # the per-example loop of the seed notebooks (sigmoid networks)
    sklearn: Optional[str] = None  # "classifier" / "regressor" where the architecture fits
    targets: Dict[str, float] = field(default_factory=dict)


#: The cases of issue 5, with its targets (applied to both dtypes).
#: ``step_over_floor``: at most; ``torch_speedup``, ``loop_speedup``: at least; ``mem_ratio``: at most.
CASES: Dict[str, Case] = {c.name: c for c in [
    Case("tiny", (2, 3, 3, 1), ("sigmoid", "sigmoid", "sigmoid"), "bce", 10, "normal", "seed002",
         "seed 002's network and data", loop=True, sklearn="classifier",
         targets={"step_over_floor": 6.0, "torch_speedup": 3.0}),
    Case("small", (2, 5, 1), ("relu", "linear"), "mse", 1000, "he", "seed001",
         "seed 001's regression", sklearn="regressor",
         targets={"step_over_floor": 3.2, "torch_speedup": 3.0}),
    Case("nielsen10", (784, 30, 10), ("sigmoid", "sigmoid"), "mse", 10, "xavier", "mnist_like",
         "Nielsen's MNIST network, mini-batch 10", loop=True,
         targets={"step_over_floor": 2.0, "torch_speedup": 1.5}),
    Case("nielsen128", (784, 30, 10), ("sigmoid", "sigmoid"), "mse", 128, "xavier", "mnist_like",
         "Nielsen's MNIST network, mini-batch 128", loop=True,
         targets={"step_over_floor": 1.3, "torch_speedup": 1.2, "loop_speedup": 15.0}),
    Case("mid", (784, 256, 256, 10), ("relu", "relu", "softmax"), "cce", 256, "he", "mnist_like",
         "MNIST-sized MLP, softmax output", sklearn="classifier",
         targets={"step_over_floor": 1.15, "torch_speedup": 1.0, "mem_ratio": 1.3}),
    Case("big", (1024, 1024, 1024, 1024), ("relu", "relu", "relu"), "mse", 512, "he", "gaussian",
         "GEMM-bound: relu in every layer, MSE",
         targets={"step_over_floor": 1.08, "torch_speedup": 1.0, "mem_ratio": 1.3}),
]}

def make_data(case: Case, dtype, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """Seeded ``X`` of shape ``(n0, m)`` and ``Y`` of shape ``(nL, m)``, C-contiguous, in ``dtype``."""
    rng = np.random.default_rng(seed)
    n0, nL, m = case.layer_dims[0], case.layer_dims[-1], case.m
    if case.data == "seed002":
        # standardised features (raw units saturate every sigmoid: denormals, not arithmetic, would be timed)
        X, Y = fnnet.seed002()  # (2, 10) raw units, (1, 10) 0/1 labels
        X = X.astype(np.float64)
        X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    elif case.data == "seed001":
        feats = rng.random((n0, m))
        X = feats
        Y = (10.0 * feats[0] * feats[1] + 0.3 * rng.random(m) - 0.15).reshape(1, m)
    elif case.data == "mnist_like":
        X = rng.random((n0, m))
        Y = np.zeros((nL, m))
        Y[rng.integers(0, nL, m), np.arange(m)] = 1.0
    else:
        X = rng.standard_normal((n0, m))
        Y = rng.standard_normal((nL, m))
    return np.ascontiguousarray(X, dtype=dtype), np.ascontiguousarray(Y, dtype=dtype)


def make_params(case: Case, dtype, seed: int = 0) -> Dict[str, np.ndarray]:
    return fnnet.init_params(list(case.layer_dims), seed=seed, init=case.init, dtype=dtype)


# --- fnnet --------------------------------------------------------------------------------------
def fnnet_callables(params, X, Y, case: Case) -> Dict[str, Callable[[], object]]:
    """The full step and its three parts, each a zero-argument callable (pure: params never change)."""
    acts, loss = list(case.activations), case.loss
    forward, backward, sgd_step = fnnet.forward, fnnet.backward, fnnet.sgd_step
    _, cache = forward(params, X, acts)
    grads = backward(params, cache, Y, loss)

    def step():
        AL, cache = forward(params, X, acts)
        grads = backward(params, cache, Y, loss)
        return sgd_step(params, grads, LR)

    return {
        "step": step,
        "forward": lambda: forward(params, X, acts),
        "backward": lambda: backward(params, cache, Y, loss),
        "update": lambda: sgd_step(params, grads, LR),
    }


# --- BLAS floor ---------------------------------------------------------------------------------
def floor_callable(params, X, plain: bool = False) -> Tuple[Callable[[], None], int]:
    """The ``3L - 1`` matrix products of one step on preallocated arrays, and their count.

    Each product is computed as fnnet computes it, so that the floor is a floor: ``np.dot``
    (the BLAS call without matmul's ufunc overhead), in the transposed orientation where
    ``forward`` uses it (``fnnet.network._TRANSPOSED_FROM``). ``plain=True``: every product as
    ``np.matmul`` into a C-ordered array instead (the floor as issue 5 words it, reported
    alongside). ``floor.products`` lists ``(kernel, a, b, out, (P, Q, R))``:
    ``kernel(a, b, out=out)`` leaves the product ``P @ Q`` in ``R`` (``out`` or its transpose).
    """
    L = n_layers(params)
    Ws = [params[f"W{l}"] for l in range(1, L + 1)]
    m, dtype = X.shape[1], X.dtype
    kernel = np.matmul if plain else np.dot
    products = []

    def product(P, Q, forward=False):
        """``P @ Q`` into a new preallocated array (transposed where ``forward`` would)."""
        (n, k), cols = P.shape, Q.shape[1]
        if forward and not plain and n < cols and n * cols * k >= _TRANSPOSED_FROM:
            out = np.empty((cols, n), dtype=dtype)
            products.append((kernel, Q.T, P.T, out, (P, Q, out.T)))
            return out.T
        out = np.empty((n, cols), dtype=dtype)
        products.append((kernel, P, Q, out, (P, Q, out)))
        return out

    A = [X]
    for W in Ws:  # forward: Z{l} = W{l} @ A{l-1}
        A.append(product(W, A[-1], forward=True))
        A[-1][...] = 1.0
    dZ = [None] + [np.full((W.shape[0], m), 1e-3, dtype=dtype) for W in Ws]
    for l in range(L, 0, -1):  # dW{l} = dZ{l} @ A{l-1}.T
        product(dZ[l], A[l - 1].T)
    for l in range(L, 1, -1):  # dA{l-1} = W{l}.T @ dZ{l}
        product(Ws[l - 1].T, dZ[l])
    calls = [(kernel, a, b, out) for kernel, a, b, out, _ in products]

    def floor():
        for kernel, a, b, out in calls:
            kernel(a, b, out=out)

    floor.products = products  # type: ignore[attr-defined]
    return floor, len(calls)


# --- the per-example loop of the seed notebooks -------------------------------------------------
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_prime(z):
    return _sigmoid(z) * (1.0 - _sigmoid(z))


def loop_gradients(Ws: List[np.ndarray], bs: List[np.ndarray], X: np.ndarray, Y: np.ndarray,
                   loss: str) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Seed 004 / ``network.py`` backprop, one example (a column vector) at a time.

    Sigmoid in every layer. ``mse`` (quadratic cost): ``delta_L = (a - y) * sigma'(z)``;
    ``bce`` (cross-entropy cost): ``delta_L = a - y``. Returns the SUMS over the batch.
    """
    nabla_w = [np.zeros(W.shape, dtype=W.dtype) for W in Ws]
    nabla_b = [np.zeros(b.shape, dtype=b.dtype) for b in bs]
    for i in range(X.shape[1]):
        activation = X[:, i:i + 1]
        y = Y[:, i:i + 1]
        activations, zs = [activation], []
        for W, b in zip(Ws, bs):
            z = np.dot(W, activation) + b
            zs.append(z)
            activation = _sigmoid(z)
            activations.append(activation)
        delta = activations[-1] - y
        if loss == "mse":
            delta = delta * _sigmoid_prime(zs[-1])
        nabla_b[-1] += delta
        nabla_w[-1] += np.dot(delta, activations[-2].T)
        for back in range(2, len(Ws) + 1):
            delta = np.dot(Ws[-back + 1].T, delta) * _sigmoid_prime(zs[-back])
            nabla_b[-back] += delta
            nabla_w[-back] += np.dot(delta, activations[-back - 1].T)
    return nabla_w, nabla_b


def loop_callable(params, X, Y, case: Case) -> Callable[[], object]:
    """One training step the seed-notebook way: per-example gradients, summed, then the update."""
    L = n_layers(params)
    Ws = [params[f"W{l}"] for l in range(1, L + 1)]
    bs = [params[f"b{l}"] for l in range(1, L + 1)]
    m, loss = X.shape[1], case.loss

    def loop():
        with np.errstate(over="ignore"):  # the seeds' naive sigmoid: exp(-z) may overflow to inf (-> 0)
            nabla_w, nabla_b = loop_gradients(Ws, bs, X, Y, loss)
        Ws_new = [W - (LR / m) * nw for W, nw in zip(Ws, nabla_w)]
        bs_new = [b - (LR / m) * nb for b, nb in zip(bs, nabla_b)]
        return Ws_new, bs_new

    return loop


def check_loop(params, X, Y, case: Case) -> float:
    """Max relative difference between the loop's gradients (divided by m) and fnnet's."""
    L = n_layers(params)
    _, cache = fnnet.forward(params, X, list(case.activations))
    grads = fnnet.backward(params, cache, Y, case.loss)
    with np.errstate(over="ignore"):
        nw, nb = loop_gradients([params[f"W{l}"] for l in range(1, L + 1)],
                                [params[f"b{l}"] for l in range(1, L + 1)], X, Y, case.loss)
    m = X.shape[1]
    ref = {**{f"W{l}": nw[l - 1] / m for l in range(1, L + 1)}, **{f"b{l}": nb[l - 1] / m for l in range(1, L + 1)}}
    return max(_rel_diff(grads[k], ref[k]) for k in grads)


def _rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.abs(b).max()), 1e-300)
    return float(np.abs(a - b).max()) / scale


# --- PyTorch CPU eager --------------------------------------------------------------------------
def torch_available() -> Optional[str]:
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    return torch.__version__


def torch_callable(params, X, Y, case: Case, threads: int):
    """A torch training step: same network (row layout, ``F.linear``), same cost, autograd, SGD.

    Returns ``(step, grads)``: ``grads`` are the gradients of one step from the initial params,
    in fnnet's layout, for a sanity check of the loss scaling.
    """
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    L = n_layers(params)
    ps = []
    for l in range(1, L + 1):
        ps.append(torch.tensor(params[f"W{l}"], requires_grad=True))
        ps.append(torch.tensor(params[f"b{l}"].ravel(), requires_grad=True))
    Xt = torch.from_numpy(np.ascontiguousarray(X.T))
    Yt = torch.from_numpy(np.ascontiguousarray(Y.T))
    m = X.shape[1]
    scale = 1.0 / m
    hidden = {"sigmoid": torch.sigmoid, "relu": torch.relu, "linear": lambda z: z, "tanh": torch.tanh}
    out_act, loss = case.activations[-1], case.loss

    def cost(z):
        if (out_act, loss) == ("sigmoid", "bce"):
            return F.binary_cross_entropy_with_logits(z, Yt, reduction="sum") * scale
        if (out_act, loss) == ("softmax", "cce"):
            return F.cross_entropy(z, Yt, reduction="sum") * scale
        if loss == "mse":
            return F.mse_loss(hidden[out_act](z), Yt, reduction="sum") * (0.5 * scale)
        raise ValueError(f"no torch form for {out_act} + {loss}")

    def step():
        a = Xt
        for l in range(L - 1):
            a = hidden[case.activations[l]](F.linear(a, ps[2 * l], ps[2 * l + 1]))
        J = cost(F.linear(a, ps[-2], ps[-1]))
        for p in ps:
            p.grad = None
        J.backward()
        with torch.no_grad():
            for p in ps:
                p.sub_(p.grad, alpha=LR)

    # one forward/backward without the update, for the gradient check
    a = Xt
    for l in range(L - 1):
        a = hidden[case.activations[l]](F.linear(a, ps[2 * l], ps[2 * l + 1]))
    cost(F.linear(a, ps[-2], ps[-1])).backward()
    grads = {}
    for l in range(1, L + 1):
        grads[f"W{l}"] = ps[2 * l - 2].grad.numpy().copy()
        grads[f"b{l}"] = ps[2 * l - 1].grad.numpy().reshape(-1, 1).copy()
    return step, grads


def check_torch(params, X, Y, case: Case, torch_grads) -> float:
    _, cache = fnnet.forward(params, X, list(case.activations))
    grads = fnnet.backward(params, cache, Y, case.loss)
    return max(_rel_diff(grads[k], torch_grads[k]) for k in grads)


# --- scikit-learn -------------------------------------------------------------------------------
def sklearn_available() -> Optional[str]:
    try:
        import sklearn
    except ImportError:
        return None
    return sklearn.__version__


def sklearn_callable(params, X, Y, case: Case) -> Callable[[], object]:
    """``partial_fit`` on the batch: plain SGD (no momentum, no L2), one batch of ``m``.

    The classifier (tiny: logistic + log loss; mid: relu + softmax/log loss) and the regressor
    (small: relu + identity/squared loss) match fnnet's network; sklearn also computes the loss
    value, binarizes labels and validates on every call.
    """
    import warnings

    from sklearn.neural_network import MLPClassifier, MLPRegressor

    hidden = tuple(case.layer_dims[1:-1])
    act = {"sigmoid": "logistic", "relu": "relu", "tanh": "tanh"}[case.activations[0]]
    kwargs = dict(hidden_layer_sizes=hidden, activation=act, solver="sgd", alpha=0.0,
                  learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False,
                  batch_size=X.shape[1], shuffle=False, random_state=0)
    Xr = np.ascontiguousarray(X.T)
    if case.sklearn == "classifier":
        model = MLPClassifier(**kwargs)
        y = Y.argmax(axis=0) if Y.shape[0] > 1 else Y.ravel().astype(np.int64)
        classes = np.arange(max(2, Y.shape[0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(Xr, y, classes=classes)
    else:
        model = MLPRegressor(**kwargs)
        y = np.ascontiguousarray(Y.ravel())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(Xr, y)

    def fit():
        model.partial_fit(Xr, y)

    return fit


# --- memory -------------------------------------------------------------------------------------
def memory(params, X, Y, case: Case) -> Dict[str, float]:
    """Peak extra bytes (tracemalloc) of forward + backward, and of the full step, vs the minimum.

    Minimum of forward + backward: the cache activations ``A1..AL`` plus the grads (``A0`` is
    the caller's input). The full step as a user writes it also holds the new params at its end
    (the cache is still referenced then), so its minimum adds them.
    """
    acts, loss = list(case.activations), case.loss

    def grad_only():
        AL, cache = fnnet.forward(params, X, acts)
        grads = fnnet.backward(params, cache, Y, loss)
        return cache, grads

    def full():
        AL, cache = fnnet.forward(params, X, acts)
        grads = fnnet.backward(params, cache, Y, loss)
        new = fnnet.sgd_step(params, grads, LR)
        return cache, grads, new

    L = n_layers(params)
    cache, grads = grad_only()  # warm-up outside the trace
    act_bytes = sum(cache[f"A{l}"].nbytes for l in range(1, L + 1))
    grad_bytes = sum(g.nbytes for g in grads.values())
    param_bytes = sum(p.nbytes for p in params.values())
    del cache, grads
    out = {"activation_bytes": act_bytes, "grad_bytes": grad_bytes, "param_bytes": param_bytes}
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        for label, fn, minimum in (("grad", grad_only, act_bytes + grad_bytes),
                                   ("step", full, act_bytes + grad_bytes + param_bytes)):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            result = fn()
            peak = tracemalloc.get_traced_memory()[1] - base
            del result
            out[f"{label}_peak_bytes"] = peak
            out[f"{label}_min_bytes"] = minimum
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return out


def gemm_flops(layer_dims: Sequence[int], m: int) -> int:
    """Flops of the ``3L - 1`` GEMMs: ``2 m n_l n_{l-1}`` each."""
    pairs = list(zip(layer_dims[1:], layer_dims[:-1]))
    return 2 * m * (2 * sum(a * b for a, b in pairs) + sum(a * b for a, b in pairs[1:]))
