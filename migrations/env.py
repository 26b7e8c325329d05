"""Alembic environment: migrates the archive's metadata with the async engine, batch mode on SQLite."""

from __future__ import annotations

import asyncio
import logging.config

from alembic import context
from sqlalchemy import Connection

from monitor.config import load_settings
from monitor.store.engine import make_engine
from monitor.store.schema import Base, is_migrated_object

config = context.config
if config.config_file_name is not None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if config.config_file_name is not None:  # run by hand with alembic.ini: settings win
        url = load_settings().database_url
    assert url, "no database URL configured"
    return url


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=is_migrated_object,
        literal_binds=connection is None,
    )


def run_migrations_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = make_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
