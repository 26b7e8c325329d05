"""Shared fixtures: a real SQLite archive migrated by Alembic, a clean environment, a fixed clock."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import variables
from monitor.store import migrate
from monitor.store.engine import Database

pytest_plugins = ["tests.sandbox_fixtures"]

NOW = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One archive migrated to head by Alembic, copied for each test (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "archive.db"
    migrate.upgrade(sqlite_url(path))
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path) -> str:
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
    """No draftwatch variable in the environment, and an empty working folder."""
    for name in variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path
