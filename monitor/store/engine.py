"""The archive's database: SQLite (WAL, busy timeout, foreign keys, one writer) or PostgreSQL (does I/O)."""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from monitor.errors import ArchiveBusyError
from monitor.private_files import private_file

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 15_000
# How long a writer waits for another process's write lock before ArchiveBusyError. SQLite's
# lock is not a queue: its busy handler re-tries every 100 ms, so a process that commits and
# begins again at once (an import) can win it again and again; one busy timeout is not enough.
WRITE_PATIENCE_S = 600.0


def sqlite_path(url: str | URL) -> Path | None:
    """The file behind a SQLite URL (None for other backends and in-memory databases)."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _begin); the driver must not (SQLAlchemy docs, aiosqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _is_locked(error: OperationalError) -> bool:
    cause = error.orig
    return isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause)


def _begin_immediate(conn: Connection, path: str) -> None:
    """BEGIN IMMEDIATE, tried again each busy timeout until WRITE_PATIENCE_S has passed.

    A failed BEGIN has started nothing, so trying it again is safe. Each try waits inside
    SQLite's busy handler on the driver's thread: the event loop runs on meanwhile.
    """
    start = time.monotonic()
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as e:
            waited = time.monotonic() - start
            if not _is_locked(e):
                raise
            if waited >= WRITE_PATIENCE_S:
                raise ArchiveBusyError(path, waited) from e
            logger.warning(
                "archive write lock held by another process for %.0f s, still waiting path=%s",
                waited,
                path,
            )


def _sqlite_engine(url: str, path: Path, *, writer: bool) -> AsyncEngine:
    if writer:
        # One connection: writers in this process queue here (for as long as the connection
        # may wait for the lock); BEGIN IMMEDIATE makes writers in other processes wait on
        # busy_timeout instead of failing on a stale read snapshot.
        engine = create_async_engine(
            url, pool_size=1, max_overflow=0, pool_timeout=3 * WRITE_PATIENCE_S
        )
    else:
        engine = create_async_engine(url)

    def _begin(conn: Connection) -> None:
        if writer:
            _begin_immediate(conn, str(path))
        else:
            conn.exec_driver_sql("BEGIN")

    event.listen(engine.sync_engine, "connect", _on_connect)
    event.listen(engine.sync_engine, "begin", _begin)
    return engine


def make_engine(url: str, *, writer: bool = True) -> AsyncEngine:
    """An engine for the archive; creates a missing SQLite file 0600 in a 0700 folder (see
    `private_file`), so that SQLite, which gives -wal and -shm the database file's mode, makes
    those 0600 too whatever the umask."""
    path = sqlite_path(url)
    if path is None:
        if writer:
            # PostgreSQL: one write transaction at a time in a process too, as on SQLite (the
            # store's read-then-write steps assume it). Other processes are not kept out.
            return create_async_engine(
                url, pool_pre_ping=True, pool_size=1, max_overflow=0, pool_timeout=WRITE_PATIENCE_S
            )
        return create_async_engine(url, pool_pre_ping=True)
    private_file(path)
    return _sqlite_engine(url, path, writer=writer)


@dataclass(frozen=True, slots=True)
class Database:
    """The archive's engines: `read` sessions run concurrently, `write` sessions one at a time."""

    url: str
    reader: AsyncEngine
    writer: AsyncEngine
    read: async_sessionmaker[AsyncSession]
    write: async_sessionmaker[AsyncSession]

    @classmethod
    def open(cls, url: str) -> Database:
        writer = make_engine(url, writer=True)
        reader = make_engine(url, writer=False)
        return cls(
            url=url,
            reader=reader,
            writer=writer,
            read=async_sessionmaker(reader, expire_on_commit=False),
            write=async_sessionmaker(writer, expire_on_commit=False),
        )

    async def close(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
