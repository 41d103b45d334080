"""The jax.jit peer: one full training step compiled by XLA, on the same params and data as fnnet.

Importing this module imports jax and enables float64 in it (``jax_enable_x64``) once, for
the float64 cases; arrays made from float32 NumPy arrays stay float32. Import it only when
jax is installed (``benchmarks/run.py`` does so lazily, as it imports torch).

The step is a pure function ``params -> new params`` (forward, cost, ``jax.grad``, SGD) with
fnnet's column layout: ``W{l}`` ``(n_l, n_{l-1})``, ``b{l}`` ``(n_l, 1)``, ``X`` ``(n0, m)``,
``Y`` ``(n_L, m)``. It is compiled once (``jax.jit(...).lower(...).compile()``); each call
carries the params on (their buffers donated to the next) and blocks until the result is
ready. Which library makes the compiled step's matrix products is read from the compiled HLO
(:func:`dot_libraries`).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Callable, Dict, List, Tuple

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

HIDDEN = {"sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu, "linear": lambda z: z, "tanh": jnp.tanh}

#: Fusion kinds of XLA:CPU's compiled HLO that hand a dot to a library; a dot outside them is
#: made by XLA's own emitter on Eigen.
FUSION_LIBRARIES = {"__ynn_fusion": "YNNPACK", "__xnn_fusion": "XNNPACK", "__onednn_fusion": "oneDNN"}
EIGEN = "Eigen (XLA's dot emitter)"


def _cost(out_act: str, loss: str) -> Callable:
    """``J(Z_L, Y)`` of fnnet's loss on the output logits ``Z_L`` ``(n_L, m)``: the mean over the columns."""
    if (out_act, loss) == ("sigmoid", "bce"):  # -y log a - (1 - y) log(1 - a), a = sigmoid(z)
        return lambda Z, Y: jnp.sum(jax.nn.softplus(Z) - Y * Z) / Z.shape[1]
    if (out_act, loss) == ("softmax", "cce"):
        return lambda Z, Y: -jnp.sum(Y * jax.nn.log_softmax(Z, axis=0)) / Z.shape[1]
    if loss == "mse" and out_act in HIDDEN:
        return lambda Z, Y: 0.5 * jnp.sum((HIDDEN[out_act](Z) - Y) ** 2) / Z.shape[1]
    raise ValueError(f"no jax form for {out_act} + {loss}")


def cost_function(activations, loss: str) -> Callable:
    """``J(ps, X, Y)`` for the flat list ``ps = [W1, b1, ..., WL, bL]``."""
    hidden = [HIDDEN[a] for a in activations[:-1]]
    cost = _cost(activations[-1], loss)

    def J(ps: List, X, Y):
        A = X
        for l, act in enumerate(hidden):
            A = act(ps[2 * l] @ A + ps[2 * l + 1])
        return cost(ps[-2] @ A + ps[-1], Y)

    return J


def _flat(params: Dict[str, np.ndarray]) -> List:
    L = sum(1 for key in params if key.startswith("W"))
    return [jnp.asarray(params[f"{kind}{l}"]) for l in range(1, L + 1) for kind in ("W", "b")]


def jax_callable(params, X, Y, case, lr: float) -> Tuple[Callable[[], None], Dict[str, np.ndarray], Dict]:
    """A jitted SGD step of ``case``'s network and loss, and its gradients at ``params``.

    Parameters
    ----------
    params : dict of ndarray
        ``W{l}`` ``(n_l, n_{l-1})``, ``b{l}`` ``(n_l, 1)``, float32 or float64 (copied: never changed).
    X : ndarray, shape (n0, m)
    Y : ndarray, shape (n_L, m)
    case : _cases.Case
        Its ``activations`` and ``loss``.
    lr : float
        The SGD rate (small: the params are carried over thousands of calls).

    Returns
    -------
    step : callable
        ``step()`` takes one step from the params the previous call left and blocks until done.
    grads : dict of ndarray
        ``jax.grad`` of the cost at ``params`` in fnnet's keys and layout, for a check.
    info : dict
        ``dots``: how many of the compiled step's dots each library makes (:func:`dot_libraries`);
        ``dtype``: the dtype of the params the step returns.
    """
    J = cost_function(case.activations, case.loss)

    def sgd(ps, X, Y):
        return [p - lr * g for p, g in zip(ps, jax.grad(J)(ps, X, Y))]

    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
    compiled = jax.jit(sgd, donate_argnums=0).lower(_flat(params), Xj, Yj).compile()
    state = [_flat(params)]

    def step():
        state[0] = compiled(state[0], Xj, Yj)
        jax.block_until_ready(state[0])

    L = len(case.activations)
    g = jax.grad(J)(_flat(params), Xj, Yj)
    grads = {f"{kind}{l}": np.asarray(g[2 * (l - 1) + i]) for l in range(1, L + 1) for i, kind in enumerate("Wb")}
    out_dtype = str(jax.eval_shape(sgd, _flat(params), Xj, Yj)[0].dtype)
    return step, grads, {"dots": dot_libraries(compiled.as_text()), "dtype": out_dtype}


def dot_libraries(hlo: str) -> Dict[str, int]:
    """``{library: number of dots}`` of a compiled XLA:CPU module's text (``compiled.as_text()``).

    A dot inside a computation that a fusion of kind ``__ynn_fusion`` (etc., see
    :data:`FUSION_LIBRARIES`) calls is made by that library; a oneDNN custom call by oneDNN;
    any other dot by XLA's own emitter (Eigen).
    """
    kinds = dict(re.findall(r'calls=%([\w.\-]+).*?"kind":"(__\w+)"', hlo))
    counts: Counter = Counter()
    computation = None
    for line in hlo.splitlines():
        header = re.match(r"^(?:ENTRY )?%([\w.\-]+) ", line)
        if header:
            computation = header[1]
        if re.search(r"\bdot\(", line):
            counts[FUSION_LIBRARIES.get(kinds.get(computation, ""), EIGEN)] += 1
        elif "custom-call" in line and "onednn" in line.lower() and "matmul" in line.lower():
            counts["oneDNN"] += 1
    return dict(counts)


def describe() -> Dict[str, object]:
    """jax's version and thread count, for the header (each step row records its dots' libraries).

    XLA:CPU runs on an intra-op thread pool of one thread per schedulable core unless
    ``XLA_FLAGS`` holds ``--xla_cpu_multi_thread_eigen=false`` (then one); jax has no public call
    that reports it (the suite's ``cpu_per_wall`` of the jax row shows the cores it kept busy).
    """
    flags = os.environ.get("XLA_FLAGS", "")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    single = "--xla_cpu_multi_thread_eigen=false" in flags
    return {"version": jax.__version__, "backend": jax.default_backend(), "threads": 1 if single else cores,
            "threads_source": "XLA_FLAGS --xla_cpu_multi_thread_eigen=false" if single
            else "XLA:CPU's default, one per schedulable core: jax reports no count",
            "XLA_FLAGS": flags or "(unset)"}
