"""Optimizers as pure functions on dicts that mirror params key for key.

Every update returns a new dict; the arrays it was given are never written to.
"""

from __future__ import annotations

from typing import Dict, Mapping

import numpy as np

from ._validation import check_like, check_lr

__all__ = ["sgd_step"]


def sgd_step(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], lr: float) -> Dict[str, np.ndarray]:
    """One step of plain gradient descent: ``p <- p - lr * dp`` for every key.

    Parameters
    ----------
    params : dict of ndarray
        Any dict of float arrays (a network's ``W1, b1, ...``).
    grads : dict of ndarray
        The same keys and shapes, e.g. from :func:`fnnet.backward`.
    lr : float
        Learning rate, positive and finite.

    Returns
    -------
    dict
        New arrays, same keys, order, shapes and dtypes as ``params``.

    Examples
    --------
    >>> import numpy as np, fnnet
    >>> fnnet.sgd_step({"W1": np.ones((1, 2))}, {"W1": np.full((1, 2), 4.0)}, lr=0.25)
    {'W1': array([[0., 0.]])}
    """
    lr = check_lr(lr)
    check_like(params, grads, "grads")
    new = {}
    for key, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise TypeError(f"params[{key!r}] must be a float numpy.ndarray, got {getattr(p, 'dtype', type(p).__name__)}")
        step = np.multiply(grads[key], -lr, dtype=p.dtype)  # in the params' dtype, whatever the grads'
        step += p
        new[key] = step
    return new
