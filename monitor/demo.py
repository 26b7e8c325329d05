"""The live demo: a local Telegram, draftwatch run as a user runs it, an analyst receiving alerts (does I/O)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.sandbox.world import Account, Channel
from monitor.store.posts import PostRepo

FEEDS = Path(__file__).parent / "sandbox" / "feeds"
DEMO_FEEDS = sorted((FEEDS / "demo").glob("*.json"))
NEWS_FEEDS = [
    FEEDS / "ru-news-channels" / "1001101170442_messages.json",
    FEEDS / "ru-news-channels" / "1001003313758_messages.json",
]
BOT_USERNAME = "draftwatch_demo_bot"
NEWS_PER_CHANNEL = 4  # real posts streamed per news channel between the draft notices
STREAM_GAP_S = 0.6
WAIT_FOR_POST_S = 20

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class StreamedPost:
    channel: str
    text: str


@dataclass
class DemoWorld:
    """Who and what the demo created in the sandbox."""

    reader: Account
    admin: Account
    analyst: Account
    bot: Account
    channels: dict[str, Channel] = field(default_factory=dict)
    stream: list[StreamedPost] = field(default_factory=list)


def build_world(tg: Sandbox) -> DemoWorld:
    """Accounts, the demo's draft-notice channels and two channels of real news."""
    world = DemoWorld(
        reader=tg.create_user("+380500000001", first_name="Reader", username="dw_reader"),
        admin=tg.create_user("+380500000002", first_name="Admin", username="dw_admin"),
        analyst=tg.create_user("+380500000003", first_name="Olena", username="olena_analyst"),
        bot=tg.create_bot(BOT_USERNAME),
    )
    notices: list[StreamedPost] = []
    for path in DEMO_FEEDS:
        rows = json.loads(path.read_text(encoding="utf-8"))
        username = rows[0]["username"]
        world.channels[username] = tg.create_channel(username, rows[0]["channel"])
        notices += [StreamedPost(username, r["text"]) for r in rows]
    news: list[StreamedPost] = []
    for index, path in enumerate(NEWS_FEEDS):
        rows = json.loads(path.read_text(encoding="utf-8"))
        username = f"news_{index + 1}"
        channel = tg.create_channel(username, rows[0]["channel"])
        world.channels[username] = channel
        for row in rows[
            NEWS_PER_CHANNEL : NEWS_PER_CHANNEL + 20
        ]:  # history: read back, never alerted
            tg.post(channel, row["text"], markdown_text=True)
        news += [StreamedPost(username, r["text"]) for r in rows[:NEWS_PER_CHANNEL] if r["text"]]
    world.stream = _interleave(notices, news)
    return world


def _interleave(a: list[StreamedPost], b: list[StreamedPost]) -> list[StreamedPost]:
    out: list[StreamedPost] = []
    for i in range(max(len(a), len(b))):
        out += a[i : i + 1] + b[i : i + 1]
    return out


def demo_env(tg: Sandbox, world: DemoWorld, state: Path) -> dict[str, str]:
    """Settings only: this is all that points draftwatch at the sandbox instead of Telegram."""
    host, port = tg.address
    env = {k: v for k, v in os.environ.items() if k not in _OURS}
    env.update(
        TELEGRAM_API_ID=str(API_ID),
        TELEGRAM_API_HASH=API_HASH,
        TELEGRAM_SERVER=f"{host}:{port}",
        TELEGRAM_SERVER_KEY=str(tg.public_key_path),
        TELEGRAM_DC_ID=str(tg.dc_id),
        BOT_TOKEN=world.bot.bot_token or "",
        ADMIN_IDS=str(world.admin.id),
        DATABASE_URL=f"sqlite+aiosqlite:///{state / 'draftwatch.db'}",
        READER_SESSION=str(state / "reader.session"),
        BOT_SESSION=str(state / "bot.session"),
        POLL_INTERVAL="2",
        POLL_MIN_INTERVAL="1",
        POLL_MAX_INTERVAL="2",
        BACKFILL_DAYS="3650",
        LOG_LEVEL="WARNING",
        COLUMNS="120",
    )
    return env


_OURS = frozenset(
    {
        "TELEGRAM_API_ID",
        "TELEGRAM_API_HASH",
        "TELEGRAM_SERVER",
        "TELEGRAM_SERVER_KEY",
        "TELEGRAM_DC_ID",
        "BOT_TOKEN",
        "ADMIN_IDS",
        "DATABASE_URL",
        "READER_SESSION",
        "BOT_SESSION",
    }
)


async def draftwatch(env: dict[str, str], state: Path, *args: str, stdin: str = "") -> str:
    """Run `python bot.py ARGS` as a user would; raise with its output when it fails."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(_BOT),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=state,
    )
    out, err = await process.communicate(stdin.encode())
    if process.returncode != 0:
        raise RuntimeError(
            f"`python bot.py {' '.join(args)}` failed:\n{err.decode()}{out.decode()}"
        )
    return out.decode()


_BOT = Path(__file__).resolve().parents[1] / "bot.py"


def fresh_state(state: Path) -> Path:
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    return state.resolve()


async def start_service(env: dict[str, str], state: Path) -> asyncio.subprocess.Process:
    log = (state / "service.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, str(_BOT), "run", stdout=log, stderr=log, env=env, cwd=state
    )


async def stop_service(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
    return process.returncode or 0


def elapsed(start: float) -> str:
    return f"{time.monotonic() - start:5.1f}s"


@dataclass
class DemoReport:
    """What the demo saw, for its summary."""

    streamed: int = 0
    stored: int = 0
    hits: dict[str, int] = field(default_factory=dict)
    shown: list[tuple[str, str, str, float]] = field(
        default_factory=list
    )  # channel, categories, text, latency
    service_exit: int = 0


async def set_up_draftwatch(
    tg: Sandbox, world: DemoWorld, env: dict[str, str], state: Path, say: Say
) -> None:
    """What a newcomer does by hand: create the archive, log the reader in, add channels."""
    await draftwatch(env, state, "db", "upgrade")
    say("archive created: python bot.py db upgrade")
    out = await draftwatch(
        env,
        state,
        "login",
        "--phone",
        world.reader.phone or "",
        stdin=f"{world.reader.login_code}\n",
    )
    say(out.strip().splitlines()[-1])
    demo_channels = [name for name in world.channels if not name.startswith("news_")]
    news = [name for name in world.channels if name.startswith("news_")]
    await draftwatch(env, state, "channels", "add", "--join", *(f"@{n}" for n in demo_channels))
    await draftwatch(env, state, "channels", "add", *(f"https://t.me/{n}" for n in news))
    say(
        f"watching {len(world.channels)} channels: {', '.join('@' + n for n in world.channels)} "
        f"(live updates for {len(demo_channels)}, polling for all)"
    )


@dataclass
class _Pending:
    item: StreamedPost
    channel_id: int
    message_id: int
    posted: float


async def stream_and_watch(
    tg: Sandbox, world: DemoWorld, database_url: str, report: DemoReport, say: Say
) -> None:
    """Publish the stream on a steady beat and show what draftwatch made of each post as it lands."""
    from monitor.store.engine import Database

    pending: list[_Pending] = []
    done = asyncio.Event()

    async def publish() -> None:
        for item in world.stream:
            channel = world.channels[item.channel]
            message_id = tg.post(channel, item.text, markdown_text=True)
            pending.append(_Pending(item, channel.id, message_id, time.monotonic()))
            report.streamed += 1
            await asyncio.sleep(STREAM_GAP_S)
        done.set()

    db = Database.open(database_url)
    publisher = asyncio.create_task(publish())
    try:
        posts = PostRepo(db)
        while not (done.is_set() and not pending):
            await asyncio.sleep(0.1)
            for entry in list(pending):
                if await _show_if_stored(posts, entry, report, say):
                    pending.remove(entry)
                elif time.monotonic() - entry.posted > WAIT_FOR_POST_S:
                    say(
                        f"[red]not stored within {WAIT_FOR_POST_S} s:[/] @{entry.item.channel} {_short(entry.item.text)}"
                    )
                    pending.remove(entry)
    finally:
        publisher.cancel()
        await db.close()


async def _show_if_stored(posts: PostRepo, entry: _Pending, report: DemoReport, say: Say) -> bool:
    stored = await posts.find_post(entry.channel_id, entry.message_id)
    if stored is None or stored.id is None:
        return False
    report.stored += 1
    latency = time.monotonic() - entry.posted
    hits = await posts.list_hits(stored.id)
    if not hits:
        say(f"[dim]  ok {latency:4.1f}s @{entry.item.channel}: {_short(entry.item.text)}[/]")
        return True
    categories = sorted({h.category for h in hits})
    for category in categories:
        report.hits[category] = report.hits.get(category, 0) + 1
    report.shown.append((entry.item.channel, ", ".join(categories), entry.item.text, latency))
    words = ", ".join(sorted({s.surface for h in hits for s in h.spans}))
    say(
        f"[bold red] HIT[/] {latency:4.1f}s @{entry.item.channel} [yellow]{', '.join(categories)}[/] «{words}»"
    )
    say(f"          {_short(entry.item.text, 100)}")
    return True


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


async def run_demo(state: Path, say: Say) -> DemoReport:
    """The whole demo; returns what it saw. Raises if a step a user would take fails."""
    started = time.monotonic()
    state = fresh_state(state)
    report = DemoReport()
    async with Sandbox(key_dir=state) as tg:
        world = build_world(tg)
        host, port = tg.address
        say(
            f"[{elapsed(started)}] local Telegram (sandbox) on {host}:{port}: {len(world.channels)} channels, "
            f"bot @{world.bot.username}"
        )
        env = demo_env(tg, world, state)
        await set_up_draftwatch(
            tg, world, env, state, lambda text: say(f"[{elapsed(started)}] {text}")
        )
        service = await start_service(env, state)
        say(
            f"[{elapsed(started)}] draftwatch running: python bot.py run (pid {service.pid}); streaming {len(world.stream)} posts"
        )
        try:
            await stream_and_watch(tg, world, env["DATABASE_URL"], report, say)
        finally:
            report.service_exit = await stop_service(service)
        say(f"[{elapsed(started)}] draftwatch stopped (exit {report.service_exit})")
    return report
