"""The command line: one Typer app, each command group in a module of its own (CLI edge)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli import (
    archive,
    bot,
    browse,
    database,
    demo,
    digests,
    matcher,
    reader,
    sandbox,
    settings,
    telegram_export,
)
from monitor.cli.context import CliState

app = typer.Typer(
    name="draftwatch",
    help="Watch public Telegram channels for draft notices.\n\nExample: python bot.py check-config",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    env_file: Annotated[
        Path,
        typer.Option("--env-file", help="The .env file to read; the environment wins over it."),
    ] = Path(".env"),
) -> None:
    """Watch public Telegram channels for draft notices."""
    ctx.obj = CliState(env_file=env_file)


for module in (
    settings,
    database,
    reader,
    matcher,
    sandbox,
    archive,
    telegram_export,
    digests,
    browse,
    demo,
    bot,
):
    module.register(app)


def main() -> None:
    """Run the CLI (the `draftwatch` console script and `python bot.py`)."""
    app()
