"""(placeholder: filled in by its issue)."""


def register(commands) -> None:
    """Add this subcommand to the argparse subparsers commands; sets run."""
