"""The benchmark cases and every contender timed against fnnet's training step and loop.

A case is a network (layer sizes, one activation per layer, a loss) and a batch size ``m``;
``W{l}`` is ``(n_l, n_{l-1})``, ``b{l}`` ``(n_l, 1)``, ``X`` ``(n0, m)`` and ``Y`` ``(n_L, m)``,
one example a column, seeded, C-ordered, in the row's dtype. For each case and dtype the
suite times zero-argument callables, all doing the work of training steps on that data:

- ``step`` (:func:`step_callables`): what a user writes, ``forward`` + ``backward`` (with the
  cost gradient) + ``sgd_step``; ``forward``, ``backward`` and ``update`` time the three calls alone;
- ``train`` (:func:`train_callable`, issue 13): full-batch ``fnnet.train`` of
  :meth:`Case.recipe` (plain SGD at :data:`LR`, ``batch_size = m``, seed 0, silent) over ``E``
  epochs, so a call is ``E`` steps with train's per-epoch work (its shuffle, if any, and history);
- ``hand_loop`` (:func:`hand_loop_callable`, issue 13): the same ``E`` epochs written by hand
  with the public functions (``batches``, ``forward``, ``cost``, ``predict_labels``,
  ``backward``, ``sgd_step``), doing per epoch what train does; :func:`check_hand_loop` shows
  that it ends with train's params and history;
- ``inplace`` (``_inplace.InPlaceStep``, issue 13): careful in-place NumPy, one step on buffers
  allocated once;
- the floor: the step's ``3L - 1`` matrix products and nothing else (:func:`step_products`),
  each offered in four ways (:func:`product_variants`: ``np.dot`` or ``np.matmul``, ``W A``
  into an ``(n, m)`` array or ``(A^T W^T)^T`` into an ``(m, n)`` one, all with ``out=``); the
  suite times them and keeps the fastest per product (:func:`floor_callable`). Nothing in it
  follows fnnet's own choices, so it cannot move with what it measures;
- ``loop``: the per-example backpropagation of the seed notebooks (seed 004, Nielsen's
  ``network.py``): column vectors ``(n, 1)``, one example at a time, sums, then the update;
- ``torch``: PyTorch CPU eager, same network, same loss scaling, autograd, in-place SGD update;
- ``jax`` (``_jax.jax_callable``): a ``jax.jit``-compiled step (forward, cost, ``jax.grad``, SGD);
- ``sklearn``: ``MLPClassifier``/``MLPRegressor.partial_fit`` with one batch of ``m`` where the
  architecture is expressible (its loss and update differ in details: ratios only).

Memory: :func:`memory` (forward + backward, and the step) and :func:`train_memory` (a
full-batch train run, less the data it holds) against a step's minimum, activations plus
gradients (:func:`step_bytes`).

A training case (:data:`TRAIN_CASES`) is a whole ``fnnet.train`` run of a fixed number of
epochs (:meth:`TrainCase.recipe`), against the hand loop of the same recipe, a PyTorch eager
loop over the same batches from the same init and scikit-learn's ``MLPClassifier.fit`` for as
many epochs.

Every fnnet contender takes the fnnet module as an argument (``nn``), so that the same case
can time the current package and a baseline copy of another commit side by side. Only public
names of fnnet are used. Peers are imported lazily; a missing one is skipped and reported.
"""

from __future__ import annotations

import importlib
import re
import tracemalloc
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

import fnnet

#: Learning rate of every step contender (small: torch updates in place over thousands of repeats).
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
    targets: Dict[str, float] = field(default_factory=dict)  # issue 5's, on the public-function step
    train_targets: Dict[str, float] = field(default_factory=dict)  # issue 13's, on full-batch train

    def recipe(self, epochs: int) -> "Recipe":
        """Full-batch plain SGD at :data:`LR` for ``epochs`` epochs (one step an epoch)."""
        return Recipe(self.activations, self.loss, epochs, self.m, LR)


@dataclass(frozen=True)
class Recipe:
    """What a training run does: the network's activations and loss, and the optimizer's schedule."""

    activations: Tuple[str, ...]
    loss: str
    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "sgd"
    seed: int = 0


def issue13_targets(train_over_floor: float, peers: Optional[float] = None, **over_train: float) -> Dict[str, float]:
    """Issue 13's targets of a case: ``train_over_floor`` (at most), memory of a train step at
    most 1.3x the minimum, train never slower than the hand-written loop, and at least ``peers``
    for ``torch_over_train`` and ``jax_over_train`` (or each given as ``torch=...``, ``jax=...``)."""
    targets = {"train_over_floor": train_over_floor, "train_mem_ratio": 1.3, "hand_loop_over_train": 1.0}
    if peers is not None:
        over_train = {"torch": peers, "jax": peers, **over_train}
    targets.update({f"{peer}_over_train": value for peer, value in over_train.items()})
    return targets


#: The cases of issue 5, with its targets (applied to both dtypes), and issue 13's (``train_targets``).
#: ``step_over_floor``: at most; ``torch_speedup``, ``loop_speedup``: at least; ``mem_ratio``: at most.
CASES: Dict[str, Case] = {c.name: c for c in [
    Case("tiny", (2, 3, 3, 1), ("sigmoid", "sigmoid", "sigmoid"), "bce", 10, "normal", "seed002",
         "seed 002's network and data", loop=True, sklearn="classifier",
         targets={"step_over_floor": 6.0, "torch_speedup": 3.0}, train_targets=issue13_targets(5.0, peers=1.0)),
    Case("small", (2, 5, 1), ("relu", "linear"), "mse", 1000, "he", "seed001",
         "seed 001's regression", sklearn="regressor",
         targets={"step_over_floor": 3.2, "torch_speedup": 3.0}, train_targets=issue13_targets(3.5, peers=1.0)),
    Case("nielsen10", (784, 30, 10), ("sigmoid", "sigmoid"), "mse", 10, "xavier", "mnist_like",
         "Nielsen's MNIST network, mini-batch 10", loop=True,
         targets={"step_over_floor": 2.0, "torch_speedup": 1.5}, train_targets=issue13_targets(1.8, peers=1.0)),
    Case("nielsen128", (784, 30, 10), ("sigmoid", "sigmoid"), "mse", 128, "xavier", "mnist_like",
         "Nielsen's MNIST network, mini-batch 128", loop=True,
         targets={"step_over_floor": 1.3, "torch_speedup": 1.2, "loop_speedup": 15.0},
         train_targets=issue13_targets(1.3)),
    Case("mid", (784, 256, 256, 10), ("relu", "relu", "softmax"), "cce", 256, "he", "mnist_like",
         "MNIST-sized MLP, softmax output", sklearn="classifier",
         targets={"step_over_floor": 1.15, "torch_speedup": 1.0, "mem_ratio": 1.3},
         train_targets=issue13_targets(1.15, torch=0.95)),
    Case("big", (1024, 1024, 1024, 1024), ("relu", "relu", "relu"), "mse", 512, "he", "gaussian",
         "GEMM-bound: relu in every layer, MSE",
         targets={"step_over_floor": 1.08, "torch_speedup": 1.0, "mem_ratio": 1.3},
         train_targets=issue13_targets(1.05, torch=0.95)),
]}

#: Issue 9's bounds (point 11) on the current step over the baseline's (at most), per case.
STEP_VS_BASELINE = {"tiny": 1.15, "small": 1.15, "nielsen10": 1.15, "mid": 1.0, "big": 1.0}


def layer_count(params: Dict[str, np.ndarray]) -> int:
    """``L``, the number of weight matrices ``W1..WL`` in ``params``."""
    return sum(1 for key in params if key.startswith("W"))


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


# --- fnnet (the current package or a baseline copy) ---------------------------------------------
def step_callables(nn: ModuleType, params, X, Y, case: Case) -> Dict[str, Callable[[], object]]:
    """The full step of package ``nn`` and its three parts (pure: params never change)."""
    acts, loss = list(case.activations), case.loss
    forward, backward, sgd_step = nn.forward, nn.backward, nn.sgd_step
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


# --- the floor: the step's matrix products, each the fastest way NumPy makes it ------------------
def step_products(params, X, seed: int = 1) -> List[Tuple[str, np.ndarray, np.ndarray]]:
    """The ``3L - 1`` matrix products of one step, as ``(label, P, Q)`` with the product ``P Q``.

    Forward ``Z{l} = W{l} A{l-1}`` for l = 1..L; backward ``dW{l} = dZ{l} A{l-1}^T`` for
    l = 1..L and ``dA{l-1} = W{l}^T dZ{l}`` for l = 2..L (``dA0`` is never needed). ``W{l}`` and
    ``A0 = X`` are the caller's arrays; ``A{l}`` ``(n_l, m)`` and ``dZ{l}`` ``(n_l, m)`` are
    seeded C-ordered arrays of the dtype (values in [0, 1) and around 1e-3: no denormals).
    Transposes are views, as a step takes them.
    """
    rng = np.random.default_rng(seed)
    L, m, dtype = layer_count(params), X.shape[1], X.dtype
    Ws = [params[f"W{l}"] for l in range(1, L + 1)]
    A = [X] + [rng.random((W.shape[0], m)).astype(dtype) for W in Ws[:-1]]          # A0..A{L-1}
    dZ = [(1e-3 * (1.0 + rng.random((W.shape[0], m)))).astype(dtype) for W in Ws]   # dZ1..dZL
    products = [(f"Z{l} = W{l} A{l - 1}", Ws[l - 1], A[l - 1]) for l in range(1, L + 1)]
    products += [(f"dW{l} = dZ{l} A{l - 1}^T", dZ[l - 1], A[l - 1].T) for l in range(L, 0, -1)]
    products += [(f"dA{l - 1} = W{l}^T dZ{l}", Ws[l - 1].T, dZ[l - 1]) for l in range(L, 1, -1)]
    return products


def product_variants(P: np.ndarray, Q: np.ndarray) -> Dict[str, Tuple[Callable[[], None], np.ndarray]]:
    """Four ways to make ``P Q`` (P ``(n, k)``, Q ``(k, m)``) into a preallocated array.

    ``"dot"``, ``"matmul"``: ``np.dot`` / ``np.matmul(P, Q, out=R)``, R C-ordered ``(n, m)``;
    ``"dot^T"``, ``"matmul^T"``: the same call on ``(Q^T, P^T)`` into a C-ordered ``(m, n)``
    array, whose transpose (a view) is the product. Returns ``name -> (call, product view)``.
    """
    (n, _), m = P.shape, Q.shape[1]
    variants = {}
    for name, kernel in (("dot", np.dot), ("matmul", np.matmul)):
        out = np.empty((n, m), dtype=P.dtype)
        variants[name] = (_bound(kernel, P, Q, out), out)
        out_t = np.empty((m, n), dtype=P.dtype)
        variants[name + "^T"] = (_bound(kernel, Q.T, P.T, out_t), out_t.T)
    return variants


def _bound(kernel, a, b, out) -> Callable[[], None]:
    def call():
        kernel(a, b, out=out)
    return call


def floor_callable(calls: Sequence[Callable[[], None]]) -> Callable[[], None]:
    """One call that makes every product in ``calls`` once, in order (the floor of one step)."""
    calls = tuple(calls)

    def floor():
        for call in calls:
            call()

    return floor


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
    L = layer_count(params)
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


def check_loop(params, X, Y, case: Case, nn: ModuleType = fnnet) -> float:
    """Max relative difference between the loop's gradients (divided by m) and those of ``nn``."""
    L = layer_count(params)
    _, cache = nn.forward(params, X, list(case.activations))
    grads = nn.backward(params, cache, Y, case.loss)
    with np.errstate(over="ignore"):
        nw, nb = loop_gradients([params[f"W{l}"] for l in range(1, L + 1)],
                                [params[f"b{l}"] for l in range(1, L + 1)], X, Y, case.loss)
    m = X.shape[1]
    ref = {**{f"W{l}": nw[l - 1] / m for l in range(1, L + 1)}, **{f"b{l}": nb[l - 1] / m for l in range(1, L + 1)}}
    return max(_rel_diff(grads[k], ref[k]) for k in grads)


def _rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.abs(b).max()), 1e-300)
    return float(np.abs(a - b).max()) / scale


# --- peers: installed or not -------------------------------------------------------------------
def installed_version(name: str) -> Optional[str]:
    """The ``__version__`` of the package ``name`` when it imports, else None (a peer to skip)."""
    try:
        return importlib.import_module(name).__version__
    except ImportError:
        return None


def torch_available() -> Optional[str]:
    return installed_version("torch")


def sklearn_available() -> Optional[str]:
    return installed_version("sklearn")


def jax_available() -> Optional[str]:
    return installed_version("jax")


# --- PyTorch CPU eager --------------------------------------------------------------------------
def torch_libraries() -> str:
    """Where torch's CPU matrix products come from: its build's BLAS (``torch.__config__.show()``)."""
    import torch

    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    lines = [re.sub(r" \(Git Hash \w+\)", "", line.strip(" -")) for line in config.splitlines()
             if "Math Kernel Library" in line or "OpenBLAS" in line or "MKL-DNN" in line]
    return f"BLAS_INFO={blas[1] if blas else '?'}" + (f" ({'; '.join(lines)})" if lines else "")


def torch_callable(params, X, Y, case: Case, threads: int):
    """A torch training step: same network (row layout, ``F.linear``), same cost, autograd, SGD.

    Returns ``(step, grads, info)``: ``grads`` are the gradients of one step from the initial
    params, in fnnet's layout, for a sanity check of the loss scaling; ``info`` the thread count.
    """
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    L = layer_count(params)
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
        _torch_sgd_step(torch, ps, J, LR)

    # one forward/backward without the update, for the gradient check
    a = Xt
    for l in range(L - 1):
        a = hidden[case.activations[l]](F.linear(a, ps[2 * l], ps[2 * l + 1]))
    cost(F.linear(a, ps[-2], ps[-1])).backward()
    grads = {}
    for l in range(1, L + 1):
        grads[f"W{l}"] = ps[2 * l - 2].grad.numpy().copy()
        grads[f"b{l}"] = ps[2 * l - 1].grad.numpy().reshape(-1, 1).copy()
    return step, grads, {"threads": torch.get_num_threads()}


def check_grads(params, X, Y, case: Case, peer_grads, nn: ModuleType = fnnet) -> float:
    """Max relative difference between a peer's gradients (fnnet's keys and layout) and those of ``nn``."""
    _, cache = nn.forward(params, X, list(case.activations))
    grads = nn.backward(params, cache, Y, case.loss)
    return max(_rel_diff(grads[k], peer_grads[k]) for k in grads)


# --- scikit-learn -------------------------------------------------------------------------------
def sklearn_callable(params, X, Y, case: Case) -> Callable[[], object]:
    """``partial_fit`` on the batch: plain SGD (no momentum, no L2), one batch of ``m``.

    The classifier (tiny: logistic + log loss; mid: relu + softmax/log loss) and the regressor
    (small: relu + identity/squared loss) match fnnet's network; sklearn also computes the loss
    value, binarizes labels and validates on every call.
    """
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
#: The losses whose targets are classes: train (and the hand loop) also count the right labels.
CLASSIFYING = ("bce", "cce")


def step_bytes(params, m: int) -> Dict[str, int]:
    """Bytes of what one step of ``m`` examples must hold: ``activation_bytes`` (``A1..AL``,
    ``(n_l, m)`` each; ``A0`` is the caller's input), ``grad_bytes`` (as the params),
    ``param_bytes``."""
    L = layer_count(params)
    itemsize = params["W1"].dtype.itemsize
    param_bytes = sum(p.nbytes for p in params.values())
    return {"activation_bytes": sum(params[f"W{l}"].shape[0] for l in range(1, L + 1)) * m * itemsize,
            "grad_bytes": param_bytes, "param_bytes": param_bytes}


def traced_peak(fn: Callable[[], object]) -> int:
    """Peak bytes tracemalloc traced during ``fn()`` above what was traced when it began."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
        del result
        return peak
    finally:
        if not was_tracing:
            tracemalloc.stop()


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

    out = step_bytes(params, X.shape[1])
    grad_only()  # warm-up outside the trace
    minimum = out["activation_bytes"] + out["grad_bytes"]
    out.update(grad_peak_bytes=traced_peak(grad_only), grad_min_bytes=minimum,
               step_peak_bytes=traced_peak(full), step_min_bytes=minimum + out["param_bytes"])
    return out


#: Copies of ``X`` and ``Y`` that :func:`train_memory` assumes a full-batch ``fnnet.train``
#: holds: none (an epoch of one batch is the data as given, unshuffled; it copies the data to
#: shuffle it only for mini-batches or dropout).
TRAIN_DATA_COPIES = 0


def train_memory(params, X, Y, case: Case, epochs: int = 3) -> Dict[str, object]:
    """Peak traced memory of a full-batch ``fnnet.train`` run, less what train holds besides a
    step, over a step's minimum.

    ``peak_bytes``: tracemalloc's peak during ``fnnet.train`` of ``epochs`` full-batch SGD
    epochs (:meth:`Case.recipe`) above what was traced before the call (its set-up included).
    ``held_bytes``: what train keeps that a step does not need, from the shapes. It assumes
    :data:`TRAIN_DATA_COPIES` copies of ``X`` ``(n0, m)`` and of ``Y`` ``(n_L, m)``, an int64
    label vector ``(m,)`` for a classifying loss and one copy of the params (those it trains). ``min_bytes``: a step's minimum, activations
    ``A1..AL`` plus gradients (as :func:`memory`). ``ratio``: ``(peak - held) / min``, the
    suite's ``train_mem_ratio``; None when below 1 (``formula_holds`` False): no step holds less
    than its minimum, so train then holds less than the assumption subtracts.
    """
    run = train_callable(fnnet, params, X, Y, case.recipe(epochs))
    run()  # warm-up outside the trace
    m, sizes = X.shape[1], step_bytes(params, X.shape[1])
    labels = m * np.dtype(np.int64).itemsize if case.loss in CLASSIFYING else 0
    out = {"peak_bytes": traced_peak(run),
           "held_bytes": TRAIN_DATA_COPIES * (X.nbytes + Y.nbytes) + labels + sizes["param_bytes"],
           "min_bytes": sizes["activation_bytes"] + sizes["grad_bytes"],
           "data_bytes": X.nbytes + Y.nbytes, "label_bytes": labels, "param_bytes": sizes["param_bytes"],
           "epochs": epochs}
    ratio = (out["peak_bytes"] - out["held_bytes"]) / out["min_bytes"]
    out.update(formula_holds=ratio >= 1.0, ratio=ratio if ratio >= 1.0 else None)
    return out


def gemm_flops(layer_dims: Sequence[int], m: int) -> int:
    """Flops of the ``3L - 1`` GEMMs: ``2 m n_l n_{l-1}`` each."""
    pairs = list(zip(layer_dims[1:], layer_dims[:-1]))
    return 2 * m * (2 * sum(a * b for a, b in pairs) + sum(a * b for a, b in pairs[1:]))


# --- training loops -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainCase:
    """A whole training run: a network, an optimizer with a constant rate (plain SGD), a number of epochs."""

    name: str
    layer_dims: Tuple[int, ...]
    activations: Tuple[str, ...]
    loss: str  # "cce": softmax output, one-hot targets (the only pairing the peers' loops need)
    batch_size: int
    lr: float
    epochs: int
    quick_epochs: int
    dtype: str
    data: str  # "spiral" or "fashion"
    quick_examples: Optional[int]  # --quick trains on the first this many examples
    note: str
    optimizer: str = "sgd"  # fnnet's name; the torch and scikit-learn loops know only "sgd"

    def recipe(self, epochs: int) -> Recipe:
        """The case's network, loss, batch size, rate and optimizer for ``epochs`` epochs."""
        return Recipe(self.activations, self.loss, epochs, self.batch_size, self.lr, self.optimizer)


#: ``spiral``: the network, batch size and rate ``python -m fnnet train`` uses by default (its
#: epilog lists them; a test keeps them in step), with SGD instead of its Adam so that every
#: contender does the same update. ``fashion``: Fashion-MNIST with the CLI's MNIST network,
#: 784-256-128-10, batches of 128, 20 epochs (issue 13 point 6).
TRAIN_CASES: Dict[str, TrainCase] = {c.name: c for c in [
    TrainCase("spiral", (2, 100, 3), ("relu", "softmax"), "cce", 32, 0.01, 300, 30, "float64", "spiral", None,
              "`python -m fnnet train`'s default: spiral 3 x 100, hidden [100] relu, batches of 32, lr 0.01"),
    TrainCase("fashion", (784, 256, 128, 10), ("relu", "relu", "softmax"), "cce", 128, 0.001, 20, 1, "float32",
              "fashion", 4096, "Fashion-MNIST's training set (synthetic of its shape when absent), batches of 128"),
]}

#: Issue 9's bounds (point 11) on the current train over the baseline's (at most): 1.3x faster on the spiral.
TRAIN_VS_BASELINE = {"spiral": 1.0 / 1.3, "fashion": 1.0}

#: Issue 13's target (point 5) of every training-loop case: train never slower than the hand loop.
TRAIN_LOOP_TARGETS = {"hand_loop_over_train": 1.0}


def train_data(tc: TrainCase, quick: bool, seed: int = 0) -> Tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """``X`` ``(n0, m)``, one-hot ``Y`` ``(k, m)``, labels ``(m,)`` in the case's dtype, and where they came from."""
    dtype = np.dtype(tc.dtype)
    k = tc.layer_dims[-1]
    if tc.data == "spiral":
        X, labels = fnnet.spiral(seed=seed)  # the CLI's call: 3 arms of 100 points
        source = "fnnet.spiral(seed=0)"
    else:
        directory = fnnet.fashion_mnist_dir()
        m = tc.quick_examples if quick else 60_000
        if directory is not None:
            X, labels, _, _ = fnnet.load_mnist(directory, dtype=dtype)
            X, labels = X[:, :m], labels[:m]
            source = f"Fashion-MNIST ({directory})"
        else:
            rng = np.random.default_rng(seed)
            X, labels = rng.random((tc.layer_dims[0], m)), rng.integers(0, k, m)
            source = "synthetic, Fashion-MNIST's shape (the real set is not installed)"
    X = np.ascontiguousarray(X, dtype=dtype)
    return X, fnnet.one_hot(labels, k, dtype=dtype), np.asarray(labels, dtype=np.int64), source


def train_params(tc: TrainCase, seed: int = 0) -> Dict[str, np.ndarray]:
    return fnnet.init_params(list(tc.layer_dims), seed=seed, init="he", dtype=np.dtype(tc.dtype))


def train_callable(nn: ModuleType, params, X, Y, recipe: Recipe):
    """``run()``: ``nn.train`` of ``recipe``, silent; returns ``(params, history)``.

    ``params``, ``X`` ``(n0, m)`` and ``Y`` ``(n_L, m)`` are the caller's; train never changes them.
    """
    acts, r = list(recipe.activations), recipe

    def run():
        return nn.train(params, X, Y, acts, r.loss, epochs=r.epochs, batch_size=r.batch_size, lr=r.lr,
                        optimizer=r.optimizer, seed=r.seed, verbose=0)

    return run


def hand_loop_callable(nn: ModuleType, params, X, Y, recipe: Recipe):
    """``run()``: the training ``nn.train`` does, written by hand with the public functions.

    Per epoch ``for Xb, Yb in nn.batches(X, Y, batch_size, rng)`` (``rng`` seeded as train's),
    ``forward``, the batch's ``cost`` and, for a classifying loss, its number of right labels
    (``predict_labels`` of the output and of the targets), ``backward`` and the update
    (``sgd_step``, or ``get_optimizer(name)``'s ``update`` from its ``init`` state); then the
    epoch's mean cost (and accuracy) appended to a history, as train records them. ``X``
    ``(n0, m)``, ``Y`` ``(n_L, m)``. Returns ``(params, history)``, history with ``"cost"``
    (and ``"accuracy"``).
    """
    acts, r, m = list(recipe.activations), recipe, X.shape[1]
    classifies = r.loss in CLASSIFYING
    if r.optimizer == "sgd":
        init = dict

        def update(p, grads, state):
            return nn.sgd_step(p, grads, r.lr), state
    else:
        optimizer = nn.get_optimizer(r.optimizer)
        init = optimizer.init

        def update(p, grads, state):
            return optimizer.update(p, grads, state, lr=r.lr)

    def run():
        rng = np.random.default_rng(r.seed)
        p, state = dict(params), init(params)
        history = {"cost": [], "accuracy": []} if classifies else {"cost": []}
        for _ in range(r.epochs):
            total = correct = 0.0
            for Xb, Yb in nn.batches(X, Y, r.batch_size, rng):
                AL, cache = nn.forward(p, Xb, acts)
                total += nn.cost(AL, Yb, r.loss) * Xb.shape[1]
                if classifies:
                    correct += np.count_nonzero(nn.predict_labels(AL) == nn.predict_labels(Yb))
                grads = nn.backward(p, cache, Yb, r.loss)
                p, state = update(p, grads, state)
            history["cost"].append(total / m)
            if classifies:
                history["accuracy"].append(correct / m)
        return p, history

    return run


def check_hand_loop(nn: ModuleType, params, X, Y, recipe: Recipe) -> Dict[str, float]:
    """The hand loop against ``nn.train`` of the same recipe: max relative differences of the
    final params (``"params"``) and of the history's costs and accuracies (``"history"``)."""
    ours, our_history = hand_loop_callable(nn, params, X, Y, recipe)()
    trained, history = train_callable(nn, params, X, Y, recipe)()
    curves = {key: np.array(our_history[key]) for key in our_history}
    return {"params": max_rel_diff(ours, trained),
            "history": max_rel_diff(curves, {key: np.array(history[key]) for key in curves})}


def shuffles(m: int, epochs: int, seed: int = 0) -> List[np.ndarray]:
    """The per-epoch permutations ``fnnet.train(seed=seed)`` draws: ``default_rng(seed).permutation(m)``."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(m) for _ in range(epochs)]


def torch_train_callable(params, X, Y, tc: TrainCase, epochs: int, threads: int, seed: int = 0):
    """A PyTorch eager loop over the batches ``fnnet.train`` uses: same init, mean CCE, plain SGD.

    Each epoch gathers the shuffled examples into a new array and takes contiguous batches of
    ``batch_size`` rows (the last shorter), as ``fnnet.train`` does; the loop sums the batch costs
    (``.item()``), as ``train``'s history does. ``run()`` returns the final params in fnnet's layout.
    """
    import torch
    import torch.nn.functional as F

    if tc.loss != "cce" or tc.activations[-1] != "softmax" or tc.optimizer != "sgd":
        raise ValueError(f"the torch training loop needs softmax + cce and sgd, got {tc.activations[-1]} + "
                         f"{tc.loss} and {tc.optimizer}")
    torch.set_num_threads(threads)
    L = layer_count(params)
    init = []  # W1, b1, W2, ...: torch's (out, in) weights are fnnet's W; biases flat
    for l in range(1, L + 1):
        init += [torch.from_numpy(params[f"W{l}"].copy()), torch.from_numpy(params[f"b{l}"].ravel().copy())]
    hidden = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
    acts = [hidden[a] for a in tc.activations[:-1]]
    XT = torch.from_numpy(np.ascontiguousarray(X.T))
    YT = torch.from_numpy(np.ascontiguousarray(Y.T))
    m, bs, lr = XT.shape[0], tc.batch_size, tc.lr
    perms = [torch.from_numpy(p) for p in shuffles(m, epochs, seed)]

    def run():
        ps = [t.clone().requires_grad_() for t in init]
        total = 0.0
        for perm in perms:
            Xe, Ye = XT[perm], YT[perm]
            for i in range(0, m, bs):
                a = Xe[i:i + bs]
                for l, act in enumerate(acts):
                    a = act(F.linear(a, ps[2 * l], ps[2 * l + 1]))
                J = F.cross_entropy(F.linear(a, ps[-2], ps[-1]), Ye[i:i + bs])
                _torch_sgd_step(torch, ps, J, lr)
                total += J.item() * a.shape[0]
        return {f"{kind}{l}": (ps[2 * l - 2] if kind == "W" else ps[2 * l - 1].reshape(-1, 1)).detach().numpy()
                for l in range(1, L + 1) for kind in ("W", "b")}

    return run


def sklearn_train_callable(X, labels, tc: TrainCase, epochs: int, seed: int = 0):
    """``MLPClassifier.fit`` for exactly ``epochs`` epochs of plain SGD on the same batch size and rate.

    Solver sgd, constant rate ``learning_rate_init``, no momentum, no L2, no early stopping, and
    ``n_iter_no_change`` past the last epoch (so the loss plateau rule never stops it); its own
    init and shuffles (``random_state``). ``run()`` returns the fitted model.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    act = {"sigmoid": "logistic", "relu": "relu", "tanh": "tanh"}[tc.activations[0]]
    Xr = np.ascontiguousarray(X.T)

    def run():
        model = MLPClassifier(hidden_layer_sizes=tuple(tc.layer_dims[1:-1]), activation=act, solver="sgd",
                              alpha=0.0, batch_size=tc.batch_size, learning_rate="constant",
                              learning_rate_init=tc.lr, momentum=0.0, nesterovs_momentum=False,
                              max_iter=epochs, shuffle=True, random_state=seed, early_stopping=False,
                              n_iter_no_change=epochs + 1, tol=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: the point
            model.fit(Xr, labels)
        if model.n_iter_ != epochs:
            raise AssertionError(f"MLPClassifier ran {model.n_iter_} epochs, expected {epochs}")
        return model

    return run


def max_rel_diff(a: Dict[str, np.ndarray], b: Dict[str, np.ndarray]) -> float:
    """Max over the keys of ``|a - b|.max() / |b|.max()``."""
    return max(_rel_diff(a[k], b[k]) for k in a)


def _torch_sgd_step(torch, ps, J, lr: float) -> None:
    """Backpropagate the cost ``J`` and take one plain SGD step on the tensors ``ps`` (in place)."""
    for p in ps:
        p.grad = None
    J.backward()
    with torch.no_grad():
        for p in ps:
            p.sub_(p.grad, alpha=lr)
