"""The reader's CLI as a user runs it: subprocesses against a standalone sandbox, settings only."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.standalone import BOT, draftwatch, draftwatch_env, standalone_sandbox

FEED = (
    Path(__file__).resolve().parents[2]
    / "monitor"
    / "sandbox"
    / "feeds"
    / "demo"
    / "crimea_alarm.json"
)


def test_login_channels_run_status_and_stop(tmp_path: Path) -> None:
    with standalone_sandbox(tmp_path, ["--feed", str(FEED)]) as connection:
        env = draftwatch_env(connection, tmp_path, BACKFILL_DAYS="3650")
        channel = connection["channels"][0]["username"]
        user = connection["user"]

        assert draftwatch(env, tmp_path, "db", "upgrade").returncode == 0

        wrong_then_right = f"00000\n{user['code']}\n"
        login = draftwatch(env, tmp_path, "login", "--phone", user["phone"], stdin=wrong_then_right)
        assert login.returncode == 0, login.stderr
        assert "That code is wrong (1 of 3)" in login.stderr
        assert "logged in as" in login.stdout
        session = tmp_path / "data" / "reader.session"
        assert session.stat().st_mode & 0o777 == 0o600

        bad = draftwatch(env, tmp_path, "channels", "add", "@no_such_channel_here")
        assert bad.returncode == 1
        assert "no channel has this username" in bad.stderr

        added = draftwatch(env, tmp_path, "channels", "add", f"https://t.me/{channel}")
        assert added.returncode == 0, added.stderr
        assert f"watching @{channel}" in added.stdout
        assert "3 posts read back" in added.stdout

        listed = draftwatch(env, tmp_path, "channels", "list")
        assert f"@{channel}" in listed.stdout
        assert "Крым: тревога" in listed.stdout

        service = subprocess.Popen(
            [sys.executable, BOT, "run"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            status = ""
            for _ in range(100):
                status = draftwatch(env, tmp_path, "status").stdout
                if "running (pid" in status and "last cycle" in status:
                    break
                time.sleep(0.2)
            assert f"running (pid {service.pid})" in status
            second = draftwatch(env, tmp_path, "channels", "add", "@another")
            assert second.returncode == 1
            assert (
                f"the service is running (pid {service.pid}): add channels through the bot "
                "with /addchannel, or stop it first"
            ) in second.stderr
        finally:
            service.send_signal(signal.SIGTERM)
            out, err = service.communicate(timeout=20)
        assert service.returncode == 0, err
        assert "stopped" in out
        after = draftwatch(env, tmp_path, "status").stdout
        assert "not running (last state: stopped)" in after

        removed = draftwatch(env, tmp_path, "channels", "remove", f"@{channel}")
        assert removed.returncode == 0
        assert "its posts stay in the archive" in removed.stdout
        assert "(removed)" in draftwatch(env, tmp_path, "channels", "list").stdout
