"""Nielsen's chapters 1 and 3 with fnnet: a [784, 30, 10] sigmoid network, quadratic cost, then cross-entropy + L2.

Chapter 1 (network.py): weights and biases N(0, 1) (init "normal"), the quadratic cost
0.5 * ||a - y||^2 (fnnet's mse), mini-batches of 10, lr = 3.0, 30 epochs: 95.42% on MNIST.
Chapter 3 (network2.py): weights N(0, 1/n_in) (init "nielsen"), the cross-entropy of sigmoid
outputs (fnnet's bce), L2 with lambda = 5.0 in the cost (lambda / 2n) * sum w^2 (fnnet's
l2 = lambda / n), lr = 0.5: 96.49% on MNIST. MNIST is not packaged here: this runs on
Fashion-MNIST, or on MNIST's files with --mnist DIR. On Fashion-MNIST (harder) one run gave
85.65% (chapter 1) and 85.21% (chapter 3) in about 8 minutes, most of it chapter 3 (the L2
penalty makes fnnet.train's small batches several times slower).

    python examples/nielsen_chapters_1_3.py [--mnist DIR]
"""

import fnnet
from _example import load_images, mnist_option, options

args = options(__doc__.split("\n\n")[0], mnist_option)
epochs = 1 if args.fast else 30
name, X, y, X_test, y_test = load_images(args, 1000 if args.fast else None, 500 if args.fast else None)
Y = fnnet.one_hot(y, 10)
n = X.shape[1]
print(f"{name}: {n} training images, {X_test.shape[1]} test images, {epochs} epoch(s)")
chapters = {
    "chapter 1: quadratic cost, N(0, 1)": dict(init="normal", loss="mse", lr=3.0, l2=0.0, nielsen="95.42% (MNIST)"),
    "chapter 3: cross-entropy, L2, N(0, 1/n_in)": dict(init="nielsen", loss="bce", lr=0.5, l2=5.0 / n,
                                                       nielsen="96.49% (MNIST)"),
}
for title, c in chapters.items():
    params = fnnet.init_params([784, 30, 10], seed=0, init=c["init"])
    params, history = fnnet.train(params, X, Y, ["sigmoid", "sigmoid"], c["loss"], epochs=epochs, batch_size=10,
                                  lr=c["lr"], l2=c["l2"], optimizer="sgd", seed=0, verbose=0)
    acc = fnnet.accuracy(fnnet.predict(params, X_test, ["sigmoid", "sigmoid"]), y_test)
    print(f"{title}: test accuracy {acc:.2%} (Nielsen: {c['nielsen']})")
