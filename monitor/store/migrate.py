"""Alembic from code: upgrade, downgrade, current revision, and the start-up schema check (does I/O)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, exc
from sqlalchemy.ext.asyncio import AsyncEngine

from monitor.config import redact_url
from monitor.errors import ArchiveUnavailableError, SchemaOutdatedError
from monitor.store.engine import Database


def _migrations_dir() -> Path:
    """migrations/: shipped inside a wheel as monitor.migrations, else the checkout's folder."""
    try:
        return Path(str(resources.files("monitor.migrations")))
    except ModuleNotFoundError:  # a source checkout: the top-level folder beside monitor/
        return Path(__file__).resolve().parents[2] / "migrations"


MIGRATIONS_DIR = _migrations_dir()


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at migrations/ and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


@contextmanager
def archive_errors(database_url: str) -> Iterator[None]:
    """Turn "cannot reach or open the database" into ArchiveUnavailableError, password masked."""
    try:
        yield
    except (OSError, exc.OperationalError, exc.InterfaceError) as e:
        reason = str(getattr(e, "orig", None) or e).splitlines()[0]
        raise ArchiveUnavailableError(redact_url(database_url), redact_url(reason)) from e
    except exc.DatabaseError as e:
        if type(e.orig).__name__ != "DatabaseError":  # sqlite3's "file is not a database"
            raise
        raise ArchiveUnavailableError(redact_url(database_url), str(e.orig)) from e


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to `revision`; safe to run again (a no-op at head)."""
    with archive_errors(database_url):
        command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    with archive_errors(database_url):
        command.downgrade(alembic_config(database_url), revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    with archive_errors(engine.url.render_as_string(hide_password=True)):
        async with engine.connect() as conn:
            return await conn.run_sync(_current)


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse to run on an out-of-date schema: SchemaOutdatedError names the fixing command."""
    current = await current_revision(engine)
    head = head_revision()
    if current != head:
        raise SchemaOutdatedError(current, head)


@asynccontextmanager
async def open_archive(database_url: str, *, check_schema: bool = True) -> AsyncIterator[Database]:
    """The archive, checked to be at the schema this code needs (else SchemaOutdatedError);
    `check_schema=False` only for the commands that look at or change the schema itself."""
    with archive_errors(database_url):  # creating the file or its folder
        db = Database.open(database_url)
    try:
        if check_schema:
            await ensure_current(db.reader)
        yield db
    finally:
        await db.close()
