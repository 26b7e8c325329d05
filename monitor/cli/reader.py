"""CLI: login, channels add|remove|list, run and status for the reader account (does I/O).

Telethon, SQLAlchemy and the service are imported inside the commands that use them: every
other command, and `--help`, starts without them.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated, Protocol, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from monitor.cli.accounts import AccountsView, load_accounts, print_accounts
from monitor.cli.context import open_archive, settings_or_exit
from monitor.cli.media import print_media_status
from monitor.cli.places import checked_region
from monitor.clock import SystemClock
from monitor.config import Settings, redact_url
from monitor.domain import Channel
from monitor.errors import AlreadyRunningError, DraftwatchError
from monitor.reader.accounts import (
    DEFAULT_ACCOUNT,
    account_names,
    account_session,
    check_account_name,
)
from monitor.reader.channel_ref import ChannelRef, parse_channel_ref
from monitor.reader.lockfile import holder_pid, lock_file_of, session_file

if TYPE_CHECKING:
    from monitor.app import ReaderService
    from monitor.store.engine import Database
    from monitor.telegram.reader import Progress as ReadProgress

T = TypeVar("T")
# A marked channel id (-1001234567890) is an argument, not an unknown option.
MARKED_IDS = {"ignore_unknown_options": True}
channels_app = typer.Typer(help="The channels draftwatch watches.", no_args_is_help=True)
console = Console()
WIDEST = 220  # columns a channel table may take, whatever the terminal


def _fail(error: DraftwatchError) -> typer.Exit:
    typer.echo(f"error: {redact_url(str(error))}", err=True)
    return typer.Exit(1)


def login(
    ctx: typer.Context,
    phone: Annotated[
        str | None, typer.Option(help="The reader account's phone, with country code.")
    ] = None,
    account: Annotated[
        str,
        typer.Option(
            help="Which reader account: each has its own session beside READER_SESSION "
            "(data/reader.NAME.session); channels are shared out among them.",
        ),
    ] = DEFAULT_ACCOUNT,
) -> None:
    """Log a reader account in (phone, code, 2FA password); the session file is created 0600.

    Example: python bot.py login --phone +380501234567
    Another account: python bot.py login --account kyiv2 --phone +380671234567
    """
    from monitor.telegram.connect import make_client_from_settings
    from monitor.telegram.login import connect_for_login, login_user, private_session_path

    settings = settings_or_exit(ctx)
    try:
        name = check_account_name(account)
    except ValueError as e:
        raise _fail(DraftwatchError(f"--account: {e}")) from e
    session = private_session_path(account_session(settings.reader_session, name))
    if holder_pid(lock_file_of(session)):
        raise _fail(DraftwatchError(f"{session} is in use by a running draftwatch: stop it first"))

    async def go() -> str:
        client = make_client_from_settings(settings, str(session))
        try:
            await connect_for_login(
                client, settings.server_address, lambda line: typer.echo(line, err=True)
            )
            return await login_user(
                client,
                phone or typer.prompt("Phone number (with country code)"),
                lambda: typer.prompt("Login code (sent to your Telegram app)"),
                lambda: typer.prompt("2FA password", hide_input=True),
                lambda message: typer.echo(message, err=True),
            )
        finally:
            await client.disconnect()

    try:
        user = asyncio.run(go())
    except DraftwatchError as e:
        raise _fail(e) from e
    typer.echo(f"logged in as {user} (account {name}); session saved to {session} (mode 0600)")


async def _with_reader(settings: Settings, work: Callable[[ReaderService], Awaitable[T]]) -> T:
    """Run `work(service)` with the reader connected and the archive open (built by monitor.app)."""
    from monitor.app import default_hit_finder, open_archive, reader_service, save_hooks

    async with (
        open_archive(settings) as db,
        reader_service(
            settings,
            SystemClock(),
            db,
            find_hits=default_hit_finder(settings.cache_dir),
            hooks=save_hooks(db),
        ) as service,
    ):
        return await work(service)


class ChannelAdder(Protocol):
    """Who adds channels: the one account's Collector, or the pool of several accounts."""

    async def add(
        self, ref: ChannelRef, *, backfill: bool = True, progress: ReadProgress | None = None
    ) -> tuple[Channel, int]: ...
    async def join(self, channel: Channel) -> None: ...


async def _with_adder(settings: Settings, work: Callable[[ChannelAdder], Awaitable[T]]) -> T:
    """`work` with the reader's Collector, or with the pool when several accounts are logged in
    (each channel is resolved by the account that will read it)."""
    if len(account_names(settings.reader_session)) == 1:
        return await _with_reader(settings, lambda service: work(service.collector))
    from monitor.app import default_hit_finder, open_archive, save_hooks
    from monitor.pool_service import reader_pool

    async with (
        open_archive(settings) as db,
        reader_pool(
            settings,
            SystemClock(),
            db,
            find_hits=default_hit_finder(settings.cache_dir),
            hooks=save_hooks(db),
        ) as pool,
    ):
        return await work(pool)


@channels_app.command("add", context_settings=MARKED_IDS)
def channels_add(
    ctx: typer.Context,
    channels: Annotated[
        list[str], typer.Argument(help="@username, t.me link or numeric id; several allowed.")
    ],
    join: Annotated[
        bool, typer.Option(help="Also join, for live updates (about 500 at most per account).")
    ] = False,
    backfill: Annotated[
        bool, typer.Option(help="Read back BACKFILL_DAYS / BACKFILL_LIMIT of history.")
    ] = True,
    region: Annotated[
        str | None,
        typer.Option(
            help="The channel's home region (zaporizhzhia, kherson, ...): resolves the villages "
            "whose name several regions share."
        ),
    ] = None,
) -> None:
    """Watch channels: each username is resolved once, then read by its stored id and access hash.

    Example: python bot.py channels add @melitopol_news https://t.me/crimea_24 --join
    Example: python bot.py channels add @melitopol_news --region zaporizhzhia
    """
    settings = settings_or_exit(ctx)
    home = checked_region(region)
    refs = []
    for text in channels:
        try:
            refs.append(parse_channel_ref(text))
        except DraftwatchError as e:
            raise _fail(e) from e
    service_pid = holder_pid(lock_file_of(session_file(settings.reader_session)))
    if service_pid:
        raise _fail(service_running(service_pid))

    added: list[int] = []

    async def work(adder: ChannelAdder) -> int:
        failures = 0
        for ref in refs:
            try:
                with Progress(
                    TextColumn(f"{ref} backfill"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    console=console,
                ) as bar:
                    task = bar.add_task("backfill", total=settings.backfill_limit)
                    channel, stored = await adder.add(
                        ref,
                        backfill=backfill,
                        progress=partial(_advance, bar, task),
                    )
                if join:
                    await adder.join(channel)
                added.append(channel.telegram_id)
                console.print(
                    f"watching {channel.label} «{channel.title}»: {stored} posts read back"
                )
                if backfill and stored == 0:
                    console.print(_empty_backfill_note(settings.backfill_days))
            except DraftwatchError as e:
                failures += 1
                typer.echo(f"error: {ref}: {e}", err=True)
        return failures

    try:
        failures = asyncio.run(_with_adder(settings, work))
        if home is not None and added:
            asyncio.run(_set_home_regions(settings, added, home))
    except AlreadyRunningError as e:  # the service started between the check above and now
        raise _fail(service_running(e.pid)) from e
    except DraftwatchError as e:
        raise _fail(e) from e
    if failures:
        raise typer.Exit(1)


async def _set_home_regions(settings: Settings, telegram_ids: list[int], region: str) -> None:
    async with open_archive(settings) as db:
        for telegram_id in telegram_ids:
            await set_home_region(db, telegram_id, region)


async def set_home_region(db: Database, telegram_id: int, region: str) -> None:
    """Store the channel's home region and tag its posts read back again with it."""
    from monitor.places.tagging import post_places
    from monitor.store.places import PlaceRepo

    repo = PlaceRepo(db)
    await repo.set_channel_region(telegram_id, region)
    await repo.retag(post_places, channel_telegram_id=telegram_id)


def service_running(pid: int | None) -> DraftwatchError:
    """`channels add` while `run` holds the reader session: the bot is the way in."""
    who = f" (pid {pid})" if pid else ""
    return DraftwatchError(
        f"the service is running{who}: add channels through the bot with /addchannel, "
        "or stop it first"
    )


def _empty_backfill_note(days: int) -> str:
    """Why a backfill can read nothing back, and what to change (a sandbox feed is often old)."""
    return (
        f"No post in the last {days} days (BACKFILL_DAYS={days}): older posts are not read "
        "back. Raise BACKFILL_DAYS to reach them; with the sandbox, start it with --redate so "
        "that a feed's last post is dated now."
    )


@channels_app.command("remove", context_settings=MARKED_IDS)
def channels_remove(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="@username or numeric id of a watched channel.")],
) -> None:
    """Stop watching a channel; its posts stay in the archive.

    Example: python bot.py channels remove @melitopol_news
    """
    settings = settings_or_exit(ctx)

    async def go() -> str:
        from monitor.store.channels import ChannelRepo

        async with open_archive(settings) as db:
            repo = ChannelRepo(db)
            ref = parse_channel_ref(channel)
            found = await repo.get_channel(ref.key)
            await repo.disable_channel(found.telegram_id)
            return found.label

    try:
        label = asyncio.run(go())
    except DraftwatchError as e:
        raise _fail(e) from e
    typer.echo(f"stopped watching {label}; its posts stay in the archive")


@channels_app.command("list")
def channels_list(ctx: typer.Context) -> None:
    """Each channel: its reader account, live or polled, its last post (local time), when it
    was last read, posts and posts with hits stored, poll interval, flood wait and last error.

    Example: python bot.py channels list
    """
    settings = settings_or_exit(ctx)
    now = datetime.now(UTC)
    channels, counts, accounts = asyncio.run(_channel_facts(settings, now))
    table = channel_table(channels, counts, accounts.owners, now=now, zone=settings.timezone)
    print_wide(console, table)


def print_wide(out: Console, table: Table) -> None:
    """Print the table as wide as it needs (up to WIDEST columns), so that no channel name is
    cut on a narrow or piped terminal; long titles and errors fold."""
    needed = Measurement.get(out, out.options.update(width=WIDEST), table).maximum
    before = out.width
    out.width = max(before, min(needed, WIDEST))  # print(width=) may only narrow
    try:
        out.print(table)
    finally:
        out.width = before


async def _channel_facts(
    settings: Settings, now: datetime
) -> tuple[list[Channel], dict[int, tuple[int, int]], AccountsView]:
    from monitor.store.channels import ChannelRepo

    async with open_archive(settings) as db:
        repo = ChannelRepo(db)
        channels = list(await repo.list_channels())
        accounts = await load_accounts(settings, db, channels, now)
        return channels, await repo.count_posts_and_hits(), accounts


def channel_table(
    channels: list[Channel],
    counts: dict[int, tuple[int, int]],
    owners: dict[int, str],
    *,
    now: datetime,
    zone: str,
) -> Table:
    """Names are never cut (the title and the error fold instead); times to the minute."""
    table = Table(title=f"times in {zone}")
    table.add_column("channel", no_wrap=True)
    table.add_column("account", no_wrap=True)
    table.add_column("title", overflow="fold", max_width=30)
    for name in ("updates", "last post", "last read", "posts", "with hits", "every"):
        table.add_column(name, no_wrap=True)
    table.add_column("flood wait", no_wrap=True)
    table.add_column("last error", overflow="fold", max_width=40)
    for channel in channels:
        wait = (
            _ago(channel.flood_wait_until, now)
            if channel.flood_wait_until and channel.flood_wait_until > now
            else ""
        )
        posts, hits = counts.get(channel.telegram_id, (0, 0))
        table.add_row(
            channel.label + ("" if channel.enabled else " (removed)"),
            owners.get(channel.telegram_id, "—"),
            channel.title,
            "live" if channel.joined else "polled",
            _when(channel.last_post_at, now, zone),
            _when(channel.last_polled_at, now, zone),
            str(posts),
            str(hits),
            _ago(
                datetime.fromtimestamp(channel.poll_interval_s, UTC), datetime.fromtimestamp(0, UTC)
            ),
            wait,
            channel.last_error or "",
        )
    return table


def _when(moment: datetime | None, now: datetime, zone: str) -> str:
    """`2024-11-25 11:30 (5m ago)` in the operator's zone; `—` for never."""
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    return f"{local} ({_ago(now, moment)} ago)"


def _advance(bar: Progress, task: TaskID, done: int) -> None:
    bar.update(task, completed=done)


def _ago(later: datetime | None, earlier: datetime | None) -> str:
    if later is None or earlier is None:
        return "—"
    return _span(int((later - earlier).total_seconds()))


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def run(ctx: typer.Context) -> None:
    """Run draftwatch: reader, live updates and scheduler in one process, until SIGINT or SIGTERM.

    Example: python bot.py run
    """
    from monitor.app import run_service

    settings = settings_or_exit(ctx)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_service(settings, SystemClock(), stop)

    try:
        asyncio.run(go())
    except DraftwatchError as e:
        raise _fail(e) from e
    typer.echo("stopped")


def status(ctx: typer.Context) -> None:
    """Is the service running, how did its last poll cycle go, which channels are in trouble.

    Example: python bot.py status
    """
    from monitor.reader.health import read_health, status_path
    from monitor.telegram.login import private_session_path

    settings = settings_or_exit(ctx)
    session = private_session_path(settings.reader_session)
    pid = holder_pid(lock_file_of(session))
    health = read_health(status_path(settings)) or {}
    state = (
        f"running (pid {pid})"
        if pid
        else f"not running (last state: {health.get('state', 'never started')})"
    )
    console.print(f"draftwatch: {state}")
    now = datetime.now(UTC)
    for line in status_lines(health, now=now, zone=settings.timezone):
        console.print(f"  {redact_url(line)}")
    channels, counts, accounts, backlog = asyncio.run(_status_facts(settings, now))
    console.print(f"  alert backlog: {backlog[0]} waiting, {backlog[1]} failed")
    print_accounts(console, accounts, now)
    print_media_status(console, settings)  # the queue, disk use and OCR on or off
    table = channel_table(channels, counts, accounts.owners, now=now, zone=settings.timezone)
    print_wide(console, table)


async def _status_facts(
    settings: Settings, now: datetime
) -> tuple[list[Channel], dict[int, tuple[int, int]], AccountsView, tuple[int, int]]:
    from monitor.domain import AlertStatus
    from monitor.store.deliveries import DeliveryRepo

    channels, counts, accounts = await _channel_facts(settings, now)
    async with open_archive(settings) as db:
        alerts = await DeliveryRepo(db).count_alerts()
    return channels, counts, accounts, (alerts[AlertStatus.PENDING], alerts[AlertStatus.FAILED])


def status_lines(health: dict[str, object], *, now: datetime, zone: str) -> list[str]:
    """The service's health file in words: times to the minute, the last cycle as counts."""
    lines = []
    if health.get("account"):
        lines.append(f"account: {health['account']}")
    for key, label in (("started_at", "started"), ("last_cycle_at", "last cycle")):
        raw = health.get(key)
        if isinstance(raw, str) and raw:
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError:
                continue
            lines.append(f"{label}: {_when(moment, now, zone)}")
    cycle = health.get("last_cycle")
    if isinstance(cycle, dict) and cycle:
        lines.append(
            f"last cycle read {cycle.get('polled', 0)} channels: {cycle.get('new_posts', 0)} "
            f"new posts, {cycle.get('new_hits', 0)} hits, {cycle.get('errors', 0)} errors, "
            f"{cycle.get('flood_waits', 0)} flood waits"
        )
    if health.get("live_updates") or health.get("reconnects"):
        lines.append(
            f"live updates: {health.get('live_updates', 0)}, reconnects: "
            f"{health.get('reconnects', 0)}"
        )
    if health.get("evidence"):
        lines.append(f"evidence: {health['evidence']}")
    if health.get("error"):
        lines.append(f"error: {health['error']}")
    return lines


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.add_typer(channels_app, name="channels")
    app.command("run")(run)
    app.command("status")(status)
