"""Predictions and metrics: ``predict``, ``predict_labels``, ``accuracy``, ``one_hot``.

Outputs are column-major like everything else: ``AL`` has shape ``(n_L, m)``. A classifier's
output is either one unit (a sigmoid, for two classes; class 1 when ``a >= 0.5``) or ``k >= 2``
units (a softmax; the class is the row of the largest output).
"""

from __future__ import annotations

from typing import Mapping, Sequence, Union

import numpy as np

from ._validation import format_shape, as_matrix, check_count
from .activations import Activation
from .network import forward

__all__ = ["predict", "predict_labels", "accuracy", "one_hot"]


def predict(params: Mapping[str, np.ndarray], X, activations: Sequence[Union[str, Activation]]) -> np.ndarray:
    """The network's output for ``X``: :func:`fnnet.forward` without the cache.

    Parameters
    ----------
    params : dict
        ``W1, b1, ..., WL, bL``.
    X : array_like, shape (n0, m)
        One example per column.
    activations : sequence of str or Activation, length L

    Returns
    -------
    ndarray, shape (n_L, m)
        In the params' dtype.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> params = fnnet.init_params([2, 3, 4], seed=0)
    >>> fnnet.predict(params, np.ones((2, 5)), ["relu", "softmax"]).shape
    (4, 5)
    """
    AL, _ = forward(params, X, activations)
    return AL


def predict_labels(AL) -> np.ndarray:
    """Class labels from a classifier's output.

    Parameters
    ----------
    AL : array_like, shape (k, m)
        ``k == 1``: probabilities of class 1 (label 1 where ``a >= 0.5``);
        ``k >= 2``: one row per class (label = row of the largest entry).

    Returns
    -------
    ndarray of int64, shape (m,)

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.predict_labels(np.array([[0.2, 0.7, 0.5]]))
    array([0, 1, 1])
    >>> fnnet.predict_labels(np.array([[0.1, 0.6], [0.9, 0.4]]))
    array([1, 0])
    """
    AL = np.asarray(AL)
    return labels_of(as_matrix(AL, "AL", AL.dtype if AL.dtype.kind == "f" else np.dtype(np.float64)))


def labels_of(A: np.ndarray) -> np.ndarray:
    """:func:`predict_labels` of a validated 2-D float array ``A`` (k, m): the labels rule, once."""
    if A.shape[0] == 1:
        return (A[0] >= 0.5).astype(np.int64)
    return np.argmax(A, axis=0).astype(np.int64)


#: Float labels must be whole numbers below this in magnitude (exact in float64, safe to cast to int64).
LABEL_LIMIT = 2.0 ** 62


def _as_labels(labels: np.ndarray, name: str) -> np.ndarray:
    """Class labels as a new int64 array of the same shape.

    Ints and bools are taken as they are; floats only when every entry is a whole number
    with ``|x| < 2**62`` (checked before the cast, so NaN, inf or 1e20 never reach it).

    Parameters
    ----------
    labels : ndarray, shape (m,)
    name : str
        What messages call the array.
    """
    kind = labels.dtype.kind
    if kind in "biu":
        return labels.astype(np.int64)
    if kind != "f":
        raise TypeError(f"{name} must hold integers, got dtype {labels.dtype}")
    whole = np.round(labels) == labels            # False for NaN, True for inf
    small = np.abs(labels) < LABEL_LIMIT          # False for NaN and inf
    if not (whole & small).all():
        if not whole.all():
            bad = float(labels[~whole][0])
            raise TypeError(f"{name} must hold integers, got dtype {labels.dtype} with the value {bad!r}")
        bad = float(labels[~small][0])
        raise ValueError(f"{name} must hold integers of magnitude below 2**62, got {bad!r}")
    return labels.astype(np.int64)


def _labels_of(Y, k: int, m: int) -> np.ndarray:
    """Integer labels (m,) from labels (m,), one-hot (k, m) or binary (1, m) targets."""
    Y = np.asarray(Y)
    if Y.ndim == 1:
        if Y.shape != (m,):
            raise ValueError(f"Y has shape {format_shape(Y.shape)}, expected labels of shape ({m},) or targets ({k}, {m})")
        return _as_labels(Y, "Y as 1-D labels")
    if Y.shape != (k, m):
        raise ValueError(
            f"Y has shape {format_shape(Y.shape)}, expected ({k}, {m}) like the output, or labels of shape ({m},)"
        )
    return predict_labels(Y)


def accuracy(AL, Y) -> float:
    """Fraction of examples whose predicted class equals the true class.

    Parameters
    ----------
    AL : array_like, shape (k, m)
        Network output: one sigmoid unit (``k == 1``, threshold 0.5) or ``k`` class scores.
    Y : array_like, shape (k, m) or (m,)
        Targets as for the loss (0/1 row for ``k == 1``, one-hot columns otherwise) or
        integer labels.

    Returns
    -------
    float
        In ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.accuracy(np.array([[0.9, 0.2, 0.6, 0.4]]), np.array([[1, 0, 0, 0]]))
    0.75
    >>> fnnet.accuracy(np.array([[0.1, 0.6], [0.9, 0.4]]), np.array([1, 1]))
    0.5
    """
    predicted = predict_labels(AL)
    k, m = np.shape(AL)
    truth = _labels_of(Y, k, m)
    return float(np.count_nonzero(predicted == truth)) / m


def one_hot(labels, k: int = None, *, dtype=np.float64) -> np.ndarray:
    """One-hot columns for integer class labels.

    Parameters
    ----------
    labels : array_like of int, shape (m,)
        Class indices in ``[0, k)`` (floats only when whole numbers, e.g. ``2.0``).
    k : int, optional
        Number of classes; default ``labels.max() + 1``.
    dtype : numpy dtype, default float64

    Returns
    -------
    ndarray, shape (k, m)
        ``Y[labels[i], i] = 1``, zeros elsewhere: the targets ``cce`` expects.

    Examples
    --------
    >>> import fnnet
    >>> fnnet.one_hot([2, 0, 1], 3)
    array([[0., 1., 0.],
           [0., 0., 1.],
           [1., 0., 0.]])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D of shape (m,), got shape {format_shape(labels.shape)}")
    labels = _as_labels(labels, "labels")
    if k is None:
        if labels.size == 0:
            raise ValueError("k is needed when labels is empty")
        k = int(labels.max()) + 1
    k = check_count(k, "k")
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"labels must lie in [0, {k}) for k = {k}; got values in [{labels.min()}, {labels.max()}]")
    Y = np.zeros((int(k), labels.shape[0]), dtype=dtype)
    Y[labels, np.arange(labels.shape[0])] = 1
    return Y
