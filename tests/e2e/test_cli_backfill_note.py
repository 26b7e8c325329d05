"""`channels add` on a sandbox feed older than BACKFILL_DAYS says why nothing was read back;
with `sandbox --redate` the same feed is read back."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.standalone import draftwatch, draftwatch_env, standalone_sandbox
from tests.e2e.test_cli_reader import FEED


def _add(tmp_path: Path, sandbox_args: list[str]) -> str:
    with standalone_sandbox(tmp_path, ["--feed", str(FEED), *sandbox_args]) as info:
        env = draftwatch_env(info, tmp_path, BACKFILL_DAYS="30")
        user = info["user"]
        assert draftwatch(env, tmp_path, "db", "upgrade").returncode == 0
        login = draftwatch(
            env, tmp_path, "login", "--phone", user["phone"], stdin=f"{user['code']}\n"
        )
        assert login.returncode == 0, login.stderr
        added = draftwatch(env, tmp_path, "channels", "add", info["channels"][0]["username"])
        assert added.returncode == 0, added.stderr
        return " ".join(added.stdout.split())


def test_an_old_feed_reads_back_nothing_and_says_why(tmp_path: Path) -> None:
    out = _add(tmp_path, [])
    assert "0 posts read back" in out
    assert "No post in the last 30 days (BACKFILL_DAYS=30)" in out
    assert "--redate" in out


def test_a_redated_feed_is_read_back(tmp_path: Path) -> None:
    out = _add(tmp_path, ["--redate"])
    assert "3 posts read back" in out
    assert "BACKFILL_DAYS" not in out
