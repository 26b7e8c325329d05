"""The standalone sandbox: a world from feeds, a connection file for outsiders, auth keys kept across restarts (file I/O)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import signal
from base64 import urlsafe_b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telethon.crypto import AuthKey

from monitor.sandbox import control, feeds
from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.sandbox.crypto import load_or_create_key, public_key_path
from monitor.sandbox.tsa import load_or_create_keys
from monitor.sandbox.world import Account

logger = logging.getLogger(__name__)

TEST_PHONE = "+79990000000"
PORT_FILE = "port"
TSA_PORT_FILE = "tsa_port"
BOT_STARTS_FILE = "bot_starts.json"


class SandboxStartError(Exception):
    """The standalone sandbox cannot start; the message says why and what to do."""


TEST_CODE = "12345"


@dataclass(frozen=True, slots=True)
class StandaloneConfig:
    """What `python bot.py sandbox` was asked for."""

    state_dir: Path
    host: str = "127.0.0.1"
    port: int | None = None  # None: the port of the last run in state_dir, or a free one
    dc_id: int = 2
    feed_files: tuple[Path, ...] = ()
    bots: tuple[str, ...] = ("draftwatch_bot",)
    replay_speed: float = 0.0  # 0: every post is history at start
    history_posts: int = 50  # with replay: posts per channel loaded at once before the replay
    user_password: str | None = None
    redate: bool = False  # shift each feed so its last post is dated now
    users: int = 1  # test users: +79990000000, +79990000001, ...
    file_reference_ttl: float | None = None  # seconds; None: references expire only on command


def bot_token(server_secret: bytes, bot_id: int, username: str) -> str:
    """A token that stays the same across restarts with the same state dir."""
    digest = hashlib.sha256(server_secret + username.encode()).digest()
    return f"{bot_id}:{urlsafe_b64encode(digest).decode().rstrip('=')[:35]}"


def build_world(
    tg: Sandbox, config: StandaloneConfig, now: datetime | None = None
) -> tuple[list[Account], list[Account], list[tuple[Any, Any]]]:
    """The test users, the bots and (channel, feed) pairs, created in a fixed order so ids are stable."""
    users = [
        tg.create_user(
            f"+7999{index:07d}",
            first_name="Sandbox" if index == 0 else f"Sandbox {index + 1}",
            username="sandbox_user" if index == 0 else f"sandbox_user{index + 1}",
            code=TEST_CODE,
            password=config.user_password,
        )
        for index in range(max(1, config.users))
    ]
    secret = tg.server_key.private.d.to_bytes(256, "big")
    bots = []
    for index, username in enumerate(config.bots):
        bot_id = 7_000_000_001 + index
        bots.append(tg.create_bot(username, token=bot_token(secret, bot_id, username)))
    fed = []
    for path in config.feed_files:
        feed = feeds.load_feed(path)
        if config.redate:
            feed = feeds.redate(feed, now or datetime.now(UTC))
        fed.append((feeds.create_channel(tg.world, feed), feed))
    return users, bots, fed


def _user_info(user: Account) -> dict[str, Any]:
    return {"phone": user.phone, "code": user.login_code, "password": user.password, "id": user.id}


def connection_info(
    tg: Sandbox,
    config: StandaloneConfig,
    users: list[Account],
    bots: list[Account],
    fed: list[tuple[Any, Any]],
) -> dict[str, Any]:
    return {
        "host": tg.address[0],
        "port": tg.address[1],
        "dc_id": tg.dc_id,
        "server_key": str(public_key_path(config.state_dir).resolve()),
        "api_id": API_ID,
        "api_hash": API_HASH,
        "user": _user_info(users[0]),
        "users": [_user_info(u) for u in users],
        "bots": [{"username": b.username, "token": b.bot_token, "id": b.id} for b in bots],
        "channels": [{"username": c.username, "title": c.title, "id": c.id} for c, _ in fed],
        "tsa": {"url": tg.tsa.url, "ca": str(tg.tsa_ca_path.resolve())} if tg.tsa else None,
    }


def save_auth_keys(tg: Sandbox, path: Path) -> None:
    keys = {
        str(key_id): {"key": key.key.hex(), "account_id": tg.world.authorizations.get(key_id)}
        for key_id, key in tg.server.auth_keys.items()
    }
    path.write_text(json.dumps(keys), encoding="utf-8")
    path.chmod(0o600)


def save_bot_starts(tg: Sandbox, path: Path) -> None:
    """Which users started which bot: Telegram never forgets it, so a restart must not either."""
    starts = {str(a.id): sorted(a.started_by) for a in tg.world.accounts.values() if a.started_by}
    path.write_text(json.dumps(starts), encoding="utf-8")


def load_bot_starts(tg: Sandbox, path: Path) -> None:
    if not path.exists():
        return
    for bot_id, user_ids in json.loads(path.read_text(encoding="utf-8")).items():
        bot = tg.world.accounts.get(int(bot_id))
        if bot is not None:
            bot.started_by.update(int(u) for u in user_ids)


def load_auth_keys(tg: Sandbox, path: Path) -> None:
    """Clients keep their sessions across a restart of the standalone server."""
    if not path.exists():
        return
    for key_id, saved in json.loads(path.read_text(encoding="utf-8")).items():
        key = AuthKey(bytes.fromhex(saved["key"]))
        tg.server.auth_keys[int(key_id)] = key
        if saved["account_id"] in tg.world.accounts:
            tg.world.authorizations[int(key_id)] = saved["account_id"]


async def run(config: StandaloneConfig, *, ready: asyncio.Event | None = None) -> None:
    """Serve until SIGINT or SIGTERM; writes `connection.json` once listening."""
    key = load_or_create_key(config.state_dir)
    keys_path = config.state_dir / "auth_keys.json"
    tg = Sandbox(
        key, host=config.host, port=_port(config), dc_id=config.dc_id, key_dir=config.state_dir
    )
    try:
        await tg.start()
    except OSError as e:
        raise SandboxStartError(
            f"cannot listen on {config.host}:{tg.server.port} ({e.strerror}): is another sandbox "
            "running? Stop it, or pass --port 0 for a free port (remembered for next time)"
        ) from e
    tg.set_file_reference_ttl(config.file_reference_ttl)
    try:
        (config.state_dir / PORT_FILE).write_text(f"{tg.address[1]}\n", encoding="utf-8")
        tsa_keys = load_or_create_keys(config.state_dir, now=datetime.now(UTC))
        tsa = await tg.start_tsa(tsa_keys, port=_saved_port(config.state_dir / TSA_PORT_FILE))
        (config.state_dir / TSA_PORT_FILE).write_text(f"{tsa.port}\n", encoding="utf-8")
        users, bots, fed = build_world(tg, config)
        load_auth_keys(tg, keys_path)
        load_bot_starts(tg, config.state_dir / BOT_STARTS_FILE)
        replays = _start_feeds(tg, fed, config)
        control_server = await control.serve(tg, config.state_dir)
        info = connection_info(tg, config, users, bots, fed)
        try:
            with _signals() as stop:
                (config.state_dir / "connection.json").write_text(
                    json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8"
                )
                logger.info(
                    "sandbox ready host=%s port=%d channels=%d",
                    tg.address[0],
                    tg.address[1],
                    len(fed),
                )
                if ready is not None:
                    ready.set()
                await stop.wait()
        finally:
            for task in replays:
                task.cancel()
            control_server.close()
            control.socket_path(config.state_dir).unlink(missing_ok=True)
            save_auth_keys(tg, keys_path)
            save_bot_starts(tg, config.state_dir / BOT_STARTS_FILE)
    finally:
        await tg.stop()


def _saved_port(path: Path) -> int:
    if path.exists() and path.read_text(encoding="utf-8").strip().isdigit():
        return int(path.read_text(encoding="utf-8").strip())
    return 0


def _port(config: StandaloneConfig) -> int:
    """--port if given, else the port the last run in this state dir listened on, else any."""
    if config.port is not None:
        return config.port
    saved = config.state_dir / PORT_FILE
    if saved.exists() and saved.read_text(encoding="utf-8").strip().isdigit():
        return int(saved.read_text(encoding="utf-8").strip())
    return 0


def _start_feeds(
    tg: Sandbox, fed: list[tuple[Any, Any]], config: StandaloneConfig
) -> list[asyncio.Task[None]]:
    tasks = []
    for channel, feed in fed:
        if config.replay_speed <= 0:
            feeds.load_history(tg.world, channel, feed.posts, dc_id=tg.dc_id)
            continue
        split = min(config.history_posts, len(feed.posts))
        feeds.load_history(tg.world, channel, feed.posts[:split], dc_id=tg.dc_id)
        tasks.append(
            asyncio.create_task(
                feeds.replay(
                    tg.world,
                    channel,
                    feed.posts[split:],
                    speed=config.replay_speed,
                    dc_id=tg.dc_id,
                )
            )
        )
    return tasks


@contextmanager
def _signals() -> Iterator[asyncio.Event]:
    """An event set by SIGINT or SIGTERM, armed before connection.json tells anyone we are up."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
