"""Seed 003 redone with fnnet: one relu layer [3, 2] fits two crop yields from three inputs (5 examples).

The notebook's Model([3, 2]) draws W (3, 2) and b (1, 2) with np.random.seed(42) and trains
10,000 full-batch epochs at lr = 1e-5. Its loss, mean((Y_hat - Y)^2) over the 5 x 2 entries,
equals fnnet's mse for two outputs (0.5 * sum over the outputs, mean over the examples), and so
do their gradients, so the runs are comparable line by line. The notebook's printed start
(6599.4) came from a kernel whose random state had moved on; the same seed's first draws give
557.5 here. Both settle near 0.5.

    python examples/seed003_crop_yields.py
"""

import numpy as np

import fnnet
from _example import figure, options, save

args = options(__doc__.split("\n\n")[0])
NOTEBOOK = [6599.363005885239, 5.40122380186291, 1.2720614736794869, 0.6344518005362033, 0.5359601597938106,
            0.5207420630081447, 0.5183866106088224, 0.5180179557975881, 0.517956187590354, 0.517941822659721]
X, Y = fnnet.seed003()                                   # X (3, 5), Y (2, 5)
legacy = np.random.RandomState(42)                       # the notebook's np.random.seed(42) draws
W, b = legacy.randn(3, 2), legacy.randn(1, 2)            # its row-major W (in, out), b (1, out)
params = {"W1": W.T.copy(), "b1": b.T.copy()}            # fnnet's column-major W (out, in), b (out, 1)
epochs = 2000 if args.fast else 10000
params, history = fnnet.train(params, X, Y, ["relu"], "mse", epochs=epochs, batch_size=5, lr=1e-5,
                              optimizer="sgd", verbose=0)
print(f"{'epoch':>6} {'notebook loss':>14} {'fnnet loss':>11}")
for epoch in range(0, epochs, 1000):
    print(f"{epoch:>6} {NOTEBOOK[epoch // 1000]:>14.4f} {history['cost'][epoch]:>11.4f}")
print("predictions:\n", np.round(fnnet.predict(params, X, ["relu"]).T, 1), "\ntargets:\n", Y.T)
made = figure(args, "seed003_cost")
if made:
    fnnet.plot.training_curves(history, ax=made[1][0])
save(made)
