"""See inside a network while it trains: the few per-layer numbers every course computes by hand.

For layer ``l`` of a batch's forward and backward pass (``A{l}`` of shape ``(n_l, m)``):

    mean, std        of A{l}, over its units and examples
    saturated        share of A{l} where g is flat: |A| > 0.97 for tanh, A < 0.03 or A > 0.97 for sigmoid
    dead             share of relu units that are 0 for every example of the batch
    ||W||, ||dW||    Frobenius norms; ||db|| is Nielsen's "speed of learning" of the layer
    std(dW)/std(W)   the gradient's scale against the weights' (Karpathy's grad:data ratio)

and between two params dicts the update ratio ``||new - old|| / ||old||`` per key (CS231n:
about 1e-3 per step). :class:`Diagnostics` records them per epoch during :func:`fnnet.train`.

Everything here is NumPy only and reads the plain dicts ``forward`` and ``backward`` return.
"""

from __future__ import annotations

import math
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np

from ._table import Table
from ._validation import check_cache, check_like, check_params
from .activations import Activation, get_activation
from .losses import Loss, get_loss
from .network import backward, forward
from .training import TrainingDiverged

__all__ = ["LayerStat", "LayerStats", "layer_stats", "update_ratio", "Diagnostics"]

#: Where an activation is flat (its derivative nearly 0): name -> (test on A, as words).
#: 0.97 is the threshold of Karpathy's "makemore part 3" (tanh) and the issue's sigmoid one.
SATURATION: Dict[str, tuple] = {
    "tanh": (lambda A: np.abs(A) > 0.97, "|A| > 0.97"),
    "sigmoid": (lambda A: (A < 0.03) | (A > 0.97), "A < 0.03 or A > 0.97"),
}
#: Activations whose unit is dead (zero output, zero gradient) where A == 0 for every example.
DYING = ("relu",)


class LayerStat(NamedTuple):
    """One layer's numbers (see the module's docstring). ``saturated`` is None for an
    activation without flat regions, ``dead`` None but for relu, ``std_ratio`` None when
    ``std(W) = 0`` (e.g. ``init="zeros"``)."""

    layer: int
    activation: str
    mean: float
    std: float
    saturated: Optional[float]
    dead: Optional[float]
    W_norm: float
    dW_norm: float
    db_norm: float
    std_ratio: Optional[float]


#: Column titles of the printed table, per field of :class:`LayerStat`.
TITLES = ("layer", "activation", "mean(A)", "std(A)", "saturated", "dead", "||W||", "||dW||", "||db||",
          "std(dW)/std(W)")


class LayerStats(tuple):
    """The :class:`LayerStat` of every layer, in order; ``str()`` is a table, and a notebook
    shows it as an HTML table.

    Examples
    --------
    >>> stats = LayerStats([LayerStat(1, "relu", 0.5, 0.25, None, 0.5, 2.0, 0.125, 0.0625, 0.03125)])
    >>> print(stats)
    layer  activation  mean(A)  std(A)  saturated  dead   ||W||  ||dW||  ||db||  std(dW)/std(W)
    1      relu            0.5    0.25          -  50.0%      2   0.125  0.0625          0.0312
    >>> stats.column("dW_norm")
    [0.125]
    """

    def column(self, field: str) -> List[Optional[float]]:
        """One field of every layer, e.g. ``stats.column("db_norm")``, layer 1 first."""
        if field not in LayerStat._fields:
            raise ValueError(f"unknown field {field!r}; valid names are {', '.join(LayerStat._fields)}")
        return [getattr(row, field) for row in self]

    def table(self) -> Table:
        """The table ``str()`` prints (its cells in ``.header`` and ``.rows``)."""
        rows = [[str(s.layer), s.activation, _number(s.mean), _number(s.std), _share(s.saturated), _share(s.dead),
                 _number(s.W_norm), _number(s.dW_norm), _number(s.db_norm), _number(s.std_ratio)] for s in self]
        return Table(TITLES, rows, right=range(2, len(TITLES)))

    def __str__(self) -> str:
        return str(self.table())

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()


def _number(x: Optional[float]) -> str:
    return "-" if x is None else f"{x:.3g}"


def _share(x: Optional[float]) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def layer_stats(params: Mapping[str, np.ndarray], cache: Mapping, grads: Mapping[str, np.ndarray]) -> LayerStats:
    """Per-layer activation and gradient statistics of one forward and backward pass.

    Parameters
    ----------
    params : dict
        ``W{l}`` of shape ``(n_l, n_{l-1})`` and ``b{l}`` of shape ``(n_l, 1)``.
    cache : dict
        What :func:`fnnet.forward` returned for ``params`` on a batch: ``A{l}`` of shape ``(n_l, m)``.
    grads : dict
        What :func:`fnnet.backward` returned: the same keys and shapes as ``params``.

    Returns
    -------
    LayerStats
        One :class:`LayerStat` per layer: ``mean`` and ``std`` of ``A{l}``, the ``saturated``
        share of its entries (tanh ``|A| > 0.97``; sigmoid ``A < 0.03`` or ``A > 0.97``), the
        ``dead`` share of relu units (``A = 0`` on every example), ``W_norm = ||W{l}||``,
        ``dW_norm``, ``db_norm`` (Frobenius norms), ``std_ratio = std(dW{l}) / std(W{l})``.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = {"W1": np.array([[1.0, -1.0], [-1.0, 1.0]]), "b1": np.zeros((2, 1)),
    ...           "W2": np.array([[1.0, 1.0]]), "b2": np.zeros((1, 1))}
    >>> X, Y = np.array([[2.0, 0.0], [0.0, 2.0]]), np.array([[1.0, 1.0]])
    >>> AL, cache = fnnet.forward(params, X, ["relu", "linear"])
    >>> stats = fnnet.layer_stats(params, cache, fnnet.backward(params, cache, Y, "mse"))
    >>> stats[0].mean, stats[0].dead, stats[1].dW_norm == 2 ** 0.5  # A1 = 2 I, dW2 = [[1, 1]]
    (1.0, 0.0, True)
    """
    L, dtype = check_params(params)
    acts, As = check_cache(cache, params, L, dtype)
    check_like(params, grads, "grads")
    rows = []
    with np.errstate(over="ignore", invalid="ignore"):  # a huge finite entry gives an inf norm, not a warning
        for layer, act in enumerate(acts, start=1):
            A, W = As[layer].astype(np.float64), params[f"W{layer}"].astype(np.float64)
            dW, db = grads[f"W{layer}"].astype(np.float64), grads[f"b{layer}"].astype(np.float64)
            flat = SATURATION.get(act.name)
            saturated = None if flat is None else float(np.mean(flat[0](A)))
            dead = float(np.mean(np.all(A == 0.0, axis=1))) if act.name in DYING else None
            std_W = float(np.std(W))
            rows.append(LayerStat(
                layer, act.name, float(np.mean(A)), float(np.std(A)), saturated, dead,
                _norm(W), _norm(dW), _norm(db), float(np.std(dW)) / std_W if std_W > 0.0 else None))
    return LayerStats(rows)


def _norm(a: np.ndarray) -> float:
    """The Frobenius norm ``sqrt(sum a^2)``, scaled first so that no square overflows."""
    top = float(np.max(np.abs(a))) if a.size else 0.0
    if top == 0.0 or not math.isfinite(top):
        return top
    return top * float(np.sqrt(np.sum(np.square(a / top))))


def update_ratio(old: Mapping[str, np.ndarray], new: Mapping[str, np.ndarray]) -> Dict[str, float]:
    """How far a step moved each parameter, against its size: ``||new - old|| / ||old||``.

    CS231n ("babysitting the learning process") wants about ``1e-3`` per step for the
    weights: much less and the learning rate is too low, much more and it is too high.

    Parameters
    ----------
    old, new : dict
        Two params dicts with the same keys and shapes (before and after some steps).

    Returns
    -------
    dict
        Per key of ``old``, in its order, a float; ``inf`` where ``old`` is all zero and
        ``new`` is not (biases initialised at 0), ``0.0`` where both are zero.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> old = {"W1": np.array([[3.0, 4.0]]), "b1": np.zeros((1, 1))}
    >>> new = {"W1": np.array([[3.0, 4.005]]), "b1": np.full((1, 1), 0.1)}
    >>> {key: round(r, 6) for key, r in fnnet.update_ratio(old, new).items()}
    {'W1': 0.001, 'b1': inf}
    """
    check_params(old, "old")
    check_like(old, new, "new")
    ratios = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for key, before in old.items():
            size = _norm(before.astype(np.float64))
            change = _norm(new[key].astype(np.float64) - before.astype(np.float64))
            ratios[key] = change / size if size > 0.0 else (math.inf if change > 0.0 else 0.0)
    return ratios


class Diagnostics:
    """A :func:`fnnet.train` callback: :func:`layer_stats` and :func:`update_ratio` of every
    epoch on a fixed probe batch, recorded into the history.

    After epoch ``e`` (epoch 1, then every ``every`` epochs) it runs ``forward``
    and ``backward`` with the epoch's params on ``(X, Y)`` and appends to
    ``history[key]``, a dict of lists (so ``np.array(history[key]["db_norm"])`` has shape
    ``(epochs recorded, L)``):

    - ``"epoch"``: the epoch numbers recorded (from 1);
    - every field of :class:`LayerStat` but ``layer`` and ``activation``: one list per
      epoch, one value per layer (None where the field does not apply);
    - ``"update_ratio"``: per layer ``||W_e - W_prev|| / ||W_prev||``, the change since the
      previous recorded epoch (the whole epoch's steps; None for the first recorded epoch
      unless ``initial`` params are given).

    Parameters
    ----------
    X : array_like, shape (n0, m)
        The probe batch's inputs (a few hundred training examples are plenty).
    Y : array_like, shape (n_L, m)
        Its targets, as the loss wants them.
    activations : sequence of str or Activation, length L
    loss : {"mse", "bce", "cce"} or Loss
    initial : dict, optional
        The params training starts from, so that epoch 1 has an update ratio.
    every : int, default 1
        Record every ``every`` epochs (and epoch 1).
    key : str, default "diagnostics"
        The history key it records under.

    Attributes
    ----------
    stats : dict
        ``{epoch: LayerStats}`` of every recorded epoch.
    update_ratios : dict
        ``{epoch: [ratio of W1, ..., ratio of WL] or None}``, as recorded in the history.
    spans : dict
        ``{epoch: how many epochs its update ratio spans}`` (``every``, or the epochs since
        ``initial`` or the last record: a resumed run's first record spans the epochs before it).

    Raises
    ------
    TrainingDiverged
        From :func:`fnnet.train`, when the probe pass overflows (a layer or a gradient is no
        longer finite for the epoch's finite params), carrying those params and the history.

    Notes
    -----
    The probe pass runs without dropout or penalties: it measures the network, not the
    noise of one batch. A resumed run (``resume=True``) records from the resumed epoch on:
    the checkpoint does not keep this record.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> X, y = fnnet.two_moons(200, seed=0)
    >>> params = fnnet.init_params([2, 8, 1], seed=0)
    >>> watch = fnnet.Diagnostics(X[:, :100], y[None, :100], ["relu", "sigmoid"], "bce", initial=params)
    >>> params, history = fnnet.train(params, X, y[None, :], ["relu", "sigmoid"], "bce", epochs=3,
    ...                               batch_size=50, lr=0.1, seed=0, verbose=0, callbacks=[watch])
    >>> history["diagnostics"]["epoch"], np.array(history["diagnostics"]["db_norm"]).shape
    ([1, 2, 3], (3, 2))
    """

    def __init__(self, X, Y, activations: Sequence[Union[str, Activation]], loss: Union[str, Loss], *,
                 initial: Optional[Mapping[str, np.ndarray]] = None, every: int = 1, key: str = "diagnostics") -> None:
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be an int >= 1, got {every!r}")
        if not isinstance(key, str):
            raise TypeError(f"key must be a history key (str), got {type(key).__name__}")
        for name, arr in (("X", X), ("Y", Y)):
            if np.ndim(arr) != 2:
                raise ValueError(f"the probe batch's {name} must be 2-D, one example per column; got shape {np.shape(arr)}")
        if np.shape(X)[1] != np.shape(Y)[1]:
            raise ValueError(f"the probe batch's X has {np.shape(X)[1]} examples (columns) but Y has {np.shape(Y)[1]}")
        if isinstance(activations, (str, bytes)):
            raise TypeError("activations must be a sequence with one name per layer, e.g. ['relu', 'sigmoid']")
        for act in activations:
            get_activation(act)  # an unknown name is refused here, before training starts
        self.X, self.Y, self.activations, self.loss = X, Y, list(activations), get_loss(loss)
        self.every, self.key = int(every), key
        self.previous = None if initial is None else _copy(initial)
        self.previous_epoch = 0
        self.spans: Dict[int, int] = {}
        self.stats: Dict[int, LayerStats] = {}
        self.update_ratios: Dict[int, Optional[List[Optional[float]]]] = {}

    def __call__(self, epoch: int, params: Mapping[str, np.ndarray], history: dict) -> None:
        if epoch != 1 and epoch % self.every:
            return None
        return self.record(epoch, params, history)

    def record(self, epoch: int, params: Mapping[str, np.ndarray], history: dict) -> None:
        """Measure ``params`` on the probe batch and append the numbers to ``history[key]``."""
        try:
            AL, cache = forward(params, self.X, self.activations)
            stats = layer_stats(params, cache, backward(params, cache, self.Y, self.loss))
        except ValueError as err:  # finite params so large that a layer or a gradient overflows
            raise TrainingDiverged(f"training diverged by epoch {epoch}: the Diagnostics probe pass failed ({err}). "
                                   "Try a lower learning rate; the exception's .params hold the epoch's parameters",
                                   _copy(params), history, epoch, 0) from None
        ratios = None if self.previous is None else update_ratio(self.previous, params)
        record = history.setdefault(self.key, {"epoch": [], "update_ratio": [],
                                               **{f: [] for f in LayerStat._fields[2:]}})
        record["epoch"].append(int(epoch))
        for field in LayerStat._fields[2:]:
            record[field].append(stats.column(field))
        per_layer = None if ratios is None else [_finite(ratios[f"W{row.layer}"]) for row in stats]
        record["update_ratio"].append(per_layer)
        self.stats[int(epoch)], self.update_ratios[int(epoch)] = stats, per_layer
        if ratios is not None:
            self.spans[int(epoch)] = int(epoch) - self.previous_epoch
        self.previous, self.previous_epoch = _copy(params), int(epoch)
        return None


def _copy(params: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    return {key: np.array(value, copy=True) for key, value in params.items()}


def _finite(x: float) -> Optional[float]:
    """``x``, or None for inf (a history is JSON, which has no inf)."""
    return x if math.isfinite(x) else None
