"""Command line: ``python -m fnnet {train,predict,gradcheck,trace} [options]``.

Ctrl-C at any moment ends the command with one line on stderr and exit code 130, never a
traceback (``train`` first reports and saves the epochs done when training was under way).
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

#: Exit code after Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2).
INTERRUPTED = 130


def main(argv: Optional[List[str]] = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("python -m fnnet: interrupted (Ctrl-C)", file=sys.stderr, flush=True)
        return INTERRUPTED


def _main(argv: Optional[List[str]]) -> int:
    from . import _cli_gradcheck, _cli_predict, _cli_trace, _cli_train

    parser = argparse.ArgumentParser(
        prog="python -m fnnet",
        description="fnnet: train a small network, predict with a saved one, check a backward pass against "
                    "finite differences, or trace forward and backward propagation equation by equation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cli in (_cli_train, _cli_predict, _cli_gradcheck, _cli_trace):
        cli.register(commands)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
