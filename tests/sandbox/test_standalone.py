"""The standalone server as a subprocess: an outsider's Telethon script, and a restart that keeps sessions."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from telethon.sessions import StringSession
from telethon.tl import types

from monitor.sandbox.feeds import bundled_feeds, load_feed
from monitor.telegram.connect import make_client

ROOT = Path(__file__).resolve().parents[2]
FEED = next(p for p in bundled_feeds() if p.name.startswith("1001101170442"))  # РИА Новости


def _start(state: Path, port: int = 0) -> subprocess.Popen[str]:
    command = [
        "bot.py",
        "sandbox",
        "--port",
        str(port),
        "--feed",
        str(FEED),
        "--state-dir",
        str(state),
    ]
    return subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(server: subprocess.Popen[str]) -> str:
    server.send_signal(signal.SIGTERM)
    output, _ = server.communicate(timeout=20)
    assert server.returncode == 0, output
    return output


def _wait_for(path: Path, server: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert server.poll() is None, server.communicate()
        assert time.monotonic() < deadline, "no connection.json"
        time.sleep(0.05)
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_outsider_script_logs_in_resolves_reads_and_sends(tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = _start(state)
    try:
        info = _wait_for(state / "connection.json", server)
        script = subprocess.run(
            [
                sys.executable,
                str(ROOT / "tests/sandbox/scripts/outsider.py"),
                str(state / "connection.json"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
        )
    finally:
        output = _stop(server)
    assert script.returncode == 0, script.stderr
    result = json.loads(script.stdout.strip().splitlines()[-1])

    feed = load_feed(FEED)
    assert info["channels"] == [
        {"username": "ria_novosti", "title": "РИА Новости", "id": feed.channel_id}
    ]
    assert result["me"] == "79990000000"
    assert result["channel"] == "РИА Новости"
    assert len(result["posts"]) == 3
    assert result["posts"][0]
    assert result["oldest"] == [p.message_id for p in feed.posts[:2]]
    assert result["sent"] == 1
    assert "sandbox stopped" in output
    assert (state / "server_key.pem").exists()


def _client(info: dict[str, Any], session: StringSession) -> Any:
    return make_client(
        session,
        info["api_id"],
        info["api_hash"],
        server=(info["host"], info["port"]),
        server_key=Path(info["server_key"]),
        dc_id=info["dc_id"],
    )


async def test_sessions_and_stored_channel_ids_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = _start(state)
    try:
        info = _wait_for(state / "connection.json", server)
        client = _client(info, StringSession())
        await client.start(phone=info["user"]["phone"], code_callback=lambda: info["user"]["code"])
        channel = await client.get_entity(info["channels"][0]["username"])
        saved = client.session.save()
        await client.disconnect()
    finally:
        _stop(server)

    (state / "connection.json").unlink()
    server = _start(state, port=info["port"])
    try:
        _wait_for(state / "connection.json", server)
        again = _client(info, StringSession(saved))
        await again.connect()
        assert await again.is_user_authorized()
        stored = types.InputPeerChannel(channel.id, channel.access_hash)
        [newest] = await again.get_messages(stored, limit=1)
        await again.disconnect()
    finally:
        _stop(server)
    assert newest.id == load_feed(FEED).posts[-1].message_id
