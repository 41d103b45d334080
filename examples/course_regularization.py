"""The deep-learning course's regularization assignment with fnnet: none, L2 and dropout on noisy moons.

A [2, 20, 3, 1] relu network, full-batch gradient descent at lr = 0.3. The course's L2 cost is
(lambda / 2m) * sum ||W||^2 with lambda = 0.7, which is fnnet's l2 = lambda / m; its dropout keeps
86% of the hidden units. On its football data it reports train / test accuracy 95% / 92%
(none), 94% / 93% (L2) and 93% / 95% (dropout): regularization gives up a little training
accuracy for a boundary that generalises. The moons here are noisier than the football set.

    python examples/course_regularization.py [--plots DIR]
"""

import fnnet
from _example import figure, options, save

args = options(__doc__.split("\n\n")[0])
epochs = 500 if args.fast else 30000
X, y = fnnet.two_moons(400, noise=0.3, seed=0)
X_train, y_train, X_test, y_test = X[:, :200], y[:200], X[:, 200:], y[200:]
Y_train, Y_test = y_train.reshape(1, -1).astype(float), y_test.reshape(1, -1).astype(float)
acts = ["relu", "relu", "sigmoid"]
params = fnnet.init_params([2, 20, 3, 1], seed=3)
runs = {"none": {}, "L2 (lambda 0.7)": {"l2": 0.7 / X_train.shape[1]}, "dropout (keep 0.86)": {"keep_prob": 0.86}}
made = figure(args, "course_regularization", ncols=3, width=4.5)
print(f"{'regularization':>20} {'train':>6} {'test':>6}")
for i, (name, extra) in enumerate(runs.items()):
    trained, _ = fnnet.train(params, X_train, Y_train, acts, "bce", epochs=epochs, batch_size=200, lr=0.3,
                             optimizer="sgd", seed=0, verbose=0, **extra)
    train_acc = fnnet.accuracy(fnnet.predict(trained, X_train, acts), Y_train)
    test_acc = fnnet.accuracy(fnnet.predict(trained, X_test, acts), Y_test)
    print(f"{name:>20} {train_acc:>6.1%} {test_acc:>6.1%}")
    if made:
        fnnet.plot.decision_boundary(trained, X_train, y_train, acts, ax=made[1][i]).set_title(name)
save(made)
