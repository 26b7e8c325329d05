"""What every CLI command shares: the --env-file option, loading settings, logging (reads files)."""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monitor.config import Settings, load_settings, redact_url
from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.store.engine import Database


@dataclass(frozen=True, slots=True)
class CliState:
    env_file: Path


def env_file_of(ctx: typer.Context) -> Path:
    state = ctx.find_root().obj
    return state.env_file if isinstance(state, CliState) else Path(".env")


def settings_or_exit(ctx: typer.Context, *, log: bool = True) -> Settings:
    """Load settings; on a problem print every one, naming its variable, and exit 2.

    With `log`, logging is set up at the configured level; commands whose stderr is part of
    their output (`match`) leave it off.
    """
    try:
        settings = load_settings(env_file_of(ctx))
    except ConfigError as e:
        if len(e.problems) == 1:
            typer.echo(f"error: {redact_url(str(e))}", err=True)
        else:
            typer.echo(redact_url(str(e)), err=True)
            typer.echo("Fix these in the environment or .env (see config.example.env).", err=True)
        raise typer.Exit(2) from e
    if log:
        configure_logging(settings.log_level, sql=settings.log_sql)
    return settings


def open_archive(settings: Settings) -> AbstractAsyncContextManager[Database]:
    """The archive alone, checked to be at the schema this code needs (else SchemaOutdatedError),
    for the commands that only read or write the archive: the one opener monitor.app uses too,
    without importing the reader and bot stack (Telethon) that these commands never need."""
    # SQLAlchemy and Alembic are imported here, not above: most commands never open the archive.
    from monitor.store import migrate

    return migrate.open_archive(settings.database_url)


class RedactingFormatter(logging.Formatter):
    """Log lines with passwords in URLs shown as *** (a DATABASE_URL in an error, say)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_url(super().format(record))


# Libraries whose INFO lines drown ours: APScheduler's "Running job ... executed successfully"
# (319 of 347 lines in 9 minutes of a service log), Alembic's context lines on every command,
# Telethon's connection lines between the `login` prompts. WARNING unless LOG_LEVEL=DEBUG.
CHATTY_LIBRARIES = ("apscheduler", "alembic", "telethon")


def configure_logging(level: str, *, sql: bool = False) -> None:
    """Our loggers at `level`; the libraries at WARNING, so INFO tells what draftwatch does.

    LOG_LEVEL=DEBUG lets APScheduler, Alembic and Telethon log at INFO (never Telethon's DEBUG:
    request payloads). aiosqlite and SQLAlchemy log every statement with its parameters
    (subscribers' ids, subscriptions): they stay at WARNING unless `sql` (LOG_SQL=yes) asks.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    logging.basicConfig(level=level, handlers=[handler])
    library_level = logging.INFO if level.upper() == "DEBUG" else logging.WARNING
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(library_level)
    for name in ("aiosqlite", "sqlalchemy", "asyncpg"):
        logging.getLogger(name).setLevel(logging.DEBUG if sql else logging.WARNING)
