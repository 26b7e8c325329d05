"""Operator commands for a running standalone sandbox: post, edit, delete over a Unix socket in the state dir (socket I/O).

One JSON line in, one JSON line out: {"op": "post", "channel": "ria_novosti", "text": "...",
"photo": "<base64>"} -> {"ok": true, "id": 123}; a post may carry instead "document":
{"data": "<base64>", "mime": "application/pdf", "name": "order.pdf"}, or "album": ["<base64>",
...] (2 to 10 photos, the text as caption) -> {"ok": true, "id": 123, "ids": [123, 124]};
{"op": "edit", "channel", "id", "text"}; {"op": "delete", "channel", "ids": [...]};
{"op": "expire_file_references"} (every file reference handed out so far expires now).
Errors come back as {"ok": false, "error": "..."}.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from pathlib import Path
from typing import Any

from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Channel

logger = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"


class ControlError(Exception):
    """A command the running sandbox refused, or no sandbox running: the message says which."""


def socket_path(state_dir: Path) -> Path:
    return state_dir / SOCKET_NAME


def _channel(tg: Sandbox, name: str) -> Channel:
    found = tg.world.find_username(str(name))
    if not isinstance(found, Channel):
        known = ", ".join(sorted(c.username or str(c.id) for c in tg.world.channels.values()))
        raise ControlError(f"no channel @{str(name).lstrip('@')} in this sandbox (it has: {known})")
    return found


def execute(tg: Sandbox, request: dict[str, Any]) -> dict[str, Any]:
    """Carry out one command on the world (pushed to members as any post is)."""
    op = request.get("op")
    if op == "expire_file_references":
        tg.expire_file_references()
        return {"ok": True}
    channel = _channel(tg, request.get("channel", ""))
    if op == "post":
        return _post(tg, channel, request)
    if op == "edit":
        message_id = int(request["id"])
        if message_id not in channel.timeline.messages:
            raise ControlError(f"@{channel.username} has no post {message_id}")
        tg.edit_post(channel, message_id, str(request.get("text", "")))
        return {"ok": True, "id": message_id}
    if op == "delete":
        ids = [int(i) for i in request.get("ids", [])]
        missing = [i for i in ids if i not in channel.timeline.messages]
        if missing:
            raise ControlError(f"@{channel.username} has no post {missing[0]}")
        tg.delete_posts(channel, ids)
        return {"ok": True, "ids": ids}
    raise ControlError(f"unknown command {op!r}: post, edit, delete or expire_file_references")


def _post(tg: Sandbox, channel: Channel, request: dict[str, Any]) -> dict[str, Any]:
    text = str(request.get("text", ""))
    if request.get("album"):
        photos = [base64.b64decode(item) for item in request["album"]]
        try:
            ids = tg.post_album(channel, photos, text)
        except ValueError as e:
            raise ControlError(str(e)) from e
        return {"ok": True, "id": ids[0], "ids": ids}
    photo = base64.b64decode(request["photo"]) if request.get("photo") else None
    document = None
    if request.get("document"):
        doc = request["document"]
        document = (base64.b64decode(doc["data"]), str(doc["mime"]), str(doc["name"]))
    return {"ok": True, "id": tg.post(channel, text, photo=photo, document=document)}


async def serve(tg: Sandbox, state_dir: Path) -> asyncio.Server:
    """Listen on STATE_DIR/control.sock until the returned server is closed."""
    path = socket_path(state_dir)
    path.unlink(missing_ok=True)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = json.loads(await reader.readline())
            answer = execute(tg, request)
        except ControlError as e:
            answer = {"ok": False, "error": str(e)}
        except (ValueError, KeyError, TypeError) as e:
            answer = {"ok": False, "error": f"malformed command: {e!r}"}
        writer.write(json.dumps(answer).encode() + b"\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(handle, path=str(path))
    path.chmod(0o600)
    return server


async def send_command(state_dir: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Send one command to the sandbox running with `state_dir`; raises ControlError if refused."""
    path = socket_path(state_dir)
    try:
        reader, writer = await asyncio.open_unix_connection(str(path))
    except (FileNotFoundError, ConnectionRefusedError) as e:
        raise ControlError(
            f"no sandbox is running with --state-dir {state_dir} (no {path}): start it with "
            f"`python bot.py sandbox --state-dir {state_dir}`"
        ) from e
    writer.write(json.dumps(request).encode() + b"\n")
    await writer.drain()
    answer: dict[str, Any] = json.loads(await reader.readline())
    writer.close()
    if not answer.get("ok"):
        raise ControlError(str(answer.get("error")))
    return answer
