"""``python -m fnnet gradcheck``: check fnnet's backward against float64 central differences.

With no options it builds a [4, 8, 3] tanh/softmax network (He init, seed 0) on 16 random
examples with one-hot targets, checks every gradient entry with ``fnnet.gradcheck`` and
prints the per-key report. ``--plant`` puts one of the classic backprop mistakes into the
gradients first, to see the checker name the wrong key.

Exit codes: 0 when every key passes, 1 when some key fails, 2 for bad options (a bad value,
or a network and batch too large for this machine's memory), 130 after Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Dict, List, Tuple

import numpy as np

from .checking import MODES, gradcheck
from .losses import LOSSES
from ._cli_train import check_fits_in_memory, nonneg_int, positive_float, positive_int
from .network import INIT_SCHEMES, backward, forward, init_params

Grads = Dict[str, np.ndarray]


def _db_from_dW(grads: Grads, L: int, m: int) -> str:
    key = f"b{min(2, L)}"
    grads[key] = grads["W" + key[1:]].sum(axis=1, keepdims=True)
    return f"{key} = sum(d{'W' + key[1:]}, axis=1) instead of sum(dZ{key[1:]}, axis=1) (seed 002)"


def _missing_one_over_m(grads: Grads, L: int, m: int) -> str:
    grads["W1"] = grads["W1"] * m
    return "dW1 without the 1/m"


def _doubled_dW(grads: Grads, L: int, m: int) -> str:
    grads[f"W{L}"] = grads[f"W{L}"] * 2.0
    return f"dW{L} doubled"


def _transposed_dW(grads: Grads, L: int, m: int) -> str:
    grads["W1"] = grads["W1"].T.reshape(grads["W1"].shape)
    return "dW1 = (A0 @ dZ1.T).reshape(W1.shape): transposed, then reshaped to fit"


def _sign_flip(grads: Grads, L: int, m: int) -> str:
    grads[f"b{L}"] = -grads[f"b{L}"]
    return f"db{L} with the wrong sign"


#: Classic mistakes --plant can put into the gradients: name -> (grads, L, m) -> description.
PLANTS: Dict[str, Callable[[Grads, int, int], str]] = {
    "db-from-dW": _db_from_dW,
    "missing-1/m": _missing_one_over_m,
    "doubled-dW": _doubled_dW,
    "transposed-dW": _transposed_dW,
    "sign-flip": _sign_flip,
}


def _ints(text: str) -> List[int]:
    try:
        values = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ints like 4,8,3, got {text!r}") from None
    if len(values) < 2 or min(values) < 1:
        raise argparse.ArgumentTypeError(f"need at least two positive sizes (input, output), got {text!r}")
    return values


def register(commands) -> None:
    """Add the ``gradcheck`` subcommand to the argparse subparsers ``commands``; sets ``run``."""
    p = commands.add_parser(
        "gradcheck", help="check backward against float64 central differences, key by key",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--layers", type=_ints, default=[4, 8, 3], metavar="N0,...,NL",
                   help="layer sizes, input first")
    p.add_argument("--activations", metavar="A1,...,AL",
                   help="one activation per layer (default: tanh for hidden layers, then linear for mse, "
                        "sigmoid for bce, softmax for cce)")
    p.add_argument("--loss", choices=list(LOSSES), default="cce")
    p.add_argument("--m", type=positive_int, default=16, help="number of random examples")
    p.add_argument("--mode", choices=MODES, default="auto",
                   help="auto (default): full when it fits about 20 s, else sample")
    p.add_argument("--n", type=positive_int, default=16, help="entries per key in sample mode")
    p.add_argument("--k", type=positive_int, default=8,
                   help="random directions over the whole network in directional mode (one verdict, key 'all')")
    p.add_argument("--eps", type=positive_float, default=1e-6, help="central-difference step")
    p.add_argument("--tol", type=positive_float, default=1e-7, help="pass below this relative error (float32: at least 1e-3)")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    p.add_argument("--init", choices=list(INIT_SCHEMES), default="he")
    p.add_argument("--seed", type=nonneg_int, default=0)
    p.add_argument("--plant", choices=list(PLANTS),
                   help="plant a classic mistake into the gradients to see the checker catch it")
    p.set_defaults(run=run, parser=p)


def _problem(args) -> Tuple[dict, np.ndarray, np.ndarray, List[str]]:
    dims = args.layers
    L = len(dims) - 1
    if args.activations:
        acts = args.activations.split(",")
    else:
        acts = ["tanh"] * (L - 1) + [LOSSES[args.loss].natural_output.name]
    rng = np.random.default_rng(args.seed)
    params = init_params(dims, rng=rng, init=args.init, dtype=np.dtype(args.dtype))
    X = rng.standard_normal((dims[0], args.m))
    targets = LOSSES[args.loss].targets  # the loss record's rule for its targets
    if targets == "distribution":
        Y = np.eye(dims[-1])[:, rng.integers(0, dims[-1], args.m)]
    elif targets == "unit_interval":
        Y = rng.integers(0, 2, (dims[-1], args.m)).astype(np.float64)
    else:
        Y = rng.standard_normal((dims[-1], args.m))
    return params, X, Y, acts


def _problem_bytes(dims: List[int], m: int) -> int:
    """A generous estimate of the check's memory in float64: params, grads and their copies (six
    sets of weights), the inputs, targets and every layer's outputs for the m examples four times
    over; the batches of perturbed copies are bounded by fnnet.gradcheck itself."""
    weights = sum(n_in * n_out + n_out for n_in, n_out in zip(dims[:-1], dims[1:]))
    return 8 * (6 * weights + 4 * m * sum(dims))


def run(args) -> int:
    """Build the network, check it, print the report; 0 on pass, 1 on failure, 2 on bad input."""
    check_fits_in_memory(args.parser, "--layers/--m", f"checking a {args.layers} network on {args.m} examples",
                         _problem_bytes(args.layers, args.m))
    try:
        params, X, Y, acts = _problem(args)
        grads = None
        if args.plant:
            AL, cache = forward(params, X, acts)
            grads = dict(backward(params, cache, Y, args.loss))
            what = PLANTS[args.plant](grads, len(acts), X.shape[1])
            print(f"planted bug: {what}")
        report = gradcheck(params, X, Y, acts, args.loss, grads, eps=args.eps, tol=args.tol, mode=args.mode,
                           n=args.n, k=args.k, seed=args.seed)
    except (ValueError, TypeError) as exc:
        print(f"python -m fnnet gradcheck: error: {exc}", file=sys.stderr)
        return 2
    print(f"network {args.layers}, activations {acts}, loss {args.loss}, m = {args.m}, {args.dtype}")
    print(report)
    return 0 if report.ok else 1
