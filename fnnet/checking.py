"""Gradient checking: analytic gradients against central differences, entry by entry.

:func:`check_grads` checks the gradients of any scalar function ``f`` of a dict of arrays
(your own network, your own backward); :func:`gradcheck` is the same check of fnnet's
``forward`` + cost, with an exact numerical side. Both end in one verdict
(``fnnet._verdict``): every entry is right, wrong, or cannot be told, judged against the
estimated error of its own central difference (round-off from ``|f|``, ``eps`` and ``f``'s
precision; truncation from two step sizes), never against a fixed floor, so gradients of
``1e-7`` (a ``0.01 * randn`` init) are judged as surely as gradients of 1. Kinks are found
from the one-sided slopes for any ``f`` and resolved with smaller steps before judging.
A key fails on a wrong entry; a failing key gets a hint (a constant ratio, a row or column).

:func:`gradcheck` carries each perturbation through the network as exact changes
(``fnnet._evaluator``), so only the ``eps**2`` truncation remains, and for sigmoid + bce and
softmax + cce it checks the cost computed from the output logits (the true cross-entropy at
any logit, whose gradient is the fused ``(A - Y) / m``). It knows where a step crosses a kink
of an activation (relu at 0, or a custom activation's declared ``kinks``).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ._evaluator import FunctionSide, NetworkSide, network_function
from ._validation import check_params, check_positive, column_factors, format_shape
from ._verdict import BUDGET_SECONDS, FLOAT32_TOL, MODES, PROGRESS_AFTER  # noqa: F401 (the checker's constants)
from ._verdict import SAFETY as _SAFETY
from ._verdict import check_options, judge, match_grads
from .activations import Activation
from .losses import Loss, get_loss
from .network import backward, forward
from .regularization import check_penalty

__all__ = ["numerical_grads", "check_grads", "gradcheck", "GradcheckReport"]

#: The smallest step for an ``f`` that computes in float32 (its values carry 6e-8 of round-off).
FLOAT32_EPS = 1e-3

def numerical_grads(f: Callable[[Dict[str, np.ndarray]], float], params: Mapping[str, np.ndarray],
                    eps: float = 1e-6) -> Dict[str, np.ndarray]:
    """Central differences ``(f(p + eps e) - f(p - eps e)) / (2 eps)`` of a scalar function of a
    dict of arrays, for every entry of every key: ``2 * (number of entries)`` calls of ``f``.

    ``f(p) -> float`` must read the arrays from its argument ``p`` (a float64 copy of
    ``params``: ``params`` is never modified, not even temporarily). Returns a dict with the
    keys and shapes of ``params``, float64. Raises ``ValueError`` if ``f`` returns NaN or inf
    at a perturbed point, naming the key and index.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> n = fnnet.numerical_grads(lambda q: float(np.sum(q["w"] ** 2)), {"w": np.array([[1.0, 2.0]])})
    >>> np.round(n["w"], 6)
    array([[2., 4.]])
    """
    side = FunctionSide(f, params)
    eps = check_positive(eps, "eps")
    grads = {}
    for key, arr in side.work.items():
        out = np.empty(arr.size)
        for i in range(arr.size):
            J_up, up, J_down, down = side.pair(key, i, eps)
            out[i] = (J_up - J_down) / (up - down)  # the steps actually taken, after rounding
        grads[key] = out.reshape(arr.shape)
    return grads


@dataclass(frozen=True)
class GradcheckReport:
    """What a check found; ``str(report)`` is a table, one line per key. Nothing is printed.

    Every checked entry gets one of three verdicts: right, wrong, or cannot tell (at a kink
    where the analytic value matches neither one-sided slope, or below the precision of the
    differences). A key fails when an entry is wrong, cannot be told when none of its entries
    could be judged precisely, and passes otherwise; "cannot tell" never fails a key.

    ``ok``: no key fails. ``failed_keys``: those that do, in params order. ``verdicts``: per
    key, ``"PASS"``, ``"FAIL"`` or ``"CANNOT TELL"``; ``hints``: per failing (or undecided) key,
    what to look at (``"analytic = 32 x numerical: a missing 1/m (m = 32)?"``, ``"only row 3 is
    wrong"``). ``errors``: per key, ``||g - n|| / (||g|| + ||n||)`` over the entries judged right
    or wrong (directional mode: one key, ``"all"``, over the ``k`` slopes ``<g, v>``).
    ``worst_key``: the failing key whose entry lies furthest beyond its allowed error (else the
    key of the largest error); ``max_rel_error`` its error; ``worst_index``, ``worst_analytic``,
    ``worst_numerical``: its wrong entry with the largest ``|g - n|`` (else its largest
    ``|g - n|``), and ``worst_entries`` the same for every key. ``tol``,
    ``eps``, ``mode`` (the mode run: ``"auto"`` runs ``"full"`` or ``"sample"``; the mode asked
    for is ``requested_mode``), ``sampled``; ``precision``: ``"float32"`` or ``"float64"``, of
    the analytic side. ``n_checked``: entries judged right or wrong, per key. ``kinks``: per
    key, the entries found at or near a kink; ``unsure``: per key, ``(index, reason)`` of the
    entries that cannot be told. ``numerical``: the numerical values judged against, float64,
    params' shapes, ``nan`` where not checked (directional: ``(k,)``). ``cost``: ``J`` at
    params. ``calls``: calls of ``f`` (``check_grads``) or perturbed costs evaluated
    (``gradcheck``). ``notes``: what the footer says about sampling and precision. ``ignored``:
    grads keys that matched no key (e.g. ``dZ1``).
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
    unsure: Dict[str, List[Tuple[Tuple[int, ...], str]]]
    verdicts: Dict[str, str]
    hints: Dict[str, str]
    worst_entries: Dict[str, Tuple[Tuple[int, ...], float, float]]
    numerical: Dict[str, np.ndarray] = field(repr=False)
    cost: float = float("nan")
    shapes: Dict[str, Tuple[int, ...]] = field(default_factory=dict, repr=False)
    ignored: List[str] = field(default_factory=list)
    label: str = "gradcheck"
    calls: int = 0
    sampled: bool = False
    notes: List[str] = field(default_factory=list)
    requested_mode: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def _rows(self) -> List[Tuple[str, ...]]:
        rows = []
        for key, err in self.errors.items():
            index, g, n = self.worst_entries[key]
            notes = []
            if self.kinks.get(key):
                notes.append(f"{len(self.kinks[key])} at or near a kink")
            if self.unsure.get(key):
                notes.append(f"{len(self.unsure[key])} cannot tell")
            if self.hints.get(key):
                notes.append(self.hints[key])
            where = "[" + ", ".join(map(str, index)) + "]" if index else "-"
            rows.append((key, format_shape(self.shapes.get(key, ())), str(self.n_checked[key]), f"{err:.3g}", where,
                         f"{g:.6g}", f"{n:.6g}", self.verdicts[key], "; ".join(notes)))
        return rows

    def _header(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        untold = sum(v == "CANNOT TELL" for v in self.verdicts.values())
        if untold:
            verdict += f" ({untold} of {len(self.verdicts)} keys cannot be told)"
        return (f"{self.label} {verdict}: {self.mode} mode, {self.precision} params (numerical side float64), "
                f"eps={self.eps:g}, tol={self.tol:g}; max relative error {self.max_rel_error:.3g} in {self.worst_key}")

    def _footer(self) -> List[str]:
        lines = [f"an entry is right when |g - n| <= {_SAFETY:g} x (estimated error of n) + tol x (|g| + |n|) + "
                 "the analytic dtype's round-off; the error of n is measured from the differences (round-off "
                 "from |f|, eps and f's precision; truncation from two step sizes, for entries examined again); "
                 "a key fails on a wrong entry, and 'cannot tell' never fails it. "
                 f"{self.calls} {'calls of f' if self.label == 'check_grads' else 'perturbed costs'}.",
                 "relative error = ||g - n|| / (||g|| + ||n||) over the entries judged, per key."]
        if any(self.kinks.values()):
            lines.append("at or near a kink: the one-sided slopes disagreed beyond their error; such entries were "
                         "judged with smaller steps, or against the one-sided slope on the analytic value's side.")
        exact = "" if self.label == "gradcheck" else ", or (for a network of fnnet's shape) the exact fnnet.gradcheck"
        below = [key for key, hint in self.hints.items() if self.verdicts[key] == "CANNOT TELL" and "precision" in hint]
        if below:
            lines.append(f"cannot tell {', '.join(below)}: their gradients are below what the differences resolve "
                         f"(f's noise over eps, or the analytic dtype's round-off); a cost of larger scale, a larger "
                         f"eps, float64{exact} decides them.")
        for key, entries in self.unsure.items():
            for index, reason in entries[:3]:
                lines.append(f"cannot tell {key}[{', '.join(map(str, index))}]: {reason}"
                             + (f" (an entry off the kink, another eps{exact} decides it)" if "kink" in reason else
                                f" (a larger cost scale or eps, float64{exact} decides it)"))
            if len(entries) > 3:
                lines.append(f"... and {len(entries) - 3} more in {key}")
        lines += self.notes
        if self.ignored:
            lines.append(f"ignored grads keys that match no parameter: {', '.join(self.ignored)}")
        return lines

    _COLUMNS = ("key", "shape", "checked", "rel. error", "worst entry", "analytic", "numerical", "verdict", "")

    def __str__(self) -> str:
        head = (f"{'key':<6} {'shape':<12} {'checked':>7}  {'rel. error':>10}  "
                f"{'direction' if self.mode == 'directional' else 'worst entry':<12} "
                f"{'analytic':>13} {'numerical':>13}  verdict")
        lines = [self._header(), head, "-" * len(head)]
        for key, shape, checked, err, where, g, n, verdict, note in self._rows():
            lines.append(f"{key:<6} {shape:<12} {checked:>7}  {err:>10}  {where:<12} {g:>13} {n:>13}  {verdict}"
                         + ("  <-- wrong" if verdict == "FAIL" else "") + (f"  ({note})" if note else ""))
        return "\n".join(lines + [textwrap.fill(line, 100, subsequent_indent="  ") for line in self._footer()])

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython and Jupyter's plain-text display: the table of ``str``."""
        printer.text("GradcheckReport(...)" if cycle else str(self))

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the same table as HTML."""
        cells = lambda row, tag: "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row)  # noqa: E731
        body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in self._rows())
        footer = "".join(f"<li>{html.escape(line)}</li>" for line in self._footer())
        return (f"<div><p><b>{html.escape(self._header())}</b></p><table><thead><tr>{cells(self._COLUMNS, 'th')}"
                f"</tr></thead><tbody>{body}</tbody></table><ul>{footer}</ul></div>")


def check_grads(f: Callable[[Dict[str, np.ndarray]], float], params: Mapping[str, np.ndarray],
                grads: Mapping[str, np.ndarray], *, mode: str = "auto", eps: float = 1e-6, tol: float = 1e-7,
                n: int = 16, k: int = 8, seed: int = 0, progress: Optional[bool] = None) -> GradcheckReport:
    """Check the gradients ``grads`` of any scalar function ``f`` of a dict of arrays, key by key.

    Parameters
    ----------
    f : callable
        ``f(p) -> float`` for a dict ``p`` like ``params``; it must read the arrays from ``p``
        (a float64 copy: ``params`` is never modified).
    params : dict of str to ndarray
        Any dict of real arrays.
    grads : dict of str to ndarray
        ``dJ/dparams[key]`` for every key, of its shape; a key may also be written ``"d" + key``
        as the deep-learning course does (``dW1``, ``db1``). Keys that match no parameter
        (``dA1``, ``dZ1``) are ignored and listed in ``report.ignored``; a missing key is an error.
    mode : {"auto", "full", "sample", "directional"}
        ``"auto"`` (default): ``"full"`` when that should take at most ``BUDGET_SECONDS`` (about
        20 s, estimated from the first calls of ``f``), else ``"sample"`` with as many entries
        per key as fit, said in the report and in one line on stderr. ``"full"``: every entry.
        ``"sample"``: ``n`` random entries per key (all if fewer). ``"directional"``: ``k``
        random unit directions ``v`` over every key at once, comparing ``(f(p + eps v) - f(p -
        eps v)) / (2 eps)`` with ``<grads, v>``, one verdict for the whole (key ``"all"``).
        Calls of ``f``: ten to check ``f`` itself (twice at ``params``, once nearby, seven along a
        short line for its noise), then two per entry or direction checked, and six to sixteen
        more per entry examined again (one that disagrees, is not precise, or sits near a
        kink); ``report.calls`` counts them.
    eps : float
        The central-difference step; ``1e-6`` suits float64 functions of order 1. Entries
        examined again also use ``eps / 10`` and smaller, and ``10 eps`` to ``1e4 eps``. An
        ``f`` that computes in float32 is stepped by at least ``FLOAT32_EPS``.
    tol : float
        The relative disagreement allowed beyond the estimated error of each numerical value;
        ``max(tol, FLOAT32_TOL)`` if any array (or ``f``) is float32.
    n, k : int
        Entries per key (``"sample"``), directions (``"directional"``).
    seed : int
        Seeds the choice of entries and directions.
    progress : bool, optional
        ``None``: when the check should take longer than ``PROGRESS_AFTER`` seconds (timed on
        the first call of ``f``), say how long before starting and show progress, on stderr;
        ``True``: always; ``False``: never. Nothing goes to stdout.

    Returns
    -------
    GradcheckReport
        ``ok``, ``verdicts`` and ``hints`` per key, ``unsure`` entries with their reasons, and
        more; ``str(report)`` is a table.

    Raises
    ------
    ValueError
        ``f`` gives two values at the same params (dropout masks drawn inside ``f``), or a
        NaN/inf; a key of ``grads`` is missing or of the wrong shape.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = {"w": np.array([1.0, -2.0]), "b": np.array([[0.5]])}
    >>> f = lambda p: float(np.sum(p["w"] ** 2) + 3.0 * p["b"][0, 0])
    >>> fnnet.check_grads(f, params, {"dw": 2.0 * params["w"], "db": np.array([[3.0]])}).ok
    True
    >>> fnnet.check_grads(f, params, {"w": params["w"], "b": np.array([[3.0]])}).failed_keys
    ['w']
    """
    side = FunctionSide(f, params)
    eps, tol, n, k = check_options(eps, tol, mode, n, k, progress)
    shapes = {key: arr.shape for key, arr in side.work.items()}
    matched, ignored = match_grads(shapes, grads)
    arrays = list(params.values()) + list(matched.values())
    precision = "float32" if any(a.dtype.kind == "f" and a.dtype.itemsize <= 4 for a in arrays) else "float64"
    side.start()  # f checked first: deterministic, its precision, its noise
    seconds_per_call = float(np.median(side.seconds))  # the first call may pay for memory
    if side.float32_reason:
        eps = max(eps, FLOAT32_EPS)
    return GradcheckReport(**judge(side, shapes, matched, mode=mode, eps=eps, tol=tol, n=n, k=k, seed=seed,
                                   progress=progress, precision=precision, ignored=ignored, label="check_grads",
                                   seconds_per_call=seconds_per_call, float32_reason=side.float32_reason))


def gradcheck(params: Mapping[str, np.ndarray], X, Y, activations: Sequence[Union[str, Activation]],
              loss: Union[str, Loss], grads: Optional[Mapping[str, np.ndarray]] = None, *,
              eps: float = 1e-6, tol: float = 1e-7, mode: str = "auto", n: int = 16, k: int = 8,
              seed: int = 0, progress: Optional[bool] = None, wrt_input: bool = False, l2: float = 0.0,
              l1: float = 0.0, keep_prob: Union[float, Sequence[float]] = 1.0,
              rng: Optional[np.random.Generator] = None, sample_weight=None) -> GradcheckReport:
    """:func:`check_grads` of fnnet's cost ``J(params) = cost(forward(params, X), Y)``, with an
    exact numerical side: the same modes, options, verdict and report.

    Parameters
    ----------
    params : dict
        ``W1..WL`` of shape ``(n_l, n_{l-1})``, ``b1..bL`` of shape ``(n_l, 1)``, float32 or float64.
    X : array_like, shape (n0, m)
    Y : array_like, shape (n_L, m)
    activations : sequence of str or Activation, length L
    loss : {"mse", "bce", "cce"} or Loss
    grads : dict, optional
        The gradients to check (e.g. from your own backward), keyed as params or as ``dW1``,
        ``db1``; default: :func:`fnnet.backward`'s.
    wrt_input : bool, default False
        Also check ``dJ/dX`` (shape ``(n0, m)``), the report's row ``"X"``: from
        ``backward(..., wrt_input=True)``, or ``grads["X"]`` (also ``"dX"``, ``"dA0"``).
    l2, l1 : float, default 0.0
        The checked cost includes the penalty ``fnnet.penalty(params, l2=l2, l1=l1)``, and the
        default grads come from ``backward(..., l2=l2, l1=l1)``.
    sample_weight : array_like, shape (m,), optional
        The checked cost is the weighted mean (as in :func:`fnnet.cost`), with exact changes
        like the unweighted one (plain central differences for a user's loss whose ``change``
        takes no weights).
    keep_prob, rng : as in :func:`fnnet.forward`
        Dropout: the masks ``forward`` draws (``cache["D{l}"]``) are held fixed, so the cost
        is a smooth function of the params and the check is exact. Give your own grads for
        those same masks (the same ``rng`` state).
    eps, tol, mode, n, k, seed, progress
        As in :func:`check_grads`. Full mode batches many entries into one matmul, far fewer
        than two network evaluations per entry; directional mode takes ``k`` directions.

    Notes
    -----
    For sigmoid + bce and softmax + cce the checked cost (and ``report.cost``) is computed
    from the output layer's pre-activation, exact at any logit; other pairs use
    ``fnnet.cost``'s clipped form. An entry whose step crosses a kink of an activation
    (``Activation.kinks``) is checked again with smaller steps, down to ``1e-30 eps``, and
    one still at a kink is judged against its one-sided slopes. A float32 network's
    pre-activations within float32 round-off of a kink count as at it: a float32 backward
    may see them on either side.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = fnnet.init_params([3, 5, 2], seed=0)
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((3, 8)), np.eye(2)[:, rng.integers(0, 2, 8)]
    >>> report = fnnet.gradcheck(params, X, Y, ["tanh", "softmax"], "cce", wrt_input=True)
    >>> report.ok, list(report.errors), report.max_rel_error < 1e-7
    (True, ['W1', 'b1', 'W2', 'b2', 'X'], True)
    """
    L, dtype = check_params(params)
    loss = get_loss(loss)
    eps, tol, n, k = check_options(eps, tol, mode, n, k, progress)
    if not isinstance(wrt_input, (bool, np.bool_)):
        raise TypeError(f"wrt_input must be True or False, got {type(wrt_input).__name__}")
    wrt_input = bool(wrt_input)
    l2, l1 = check_penalty(l2, l1)
    AL, cache = forward(params, X, activations, keep_prob=keep_prob, rng=rng)  # validates X, activations, dropout
    Y64 = loss.check_targets(Y, AL.shape, np.dtype(np.float64))  # the numerical side's targets
    shapes = {key: p.shape for key, p in params.items()}
    shapes.update({"X": cache["A0"].shape} if wrt_input else {})
    if grads is None:
        own = backward(params, cache, Y, loss, l2=l2, l1=l1, sample_weight=sample_weight,
                       wrt_input=wrt_input)  # validates Y
        matched, ignored = (dict(own[0], X=own[1]) if wrt_input else own), []
    else:
        matched, ignored = match_grads(shapes, grads)
    # the numerical side sees the X the analytic side saw: validated and cast once by forward
    masks = {l: cache[f"D{l}"] for l in range(1, L + 1) if f"D{l}" in cache}
    X64, c = cache["A0"].astype(np.float64), column_factors(sample_weight, AL.shape[1], np.dtype(np.float64))
    if loss.weighted_changes(c):
        side = NetworkSide(params, X64, Y64, cache["activations"], loss, masks, l2, l1, c,
                           analytic_unit=float(np.finfo(np.float32).eps) / 2 if dtype == np.float32 else None)
    else:  # a user's loss whose changes take no weights: plain differences of the weighted cost
        f = network_function(X64, Y64, cache["activations"], loss, masks, l2, l1, c)
        side = FunctionSide(f, dict(params, X=X64) if wrt_input else params)
        side.start()
    seconds_per_call = float(np.median(side.seconds)) if isinstance(side, FunctionSide) else None
    # a huge or tiny eps overflows or underflows the changes: a FAIL or a 'cannot tell', not a warning
    with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
        verdict = judge(side, shapes, matched, mode=mode, eps=eps, tol=tol, n=n, k=k, seed=seed, progress=progress,
                        precision=str(dtype), ignored=ignored, label="gradcheck", m=int(X64.shape[1]),
                        seconds_per_call=seconds_per_call,
                        term_scale=float(np.abs(AL).max() + np.abs(Y64).max()) / X64.shape[1])
    return GradcheckReport(**verdict)
