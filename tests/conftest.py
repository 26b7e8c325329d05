"""Shared fixtures: a real SQLite archive migrated by Alembic, a clean environment, a fixed clock."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import variables
from monitor.store import migrate
from monitor.store.engine import Database
from tests.backends import POSTGRESQL, SQLITE, PostgresServer, both_backends, find_server

pytest_plugins = ["tests.sandbox_fixtures"]

NOW = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)
SERVER = pytest.StashKey[PostgresServer]()
_BACKEND_IDS = {name: re.compile(rf"[\[-]{name}[\]-]") for name in (SQLITE, POSTGRESQL)}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): an archive test of SQLite itself")
    server = config.stash[SERVER] = find_server()
    if not server.reachable and os.environ.get("DRAFTWATCH_TEST_POSTGRES", "") == "require":
        raise pytest.UsageError(f"DRAFTWATCH_TEST_POSTGRES=require, but {server.why_not}")


def pytest_report_header(config: pytest.Config) -> str:
    server = config.stash[SERVER]
    if server.reachable:
        url = server.url
        return (
            f"archive backends: sqlite, postgresql ({url.username}@{url.host}:{url.port or 5432})"
        )
    return f"archive backends: sqlite only (postgresql not run: {server.why_not})"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Archive tests of the BOTH_BACKENDS folders run once per backend (ids sqlite, postgresql)."""
    if "backend" not in metafunc.fixturenames:
        return
    root = Path(__file__).parent
    if not both_backends(metafunc.definition.path, root):
        return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        return
    backends = [SQLITE]
    if metafunc.config.stash[SERVER].reachable:
        backends.append(POSTGRESQL)
    metafunc.parametrize("backend", backends, ids=backends)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which backends the archive tests ran on, and how many on each."""
    ran = {SQLITE: 0, POSTGRESQL: 0}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) == "call":
                for name, pattern in _BACKEND_IDS.items():
                    ran[name] += bool(pattern.search(report.nodeid))
    server = terminalreporter.config.stash[SERVER]
    note = "" if server.reachable else f"; postgresql not run: {server.why_not}"
    terminalreporter.write_line(
        f"archive backends: [sqlite] {ran[SQLITE]} tests, [postgresql] {ran[POSTGRESQL]} tests"
        f" (other tests: sqlite){note}"
    )


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


@pytest.fixture(scope="session")
def postgres_server(pytestconfig: pytest.Config) -> Iterator[PostgresServer]:
    """The PostgreSQL test server with this process's migrated database (made on first use)."""
    server: PostgresServer = pytestconfig.stash[SERVER]
    if not server.reachable:
        pytest.skip(f"PostgreSQL: {server.why_not}")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def backend() -> str:
    """The archive backend of this test; tests in BOTH_BACKENDS folders get both (see below)."""
    return SQLITE


@pytest.fixture
def db_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A fresh archive at Alembic's head: a copy of the SQLite template, or on PostgreSQL this
    process's migrated database, emptied (tests/backends.py)."""
    if backend == POSTGRESQL:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.fresh()
    path = tmp_path / "archive.db"
    shutil.copyfile(request.getfixturevalue("migrated_template"), path)
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
