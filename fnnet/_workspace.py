"""The arrays :func:`fnnet.train` works on: allocated once, written over batch after batch.

``forward_pass`` and ``backward_pass`` (``fnnet.network``) make new arrays when called by
``forward`` and ``backward``; given a :class:`Buffers` they write the same values into it. A
:class:`Workspace` holds one flat array per buffer, sized for the widest batch, and hands out
C-ordered views of it for a batch of any width up to that (an epoch's last, shorter batch
reuses the same memory). :class:`Grouped` stores a dict of arrays shaped like the params as
views of one flat array per kind (all weights, all biases), so that an optimizer rule runs
once per kind instead of once per layer.

Examples
--------
>>> import fnnet
>>> params = fnnet.init_params([2, 3, 1], seed=0)
>>> work = Workspace(params, fnnet.activations.resolve_activations(["relu", "sigmoid"], 2), None, 8)
>>> buffers = work.at(5)
>>> [a.shape for a in buffers.A[1:]], buffers.ones.shape
([(3, 5), (1, 5)], (5, 1))
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from .activations import Activation


class Buffers:
    """The arrays of one forward and backward pass over a batch of ``m`` columns.

    Attributes
    ----------
    A : list of ndarray
        ``A[l]`` of shape ``(n_l, m)`` receives layer ``l``'s output (``A[0]`` is None: the batch).
    Z : list of ndarray
        ``Z[l]`` of shape ``(n_l, m)`` receives ``Z = W A + b``; it is ``A[l]`` itself when the
        backward pass needs only the output (the activation is then applied in place).
    dZ : ndarray, shape (n_L, m), or None
        The output delta (None: the loss's chain rule makes it, a new array).
    dA : list of ndarray
        ``dA[l]`` of shape ``(n_l, m)`` for ``l = 1..L-1`` receives ``W{l+1}^T dZ{l+1}`` (then
        ``dZ{l}``, in place). It is ``A[l]`` itself for an element-wise activation: backward
        reads ``g'`` from ``A[l]`` first, and needs ``A[l]`` no more.
    ones : ndarray, shape (m, 1)
        Ones, for the bias gradient as a matrix-vector product.
    grads : dict of ndarray
        The arrays the gradients are written into (params' keys and shapes); or, like every
        buffer of :data:`NEW`, a mapping that gives None for every key: new arrays.
    """

    def __init__(self, A, Z, dZ: Optional[np.ndarray], dA, ones: Optional[np.ndarray], grads) -> None:
        self.A, self.Z, self.dZ, self.dA, self.ones, self.grads = A, Z, dZ, dA, ones, grads


class _Nowhere:
    """A list or dict of buffers that has none: every index and key gives None (a new array)."""

    def __getitem__(self, key) -> None:
        return None


#: The buffers of a pass that makes new arrays (what ``forward`` and ``backward`` run with).
NEW = Buffers(_Nowhere(), _Nowhere(), None, _Nowhere(), None, _Nowhere())


class Workspace:
    """Flat storage for the :class:`Buffers` of batches up to ``width`` columns wide.

    Parameters
    ----------
    params : dict of ndarray
        Validated params: ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    acts : sequence of Activation, length L
    keep : sequence of float or None
        The keep probability of each layer (None: no dropout); a dropped-out layer keeps ``Z``.
    width : int
        The widest batch (the batch size).
    grads : dict of ndarray, optional
        Where the gradients go (e.g. :class:`Grouped` views); None: new arrays every pass.
    fused_output : bool, default True
        Whether the output delta is the fused ``(A - Y) / m`` (the loss's natural output
        activation), which is written into the workspace.
    output_z : bool, default False
        Whether the output layer's ``Z`` is kept beside its ``A`` (for the exact cost from the
        logits, ``Loss.network_cost``).
    """

    def __init__(self, params: Mapping[str, np.ndarray], acts: Sequence[Activation],
                 keep: Optional[Sequence[float]], width: int, grads: Optional[Dict[str, np.ndarray]] = None,
                 fused_output: bool = True, output_z: bool = False) -> None:
        L, dtype = len(acts), params["W1"].dtype
        self.sizes = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]
        self.grads = grads
        self.A = [None] + [np.empty(n * width, dtype) for n in self.sizes[1:]]
        # Z is kept beside A only where the backward pass needs it (custom activations, dropout)
        # and for the output layer when its exact cost is computed from it
        self.Z = [None] + [np.empty(n * width, dtype)
                           if act.needs_z or (keep is not None and keep[l] < 1.0) or (output_z and l == L - 1) else None
                           for l, (n, act) in enumerate(zip(self.sizes[1:], acts))]
        self.dZ = np.empty(self.sizes[-1] * width, dtype) if fused_output else None
        # a delta of its own only below an activation that is not element-wise (it needs A and dA)
        self.dA = [None] + [None if act.jacobian_product is None else np.empty(n * width, dtype)
                            for n, act in zip(self.sizes[1:-1], acts[:-1])]
        self.ones = np.ones(width, dtype)
        self._at: Dict[int, Buffers] = {}

    def at(self, m: int) -> Buffers:
        """The buffers for a batch of ``m <= width`` columns (views of the same memory)."""
        if m not in self._at:
            def view(flat: np.ndarray, n: int) -> np.ndarray:
                return flat[:n * m].reshape(n, m)

            L = len(self.sizes) - 1
            A = [None] + [view(self.A[l], n) for l, n in enumerate(self.sizes[1:], start=1)]
            Z = [None] + [A[l] if self.Z[l] is None else view(self.Z[l], self.sizes[l]) for l in range(1, L + 1)]
            dA = [None] + [A[l] if self.dA[l] is None else view(self.dA[l], self.sizes[l]) for l in range(1, L)]
            dZ = None if self.dZ is None else view(self.dZ, self.sizes[L])
            self._at[m] = Buffers(A, Z, dZ, dA, self.ones[:m].reshape(m, 1),
                                  _Nowhere() if self.grads is None else self.grads)
        return self._at[m]


class Grouped:
    """Arrays shaped like ``like``, stored in one flat array: all weights, then all biases.

    Parameters
    ----------
    like : dict of ndarray
        The params: ``W{l}`` of shape ``(n_l, n_{l-1})``, ``b{l}`` of shape ``(n_l, 1)``.
    values : dict of ndarray, optional
        Copied in (cast to ``like``'s dtype); default zeros.

    Attributes
    ----------
    views : dict of ndarray
        ``like``'s keys, in order, each a C-ordered view of the flat array.
    flat : dict of ndarray
        ``{"W": all weights, "b": all biases}``: 1-D views of the flat array, one per kind of
        key, for a rule that treats weights and biases differently (AdamW's decay).
    whole : ndarray
        The flat array itself, 1-D: one call copies or checks every array.

    Examples
    --------
    >>> import numpy as np
    >>> g = Grouped({"W1": np.ones((2, 2)), "b1": np.ones((2, 1))}, {"W1": np.eye(2), "b1": np.zeros((2, 1))})
    >>> g.flat["W"], g.views["b1"].shape, g.whole.size
    (array([1., 0., 0., 1.]), (2, 1), 6)
    """

    def __init__(self, like: Mapping[str, np.ndarray], values: Optional[Mapping[str, np.ndarray]] = None) -> None:
        kinds: Dict[str, int] = {}
        for key, p in like.items():
            kinds[key[0]] = kinds.get(key[0], 0) + p.size
        self.whole = np.zeros(sum(kinds.values()), next(iter(like.values())).dtype)
        self.flat, offset = {}, {}
        start = 0
        for kind, size in kinds.items():
            self.flat[kind], offset[kind] = self.whole[start:start + size], 0
            start += size
        self.views: Dict[str, np.ndarray] = {}
        for key, p in like.items():
            start = offset[key[0]]
            offset[key[0]] = start + p.size
            self.views[key] = self.flat[key[0]][start:start + p.size].reshape(p.shape)
            if values is not None:
                self.views[key][...] = values[key]

    def copies(self) -> Dict[str, np.ndarray]:
        """New arrays, one per key (nothing shared with this storage)."""
        return {key: view.copy() for key, view in self.views.items()}
