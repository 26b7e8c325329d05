"""`channels add` while the service runs: point to the bot's /addchannel, not a lock error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.reader.lockfile import ProcessLock, lock_file_of, session_file


def test_channels_add_while_the_service_runs_points_to_addchannel(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = clean_env / "data" / "reader"
    monkeypatch.setenv("TELEGRAM_API_ID", "12345")
    monkeypatch.setenv("TELEGRAM_API_HASH", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("READER_SESSION", str(reader))
    with ProcessLock(lock_file_of(session_file(reader))):  # as `python bot.py run` holds it
        result = CliRunner().invoke(app, ["channels", "add", "@melitopol_news"])
    assert result.exit_code == 1, result.output
    assert (
        f"the service is running (pid {os.getpid()}): add channels through the bot with "
        "/addchannel, or stop it first"
    ) in result.output
    assert "in use by" not in result.output
    assert "Traceback" not in result.output
