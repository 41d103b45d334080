"""The deep-learning course's initialization experiment with fnnet: zeros vs large random vs He.

A [2, 10, 5, 1] relu network on the two circles, 15,000 full-batch gradient-descent steps at
lr = 0.01, from three starts. The course reports training accuracies of 50% (zeros: every unit
of a layer stays the same, and relu(0) = 0 passes no gradient), 83% (weights 10 * randn: the
sigmoid output starts saturated, the cost huge) and 99% (He: randn * sqrt(2 / fan_in)).

    python examples/course_initialization.py [--plots DIR]
"""

import numpy as np

import fnnet
from _example import figure, options, save

args = options(__doc__.split("\n\n")[0])
epochs = 1500 if args.fast else 15000
X, y = fnnet.circles(300, noise=0.08, seed=1)
Y = y.reshape(1, -1).astype(float)
acts = ["relu", "relu", "sigmoid"]
dims = [2, 10, 5, 1]
large = fnnet.init_params(dims, seed=3, init="normal")
large = {k: 10.0 * v if k.startswith("W") else np.zeros_like(v) for k, v in large.items()}  # the course's
starts = {"zeros": fnnet.init_params(dims, init="zeros"), "large random": large,
          "he": fnnet.init_params(dims, seed=3, init="he")}
COURSE = {"zeros": 0.50, "large random": 0.83, "he": 0.99}
made = figure(args, "course_initialization", ncols=3, width=4.5)
print(f"{'init':>13} {'first cost':>11} {'last cost':>10} {'accuracy':>9} {'course':>7}")
for i, (name, params) in enumerate(starts.items()):
    trained, history = fnnet.train(params, X, Y, acts, "bce", epochs=epochs, batch_size=X.shape[1], lr=0.01,
                                   optimizer="sgd", verbose=0)
    acc = fnnet.accuracy(fnnet.predict(trained, X, acts), Y)
    print(f"{name:>13} {history['cost'][0]:>11.4f} {history['cost'][-1]:>10.4f} {acc:>9.0%} {COURSE[name]:>7.0%}")
    if made:
        fnnet.plot.decision_boundary(trained, X, y, acts, ax=made[1][i]).set_title(f"{name}: {acc:.0%}")
save(made)
