"""A small seeded archive for search, export and CLI tests: Russian and Ukrainian posts, hits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.domain import Channel, Hit, Post, Span
from monitor.search.query import default_lemmatizer
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo

LEMMATIZER = default_lemmatizer()
NOW = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)
RU = Channel(telegram_id=1001, title="Движение Мелитополь", username="dvizh_mel")
UA = Channel(telegram_id=1002, title="Запоріжжя онлайн", username="zp_online")


def day(d: int, hour: int = 12) -> datetime:
    return datetime(2024, 11, d, hour, tzinfo=UTC)


# message id -> (channel, date, text)
POSTS: dict[int, tuple[Channel, datetime, str]] = {
    1: (RU, day(20), "В Мелитополе раздают повестки прямо у входа в супермаркет."),
    2: (RU, day(22), "Жителям Энергодара вручают повестку в военкомат под роспись."),
    3: (UA, day(18), "У Бердянську окупанти роздають повістки чоловікам на блокпостах."),
    4: (UA, day(10), "Облава у Мелітополі: військкомат разом з росгвардією перевіряє документи."),
    5: (RU, day(5), "Учения по гражданской обороне прошли в школе, повестки не раздавали."),
    6: (UA, day(21), "Погода в Запоріжжі: дощі та вітер."),
    7: (RU, day(15), "Повестку вручили учителю прямо на уроке."),
}
SUMMONS_WORDS = ("повестк", "повістк")
RAID_WORDS = ("облав",)


def find_hits(text: str) -> Sequence[Hit]:
    """A stand-in matcher: summons and raid categories by word stems."""
    lowered = text.lower()
    hits = []
    for rule, category, stems in (
        ("summons.stem", "summons", SUMMONS_WORDS),
        ("raid.stem", "raid", RAID_WORDS),
    ):
        for stem in stems:
            at = lowered.find(stem)
            if at != -1:
                hits.append(Hit(rule, category, (Span(at, at + len(stem), text[at : at + 9]),)))
                break
    return hits


@dataclass(frozen=True, slots=True)
class Seeded:
    posts: PostRepo
    search: SearchRepo


async def seed(db: Database) -> Seeded:
    """Store the posts above (post 2 then edited, post 7 then deleted), indexed for search."""
    channels = ChannelRepo(db)
    posts = PostRepo(db)
    search = SearchRepo(db, LEMMATIZER)
    hooks = [search.index_hook()]
    for channel in (RU, UA):
        await channels.upsert_channel(channel, now=NOW)
        batch = [
            Post(channel.telegram_id, mid, date, body)
            for mid, (ch, date, body) in POSTS.items()
            if ch is channel
        ]
        await posts.save_posts(
            channel.telegram_id, batch, now=NOW, find_hits=find_hits, hooks=hooks
        )
    _, date, body = POSTS[2]
    edited = Post(RU.telegram_id, 2, date, body + " Явка обязательна.", edit_date=day(23))
    await posts.save_posts(RU.telegram_id, [edited], now=NOW, find_hits=find_hits, hooks=hooks)
    await posts.mark_deleted(RU.telegram_id, [7], now=NOW)
    return Seeded(posts, search)
