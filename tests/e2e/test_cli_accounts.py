"""`login --account NAME`: more reader accounts, each a 0600 session beside the default one."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.standalone import draftwatch, draftwatch_env, standalone_sandbox
from tests.e2e.test_cli_reader import FEED


def test_login_another_account_keeps_its_own_private_session(tmp_path: Path) -> None:
    with standalone_sandbox(tmp_path, ["--feed", str(FEED)]) as connection:
        env = draftwatch_env(connection, tmp_path)
        user = connection["user"]
        assert draftwatch(env, tmp_path, "db", "upgrade").returncode == 0

        bad = draftwatch(env, tmp_path, "login", "--account", "../up", "--phone", user["phone"])
        assert bad.returncode == 1
        assert "--account: '../up' is not an account name" in bad.stderr
        assert "Traceback" not in bad.stderr

        login = draftwatch(
            env,
            tmp_path,
            "login",
            "--account",
            "Kyiv2",
            "--phone",
            user["phone"],
            stdin=f"{user['code']}\n",
        )
        assert login.returncode == 0, login.stderr
        session = tmp_path / "data" / "reader.kyiv2.session"
        assert f"(account kyiv2); session saved to {session} (mode 0600)" in login.stdout
        assert session.stat().st_mode & 0o777 == 0o600
        assert not (tmp_path / "data" / "reader.session").exists() or (
            (tmp_path / "data" / "reader.session").stat().st_size == 0
        )

        # With the default account too, `channels add` goes through the pool of both.
        login = draftwatch(
            env, tmp_path, "login", "--phone", user["phone"], stdin=f"{user['code']}\n"
        )
        assert login.returncode == 0, login.stderr
        channel = connection["channels"][0]["username"]
        added = draftwatch(env, tmp_path, "channels", "add", f"@{channel}")
        assert added.returncode == 0, added.stderr
        assert f"watching @{channel}" in added.stdout
        status = draftwatch(env, tmp_path, "status")
        assert status.returncode == 0, status.stderr
        lines = [line.strip() for line in status.stdout.splitlines()]
        readers = [line for line in lines if line.endswith(", 1 channels")]
        assert len(readers) == 1, status.stdout
        assert any(line.startswith("kyiv2 as ") for line in lines), status.stdout
        assert any(line.startswith("default as ") for line in lines), status.stdout
