"""Places at ingest (app.save_hooks): post_places rows, place:/region: filters, home region, retag."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete

from monitor.app import save_hooks
from monitor.domain import Channel, Post
from monitor.places.tagging import post_places
from monitor.reader.ingest import Ingest
from monitor.search.query import default_lemmatizer, parse_query
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.places import PlaceRepo
from monitor.store.posts import PostRepo
from monitor.store.schema import PostPlaceRow
from monitor.store.search import SearchRepo
from tests.search_archive import find_hits

NOW = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)
ZP = Channel(telegram_id=2001, title="Запоріжжя", username="zp_places")
MELITOPOL, ENERHODAR, KHARKIV, VASYLIVKA = 701404, 709276, 706483, 686729
TEXTS = {
    1: "У Мелітополі окупанти влаштували облаву на чоловіків",
    2: "В Энергодаре раздают повестки",
    3: "В Харькове воздушная тревога",
    4: "В Васильевке раздают повестки",  # Василівка: Zaporizhzhia and Crimea
}


async def ingest(db: Database, channel: Channel = ZP) -> PostRepo:
    await ChannelRepo(db).upsert_channel(channel, now=NOW)
    posts = PostRepo(db)
    batch = [Post(channel.telegram_id, mid, NOW, text) for mid, text in TEXTS.items()]
    await Ingest(posts, find_hits, save_hooks(db, alerts=False)).save(
        channel.telegram_id, batch, now=NOW
    )
    return posts


async def places_by_message(db: Database, posts: PostRepo) -> dict[int, list[tuple[int, str]]]:
    ids = {}
    for mid in TEXTS:
        post = await posts.find_post(ZP.telegram_id, mid)
        assert post is not None
        assert post.id is not None
        ids[post.id] = mid
    found = await PlaceRepo(db).places_of(list(ids))
    return {
        ids[pid]: [(r.place_id, r.region) for r in rows if not r.ambiguous]
        for pid, rows in found.items()
    }


async def search(db: Database, query: str) -> list[int]:
    page = await SearchRepo(db, default_lemmatizer()).search(parse_query(query), limit=20)
    return sorted(r.post.message_id for r in page.results)


async def test_every_saved_post_gets_its_places_and_regions(database: Database) -> None:
    posts = await ingest(database)
    found = await places_by_message(database, posts)
    assert found[1] == [(MELITOPOL, "zaporizhzhia")]
    assert found[2] == [(ENERHODAR, "zaporizhzhia")]
    assert found[3] == [(KHARKIV, "kharkiv")]
    assert found.get(4, []) == []  # ambiguous: only candidates, none counted


async def test_place_and_region_filters_and_place_words_in_search(database: Database) -> None:
    await ingest(database)
    assert await search(database, "Мелитополь") == [1]
    assert await search(database, "place:Мелитополь") == [1]
    assert await search(database, "region:zaporizhzhia") == [1, 2]
    assert await search(database, "region:occupied") == [1, 2]
    assert await search(database, "повестки region:occupied") == [2]
    assert await search(database, "region:kharkiv") == [3]


async def test_a_home_region_resolves_the_ambiguous_town_and_retag_restores_rows(
    database: Database,
) -> None:
    posts = await ingest(database)
    repo = PlaceRepo(database)
    post = await posts.find_post(ZP.telegram_id, 4)
    assert post is not None
    assert post.id is not None
    [candidates] = (await repo.places_of([post.id])).values()
    assert {(r.region, r.ambiguous) for r in candidates} == {
        ("zaporizhzhia", True),
        ("crimea", True),
    }
    await repo.set_channel_region(ZP.telegram_id, "zaporizhzhia")
    assert await repo.channel_regions() == {ZP.telegram_id: "zaporizhzhia"}

    async with database.write.begin() as session:  # as an archive from before 0007
        await session.execute(delete(PostPlaceRow))
    assert await repo.retag(post_places) == 4
    rows = (await repo.places_of([post.id]))[post.id]
    assert [(r.place_id, r.region, r.how) for r in rows] == [
        (VASYLIVKA, "zaporizhzhia", "home region")
    ]
    assert await search(database, "place:Мелитополь") == [1]
    assert await search(database, "region:zaporizhzhia") == [1, 2, 4]


async def test_a_new_post_of_a_channel_with_a_home_region_is_resolved_at_ingest(
    database: Database,
) -> None:
    other = Channel(telegram_id=2002, title="Крим", username="crimea_places")
    await ChannelRepo(database).upsert_channel(other, now=NOW)
    await PlaceRepo(database).set_channel_region(other.telegram_id, "crimea")
    posts = await ingest(database, other)
    post = await posts.find_post(other.telegram_id, 4)
    assert post is not None
    assert post.id is not None
    rows = (await PlaceRepo(database).places_of([post.id]))[post.id]
    assert [(r.region, r.how) for r in rows] == [("crimea", "home region")]
