"""Seed 002 redone with fnnet: the layered derivation notes' [2, 3, 3, 1] sigmoid network on ten examples.

1. fnnet.trace prints forward and backward propagation equation by equation, as the notes write it.
2. With the raw inputs (weights like 150, heights like 70) the notebook's sigmoids saturate: its
   output was the same for all ten examples (0.908..., then 0.117...). fnnet shows the same.
3. The notes compute db{l} = sum(dC_dW{l}, axis=1): the sum of dW, not of dZ. The gradient check
   finds it; db{l} = sum(dZ{l}, axis=1, keepdims=True) is right.
4. Standardised inputs and a few hundred Adam steps classify all ten examples.

    python examples/seed002_layered_notes.py
"""

import numpy as np

import fnnet
from _example import options

args = options(__doc__.split("\n\n")[0])
X, Y = fnnet.seed002()                                 # X (2, 10) ints, Y (1, 10) 0/1
acts = ["sigmoid", "sigmoid", "sigmoid"]
params = fnnet.init_params([2, 3, 3, 1], seed=2, init="normal")     # np.random.randn, as the notes

print("1. one forward and backward pass")
t = fnnet.trace(params, X, Y, acts, "bce", max_values=0)

print("\n2. raw inputs saturate the first layer")
A1 = t.arrays["A1"]
print(f"   share of A1 within 0.03 of 0 or 1: {np.mean((A1 < 0.03) | (A1 > 0.97)):.0%}; "
      f"output spread over the ten examples: {np.ptp(t.AL):.2g} (the notebook: 0, all 0.90827825)")
print(f"   cost {t.cost:.4f} (the notebook: 1.1362 from its own random start)")

print("\n3. the notes' bias gradient, db = sum(dW), against finite differences")
Xs = fnnet.standardize(X)[0]          # inputs where the sigmoids are not flat (gradients not ~0)
at = fnnet.trace(params, Xs, Y, acts, "bce", quiet=True)
notes = dict(at.grads, **{f"b{l}": np.sum(at.arrays[f"dW{l}"], axis=1, keepdims=True) for l in (1, 2)})


def J(p):
    AL, _ = fnnet.forward(p, Xs, acts)
    return fnnet.cost(AL, Y, "bce")


for who, grads in (("notes", notes), ("fnnet", at.grads)):
    report = fnnet.check_grads(J, params, grads)
    print(f"   {who}: " + ("right" if report.ok else f"WRONG in {report.failed_keys}"))

print("\n4. training on standardised inputs")
epochs = 50 if args.fast else 500
trained, history = fnnet.train(params, Xs, Y, acts, "bce", epochs=epochs, batch_size=10, lr=0.05,
                               optimizer="adam", seed=0, verbose=0)
print(f"   after {epochs} epochs: cost {history['cost'][-1]:.4f}, "
      f"accuracy {fnnet.accuracy(fnnet.predict(trained, Xs, acts), Y):.0%}")
