"""What every example shares: ``--fast`` (the tests' short run) and ``--plots DIR`` (figures)."""

from __future__ import annotations

import argparse
import os


def options(description: str, parser_hook=None) -> argparse.Namespace:
    """The example's command line: ``--fast``, ``--plots DIR``, and whatever ``parser_hook`` adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--fast", action="store_true", help="a short run on less data (what the tests run)")
    parser.add_argument("--plots", metavar="DIR", help="save the example's figures as PNG files in DIR "
                                                       "(needs matplotlib: pip install -e \".[plot]\")")
    if parser_hook is not None:
        parser_hook(parser)
    return parser.parse_args()


def figure(args, name: str, ncols: int = 1, width: float = 5.5):
    """``(fig, axes, path)`` for a figure saved as ``DIR/name.png``, or None without ``--plots``."""
    if not args.plots:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(args.plots, exist_ok=True)
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, 4.5), squeeze=False)
    return fig, list(axes[0]), os.path.join(args.plots, f"{name}.png")


def save(made) -> None:
    """Write a figure made by :func:`figure` and say where."""
    if made is None:
        return
    fig, _, path = made
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)
    print(f"saved {path}")


def mnist_option(parser) -> None:
    """``--mnist DIR``: MNIST-format files to use instead of Fashion-MNIST."""
    parser.add_argument("--mnist", metavar="DIR", help="the four MNIST (or Fashion-MNIST) IDX files in DIR; "
                                                       "default: Fashion-MNIST where fnnet finds it")


def load_images(args, train_limit: int, test_limit: int):
    """``(name, X, y, X_test, y_test)``: MNIST from ``--mnist DIR``, else Fashion-MNIST (exits when
    neither is there), the first ``train_limit`` / ``test_limit`` examples (None: all)."""
    import sys

    import fnnet

    directory = args.mnist or fnnet.fashion_mnist_dir()
    if directory is None:
        sys.exit("Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or set FNNET_DATA); "
                 "or give MNIST files with --mnist DIR")
    X, y, X_test, y_test = fnnet.load_mnist(directory)
    name = f"MNIST files in {directory}" if args.mnist else "Fashion-MNIST"
    return name, X[:, :train_limit], y[:train_limit], X_test[:, :test_limit], y_test[:test_limit]
