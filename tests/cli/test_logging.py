"""Log noise: at LOG_LEVEL=INFO the libraries (Alembic, APScheduler, Telethon) keep quiet."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.cli.context import configure_logging

ROOT = Path(__file__).resolve().parents[2]


def _db_upgrade(tmp_path: Path, level: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "LOG_SQL")}
    env |= {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}",
        "LOG_LEVEL": level,
        "CACHE_DIR": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "bot.py"),
            "--env-file",
            str(tmp_path / "none.env"),
            "db",
            "upgrade",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
        check=False,
    )


def test_db_upgrade_on_a_fresh_archive_logs_no_alembic_info(tmp_path: Path) -> None:
    result = _db_upgrade(tmp_path, "INFO")
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert " INFO alembic" not in output, output
    assert "Running upgrade" not in output, output


def test_log_level_debug_brings_the_library_lines_back(tmp_path: Path) -> None:
    result = _db_upgrade(tmp_path, "DEBUG")
    assert result.returncode == 0, result.stderr
    assert "Running upgrade" in result.stderr


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = saved
    for name in ("apscheduler", "alembic", "telethon", "aiosqlite", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_service_info_log_keeps_apscheduler_and_telethon_quiet(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger().handlers.clear()
    configure_logging("INFO")
    logging.getLogger("apscheduler.executors.default").info('Job "poll" executed successfully')
    logging.getLogger("telethon.network.mtprotosender").info("Connecting to 127.0.0.1:443/TcpFull")
    logging.getLogger("aiosqlite").info("executing SELECT")
    logging.getLogger("monitor.reader.collector").info("poll cycle done channels=2 new=1 hits=0")
    err = capsys.readouterr().err
    assert "executed successfully" not in err
    assert "Connecting to" not in err
    assert "executing" not in err
    assert "poll cycle done channels=2 new=1 hits=0" in err
