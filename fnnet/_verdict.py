"""The one verdict of the gradient checks: per key, the relative error of the analytic
gradients against the numerical side's central differences, and the kink-adjacent entries
against their one-sided slopes. :func:`fnnet.check_grads` and :func:`fnnet.gradcheck` both
end here; :mod:`fnnet.checking` turns the result into a :class:`~fnnet.checking.GradcheckReport`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Dict, List, Optional, Tuple

import numpy as np

from ._evaluator import entry_index
from ._progress import Progress
from ._validation import check_count, check_positive, format_shape

#: The checker's modes.
MODES = ("full", "sample", "directional")
#: Smallest tolerance used when params or grads are float32.
FLOAT32_TOL = 1e-3
#: Gradient norms below ``ZERO_GRAD * max(1, |J|)`` count as zero.
ZERO_GRAD = 1e-4
#: Tolerance for kink-adjacent entries, judged against one-sided slopes (first-order accurate).
KINK_TOL = 1e-3
#: Show the time estimate and progress on stderr when a check should take longer (seconds).
PROGRESS_AFTER = 3.0


def match_grads(shapes: Mapping[str, Tuple[int, ...]], grads) -> Tuple[Dict[str, np.ndarray], List[str]]:
    """``grads`` by the keys of ``shapes``, each given as ``key`` or ``"d" + key`` (the course's
    ``dW1``; ``X`` also as ``dA0``), checked for shape; and the grads keys left over."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict mirroring params, got {type(grads).__name__}")
    matched, missing, used = {}, [], set()
    for key, shape in shapes.items():
        names = [name for name in (key, "d" + key) + (("dA0",) if key == "X" else ()) if name in grads]
        if len(names) > 1:
            raise ValueError(f"grads has both {names[0]!r} and {names[1]!r}: give the gradient of {key!r} once")
        if not names:
            missing.append(key)
            continue
        g = grads[names[0]]
        if not isinstance(g, np.ndarray) or g.dtype.kind not in "fiu":
            what = g.dtype if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(f"grads[{names[0]!r}] must be a real numpy.ndarray, got {what}")
        if g.shape != tuple(shape):
            raise ValueError(f"grads[{names[0]!r}] has shape {format_shape(g.shape)}, expected "
                             f"{format_shape(shape)} like {'X' if key == 'X' else f'params[{key!r}]'}")
        matched[key] = g
        used.add(names[0])
    if missing:
        raise ValueError(f"grads must have the same keys as params: missing {sorted(missing)} "
                         "(a key may also be written with a leading 'd', as in 'dW1'; X as 'dX' or 'dA0')")
    return matched, sorted(str(name) for name in grads if name not in used)


def check_options(eps, tol, mode, n, k, progress) -> Tuple[float, float, int, int]:
    eps, tol = check_positive(eps, "eps"), check_positive(tol, "tol")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid modes are {', '.join(map(repr, MODES))}")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be None, True or False, got {type(progress).__name__}")
    return eps, tol, check_count(n, "n"), check_count(k, "k")


def _relative_error(g: np.ndarray, n: np.ndarray, floor: float) -> Tuple[float, int]:
    """``||g - n|| / max(||g|| + ||n||, floor)`` and the position of the largest ``|g - n|``."""
    if g.size == 0:
        return 0.0, -1
    with np.errstate(invalid="ignore", over="ignore"):  # a user's grads may hold inf or nan
        diff = np.abs(g - n)
        num, denom = float(np.linalg.norm(diff)), float(np.linalg.norm(g) + np.linalg.norm(n))
    return (num / max(denom, floor) if np.isfinite(num) else float("inf")), int(np.argmax(np.nan_to_num(diff, nan=np.inf)))


def _kink_error(g: np.ndarray, up: np.ndarray, down: np.ndarray, floor: float) -> Tuple[float, int]:
    """How far ``g`` lies outside ``[min(up, down), max(up, down)]`` (a correct backward gives a
    one-sided derivative), relative to ``|g| + |up| + |down|``, and where that is worst."""
    if g.size == 0:
        return 0.0, -1
    lo, hi = np.minimum(up, down), np.maximum(up, down)
    with np.errstate(invalid="ignore", over="ignore"):
        excess = np.maximum(np.maximum(lo - g, g - hi), 0.0)
        ratio = np.where(np.isnan(g), np.inf, excess / np.maximum(np.abs(g) + np.abs(lo) + np.abs(hi), floor))
    return float(ratio[np.argmax(ratio)]), int(np.argmax(ratio))


def judge(side, shapes: Dict[str, Tuple[int, ...]], grads: Dict[str, np.ndarray], *, mode: str, eps: float,
           tol: float, n: int, k: int, seed: int, progress: Optional[bool], precision: str, ignored: List[str],
           label: str, seconds_per_call: Optional[float] = None) -> dict:
    """The fields of the report: ``side`` (``fnnet._evaluator``) gives the numerical slopes."""
    rng = np.random.default_rng(seed)
    tol = max(tol, FLOAT32_TOL) if precision == "float32" else tol
    if mode == "directional":  # k unit directions over every key at once: one verdict, "all"
        V = {key: rng.standard_normal((k,) + tuple(shape)) for key, shape in shapes.items()}
        norm = np.sqrt(sum((v.reshape(k, -1) ** 2).sum(axis=1) for v in V.values()))
        V = {key: v / norm.reshape((k,) + (1,) * (v.ndim - 1)) for key, v in V.items()}
        chosen = {"all": np.arange(k)}
    else:
        chosen = {key: (np.arange(int(np.prod(s))) if mode == "full" or n >= np.prod(s) else
                        np.sort(rng.choice(int(np.prod(s)), n, replace=False))) for key, s in shapes.items()}
    total = sum(c.size for c in chosen.values())
    if seconds_per_call is not None and (progress or (progress is None and 2 * total * seconds_per_call > PROGRESS_AFTER)):
        print(f"{label} {mode}: {2 * total} calls of f at about {1e3 * seconds_per_call:.3g} ms each: "
              f"about {2 * total * seconds_per_call:.0f} s", file=sys.stderr, flush=True)
    bar = Progress(total, label=f"{label} {mode}", unit="direction" if mode == "directional" else "entry",
                   enabled=progress, after=PROGRESS_AFTER, estimate=True)
    items, numerical = {}, {}
    try:
        if mode == "directional":
            g = sum(V[key].reshape(k, -1) @ grads[key].astype(np.float64).reshape(-1) for key in shapes)
            items["all"] = (g,) + side.direction_slopes(V, eps, bar) + (lambda i: (int(i),),)
            numerical["all"] = items["all"][1]
        for key, flat in chosen.items() if mode != "directional" else ():
            g = grads[key].reshape(-1)[flat].astype(np.float64)
            items[key] = (g,) + side.entry_slopes(key, flat, eps, bar) + (
                lambda i, shape=shapes[key], flat=flat: entry_index(shape, flat[i]),)
            numerical[key] = np.full(shapes[key], np.nan)
            numerical[key].reshape(-1)[flat] = items[key][1]
    finally:
        bar.close()

    floor, kink_tol = ZERO_GRAD * max(1.0, abs(side.cost)), max(tol, KINK_TOL)
    errors, kink_errors, worst, kinks, severity = {}, {}, {}, {}, {}
    for key, (g, central, up, down, cross, index) in items.items():
        clear, where = np.flatnonzero(~cross), np.flatnonzero(cross)
        errors[key], i = _relative_error(g[clear], central[clear], floor)
        kink_errors[key], j = _kink_error(g[where], up[where], down[where], floor)
        at = where[j] if where.size and (not clear.size or kink_errors[key] / kink_tol > errors[key] / tol) else (
            clear[i] if clear.size else None)
        worst[key] = ((), float("nan"), float("nan")) if at is None else (index(at), float(g[at]), float(central[at]))
        kinks[key] = [index(j) for j in where]
        severity[key] = max(errors[key] / tol, kink_errors[key] / kink_tol)
    failed = [key for key in items if not (errors[key] < tol and kink_errors[key] < kink_tol)]
    worst_key = max(severity, key=lambda key: (np.nan_to_num(severity[key], nan=np.inf), -list(severity).index(key)))
    return dict(
        ok=not failed, failed_keys=failed, errors=errors, max_rel_error=max(errors[worst_key], kink_errors[worst_key]),
        worst_key=worst_key, worst_index=worst[worst_key][0], worst_analytic=worst[worst_key][1],
        worst_numerical=worst[worst_key][2], tol=tol, eps=eps, precision=precision, mode=mode,
        n_checked={key: int((~item[4]).sum()) for key, item in items.items()}, kinks=kinks,
        kink_errors=kink_errors, kink_tol=kink_tol, worst_entries=worst, numerical=numerical, cost=float(side.cost),
        shapes={"all": (sum(int(np.prod(s)) for s in shapes.values()),)} if mode == "directional" else dict(shapes),
        ignored=ignored, label=label)
