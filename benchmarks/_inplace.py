"""Careful in-place NumPy: one full-batch SGD step written by hand, the reference of issue 13.

:class:`InPlaceStep` does the mathematics of ``fnnet.forward`` + ``fnnet.backward`` +
``fnnet.sgd_step`` the way one writes it when speed is all that matters: every buffer is
allocated once and reused through ``out=``; the activation's derivative is kept from the
forward pass (the relu mask, ``A (1 - A)`` for a sigmoid); the learning rate and ``1/m`` are
folded into the output delta, so the products give ``lr`` times the gradients and the update
is one subtraction; nothing is validated. :func:`check_inplace` compares one step with
fnnet's before any timing.

Layout as fnnet's: ``W{l}`` ``(n_l, n_{l-1})``, ``b{l}`` ``(n_l, 1)``, activations and deltas
``(n_l, m)``, one example a column.
"""

from __future__ import annotations

from typing import Callable, Dict, Sequence

import numpy as np

from _cases import max_rel_diff

#: The output layers and losses the step knows, and whether the output delta ``(A - Y) / m`` is
#: multiplied by the output activation's derivative (mse on a sigmoid or relu output) or is
#: already ``dJ/dZ`` (the natural pairs).
OUTPUT_RULES = {("sigmoid", "bce"): False, ("softmax", "cce"): False, ("linear", "mse"): False,
                ("sigmoid", "mse"): True, ("relu", "mse"): True}
HIDDEN = ("sigmoid", "relu", "linear")


class InPlaceStep:
    """One full-batch SGD step per call, on buffers allocated once; the params update in place.

    Parameters
    ----------
    params : dict of ndarray
        ``W1, b1, ..., WL, bL``; copied (the step trains its own copies).
    X : ndarray, shape (n0, m)
        Inputs in the params' dtype (used as they are: ``A0``).
    Y : ndarray, shape (n_L, m)
        Targets in the params' dtype.
    activations : sequence of str, length L
        ``sigmoid``, ``relu`` or ``linear`` in the hidden layers; the output and ``loss`` one
        of :data:`OUTPUT_RULES`.
    loss : {"bce", "cce", "mse"}
    lr : float
    kernel : callable, default np.dot
        ``np.dot`` or ``np.matmul``: makes every product ``kernel(P, Q, out=R)``.

    Attributes
    ----------
    params : dict of ndarray
        The step's own params (the arrays it updates).
    dW, db : list of ndarray
        After a call, ``lr`` times that step's gradients of ``W{l}``, ``b{l}`` (index ``l - 1``).
    """

    def __init__(self, params: Dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray, activations: Sequence[str],
                 loss: str, lr: float, kernel: Callable = np.dot) -> None:
        L = len(activations)
        if (activations[-1], loss) not in OUTPUT_RULES or any(a not in HIDDEN for a in activations[:-1]):
            raise ValueError(f"no in-place step for {list(activations)} + {loss}")
        m, dtype = X.shape[1], params["W1"].dtype
        self.acts, self.kernel, self.Y, self.scale = tuple(activations), kernel, Y, lr / m
        self.W = [params[f"W{l}"].copy() for l in range(1, L + 1)]
        self.b = [params[f"b{l}"].copy() for l in range(1, L + 1)]
        self.params = {f"{kind}{l}": arrays[l - 1] for l in range(1, L + 1) for kind, arrays in (("W", self.W),
                                                                                              ("b", self.b))}
        sizes = [W.shape[0] for W in self.W]
        self.A = [X] + [np.empty((n, m), dtype) for n in sizes]       # Z{l}, then A{l} in its place
        self.D = [None] + [np.empty((n, m), dtype) for n in sizes]    # dA{l}, then dZ{l} in its place
        keep = [l < L or OUTPUT_RULES[(activations[-1], loss)] for l in range(1, L + 1)]
        self.G = [None] + [_derivative_buffer(a, n, m, dtype) if k else None
                           for a, n, k in zip(activations, sizes, keep)]  # g'(Z{l}) from the forward pass
        self.dW = [np.empty_like(W) for W in self.W]
        self.db = [np.empty_like(b) for b in self.b]
        self.column = np.empty((1, m), dtype)  # softmax's column max, then its column sum

    def __call__(self) -> None:
        self.forward()
        self.backward_and_update()

    def forward(self) -> None:
        """``A{l} = g(W{l} A{l-1} + b{l})`` into ``A[l]``, keeping ``g'`` in ``G[l]`` where needed."""
        for l, act in enumerate(self.acts, start=1):
            A = self.A[l]
            self.kernel(self.W[l - 1], self.A[l - 1], out=A)
            A += self.b[l - 1]
            self._activate(act, A, self.G[l])

    def _activate(self, act: str, A: np.ndarray, G) -> None:
        if act == "relu":
            if G is not None:
                np.greater(A, 0, out=G)
            np.maximum(A, 0, out=A)
        elif act == "sigmoid":
            np.negative(A, out=A)
            np.exp(A, out=A)
            A += 1
            np.reciprocal(A, out=A)
            if G is not None:
                np.subtract(1, A, out=G)
                G *= A
        elif act == "softmax":
            np.max(A, axis=0, keepdims=True, out=self.column)
            A -= self.column
            np.exp(A, out=A)
            np.sum(A, axis=0, keepdims=True, out=self.column)
            A /= self.column

    def backward_and_update(self) -> None:
        """``dZ{L} = (lr / m) (A{L} - Y) [g'(Z{L})]``, then per layer from L down: ``dW``, ``db``,
        ``dZ{l-1} = (W{l}^T dZ{l}) g'(Z{l-1})`` (with ``W{l}`` before its update), and the update."""
        L = len(self.acts)
        D = self.D[L]
        np.subtract(self.A[L], self.Y, out=D)
        D *= self.scale
        if self.G[L] is not None:
            D *= self.G[L]
        for l in range(L, 0, -1):
            D = self.D[l]
            self.kernel(D, self.A[l - 1].T, out=self.dW[l - 1])
            np.sum(D, axis=1, keepdims=True, out=self.db[l - 1])
            if l > 1:
                self.kernel(self.W[l - 1].T, D, out=self.D[l - 1])
                if self.G[l - 1] is not None:
                    self.D[l - 1] *= self.G[l - 1]
            self.W[l - 1] -= self.dW[l - 1]
            self.b[l - 1] -= self.db[l - 1]


def _derivative_buffer(act: str, n: int, m: int, dtype):
    """Where the forward pass keeps ``g'(Z)`` ``(n, m)``: a bool mask (relu), floats (sigmoid), none (linear)."""
    if act == "relu":
        return np.empty((n, m), bool)
    if act == "sigmoid":
        return np.empty((n, m), dtype)
    return None


#: Largest relative difference to fnnet accepted after one step, per dtype.
TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-10}


def check_inplace(nn, params, X, Y, activations: Sequence[str], loss: str, lr: float,
                  kernel: Callable = np.dot) -> Dict[str, float]:
    """One in-place step from ``params`` against ``nn.forward`` / ``nn.backward`` / ``nn.sgd_step``.

    Returns ``{"grad_rel_diff", "params_rel_diff"}``: the largest ``|a - b|.max() / |b|.max()``
    over the keys, of ``dW / lr`` and ``db / lr`` against fnnet's gradients and of the params
    after the step against ``sgd_step``'s. Raises ``AssertionError`` above :data:`TOLERANCE`.
    """
    step = InPlaceStep(params, X, Y, activations, loss, lr, kernel)
    step()
    _, cache = nn.forward(params, X, list(activations))
    grads = nn.backward(params, cache, Y, loss)
    new = nn.sgd_step(params, grads, lr)
    L = len(activations)
    ours = {**{f"W{l}": step.dW[l - 1] / lr for l in range(1, L + 1)},
            **{f"b{l}": step.db[l - 1] / lr for l in range(1, L + 1)}}
    diffs = {"grad_rel_diff": max_rel_diff(ours, grads), "params_rel_diff": max_rel_diff(step.params, new)}
    tolerance = TOLERANCE[np.dtype(params["W1"].dtype)]
    if max(diffs.values()) > tolerance:
        raise AssertionError(f"the in-place step differs from fnnet's: {diffs} (relative), expected <= {tolerance:g}")
    return diffs

