"""The numerical side of the gradient checks: one-sided slopes of the cost, entry by entry or
along directions, for any function (plain differences) or exactly for an fnnet network.

Both sides answer the same two questions, so :mod:`fnnet.checking` judges them with one
verdict: ``entry_slopes(key, flat, eps, progress)`` for the entries ``flat`` of one key, and
``direction_slopes(V, eps, progress)`` along directions ``V`` over every key at once. Each
returns ``(central, up, down, crossed)``: the central differences, the one-sided slopes
``(J(p + eps) - J(p)) / eps`` and ``(J(p) - J(p - eps)) / eps``, and whether the step crossed a
kink of an activation (then the central difference says nothing about the derivative).

:class:`FunctionSide` calls ``f`` twice per entry or direction, on a float64 copy of the
params. :class:`NetworkSide` carries each perturbation through the network as changes,
``dZ{l+1} = W{l+1} @ dA{l}`` and ``dA{l} = g(Z + dZ) - g(Z)``, by each activation's exact
``change`` and the loss's exact ``change`` (or, for a natural output pair, ``change_from_logits``),
so ``J(p + eps e) - J(p)`` is accurate to round-off relative to itself rather than to ``J``:
only the ``eps**2`` truncation remains. Everything it knows about an activation or a loss it
reads from their records: ``function``, ``change``, ``kinks``, ``output_only``, ``uses_logits``.

Dropout masks are held fixed (those of the cache): ``A{l} = g(Z{l}) * D{l}``, so
``dA{l} = change * D{l}``. The L2/L1 penalty on the weights adds its own exact change,
``l2 (w d + d^2 / 2) + l1 (|w + d| - |w|)``; ``|w|`` has a kink at 0, treated like an
activation's.
"""

from __future__ import annotations

import math
import numbers
import time
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from .activations import ACTIVATIONS, Activation
from .losses import Loss
from .regularization import penalty

# central, up, down, crossed (None: not known), round-off of the central difference; (K,) each
_BUILT_IN = tuple(ACTIVATIONS.values())
Slopes = Tuple[np.ndarray, np.ndarray, np.ndarray, Optional[np.ndarray], np.ndarray]
#: Relative round-off of one evaluation of a cost, in units of its precision (a sum of terms
#: rounds each partial sum; a few units for the costs of order-1 terms that networks have).
ROUNDOFF_UNITS = 4.0
#: Points ``f`` is evaluated at to measure its noise, and their spacing (relative to each entry).
NOISE_POINTS, NOISE_STEP = 8, 1e-9
#: The error of one value of ``f`` in units of its measured noise (a noise estimate is rough).
NOISE_UNITS = 3.0
#: The same for the exact changes of :class:`NetworkSide`, relative to the changes themselves.
CHANGE_ROUNDOFF_UNITS = 64.0
# Working memory of one batch of perturbed copies (small batches stay in cache).
BATCH_BYTES = 4 * 2**20


def entry_index(shape: Tuple[int, ...], flat: int) -> Tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(flat), shape))


class FunctionSide:
    """Central differences of any scalar ``f`` of a dict of arrays, two calls per entry.

    ``f`` is called on this object's float64 copy of ``params``; each entry is restored after
    its pair of calls (also when ``f`` raises), so ``params`` is never touched. An entry of a
    float32 array is moved to the float32 numbers nearest ``p +- eps``, so the step is exact
    even where ``f`` computes in float32. :meth:`start` checks ``f`` itself before any slope:
    that it gives the same value twice (else :class:`ValueError`), and whether it computes in
    float32 (``unit``, the precision of its values).
    """

    #: Entries of one key re-examined with more steps (each costs ``f`` six to sixteen calls).
    examine_cap = 256

    def __init__(self, f: Callable, params: Mapping[str, np.ndarray]) -> None:
        if not callable(f):
            raise TypeError(f"f must be a callable f(params) -> float, got {type(f).__name__}")
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
        self.f, self.work, self.calls, self.single = f, {}, 0, set()
        for key, value in params.items():
            if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
                what = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
                raise TypeError(f"params[{key!r}] must be a real numpy.ndarray, got {what}")
            self.work[key] = np.array(value, dtype=np.float64, order="C")  # our copy: f sees only this
            if value.dtype == np.float32:
                self.single.add(key)
        self.unit = float(np.finfo(np.float64).eps) / 2  # of f's values; float32's after start() if so
        self.float32_reason, self.noise = "", 0.0
        self.seconds = []  # of each call of f

    def value(self, where: Callable[[], str] = lambda: "at params (unperturbed)") -> float:
        """``f`` at the working copy, checked to be a finite real scalar; ``where()`` says where."""
        start = time.perf_counter()
        J = self.f(self.work)
        self.seconds.append(time.perf_counter() - start)
        self.calls += 1
        if isinstance(J, np.float32) and not self.float32_reason:
            self.float32_reason = "f returns a numpy.float32"
        if not isinstance(J, float):  # a Python float needs no further check
            if np.ndim(J) != 0 or not isinstance(np.asarray(J).item(), numbers.Real):
                raise TypeError(f"f must return a real scalar, got {type(J).__name__} {np.shape(J)}")
            J = float(J)
        if not math.isfinite(J):
            raise ValueError(f"f returned {J} {where()}")
        return float(J)

    def start(self) -> float:
        """``f`` at params, checked: ten calls (twice at params, once at a nearby point, and at
        ``NOISE_POINTS - 1`` points along a short line to measure its noise).

        Raises ``ValueError`` when the two calls at params differ (dropout masks drawn inside
        ``f``). Sets ``unit`` to float32's when ``f``'s values are float32 numbers (both the
        value at params and at the nearby point), or when ``f`` returns a ``numpy.float32``.
        """
        J = self.value()
        again = self.value(lambda: "at params, called a second time")
        if again != J:
            raise ValueError(
                f"f is not deterministic: f(params) returned {J!r}, then {again!r} for the same params. "
                "A gradient check needs the same f at every call: hold the dropout masks fixed (draw them "
                "once, outside f) and any other randomness too")
        near = self._nearby_value()
        with np.errstate(over="ignore"):  # beyond float32's range: not a float32 number
            single = all(float(np.float32(v)) == v for v in (J, near)) and near != J
        if single and not self.float32_reason:
            self.float32_reason = "f computes in float32 (its values are float32 numbers)"
        if self.float32_reason:
            self.unit = float(np.finfo(np.float32).eps) / 2
        self.cost = J
        self.noise = self._noise(J)
        return J

    def _noise(self, J: float) -> float:
        """The noise of ``f``'s values near params, measured (Moré and Wild's ECnoise): ``f`` at
        ``NOISE_POINTS`` points a tiny step apart along a fixed direction, whose high-order
        differences hold nothing of a smooth ``f`` but its noise; at least ``f``'s round-off.
        A learner's ``log(1 - AL)`` with ``AL`` near 1 is noisier than ``|J|`` says."""
        base = {key: arr.copy() for key, arr in self.work.items()}
        values = [J]
        try:
            for i in range(1, NOISE_POINTS):
                for key, arr in self.work.items():
                    flat, start = arr.reshape(-1), base[key].reshape(-1)
                    step = np.where(np.arange(flat.size) % 3 == 0, 1.0, -0.5) * np.maximum(np.abs(start), 1.0)
                    flat[...] = start + i * NOISE_STEP * step
                values.append(self.value(lambda: "at a point near params (measuring f's noise)"))
        finally:
            for key in self.work:
                self.work[key][...] = base[key]
        values = np.array(values)
        estimates = []
        for order in range(3, NOISE_POINTS):
            diffs = np.diff(values, n=order)
            gamma = math.factorial(order) ** 2 / math.factorial(2 * order)
            estimates.append(math.sqrt(gamma * float(np.mean(diffs ** 2))))
        return max(float(np.median(estimates)), self.unit * abs(J))

    def _nearby_value(self) -> float:
        """``f`` at params moved by a relative ``1e-3`` (and ``1e-3`` for zeros) in a fixed pattern."""
        base = {key: arr.copy() for key, arr in self.work.items()}
        try:
            for arr in self.work.values():
                flat = arr.reshape(-1)
                flat += 1e-3 * np.where(np.arange(flat.size) % 2 == 0, 1.0, -1.0) * np.maximum(np.abs(flat), 1.0)
            return self.value(lambda: "at a point near params (checking f's precision)")
        finally:
            for key in self.work:
                self.work[key][...] = base[key]

    def _moved(self, key: str, p: float, step: float) -> float:
        """``p + step`` (in float32 for a float32 array); at least one representable number away."""
        value = p + step
        if key in self.single:
            moved = np.float32(value)
            return float(moved if moved != p else np.nextafter(np.float32(p), np.float32(np.copysign(np.inf, step))))
        return value if value != p else float(np.nextafter(p, np.copysign(np.inf, step)))

    def pair(self, key: str, i: int, eps: float) -> Tuple[float, float, float, float]:
        """``(J_up, step_up, J_down, step_down)`` for entry ``i`` of ``key`` moved by ``+-eps``;
        the steps actually taken, after rounding."""
        flat = self.work[key].reshape(-1)
        p = flat[i]
        where = lambda: f"with params[{key!r}][{entry_index(self.work[key].shape, i)}] perturbed by +-{eps:g}"  # noqa: E731
        try:
            flat[i] = self._moved(key, p, eps)
            up, J_up = flat[i] - p, self.value(where)
            flat[i] = self._moved(key, p, -eps)
            down, J_down = flat[i] - p, self.value(where)
        finally:
            flat[i] = p
        return J_up, up, J_down, down

    def _roundoff(self, *values: float) -> float:
        return max(ROUNDOFF_UNITS * self.unit * max(abs(v) for v in values), NOISE_UNITS * self.noise)

    def entry_slopes(self, key: str, flat: np.ndarray, eps: float, progress) -> Slopes:
        J = self.cost
        out = np.empty((4, flat.size))
        for n, i in enumerate(flat):
            J_up, up, J_down, down = self.pair(key, int(i), eps)
            out[:, n] = ((J_up - J_down) / (up - down), (J_up - J) / up, (J - J_down) / -down,
                         2.0 * self._roundoff(J_up, J, J_down) / (up - down))
            progress.update(1)
        return out[0], out[1], out[2], None, out[3]

    def direction_slopes(self, V: Mapping[str, np.ndarray], eps: float, progress) -> Slopes:
        J, k = self.cost, len(next(iter(V.values())))
        base = {key: arr.copy() for key, arr in self.work.items()}
        J_up, J_down = np.empty(k), np.empty(k)
        try:
            for i in range(k):
                for sign, out in ((1.0, J_up), (-1.0, J_down)):
                    for key in V:
                        np.add(base[key], sign * eps * V[key][i], out=self.work[key])
                    out[i] = self.value(lambda: f"along direction {i} (+-{eps:g})")
                progress.update(1)
        finally:
            for key in V:
                self.work[key][...] = base[key]
        R = np.array([self._roundoff(u, J, d) for u, d in zip(J_up, J_down)]) / eps
        return (J_up - J_down) / (2 * eps), (J_up - J) / eps, (J - J_down) / eps, None, R


def network_function(X: np.ndarray, Y: np.ndarray, acts: Sequence[Activation], loss: Loss,
                     masks: Mapping[int, np.ndarray], l2: float, l1: float, c: Optional[np.ndarray] = None):
    """``f(p)``: the network's cost for params ``p`` (``W1..bL``, and ``X`` when it holds one), in
    float64, with the dropout ``masks`` held fixed, column factors ``c`` and the penalty: the
    plain function :class:`FunctionSide` differentiates where no exact change is written."""

    def f(p: Mapping[str, np.ndarray]) -> float:
        A, Z = p.get("X", X), None
        for layer, g in enumerate(acts, start=1):
            Z = p[f"W{layer}"] @ A + p[f"b{layer}"]
            A = g.function(Z) * masks[layer] if layer in masks else g.function(Z)
        weights = {key: W for key, W in p.items() if key != "X"}
        return loss.network_cost(acts[-1], A, Y, Z, c) + penalty(weights, l2=l2, l1=l1)

    return f


class NetworkSide:
    """The float64 network at the base point, and the exact cost changes of batches of perturbations.

    A batch of ``K`` copies of a layer's ``(n, m)`` change is one ``(n, K, m)`` array:
    ``(n, K * m)`` for the matmul, and a per-column activation (softmax) stays per example.
    ``params`` hold ``W1..WL`` and ``b1..bL``; ``X`` (n0, m) and ``Y`` (n_L, m) are float64 and
    validated; ``c`` (1, m), the column factors of sample weights (None: unweighted), needs a
    loss whose changes take them (:meth:`fnnet.Loss.weighted_changes`).
    """

    #: Every suspicious entry is re-examined: the exact changes are cheap.
    examine_cap = None
    #: The changes are exact at any step, so a kink is followed down to ``eps * 1e-30``: a
    #: pre-activation that close to it is at it (zero biases put them exactly there).
    max_shrink = 30

    def __init__(self, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray,
                 acts: Sequence[Activation], loss: Loss, masks: Optional[Mapping[int, np.ndarray]] = None,
                 l2: float = 0.0, l1: float = 0.0, c: Optional[np.ndarray] = None,
                 analytic_unit: Optional[float] = None) -> None:
        self.L, self.acts, self.loss, self.Y, self.m = len(acts), tuple(acts), loss, Y, X.shape[1]
        self.c = c
        self.W = [None] + [params[f"W{l}"].astype(np.float64) for l in range(1, self.L + 1)]
        self.b = [None] + [params[f"b{l}"].astype(np.float64) for l in range(1, self.L + 1)]
        self.D = {l: np.asarray(D, dtype=np.float64) for l, D in (masks or {}).items()}  # dropout, held fixed
        self.l2, self.l1 = l2, l1
        self.Z, self.G, self.A = [None], [None], [X]  # G{l} = g(Z{l}); A{l} = G{l} * D{l}
        for layer in range(1, self.L + 1):
            self.Z.append(self.W[layer] @ self.A[-1] + self.b[layer])
            self.G.append(self.acts[layer - 1].function(self.Z[-1]))
            self.A.append(self.G[-1] * self.D[layer] if layer in self.D else self.G[-1])
        # A float32 forward rounds each Z by about its unit times |W| |A| + |b|, plus what the layers
        # below passed up (|W| times their error; the built-in slopes are at most 1): within that of
        # a kink, its side may not be the float64 network's, so such a Z counts as at the kink.
        self.band = [None] * (self.L + 1)
        below = np.zeros_like(X)
        for layer in range(1, self.L + 1) if analytic_unit else ():
            W = np.abs(self.W[layer])
            self.band[layer] = ROUNDOFF_UNITS * analytic_unit * (W @ np.abs(self.A[layer - 1]) + np.abs(self.b[layer])) \
                + W @ below
            below = self.band[layer]
        self.logits = loss.uses_logits(self.acts[-1])  # the cost from Z_L (log-sigmoid, log-softmax)
        self.cost = loss.network_cost(self.acts[-1], self.A[-1], Y, self.Z[-1], c) + sum(
            0.5 * l2 * float(np.vdot(W, W)) + l1 * float(np.abs(W).sum()) for W in self.W[1:])

    def penalty_change(self, W: np.ndarray, dW: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """The penalty's change (K,) for ``K`` copies of weights ``W`` moved by ``dW`` (K, ...),
        and whether an entry crossed 0, the kink of ``|w|``."""
        axes = tuple(range(1, dW.ndim))
        change = self.l2 * np.sum(dW * (W + 0.5 * dW), axis=axes)
        if not self.l1:
            return change, np.zeros(dW.shape[0], dtype=bool)
        moved = W + dW
        same = np.sign(moved) == np.sign(W)  # then |w + d| - |w| = sign(w) d exactly
        step = np.where(same, np.sign(W) * dW, np.abs(moved) - np.abs(W))
        return change + self.l1 * np.sum(step, axis=axes), ~same.reshape(dW.shape[0], -1).all(axis=1)

    def activate(self, layer: int, z: np.ndarray, dZ: np.ndarray, cols=slice(None)) -> np.ndarray:
        """``dA{layer}`` for ``dZ``: the activation's exact change, through the layer's dropout mask."""
        dA = self.acts[layer - 1].change(z, self.G[layer][:, None, cols], dZ)
        return dA * self.D[layer][:, None, cols] if layer in self.D else dA

    def work_per_entry(self) -> int:
        """About the multiply-adds of one entry's pair of changes: through every layer, per example."""
        return 2 * self.m * sum(W.shape[0] * W.shape[1] for W in self.W[1:]) // max(1, self.W[1].shape[1])

    @property
    def kinks_known(self) -> bool:
        """Whether every kink a step can cross is known: each activation is a built-in or
        declares its kinks (then a disagreement at a step that crossed none is evidence)."""
        return all(act in _BUILT_IN or act.kinks for act in self.acts)

    def crosses_kink(self, layer: int, z: np.ndarray, zn: np.ndarray, where) -> np.ndarray:
        """Where ``Z{layer}`` moving from ``z`` to ``zn`` crosses a kink of its activation, or (for a
        float32 analytic side) starts within float32 round-off of one; ``where`` indexes the
        layer's ``(n, m)`` band like ``z``."""
        crossed = self.acts[layer - 1].crosses_kink(z, zn)
        band = self.band[layer]
        if band is not None:
            for kink in self.acts[layer - 1].kinks:
                crossed |= np.abs(z - kink) <= band[where]
        return crossed

    # --- the exact changes -------------------------------------------------------------------
    def loss_change(self, d: np.ndarray, col: Optional[int] = None) -> np.ndarray:
        """``J`` changes (K,) for output changes ``d`` (n_L, K, m): of ``Z_L`` for the logits
        form, else of ``A_L``; with ``col``, ``d`` is (n_L, K, 1), the change of that example only."""
        if col is not None:  # the other examples do not move
            full = np.zeros(d.shape[:2] + (self.m,))
            full[:, :, col] = d[:, :, 0]
            d = full
        weights = () if self.c is None else (self.c,)
        # a copy moving an output by more than 1/2 has its change taken as plain differences of
        # the cost (by the built-in losses), with the cost's own round-off
        self.coarse = np.abs(d).max(axis=(0, 2), initial=0.0) > 0.5
        if self.logits:
            return self.loss.change_from_logits(self.Z[self.L], self.Y, d, *weights)
        return self.loss.change(self.A[self.L], self.Y, d, *weights)

    def costs_from(self, layer: int, dZ: np.ndarray, col: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Cost changes (K,) of ``K`` copies whose ``Z{layer}`` moves by ``dZ`` (n_l, K, m), and
        whether each crossed a kink above, (K,) bool. With ``col``, only that example moves:
        ``dZ`` is (n_l, K, 1)."""
        cols = slice(None) if col is None else slice(col, col + 1)
        K = dZ.shape[1]
        crossed = np.zeros(K, dtype=bool)
        while True:
            act, z = self.acts[layer - 1], self.Z[layer][:, None, cols]
            if act.kinks:
                crossed |= self.crosses_kink(layer, z, z + dZ, (slice(None), None, cols)).any(axis=(0, 2))
            if layer == self.L and self.logits:
                return self.loss_change(dZ, col), crossed
            dA = self.activate(layer, z, dZ, cols)
            if layer == self.L:
                return self.loss_change(dA, col), crossed
            layer += 1
            W = self.W[layer]
            dZ = (W @ dA.reshape(dA.shape[0], -1)).reshape(W.shape[0], K, -1)

    def costs_rows(self, layer: int, rows: np.ndarray, dZrows: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Cost changes of ``K`` copies in which only row ``rows[k]`` of ``Z{layer}`` moves, by
        ``dZrows[k]`` (K, m). Below the output, an element-wise activation then moves only that
        row of ``A{layer}``, so ``dZ{layer+1}`` is a rank-one term: no matmul."""
        K = rows.shape[0]
        act = self.acts[layer - 1]
        if layer == self.L or act.output_only or act.jacobian_product is not None:  # A's whole column moves
            dZ = np.zeros((self.Z[layer].shape[0], K, self.m))
            dZ[rows, np.arange(K)] = dZrows
            return self.costs_from(layer, dZ)
        z = self.Z[layer][rows]
        crossed = self.crosses_kink(layer, z, z + dZrows, rows).any(axis=1) if act.kinks else np.zeros(K, dtype=bool)
        dArows = act.change(z, self.G[layer][rows], dZrows)
        if layer in self.D:
            dArows = dArows * self.D[layer][rows]
        dZ = self.W[layer + 1][:, rows][:, :, None] * dArows[None, :, :]  # (n_{l+1}, K, m)
        J, crossed_above = self.costs_from(layer + 1, dZ)
        return J, crossed | crossed_above

    # --- the two questions of the verdict -------------------------------------------------------
    def entry_slopes(self, key: str, flat: np.ndarray, eps: float, progress) -> Slopes:
        """Slopes for the entries ``flat`` of ``"W{l}"``, ``"b{l}"`` or ``"X"``, in batches."""
        up, down, crossed = np.empty(flat.size), np.empty(flat.size), np.empty(flat.size, dtype=bool)
        coarse = np.empty(flat.size, dtype=bool)
        for where, J, cross in self._entry_changes(key, flat, eps):
            K = J.size // 2
            up[where], down[where], crossed[where] = J[:K] / eps, J[K:] / -eps, cross[:K] | cross[K:]
            coarse[where] = self.coarse[:K] | self.coarse[K:]
            progress.update(K)
        return 0.5 * (up + down), up, down, crossed, self._roundoff(up, down, coarse, eps)

    def _roundoff(self, up: np.ndarray, down: np.ndarray, coarse: np.ndarray, eps: float) -> np.ndarray:
        # each change is exact to round-off relative to itself; a coarse one (plain differences
        # of the cost) to round-off relative to the cost
        unit = float(np.finfo(np.float64).eps) / 2
        return CHANGE_ROUNDOFF_UNITS * unit * (np.abs(up) + np.abs(down)) + \
            np.where(coarse, 2 * ROUNDOFF_UNITS * unit * abs(self.cost) / eps, 0.0)

    def _entry_changes(self, key: str, flat: np.ndarray, eps: float):
        """Yield ``(positions in flat, J changes (2K,) for +eps then -eps, crossed (2K,))``."""
        if key == "X":  # X[j, i] moves column i of Z1 by eps * W1[:, j]: one example at a time
            js, cols = np.unravel_index(flat, self.A[0].shape)
            for col in np.unique(cols):
                where = np.flatnonzero(cols == col)
                step = eps * self.W[1][:, js[where]]  # (n1, K)
                J, cross = self.costs_from(1, np.concatenate([step, -step], axis=1)[:, :, None], int(col))
                yield where, J, cross
            return
        # W{l}[i, j] moves row i of Z{l} by eps * A{l-1}[j, :]; b{l}[i] by eps
        layer = int(key[1:])
        rows, cols = np.unravel_index(flat, self.W[layer].shape if key[0] == "W" else self.b[layer].shape)
        source = self.A[layer - 1] if key[0] == "W" else np.ones((1, self.m))
        cols = cols if key[0] == "W" else np.zeros_like(cols)
        widest = max(self.W[l].shape[0] for l in range(layer, self.L + 1))
        batch = max(1, BATCH_BYTES // (16 * self.m * (2 * widest + 2)))
        for start in range(0, flat.size, batch):
            r, c = rows[start:start + batch], cols[start:start + batch]
            step = eps * source[c]  # (K, m): the change of row r of Z{layer}
            J, cross = self.costs_rows(layer, np.concatenate([r, r]), np.concatenate([step, -step]))
            if key[0] == "W" and (self.l2 or self.l1):
                w = self.W[layer][r, c]
                change, kink = self.penalty_change(np.concatenate([w, w]), np.repeat([eps, -eps], r.size))
                J, cross = J + change, cross | kink
            yield np.arange(start, start + r.size), J, cross

    def direction_slopes(self, V: Mapping[str, np.ndarray], eps: float, progress) -> Slopes:
        """Slopes along ``k`` directions: ``V[key]`` is (k,) + the key's shape (``"X"`` optional)."""
        k = len(V["W1"])
        per_copy = 8 * (sum(v[0].size for v in V.values()) + 3 * self.m * sum(W.shape[0] for W in self.W[1:]))
        chunk = max(1, min(k, BATCH_BYTES // (2 * per_copy)))
        J, crossed, coarse = np.empty(2 * k), np.zeros(k, dtype=bool), np.zeros(k, dtype=bool)
        for i in range(0, k, chunk):
            j = min(i + chunk, k)
            steps = {key: eps * np.concatenate([v[i:j], -v[i:j]]) for key, v in V.items()}
            changes, cross = self.costs_along(steps)
            J[i:j], J[k + i:k + j] = changes[:j - i], changes[j - i:]
            crossed[i:j] = cross[:j - i] | cross[j - i:]
            coarse[i:j] = self.coarse[:j - i] | self.coarse[j - i:]
            progress.update(j - i)
        up, down = J[:k] / eps, J[k:] / -eps
        return 0.5 * (up + down), up, down, crossed, self._roundoff(up, down, coarse, eps)

    def costs_along(self, steps: Dict[str, np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        """Cost changes of ``K`` copies in which every ``W{l}``, ``b{l}`` (and ``X``) moves at once.

        ``steps[key]`` is (K,) + the key's shape. Layer by layer, ``dZ{l} = W{l} @ dA{l-1} +
        dW{l} @ (A{l-1} + dA{l-1}) + db{l}``: the exact change of ``Z{l}``, with nothing
        subtracted from a nearly equal number.
        """
        K = steps["W1"].shape[0]
        crossed = np.zeros(K, dtype=bool)
        dA = steps["X"].transpose(1, 0, 2) if "X" in steps else None  # (n0, K, m)
        for layer in range(1, self.L + 1):
            A_prev, W = self.A[layer - 1][None], self.W[layer]  # (1, n_{l-1}, m)
            moved = A_prev if dA is None else A_prev + dA.transpose(1, 0, 2)  # (K, n_{l-1}, m)
            dZ = np.matmul(steps[f"W{layer}"], moved) + steps[f"b{layer}"]  # (K, n_l, m)
            if dA is not None:
                dZ += (W @ dA.reshape(dA.shape[0], K * self.m)).reshape(W.shape[0], K, self.m).transpose(1, 0, 2)
            dZ = np.ascontiguousarray(dZ.transpose(1, 0, 2))  # (n_l, K, m)
            if layer == self.L:
                break
            act, z = self.acts[layer - 1], self.Z[layer][:, None, :]
            if act.kinks:
                crossed |= self.crosses_kink(layer, z, z + dZ, (slice(None), None, slice(None))).any(axis=(0, 2))
            dA = self.activate(layer, z, dZ)
        J, cross = self.costs_from(self.L, dZ)
        for layer in range(1, self.L + 1) if self.l2 or self.l1 else ():
            change, kink = self.penalty_change(self.W[layer], steps[f"W{layer}"])
            J, cross = J + change, cross | kink
        return J, crossed | cross
