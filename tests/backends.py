"""The archive backends the suite runs on: SQLite always, PostgreSQL whenever a server answers.

Tests in BOTH_BACKENDS folders that use `db_url` (or `database`, built on it) run once per
backend, ids `sqlite` and `postgresql`; every other test gets SQLite only. On PostgreSQL,
Alembic migrates one database per test process (dwtest_<host>_<pid>, so pytest-xdist workers and
parallel runs do not meet), emptied before each test (see PostgresServer).

DRAFTWATCH_TEST_POSTGRES_URL names the server (any database name: it is replaced);
DRAFTWATCH_TEST_POSTGRES=off runs SQLite only; =require fails the run when no server answers (CI).
"""

from __future__ import annotations

import asyncio
import os
import socket
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from monitor.store import migrate

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
# Test folders (first part of the path under tests/) whose archive tests run on both backends.
BOTH_BACKENDS = frozenset({"store", "reader", "bot", "search", "digest", "alerts", "evidence"})
# Databases of this suite: dwtest_<host>_<pid>[_<suffix>]; a run cleans up only its own
# machine's (a server may serve several), those whose process is gone.
DB_PREFIX = f"dwtest_{zlib.crc32(socket.gethostname().encode()):08x}_"
CONNECT_TIMEOUT_S = 3.0


def _admin_dsn(url: URL) -> str:
    """asyncpg's DSN for the maintenance database of the server behind `url`."""
    return _dsn(url.set(database="postgres"))


async def _admin(url: URL, *statements: str) -> list[str]:
    import asyncpg  # the `postgres` extra; absent means no PostgreSQL backend

    conn = await asyncpg.connect(_admin_dsn(url), timeout=CONNECT_TIMEOUT_S)
    try:
        names = [r[0] for r in await conn.fetch("SELECT datname FROM pg_database")]
        for statement in statements:
            await conn.execute(statement)
        return names
    finally:
        await conn.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class PostgresServer:
    """The test server: one database per test process, migrated once, emptied before each test.

    Emptying (DELETE from every table, children first, and sequences back to 1) takes a few
    milliseconds; a copy of a template database (CREATE DATABASE … TEMPLATE) took 1.5 s and
    TRUNCATE … RESTART IDENTITY 0.5 s on the CI machine, both for writing new files and
    syncing them. Commits skip the wait for the disk (synchronous_commit off: a test archive).
    """

    url: URL
    why_not: str = ""  # empty when reachable
    name: str = ""
    _reset: str = ""
    _others: list[str] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return not self.why_not

    def database_url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def start(self) -> None:
        """Drop databases left by dead runs, then make and migrate this process's database."""
        names = asyncio.run(_admin(self.url))
        stale = [n for n in names if n.startswith(DB_PREFIX) and not _alive(_pid_of(n))]
        self.name = f"{DB_PREFIX}{os.getpid()}"
        asyncio.run(
            _admin(
                self.url,
                *(_drop(n) for n in [*stale, self.name]),
                f'CREATE DATABASE "{self.name}"',
                f'ALTER DATABASE "{self.name}" SET synchronous_commit = off',
            )
        )
        migrate.upgrade(self.database_url(self.name))
        self._reset = asyncio.run(_reset_sql(self.url.set(database=self.name)))

    def stop(self) -> None:
        if self.name:
            asyncio.run(_admin(self.url, *(_drop(n) for n in [self.name, *self._others])))

    def fresh(self) -> str:
        """The URL of this process's database, as migrated and empty; other connections to
        it (left by the previous test) are ended first."""
        asyncio.run(_empty(self.url.set(database=self.name), self._reset))
        return self.database_url(self.name)

    def create(self, suffix: str) -> str:
        """The URL of a new empty database of this run (dropped at the end of the run), for
        tests of the schema itself (migrations)."""
        name = f"{DB_PREFIX}{os.getpid()}_{suffix}"
        asyncio.run(_admin(self.url, _drop(name), f'CREATE DATABASE "{name}"'))
        self._others.append(name)
        return self.database_url(name)


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
_REFERENCES = """
SELECT child.relname, parent.relname FROM pg_constraint AS c
JOIN pg_class AS child ON child.oid = c.conrelid JOIN pg_class AS parent ON parent.oid = c.confrelid
WHERE c.contype = 'f' AND child.relname <> parent.relname
"""
_SEQUENCES = "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
_OTHERS = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


async def _reset_sql(url: URL) -> str:
    """The statements that empty a migrated archive: every table but alembic_version, children
    before their parents, and every sequence back to its start."""
    import asyncpg

    conn = await asyncpg.connect(_dsn(url), timeout=CONNECT_TIMEOUT_S)
    try:
        tables = {r[0] for r in await conn.fetch(_TABLES)} - {"alembic_version"}
        parents = [(r[0], r[1]) for r in await conn.fetch(_REFERENCES)]
        sequences = [r[0] for r in await conn.fetch(_SEQUENCES)]
    finally:
        await conn.close()
    order: list[str] = []
    while tables:  # a table goes when no remaining table references it
        free = sorted(t for t in tables if not any(p == t and c in tables for c, p in parents))
        if not free:
            raise RuntimeError(f"tables reference each other in a cycle: {sorted(tables)}")
        order += free
        tables -= set(free)
    deletes = [f'DELETE FROM "{t}";' for t in order]
    restarts = [f"SELECT setval('\"{s}\"', 1, false);" for s in sequences]
    # The evidence tables refuse DELETE by trigger (append-only); a test archive is emptied
    # with triggers off for this session only (a superuser's setting; the suite connects as one).
    replica = ["SET session_replication_role = replica;"]
    return "\n".join(replica + deletes + restarts + ["SET session_replication_role = DEFAULT;"])


async def _empty(url: URL, reset: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_dsn(url), timeout=CONNECT_TIMEOUT_S)
    try:
        await conn.execute(_OTHERS)
        await conn.execute(reset)
    finally:
        await conn.close()


def _dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _drop(name: str) -> str:
    return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


def _pid_of(name: str) -> int:
    head = name.removeprefix(DB_PREFIX).split("_", 1)[0]
    return int(head) if head.isdigit() else 0


def find_server() -> PostgresServer:
    """The configured server, with why it cannot be used (switched off, no driver, no answer)."""
    url = make_url(os.environ.get("DRAFTWATCH_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)
    server = PostgresServer(url)
    if os.environ.get("DRAFTWATCH_TEST_POSTGRES", "").lower() in {"off", "0", "no", "false"}:
        server.why_not = "DRAFTWATCH_TEST_POSTGRES=off"
        return server
    try:
        asyncio.run(_admin(url))
    except ImportError:
        server.why_not = "asyncpg is not installed (pip install -e '.[test]')"
    except (OSError, TimeoutError) as e:
        server.why_not = f"no server at {url.render_as_string()}: {e}"
    except Exception as e:  # an asyncpg error: auth, missing role
        server.why_not = f"{url.render_as_string()}: {type(e).__name__}: {e}"
    return server


def both_backends(path: Path, root: Path) -> bool:
    """Whether tests in this file run on both backends (by their folder under tests/)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    return len(parts) > 1 and parts[0] in BOTH_BACKENDS
