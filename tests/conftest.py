"""Shared fixtures: a real SQLite archive migrated by Alembic, a clean environment, a fixed clock."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from monitor.config import variables
from monitor.store import migrate
from monitor.store.engine import Database

pytest_plugins = ["tests.sandbox_fixtures"]

NOW = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """CACHE_DIR for the whole run, subprocesses included: the suite never writes ~/.cache."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One archive migrated to head by Alembic, copied for each test (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "archive.db"
    migrate.upgrade(sqlite_url(path))
    return path


# Set to run every archive test on PostgreSQL instead, e.g.
# DRAFTWATCH_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@/draftwatch_test?host=/var/run/postgresql
POSTGRES_URL = os.environ.get("DRAFTWATCH_TEST_POSTGRES_URL")


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path) -> str:
    """A fresh archive at Alembic's head: a copy of the SQLite template (or PostgreSQL, see above)."""
    if POSTGRES_URL:
        asyncio.run(_reset_postgres(POSTGRES_URL))
        migrate.upgrade(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path / "archive.db"
    shutil.copyfile(migrated_template, path)
    return sqlite_url(path)


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    db = Database.open(db_url)
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No draftwatch variable in the environment but the test cache, and an empty working folder."""
    for name in variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
