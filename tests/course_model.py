"""The deep-learning course's L-layer model, written as its assignments ask a learner to write it
(``initialize_parameters_deep``, ``L_model_forward``, ``compute_cost``, ``L_model_backward``),
with its week-1 L2 cost and inverted dropout (masks drawn once and held fixed), and the planted
bugs of the gradient-checking corpus. Plain NumPy in the course's style: nothing from fnnet.

Keys are the course's ``W1..WL``, ``b1..bL``; its grads dict uses ``dW1``, ``db1`` (and carries
``dA``/``dZ`` entries that a checker must ignore).
"""

from __future__ import annotations

import numpy as np

INITS = {"0.01": lambda n_prev: 0.01, "1/sqrt(n)": lambda n_prev: 1.0 / np.sqrt(n_prev),
         "he": lambda n_prev: np.sqrt(2.0 / n_prev)}


def initialize_parameters_deep(layer_dims, rng, init="0.01", dtype=np.float64):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = (rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * INITS[init](layer_dims[l - 1])).astype(dtype)
        params[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=dtype)
    return params


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


class Course:
    """One setup: hidden activation, L2 ``lambd``, dropout ``keep_prob`` with fixed ``masks``,
    and a planted ``bug`` (None: the correct code). ``f(params)`` is the cost,
    ``grads(params)`` the course's backward."""

    def __init__(self, X, Y, hidden="relu", lambd=0.0, keep_prob=1.0, masks=None, bug=None, layer=1):
        self.X, self.Y, self.hidden, self.lambd, self.keep_prob = X, Y, hidden, lambd, keep_prob
        self.masks, self.bug, self.layer = masks or {}, bug, layer

    def forward(self, params):
        L = len(params) // 2
        A, caches = self.X.astype(params["W1"].dtype), []
        for l in range(1, L + 1):
            Z = params[f"W{l}"] @ A + params[f"b{l}"]
            caches.append((A, Z))
            if l == L:
                A = sigmoid(Z)
            else:
                A = np.maximum(0, Z) if self.hidden == "relu" else np.tanh(Z)
                if l in self.masks:
                    A = A * self.masks[l] / self.keep_prob
        return A, caches

    def f(self, params):
        AL, _ = self.forward(params)
        m, L = self.Y.shape[1], len(params) // 2
        cost = -np.sum(self.Y * np.log(AL) + (1 - self.Y) * np.log(1 - AL)) / m
        if self.lambd:
            cost = cost + self.lambd / (2 * m) * sum(np.sum(np.square(params[f"W{l}"])) for l in range(1, L + 1))
        return cost

    def grads(self, params):
        bug, at = self.bug, self.layer
        AL, caches = self.forward(params)
        m, L = self.Y.shape[1], len(caches)
        Y = self.Y.astype(AL.dtype)
        dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        if bug == "delta-sign":
            dA = -dA
        grads = {}
        for l in range(L, 0, -1):
            A_prev, Z = caches[l - 1]
            W = params[f"W{l}"]
            if l == L:
                s = sigmoid(Z) if bug != "sigmoid-of-Z" else Z
                dZ = dA * s * (1 - s)
            elif self.hidden == "relu":
                dZ = np.array(dA, copy=True)
                if bug != "relu-slope-1":
                    dZ[Z <= 0] = 0
            else:
                dZ = dA * (1 - np.tanh(Z) ** 2)
            own_output = caches[l][0] if l < L else AL  # A of this layer: the bug's A for A_prev
            source = own_output if (bug == "A-for-A_prev" and l == at) else A_prev
            dW = dZ @ source.T / (1 if (bug == "missing-1/m-dW" and l == at) else m)
            if self.lambd and not (bug == "missing-L2" and l == at):
                dW = dW + self.lambd / m * W
            db = np.sum(dZ, axis=1, keepdims=True) / (1 if (bug == "missing-1/m-db" and l == at) else m)
            if bug == "factor-2" and l == at:
                dW = 2 * dW
            if bug == "bias-1%" and l == at:
                db = db.copy()
                db[0, 0] *= 1.01
            dA = (W if (bug == "W-for-W.T" and l == at) else W.T) @ dZ
            if l - 1 in self.masks:
                dA = dA * self.masks[l - 1] / (1 if bug == "missing-1/keep_prob" else self.keep_prob)
            grads[f"dW{l}"], grads[f"db{l}"], grads[f"dZ{l}"], grads[f"dA{l - 1}"] = dW, db, dZ, dA
        return grads


#: The planted bugs, and whether each needs a square layer (at ``layer``), an L2 cost, dropout,
#: or relu hidden layers.
BUGS = {
    "missing-1/m-dW": {}, "missing-1/m-db": {}, "A-for-A_prev": {"square": True},
    "W-for-W.T": {"square": True}, "relu-slope-1": {"relu": True}, "sigmoid-of-Z": {},
    "delta-sign": {}, "factor-2": {}, "bias-1%": {}, "missing-L2": {"l2": True},
    "missing-1/keep_prob": {"dropout": True},
}
