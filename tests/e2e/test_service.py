"""`python bot.py run` in-process: the whole reader service against the sandbox, started and stopped."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from monitor.app import run_service
from monitor.clock import SystemClock
from monitor.config import Settings
from monitor.errors import AlreadyRunningError, SessionDeadError
from monitor.reader.channel_ref import parse_channel_ref
from monitor.reader.health import status_path
from monitor.sandbox.api import API_HASH, API_ID, Sandbox
from monitor.search.query import default_lemmatizer, parse_query
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo
from tests.e2e.conftest import READER_PHONE, ReaderStack


def service_settings(sandbox: Sandbox, db_url: str, session: Path) -> Settings:
    host, port = sandbox.address
    return Settings(
        api_id=API_ID,
        api_hash=API_HASH,
        reader_session=session,
        database_url=db_url,
        poll_interval_s=1,
        poll_min_interval_s=1,
        poll_max_interval_s=5,
        poll_requests_per_minute=600,
        telegram_server=f"{host}:{port}",
        telegram_server_key=sandbox.public_key_path,
        telegram_dc_id=sandbox.dc_id,
    )


async def _eventually(check: object, seconds: float = 15.0) -> None:
    assert callable(check)
    for _ in range(int(seconds / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not reached in time")


async def test_run_polls_matches_and_stops_cleanly(
    sandbox: Sandbox, reader: ReaderStack, database: Database, db_url: str
) -> None:
    channel = sandbox.create_channel("kherson_live", "Херсон live")
    assert reader.collector is not None
    await reader.collector.add(parse_channel_ref("@kherson_live"))
    await reader.stop()  # the service takes over the same session file
    settings = service_settings(sandbox, db_url, reader.session_path)
    stop = asyncio.Event()
    task = asyncio.create_task(run_service(settings, SystemClock(), stop))

    message_id = sandbox.post(channel, "У ринку в Херсоні роздають повістки чоловікам")
    posts = PostRepo(database)

    async def stored() -> bool:
        return await posts.find_post(channel.id, message_id) is not None

    await _eventually(stored)
    post = await posts.find_post(channel.id, message_id)
    assert post is not None
    hits = await posts.list_hits(post.id or 0)
    assert "summons" in {h.category for h in hits}  # the default packs, compiled by the service
    # Indexed in the same transaction: searching another form of the word finds it.
    page = await SearchRepo(database, default_lemmatizer()).search(parse_query("повістка"))
    assert [r.post.message_id for r in page.results] == [message_id]

    with pytest.raises(AlreadyRunningError):  # a second process on the same session is refused
        await run_service(settings, SystemClock(), asyncio.Event())

    stop.set()
    await asyncio.wait_for(task, 10)
    health = json.loads(status_path(settings).read_text(encoding="utf-8"))
    assert health["state"] == "stopped"
    assert health["account"] == "Reader"
    assert (await ChannelRepo(database).get_channel(channel.id)).last_error is None


async def test_run_without_login_says_to_log_in(
    sandbox: Sandbox, db_url: str, tmp_path: Path
) -> None:
    sandbox.create_user(READER_PHONE)
    settings = service_settings(sandbox, db_url, tmp_path / "fresh.session")
    with pytest.raises(SessionDeadError, match=r"not logged in\): run `python bot.py login` again"):
        await run_service(settings, SystemClock(), asyncio.Event())
    assert (tmp_path / "fresh.session").stat().st_mode & 0o777 == 0o600


async def test_a_session_killed_by_telegram_stops_the_service_with_the_fix(
    sandbox: Sandbox, reader: ReaderStack, db_url: str
) -> None:
    sandbox.create_channel("nikopol_news", "Никополь")
    assert reader.collector is not None
    await reader.collector.add(parse_channel_ref("@nikopol_news"))
    await reader.stop()
    sandbox.fail("messages.getHistory", "AUTH_KEY_UNREGISTERED", code=401, times=None)
    settings = service_settings(sandbox, db_url, reader.session_path)
    with pytest.raises(SessionDeadError, match="AuthKeyUnregisteredError"):
        await asyncio.wait_for(run_service(settings, SystemClock(), asyncio.Event()), 15)
    health = json.loads(status_path(settings).read_text(encoding="utf-8"))
    assert health["state"] == "session dead"


async def test_reader_and_bot_at_debug_log_no_secret(
    sandbox: Sandbox,
    reader: ReaderStack,
    db_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import dataclasses
    import logging

    bot = sandbox.create_bot("draftwatch_secret_bot")
    admin = sandbox.create_user("+380500000099", first_name="Admin")
    channel = sandbox.create_channel("luhansk_now", "Луганск сейчас")
    assert reader.collector is not None
    await reader.collector.add(parse_channel_ref("@luhansk_now"))
    await reader.stop()
    settings = dataclasses.replace(
        service_settings(sandbox, db_url, reader.session_path),
        bot_token=bot.bot_token,
        bot_session=tmp_path / "bot.session",
        admin_ids=(admin.id,),
    )
    caplog.set_level(logging.DEBUG)
    logging.getLogger("telethon").setLevel(logging.DEBUG)
    stop = asyncio.Event()
    task = asyncio.create_task(run_service(settings, SystemClock(), stop))
    sandbox.post(channel, "В Луганске раздают повестки")
    await asyncio.sleep(4)
    stop.set()
    await asyncio.wait_for(task, 15)
    assert (tmp_path / "bot.session").stat().st_mode & 0o777 == 0o600
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "draftwatch running" in logged  # the service did log, at DEBUG, Telethon included
    assert bot.bot_token is not None
    assert bot.bot_token not in logged
    assert bot.bot_token.split(":", 1)[1] not in logged
    assert API_HASH not in logged
