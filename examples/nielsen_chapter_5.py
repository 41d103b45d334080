"""Nielsen's chapter 5 with fnnet: the speed of learning of each hidden layer, and why deep sigmoid nets stall.

A [784, 30, 30, 30, 30, 10] sigmoid network trained on 1,000 images (mini-batches of 10,
lr = 0.1, cross-entropy, weights N(0, 1/n_in)), as in the chapter. After every epoch a
fnnet.Diagnostics callback records ||db|| of every layer on the 1,000 images: Nielsen's "speed
of learning". At the start the first hidden layer learns about 100x slower than the last
(Nielsen's figure shows the same): the vanishing gradient; on Fashion-MNIST the gap narrows to
about 10x by epoch 30. --plots draws his figure with fnnet.plot.learning_speed.

    python examples/nielsen_chapter_5.py [--mnist DIR] [--plots DIR]
"""

import numpy as np

import fnnet
from _example import figure, load_images, mnist_option, options, save

args = options(__doc__.split("\n\n")[0], mnist_option)
epochs = 2 if args.fast else 30
name, X, y, _, _ = load_images(args, 1000, 0)
Y = fnnet.one_hot(y, 10)
acts = ["sigmoid"] * 5
params = fnnet.init_params([784, 30, 30, 30, 30, 10], seed=0, init="nielsen")
watch = fnnet.Diagnostics(X, Y, acts, "bce", initial=params)
params, history = fnnet.train(params, X, Y, acts, "bce", epochs=epochs, batch_size=10, lr=0.1, optimizer="sgd",
                              seed=0, verbose=0, callbacks=[watch])
speed = np.array(history["diagnostics"]["db_norm"])[:, :4]           # (epochs, 4 hidden layers)
print(f"{name}, {X.shape[1]} images, {epochs} epoch(s): ||db|| of each hidden layer")
print("epoch  " + "  ".join(f"layer {l}" for l in range(1, 5)) + "  layer 4 / layer 1")
for e in sorted({0, len(speed) - 1}):
    print(f"{e + 1:>5}  " + "  ".join(f"{v:7.4f}" for v in speed[e]) + f"  {speed[e, 3] / speed[e, 0]:16.0f}x")
print(watch.stats[epochs])
made = figure(args, "nielsen_learning_speed")
if made:
    fnnet.plot.learning_speed(history, ax=made[1][0])
save(made)
