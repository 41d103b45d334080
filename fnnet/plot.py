"""Plots of a network and its training, from Python (extra ``plot``: matplotlib).

Every function draws on the axes it is given (``ax=``), or on a new figure's axes, and
returns them, so plots compose into a learner's own figure::

    fig, (left, right) = plt.subplots(1, 2)
    fnnet.plot.training_curves(history, ax=left)
    fnnet.plot.decision_boundary(params, X, y, acts, ax=right)

- :func:`training_curves`: a history's cost (or accuracy, or lr) per epoch, training and validation;
- :func:`decision_boundary`: the class a network gives every point of the plane, with the data;
- :func:`learning_speed`: Nielsen's figure, ``||db||`` of each layer per epoch on a log scale
  (from the record of :class:`fnnet.Diagnostics`);
- :func:`activation_histograms`, :func:`gradient_histograms`: one distribution per layer.

matplotlib is imported inside the functions that need it, so ``import fnnet`` stays NumPy-only.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence, Union

import numpy as np

from ._validation import n_layers
from .activations import Activation
from .diagnostics import SATURATION
from .metrics import labels_of, predict, predict_labels

__all__ = ["training_curves", "decision_boundary", "learning_speed", "activation_histograms", "gradient_histograms"]

PLOT_HINT = "pip install 'fnnet[plot]' (from a checkout: pip install -e \".[plot]\")"


def _axes(ax):
    """``ax``, or the axes of a new figure; a clear ImportError naming the extra without matplotlib."""
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(f"fnnet.plot needs matplotlib (the plot extra), which is not installed: {PLOT_HINT}") from None
    return plt.figure().add_subplot()


def training_curves(history: Mapping, *, metric: str = "cost", ax=None, log: Optional[bool] = None,
                    label: str = "training", val_label: str = "validation"):
    """One metric of a training history per epoch: training, and validation when recorded.

    Parameters
    ----------
    history : dict of lists
        As :func:`fnnet.train` returns it.
    metric : {"cost", "accuracy", "lr", "data_cost"}, default "cost"
        The key to plot; ``"val_" + metric`` is drawn too when the history has it.
    ax : matplotlib Axes, optional
    log : bool, optional
        A log y-axis (default: for cost and lr, when every value is positive).
    label, val_label : str, default "training", "validation"
        The labels of the two curves (``val_label="test"`` when that data is a test set).

    Returns
    -------
    matplotlib Axes
        With one line per curve, labelled ``label`` / ``val_label``.
    """
    if not isinstance(history, Mapping) or not isinstance(history.get(metric), list):
        recorded = sorted(k for k, v in history.items() if isinstance(v, list)) if isinstance(history, Mapping) else []
        raise ValueError(f"the history records no {metric!r}; it records {recorded}")
    ax = _axes(ax)
    curves = [(label, history[metric])]
    if isinstance(history.get(f"val_{metric}"), list):
        curves.append((val_label, history[f"val_{metric}"]))
    for label, values in curves:
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    values = [v for _, vs in curves for v in vs]
    if log is None:
        log = metric in ("cost", "data_cost", "lr") and bool(values) and min(values) > 0
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} per epoch")
    ax.legend()
    return ax


def decision_boundary(params: Mapping[str, np.ndarray], X, y, activations: Sequence[Union[str, Activation]], *,
                      ax=None, resolution: int = 200, margin: float = 0.1):
    """The class the network gives each point of the plane, as coloured regions, with the data on top.

    Parameters
    ----------
    params : dict
        A network with 2 inputs (``W1`` of shape ``(n1, 2)``).
    X : array_like, shape (2, m)
        The points, one per column.
    y : array_like, shape (m,) or (n_L, m)
        Their labels, or targets (one-hot or 0/1 rows) whose labels are taken.
    activations : sequence of str or Activation, length L
    ax : matplotlib Axes, optional
    resolution : int, default 200
        Grid points along each axis.
    margin : float, default 0.1
        Space around the data, as a share of its range.

    Returns
    -------
    matplotlib Axes
        A filled contour of the predicted classes and one scatter of the points.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"X must have shape (2, m): two features, one point per column; got {X.shape}")
    if params["W1"].shape[1] != 2:
        raise ValueError(f"the network must take 2 inputs (params['W1'] of shape (n1, 2)), got {params['W1'].shape}")
    labels = np.asarray(y)
    labels = labels_of(labels) if labels.ndim == 2 else labels
    if labels.shape != (X.shape[1],):
        raise ValueError(f"y must hold one label per column of X ({X.shape[1]}), got shape {np.shape(y)}")
    ax = _axes(ax)
    lo, hi = X.min(axis=1), X.max(axis=1)
    pad = margin * np.where(hi > lo, hi - lo, 1.0)
    g0, g1 = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
    grid = np.vstack([g0.ravel(), g1.ravel()]).astype(params["W1"].dtype)
    region = predict_labels(predict(params, grid, activations)).reshape(g0.shape)
    k = max(int(params[f"W{n_layers(params)}"].shape[0]), 2)  # classes: output units, 2 for one unit
    ax.contourf(g0, g1, region, levels=np.arange(k + 1) - 0.5, cmap="tab10", vmin=0, vmax=9, alpha=0.3)
    ax.scatter(X[0], X[1], c=labels, cmap="tab10", vmin=0, vmax=9, s=12, edgecolors="k", linewidths=0.3)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("decision regions")
    return ax


def learning_speed(history: Mapping, *, field: str = "db_norm", key: str = "diagnostics", ax=None,
                   layers: Optional[Sequence[int]] = None):
    """Nielsen's figure (chapter 5): each layer's speed of learning ``||db||`` per epoch, log scale.

    Parameters
    ----------
    history : dict
        A history recorded with a :class:`fnnet.Diagnostics` callback.
    field : str, default "db_norm"
        Which per-layer number: ``"db_norm"``, ``"dW_norm"``, ``"update_ratio"``, ``"std_ratio"``, ...
    key : str, default "diagnostics"
        The history key the callback recorded under.
    ax : matplotlib Axes, optional
    layers : sequence of int, optional
        The layers to draw (from 1), default all but the output layer (all, for one layer).

    Returns
    -------
    matplotlib Axes
        One line per layer, labelled ``"layer 1"``, ...
    """
    record = history.get(key) if isinstance(history, Mapping) else None
    if not isinstance(record, Mapping) or field not in record:
        raise ValueError(f"the history has no {key!r} record with {field!r}: train with "
                         f"callbacks=[fnnet.Diagnostics(X_probe, Y_probe, activations, loss)]")
    epochs = record["epoch"]
    rows = [(e, row) for e, row in zip(epochs, record[field]) if row is not None]
    L = len(rows[0][1]) if rows else 0
    chosen = list(layers) if layers is not None else (list(range(1, L)) if L > 1 else list(range(1, L + 1)))
    for layer in chosen:
        if not 1 <= layer <= L:
            raise ValueError(f"layers must be in 1..{L}, got {layer}")
    ax = _axes(ax)
    for layer in chosen:
        points = [(e, row[layer - 1]) for e, row in rows if row[layer - 1] is not None]
        ax.plot([e for e, _ in points], [v for _, v in points], label=f"layer {layer}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{field} (probe batch)")
    ax.set_title("speed of learning per layer" if field == "db_norm" else f"{field} per layer")
    ax.legend()
    return ax


def activation_histograms(cache: Mapping, *, ax=None, bins: int = 50, layers: Optional[Sequence[int]] = None):
    """The distribution of each hidden layer's activations ``A{l}`` (one line per layer).

    Parameters
    ----------
    cache : dict
        As :func:`fnnet.forward` returns it: ``A{l}`` of shape ``(n_l, m)`` and ``"activations"``.
    ax : matplotlib Axes, optional
    bins : int, default 50
    layers : sequence of int, optional
        Default: every hidden layer (every layer, for a one-layer network).

    Returns
    -------
    matplotlib Axes
        One density line per layer, labelled with its activation, mean, std and (tanh,
        sigmoid) saturated share, as in Karpathy's makemore part 3.
    """
    acts = cache.get("activations") if isinstance(cache, Mapping) else None
    if not isinstance(acts, tuple):
        raise TypeError("cache must be the dict returned by fnnet.forward (it holds 'A1'.. and 'activations')")
    L = len(acts)
    chosen = _layers(layers, L)
    ax = _axes(ax)
    for layer in chosen:
        A, name = np.asarray(cache[f"A{layer}"], dtype=float), acts[layer - 1].name
        flat = SATURATION.get(name)
        extra = f", saturated {100 * np.mean(flat[0](A)):.1f}%" if flat else ""
        _density(ax, A, bins, f"layer {layer} ({name}): mean {A.mean():+.2f}, std {A.std():.2f}{extra}")
    ax.set_xlabel("activation value")
    ax.set_ylabel("density")
    ax.set_title("activation distribution per layer")
    ax.legend(fontsize="small")
    return ax


def gradient_histograms(grads: Mapping[str, np.ndarray], *, ax=None, bins: int = 50,
                        layers: Optional[Sequence[int]] = None, prefix: str = "W"):
    """The distribution of each layer's weight gradient ``dW{l}`` (one line per layer).

    Parameters
    ----------
    grads : dict
        As :func:`fnnet.backward` returns it: ``W{l}`` of shape ``(n_l, n_{l-1})``, ...
    ax : matplotlib Axes, optional
    bins : int, default 50
    layers : sequence of int, optional
        Default: every layer.
    prefix : {"W", "b"}, default "W"
        Weight or bias gradients.

    Returns
    -------
    matplotlib Axes
        One density line per layer, labelled with the gradient's mean and std.
    """
    if not isinstance(grads, Mapping) or f"{prefix}1" not in grads:
        raise ValueError(f"grads must be the dict fnnet.backward returns, with keys {prefix}1, {prefix}2, ...")
    L = sum(1 for key in grads if key.startswith(prefix) and key[len(prefix):].isdigit())
    chosen = _layers(layers, L, hidden_only=False)
    ax = _axes(ax)
    for layer in chosen:
        g = np.asarray(grads[f"{prefix}{layer}"], dtype=float)
        _density(ax, g, bins, f"layer {layer}: mean {g.mean():+.2e}, std {g.std():.2e}")
    ax.set_xlabel(f"d{prefix} value")
    ax.set_ylabel("density")
    ax.set_title(f"d{prefix} distribution per layer")
    ax.legend(fontsize="small")
    return ax


def _layers(layers, L: int, hidden_only: bool = True):
    default = range(1, L) if hidden_only and L > 1 else range(1, L + 1)
    chosen = list(default if layers is None else layers)
    for layer in chosen:
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 1 <= layer <= L:
            raise ValueError(f"layers must be layer numbers in 1..{L}, got {layer!r}")
    return chosen


def _density(ax, values: np.ndarray, bins: int, label: str) -> None:
    """A histogram of ``values`` drawn as a line through its bins' centres (layers overlay legibly)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:  # nothing to count (a diverged layer): the legend still names it
        ax.plot([], [], label=f"{label} (no finite values)")
        return
    counts, edges = np.histogram(finite, bins=bins, density=True)
    ax.plot((edges[:-1] + edges[1:]) / 2, counts, label=label)
