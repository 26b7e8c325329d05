"""CLI: `db upgrade`, `db current`, `db downgrade` for the archive's schema (does I/O)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import settings_or_exit
from monitor.config import Settings, redact_url
from monitor.reader.lockfile import holder_pid, lock_file_of, session_file

db_app = typer.Typer(help="The archive's schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create or upgrade the archive's schema; running it again is harmless.

    Example: python bot.py db upgrade
    """
    from monitor.store import migrate  # Alembic and SQLAlchemy: only for the db commands

    settings = settings_or_exit(ctx)
    migrate.upgrade(settings.database_url, revision)
    typer.echo(f"schema at {revision} ({redact_url(settings.database_url)})")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Show the schema revision of the archive and the one this code needs; changes nothing.

    Example: python bot.py db current
    """
    from monitor.store import migrate
    from monitor.store.engine import sqlite_path

    settings = settings_or_exit(ctx)
    head = migrate.head_revision()
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():  # opening it would create it
        typer.echo(
            f"database: none (no archive at {path}); code needs: {head}; "
            "OUT OF DATE: run `python bot.py db upgrade` to create it"
        )
        return

    async def read() -> str | None:
        async with migrate.open_archive(settings.database_url, check_schema=False) as db:
            return await migrate.current_revision(db.reader)

    revision = asyncio.run(read())
    state = "up to date" if revision == head else "OUT OF DATE: run `python bot.py db upgrade`"
    typer.echo(f"database: {revision or 'empty'}; code needs: {head}; {state}")


@db_app.command("downgrade")
def downgrade(
    ctx: typer.Context,
    revision: Annotated[
        str, typer.Argument(help="Target revision, or `base` for an empty schema.")
    ],
) -> None:
    """Step the schema back to an older revision (data in dropped tables is lost).

    Refused while draftwatch runs on this machine (it holds its session's lock): stop it first.

    Example: python bot.py db downgrade base
    """
    from monitor.store import migrate

    settings = settings_or_exit(ctx)
    running = _running_service(settings)
    if running is not None:
        lock, pid = running
        typer.echo(
            f"error: draftwatch is running (process {pid}, holding {lock}) and would keep "
            "writing to the old schema: stop it first, then downgrade",
            err=True,
        )
        raise typer.Exit(1)
    migrate.downgrade(settings.database_url, revision)
    typer.echo(f"schema at {revision}")


def _running_service(settings: Settings) -> tuple[Path, int] | None:
    """The lock and pid of a draftwatch process using this configuration's sessions, if any."""
    for session in (settings.reader_session, settings.bot_session):
        lock = lock_file_of(session_file(session))
        pid = holder_pid(lock)
        if pid:
            return lock, pid
    return None


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
