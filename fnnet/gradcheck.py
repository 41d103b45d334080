"""Gradient checking: compare analytic gradients with central differences, key by key.

For every parameter entry ``p`` the numerical gradient is the central difference

    n = (J(p + eps) - J(p - eps)) / (2 eps)

of the cost ``J = fnnet.cost(forward(params, X), Y, loss)``, evaluated in float64 (float32
params are cast up first). Each key of the grads dict is judged on its own by the relative
error of the deep-learning course,

    error[key] = ||g - n|| / (||g|| + ||n||)

because one norm over every key lets a wrong small ``b1`` hide behind a large ``W1``. (A key
whose gradient is zero, e.g. behind dead ReLUs, would turn the ``eps**2`` truncation error
of a zero into a 100% error, so the denominator is at least ``ZERO_GRAD * max(1, |J|)``,
``1e-4``: only a discrepancy below ``1e-11`` in absolute terms can hide under it.)

What the numbers mean (float64, ``eps = 1e-6``):

* ``< 1e-7`` passes. A correct backward typically scores ``1e-10`` or below: the
  numerical side here is accurate to about ``eps**2`` (see "Exactness" below).
* ``1e-7 .. 1e-3``: not a typo-sized bug, but not right either: a small term forgotten, a
  saturated or clipped output, float32 round-off.
* ``> 1e-3``: a real mistake. A wrong factor ``c`` gives ``|c - 1| / (c + 1)``: a missing
  ``1/m`` with ``m = 32`` gives 0.94, a doubled gradient 1/3, a sign flip exactly 1.

float32 params: the numerical side is still float64, but the analytic gradients carry
float32 round-off (about ``1e-7`` per operation, more through ``1 - a`` near saturation), so
the tolerance used is ``max(tol, FLOAT32_TOL)``, ``1e-3``; the report states both.

ReLU kinks: ``relu`` and ``leaky_relu`` are not differentiable at 0. An entry whose
perturbation moves any pre-activation of a ``relu``/``leaky_relu`` layer across 0 (in its own
layer or any layer above) is *kink-adjacent*: its central difference straddles the kink and
says nothing about the backward. Such entries are detected exactly (the perturbed ``Z`` is
computed anyway), listed in ``report.kinks`` and left out of the errors instead of failing.

Exactness: the perturbed network is carried as changes, ``dZ{l+1} = W{l+1} @ dA{l}`` and
``dA = g(Z + dZ) - g(Z)`` in cancellation-free forms (``sinh(d) sech(z) sech(z + d)`` for
tanh, ``log1p(d / a)`` for the log losses, ...), so ``J(p + eps) - J(p)`` is accurate to
round-off relative to itself rather than to ``J``: the ``1e-16 |J| / eps`` round-off of
plain central differences is gone, and only the ``eps**2`` truncation remains. Custom
activations and losses fall back to plain differences ``g(Z + dZ) - g(Z)``.

Speed: perturbing ``W{l}[i, j]`` by ``eps`` changes only row ``i`` of ``Z{l}``, by
``eps * A{l-1}[j, :]``; layers below ``l`` are unchanged. So ``"full"`` mode starts every
perturbation at its own layer, stacks many perturbed copies side by side as an
``(n, K, m)`` array and runs the layers above in one matmul each.
"""

from __future__ import annotations

import numbers
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._validation import format_shape, check_count, check_like, check_params, check_positive
from .activations import Activation, resolve_activations
from .losses import Loss, check_targets, get_loss
from .network import backward, forward

__all__ = ["numerical_grads", "gradcheck", "GradcheckReport"]

#: The checker's modes.
MODES = ("full", "sample", "directional")
#: Smallest tolerance used for float32 params (their analytic grads carry float32 round-off).
FLOAT32_TOL = 1e-3
#: Gradient norms below ``ZERO_GRAD * max(1, |J|)`` count as zero: a key's error is
#: ``||g - n|| / max(||g|| + ||n||, ZERO_GRAD * max(1, |J|))``.
ZERO_GRAD = 1e-4
#: Tolerance for kink-adjacent entries, judged against one-sided slopes (first-order accurate).
KINK_TOL = 1e-3
#: Show progress on stderr when a check is estimated to take longer than this (seconds).
PROGRESS_AFTER = 3.0
# Working memory of one batch of perturbed copies (well under 256 MB; small batches stay in cache).
_BATCH_BYTES = 4 * 2**20
# Activations with a kink at 0: central differences across it are meaningless.
_EPS64 = float(np.finfo(np.float64).eps)


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
    eps = check_positive(eps, "eps")
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
class _Network:
    """The float64 network at the base point, and the cost changes of batches of perturbations.

    A perturbation is carried as the change of every layer's ``Z`` and ``A`` rather than their
    new values: ``dZ{l+1} = W{l+1} @ dA{l}`` (the bias cancels), ``dA{l} = g(Z + dZ) - g(Z)``
    by the cancellation-free formulas above, and the change of the cost likewise. So
    ``J(p + eps e) - J(p)`` is accurate to round-off relative to itself, not to ``J``, and
    central differences stay exact even where gradients are tiny. A batch of ``K`` copies of
    a layer's ``(n, m)`` change is one ``(n, K, m)`` array: ``(n, K * m)`` for the matmul,
    and softmax over axis 0 is per example.
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
            self.A.append(acts[layer - 1].function(Z))
        self.cost = float(loss.cost(self.A[-1], Y))
        self.residual = self.A[-1] - Y

    def widest_from(self, layer: int) -> int:
        return max(self.W[l].shape[0] for l in range(layer, self.L + 1))

    def _change(self, layer: int, z: np.ndarray, a: np.ndarray, d: np.ndarray):
        """``g(z + d) - g(z)`` at ``layer`` and, for kinked activations, where ``z + d`` crossed 0."""
        act = self.acts[layer - 1]
        crossed = act.crosses_kink(z, z + d) if act.kinks else None
        return act.change(z, a, d), crossed

    def cost_changes(self, dA: np.ndarray) -> np.ndarray:
        """``J(A_L + dA[:, k, :]) - J(A_L)`` for each copy ``k``; ``dA`` is (n_L, K, m)."""
        return self.loss.change(self.A[self.L], self.Y, dA)

    def costs_from(self, layer: int, dZ: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Cost changes of ``K`` copies whose ``Z{layer}`` moves by ``dZ`` (n_l, K, m).

        Returns the changes (K,) and whether each copy moved a kinked pre-activation across
        0, (K,) bool.
        """
        K, m = dZ.shape[1], self.m
        crossed = np.zeros(K, dtype=bool)
        while True:
            dA, cross = self._change(layer, self.Z[layer][:, None, :], self.A[layer][:, None, :], dZ)
            if cross is not None:
                crossed |= cross.any(axis=(0, 2))
            if layer == self.L:
                return self.cost_changes(dA), crossed
            layer += 1
            W = self.W[layer]
            dZ = (W @ dA.reshape(dA.shape[0], K * m)).reshape(W.shape[0], K, m)

    def costs_along(self, dW: Sequence[np.ndarray], db: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        """Cost changes of ``K`` copies in which every ``W{l}`` and ``b{l}`` moves at once.

        ``dW[l - 1]`` is (K, n_l, n_{l-1}) and ``db[l - 1]`` (K, n_l, 1). Layer by layer,
        ``dZ{l} = W{l} @ dA{l-1} + dW{l} @ (A{l-1} + dA{l-1}) + db{l}``: the exact change of
        ``Z{l}``, with nothing subtracted from a nearly equal number.
        """
        K, m = dW[0].shape[0], self.m
        crossed = np.zeros(K, dtype=bool)
        dA = None  # the input does not move
        for layer in range(1, self.L + 1):
            A_prev = self.A[layer - 1][None]  # (1, n_{l-1}, m)
            if dA is None:
                dZ = np.matmul(dW[layer - 1], A_prev)  # (K, n_l, m)
            else:
                moved = A_prev + dA.transpose(1, 0, 2)  # (K, n_{l-1}, m)
                dZ = np.matmul(dW[layer - 1], moved)
                W = self.W[layer]
                dZ += (W @ dA.reshape(dA.shape[0], K * m)).reshape(W.shape[0], K, m).transpose(1, 0, 2)
            dZ += db[layer - 1]
            dA, cross = self._change(layer, self.Z[layer][:, None, :], self.A[layer][:, None, :],
                                     np.ascontiguousarray(dZ.transpose(1, 0, 2)))
            if cross is not None:
                crossed |= cross.any(axis=(0, 2))
        return self.cost_changes(dA), crossed

    def costs_rows(self, layer: int, rows: np.ndarray, dZrows: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Cost changes of ``K`` copies in which only row ``rows[k]`` of ``Z{layer}`` moves, by ``dZrows[k]``.

        ``rows`` (K,) ints, ``dZrows`` (K, m). An element-wise activation then moves only
        that row of ``A{layer}``, so ``dZ{layer+1}`` is a rank-one term: no matmul.
        """
        K = rows.shape[0]
        n, m = self.Z[layer].shape
        act = self.acts[layer - 1]
        if act.output_only:  # softmax couples the units of a column
            dZ = np.zeros((n, K, m))
            dZ[rows, np.arange(K)] = dZrows
            return self.costs_from(layer, dZ)
        dArows, cross = self._change(layer, self.Z[layer][rows], self.A[layer][rows], dZrows)
        crossed = cross.any(axis=1) if cross is not None else np.zeros(K, dtype=bool)
        if layer == self.L:
            dA = np.zeros((n, K, m))
            dA[rows, np.arange(K)] = dArows
            return self.cost_changes(dA), crossed
        dZ = self.W[layer + 1][:, rows][:, :, None] * dArows[None, :, :]  # (n_{l+1}, K, m)
        J, crossed_above = self.costs_from(layer + 1, dZ)
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
        Every key passes: its relative error is below ``tol`` and its kink-adjacent entries
        (if any) lie within their one-sided slopes (``kink_errors`` below ``kink_tol``).
    failed_keys : list of str
        The keys that do not pass, in params order.
    errors : dict of str to float
        Per key, ``||g - n|| / (||g|| + ||n||)`` over the entries clear of kinks
        (``"directional"``: one entry, ``"all"``, over the ``k`` directional derivatives
        ``<g, v>`` of the whole network and their central differences); the denominator is at
        least ``ZERO_GRAD * max(1, |J|)``.
    max_rel_error : float
        The worst key's error (its ``kink_errors`` value if that is larger).
    worst_key : str
        The key that fails worst: the largest ``errors / tol`` or ``kink_errors / kink_tol``.
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
        Entries (or directions) clear of kinks, judged by ``errors``, per key.
    kinks : dict of str to list of tuple
        Per key, the kink-adjacent entries (or directions); empty lists if none.
    kink_errors : dict of str to float
        Per key, how far its kink-adjacent analytic values lie outside the interval of the
        two one-sided slopes ``(J(p+eps) - J(p)) / eps`` and ``(J(p) - J(p-eps)) / eps``,
        relative to their size; 0 when none.
    kink_tol : float
        ``max(tol, KINK_TOL)``: one-sided slopes are only first-order accurate.
    worst_entries : dict of str to (tuple, float, float)
        Per key, ``(index, analytic, numerical)`` of its largest ``|g - n|``.
    numerical : dict of str to ndarray
        Full and sample modes: the central differences, float64, params' shapes, ``nan``
        where not checked. Directional mode: the single key ``"all"``, shape ``(k,)``, the
        ``k`` central differences along the random directions.
    cost : float
        ``J`` at ``params``, float64.
    """

    ok: bool
    failed_keys: List[str]
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
    kink_errors: Dict[str, float]
    kink_tol: float
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
        head = (f"{'key':<6} {'shape':<12} {'checked':>7}  {'rel. error':>10}  {entry:<12} "
                f"{'analytic':>13} {'numerical':>13}  verdict")
        lines += [head, "-" * len(head)]
        for key, err in self.errors.items():
            index, g, n = self.worst_entries[key]
            where = "[" + ", ".join(map(str, index)) + "]" if index else "-"
            failed = key in self.failed_keys
            note = "  <-- wrong" if failed else ""
            kinks = len(self.kinks.get(key, ()))
            if kinks:
                kink_ok = self.kink_errors[key] < self.kink_tol
                note += (f"  ({kinks} kink-adjacent: " +
                         ("within one-sided slopes)" if kink_ok else
                          f"outside one-sided slopes by {self.kink_errors[key]:.3g})"))
            lines.append(
                f"{key:<6} {format_shape(self.shapes.get(key, ())):<12} {self.n_checked[key]:>7}  {err:>10.3g}  "
                f"{where:<12} {g:>13.6g} {n:>13.6g}  {'FAIL' if failed else 'PASS'}{note}"
            )
        lines.append(f"relative error = ||g - n|| / (||g|| + ||n||) per key; below {self.tol:g} passes.")
        if any(self.kinks.values()):
            lines.append(
                "kink-adjacent: the +-eps step moved a relu/leaky_relu pre-activation across 0, where the cost "
                "has no derivative; such entries (report.kinks) are not in the relative error but must lie "
                f"between the two one-sided slopes (to {self.kink_tol:g})."
            )
        return "\n".join(lines)


def _entry_index(shape: Tuple[int, ...], flat: np.ndarray) -> Callable[[int], Tuple[int, ...]]:
    return lambda i: _index(shape, int(flat[i]))


def _direction_index(i: int) -> Tuple[int, ...]:
    return (int(i),)


def _relative_error(g: np.ndarray, n: np.ndarray, floor: float, index: Callable, where: np.ndarray):
    """``||g - n|| / max(||g|| + ||n||, floor)`` and ``(index, g, n)`` of the largest ``|g - n|``.

    ``floor`` keeps a key whose gradient is zero (dead ReLUs) from turning the ``eps**2``
    truncation error of a zero into a 100% error.
    """
    if g.size == 0:
        return 0.0, ((), float("nan"), float("nan"))
    with np.errstate(invalid="ignore", over="ignore"):  # a user's grads may hold inf or nan
        diff = np.abs(g - n)
        num = float(np.linalg.norm(diff))
        denom = float(np.linalg.norm(g) + np.linalg.norm(n))
    err = num / max(denom, floor) if np.isfinite(num) else float("inf")
    worst = int(np.argmax(np.where(np.isnan(diff), np.inf, diff)))
    return err, (index(where[worst]), float(g[worst]), float(n[worst]))


def _kink_error(g: np.ndarray, up: np.ndarray, down: np.ndarray, floor: float) -> Tuple[float, int]:
    """How far kink-adjacent analytic values lie outside their one-sided slopes, relatively.

    Across a kink the derivative jumps; a correct backward gives one of the one-sided
    derivatives (or a value between them), so ``g`` must lie in ``[min(up, down),
    max(up, down)]``; the error is the largest excess over ``|g| + |up| + |down|``, returned
    with its position.
    """
    if g.size == 0:
        return 0.0, -1
    lo, hi = np.minimum(up, down), np.maximum(up, down)
    with np.errstate(invalid="ignore", over="ignore"):
        excess = np.maximum(np.maximum(lo - g, g - hi), 0.0)
        scale = np.maximum(np.abs(g) + np.abs(lo) + np.abs(hi), floor)
        ratio = np.where(np.isnan(g), np.inf, excess / scale)
    worst = int(np.argmax(ratio))
    return float(ratio[worst]), worst


# --------------------------------------------------------------------------------------------
# gradcheck
# --------------------------------------------------------------------------------------------
def _entry_slopes(net: _Network, key: str, flat: np.ndarray, eps: float,
                  progress: _Progress) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the entries ``flat`` of ``key``, in batches: the one-sided slopes
    ``(J(p + eps) - J(p)) / eps`` and ``(J(p) - J(p - eps)) / eps`` (their mean is the central
    difference) and whether the perturbation crossed a kink."""
    layer = int(key[1:])
    shape = net.W[layer].shape if key[0] == "W" else net.b[layer].shape
    m = net.m
    rows, cols = np.unravel_index(flat, shape)
    source = net.A[layer - 1] if key[0] == "W" else np.ones((1, m))
    cols = cols if key[0] == "W" else np.zeros_like(cols)
    per_copy = 8 * m * (2 * net.widest_from(layer) + 2)
    batch = max(1, _BATCH_BYTES // (2 * per_copy))
    up, down = np.empty(flat.size), np.empty(flat.size)
    crossed = np.empty(flat.size, dtype=bool)
    for start in range(0, flat.size, batch):
        r, c = rows[start:start + batch], cols[start:start + batch]
        step = eps * source[c]  # (K, m): the change of row r of Z{layer}
        J, cross = net.costs_rows(layer, np.concatenate([r, r]), np.concatenate([step, -step]))
        K = r.size
        up[start:start + K], down[start:start + K] = J[:K] / eps, J[K:] / -eps
        crossed[start:start + K] = cross[:K] | cross[K:]
        progress.update(K)
    return up, down, crossed


def _directional(net: _Network, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
                 eps: float, k: int, rng: np.random.Generator
                 ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``k`` random unit directions ``v`` over the whole network (all keys at once).

    Returns ``<g, v>`` (k,), the one-sided slopes ``(J(p + eps v) - J(p)) / eps`` and
    ``(J(p) - J(p - eps v)) / eps`` (k,) each, and kink flags (k,): one cost pair per direction.
    """
    keys = list(params)
    V = {key: rng.standard_normal((k,) + params[key].shape) for key in keys}
    norm = np.sqrt(sum((v.reshape(k, -1) ** 2).sum(axis=1) for v in V.values()))  # (k,)
    for key in keys:
        V[key] /= norm.reshape((k,) + (1,) * params[key].ndim)
    slopes = sum(V[key].reshape(k, -1) @ grads[key].astype(np.float64).reshape(-1) for key in keys)
    # one batch of 2k copies (+eps v, -eps v) per chunk, within the working-memory budget
    per_copy = 8 * (sum(p.size for p in params.values()) + 3 * net.m * sum(net.W[l].shape[0] for l in range(1, net.L + 1)))
    chunk = max(1, min(k, _BATCH_BYTES // (2 * per_copy)))
    J = np.empty(2 * k)
    crossed = np.zeros(k, dtype=bool)
    for i in range(0, k, chunk):
        j = min(i + chunk, k)
        dW = [eps * np.concatenate([V[f"W{l}"][i:j], -V[f"W{l}"][i:j]]) for l in range(1, net.L + 1)]
        db = [eps * np.concatenate([V[f"b{l}"][i:j], -V[f"b{l}"][i:j]]) for l in range(1, net.L + 1)]
        changes, cross = net.costs_along(dW, db)
        J[i:j], J[k + i:k + j] = changes[:j - i], changes[j - i:]
        crossed[i:j] = cross[:j - i] | cross[j - i:]
    return slopes, J[:k] / eps, J[k:] / -eps, crossed


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
        tolerance used is ``max(tol, FLOAT32_TOL)`` (``1e-3``).
    mode : {"full", "sample", "directional"}
        ``"full"``: every entry. ``"sample"``: ``n`` random entries per key (all if fewer).
        ``"directional"``: ``k`` random unit directions ``v`` over the whole network (every
        key at once), comparing ``(J(p + eps v) - J(p - eps v)) / (2 eps)`` with
        ``<grads, v>``: one cost pair per direction, whatever the size of the network. Its
        verdict is for the network as a whole (the report's single key ``"all"``); run
        ``"sample"`` or ``"full"`` to find which key is wrong.
    n, k : int
        Entries per key (``"sample"``), directions over the network (``"directional"``).
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
    eps = check_positive(eps, "eps")
    tol = check_positive(tol, "tol")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid modes are {', '.join(map(repr, MODES))}")
    n, k = check_count(n, "n"), check_count(k, "k")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be None, True or False, got {type(progress).__name__}")
    AL, cache = forward(params, X, activations)  # validates X and activations
    if grads is None:
        grads = backward(params, cache, Y, loss)
    else:
        check_like(params, grads, "grads")
        check_targets(Y, AL.shape, dtype, loss)
    acts = resolve_activations(activations, L)
    X64 = cache["A0"].astype(np.float64)  # validated once, by forward: the X the analytic side saw
    Y64 = check_targets(Y, AL.shape, np.dtype(np.float64), loss)
    net = _Network(params, X64, Y64, acts, loss)
    if dtype == np.float32:
        tol = max(tol, FLOAT32_TOL)
    rng = np.random.default_rng(seed)

    # per key, over its checked items (entries, or directions): analytic g, one-sided slopes, kinks
    items: Dict[str, Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Callable]] = {}
    numerical: Dict[str, np.ndarray] = {}
    if mode == "directional":  # one verdict for the whole network, under the key "all"
        items["all"] = _directional(net, params, grads, eps, k, rng) + (_direction_index,)
        numerical["all"] = 0.5 * (items["all"][1] + items["all"][2])
    else:
        chosen = {key: (np.arange(p.size) if mode == "full" or n >= p.size
                        else np.sort(rng.choice(p.size, n, replace=False))) for key, p in params.items()}
        bar = _Progress(sum(c.size for c in chosen.values()), f"gradcheck {mode}", progress)
        try:
            for key, flat in chosen.items():
                shape = params[key].shape
                up, down, cross = _entry_slopes(net, key, flat, eps, bar)
                g = grads[key].reshape(-1)[flat].astype(np.float64)
                items[key] = (g, up, down, cross, _entry_index(shape, flat))
                numerical[key] = np.full(shape, np.nan)
                numerical[key].reshape(-1)[flat] = 0.5 * (up + down)
        finally:
            bar.close()

    floor = ZERO_GRAD * max(1.0, abs(net.cost))
    kink_tol = max(tol, KINK_TOL)
    errors, kink_errors, worst_entries, kinks, severity = {}, {}, {}, {}, {}
    for key, (g, up, down, cross, index) in items.items():
        central = 0.5 * (up + down)
        errors[key], worst_entries[key] = _relative_error(g[~cross], central[~cross], floor, index,
                                                          np.flatnonzero(~cross))
        where = np.flatnonzero(cross)
        kink_errors[key], i = _kink_error(g[where], up[where], down[where], floor)
        kinks[key] = [index(j) for j in where]
        severity[key] = max(errors[key] / tol, kink_errors[key] / kink_tol)
        if where.size and (not worst_entries[key][0] or kink_errors[key] / kink_tol > errors[key] / tol):
            worst_entries[key] = (index(where[i]), float(g[where[i]]), float(central[where[i]]))
    failed = [key for key in items if not (errors[key] < tol and kink_errors[key] < kink_tol)]
    worst_key = max(severity, key=lambda key: (np.nan_to_num(severity[key], nan=np.inf), -list(severity).index(key)))
    index, g, num = worst_entries[worst_key]
    return GradcheckReport(
        ok=not failed,
        failed_keys=failed,
        errors=errors,
        max_rel_error=max(errors[worst_key], kink_errors[worst_key]),
        worst_key=worst_key,
        worst_index=index,
        worst_analytic=g,
        worst_numerical=num,
        tol=tol,
        eps=eps,
        precision=str(dtype),
        mode=mode,
        n_checked={key: int((~item[3]).sum()) for key, item in items.items()},
        kinks=kinks,
        kink_errors=kink_errors,
        kink_tol=kink_tol,
        worst_entries=worst_entries,
        numerical=numerical,
        cost=float(net.cost),
        shapes=({"all": (sum(p.size for p in params.values()),)} if mode == "directional"
                else {key: tuple(p.shape) for key, p in params.items()}),
    )
