"""The live demo: a local Telegram, draftwatch run as a user runs it, an analyst receiving alerts (does I/O)."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from monitor.errors import DraftwatchError
from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.sandbox.person import Person
from monitor.sandbox.world import Account, Channel
from monitor.store.posts import PostRepo

FEEDS = Path(__file__).resolve().parents[1] / "sandbox" / "feeds"
DEMO_FEEDS = sorted((FEEDS / "demo").glob("*.json"))
NEWS_FEEDS = [
    FEEDS / "ru-news-channels" / "1001101170442_messages.json",
    FEEDS / "ru-news-channels" / "1001003313758_messages.json",
]
BOT_USERNAME = "draftwatch_demo_bot"
NEWS_PER_CHANNEL = 4  # real posts streamed per news channel between the draft notices
STREAM_GAP_S = 0.6
WAIT_FOR_POST_S = 20
WAIT_FOR_OCR_S = 60  # download, OCR (a few seconds on a busy machine), matching

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class StreamedPost:
    channel: str
    text: str
    photo: bytes | None = None  # a photo beside the feed (its draft words only OCR can read)


@dataclass
class DemoWorld:
    """Who and what the demo created in the sandbox."""

    reader: Account
    admin: Account
    analyst: Account
    bot: Account
    channels: dict[str, Channel] = field(default_factory=dict)
    stream: list[StreamedPost] = field(default_factory=list)
    posted_at: dict[str, float] = field(default_factory=dict)  # text -> when it was published


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
        notices += [
            StreamedPost(username, r["text"], _photo(path.parent, r.get("photo"))) for r in rows
        ]
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


def _photo(folder: Path, name: object) -> bytes | None:
    return (folder / name).read_bytes() if isinstance(name, str) else None


def _interleave(a: list[StreamedPost], b: list[StreamedPost]) -> list[StreamedPost]:
    out: list[StreamedPost] = []
    for i in range(max(len(a), len(b))):
        out += a[i : i + 1] + b[i : i + 1]
    return out


def demo_env(tg: Sandbox, world: DemoWorld, state: Path, base: Mapping[str, str]) -> dict[str, str]:
    """Settings only: this is all that points draftwatch at the sandbox instead of Telegram.

    `base` is the environment the child processes start from (PATH and the like); our own
    variables in it are dropped.
    """
    host, port = tg.address
    env = {k: v for k, v in base.items() if k not in _OURS}
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
    if tg.tsa is not None:  # the sandbox's RFC 3161 TSA timestamps the evidence seals
        env.update(EVIDENCE_TSA_URLS=tg.tsa.url, EVIDENCE_TSA_CA=str(tg.tsa_ca_path))
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
        "EVIDENCE_TSA_URLS",
        "EVIDENCE_TSA_CA",
        "EVIDENCE_SEAL_INTERVAL",
    }
)


async def draftwatch(env: dict[str, str], state: Path, *args: str, stdin: str = "") -> str:
    """Run `python bot.py ARGS` as a user would; raise with its output when it fails."""
    process = await asyncio.create_subprocess_exec(
        *_DRAFTWATCH,
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


# The installed package's own entry point, so the demo runs from a wheel as from a checkout.
_DRAFTWATCH = (sys.executable, "-m", "monitor")


MARKER = ".draftwatch-demo"  # written into every folder the demo creates; only those it clears


class DemoStateRefusedError(DraftwatchError):
    """`--state-dir` names a folder the demo did not create: clearing it could lose someone's files."""

    def __init__(self, state: Path) -> None:
        self.state = state
        super().__init__(
            f"{state} is not a folder the demo created (it has files and no {MARKER} marker), "
            "so the demo will not clear it: pick a new or empty folder with --state-dir, "
            "or delete this one yourself if nothing in it is needed (a demo folder from "
            "before the marker, say)"
        )


def fresh_state(state: Path) -> Path:
    """Clear and recreate `state`, but only if it is missing, empty, or carries the demo's marker."""
    if state.exists():
        if not state.is_dir() or (any(state.iterdir()) and not (state / MARKER).is_file()):
            raise DemoStateRefusedError(state)
        shutil.rmtree(state)
    state.mkdir(parents=True)
    (state / MARKER).write_text(
        "created by `python bot.py demo`; the next demo run clears this folder\n", encoding="utf-8"
    )
    return state.resolve()


async def start_service(env: dict[str, str], state: Path) -> asyncio.subprocess.Process:
    log = (state / "service.log").open("wb")
    return await asyncio.create_subprocess_exec(
        *_DRAFTWATCH, "run", stdout=log, stderr=log, env=env, cwd=state
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
    alerts: list[tuple[float, str]] = field(default_factory=list)  # seconds after its post, text
    ocr_hits: int = 0  # posts matched only by what OCR read in their photo
    service_exit: int = 0


async def onboard_analyst(tg: Sandbox, world: DemoWorld, categories: list[str], say: Say) -> Person:
    """The analyst asks for access, the admin approves with the inline button, she subscribes."""
    admin = await Person.login(tg, world.admin, world.bot)
    analyst = await Person.login(tg, world.analyst, world.bot)
    try:
        # A bot can only write to people who started it: the admin does so once, as in real life.
        await admin.say("/start")
        await admin.wait_for("")
        await analyst.say("/start")
        await analyst.wait_for("sent to the admins")
        say(f"@{world.analyst.username} → /start: waiting for an admin")
        await admin.press("Access request", "✅ Approve")
        await analyst.wait_for("approved")
        say(f"@{world.admin.username} pressed ✅ Approve; @{world.analyst.username} is in")
        for category in categories:
            before = len(analyst.inbox)
            await analyst.say(f"/subscribe {category}")
            await analyst.wait_for("Subscribed", after=before)
        say(f"@{world.analyst.username} subscribed to {', '.join(categories)}")
    finally:
        await admin.close()
    return analyst


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
    say("logged in as " + out.rsplit("logged in as", 1)[-1].strip())
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
    reading: list[tuple[_Pending, int]] = []  # photo posts stored without a hit: OCR to come
    done = asyncio.Event()

    async def publish() -> None:
        for item in world.stream:
            channel = world.channels[item.channel]
            message_id = tg.post(channel, item.text, markdown_text=True, photo=item.photo)
            world.posted_at[item.text] = time.monotonic()
            pending.append(_Pending(item, channel.id, message_id, time.monotonic()))
            report.streamed += 1
            await asyncio.sleep(STREAM_GAP_S)
        done.set()

    db = Database.open(database_url)
    publisher = asyncio.create_task(publish())
    try:
        posts = PostRepo(db)
        while not (done.is_set() and not pending and not reading):
            await asyncio.sleep(0.1)
            for entry, post_id in list(reading):
                if await _show_if_read(posts, entry, post_id, report, say):
                    reading.remove((entry, post_id))
            for entry in list(pending):
                if await _show_if_stored(posts, entry, report, say, reading):
                    pending.remove(entry)
                elif time.monotonic() - entry.posted > WAIT_FOR_POST_S:
                    say(
                        f"[red]not stored within {WAIT_FOR_POST_S} s:[/] @{entry.item.channel} {_short(entry.item.text)}"
                    )
                    pending.remove(entry)
    finally:
        publisher.cancel()
        await db.close()


async def _show_if_stored(
    posts: PostRepo,
    entry: _Pending,
    report: DemoReport,
    say: Say,
    reading: list[tuple[_Pending, int]],
) -> bool:
    stored = await posts.find_post(entry.channel_id, entry.message_id)
    if stored is None or stored.id is None:
        return False
    report.stored += 1
    latency = time.monotonic() - entry.posted
    hits = await posts.list_hits(stored.id)
    if not hits:
        photo = " 📷 (its photo goes to OCR)" if entry.item.photo else ""
        say(f"[dim]  ok {latency:4.1f}s @{entry.item.channel}: {_short(entry.item.text)}{photo}[/]")
        if entry.item.photo:
            reading.append((entry, stored.id))
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


async def _show_if_read(
    posts: PostRepo, entry: _Pending, post_id: int, report: DemoReport, say: Say
) -> bool:
    """A photo post's hits from OCR, once the media job has downloaded and read its photo."""
    hits = [h for h in await posts.list_hits(post_id) if h.source == "media"]
    latency = time.monotonic() - entry.posted
    if not hits:
        if latency > WAIT_FOR_OCR_S:
            say(f"[red]no OCR hit within {WAIT_FOR_OCR_S} s:[/] @{entry.item.channel}")
            return True
        return False
    categories = sorted({h.category for h in hits})
    for category in categories:
        report.hits[category] = report.hits.get(category, 0) + 1
    report.shown.append((entry.item.channel, ", ".join(categories), entry.item.text, latency))
    report.ocr_hits += 1
    words = ", ".join(dict.fromkeys(s.surface.lower() for h in hits for s in h.spans))
    say(
        f"[bold red] OCR HIT[/] {latency:4.1f}s @{entry.item.channel} "
        f"[yellow]{', '.join(categories)}[/] 📷 in the photo: «{_short(words, 80)}»"
    )
    return True


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


async def run_demo(state: Path, say: Say, environment: Mapping[str, str]) -> DemoReport:
    """The whole demo; returns what it saw. Raises if a step a user would take fails.

    `environment` is what the `python bot.py` child processes inherit, besides the settings
    that point them at the sandbox (monitor.config.process_environment()).
    """
    started = time.monotonic()
    state = fresh_state(state)
    report = DemoReport()

    def step(text: str) -> None:
        say(f"[{elapsed(started)}] {text}")

    async with Sandbox(key_dir=state) as tg:
        world = build_world(tg)
        host, port = tg.address
        tsa = await tg.start_tsa()
        step(
            f"local Telegram (sandbox) on {host}:{port}: {len(world.channels)} channels, bot @{world.bot.username}; RFC 3161 TSA at {tsa.url}"
        )
        env = demo_env(tg, world, state, environment)
        await set_up_draftwatch(tg, world, env, state, step)
        service = await start_service(env, state)
        try:
            await wait_until_running(state, service)
            step(
                f"draftwatch running: python bot.py run (pid {service.pid}), reader and bot in one process"
            )
            analyst = await onboard_analyst(tg, world, DEMO_CATEGORIES, step)
            step(
                f"streaming {len(world.stream)} posts; alerts are shown as @{world.analyst.username} receives them"
            )
            printer = asyncio.create_task(print_alerts(analyst, world, report, say))
            await stream_and_watch(tg, world, env["DATABASE_URL"], report, say)
            await settle(analyst)
            if report.ocr_hits:
                await photo_alert(analyst)
            printer.cancel()
            await analyst.close()
        finally:
            report.service_exit = await stop_service(service)
        step(
            f"draftwatch stopped (exit {report.service_exit}): its custody log sealed and timestamped"
        )
        await show_evidence(env, state, step)
    return report


async def show_evidence(env: dict[str, str], state: Path, step: Callable[[str], None]) -> None:
    """Export the matched posts as an evidence bag and verify it, as a lawyer would."""
    exported = await draftwatch(env, state, "evidence", "export", "hit:yes", "--out", "evidence")
    step(f"python bot.py evidence export 'hit:yes' --out evidence: {exported.strip()}")
    verified = await draftwatch(env, state, "evidence", "verify", "evidence")
    step(f"python bot.py evidence verify evidence: {verified.strip()}")


DEMO_CATEGORIES = ["summons", "enlistment", "roundup", "conscription", "contract", "mobilization"]


async def wait_until_running(
    state: Path, service: asyncio.subprocess.Process, within: float = 60
) -> None:
    """Until the service's health file says running (both the reader and the bot are up)."""
    health = state / "status.json"
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if service.returncode is not None:
            log = (state / "service.log").read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"`python bot.py run` exited with {service.returncode}:\n{log}")
        if health.exists() and '"state": "running"' in health.read_text(encoding="utf-8"):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(
        f"`python bot.py run` did not start within {within} s: see {state / 'service.log'}"
    )


async def print_alerts(analyst: Person, world: DemoWorld, report: DemoReport, say: Say) -> None:
    """Print every message the analyst gets from the bot from now on, as it arrives."""
    seen = len(analyst.inbox)
    while True:
        await asyncio.sleep(0.05)
        for item in analyst.inbox[seen:]:
            posted = world.posted_at.get(_first_line_match(item.text, world), item.at)
            report.alerts.append((item.at - posted, item.text))
            lines = [line for line in item.text.splitlines() if line.strip()]
            say(
                f"[bold green]ALERT → @{world.analyst.username}[/] {item.at - posted:4.1f}s after the post:"
            )
            for line in lines[:4]:
                say(f"    [green]│[/] {_short(line, 100)}")
        seen = len(analyst.inbox)


def _first_line_match(alert: str, world: DemoWorld) -> str:
    flat = " ".join(alert.split())
    for item in world.stream:
        if " ".join(item.text.split())[:40] in flat:
            return item.text
    return ""


async def photo_alert(analyst: Person, within: float = 40.0) -> None:
    """Wait for the alert OCR raised: it may be held for company after a burst (BurstPolicy)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if any("📷 in the photo" in item.text for item in analyst.inbox):
            await asyncio.sleep(0.3)  # let the printer show it
            return
        await asyncio.sleep(0.1)


async def settle(analyst: Person, quiet: float = 3.0, within: float = 20.0) -> None:
    """Wait until no alert has arrived for `quiet` seconds (batches and retries land)."""
    deadline = time.monotonic() + within
    count = len(analyst.inbox)
    last = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last < quiet:
        await asyncio.sleep(0.1)
        if len(analyst.inbox) != count:
            count, last = len(analyst.inbox), time.monotonic()
