"""The archive's database: SQLite (WAL, busy timeout, foreign keys, one writer) or PostgreSQL (does I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from monitor.private_files import private_file

SQLITE_BUSY_TIMEOUT_MS = 15_000


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


def _sqlite_engine(url: str, *, writer: bool) -> AsyncEngine:
    if writer:
        # One connection: writers in this process queue here; BEGIN IMMEDIATE makes writers in
        # other processes wait on busy_timeout instead of failing on a stale read snapshot.
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=120)
    else:
        engine = create_async_engine(url)
    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    event.listen(engine.sync_engine, "connect", _on_connect)
    event.listen(engine.sync_engine, "begin", _begin)
    return engine


def make_engine(url: str, *, writer: bool = True) -> AsyncEngine:
    """An engine for the archive; creates a missing SQLite file 0600 in a 0700 folder (see
    `private_file`), so that SQLite, which gives -wal and -shm the database file's mode, makes
    those 0600 too whatever the umask."""
    path = sqlite_path(url)
    if path is None:
        return create_async_engine(url, pool_pre_ping=True)
    private_file(path)
    return _sqlite_engine(url, writer=writer)


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
        reader = make_engine(url, writer=False) if sqlite_path(url) else writer
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
