"""Gradient checking: compare analytic gradients with central differences, key by key.

For every parameter entry ``p`` the numerical gradient is the central difference

    n = (J(p + eps) - J(p - eps)) / (2 eps)

of the cost ``J = fnnet.cost(forward(params, X), Y, loss)``, evaluated in float64 (float32
params are cast up first). Each key of the grads dict is judged on its own by the relative
error of the deep-learning course,

    error[key] = ||g - n|| / (||g|| + ||n||)        (0 when both norms are 0)

because one norm over every key lets a wrong small ``b1`` hide behind a large ``W1``.

What the numbers mean (float64, ``eps = 1e-6``):

* ``< 1e-7``: correct. Central differences in float64 agree with an exact backward to
  about ``1e-10`` on a well-scaled problem; the rest is round-off.
* ``1e-7 .. 1e-5``: suspicious: a kink (ReLU at 0), a saturated output, or tiny gradients.
* ``> 1e-3``: a real mistake. A wrong factor ``c`` gives ``|c - 1| / (c + 1)``: a missing
  ``1/m`` with ``m = 32`` gives 0.94, a doubled gradient 1/3, a sign flip exactly 1.

float32 params: the numerical side is still float64, but the analytic gradients carry
float32 round-off (about ``1e-7`` per operation), so the tolerance used is
``max(tol, FLOAT32_TOL)`` with ``FLOAT32_TOL = 1e-4``; the report states both.

ReLU kinks: ``relu`` and ``leaky_relu`` are not differentiable at 0. An entry whose
perturbation moves any pre-activation of a ``relu``/``leaky_relu`` layer across 0 (in its own
layer or any layer above) is *kink-adjacent*: its central difference straddles the kink and
says nothing about the backward. Such entries are detected exactly (the perturbed ``Z`` is
computed anyway), listed in ``report.kinks`` and left out of the errors instead of failing.

Speed: perturbing ``W{l}[i, j]`` by ``eps`` changes only row ``i`` of ``Z{l}``, by
``eps * A{l-1}[j, :]``; layers below ``l`` are unchanged. So ``"full"`` mode starts every
perturbation at its own layer, stacks many perturbed copies side by side as a
``(n, K * m)`` matrix and runs the layers above in one matmul each; the cost of each copy
is a per-block reduction computed like :func:`fnnet.cost`.
"""

from __future__ import annotations

import numbers
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._validation import _shape, as_matrix, check_like, check_params
from .activations import ACTIVATIONS, Activation, resolve_activations
from .losses import LOSSES, Loss, check_targets, get_loss
from .network import backward, forward

__all__ = ["numerical_grads", "gradcheck", "GradcheckReport"]

#: The checker's modes.
MODES = ("full", "sample", "directional")
#: Smallest tolerance used for float32 params (their analytic grads carry float32 round-off).
FLOAT32_TOL = 1e-4
#: Show progress on stderr when a check is estimated to take longer than this (seconds).
PROGRESS_AFTER = 3.0
# Working memory of one batch of perturbed copies (well under 256 MB; small batches stay in cache).
_BATCH_BYTES = 4 * 2**20
# Activations with a kink at 0: central differences across it are meaningless.
_KINKED = (ACTIVATIONS["relu"], ACTIVATIONS["leaky_relu"])
_EPS64 = float(np.finfo(np.float64).eps)


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive finite number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not (np.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def _index(shape: Tuple[int, ...], flat: int) -> Tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


# --------------------------------------------------------------------------------------------
# numerical_grads: the plain, general loop
# --------------------------------------------------------------------------------------------
def numerical_grads(f: Callable[[Dict[str, np.ndarray]], float], params: Mapping[str, np.ndarray],
                    eps: float = 1e-6) -> Dict[str, np.ndarray]:
    """Central differences of a scalar function of a dict of arrays, for every entry.

    ``n[key][idx] = (f(p + eps e) - f(p - eps e)) / (2 eps)``, where ``e`` is the unit
    perturbation of ``params[key][idx]``, for every key and every index.

    Parameters
    ----------
    f : callable
        ``f(p) -> float`` for a dict ``p`` like ``params``. It must read the arrays from its
        argument ``p`` (not from ``params`` captured in a closure).
    params : dict of str to ndarray
        Any dict of real arrays (not only ``W1..bL``). Never modified, not even temporarily:
        ``f`` is called on a float64 copy, and each entry is restored in that copy.
    eps : float
        The step. ``1e-6`` suits float64 costs of order 1 (truncation ``~eps**2``,
        round-off ``~1e-16 / eps``).

    Returns
    -------
    dict of str to ndarray
        The same keys and shapes as ``params``, float64.

    Raises
    ------
    ValueError
        If ``f`` returns NaN or inf at a perturbed point (the message names the key and index).

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> p = {"w": np.array([[1.0, 2.0]])}
    >>> n = fnnet.numerical_grads(lambda q: float(np.sum(q["w"] ** 2)), p)
    >>> np.round(n["w"], 6)
    array([[2., 4.]])
    """
    if not callable(f):
        raise TypeError(f"f must be a callable f(params) -> float, got {type(f).__name__}")
    eps = _positive(eps, "eps")
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    work: Dict[str, np.ndarray] = {}
    for key, value in params.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
            what = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
            raise TypeError(f"params[{key!r}] must be a real numpy.ndarray, got {what}")
        work[key] = np.array(value, dtype=np.float64, order="C")  # our copy: f sees only this

    def value_at(key: str, flat: int) -> float:
        J = f(work)
        if np.ndim(J) != 0 or not isinstance(np.asarray(J).item(), numbers.Real):
            raise TypeError(f"f must return a real scalar, got {type(J).__name__} {np.shape(J)}")
        J = float(J)
        if not np.isfinite(J):
            idx = _index(work[key].shape, flat)
            raise ValueError(f"f returned {J} with params[{key!r}][{idx}] perturbed by +-{eps:g}")
        return J

    grads: Dict[str, np.ndarray] = {}
    for key, arr in work.items():
        flat, out = arr.reshape(-1), np.empty(arr.size)
        for i in range(arr.size):
            p = flat[i]
            try:
                flat[i] = p + eps
                up, J_up = flat[i] - p, value_at(key, i)
                flat[i] = p - eps
                down, J_down = flat[i] - p, value_at(key, i)
            finally:
                flat[i] = p
            out[i] = (J_up - J_down) / (up - down)  # the steps actually taken, after rounding
        grads[key] = out.reshape(arr.shape)
    return grads


# --------------------------------------------------------------------------------------------
# The batched evaluator: costs of many perturbed networks at once, in float64
# --------------------------------------------------------------------------------------------
def _weighted_logs(weights: np.ndarray, A3: np.ndarray, log: Callable, upper: float) -> np.ndarray:
    """``sum_ij weights[i, j] * log(clip(A3[i, k, j], eps, upper))`` per block ``k``; ``A3`` is (n, K, m).

    ``eps`` is float64's, as in fnnet's log losses (bce clips to ``1 - eps`` above, cce not).
    """
    rows, cols = np.nonzero(weights)
    picked = np.clip(A3[rows, :, cols], _EPS64, upper)  # (nnz, K)
    return weights[rows, cols] @ log(picked)


def _log1m(a: np.ndarray) -> np.ndarray:
    return np.log1p(-a)


class _Network:
    """The float64 network at the base point; costs of batches of perturbations of it.

    A batch of ``K`` perturbed copies of a layer's ``(n, m)`` matrix is one ``(n, K * m)``
    matrix, copy ``k`` in columns ``k*m .. (k+1)*m``: matmuls, element-wise activations and
    softmax over axis 0 all work on it unchanged.
    """

    def __init__(self, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray,
                 acts: Sequence[Activation], loss: Loss) -> None:
        self.L = len(acts)
        self.acts = acts
        self.loss = loss
        self.W = [None] + [params[f"W{l}"].astype(np.float64) for l in range(1, self.L + 1)]
        self.b = [None] + [params[f"b{l}"].astype(np.float64) for l in range(1, self.L + 1)]
        self.Y = Y
        self.m = X.shape[1]
        self.Z: List[Optional[np.ndarray]] = [None]
        self.A = [X]
        for layer in range(1, self.L + 1):
            Z = self.W[layer] @ self.A[-1]
            Z += self.b[layer]
            self.Z.append(Z)
            self.A.append(acts[layer - 1].apply_(Z.copy()))
        self.cost = self.block_costs(self.A[-1], 1)[0]

    def widest_from(self, layer: int) -> int:
        return max(self.W[l].shape[0] for l in range(layer, self.L + 1))

    def block_costs(self, A: np.ndarray, K: int) -> np.ndarray:
        """The cost of each of ``K`` output copies ``A`` (n_L, K*m), exactly as fnnet.cost."""
        n, m = self.Y.shape
        A3, Y, loss = A.reshape(n, K, m), self.Y, self.loss
        if loss is LOSSES["mse"]:
            R = A3 - Y[:, None, :]
            return 0.5 * np.einsum("ikj,ikj->k", R, R) / m
        # Log losses: terms with a zero weight (y = 0 in y log a) add exactly 0 in fnnet.cost,
        # so only the outputs with a nonzero weight are gathered (one per column for one-hot Y).
        if loss is LOSSES["bce"]:
            upper = 1.0 - _EPS64
            return -(_weighted_logs(Y, A3, np.log, upper) + _weighted_logs(1.0 - Y, A3, _log1m, upper)) / m
        if loss is LOSSES["cce"]:
            return -_weighted_logs(Y, A3, np.log, np.inf) / m
        return np.array([loss.cost(np.ascontiguousarray(A3[:, k, :]), Y) for k in range(K)])

    def _crossed(self, layer: int, Z: np.ndarray, K: int) -> np.ndarray:
        """(K,) bool: copy k moved some pre-activation of a kinked layer across 0."""
        if self.acts[layer - 1] not in _KINKED:
            return np.zeros(K, dtype=bool)
        base = self.Z[layer]
        n, m = base.shape
        return ((Z.reshape(n, K, m) > 0.0) != (base[:, None, :] > 0.0)).any(axis=(0, 2))

    def costs_from(self, layer: int, Z: np.ndarray, K: int) -> Tuple[np.ndarray, np.ndarray]:
        """Costs of ``K`` copies whose pre-activations at ``layer`` are ``Z`` (n_l, K*m).

        Returns the costs (K,) and whether each copy crossed a kink, (K,) bool.
        """
        crossed = np.zeros(K, dtype=bool)
        while True:
            crossed |= self._crossed(layer, Z, K)
            A = self.acts[layer - 1].apply_(Z)  # Z is ours: built-ins overwrite it
            if layer == self.L:
                return self.block_costs(A, K), crossed
            layer += 1
            Z = self.W[layer] @ A
            Z += self.b[layer]

    def costs_rows(self, layer: int, rows: np.ndarray, deltas: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Costs of ``K`` copies in which only row ``rows[k]`` of ``Z{layer}`` moves, by ``deltas[k]``.

        ``rows`` (K,) ints, ``deltas`` (K, m). An element-wise activation then moves only one
        row of ``A{layer}``, so ``Z{layer+1}`` moves by a rank-one term: no matmul at ``layer + 1``.
        """
        K = rows.shape[0]
        n, m = self.Z[layer].shape
        Zrows = self.Z[layer][rows] + deltas
        act = self.acts[layer - 1]
        crossed = np.zeros(K, dtype=bool)
        if act in _KINKED:
            crossed = ((Zrows > 0.0) != (self.Z[layer][rows] > 0.0)).any(axis=1)
        if act.output_only:  # softmax couples the units of a column: recompute all of them
            Z = np.tile(self.Z[layer], (1, K))
            Z.reshape(n, K, m)[rows, np.arange(K)] = Zrows
            return self.costs_from(layer, Z, K)
        Arows = act.apply_(Zrows)
        if layer == self.L:
            A = np.tile(self.A[layer], (1, K))
            A.reshape(n, K, m)[rows, np.arange(K)] = Arows
            return self.block_costs(A, K), crossed
        Arows -= self.A[layer][rows]  # the change of row rows[k] of A{layer}, (K, m)
        W_next = self.W[layer + 1]
        Z = W_next[:, rows][:, :, None] * Arows[None, :, :]  # (n_{l+1}, K, m)
        Z += self.Z[layer + 1][:, None, :]
        J, crossed_above = self.costs_from(layer + 1, Z.reshape(W_next.shape[0], K * m), K)
        return J, crossed | crossed_above


# --------------------------------------------------------------------------------------------
# Progress on stderr, only for checks that take a while
# --------------------------------------------------------------------------------------------
class _Progress:
    """Counts done units; shows a bar on stderr once the estimated total exceeds a few seconds."""

    def __init__(self, total: int, label: str, enabled: Optional[bool]) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.done = 0
        self.start = time.perf_counter()
        self.bar = None
        self.last = 0.0
        self.shown = False

    def update(self, n: int) -> None:
        self.done += n
        if self.enabled is False or self.total == 0:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if not self.shown:
            estimate = elapsed * self.total / max(self.done, 1)
            if not (self.enabled or estimate > PROGRESS_AFTER):
                return
            self.shown = True
            try:
                from tqdm import tqdm  # optional
                self.bar = tqdm(total=self.total, initial=self.done, desc=self.label, file=sys.stderr, leave=False)
                return
            except ImportError:
                pass
        if self.bar is not None:
            self.bar.update(n)
        elif now - self.last > 0.25 or self.done >= self.total:
            self.last = now
            left = elapsed * (self.total - self.done) / max(self.done, 1)
            sys.stderr.write(f"\r{self.label}: {self.done}/{self.total} ({100 * self.done // self.total}%), "
                             f"about {left:.0f} s left ")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GradcheckReport:
    """What :func:`gradcheck` found. ``str(report)`` is a table, one line per key; it never prints.

    Attributes
    ----------
    ok : bool
        Every key's relative error is below ``tol`` (kink-adjacent entries are not judged).
    errors : dict of str to float
        Per key, ``||g - n|| / (||g|| + ||n||)`` over the checked entries (``"directional"``:
        over the key's directional derivatives ``<g, v>`` and their central differences).
    max_rel_error : float
        The largest of ``errors``.
    worst_key : str
        The key with that error.
    worst_index : tuple of int
        In ``worst_key``, the entry with the largest ``|g - n|`` (``"directional"``: the
        direction number).
    worst_analytic, worst_numerical : float
        ``g`` and ``n`` at that entry.
    tol : float
        The tolerance used (for float32, ``max(tol, FLOAT32_TOL)``).
    eps : float
    precision : str
        The params' dtype, ``"float64"`` or ``"float32"`` (the numerical side is always float64).
    mode : str
    n_checked : dict of str to int
        Entries (or directions) judged per key.
    kinks : dict of str to list of tuple
        Per key, the kink-adjacent entries (or directions) left out; empty lists if none.
    worst_entries : dict of str to (tuple, float, float)
        Per key, ``(index, analytic, numerical)`` of its largest ``|g - n|``.
    numerical : dict of str to ndarray
        Full and sample modes: the numerical gradient, float64, ``nan`` where not checked.
        Directional mode: per key, the ``k`` central differences.
    cost : float
        ``J`` at ``params``, float64.
    """

    ok: bool
    errors: Dict[str, float]
    max_rel_error: float
    worst_key: str
    worst_index: Tuple[int, ...]
    worst_analytic: float
    worst_numerical: float
    tol: float
    eps: float
    precision: str
    mode: str
    n_checked: Dict[str, int]
    kinks: Dict[str, List[Tuple[int, ...]]]
    worst_entries: Dict[str, Tuple[Tuple[int, ...], float, float]]
    numerical: Dict[str, np.ndarray] = field(repr=False)
    cost: float = float("nan")
    shapes: Dict[str, Tuple[int, ...]] = field(default_factory=dict, repr=False)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        lines = [
            f"gradcheck {verdict}: {self.mode} mode, {self.precision} params (numerical side float64), "
            f"eps={self.eps:g}, tol={self.tol:g}; max relative error {self.max_rel_error:.3g} in {self.worst_key}",
        ]
        entry = "direction" if self.mode == "directional" else "worst entry"
        head = f"{'key':<6} {'shape':<12} {'checked':>7}  {'rel. error':>10}  {entry:<12} {'analytic':>13} {'numerical':>13}  verdict"
        lines += [head, "-" * len(head)]
        for key, err in self.errors.items():
            index, g, n = self.worst_entries[key]
            where = "[" + ", ".join(map(str, index)) + "]" if index else "-"
            ok = err < self.tol
            note = "" if ok else "  <-- wrong"
            kinks = len(self.kinks.get(key, ()))
            if kinks:
                note += f"  ({kinks} kink-adjacent, not judged)"
            lines.append(
                f"{key:<6} {_shape(self.shapes.get(key, ())):<12} {self.n_checked[key]:>7}  {err:>10.3g}  "
                f"{where:<12} {g:>13.6g} {n:>13.6g}  {'PASS' if ok else 'FAIL'}{note}"
            )
        lines.append(f"relative error = ||g - n|| / (||g|| + ||n||) per key; below {self.tol:g} passes.")
        if any(self.kinks.values()):
            lines.append("kink-adjacent: the +-eps perturbation moved a relu/leaky_relu pre-activation across 0, "
                         "where the cost has no derivative; those entries are listed in report.kinks.")
        return "\n".join(lines)


def _judge(analytic: Dict[str, np.ndarray], numerical: Dict[str, np.ndarray],
           checked: Dict[str, np.ndarray]) -> Tuple[Dict[str, float], Dict[str, tuple]]:
    """Per key: the relative error over ``checked`` entries and the entry with the largest |g - n|."""
    errors, worst = {}, {}
    for key, n in numerical.items():
        mask = checked[key]
        g = analytic[key].astype(np.float64)[mask]
        nv = n[mask]
        with np.errstate(invalid="ignore", over="ignore"):  # a user's grads may hold inf or nan
            diff = np.abs(g - nv)
            denom = np.linalg.norm(g) + np.linalg.norm(nv)
            num = np.linalg.norm(diff)
            if not np.isfinite(num):
                err = float("inf")
            else:
                err = 0.0 if denom == 0.0 else float(num / denom)
        if g.size == 0:
            worst[key] = ((), float("nan"), float("nan"))
        else:
            k = int(np.argmax(np.where(np.isnan(diff), np.inf, diff)))
            where = np.argwhere(mask)[k] if mask.ndim else ()
            worst[key] = (tuple(int(i) for i in where), float(g[k]), float(nv[k]))
        errors[key] = err
    return errors, worst


# --------------------------------------------------------------------------------------------
# gradcheck
# --------------------------------------------------------------------------------------------
def _entry_costs(net: _Network, key: str, flat: np.ndarray, eps: float, progress: _Progress) -> Tuple[np.ndarray, np.ndarray]:
    """Central differences and kink flags for the entries ``flat`` of ``key``, in batches."""
    layer = int(key[1:])
    shape = net.W[layer].shape if key[0] == "W" else net.b[layer].shape
    m = net.m
    rows, cols = np.unravel_index(flat, shape)
    source = net.A[layer - 1] if key[0] == "W" else np.ones((1, m))
    cols = cols if key[0] == "W" else np.zeros_like(cols)
    per_copy = 8 * m * (2 * net.widest_from(layer) + 2)
    batch = max(1, _BATCH_BYTES // (2 * per_copy))
    out = np.empty(flat.size)
    crossed = np.empty(flat.size, dtype=bool)
    for start in range(0, flat.size, batch):
        r, c = rows[start:start + batch], cols[start:start + batch]
        step = eps * source[c]  # (K, m): the change of row r of Z{layer}
        J, cross = net.costs_rows(layer, np.concatenate([r, r]), np.concatenate([step, -step]))
        K = r.size
        out[start:start + K] = (J[:K] - J[K:]) / (2.0 * eps)
        crossed[start:start + K] = cross[:K] | cross[K:]
        progress.update(K)
    return out, crossed


def _directional(net: _Network, key: str, analytic: np.ndarray, eps: float, k: int,
                 rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``k`` random unit directions ``v`` in ``key``: ``<g, v>``, central differences, kink flags."""
    layer = int(key[1:])
    V = rng.standard_normal((k,) + analytic.shape)
    V /= np.linalg.norm(V.reshape(k, -1), axis=1).reshape((k,) + (1,) * analytic.ndim)
    m = net.m
    if key[0] == "W":
        dZ = np.matmul(V, net.A[layer - 1])  # (k, n_l, m): the change of Z{layer} per direction
    else:
        dZ = np.broadcast_to(V, (k, V.shape[1], m))
    dZ = eps * np.concatenate([dZ, -dZ])  # (2k, n_l, m)
    Z = dZ.transpose(1, 0, 2) + net.Z[layer][:, None, :]
    J, cross = net.costs_from(layer, Z.reshape(Z.shape[0], 2 * k * m), 2 * k)
    numerical = (J[:k] - J[k:]) / (2.0 * eps)
    slopes = V.reshape(k, -1) @ analytic.astype(np.float64).reshape(-1)
    return slopes, numerical, cross[:k] | cross[k:]


def gradcheck(params: Mapping[str, np.ndarray], X, Y, activations: Sequence[Union[str, Activation]],
              loss: Union[str, Loss], grads: Optional[Mapping[str, np.ndarray]] = None, *,
              eps: float = 1e-6, tol: float = 1e-7, mode: str = "full", n: int = 16, k: int = 8,
              seed: int = 0, progress: Optional[bool] = None) -> GradcheckReport:
    """Compare analytic gradients with float64 central differences, key by key.

    Parameters
    ----------
    params : dict
        ``W1..WL`` of shape ``(n_l, n_{l-1})``, ``b1..bL`` of shape ``(n_l, 1)``, float32 or
        float64. Never modified.
    X : array_like, shape (n0, m)
    Y : array_like, shape (n_L, m)
    activations : sequence of str or Activation, length L
    loss : {"mse", "bce", "cce"}
    grads : dict, optional
        The analytic gradients to check, mirroring ``params`` key for key and shape for shape
        (e.g. from your own backward). Default: :func:`fnnet.backward`'s.
    eps : float
        The central-difference step.
    tol : float
        A key passes when its relative error is below ``tol``. For float32 params the
        tolerance used is ``max(tol, FLOAT32_TOL)`` (``1e-4``).
    mode : {"full", "sample", "directional"}
        ``"full"``: every entry. ``"sample"``: ``n`` random entries per key (all if fewer).
        ``"directional"``: ``k`` random unit directions ``v`` per key, comparing
        ``(J(p + eps v) - J(p - eps v)) / (2 eps)`` with ``<g, v>``: one cost pair per
        direction, whatever the size of the key.
    n, k : int
        Entries per key (``"sample"``), directions per key (``"directional"``).
    seed : int
        Seeds the choice of entries and directions.
    progress : bool, optional
        Show progress on stderr: ``None`` (default) only when the check is estimated to take
        longer than ``PROGRESS_AFTER`` seconds, ``True`` always, ``False`` never.

    Returns
    -------
    GradcheckReport
        ``ok``, ``errors`` per key, ``max_rel_error``, ``worst_key``, ``worst_index``,
        ``worst_analytic``, ``worst_numerical`` and more; ``str(report)`` is a table.
        Nothing is printed.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = fnnet.init_params([3, 5, 2], seed=0)
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((3, 8)), np.eye(2)[:, rng.integers(0, 2, 8)]
    >>> report = fnnet.gradcheck(params, X, Y, ["tanh", "softmax"], "cce")
    >>> report.ok, report.max_rel_error < 1e-7
    (True, True)
    """
    L, dtype = check_params(params)
    loss = get_loss(loss)
    eps = _positive(eps, "eps")
    tol = _positive(tol, "tol")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid modes are {', '.join(map(repr, MODES))}")
    n, k = _count(n, "n"), _count(k, "k")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be None, True or False, got {type(progress).__name__}")
    AL, cache = forward(params, X, activations)  # validates X and activations
    if grads is None:
        grads = backward(params, cache, Y, loss)
    else:
        check_like(params, grads, "grads")
        check_targets(Y, AL.shape, dtype, loss)
    acts = resolve_activations(activations, L)
    X64 = as_matrix(X, "X", np.dtype(np.float64))
    Y64 = check_targets(Y, AL.shape, np.dtype(np.float64), loss)
    net = _Network(params, X64, Y64, acts, loss)
    if dtype == np.float32:
        tol = max(tol, FLOAT32_TOL)
    rng = np.random.default_rng(seed)

    numerical: Dict[str, np.ndarray] = {}
    checked: Dict[str, np.ndarray] = {}
    kinks: Dict[str, List[Tuple[int, ...]]] = {}
    if mode == "directional":
        analytic: Dict[str, np.ndarray] = {}
        for key in params:
            slopes, numerical[key], cross = _directional(net, key, grads[key], eps, k, rng)
            analytic[key] = slopes
            checked[key] = ~cross
            kinks[key] = [(int(i),) for i in np.flatnonzero(cross)]
    else:
        analytic = grads
        chosen = {}
        for key, p in params.items():
            size = p.size
            chosen[key] = (np.arange(size) if mode == "full" or n >= size
                           else np.sort(rng.choice(size, n, replace=False)))
        bar = _Progress(sum(c.size for c in chosen.values()), f"gradcheck {mode}", progress)
        try:
            for key, flat in chosen.items():
                shape = params[key].shape
                values, cross = _entry_costs(net, key, flat, eps, bar)
                num = np.full(shape, np.nan)
                num.reshape(-1)[flat] = values
                mask = np.zeros(shape, dtype=bool)
                mask.reshape(-1)[flat[~cross]] = True
                numerical[key], checked[key] = num, mask
                kinks[key] = [_index(shape, i) for i in flat[cross]]
        finally:
            bar.close()

    errors, worst_entries = _judge(analytic, numerical, checked)
    worst_key = max(errors, key=lambda key: (np.nan_to_num(errors[key], nan=np.inf), -list(errors).index(key)))
    index, g, num = worst_entries[worst_key]
    return GradcheckReport(
        ok=all(err < tol for err in errors.values()),
        errors=errors,
        max_rel_error=errors[worst_key],
        worst_key=worst_key,
        worst_index=index,
        worst_analytic=g,
        worst_numerical=num,
        tol=tol,
        eps=eps,
        precision=str(dtype),
        mode=mode,
        n_checked={key: int(mask.sum()) for key, mask in checked.items()},
        kinks=kinks,
        worst_entries=worst_entries,
        numerical=numerical,
        cost=float(net.cost),
        shapes={key: tuple(p.shape) for key, p in params.items()},
    )
