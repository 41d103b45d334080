"""Seed 000 redone with fnnet: a 2-3-1 network (linear, sigmoid, linear) and MSE on one example.

The notebook builds one object per operation (Linear, Sigmoid, MSE) and calls their backward
methods in reverse. Here the same arrays go through the notebook's equations and through
fnnet.forward/backward. The notebook's MSE is mean((y_hat - y)^2), whose gradient 2 (y_hat - y)
has no 1/2; fnnet's is 0.5 * sum (a - y)^2, so every notebook gradient is exactly twice fnnet's.

    python examples/seed000_one_example.py
"""

import numpy as np

import fnnet
from _example import options

args = options(__doc__.split("\n\n")[0])
rng = np.random.default_rng(0)
X, Y = rng.standard_normal((2, 1)), rng.standard_normal((1, 1))     # one example: d = 2, o = 1
params = fnnet.init_params([2, 3, 1], rng=rng, init="normal")        # np.random.randn, as the notebook
W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]

# The notebook's forward and backward (lin1, sig, lin2, mse)
z = W1 @ X + b1
a = 1 / (1 + np.exp(-z))
y_hat = W2 @ a + b2
notebook_loss = float(np.mean((y_hat - Y) ** 2))
grad1 = 2 * (y_hat - Y)                        # mse.backward
notebook = {"W2": grad1 @ a.T, "b2": grad1}    # lin2.backward
grad3 = a * (1 - a) * (W2.T @ grad1)           # sig.backward(z, lin2's dL/dX)
notebook.update({"W1": grad3 @ X.T, "b1": grad3})  # lin1.backward

# fnnet
AL, cache = fnnet.forward(params, X, ["sigmoid", "linear"])
grads = fnnet.backward(params, cache, Y, "mse")
print(f"loss: notebook {notebook_loss:.6f}, fnnet {fnnet.cost(AL, Y, 'mse'):.6f} (= notebook / 2)")
print(f"{'key':4} {'notebook gradient':>40} {'fnnet gradient':>40}  ratio")
for key in params:
    ratio = np.divide(notebook[key], grads[key], out=np.full(grads[key].shape, np.nan), where=grads[key] != 0)
    print(f"{key:4} {np.array2string(notebook[key].ravel(), precision=4):>40} "
          f"{np.array2string(grads[key].ravel(), precision=4):>40}  {np.nanmean(ratio):.6f}")
report = fnnet.gradcheck(params, X, Y, ["sigmoid", "linear"], "mse")
print(f"fnnet's gradients against finite differences: {'right' if report.ok else 'WRONG'}")
