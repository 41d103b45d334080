"""The deep-learning course's optimization assignment with fnnet: mini-batch GD, momentum and Adam.

A [2, 5, 2, 1] relu network on 300 moons, mini-batches of 64, lr = 0.0007, 10,000 epochs. The
course reports training accuracies of 80% (mini-batch gradient descent), 80% (momentum, beta
0.9: at this small rate it barely differs) and 94% (Adam), with Adam's cost falling far faster.
The course's momentum averages the gradients, v <- beta v + (1 - beta) g, W <- W - lr v; fnnet's
is the heavy ball v <- beta v - lr g, W <- W + v, so the course's step is fnnet's with lr
times (1 - beta).

    python examples/course_optimization.py [--plots DIR]
"""

import fnnet
from _example import figure, options, save

args = options(__doc__.split("\n\n")[0])
epochs = 300 if args.fast else 10000
X, y = fnnet.two_moons(300, noise=0.2, seed=3)
Y = y.reshape(1, -1).astype(float)
acts = ["relu", "relu", "sigmoid"]
params = fnnet.init_params([2, 5, 2, 1], seed=3)
COURSE = {"sgd": 0.797, "momentum": 0.797, "adam": 0.94}
made = figure(args, "course_optimization", ncols=2)
print(f"{'optimizer':>10} {'last cost':>10} {'accuracy':>9} {'course':>7}")
for name in ("sgd", "momentum", "adam"):
    lr = 0.0007 * (1 - 0.9) if name == "momentum" else 0.0007
    trained, history = fnnet.train(params, X, Y, acts, "bce", epochs=epochs, batch_size=64, lr=lr,
                                   optimizer=name, seed=1, verbose=0)
    acc = fnnet.accuracy(fnnet.predict(trained, X, acts), Y)
    print(f"{name:>10} {history['cost'][-1]:>10.4f} {acc:>9.1%} {COURSE[name]:>7.1%}")
    if made:
        fnnet.plot.training_curves(history, ax=made[1][0]).get_lines()[-1].set_label(name)
        if name == "adam":
            fnnet.plot.decision_boundary(trained, X, y, acts, ax=made[1][1]).set_title(f"adam: {acc:.0%}")
if made:
    made[1][0].legend()
save(made)
