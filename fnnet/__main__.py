"""Command line: ``python -m fnnet {train,gradcheck} [options]``."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    from . import _cli_gradcheck, _cli_train

    parser = argparse.ArgumentParser(
        prog="python -m fnnet",
        description="fnnet: train a small network, or check a backward pass against finite differences.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cli in (_cli_train, _cli_gradcheck):
        cli.register(commands)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
