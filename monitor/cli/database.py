"""CLI: `db upgrade`, `db current`, `db downgrade` for the archive's schema (does I/O)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from monitor.cli.context import settings_or_exit

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
    typer.echo(f"schema at {revision} ({settings.database_url})")


@db_app.command("current")
def current(ctx: typer.Context) -> None:
    """Show the schema revision of the archive and the one this code needs.

    Example: python bot.py db current
    """
    from monitor.store import migrate
    from monitor.store.engine import Database

    settings = settings_or_exit(ctx)

    async def read() -> str | None:
        db = Database.open(settings.database_url)
        try:
            return await migrate.current_revision(db.reader)
        finally:
            await db.close()

    revision = asyncio.run(read())
    head = migrate.head_revision()
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

    Example: python bot.py db downgrade base
    """
    from monitor.store import migrate

    settings = settings_or_exit(ctx)
    migrate.downgrade(settings.database_url, revision)
    typer.echo(f"schema at {revision}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
