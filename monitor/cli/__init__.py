"""The command line: one Typer app, each command group in a module of its own (CLI edge)."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
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
    evidence,
    matcher,
    ocr,
    places,
    reader,
    sandbox,
    settings,
    telegram_export,
    users,
)
from monitor.cli.context import CliState
from monitor.config import redact_url
from monitor.errors import DraftwatchError

# sysexits.h EX_SOFTWARE: a bug of ours, told apart from a problem the user can fix (1 and 2).
EXIT_BUG = 70

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
    ocr,
    sandbox,
    archive,
    telegram_export,
    digests,
    evidence,
    browse,
    demo,
    bot,
    places,
    users,
):
    module.register(app)


def main() -> None:
    """Run the CLI (the `draftwatch` console script and `python bot.py`); no traceback reaches
    the user: a known error prints one line naming the fix, an unexpected one a line saying
    where its traceback was saved."""
    try:
        app()
    except DraftwatchError as e:
        typer.echo(f"error: {redact_url(str(e))}", err=True)
        sys.exit(1)
    except Exception as e:  # the last resort: anything else is a bug to report
        where = save_traceback()
        typer.echo(
            f"error: unexpected {type(e).__name__}: {redact_url(str(e))[:300]} "
            f"(a bug: the traceback is in {where}; please report it)",
            err=True,
        )
        sys.exit(EXIT_BUG)


def save_traceback() -> str:
    """Write the current exception's traceback, passwords masked, to a private temporary file."""
    fd, path = tempfile.mkstemp(prefix="draftwatch-error-", suffix=".log")  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(redact_url(traceback.format_exc()))
    return path
