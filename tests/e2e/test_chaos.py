"""Chaos: `python bot.py run` SIGKILLed or SIGTERMed 20 times at random while posts are published,
edited and deleted in joined and polled-only channels (some changes never pushed as updates),
with a Telegram Desktop import beside the final run. Afterwards every post is archived exactly
once with every version and deletion, and every hit reached each subscriber exactly once, by the
sandbox's record of what they received (slow: about three minutes)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from monitor.config import variables
from monitor.domain import AlertStatus
from monitor.matching import Matcher
from monitor.reader.channel_ref import parse_channel_ref
from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.sandbox.desktop_export import write_export
from monitor.sandbox.world import Account
from monitor.sandbox.world import Channel as SandboxChannel
from monitor.store.deliveries import DeliveryRepo
from monitor.store.engine import Database, sqlite_path
from monitor.store.posts import PostRepo
from tests.e2e.bot_stack import eventually
from tests.e2e.conftest import ReaderStack
from tests.e2e.test_bot_crash import ROOT, BotProcess, _subscribers, story

SEED = 12
KILLS = 20
ACTIONS = 400  # posts published (70 %), edited or deleted while the service lives and dies
USERS = 4
JOINED = ("zp_live", "kherson_live", "crimea_live")  # joined: live updates, and polled
POLLED = ("melitopol_poll", "berdyansk_poll", "donetsk_poll")  # polled only
IMPORT_MESSAGES = 3_000
IMPORT_CHANNEL_ID = 1_777_000_001
CATCH_UP_S = 150  # the final clean run: every post, version, deletion and alert by then
LINK = re.compile(r"^https://t\.me/(\w+)/(\d+)$")


def quiet(n: int) -> str:
    """A post that matches nothing (its number keeps it from being the same story as another)."""
    return f"Сводка {n}: курс рубля и цены на продукты в магазинах города. Номер {n * 7919}"


@dataclass
class Published:
    """One post as the test published it: every text it had, whether it was deleted."""

    channel: SandboxChannel
    message_id: int
    texts: list[str]
    hit: bool
    deleted: bool = False

    @property
    def link(self) -> str:
        return f"https://t.me/{self.channel.username}/{self.message_id}"


@dataclass
class Publisher:
    """Publishes, edits and deletes posts at random while the service lives and dies.

    A post is edited at most once or deleted, and only once the archive holds it: a text that
    was gone before anyone could read it cannot be in the archive. In joined channels some
    changes are stored but never pushed as updates.
    """

    sandbox: Sandbox
    channels: list[SandboxChannel]
    joined: set[int]
    posts: PostRepo
    rng: random.Random
    published: list[Published] = field(default_factory=list)
    unpushed: int = 0

    async def run(self, actions: int) -> None:
        """Up to `actions` publications, edits or deletions, a random moment apart, whether the
        service is down, starting (its live feed then runs ahead of its first poll) or up."""
        for _ in range(actions):
            await asyncio.sleep(self.rng.uniform(0.05, 0.5))
            roll = self.rng.random()
            if roll < 0.7 or len(self.published) < 10:
                self._publish()
            else:
                await self._change(edit=roll < 0.85)

    def _quietly(self, channel: SandboxChannel) -> contextlib.AbstractContextManager[None]:
        if channel.id in self.joined and self.rng.random() < 0.3:
            self.unpushed += 1
            return self.sandbox.lost_updates()
        return contextlib.nullcontext()

    def _publish(self) -> None:
        channel = self.rng.choice(self.channels)
        n = len(self.published) + 1
        hit = self.rng.random() < 0.4
        text = story(n) if hit else quiet(n)
        with self._quietly(channel):
            message_id = self.sandbox.post(channel, text)
        self.published.append(Published(channel, message_id, [text], hit))

    async def _change(self, *, edit: bool) -> None:
        unchanged = [p for p in self.published if len(p.texts) == 1 and not p.deleted]
        post = self.rng.choice(unchanged) if unchanged else None
        if post is None or await self.posts.find_post(post.channel.id, post.message_id) is None:
            return
        with self._quietly(post.channel):
            if edit:  # the same hits as before: an edit alerts nobody twice
                post.texts.append(f"{post.texts[0]} (исправлено)")
                self.sandbox.edit_post(post.channel, post.message_id, post.texts[-1])
            else:
                post.deleted = True
                self.sandbox.delete_posts(post.channel, [post.message_id])


@dataclass
class Tally:
    """What the archive and the subscribers' chats hold against what was published."""

    published: int = 0
    stored: int = 0
    edits: int = 0
    deletions: int = 0
    hits: int = 0
    alerts_expected: int = 0
    alerts_delivered: int = 0
    pending: int = 0
    problems: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    def problem(self, kind: str, text: str) -> None:
        self.kinds[kind] += 1
        self.problems.append(text)

    def summary(self, kills: Counter[str], unpushed: int, imported: str) -> str:
        head = (
            f"published {self.published} posts, stored {self.stored}; edits {self.edits}; "
            f"deletions {self.deletions}; hits {self.hits}; alerts expected "
            f"{self.alerts_expected}, delivered {self.alerts_delivered}, pending {self.pending}; "
            f"kills {dict(kills)}; changes never pushed {unpushed}; import {imported}; "
            f"problems {dict(self.kinds) or 'none'}"
        )
        shown = "\n  ".join(self.problems[:25])
        more = f"\n  ... and {len(self.problems) - 25} more" if len(self.problems) > 25 else ""
        return f"{head}\n  {shown}{more}" if self.problems else head


async def tally(
    published: list[Published],
    posts: PostRepo,
    deliveries: DeliveryRepo,
    sandbox: Sandbox,
    bot: Account,
    users: list[Account],
) -> Tally:
    out = Tally(published=len(published))
    for p in published:
        row = await posts.find_post(p.channel.id, p.message_id)
        out.edits += len(p.texts) - 1
        out.deletions += p.deleted
        out.hits += p.hit
        if row is None or row.id is None:
            out.problem("posts never stored", f"{p.link} was never stored")
            continue
        out.stored += 1
        versions = [v.text for v in await posts.list_versions(row.id)]
        if versions != p.texts:
            out.problem(
                "edits missing",
                f"{p.link}: {len(versions)} versions stored, {len(p.texts)} published "
                f"(last stored: {versions[-1][-30:] if versions else None!r})",
            )
        if p.deleted != (row.deleted_at is not None):
            out.problem(
                "deletions wrong", f"{p.link} deleted {p.deleted}, archive: {row.deleted_at}"
            )
        if p.hit != any(h.category == "summons" for h in await posts.list_hits(row.id)):
            out.problem("hits wrong", f"{p.link} is a hit: {p.hit}, the archive disagrees")
    for channel in {p.channel.id: p.channel for p in published}.values():
        stored = await posts.count_posts(channel.id)
        wanted = sum(p.channel.id == channel.id for p in published)
        if stored != wanted:
            out.problem("channels off", f"@{channel.username}: {stored} stored, {wanted} published")
    expected = {p.link for p in published if p.hit}
    for user in users:
        seen = Counter(
            url
            for m in sandbox.received_by(user, bot)
            for e in m.entities
            if (url := getattr(e, "url", None)) and LINK.match(url)
        )
        out.alerts_expected += len(expected)
        out.alerts_delivered += sum(seen.values())
        if missing := expected - set(seen):
            out.kinds["alerts never delivered"] += len(missing) - 1
            out.problem(
                "alerts never delivered",
                f"user {user.id} never got {len(missing)}: {sorted(missing)[:5]}",
            )
        if twice := {u: n for u, n in seen.items() if n > 1}:
            out.kinds["alerts delivered twice"] += len(twice) - 1
            out.problem(
                "alerts delivered twice", f"user {user.id} got alerts more than once: {twice}"
            )
        if stray := set(seen) - expected:
            out.problem(
                "alerts for no hit", f"user {user.id} got alerts for no hit: {sorted(stray)[:5]}"
            )
    out.pending = (await deliveries.count_alerts())[AlertStatus.PENDING]
    return out


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)
    return path


async def watch_channels(reader: ReaderStack, sandbox: Sandbox) -> list[SandboxChannel]:
    """The channels, added (and the first three joined) by the reader before the service runs."""
    assert reader.collector is not None
    channels = []
    for name in (*JOINED, *POLLED):
        channels.append(sandbox.create_channel(name, name.replace("_", " ").title()))
        watched, _ = await reader.collector.add(parse_channel_ref(f"@{name}"))
        if name in JOINED:
            await reader.collector.join(watched)
    await reader.stop()  # the service takes over the same session file
    return channels


async def run_import(env_file: Path, env: dict[str, str], export: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "bot.py", "--env-file", str(env_file), "import", str(export),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), CATCH_UP_S)
    finally:  # a failed or cancelled wait leaves no import behind
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, f"the import failed:\n{err.decode()}\n{out.decode()}"
    return out.decode()


async def chaos(
    process: BotProcess, publisher: Publisher, rng: random.Random, kills: Counter[str]
) -> None:
    """Start the service, let it run a random while (or kill it while it starts), kill it;
    posts are published, edited and deleted meanwhile (about two minutes of them)."""
    changes = asyncio.create_task(publisher.run(ACTIONS))
    try:
        for _ in range(KILLS):
            await _one_round(process, rng, kills)
    finally:
        changes.cancel()
        await asyncio.gather(changes, return_exceptions=True)


async def _one_round(process: BotProcess, rng: random.Random, kills: Counter[str]) -> None:
    """Start the service unless it runs, let it run a random while, then kill it."""
    if process.process is None or process.process.returncode is not None:
        if rng.random() < 0.2:  # killed while starting up
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.start(), rng.uniform(0.3, 2.5))
            kills["while starting"] += 1
        else:
            await process.start()
            await asyncio.sleep(rng.uniform(0.2, 3.0))
    sig = rng.choice((signal.SIGKILL, signal.SIGTERM))
    try:
        await asyncio.wait_for(process.kill(sig), 30)
    except TimeoutError:
        raise AssertionError(
            f"{sig.name} did not stop the service within 30 s:\n" + "".join(process.log[-30:])
        ) from None
    kills[sig.name] += 1
    print(f"chaos: {sig.name} {sum(kills[s] for s in ('SIGKILL', 'SIGTERM'))}/{KILLS}")


@pytest.mark.slow
@pytest.mark.timeout(900)  # 21 service start-ups and a catch-up on a loaded 2-core machine
async def test_kills_edits_deletions_and_an_import_lose_and_repeat_nothing(
    sandbox: Sandbox,
    reader: ReaderStack,
    database: Database,
    db_url: str,
    matcher: Matcher,
    cache_dir: Path,
    tmp_path: Path,
) -> None:
    for n in (1, 2, 3):  # the test's own premise: hits are what the real packs call summons
        assert {h.category for h in matcher.find_hits(story(n))} >= {"summons"}
        assert not matcher.find_hits(quiet(n))
    channels = await watch_channels(reader, sandbox)
    bot = sandbox.create_bot("draftwatch_chaos_bot")
    users = [sandbox.create_user(f"+38067{n:07d}", first_name=f"Analyst {n}") for n in range(USERS)]
    await _subscribers(database, users)
    host, port = sandbox.address
    env_file = write_env_file(
        tmp_path / "chaos.env",
        {
            "TELEGRAM_API_ID": str(API_ID),
            "TELEGRAM_API_HASH": API_HASH,
            "TELEGRAM_SERVER": f"{host}:{port}",
            "TELEGRAM_SERVER_KEY": str(sandbox.public_key_path),
            "TELEGRAM_DC_ID": str(sandbox.dc_id),
            "READER_SESSION": str(reader.session_path),
            "BOT_TOKEN": bot.bot_token or "",
            "BOT_SESSION": str(tmp_path / "bot.session"),
            "ADMIN_IDS": str(users[0].id),
            "DATABASE_URL": db_url,
            "POLL_INTERVAL": "1",
            "POLL_MIN_INTERVAL": "1",
            "POLL_MAX_INTERVAL": "3",
            "POLL_REQUESTS_PER_MINUTE": "600",
            "RECHECK_HOURS": "1",
            "RECHECK_INTERVAL": "5",
            "CACHE_DIR": str(cache_dir),
            "LOG_LEVEL": "INFO",
        },
    )
    env = {k: v for k, v in os.environ.items() if k not in variables()}  # the .env file rules
    process = BotProcess(env, ("--env-file", str(env_file), "run"), ready="draftwatch running")
    posts, deliveries = PostRepo(database), DeliveryRepo(database)
    joined = {c.id for c in channels if c.username in JOINED}
    publisher = Publisher(sandbox, channels, joined, posts, random.Random(SEED))
    kills: Counter[str] = Counter()
    imported = "not run"
    importing: asyncio.Task[str] | None = None
    started = time.monotonic()
    try:
        await process.start()
        for user in users:  # they write first, so the bot knows them (as in real life)
            sandbox.send_private(user, bot, "/start")
        await eventually(
            lambda: all(sandbox.received_by(u, bot) for u in users), within=60, what="welcomes"
        )
        await chaos(process, publisher, random.Random(SEED + 1), kills)

        # The final clean run, with a Telegram Desktop import writing to the archive beside it.
        export = write_export(tmp_path / "result.json", messages=IMPORT_MESSAGES,
                              channel_id=IMPORT_CHANNEL_ID)  # fmt: skip
        print(f"chaos done in {time.monotonic() - started:.0f} s: catching up")
        await process.start()
        importing = asyncio.create_task(run_import(env_file, env, export.path))
        deadline = time.monotonic() + CATCH_UP_S
        while True:
            result = await tally(publisher.published, posts, deliveries, sandbox, bot, users)
            if importing.done():
                imported = f"{await posts.count_posts(IMPORT_CHANNEL_ID)} of {export.posts} posts"
            if not result.problems and not result.pending and importing.done():
                break
            assert process.process is not None
            if time.monotonic() > deadline or process.process.returncode is not None:
                raise AssertionError(
                    f"not caught up after {CATCH_UP_S} s of a clean run "
                    f"(service exit code {process.process.returncode}): "
                    + result.summary(kills, publisher.unpushed, imported)
                    + "\nservice log tail:\n"
                    + "".join([line for line in process.log if " INFO " not in line][-20:])
                )
            print(
                f"catching up: {result.summary(kills, publisher.unpushed, imported).splitlines()[0]}"
            )
            await asyncio.sleep(5)
        await importing
        await asyncio.sleep(3)  # a resend after the catch-up would show now
        await process.kill(signal.SIGTERM)
        assert process.process is not None
        assert process.process.returncode == 0, "".join(process.log[-30:])
    finally:  # never leave a service or an import behind, whatever failed
        if importing is not None:
            importing.cancel()
            await asyncio.gather(importing, return_exceptions=True)
        if process.process is not None and process.process.returncode is None:
            await process.kill()

    result = await tally(publisher.published, posts, deliveries, sandbox, bot, users)
    summary = result.summary(kills, publisher.unpushed, imported)
    print(f"\nCHAOS in {time.monotonic() - started:.0f} s: {summary}")
    assert not result.problems, summary
    assert result.stored == result.published, summary
    assert result.alerts_delivered == result.alerts_expected, summary
    assert await posts.count_posts(IMPORT_CHANNEL_ID) == export.posts, summary
    assert sum(kills[s] for s in ("SIGKILL", "SIGTERM")) == KILLS, summary
    if (path := sqlite_path(db_url)) is not None:
        with contextlib.closing(sqlite3.connect(path)) as archive:
            assert archive.execute("PRAGMA integrity_check").fetchall() == [("ok",)], summary
