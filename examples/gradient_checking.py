"""Gradient checking of a hand-written backward pass: a planted bug found, then fixed.

A learner writes backpropagation for a [3, 4, 3] tanh / softmax network by hand, as the course
asks, and forgets one factor: dZ1 = W2.T @ dZ2 without the tanh derivative (1 - A1^2).
fnnet.check_grads compares each array of the hand-written gradient with central differences of
the cost and names the arrays that disagree; with the factor back, every array passes.

    python examples/gradient_checking.py
"""

import numpy as np

import fnnet
from _example import options

args = options(__doc__.split("\n\n")[0])
rng = np.random.default_rng(0)
X = rng.standard_normal((3, 8))                                   # 8 examples, one per column
Y = fnnet.one_hot(rng.integers(0, 3, 8), 3)                       # (3, 8)
params = fnnet.init_params([3, 4, 3], seed=0)


def cost(p):
    """J(params): the mean cross-entropy of the softmax outputs."""
    AL, _ = fnnet.forward(p, X, ["tanh", "softmax"])
    return fnnet.cost(AL, Y, "cce")


def hand_written_backward(p, planted_bug):
    """The course's equations, written out for two layers."""
    m = X.shape[1]
    A1 = np.tanh(p["W1"] @ X + p["b1"])
    Z2 = p["W2"] @ A1 + p["b2"]
    A2 = np.exp(Z2 - Z2.max(axis=0)) / np.exp(Z2 - Z2.max(axis=0)).sum(axis=0)
    dZ2 = (A2 - Y) / m
    dA1 = p["W2"].T @ dZ2
    dZ1 = dA1 if planted_bug else dA1 * (1 - A1 ** 2)             # the bug: tanh's derivative forgotten
    return {"dW1": dZ1 @ X.T, "db1": dZ1.sum(axis=1, keepdims=True),
            "dW2": dZ2 @ A1.T, "db2": dZ2.sum(axis=1, keepdims=True)}


for planted_bug in (True, False):
    report = fnnet.check_grads(cost, params, hand_written_backward(params, planted_bug))
    print(("with the planted bug" if planted_bug else "with the bug fixed") + ":",
          "every array right" if report.ok else f"wrong: {report.failed_keys}")
    print(report, end="\n\n")
