"""Telegram Desktop import: parsing every text form, storing and matching, idempotence, errors."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from monitor.cli import app
from monitor.domain import SubscriptionKind
from monitor.errors import ImportFileError
from monitor.imports.desktop import (
    ChannelExport,
    ImportResult,
    import_export,
    load_export,
    parse_export,
)
from monitor.search.query import Sort, default_lemmatizer, parse_query
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import HitFinder, PostRepo, SaveStep
from monitor.store.search import INDEX_STEP, SearchRepo
from monitor.store.subscribers import SubscriberRepo
from tests.conftest import NOW
from tests.reader.test_ingest import lock_watching_matcher
from tests.stand_in_matcher import find_hits

EXPORT = Path(__file__).resolve().parents[1] / "data" / "telegram_desktop_export" / "result.json"
CHANNEL_ID = 1623456789


def _data() -> dict[str, Any]:
    return json.loads(EXPORT.read_text(encoding="utf-8"))


def test_parses_the_channel_and_skips_service_messages() -> None:
    export = load_export(EXPORT)
    assert (export.telegram_id, export.title, export.skipped) == (
        CHANNEL_ID,
        "Мелитополь сейчас",
        3,
    )
    assert [p.message_id for p in export.posts] == [2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17]


@pytest.mark.parametrize(
    ("message_id", "expected_text"),
    [
        (2, "Внимание! В Мелитополе на рынке раздают повестки мужчинам от 18 до 60 лет."),
        (
            3,
            "Жителям Энергодара вручают повестку в военкомат под роспись. "
            "Подробнее: https://t.me/energodar_news/512",
        ),
        (
            7,
            "Облава у Мелітополі: #військкомат разом з росгвардією перевіряє документи на блокпостах.",
        ),
        (11, "Пишите нам @melitopol_now_bot 🙏"),
        (5, ""),
    ],
)
def test_text_as_a_string_or_a_list_of_entity_parts(message_id: int, expected_text: str) -> None:
    posts = {p.message_id: p for p in load_export(EXPORT).posts}
    assert posts[message_id].text == expected_text


def test_dates_come_from_unixtime_in_utc_and_media_and_forwards_are_kept() -> None:
    posts = {p.message_id: p for p in load_export(EXPORT).posts}
    # The `date` string is the exporting machine's local time (UTC+3 here): unixtime wins.
    assert posts[2].date == datetime(2024, 11, 18, 6, 15, 7, tzinfo=UTC)
    assert posts[4].edit_date == datetime(2024, 11, 19, 12, 30, 41, tzinfo=UTC)
    assert posts[2].edit_date is None
    assert {i: posts[i].media_kind for i in (3, 5, 8, 12, 14, 16, 9)} == {
        3: "photo",
        5: "photo",
        8: "video_file",
        12: "document",
        14: "sticker",
        16: "voice_message",
        9: None,
    }
    assert posts[7].forwarded_from == "Запоріжжя онлайн"


async def _import(
    db: Database,
    export: ChannelExport,
    username: str | None = None,
    progress: Callable[[int], None] = lambda _n: None,
    hit_finder: HitFinder = find_hits,
) -> ImportResult:
    search = SearchRepo(db, default_lemmatizer())
    return await import_export(
        export,
        channels=ChannelRepo(db),
        posts=PostRepo(db),
        now=NOW,
        find_hits=hit_finder,
        hooks=[search.index_hook()],
        username=username,
        progress=progress,
    )


async def _counts(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            table: int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
            for table in ("channels", "posts", "post_versions", "hits", "posts_fts")
        }


async def test_imports_matches_and_makes_posts_searchable(database: Database) -> None:
    progress: list[int] = []
    export = load_export(EXPORT)
    search = SearchRepo(database, default_lemmatizer())
    result = await import_export(
        export,
        channels=ChannelRepo(database),
        posts=PostRepo(database),
        now=NOW,
        find_hits=find_hits,
        hooks=[search.index_hook()],
        username="melitopol_now",
        progress=progress.append,
    )
    assert (result.total, result.new, result.edited, result.unchanged) == (14, 14, 0, 0)
    assert sum(progress) == 14
    # summons: 2, 3, 4, 10, 13; office: 3, 7, 8, 13; raid: 7, 8; mobilization: 10, 13
    assert result.hits == 5 + 4 + 2 + 2
    channel = await ChannelRepo(database).get_channel("melitopol_now")
    assert (channel.telegram_id, channel.title, channel.enabled) == (
        CHANNEL_ID,
        "Мелитополь сейчас",
        False,
    )
    page = await search.search(parse_query("повістки hit:yes"), sort=Sort.DATE)
    assert [r.post.message_id for r in page.results] == [13, 10, 4, 3, 2]
    assert page.results[0].link == "https://t.me/melitopol_now/13"
    raids = await search.search(parse_query("category:raid"), sort=Sort.DATE)
    assert [r.post.message_id for r in raids.results] == [8, 7]


async def test_importing_again_changes_nothing(database: Database) -> None:
    export = load_export(EXPORT)
    await _import(database, export)
    before = await _counts(database)
    again = await _import(database, export)
    assert (again.new, again.edited, again.hits, again.unchanged) == (0, 0, 0, 14)
    assert await _counts(database) == before
    assert before == {
        "channels": 1,
        "posts": 14,
        "post_versions": 14,
        "hits": 13,
        "posts_fts": 14,
    }


async def test_a_username_taken_by_another_channel_is_refused(database: Database) -> None:
    await _import(database, load_export(EXPORT), username="melitopol_now")
    other = parse_export({**_data(), "id": 1777000111}, source="other.json")
    with pytest.raises(ImportFileError, match="@melitopol_now is channel 1623456789"):
        await _import(database, other, username="melitopol_now")


def _break(index: int, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(_data())
    data["messages"][index].update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "where", "problem"),
    [
        (_break(7, date_unixtime="soon"), "message #7 (id 8)", "`date_unixtime` is not a number"),
        (_break(3, id="4"), "message #3 (id '4')", "has no positive integer `id`"),
        (
            _break(9, text=["Мобилизация", 42]),
            "message #9 (id 10)",
            "a part of `text` is neither a string nor an entity: 42",
        ),
        (_break(1, text={"bold": "x"}), "message #1 (id 2)", "`text` is neither a string"),
        (
            _break(2, date_unixtime=None, date="18.11.2024"),
            "message #2 (id 3)",
            "`date` is not a date and time: '18.11.2024'",
        ),
        (_break(4, edited_unixtime="x"), "message #4 (id 5)", "`edited_unixtime` is not a number"),
        ({**_data(), "messages": [*_data()["messages"][:5], "oops"]}, "message #5", "not a JSON"),
        ({**_data(), "type": "personal_chat"}, "top level", "type is 'personal_chat'"),
        ({**_data(), "messages": None}, "top level", "has no `messages` list"),
        ({"about": "x", "chats": {"list": []}}, "top level", "whole-account export"),
        ({**_data(), "id": "channel"}, "top level", "`id` is not a channel id"),
    ],
)
def test_a_malformed_export_names_the_message_that_broke_it(
    tmp_path: Path, data: Any, where: str, problem: str
) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        load_export(path)
    assert caught.value.where == where
    assert problem in caught.value.problem
    assert caught.value.path == str(path)


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"name": "x",\n "messages": [\n  {"id": 1,,}]}', encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"line 3, column 12: is not valid JSON"):
        load_export(path)


def test_a_marked_channel_id_is_made_bare() -> None:
    export = parse_export({**_data(), "id": -1001623456789}, source="x")
    assert export.telegram_id == CHANNEL_ID


def test_cli_import_reports_counts_and_is_idempotent(
    db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()
    first = runner.invoke(app, ["import", str(EXPORT), "--channel", "@melitopol_now"])
    assert first.exit_code == 0, first.output
    assert "Мелитополь сейчас (@melitopol_now): 14 posts, 14 new, 0 edited" in first.output
    again = runner.invoke(app, ["import", str(EXPORT)])
    assert again.exit_code == 0, again.output
    assert "14 posts, 0 new, 0 edited, 14 unchanged, 0 new hits" in again.output


def test_cli_import_of_a_broken_file_says_which_message(
    db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    path = clean_env / "result.json"
    path.write_text(json.dumps(_break(7, date_unixtime="soon")), encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 2
    assert "message #7 (id 8): `date_unixtime` is not a number of seconds: 'soon'" in result.output


def _subscribe_to_summons(db_url: str) -> None:
    async def work() -> None:
        db = Database.open(db_url)
        try:
            repo = SubscriberRepo(db)
            admin = await repo.register(
                555, username="olena", display_name="Olena", is_admin=True, timezone="UTC", now=NOW
            )
            assert admin.id is not None
            await repo.save_subscription(
                admin.id, SubscriptionKind.CATEGORY, "summons", [], now=NOW
            )
        finally:
            await db.close()

    asyncio.run(work())


def _alerts(db_url: str) -> int:
    async def work() -> int:
        db = Database.open(db_url)
        try:
            return (await _counts_with_alerts(db))["alerts"]
        finally:
            await db.close()

    return asyncio.run(work())


async def _counts_with_alerts(db: Database) -> dict[str, int]:
    async with db.read() as session:
        return {
            "alerts": int((await session.execute(text("SELECT count(*) FROM alerts"))).scalar_one())
        }


@pytest.mark.parametrize(("flags", "alerts"), [([], 0), (["--alert"], 5)])
def test_alerts_are_queued_only_with_the_alert_flag(
    db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str], alerts: int
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    _subscribe_to_summons(db_url)
    result = CliRunner().invoke(app, ["import", str(EXPORT), *flags])
    assert result.exit_code == 0, result.output
    # Summons posts in the export: 2, 3, 4, 10, 13 — one alert each for the one subscriber.
    assert _alerts(db_url) == alerts


async def test_an_import_matches_and_lemmatizes_without_holding_the_write_lock(
    database: Database,
) -> None:
    seen: list[bool] = []
    search = SearchRepo(database, default_lemmatizer())
    index = search.index_hook()
    lemmatized: list[bool] = []
    step = SaveStep(INDEX_STEP, index, _watching(database, lemmatized, _terms(index)))
    result = await import_export(
        load_export(EXPORT),
        channels=ChannelRepo(database),
        posts=PostRepo(database),
        now=NOW,
        find_hits=lock_watching_matcher(database, seen),
        hooks=[step],
    )
    assert result.new == 14
    assert seen == [True] * 14  # the running service could write while each post was matched
    assert lemmatized == [True] * 14  # and while its search terms were worked out
    assert (await _counts(database))["posts_fts"] == 14  # every post indexed
    again = await import_export(
        load_export(EXPORT),
        channels=ChannelRepo(database),
        posts=PostRepo(database),
        now=NOW,
        find_hits=lock_watching_matcher(database, seen),
        hooks=[step],
    )
    assert (again.new, again.edited, again.unchanged) == (0, 0, 14)
    assert len(seen) == len(lemmatized) == 14  # importing again matched nothing


def _terms(index: object) -> Callable[[str], object]:
    assert isinstance(index, SaveStep)
    assert index.derive is not None
    return index.derive


def _watching(
    database: Database, seen: list[bool], derive: Callable[[str], object]
) -> Callable[[str], object]:
    def watched(body: str) -> object:
        lock_watching_matcher(database, seen)("")
        return derive(body)

    return watched
