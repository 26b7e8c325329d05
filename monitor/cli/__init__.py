"""The command line: one Typer app, each command group in a module of its own (CLI edge)."""

from __future__ import annotations

import typer

from monitor.cli import sandbox, settings

app = typer.Typer(
    name="draftwatch",
    help="Watch public Telegram channels for draft notices.\n\nExample: python bot.py check-config",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (settings, sandbox):
    module.register(app)


def main() -> None:
    """Run the CLI (the `draftwatch` console script and `python bot.py`)."""
    app()
