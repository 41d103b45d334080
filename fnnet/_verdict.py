"""The one verdict of the gradient checks, entry by entry: right, wrong, or cannot tell.

:func:`fnnet.check_grads` and :func:`fnnet.gradcheck` both end here; their numerical sides
(``fnnet._evaluator``) give, for any entries and any step ``h``, the central difference ``C``,
the one-sided slopes ``U = (J(p + h) - J(p)) / h`` and ``D = (J(p) - J(p - h)) / h``, and the
round-off ``R`` of ``C`` (from ``|J|``, ``h`` and the precision of ``J``; for the exact changes
of ``gradcheck``, from the changes themselves).

An analytic value ``g`` is judged against a numerical value ``n`` with an estimated error ``E``:

    right  when |g - n| <= SAFETY * E + tol * (|g| + |n|) + ANALYTIC_UNITS * u * max|g of its key|

(``u`` the unit round-off of the analytic side's dtype), wrong otherwise. First at the step
``eps`` (``E = R``). An entry that disagrees, or whose check is not precise (the allowed
error above ``RESOLVE`` of ``|g| + |n|``), is examined again at the steps ``10 eps``, ``100
eps`` and ``eps / 10``: two neighbouring steps whose second differences ``(U - D) / h`` agree
(and that cross no declared kink) are smooth, and the smooth pair with the smallest error
``E = R_big + |C_big - C_small|`` (truncation and round-off, measured) decides. Where no pair
is smooth the entry sits at or near a kink, and the step shrinks tenfold at a time until a
smooth pair appears (a kink near, not at, the entry) or precision runs out; an entry still
at a kink is right when ``g`` matches one of its one-sided slopes (or their mean, the central
difference), wrong when it lies outside both (each measured at a step so small that no other
kink is near), and otherwise cannot be told: a derivative there is a convention.

A key fails when one of its entries is wrong; it cannot be told when none of its entries
could be judged precisely (gradients below the precision of the differences, or every entry
at a kink); else it passes. :mod:`fnnet.checking` turns the result into a report.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from ._evaluator import entry_index
from ._progress import Progress
from ._validation import check_count, check_positive, format_shape

#: The checker's modes: ``"auto"`` is ``"full"`` when that fits ``BUDGET_SECONDS``, else ``"sample"``.
MODES = ("auto", "full", "sample", "directional")
#: Smallest relative tolerance when the params, grads or ``f`` are float32.
FLOAT32_TOL = 1e-3
#: Margin on the estimated error of a numerical value before an entry is called wrong.
SAFETY = 4.0
#: An entry is judged precisely when its allowed error is below this share of ``|g| + |n|``.
RESOLVE = 1e-3
#: The analytic side's own round-off, in units of its dtype, relative to its key's largest entry.
ANALYTIC_UNITS = 1024.0
#: A backward's round-off on a sum that cancels, in units of its dtype relative to the largest
#: of the cost, every gradient and (for fnnet's network) the output delta's terms.
SUM_UNITS = 32.0
#: Ratio of neighbouring steps when an entry is examined again.
LADDER = 10.0
#: How many times the step may shrink tenfold below ``eps`` at a kink (a side may allow more).
MAX_SHRINK = 6
#: How many times it may grow tenfold beyond ``100 eps`` where the differences are not precise.
MAX_GROW = 2
#: ``"auto"`` checks every entry when that should take at most this long (seconds).
BUDGET_SECONDS = 20.0
#: Multiply-adds of fnnet's exact side that surely fit the budget (no probe is timed then).
SURELY_QUICK = 2e9
#: Show the time estimate and progress on stderr when a check should take longer (seconds).
PROGRESS_AFTER = 3.0

RIGHT, WRONG, UNSURE = 0, 1, 2
#: Why an entry cannot be told.
REASONS = {"kink": "at a kink: its one-sided slopes differ at every step and the analytic value matches neither",
           "precision": "below the precision of the differences, or of the analytic side's dtype",
           "overflow": "the differences overflowed (values or a step too large for float64)",
           "flat": ("f does not change beyond its noise at any step tried, while the analytic value says it "
                    "should: a dead path, or kinks on both sides closer than a step resolves"),
           "rough": ("the differences agree with it at eps and disagree only at larger steps: f is not "
                     "smooth enough there (kinks or noise) to tell")}


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
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be None, True or False, got {type(progress).__name__}")
    return eps, tol, check_count(n, "n"), check_count(k, "k")


# --- one key -------------------------------------------------------------------------------------
class _Step:
    """The slopes of some entries at one step ``h``; ``exact``: ``X`` (crossed a kink) is known
    for every kink there is (fnnet's network with built-in or kink-declaring activations)."""

    def __init__(self, h: float, C, U, D, X, R, exact: bool = False) -> None:
        self.h, self.C, self.U, self.D, self.X, self.R, self.exact = h, C, U, D, X, R, exact

    def take(self, where: np.ndarray) -> "_Step":
        h = self.h[where] if isinstance(self.h, np.ndarray) else self.h
        return _Step(h, self.C[where], self.U[where], self.D[where],
                     None if self.X is None else self.X[where], self.R[where], self.exact)


def _smooth(big: _Step, small: _Step) -> np.ndarray:
    if big.exact:  # the side knows every kink a step crosses: nothing else makes it rough
        return ~big.X & ~small.X
    return _looks_smooth(big, small)


def _looks_smooth(big: _Step, small: _Step) -> np.ndarray:
    """Whether ``f`` is smooth over both steps: their second differences ``(U - D) / h``
    agree to their round-off (a kink inside a step makes it grow as ``1 / h``), and no
    declared kink is crossed. A smooth entry taken for a kink only costs smaller steps."""
    S_big, S_small = (big.U - big.D) / big.h, (small.U - small.D) / small.h
    with np.errstate(invalid="ignore", over="ignore"):
        smooth = np.abs(S_big - S_small) <= _hidden_jump(big, small) / small.h + \
            0.5 * np.maximum(np.abs(S_big), np.abs(S_small))
        # a second difference that grows as the step shrinks, beyond its round-off: a kink
        smooth &= np.abs(S_small) <= 3.0 * np.abs(S_big) + 4.0 * small.R / small.h
    if big.X is not None:
        smooth &= ~big.X & ~small.X
    return smooth


def _hidden_jump(big: _Step, small: _Step):
    """The largest jump of the slope at a kink inside both steps that :func:`_smooth` cannot
    see: the round-off of ``U - D`` (``4 R``) at both steps, brought to the small one."""
    return 4.0 * (big.R * small.h / big.h + small.R)


def _pair_error(big: _Step, small: _Step):
    """The error of ``C`` at the big step of a smooth pair: its round-off, its truncation (and
    the small step's round-off) measured as ``|C_big - C_small|``, and half of a kink's jump
    that the pair could hide."""
    return big.R + np.abs(big.C - small.C) + 0.5 * np.minimum(np.abs(big.U - big.D), _hidden_jump(big, small))


def _allowed(g, n, E, tol: float, slack: float):
    return SAFETY * E + tol * (np.abs(g) + np.abs(n)) + slack


def _agrees(g, n, E, tol: float, slack: float) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):  # an infinite or NaN g is never right
        return (np.abs(g - n) <= _allowed(g, n, E, tol, slack)) & np.isfinite(g)


def _precise(g, n, E, slack: float, share: float = RESOLVE) -> np.ndarray:
    """Whether ``g`` against ``n`` is judged to ``share`` of their size: the differences resolve
    it, and either the two agree that closely or the analytic side's round-off is that small."""
    with np.errstate(invalid="ignore", over="ignore"):
        size = share * (np.abs(g) + np.abs(n))
        return ((SAFETY * E <= size) & ((np.abs(g - n) <= size) | (slack <= size))) | (g == n)


class KeyVerdict:
    """Per entry of one key: the numerical value ``n`` and its error ``E``, the verdict
    (``RIGHT``, ``WRONG``, ``UNSURE``), the reason of an ``UNSURE``, whether the entry sat at
    or near a kink, and whether it was judged precisely."""

    def __init__(self, g: np.ndarray, evaluate: Callable, eps: float, tol: float, slack: float,
                 cap: Optional[int], max_shrink: int = MAX_SHRINK, exact: bool = False) -> None:
        self.max_shrink = max_shrink
        self.g = g
        self.step_at = lambda pos, h: _Step(h, *evaluate(pos, h), exact=exact)
        first = self.step_at(np.arange(g.size), eps)
        self.n, self.E = first.C.copy(), first.R.copy()
        self.verdict = np.where(_agrees(g, self.n, self.E, tol, slack), RIGHT, WRONG)
        self.reason = np.full(g.size, "", dtype=object)
        self.kink = np.zeros(g.size, dtype=bool) if first.X is None else first.X.copy()
        self.precise = _precise(g, self.n, self.E, slack)
        suspects = ((self.verdict == WRONG) | ~self.precise) & np.isfinite(g)
        suspects &= ~((g == 0.0) & (self.verdict == RIGHT))  # a zero that agrees: nothing to resolve
        idx = np.flatnonzero(suspects)
        if cap is not None and idx.size > cap:  # the most suspicious first
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                score = np.abs(g[idx] - self.n[idx]) / _allowed(g[idx], self.n[idx], self.E[idx], tol, slack)
            idx = np.sort(idx[np.argsort(-np.nan_to_num(score, nan=np.inf))[:cap]])
        if idx.size:
            self._examine(idx, first.take(idx), eps, tol, slack)
        # right only within an error too large to tell a small bug (the differences' round-off
        # against a tiny gradient, or a float32 sum that cancels): cannot be told
        with np.errstate(invalid="ignore", over="ignore"):
            loose = (self.verdict == RIGHT) & ~self.precise & (np.abs(g - self.n) > RESOLVE * (np.abs(g) + np.abs(self.n)))
        self.verdict[loose], self.reason[loose] = UNSURE, "precision"
        overflowed = ~np.isfinite(self.n) & np.isfinite(g)  # the numerical side, not g, failed
        self.verdict[overflowed], self.reason[overflowed], self.precise[overflowed] = UNSURE, "overflow", False

    def _examine(self, idx, first: _Step, eps: float, tol: float, slack: float) -> None:
        """Judge the entries ``idx`` again, with more steps: see the module's docstring."""
        g = self.g[idx]
        steps = {0: first}
        for j in (1, 2, -1):
            steps[j] = self.step_at(idx, eps * LADDER ** j)
        est = _Estimate(first.C.copy(), steps)
        est.grow(g, lambda pos, h: self.step_at(idx[pos], h), eps, tol, slack)
        kink = est.shrink(g, lambda pos, h: self.step_at(idx[pos], h), eps, self.max_shrink)
        verdict = np.where(_agrees(g, est.n, est.E, tol, slack), RIGHT, WRONG)
        precise = _precise(g, est.n, est.E, slack)
        reason = np.full(idx.size, "", dtype=object)
        for name, doubt in _doubts(g, steps, est, tol, slack).items():
            doubt &= (verdict == WRONG) & est.found
            verdict[doubt], reason[doubt], precise[doubt] = UNSURE, name, False
        at = np.flatnonzero(~est.found)  # still at a kink: judged against its one-sided slopes
        if at.size:
            n, E, verdict[at] = kink.judge(g[at], at, tol, slack, exact_kinks=first.exact)
            est.n[at], est.E[at], precise[at] = n, E, verdict[at] != UNSURE
            reason[at] = np.where(verdict[at] == UNSURE, "kink", "")
        self.n[idx], self.E[idx], self.verdict[idx] = est.n, est.E, verdict
        self.precise[idx], self.reason[idx] = precise, reason
        self.kink[idx] |= est.kink


class _Estimate:
    """The numerical value ``n`` of each entry examined again and its error ``E``: from the
    smooth pair of neighbouring steps with the smallest error (``found``), and whether a kink
    was seen (``kink``)."""

    def __init__(self, n: np.ndarray, steps: Dict[int, _Step]) -> None:
        size = n.size
        self.n, self.E, self.steps = n, np.full(size, np.inf), steps
        self.found, self.kink = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
        pairs = {big: _smooth(steps[big], steps[big - 1]) for big in (2, 1, 0)}
        # and the central differences converge as a smooth f's do: each tenfold smaller step
        # changes them by at most a tenth of the change before (a hundredth, ideally), beyond
        # round-off; kinks on both sides of the entry, which leave U - D small, break that
        change = {big: np.abs(steps[big].C - steps[big - 1].C) for big in (2, 1, 0)}
        for big in (2, 1) if not steps[0].exact else ():  # an exact side knows where kinks are
            small = big - 1
            converges = change[small] <= change[big] / LADDER + SAFETY * (steps[small].R + steps[small - 1].R)
            pairs[big] &= converges
            pairs[small] &= converges
        for big in (2, 1, 0):  # a pair counts when a neighbouring pair confirms it smooth too
            smooth = pairs[big] & (pairs.get(big + 1, False) | pairs.get(big - 1, False))
            self.take(smooth, steps[big], _pair_error(steps[big], steps[big - 1]))
            self.kink |= ~pairs[big]
        self.confirmed = pairs[0]  # the pair (eps, eps / 10), for the first smaller step

    def take(self, smooth: np.ndarray, big: _Step, E: np.ndarray, where=None) -> None:
        """Where ``smooth`` (entries ``where``, default all), the big step's ``C`` if its error is smaller."""
        where = np.arange(self.n.size) if where is None else where
        better = smooth & (E < self.E[where])
        self.n[where[better]], self.E[where[better]] = big.C[better], E[better]
        self.found[where[smooth]] = True

    def grow(self, g, step_at: Callable, eps: float, tol: float, slack: float) -> None:
        """Smooth but not precise (``f``'s round-off against tiny gradients): larger steps. They
        only confirm an agreement more precisely: where they cross kinks too sparse to see, a
        disagreement found there alone would be no evidence."""
        last = self.steps[2]
        for grow in range(3, 3 + MAX_GROW):
            pending = np.flatnonzero(self.found & ~_precise(g, self.n, self.E, slack) &
                                     _agrees(g, self.n, self.E, tol, slack))
            if not pending.size:
                break
            new = step_at(pending, eps * LADDER ** grow)
            prev = last.take(pending)
            E = _pair_error(new, prev)
            keep = _smooth(new, prev) & (E < self.E[pending]) & _agrees(g[pending], new.C, E, tol, slack)
            self.n[pending[keep]], self.E[pending[keep]] = new.C[keep], E[keep]
            last = _merge(last, new, pending)

    def shrink(self, g, step_at: Callable, eps: float, max_shrink: int) -> "_Kink":
        """No smooth pair: at or near a kink. The step shrinks tenfold until a smooth pair appears
        (the kink is outside it) or the differences lose their precision; returns the one-sided
        slopes of the entries still at a kink."""
        last = self.steps[-1]
        kink = _Kink(self.steps[-1], self.steps[0])
        for shrink in range(2, max_shrink + 1):
            pending = np.flatnonzero(~self.found & _precise(g, last.C, last.R, 0.0, share=0.05))
            if not pending.size:
                break
            new = step_at(pending, eps / LADDER ** shrink)
            usable = _precise(new.U, new.D, 2 * new.R, 0.0, share=0.05)  # else this step says nothing
            if not usable.any():
                break
            pending, new = pending[usable], new.take(usable)
            prev = last.take(pending)
            pair = _smooth(prev, new)
            self.take(pair & self.confirmed[pending], prev, _pair_error(prev, new), pending)
            self.confirmed = self.confirmed.copy()
            self.confirmed[pending] = pair
            kink.follow(new, prev, pending, deepest=shrink == max_shrink)
            last = _merge(last, new, pending)
        return kink


class _Kink:
    """At a kink, each entry's one-sided slopes ``U``, ``D`` and their mean ``C`` at the step
    where they are known best (a step's round-off plus its change from the step ten times
    larger), and whether they were followed down to the smallest step."""

    def __init__(self, step: _Step, bigger: _Step) -> None:
        self.value = {"U": step.U.copy(), "D": step.D.copy(), "C": step.C.copy()}
        self.error = {name: self._error(step, bigger, name) for name in self.value}
        self.deepest = np.zeros(step.C.size, dtype=bool)

    @staticmethod
    def _error(step: _Step, bigger: _Step, name: str):
        return (1 if name == "C" else 2) * step.R + np.abs(getattr(step, name) - getattr(bigger, name))

    def follow(self, new: _Step, prev: _Step, where: np.ndarray, deepest: bool) -> None:
        E = {name: self._error(new, prev, name) for name in self.value}
        better = np.maximum(E["U"], E["D"]) < np.maximum(self.error["U"][where], self.error["D"][where])
        for name in self.value:
            self.value[name][where[better]] = getattr(new, name)[better]
            self.error[name][where[better]] = E[name][better]
        self.deepest[where] = deepest

    def judge(self, g, at, tol: float, slack: float, exact_kinks: bool):
        """``(n, E, verdict)`` of the entries ``at`` (values ``g``): right when ``g`` is one of
        the one-sided slopes (or their mean); wrong when it lies outside both, where the side
        knows every kink a step crosses (fnnet's network) or the slopes held down to the
        smallest step (kinks packed closer than the smallest step a noisy ``f`` allows can put
        the true slope outside them too); otherwise it cannot be told."""
        U, D, C = (self.value[name][at] for name in "UDC")
        E_U, E_D, E_C = (self.error[name][at] for name in "UDC")
        matched = np.zeros(at.size, dtype=bool)
        value, error = C.copy(), E_C.copy()
        for v, E in ((U, E_U), (D, E_D), (C, E_C)):
            hit = ~matched & _agrees(g, v, E, tol, slack) & _precise(g, v, E, slack)
            value[hit], error[hit], matched[hit] = v[hit], E[hit], True
        E_side = np.maximum(E_U, E_D)
        lo, hi = np.minimum(U, D), np.maximum(U, D)
        margin = _allowed(g, np.maximum(np.abs(lo), np.abs(hi)), E_side, tol, slack)
        with np.errstate(invalid="ignore"):
            outside = ~matched & ((g < lo - margin) | (g > hi + margin) | ~np.isfinite(g)) & \
                _precise(lo, hi, E_side, slack, share=0.05) & (exact_kinks | self.deepest[at])
        n = np.where(outside, np.where(g < lo, lo, hi), value)
        return n, np.where(outside, E_side, error), np.where(matched, RIGHT, np.where(outside, WRONG, UNSURE))


def _doubts(g, steps: Dict[int, _Step], est: _Estimate, tol: float, slack: float) -> Dict[str, np.ndarray]:
    """Where a disagreement found at a smooth pair is no evidence (each name a reason):

    - ``"kink"``: a kink was seen, and at some step ``g`` lies within the one-sided slopes (to
      their round-off): kinks packed closer than the differences resolve;
    - ``"rough"``: the step the user asked for agrees: at the larger steps alone, kinks on both
      sides of the entry could shift the differences unseen;
    - ``"flat"``: ``f`` does not move beyond its noise at any step while ``g`` says it should: a
      dead path, or kinks on both sides closer than any step resolves (relu pre-activations
      within round-off of 0, whose slopes cancel); for any ``f`` other than fnnet's network
      the two look the same.

    None for an exact side that knows every kink; see also :func:`_without_kinks`.
    """
    if steps[0].exact:  # every kink is known, and the changes exact: a disagreement is evidence
        return {}
    within = np.zeros(g.size, dtype=bool)
    for step in steps.values():
        lo, hi = np.minimum(step.U, step.D), np.maximum(step.U, step.D)
        margin = _allowed(g, np.maximum(np.abs(lo), np.abs(hi)), 2 * step.R, tol, slack)
        with np.errstate(invalid="ignore"):
            within |= (g >= lo - margin) & (g <= hi + margin)
    flat = np.ones(g.size, dtype=bool)
    for step in steps.values():
        flat &= (np.abs(step.U) <= 2 * SAFETY * step.R) & (np.abs(step.D) <= 2 * SAFETY * step.R)
    first = steps[0]
    return {"kink": within & est.kink, "rough": _agrees(g, first.C, first.R, tol, slack), "flat": flat}


def _without_kinks(verdicts: Dict[str, "KeyVerdict"]) -> None:
    """Where ``f`` moved for no entry at all and showed no kink (a constant ``f``), every
    "flat" entry is wrong: nothing but a bug gives gradients to a function of nothing. (A flat
    or rough entry among moving ones stays a doubt, even where no kink was seen: relu
    pre-activations within round-off of 0 make kinks that no step resolves.)"""
    if any(v.kink.any() for v in verdicts.values()):
        return
    if not all(np.all((v.reason == "flat") | ((v.verdict == RIGHT) & (v.n == 0))) for v in verdicts.values()):
        return
    for v in verdicts.values():
        back = (v.verdict == UNSURE) & (v.reason == "flat")
        v.verdict[back], v.reason[back], v.precise[back] = WRONG, "", True


def _merge(old: _Step, new: _Step, where: np.ndarray) -> _Step:
    """``old`` with the entries ``where`` replaced by ``new`` (a step per entry, so ``h`` is an array)."""
    h = np.broadcast_to(np.asarray(old.h, dtype=float), old.C.shape).copy()
    h[where] = new.h
    out = _Step(h, old.C.copy(), old.U.copy(), old.D.copy(), None if old.X is None else old.X.copy(), old.R.copy(),
                old.exact)
    for name in ("C", "U", "D", "R") + (("X",) if old.X is not None else ()):
        getattr(out, name)[where] = getattr(new, name)
    return out


# --- hints --------------------------------------------------------------------------------------
def hint(key_shape: Tuple[int, ...], g: np.ndarray, n: np.ndarray, E: np.ndarray, wrong: np.ndarray,
         positions: np.ndarray, m: Optional[int] = None) -> str:
    """What a learner can act on for a failing key: a constant ratio analytic / numerical over
    its wrong entries, and whether those share a row or a column. ``positions`` are the flat
    indices of the judged entries in the key."""
    parts = []
    sure = wrong & (np.abs(n) > SAFETY * E) & np.isfinite(g)
    if sure.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = g[sure] / n[sure]
        r = float(np.median(ratio))
        if np.all(np.abs(ratio - r) <= 1e-2 * max(abs(r), 1e-300)):
            said = _ratio_hint(r, m)
            if ratio.size > 1 or not said.endswith("a constant factor"):  # one entry is no pattern
                parts.append(said)
    elif (wrong & (g == 0.0)).any() and (wrong & (g == 0.0)).sum() == wrong.sum():
        parts.append("analytic is 0 where numerical is not: a missing term?")
    if len(key_shape) == 2 and wrong.sum() >= 1 and wrong.sum() < g.size:
        rows, cols = np.unravel_index(positions[wrong], key_shape)
        if key_shape[0] > 1 and np.unique(rows).size == 1 and (key_shape[1] == 1 or rows.size > 1):
            parts.append(f"only row {int(rows[0])} is wrong")
        elif key_shape[1] > 1 and np.unique(cols).size == 1 and cols.size > 1:
            parts.append(f"only column {int(cols[0])} is wrong")
    return "; ".join(parts)


def _ratio_hint(r: float, m: Optional[int]) -> str:
    said = f"analytic = {r:.4g} x numerical"
    if abs(r + 1.0) <= 1e-2:
        return "analytic = -1 x numerical: a sign"
    if abs(r - 2.0) <= 2e-2 or abs(r - 0.5) <= 5e-3:
        return f"{said}: a factor 2"
    if r == 0.0:
        return "analytic is 0 where numerical is not: a missing term?"
    for value, what in ((r, "a missing 1/m"), (1.0 / r, "an extra 1/m")):
        k = round(abs(value))
        if k >= 3 and abs(abs(value) - k) <= 1e-2 * k:
            if m is not None and k == m:
                return f"{said}: {what} (m = {m})?"
            return f"{said}: {what}?"
    return f"{said} on every wrong entry: a constant factor"


# --- the whole check ----------------------------------------------------------------------------
def judge(side, shapes: Dict[str, Tuple[int, ...]], grads: Dict[str, np.ndarray], *, mode: str, eps: float,
          tol: float, n: int, k: int, seed: int, progress: Optional[bool], precision: str, ignored: List[str],
          label: str, seconds_per_call: Optional[float] = None, m: Optional[int] = None,
          float32_reason: str = "", term_scale: float = 0.0) -> dict:
    """The fields of the report; ``side`` (``fnnet._evaluator``) gives the numerical slopes.

    ``term_scale``: the size of the terms the analytic side sums (``|A_L| + |Y|`` of a network's
    output delta), when known: its round-off scales with them, not with the gradients."""
    rng = np.random.default_rng(seed)
    single = precision == "float32" or bool(float32_reason)
    tol = max(tol, FLOAT32_TOL) if single else tol
    unit = float(np.finfo(np.float32 if precision == "float32" else np.float64).eps) / 2
    total_entries = sum(int(np.prod(s)) for s in shapes.values())
    notes = []
    if float32_reason:
        notes.append(f"{float32_reason}: its differences resolve only about float32's precision, so the "
                     f"tolerance is {tol:g}; compute f in float64 for a precise check")
    asked = mode
    if mode == "auto":
        seconds = _estimate_seconds(side, shapes, eps, seconds_per_call, total_entries)
        if seconds <= BUDGET_SECONDS:
            mode = "full"
        else:
            n = max(n, int(BUDGET_SECONDS / max(seconds, 1e-12) * total_entries / max(len(shapes), 1)))
            mode = "sample"
            message = (f"{label}: a full check of {total_entries:,} entries would take about {seconds:.0f} s; "
                       f"checking {n} random entries per key instead (mode='full' checks every entry"
                       + ("; fnnet.gradcheck checks an fnnet network exactly and fast" if label == "check_grads"
                          else "") + ")")
            notes.append(message.split(": ", 1)[1])
            print(message, file=sys.stderr, flush=True)
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
    counted = {"evaluations": 0}
    quiet = _Quiet()

    def counting(evaluate):
        def run(pos, h):
            counted["evaluations"] += 2 * len(pos)
            return evaluate(pos, h, bar if h == eps else quiet)
        return run

    verdicts, analytic = {}, {}
    try:
        if mode == "directional":
            analytic["all"] = sum(V[key].reshape(k, -1) @ grads[key].astype(np.float64).reshape(-1) for key in shapes)
            evaluators = {"all": counting(lambda pos, h, bar: side.direction_slopes(
                {key: v[pos] for key, v in V.items()}, h, bar))}
        else:
            analytic = {key: grads[key].reshape(-1)[flat].astype(np.float64) for key, flat in chosen.items()}
            evaluators = {key: counting(lambda pos, h, bar, key=key, flat=flat: side.entry_slopes(key, flat[pos], h, bar))
                          for key, flat in chosen.items()}
        # the analytic side's round-off. Each entry is a sum over the examples: a weight's of terms
        # like the largest weight gradient, a bias's (shape (n, 1)) of deltas as large as the cost's
        # own terms, which may cancel to a far smaller sum (+-0.5 deltas summing to 1e-7)
        largest = {key: float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) for key, a in grads.items()}
        weights = max([v for key, v in largest.items() if not _bias_shaped(shapes[key])], default=0.0)
        deltas = max(abs(float(side.cost)), term_scale, max(largest.values(), default=0.0))
        smallest = float(np.finfo(np.float32 if precision == "float32" else np.float64).tiny)  # underflow
        for key, evaluate in evaluators.items():
            g = analytic[key]
            scale = float(np.max(np.abs(g[np.isfinite(g)]), initial=0.0))
            terms = weights
            if mode != "directional":
                scale = max(scale, largest[key])
                # in float64, every key: a slope taken from a saturated output (A (1 - A) with A
                # near 1) is off by round-off of A itself, of the size of the deltas' terms;
                # float32 keeps weights to their own scale, or its small weight gradients could
                # not be told at all
                terms = deltas if _bias_shaped(shapes[key]) or precision != "float32" else weights
            else:
                terms = deltas
            slack = unit * max(ANALYTIC_UNITS * scale, SUM_UNITS * terms) + smallest
            verdicts[key] = KeyVerdict(g, evaluate, eps, tol, slack, side.examine_cap,
                                       getattr(side, "max_shrink", MAX_SHRINK), getattr(side, "kinks_known", False))
        _without_kinks(verdicts)
    finally:
        bar.close()
    return _fields(verdicts, chosen, shapes, mode, asked, eps, tol, precision, ignored, label, side, counted,
                   notes, m, total_entries)


def _bias_shaped(shape) -> bool:
    """A bias (n, 1) or a vector: a plain sum of deltas over the examples."""
    return len(shape) <= 1 or shape[-1] == 1


class _Quiet:
    def update(self, count: int) -> None:
        pass


def _estimate_seconds(side, shapes, eps: float, seconds_per_call: Optional[float], total: int) -> float:
    """How long a full check should take: ``2 x total`` calls of ``f``, or (an fnnet network)
    nothing when its work is surely small, else the time of a probe of up to 1024 entries of
    its first key (the costliest per entry: its changes pass through every layer), scaled."""
    if seconds_per_call is not None:
        return 2.0 * total * seconds_per_call
    if total * side.work_per_entry() <= SURELY_QUICK:  # a few seconds at most: no probe needed
        return 0.0
    key = next(iter(shapes))
    size = int(np.prod(shapes[key]))
    probe = np.arange(min(size, 1024))
    start = time.perf_counter()
    side.entry_slopes(key, probe, eps, _Quiet())
    return (time.perf_counter() - start) / max(probe.size, 1) * total


def _fields(verdicts: Dict[str, KeyVerdict], chosen, shapes, mode, asked, eps, tol, precision, ignored, label,
            side, counted, notes, m, total_entries) -> dict:
    errors, worst, kinks, unsure, hints, key_verdicts, numerical, severity, n_checked = {}, {}, {}, {}, {}, {}, {}, {}, {}
    for key, v in verdicts.items():
        flat = chosen[key]
        shape = (len(flat),) if mode == "directional" else shapes[key]
        index = (lambda i: (int(i),)) if mode == "directional" else (lambda i, shape=shape, flat=flat: entry_index(shape, flat[i]))
        decided = v.verdict != UNSURE
        g, n = v.g[decided], v.n[decided]
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(v.g - v.n)
            num = float(np.linalg.norm(diff[decided])) if decided.any() else 0.0
            denom = float(np.linalg.norm(g) + np.linalg.norm(n))
        errors[key] = (num / denom if denom > 0 else (0.0 if num == 0 else float("inf"))) if np.isfinite(num) else float("inf")
        wrong = v.verdict == WRONG
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            excess = np.nan_to_num(diff / np.maximum(_allowed(v.g, v.n, v.E, tol, 0.0), 1e-300), nan=np.inf)
        pick = (np.flatnonzero(wrong)[np.argmax(np.nan_to_num(diff[wrong], nan=np.inf))] if wrong.any() else
                (np.flatnonzero(decided)[np.argmax(np.nan_to_num(diff[decided], nan=np.inf))] if decided.any() else
                 (0 if v.g.size else None)))
        worst[key] = ((), float("nan"), float("nan")) if pick is None else (index(pick), float(v.g[pick]), float(v.n[pick]))
        kinks[key] = [index(i) for i in np.flatnonzero(v.kink)]
        unsure[key] = [(index(i), REASONS[v.reason[i]]) for i in np.flatnonzero(v.verdict == UNSURE)]
        n_checked[key] = int(decided.sum())
        if wrong.any():
            key_verdicts[key] = "FAIL"
            hints[key] = hint(shape if mode != "directional" else (), v.g, v.n, v.E, wrong,
                              flat if mode != "directional" else np.arange(len(flat)), m)
        elif v.g.size and not (v.precise & (v.verdict == RIGHT) & ((v.g != 0) | (v.n != 0))).any() \
                and not np.all((v.g == 0) & (v.n == 0)):
            key_verdicts[key] = "CANNOT TELL"
            hints[key] = ("every entry sits at a kink" if unsure[key] and len(unsure[key]) == v.g.size and
                          all(r == REASONS["kink"] for _, r in unsure[key]) else
                          "its gradients are below the precision of the differences")
        else:
            key_verdicts[key] = "PASS"
        severity[key] = float(np.max(excess[wrong])) if wrong.any() else (errors[key] / tol if tol else 0.0)
        numerical[key] = np.full(shape, np.nan)
        numerical[key].reshape(-1)[flat if mode != "directional" else np.arange(len(flat))] = v.n
    failed = [key for key, verdict in key_verdicts.items() if verdict == "FAIL"]
    order = list(severity)
    worst_key = max(order, key=lambda key: (key in failed, np.nan_to_num(severity[key], nan=np.inf), -order.index(key)))
    calls = getattr(side, "calls", 0) if label == "check_grads" else counted["evaluations"]
    return dict(
        ok=not failed, failed_keys=failed, errors=errors, max_rel_error=errors[worst_key], worst_key=worst_key,
        worst_index=worst[worst_key][0], worst_analytic=worst[worst_key][1], worst_numerical=worst[worst_key][2],
        tol=tol, eps=eps, precision=precision, mode=mode, n_checked=n_checked, kinks=kinks, unsure=unsure,
        verdicts=key_verdicts, hints=hints, worst_entries=worst, numerical=numerical, cost=float(side.cost),
        shapes={"all": (total_entries,)} if mode == "directional" else dict(shapes), ignored=ignored, label=label,
        calls=calls, sampled=(mode == "sample"), notes=notes, requested_mode=asked)
