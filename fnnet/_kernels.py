"""The few operations of the network's math where speed needs mechanism, each behind a name.

``network.py`` calls these and reads as the equations; why each mechanism is here is said in
a line, and what it buys is measured in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

def product(A: np.ndarray, B: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """The matrix product ``A @ B`` of 2-D arrays, ``(n, k) @ (k, m) -> (n, m)``.

    ``out``: a C-ordered ``(n, m)`` array of the dtype to write it into (a training workspace).
    """
    n, k = A.shape
    m = B.shape[1]
    if k == 1 and (n == 1 or m == 1):
        return np.matmul(A, B, out=out)  # dot scales by a 1x1 operand as a scalar, and BLAS gives 0 * NaN = 0
    return A.dot(B, out)  # the same BLAS call as @ without matmul's ufunc dispatch


def row_sums(dZ: np.ndarray, ones: Optional[np.ndarray] = None, out: Optional[np.ndarray] = None) -> np.ndarray:
    """``sum(dZ, axis=1, keepdims=True)``, shape ``(n, 1)``: the bias gradient.

    ``ones``: a ``(m, 1)`` array of ones of the dtype (made here if not given); ``out`` as for
    :func:`product`.
    """
    if ones is None:
        ones = np.ones((dZ.shape[1], 1), dtype=dZ.dtype)
    return dZ.dot(ones, out)  # a BLAS matrix-vector product, not a reduction


#: The longest array whose NaN/inf check is a sum of squares (one BLAS dot): OpenBLAS splits
#: longer dots across threads, and waking them costs more than a pass over the array.
ONE_THREAD_DOT = 8192


def all_finite(*arrays: np.ndarray) -> bool:
    """Whether every entry of every array is finite (no NaN, no inf)."""
    squares = 0.0
    for X in arrays:
        if X.size > ONE_THREAD_DOT:
            if not np.isfinite(X).all():
                return False
        else:
            flat = X.ravel(order="K")  # a view of a C- or Fortran-ordered array
            squares += np.vdot(flat, flat)  # NaN/inf make it NaN/inf (and a BLAS dot never warns)
    # finite; or else a NaN/inf, or huge finite values that overflowed the sum: the exact check decides
    return math.isfinite(squares) or all(np.isfinite(X).all() for X in arrays)
