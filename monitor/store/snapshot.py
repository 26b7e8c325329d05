"""Make the archive file complete on its own for read-only readers (Datasette's immutable mode; does I/O)."""

from __future__ import annotations

from typing import Any

from monitor.store.engine import Database, sqlite_path


async def checkpoint(db: Database) -> None:
    """Copy the WAL into the main file: immutable readers ignore the WAL, so recent posts show."""
    if sqlite_path(db.url) is None:
        return
    async with db.writer.connect() as conn:
        # Outside any transaction (a checkpoint cannot run inside one): the driver's connection.
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
