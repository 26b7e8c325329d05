"""The standalone server as a subprocess, used by an outsider's Telethon script as a subprocess."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from monitor.sandbox.feeds import bundled_feeds, load_feed

ROOT = Path(__file__).resolve().parents[2]
FEED = next(p for p in bundled_feeds() if p.name.startswith("1001101170442"))  # РИА Новости


def _wait_for(path: Path, server: subprocess.Popen[str]) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert server.poll() is None, server.communicate()
        assert time.monotonic() < deadline, "no connection.json"
        time.sleep(0.05)
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_outsider_script_logs_in_resolves_reads_and_sends(tmp_path: Path) -> None:
    state = tmp_path / "state"
    server = subprocess.Popen(
        [
            sys.executable,
            "bot.py",
            "sandbox",
            "--port",
            "0",
            "--feed",
            str(FEED),
            "--state-dir",
            str(state),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
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
        assert script.returncode == 0, script.stderr
        result = json.loads(script.stdout.strip().splitlines()[-1])
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=20)

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
    assert server.returncode == 0, output
    assert "sandbox stopped" in output
    assert (state / "server_key.pem").exists()
    assert (state / "auth_keys.json").exists()
