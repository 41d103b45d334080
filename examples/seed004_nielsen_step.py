"""Seed 004 redone with fnnet: one gradient-descent step of Nielsen's [3, 2, 2] sigmoid network.

The notebook draws its network with np.random.seed(2023) (biases first, then weights stored
(n_in, n_out), used as z = W.T a + b), builds a mini-batch of 64 random (x, y) pairs and calls
gradient_descent(batch, 3.0), which crashed twice: the forward loop sets a = x for every layer
(so layer 2 multiplies its (2, 2) weights with the 3-vector x), and the backward pass multiplies
by W[L+1] where it needs W[L+1] transposed. fnnet makes the step the notebook meant: the
quadratic cost 0.5 * ||a - y||^2 averaged over the batch is fnnet's mse, so its gradient step
is W <- W - 3.0 * dW with the batch as 64 columns.

    python examples/seed004_nielsen_step.py
"""

import numpy as np

import fnnet
from _example import options

args = options(__doc__.split("\n\n")[0])
legacy = np.random.RandomState(2023)                                  # the notebook's np.random.seed(2023)
B = [legacy.randn(2, 1), legacy.randn(2, 1)]
W = [legacy.randn(3, 2), legacy.randn(2, 2)]                          # (n_in, n_out), as the notebook
params = {"W1": W[0].T.copy(), "b1": B[0], "W2": W[1].T.copy(), "b2": B[1]}
print("initial weights, the notebook's layout (n_in, n_out):")
print(params["W1"].T)
print("the notebook printed:\n[[-0.10215984 -1.14129263]\n [ 2.65440726  1.44060519]\n [ 0.09890227 -3.12153215]]")

batch = np.random.RandomState(2023)                                   # its random_vectors(3, 64), (2, 64)
X = np.hstack([batch.rand(3, 1) for _ in range(64)])                  # (3, 64): one example per column
Y = np.hstack([batch.rand(2, 1) for _ in range(64)])                  # (2, 64)
acts = ["sigmoid", "sigmoid"]
AL, cache = fnnet.forward(params, X, acts)
grads = fnnet.backward(params, cache, Y, "mse")
report = fnnet.gradcheck(params, X, Y, acts, "mse")
stepped = fnnet.sgd_step(params, grads, lr=3.0)
after, _ = fnnet.forward(stepped, X, acts)
print(f"\ncost {fnnet.cost(AL, Y, 'mse'):.6f} -> {fnnet.cost(after, Y, 'mse'):.6f} after one step "
      f"(gradients {'right' if report.ok else 'WRONG'} by finite differences)")
print("optimized weights, the notebook's layout:")
print(stepped["W1"].T)
