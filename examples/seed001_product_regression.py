"""Seed 001 redone with fnnet: a 2-5-1 relu network learns y = 10 x0 x1 + noise (1000 examples).

The notebook keeps examples as rows (features @ w1), initialises every weight and bias with
np.random.rand, and steps with the gradient summed over the examples (lr = 1e-4). fnnet keeps
examples as columns and averages the gradient, so the same steps are lr = 1e-4 * m = 0.1. Its
loss is mean((out - y)^2), twice fnnet's mse (0.5 * (a - y)^2); both are printed.

    python examples/seed001_product_regression.py
"""

import numpy as np

import fnnet
from _example import figure, options, save

args = options(__doc__.split("\n\n")[0])
steps = 20 if args.fast else 300
rng = np.random.default_rng(0)
X, Y = fnnet.seed001(1000, rng=rng)                                   # X (2, 1000), Y (1, 1000)
params = {"W1": rng.random((5, 2)), "b1": rng.random((5, 1)),          # np.random.rand, as the notebook
          "W2": rng.random((1, 5)), "b2": rng.random((1, 1))}
acts = ["relu", "linear"]


def notebook_loss(p):
    """The notebook's loss: mean((out - targets) ** 2)."""
    return float(np.mean((fnnet.predict(p, X, acts) - Y) ** 2))


print(f"before training: notebook's loss {notebook_loss(params):.4f}")
params, history = fnnet.train(params, X, Y, acts, "mse", epochs=steps, batch_size=X.shape[1],
                              lr=1e-4 * X.shape[1], optimizer="sgd", verbose=0)
print(f"after {steps} full-batch steps: notebook's loss {notebook_loss(params):.4f}, "
      f"fnnet's mse {history['cost'][-1]:.4f} (half of it, before the last step)")
print("the notebook printed 0.1975 after its own runs of ten steps from its own random start")
print("first three predictions:", np.round(fnnet.predict(params, X[:, :3], acts).ravel(), 3),
      "targets:", np.round(Y[0, :3], 3))
made = figure(args, "seed001_cost")
if made:
    fnnet.plot.training_curves(history, ax=made[1][0])
save(made)
