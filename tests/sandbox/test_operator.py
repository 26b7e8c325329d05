"""Operator tools of the standalone sandbox: --redate, a remembered port, several users, and
post / edit / delete commands against a running server."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telethon.sessions import StringSession
from typer.testing import CliRunner

from monitor.cli import app
from monitor.sandbox import feeds
from monitor.telegram.connect import make_client
from tests.sandbox.test_bots import tiny_png
from tests.sandbox.test_standalone import FEED, ROOT, _stop, _wait_for

runner = CliRunner()


def _start(state: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "bot.py",
            "sandbox",
            "--feed",
            str(FEED),
            "--state-dir",
            str(state),
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_redate_moves_the_last_post_to_now_and_keeps_the_spacing() -> None:
    feed = feeds.load_feed(FEED)
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    moved = feeds.redate(feed, now)
    assert moved.posts[-1].date == now
    assert moved.posts[-1].date - moved.posts[0].date == feed.posts[-1].date - feed.posts[0].date
    assert [p.message_id for p in moved.posts] == [p.message_id for p in feed.posts]
    assert feed.posts[-1].date < datetime(2025, 1, 1, tzinfo=UTC)  # why --redate exists


def _cli(state: Path, *args: str, ok: bool = True) -> str:
    """`python bot.py sandbox ...` in a subprocess, as an operator types it."""
    result = subprocess.run(
        [sys.executable, "bot.py", "sandbox", *args, "--state-dir", str(state)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    return result.stdout + result.stderr


async def test_a_running_sandbox_remembers_its_port_redates_and_takes_post_edit_delete(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    server = _start(state, "--redate", "--users", "3")
    try:
        info = _wait_for(state / "connection.json", server)
        assert [u["phone"] for u in info["users"]] == [
            "+79990000000",
            "+79990000001",
            "+79990000002",
        ]
        assert info["user"] == info["users"][0]
        channel = info["channels"][0]["username"]
        posted = _cli(state, "post", channel, "Повестки раздают у метро")
        post_id = int(posted.strip().rsplit("/", 1)[1])
        photo = tmp_path / "notice.png"
        photo.write_bytes(tiny_png())
        with_photo = int(
            _cli(state, "post", channel, "фото", "--photo", str(photo)).strip().rsplit("/", 1)[1]
        )
        _cli(state, "edit", channel, str(post_id), "Повестки раздают у рынка")
        _cli(state, "delete", channel, str(with_photo))

        second = info["users"][1]
        client = make_client(
            StringSession(),
            info["api_id"],
            info["api_hash"],
            server=(info["host"], info["port"]),
            server_key=Path(info["server_key"]),
            dc_id=info["dc_id"],
        )
        await client.start(phone=second["phone"], code_callback=lambda: second["code"])
        try:
            messages = await client.get_messages(channel, limit=3)
            assert messages[0].id == post_id
            assert messages[0].raw_text == "Повестки раздают у рынка"
            assert messages[0].edit_date is not None
            assert all(m.id != with_photo for m in messages)
            # --redate: the feed's newest post is recent, not from 2024.
            assert datetime.now(UTC) - messages[1].date < timedelta(hours=1)
        finally:
            await client.disconnect()

        refused = _cli(state, "edit", "no_such_channel", "1", "x", ok=False)
        assert "no channel @no_such_channel" in refused
    finally:
        _stop(server)
    port = info["port"]
    (state / "connection.json").unlink()
    again = _start(state)  # no --port: the same one as last time, so .env stays right
    try:
        assert _wait_for(state / "connection.json", again)["port"] == port
    finally:
        _stop(again)
    assert (state / "port").read_text().strip() == str(port)


def test_commands_without_a_running_sandbox_say_how_to_start_it(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["sandbox", "post", "ria_novosti", "x", "--state-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "no sandbox is running" in result.output
    assert "python bot.py sandbox --state-dir" in result.output


async def test_who_started_a_bot_survives_a_restart_of_the_standalone_sandbox(
    tmp_path: Path,
) -> None:
    from monitor.sandbox.api import Sandbox
    from monitor.sandbox.standalone import (
        StandaloneConfig,
        build_world,
        load_bot_starts,
        save_bot_starts,
    )

    config = StandaloneConfig(state_dir=tmp_path)
    before = Sandbox()
    users, bots, _ = build_world(before, config)
    before.send_private(users[0], bots[0], "/start")
    save_bot_starts(before, tmp_path / "bot_starts.json")

    after = Sandbox(before.server_key)
    users, bots, _ = build_world(after, config)
    assert bots[0].started_by == set()  # a new world forgets ...
    load_bot_starts(after, tmp_path / "bot_starts.json")
    assert bots[0].started_by == {users[0].id}  # ... unless the state dir remembers
