"""``python -m fnnet trace``: forward and backward propagation on seed 002's data, equation by equation.

Seed 002's notebook derives backpropagation for a [2, 3, 3, 1] sigmoid network on ten
examples (weight, height -> 0/1); this prints every equation of one forward and backward pass
of that network with each array's shape and values (see :func:`fnnet.trace`).
"""

from __future__ import annotations

from . import data as _data
from ._cli_train import nonneg_int, positive_int
from .activations import ACTIVATIONS
from .network import INIT_SCHEMES, init_params
from .preprocessing import standardize
from .tracing import trace


def register(commands) -> None:
    """Add the ``trace`` subcommand to the argparse subparsers ``commands``; sets ``run``."""
    p = commands.add_parser("trace", help="print forward and backward propagation equation by equation "
                                          "(seed 002's [2, 3, 3, 1] network and data)",
                            description=__doc__.split("\n\n")[1].replace("\n", " "))
    p.add_argument("--hidden", type=positive_int, nargs="*", default=[3, 3], metavar="N",
                   help="hidden layer sizes (default: 3 3, the notebook's)")
    p.add_argument("--activation", choices=[a for a in ACTIVATIONS if a != "softmax"], default="sigmoid",
                   help="hidden-layer activation (default: sigmoid, the notebook's); the output is sigmoid + bce")
    p.add_argument("--init", choices=list(INIT_SCHEMES), default="normal",
                   help="weight initialisation (default: normal, the notebook's np.random.randn)")
    p.add_argument("--seed", type=nonneg_int, default=0, help="seeds the init (default: 0)")
    p.add_argument("--standardize", action="store_true",
                   help="scale the inputs to zero mean and unit variance (the raw ones saturate the sigmoids, "
                        "as in the notebook)")
    p.add_argument("--max-values", type=nonneg_int, default=30, metavar="N",
                   help="print the values of arrays of at most N entries (default: 30; 0: shapes only)")
    p.set_defaults(run=run)


def run(args) -> int:
    X, Y = _data.seed002()
    X = standardize(X)[0] if args.standardize else X.astype(float)
    dims = [X.shape[0], *args.hidden, Y.shape[0]]
    acts = [args.activation] * len(args.hidden) + ["sigmoid"]
    print(f"seed 002: {dims}, {' -> '.join(acts)}, loss bce, init {args.init} (seed {args.seed})"
          + (", inputs standardised" if args.standardize else ", raw inputs"))
    params = init_params(dims, seed=args.seed, init=args.init)
    trace(params, X, Y, acts, "bce", max_values=args.max_values)
    return 0
