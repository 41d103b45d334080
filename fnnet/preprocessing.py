"""Preparing column-major data: a train/validation split and standardisation.

Both work on ``X`` of shape ``(n0, m)`` and ``Y`` of shape ``(n_L, m)``, one example per column,
and return new arrays.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple, Optional, Tuple

import numpy as np

from ._validation import as_matrix, make_rng

__all__ = ["train_val_split", "standardize", "Standardizer"]


def train_val_split(X, Y, fraction: float = 0.2, *, seed: Optional[int] = None,
                    rng: Optional[np.random.Generator] = None,
                    stratify=None) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the columns of ``X`` and ``Y`` at random into a training and a validation part.

    Parameters
    ----------
    X : array_like, shape (n0, m)
    Y : array_like, shape (n_L, m) or (m,)
    fraction : float, default 0.2
        The share of examples in the validation part, in ``(0, 1)``: ``round(fraction * m)``
        of them (at least one, and at least one left to train on).
    seed : int, optional
        Seeds a fresh generator; or pass ``rng``.
    rng : numpy.random.Generator, optional
    stratify : array_like of labels, shape (m,), optional
        Split each class in the same proportion (e.g. ``stratify=labels`` or, for one-hot
        ``Y``, ``stratify=fnnet.predict_labels(Y)``).

    Returns
    -------
    X_train : ndarray, shape (n0, m - k)
    Y_train : ndarray, shape (n_L, m - k)
    X_val : ndarray, shape (n0, k)
    Y_val : ndarray, shape (n_L, k)
        Columns in random order; the two parts together hold every example once.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> X, Y = np.arange(20.0).reshape(2, 10), np.arange(10.0).reshape(1, 10)
    >>> X_tr, Y_tr, X_val, Y_val = fnnet.train_val_split(X, Y, 0.3, seed=0)
    >>> X_tr.shape, X_val.shape, sorted(np.concatenate([Y_tr[0], Y_val[0]])) == list(range(10))
    ((2, 7), (2, 3), True)
    """
    X = as_matrix(X, "X", np.asarray(X).dtype if np.asarray(X).dtype.kind == "f" else np.dtype(np.float64))
    Y = np.asarray(Y)
    m = X.shape[1]
    if Y.ndim not in (1, 2) or Y.shape[-1] != m:
        raise ValueError(f"Y must have one column (or entry) per example of X, m = {m}; got shape {Y.shape}")
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be a number in (0, 1), got {fraction!r}")
    if m < 2:
        raise ValueError(f"X has {m} example: a split needs at least 2 (one to train on, one to validate)")
    gen = make_rng(seed, rng)
    if stratify is None:
        order = gen.permutation(m)
        k = min(max(int(round(fraction * m)), 1), m - 1)
        val, train = order[:k], order[k:]
    else:
        labels = np.asarray(stratify)
        if labels.shape != (m,):
            raise ValueError(f"stratify must hold one label per example, shape ({m},); got shape {labels.shape}")
        missing = labels != labels  # NaN (or NaT): never equal to itself, so no class would take it
        if missing.any():
            raise ValueError(f"stratify holds NaN at {int(missing.sum())} example(s) (first at index "
                             f"{int(np.flatnonzero(missing)[0])}); every example needs a class label")
        val_parts, train_parts = [], []
        for label in np.unique(labels):
            members = gen.permutation(np.flatnonzero(labels == label))
            k = int(round(fraction * members.size))
            val_parts.append(members[:k])
            train_parts.append(members[k:])
        val, train = gen.permutation(np.concatenate(val_parts)), gen.permutation(np.concatenate(train_parts))
        if val.size == 0 or train.size == 0:
            raise ValueError(f"fraction {fraction} leaves one part empty with these class sizes")
    return X[:, train], Y[..., train], X[:, val], Y[..., val]


class Standardizer(NamedTuple):
    """The statistics of :func:`standardize`, to apply to new data: ``(X - mean) / std``.

    Attributes
    ----------
    mean : ndarray, shape (n0, 1)
    std : ndarray, shape (n0, 1)
        Per feature; a constant feature gets ``std = 1`` (it is only centred). A feature is
        constant when its spread is within the round-off of its mean, ``std <= m eps |mean|``.
    """

    mean: np.ndarray
    std: np.ndarray

    def __call__(self, X) -> np.ndarray:
        """``(X - mean) / std`` for ``X`` of shape ``(n0, m)``, a new array."""
        X = as_matrix(X, "X", self.mean.dtype, rows=self.mean.shape[0], what="the standardizer")
        return (X - self.mean) / self.std


def standardize(X) -> Tuple[np.ndarray, Standardizer]:
    """Scale every feature (row) of ``X`` to mean 0 and standard deviation 1.

    Parameters
    ----------
    X : array_like, shape (n0, m)
        Training inputs (ints become float64).

    Returns
    -------
    X_std : ndarray, shape (n0, m)
    stats : Standardizer
        ``stats(X_test)`` applies the same scaling to other data (fit on the training set only).

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> X_std, stats = fnnet.standardize(np.array([[1.0, 3.0], [5.0, 5.0]]))
    >>> X_std
    array([[-1.,  1.],
           [ 0.,  0.]])
    >>> stats(np.array([[4.0], [6.0]]))   # the training set's mean and std: (4 - 2) / 1, (6 - 5) / 1
    array([[2.],
           [1.]])
    """
    X = np.asarray(X)
    X = as_matrix(X, "X", X.dtype if X.dtype.kind == "f" else np.dtype(np.float64))
    # scaled per feature by a power of two (exact) so that no square overflows or underflows
    _, exponent = np.frexp(np.abs(X).max(axis=1, keepdims=True))
    scaled = np.ldexp(X, -exponent)
    mean_s = scaled.mean(axis=1, keepdims=True)
    std_s = scaled.std(axis=1, keepdims=True)
    # constant: a spread within the round-off of the mean (the std of equal values is ~eps |mean|, not 0)
    constant = std_s <= X.shape[1] * float(np.finfo(X.dtype).eps) * np.abs(mean_s)
    mean, std = np.ldexp(mean_s, exponent), np.where(constant, 1.0, np.ldexp(std_s, exponent)).astype(X.dtype)
    stats = Standardizer(mean, std)
    return stats(X), stats
