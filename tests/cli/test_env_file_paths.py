"""`--env-file other/.env`: relative paths in it are read from its own folder, from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from monitor.config import relative_to, variables

ROOT = Path(__file__).resolve().parents[2]


def test_relative_paths_of_an_env_file_are_read_from_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "other"
    values = relative_to(
        {
            "DATABASE_URL": "sqlite+aiosqlite:///data/draftwatch.db",
            "READER_SESSION": "data/reader.session",
            "BOT_SESSION": "/srv/bot.session",
            "TELEGRAM_SERVER_KEY": "keys/server.pem",
            "TIMEZONE": "Europe/Kyiv",
        },
        folder,
    )
    assert values == {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/data/draftwatch.db",
        "READER_SESSION": f"{folder}/data/reader.session",
        "BOT_SESSION": "/srv/bot.session",
        "TELEGRAM_SERVER_KEY": f"{folder}/keys/server.pem",
        "TIMEZONE": "Europe/Kyiv",
    }


def test_db_upgrade_with_another_folders_env_file_creates_the_archive_there(
    tmp_path: Path,
) -> None:
    other = tmp_path / "other"
    (other / "data").mkdir(parents=True)
    (other / ".env").write_text(
        "DATABASE_URL=sqlite+aiosqlite:///data/draftwatch.db\n", encoding="utf-8"
    )
    (other / ".env").chmod(0o600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environ = {k: v for k, v in os.environ.items() if k not in variables()}
    environ |= {"CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "--env-file", "../other/.env", "db", "upgrade"],
        capture_output=True, text=True, timeout=120, cwd=elsewhere, env=environ, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (other / "data" / "draftwatch.db").is_file()
    assert not (elsewhere / "data").exists()
