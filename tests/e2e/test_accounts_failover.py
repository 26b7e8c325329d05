"""Three reader accounts over 300 channels through the sandbox with real Telethon clients: one
account's session is killed mid-run, its channels move to the others and come back when it
returns; every post is stored exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.clock import SystemClock
from monitor.pool_service import reader_pool
from monitor.reader.accounts import account_session
from monitor.reader.channel_ref import parse_channel_ref
from monitor.reader.collector import LoggedEvents, PollConfig
from monitor.reader.polling import IntervalPolicy
from monitor.reader.pool import AccountPool, PoolConfig
from monitor.sandbox.api import Sandbox
from monitor.sandbox.world import Channel as SandboxChannel
from monitor.store.accounts import AccountRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.telegram.login import private_session_path
from tests.e2e.conftest import summons_hits
from tests.e2e.test_service import service_settings
from tests.fake_bot import JumpingClock

CHANNELS = 300
NAMES = ["default", "kharkiv", "odesa"]
EVERY_CYCLE = PollConfig(
    requests_per_minute=6000,
    policy=IntervalPolicy(minimum_s=1, maximum_s=1, jitter=0.0),
    initial_interval_s=1,
    backfill_days=30,
    backfill_limit=500,
    recheck_hours=48,
)
ROOMY = PoolConfig(flood_handover_s=600, resolves_per_hour=36_000, resolve_burst=CHANNELS)


class Told(LoggedEvents):
    """The pool's events as admins would hear them."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    async def account_lost(self, name: str, reason: str, moved: int) -> None:
        self.lines.append(f"lost {name}: {reason} ({moved} channels moved)")

    async def account_back(self, name: str, moved: int) -> None:
        self.lines.append(f"back {name} ({moved} channels)")


async def _stored_ids(db: Database, channel: SandboxChannel) -> list[int]:
    since = datetime.now(UTC) - timedelta(days=1)
    return await PostRepo(db).list_recent_message_ids(channel.id, since=since)


async def _cycles_until_read(
    pool: AccountPool, db: Database, expected: dict[int, int], *, most: int = 40
) -> None:
    for _ in range(most):
        await pool.poll_cycle()
        posts = PostRepo(db)
        counts = {cid: await posts.count_posts(cid) for cid in expected}
        if all(counts[cid] >= n for cid, n in expected.items()):
            return
        await asyncio.sleep(1.0)
    raise AssertionError("the pool did not read every post")


async def test_a_killed_account_hands_its_channels_over_and_takes_them_back(
    sandbox: Sandbox, database: Database, db_url: str, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, db_url, tmp_path / "data" / "reader.session")
    users = {
        name: sandbox.create_user(f"+38050100{i:04d}", first_name=name)
        for i, name in enumerate(NAMES)
    }
    for name, user in users.items():
        client = await sandbox.login(
            user, str(private_session_path(account_session(settings.reader_session, name)))
        )
        await client.disconnect()
    channels = [sandbox.create_channel(f"oblast_{i:03d}", f"Область {i}") for i in range(CHANNELS)]
    for channel in channels:
        sandbox.post(channel, "Сводка до запуска")
    told = Told()
    async with reader_pool(
        settings,
        SystemClock(),
        database,
        find_hits=summons_hits,
        events=told,
        poll=EVERY_CYCLE,
        pool=ROOMY,
        names=NAMES,
    ) as pool:
        for channel in channels:
            await pool.add(parse_channel_ref(f"@{channel.username}"))
        owners = await pool.assign()
        spread = Counter(owners.values())
        assert set(spread) == set(NAMES)
        assert all(n >= 8 for n in spread.values()), spread
        resolves_before = sandbox.calls("contacts.resolveUsername")
        assert resolves_before == CHANNELS  # each channel resolved once, by the account reading it

        # Mid-run: posts arrive, one account's sessions are terminated (AUTH_KEY_UNREGISTERED).
        victim = "kharkiv"
        theirs = {tid for tid, owner in owners.items() if owner == victim}
        for channel in channels:
            sandbox.post(channel, "Повестки у проходной, до отказа")
        await pool.poll_cycle()
        assert sandbox.revoke_sessions(users[victim]) == 1
        for channel in channels:
            sandbox.post(channel, "Сводка во время отказа")
        await _cycles_until_read(pool, database, {c.id: 3 for c in channels})

        moved = await pool.assign()
        assert victim not in set(moved.values())
        assert {tid for tid in theirs if moved[tid] != victim} == theirs
        assert all(moved[tid] == owners[tid] for tid in owners if tid not in theirs)
        assert told.lines[0].startswith(
            f"lost {victim}: AuthKeyUnregisteredError ({len(theirs)} channels moved)"
        )
        # The others looked up only the moved channels, once each, within their budgets.
        assert sandbox.calls("contacts.resolveUsername") == resolves_before + len(theirs)
        health = {h.name: h for h in await AccountRepo(database).list_health()}
        assert health[victim].state == "dead"

        # The operator logs the account in again (python bot.py login --account kharkiv).
        client = await sandbox.login(
            users[victim],
            str(private_session_path(account_session(settings.reader_session, victim))),
        )
        await client.disconnect()
        assert await pool.check_accounts() == [victim]
        assert told.lines[-1] == f"back {victim} ({len(theirs)} channels)"
        back = await pool.assign()
        assert back == owners
        for channel in channels:
            sandbox.post(channel, "Сводка после возвращения")
        await _cycles_until_read(pool, database, {c.id: 4 for c in channels})

    for channel in channels:
        assert await _stored_ids(database, channel) == [1, 2, 3, 4], channel.username
        assert await PostRepo(database).count_posts(channel.id) == 4


async def test_a_long_flood_wait_rests_the_account_and_it_returns_when_the_wait_is_over(
    sandbox: Sandbox, database: Database, db_url: str, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, db_url, tmp_path / "data" / "reader.session")
    names = ["default", "sumy"]
    for i, name in enumerate(names):
        user = sandbox.create_user(f"+38050300{i:04d}", first_name=name)
        session = private_session_path(account_session(settings.reader_session, name))
        await (await sandbox.login(user, str(session))).disconnect()
    channels = [sandbox.create_channel(f"sumy_{i:02d}", f"Сумы {i}") for i in range(12)]
    for channel in channels:
        sandbox.post(channel, "Сводка")
    told = Told()
    rests = PoolConfig(flood_handover_s=2, resolves_per_hour=36_000, resolve_burst=12)
    async with reader_pool(
        settings,
        SystemClock(),
        database,
        find_hits=summons_hits,
        events=told,
        poll=EVERY_CYCLE,
        pool=rests,
        names=names,
    ) as pool:
        for channel in channels:
            await pool.add(parse_channel_ref(f"@{channel.username}"))
        owners = await pool.assign()
        theirs = [c for c in channels if owners[c.id] == "sumy"]
        assert theirs
        for channel in channels:
            sandbox.post(channel, "Повестки у военкомата")
        for channel in theirs:  # Telegram holds the account: FLOOD_WAIT_3 over the threshold of 2 s
            sandbox.fail("messages.getHistory", "FLOOD_WAIT_3", code=420, channel=channel)
        await _cycles_until_read(pool, database, {c.id: 2 for c in channels})
        assert told.lines[0] == f"lost sumy: FloodWait 3 s ({len(theirs)} channels moved)"
        assert set((await pool.assign()).values()) == {"default"}
        health = {h.name: h for h in await AccountRepo(database).list_health()}
        assert health["sumy"].state == "flood"
        assert health["sumy"].held_until is not None

        assert await pool.check_accounts() == []  # still held
        await asyncio.sleep(3.5)
        assert await pool.check_accounts() == ["sumy"]
        assert await pool.assign() == owners
        for channel in channels:
            sandbox.post(channel, "Сводка после паузы")
        await _cycles_until_read(pool, database, {c.id: 3 for c in channels})
    for channel in channels:
        assert await _stored_ids(database, channel) == [1, 2, 3], channel.username


async def test_handed_over_channels_are_looked_up_only_within_the_new_accounts_budget(
    sandbox: Sandbox, database: Database, db_url: str, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, db_url, tmp_path / "data" / "reader.session")
    names = ["default", "poltava"]
    users = {}
    for i, name in enumerate(names):
        users[name] = sandbox.create_user(f"+38050400{i:04d}", first_name=name)
        session = private_session_path(account_session(settings.reader_session, name))
        await (await sandbox.login(users[name], str(session))).disconnect()
    channels = [sandbox.create_channel(f"poltava_{i:02d}", f"Полтава {i}") for i in range(12)]
    for channel in channels:
        sandbox.post(channel, "Сводка")
    # Nine look-ups at once, then one an hour: the adds spend most of them.
    tight = PoolConfig(resolves_per_hour=1, resolve_burst=9)
    async with reader_pool(
        settings,
        SystemClock(),
        database,
        find_hits=summons_hits,
        poll=EVERY_CYCLE,
        pool=tight,
        names=names,
    ) as pool:
        for channel in channels:
            await pool.add(parse_channel_ref(f"@{channel.username}"))
        owners = await pool.assign()
        kept = sum(1 for owner in owners.values() if owner == "default")
        assert 3 <= kept <= 9, owners  # both accounts have a share, the adds fit the burst
        left = 9 - kept
        before = sandbox.calls("contacts.resolveUsername")
        sandbox.revoke_sessions(users["poltava"])
        for _ in range(3):
            await pool.poll_cycle()
        moved = 12 - kept
        assert sandbox.calls("contacts.resolveUsername") == before + min(left, moved)
        peers = await AccountRepo(database).list_peers("default")
        assert len(peers) == kept + min(left, moved)


async def test_an_account_not_logged_in_is_shown_dead_and_the_others_read_everything(
    sandbox: Sandbox, database: Database, db_url: str, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, db_url, tmp_path / "data" / "reader.session")
    user = sandbox.create_user("+380505000001", first_name="Reader")
    session = private_session_path(account_session(settings.reader_session, "default"))
    await (await sandbox.login(user, str(session))).disconnect()
    channels = [sandbox.create_channel(f"kherson_{i}", f"Херсон {i}") for i in range(5)]
    for channel in channels:
        sandbox.post(channel, "Сводка")
    async with reader_pool(
        settings,
        SystemClock(),
        database,
        find_hits=summons_hits,
        poll=EVERY_CYCLE,
        pool=ROOMY,
        names=["default", "mykolaiv"],  # mykolaiv's session was never logged in
    ) as pool:
        for channel in channels:
            await pool.add(parse_channel_ref(f"@{channel.username}"))
        assert set((await pool.assign()).values()) == {"default"}
        await _cycles_until_read(pool, database, {c.id: 1 for c in channels})
    health = {h.name: h for h in await AccountRepo(database).list_health()}
    assert health["mykolaiv"].state == "dead"
    assert health["mykolaiv"].reason == "not logged in"


@pytest.mark.parametrize(("total", "least_s", "most_s"), [(None, 0.0, 1.0), (60, 19.0, 25.0)])
async def test_the_bucket_of_all_accounts_paces_their_reads_together(
    sandbox: Sandbox,
    database: Database,
    db_url: str,
    tmp_path: Path,
    total: int | None,
    least_s: float,
    most_s: float,
) -> None:
    settings = service_settings(sandbox, db_url, tmp_path / "data" / "reader.session")
    names = ["default", "rivne"]
    for i, name in enumerate(names):
        user = sandbox.create_user(f"+38050600{i:04d}", first_name=name)
        session = private_session_path(account_session(settings.reader_session, name))
        await (await sandbox.login(user, str(session))).disconnect()
    channels = [sandbox.create_channel(f"rivne_{i:02d}", f"Ровно {i}") for i in range(30)]
    clock = JumpingClock(datetime.now(UTC))  # sleeps return at once: the waits are counted
    paced = PoolConfig(resolves_per_hour=36_000, resolve_burst=30, requests_per_minute_total=total)
    async with reader_pool(
        settings,
        clock,
        database,
        find_hits=summons_hits,
        poll=EVERY_CYCLE,  # 6,000 a minute per account: only the overall bucket (1 a second) waits
        pool=paced,
        names=names,
    ) as pool:
        for channel in channels:
            await pool.add(parse_channel_ref(f"@{channel.username}"), backfill=False)
        started = clock.monotonic()
        report = await pool.poll_cycle()
        waited = clock.monotonic() - started
    assert report.polled == 30
    # 30 reads, 10 saved up, then one a second: about 20 s of waiting with the overall bucket
    assert least_s <= waited <= most_s


async def test_a_channel_joined_through_the_pool_arrives_live_on_its_account(
    sandbox: Sandbox, database: Database, db_url: str, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, db_url, tmp_path / "data" / "reader.session")
    names = ["default", "dnipro"]
    for i, name in enumerate(names):
        user = sandbox.create_user(f"+38050700{i:04d}", first_name=name)
        session = private_session_path(account_session(settings.reader_session, name))
        await (await sandbox.login(user, str(session))).disconnect()
    news = sandbox.create_channel("dnipro_live", "Днипро live")
    async with reader_pool(
        settings,
        SystemClock(),
        database,
        find_hits=summons_hits,
        poll=EVERY_CYCLE,
        pool=ROOMY,
        names=names,
    ) as pool:
        channel, _ = await pool.add(parse_channel_ref("@dnipro_live"))
        await pool.join(channel)
        reader = pool.owners[news.id]
        assert sandbox.world.channels[news.id].members == {
            next(a.id for a in sandbox.world.accounts.values() if a.first_name == reader)
        }
        message_id = sandbox.post(news, "Повестки раздают на проспекте")  # no poll cycle runs
        posts = PostRepo(database)
        for _ in range(100):
            if await posts.find_post(news.id, message_id) is not None:
                break
            await asyncio.sleep(0.1)
        assert await posts.find_post(news.id, message_id) is not None


async def test_the_watchdog_reconnects_a_quiet_account_and_reading_goes_on(
    sandbox: Sandbox, database: Database, db_url: str, tmp_path: Path
) -> None:
    settings = service_settings(sandbox, db_url, tmp_path / "data" / "reader.session")
    names = ["default", "chernihiv"]
    for i, name in enumerate(names):
        user = sandbox.create_user(f"+38050800{i:04d}", first_name=name)
        session = private_session_path(account_session(settings.reader_session, name))
        await (await sandbox.login(user, str(session))).disconnect()
    channels = [sandbox.create_channel(f"chernihiv_{i}", f"Чернигов {i}") for i in range(6)]
    clock = JumpingClock(datetime.now(UTC))
    async with reader_pool(
        settings,
        clock,
        database,
        find_hits=summons_hits,
        poll=EVERY_CYCLE,
        pool=ROOMY,
        names=names,
    ) as pool:
        for channel in channels:
            await pool.add(parse_channel_ref(f"@{channel.username}"), backfill=False)
        assert await pool.watchdog(900) == []  # nothing quiet yet
        clock.advance(901)
        assert await pool.watchdog(900) == names
        for channel in channels:
            sandbox.post(channel, "Сводка после переподключения")
        clock.advance(2)
        report = await pool.poll_cycle()
    assert report.polled == 6
    assert report.new_posts == 6
