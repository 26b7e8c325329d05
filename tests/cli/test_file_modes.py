"""The archive, its -wal and -shm, sessions and data/ are the owner's alone, whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.config import variables
from monitor.store.engine import Database
from monitor.telegram.login import private_session_path

ROOT = Path(__file__).resolve().parents[2]
UMASKS = [0o000, 0o022]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=UMASKS, ids=lambda m: f"umask{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


@pytest.mark.parametrize("umask_value", UMASKS, ids=lambda m: f"umask{m:03o}")
def test_db_upgrade_creates_a_private_folder_and_archive(tmp_path: Path, umask_value: int) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in variables()}
    environ |= {"CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    code = f"import os; os.umask({umask_value:#o}); from monitor.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "--env-file", "/nonexistent.env", "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=environ,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (mode(tmp_path / "data"), mode(tmp_path / "data" / "draftwatch.db")) == (0o700, 0o600)


async def test_the_archive_wal_and_shm_are_private(tmp_path: Path, umask: int) -> None:
    archive = tmp_path / "data" / "deeper" / "archive.db"
    db = Database.open(f"sqlite+aiosqlite:///{archive}")
    try:
        async with db.write() as session:
            await session.execute(text("CREATE TABLE subscriber (telegram_id INTEGER)"))
            await session.execute(text("INSERT INTO subscriber VALUES (111)"))
            await session.commit()
        # The pooled connection stays open, so SQLite keeps -wal and -shm beside the file.
        files = [archive, archive.with_name("archive.db-wal"), archive.with_name("archive.db-shm")]
        modes = [mode(path) for path in [tmp_path / "data", archive.parent, *files]]
    finally:
        await db.close()
    assert modes == [0o700, 0o700, 0o600, 0o600, 0o600]


def test_a_session_folder_is_private(tmp_path: Path, umask: int) -> None:
    session = private_session_path(tmp_path / "data" / "reader")
    assert (mode(tmp_path / "data"), mode(session)) == (0o700, 0o600)


def test_an_existing_folder_keeps_its_mode(tmp_path: Path, umask: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    Database.open(f"sqlite+aiosqlite:///{shared / 'archive.db'}")
    assert (mode(shared), mode(shared / "archive.db")) == (0o755, 0o600)
