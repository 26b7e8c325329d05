"""A standalone sandbox (`python bot.py sandbox`) in a subprocess, and draftwatch's CLI run against it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BOT = str(ROOT / "bot.py")


@contextmanager
def standalone_sandbox(state_dir: Path, args: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """Start `python bot.py sandbox`, wait for its connection file, stop it afterwards."""
    log = (state_dir / "sandbox.log").open("w")
    process = subprocess.Popen(
        [sys.executable, BOT, "sandbox", "--port", "0", "--state-dir", str(state_dir), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=state_dir,
    )
    connection = state_dir / "connection.json"
    try:
        for _ in range(300):
            if connection.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        assert connection.exists(), (state_dir / "sandbox.log").read_text()
        yield json.loads(connection.read_text(encoding="utf-8"))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def draftwatch_env(connection: dict[str, Any], workdir: Path, **extra: str) -> dict[str, str]:
    """The environment a user would set: only settings point draftwatch at the sandbox."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "DATABASE_"))
    }
    env.update(
        TELEGRAM_API_ID=str(connection["api_id"]),
        TELEGRAM_API_HASH=connection["api_hash"],
        TELEGRAM_SERVER=f"{connection['host']}:{connection['port']}",
        TELEGRAM_SERVER_KEY=connection["server_key"],
        TELEGRAM_DC_ID=str(connection["dc_id"]),
        DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'data' / 'archive.db'}",
        READER_SESSION=str(workdir / "data" / "reader.session"),
        LOG_LEVEL="WARNING",
        COLUMNS="200",
        **extra,
    )
    return env


def draftwatch(
    env: dict[str, str], workdir: Path, *args: str, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, BOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        timeout=timeout,
        check=False,
    )
