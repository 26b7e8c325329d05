"""Archive search: inflected forms in both languages, every filter, edits, paging, hostile input."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.domain import Post
from monitor.errors import QueryError
from monitor.search.query import SearchPage, Sort, parse_query
from monitor.store.engine import Database
from monitor.store.search import SCAN_COST_US, SORT_COST_US, SearchRepo, prefer_scan
from tests.search_archive import LEMMATIZER, NOW, RU, UA, find_hits, seed


async def _ids(repo: SearchRepo, query: str, sort: Sort = Sort.DATE, limit: int = 50) -> list[int]:
    page = await repo.search(parse_query(query), sort=sort, limit=limit)
    return [r.post.message_id for r in page.results]


INFLECTED = [
    ("повестка", [2, 1, 3, 5]),
    ("повестку", [2, 1, 3, 5]),
    ("повістки", [2, 1, 3, 5]),
    ("Повестками", [2, 1, 3, 5]),
    ("военкомат", [2, 4]),
    ("військкомати", [2, 4]),
    ("облава", [4]),
    # a place name finds the place in either language and any form (monitor/places)
    ("Мелітополь", [1, 4]),
    ("мелитополь", [1, 4]),
    ("Энергодар", [2]),
]


@pytest.mark.parametrize(("query", "expected"), INFLECTED)
async def test_finds_inflected_forms_across_russian_and_ukrainian(
    database: Database, query: str, expected: list[int]
) -> None:
    seeded = await seed(database)
    assert await _ids(seeded.search, query) == expected


OPERATORS = [
    ('"вручают повестку"', [2]),
    ('"повестку вручают"', [2]),  # a phrase: its words near each other, any order
    ('"раздают супермаркет"', []),  # both in post 1, but six words apart
    ("повестка -учения", [2, 1, 3]),
    ('повестка -"гражданской обороне"', [2, 1, 3]),
    ("облава OR погода", [6, 4]),
    ("повестки OR облава супермаркет", [1]),
    ("повестка channel:@dvizh_mel", [2, 1, 5]),
    ("повестка channel:DVIZH_MEL", [2, 1, 5]),
    ("channel:1002", [6, 3, 4]),
    ('channel:"Запоріжжя онлайн"', [6, 3, 4]),
    ("category:raid", [4]),
    ("category:summons", [2, 1, 3, 5]),
    ("hit:yes since:2024-11-18", [2, 1, 3]),
    ("category:summons -мелитополь", [2, 3, 5]),
    ("повестка since:2024-11-18 until:2024-11-20", [1, 3]),
    ("since:2024-11-21", [2, 6]),
    ("until:2024-11-05", [5]),
    ("hit:no", [6]),
    ("hit:yes channel:zp_online", [3, 4]),
    ("повестка deleted:yes", [7]),
    ("повестка deleted:any", [2, 1, 3, 7, 5]),
    ("edited:yes", [2]),
    ("повестка edited:no", [1, 3, 5]),
    ("-повестка", [6, 4]),
    ("явка", [2]),
]


@pytest.mark.parametrize(("query", "expected"), OPERATORS)
async def test_every_operator_and_filter(
    database: Database, query: str, expected: list[int]
) -> None:
    seeded = await seed(database)
    assert await _ids(seeded.search, query) == expected


@pytest.mark.parametrize(("query", "expected"), INFLECTED + OPERATORS)
async def test_walking_the_date_index_finds_the_same_posts(
    database: Database, query: str, expected: list[int]
) -> None:
    await seed(database)
    # Walking the date index always cheaper: for words and for category:/hit: filters.
    walking = SearchRepo(database, LEMMATIZER, costs_us=(1.0, 0.0), hit_costs_us=(1.0, 0.0))
    assert await _ids(walking, query) == expected


@pytest.mark.parametrize(
    ("matches", "total", "wanted", "walk"),
    [
        (100_000, 1_000_000, 11, True),  # a word in 10 % of posts
        (10_000, 1_000_000, 11, False),  # in 1 %: sorting 10,000 matches is cheaper
        (30_000, 1_000_000, 11, True),
        (30_000, 1_000_000, 1011, False),  # a deep page walks far
        (0, 1_000_000, 11, False),
    ],
)
def test_the_cheaper_way_to_the_newest_matches(
    matches: int, total: int, wanted: int, walk: bool
) -> None:
    assert prefer_scan(matches, total, wanted, (SORT_COST_US, SCAN_COST_US)) is walk


async def test_relevance_ranks_the_post_repeating_the_word_first(database: Database) -> None:
    seeded = await seed(database)
    posts = seeded.posts
    text = "Облава, ещё облава и снова облава: после облавы у рынка задержали троих."
    # bm25 needs the word to be rarer than in half the posts: add unrelated ones.
    filler = [
        Post(UA.telegram_id, 100 + i, datetime(2024, 10, 1, tzinfo=UTC), f"Новости спорта {i}")
        for i in range(10)
    ]
    await posts.save_posts(
        UA.telegram_id,
        [Post(UA.telegram_id, 50, datetime(2024, 11, 1, tzinfo=UTC), text), *filler],
        now=NOW,
        hooks=[seeded.search.index_hook()],
    )
    assert await _ids(seeded.search, "облава", Sort.RELEVANCE) == [50, 4]
    assert await _ids(seeded.search, "облава", Sort.DATE) == [4, 50]


async def test_an_edit_replaces_the_indexed_text(database: Database) -> None:
    seeded = await seed(database)
    await seeded.posts.save_posts(
        UA.telegram_id,
        [Post(UA.telegram_id, 6, datetime(2024, 11, 21, 12, tzinfo=UTC), "Облава на ринку.")],
        now=NOW,
        find_hits=find_hits,
        hooks=[seeded.search.index_hook()],
    )
    assert await _ids(seeded.search, "облава") == [6, 4]
    assert await _ids(seeded.search, "дощ") == []
    assert await _ids(seeded.search, "облава edited:yes") == [6]


async def test_a_result_carries_channel_hits_link_and_bold_spans(database: Database) -> None:
    seeded = await seed(database)
    query = parse_query("повестка channel:dvizh_mel since:2024-11-20")
    page = await seeded.search.search(query, sort=Sort.DATE)
    result = page.results[-1]
    assert result.post.message_id == 1
    assert result.channel.username == RU.username
    assert result.link == "https://t.me/dvizh_mel/1"
    assert result.categories == ("summons",)
    assert [result.post.text[s:e] for s, e in result.spans] == ["повестки"]


async def test_pages_and_counts(database: Database) -> None:
    seeded = await seed(database)
    query = parse_query("повестка")
    first = await seeded.search.search(query, sort=Sort.DATE, limit=3)
    second = await seeded.search.search(query, sort=Sort.DATE, limit=3, offset=3)
    assert [r.post.message_id for r in first.results] == [2, 1, 3]
    assert first.has_more
    assert [r.post.message_id for r in second.results] == [5]
    assert not second.has_more
    assert await seeded.search.count(query) == 4


async def test_stream_yields_every_match_newest_first_in_batches(database: Database) -> None:
    seeded = await seed(database)
    streamed = [r.post.message_id async for r in seeded.search.stream(parse_query(""), batch=2)]
    assert streamed == [2, 6, 1, 3, 4, 5]


async def test_rebuild_index_indexes_posts_saved_without_the_hook(database: Database) -> None:
    seeded = await seed(database)
    await seeded.posts.save_posts(
        RU.telegram_id,
        [Post(RU.telegram_id, 60, datetime(2024, 11, 24, tzinfo=UTC), "Новая облава на рынке")],
        now=NOW,
    )
    assert await _ids(seeded.search, "облава") == [4]
    assert not await seeded.search.index_looks_complete()
    assert await seeded.search.rebuild_index(batch=3) == 8
    assert await seeded.search.index_looks_complete()
    assert await _ids(seeded.search, "облава") == [60, 4]
    assert await _ids(seeded.search, "повестка") == [2, 1, 3, 5]


async def test_a_query_with_only_punctuation_is_refused_kindly(database: Database) -> None:
    seeded = await seed(database)
    with pytest.raises(QueryError, match="none of the words can be searched"):
        await seeded.search.search(parse_query("?!"))


HOSTILE = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(
            [
                '"',
                "-",
                "OR",
                "AND",
                "NOT",
                "NEAR(",
                ")",
                "(",
                "*",
                "^",
                ":",
                "channel:",
                "since:",
                "deleted:",
                "category:x",
                "повестка",
                "повістки",
                "'",
                ";",
                "--",
                "\x00",
                "🙂",
                "rowid",
                "posts_fts",
                "MATCH",
                "{",
                "}",
                "+",
                "\\",
                "%",
                "_",
                "ё",
                "ʼ",
            ]
        ),
        max_size=12,
    ).map(" ".join),
    st.lists(st.sampled_from(['"', "-", "OR", "повестка", "*", "NEAR"]), max_size=10).map("".join),
)


def test_hostile_queries_get_a_result_or_a_friendly_error(db_url: str) -> None:
    loop = asyncio.new_event_loop()
    db = Database.open(db_url)
    try:
        seeded = loop.run_until_complete(seed(db))
        _hostile(loop, seeded.search)
    finally:
        loop.run_until_complete(db.close())
        loop.close()


def _hostile(loop: asyncio.AbstractEventLoop, repo: SearchRepo) -> None:
    @settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
    @given(HOSTILE)
    def check(text: str) -> None:
        outcome = loop.run_until_complete(_outcome(repo, text))
        if isinstance(outcome, QueryError):
            assert outcome.query == text
            assert "fts5" not in str(outcome).lower()
            assert "syntax error" not in str(outcome).lower()
        else:
            assert isinstance(outcome, SearchPage)

    check()


async def _outcome(repo: SearchRepo, text: str) -> SearchPage | QueryError:
    try:
        return await repo.search(parse_query(text), limit=3)
    except QueryError as e:
        return e


def test_search_uses_the_matchers_lemmas() -> None:
    assert LEMMATIZER.query_terms("повістки") == ["повестка"]
    assert set(LEMMATIZER.index_terms("повістки")) == {"повістка", "повестка"}


async def test_a_post_with_letters_the_lemmatizer_rejects_is_still_stored_and_found(
    database: Database,
) -> None:
    seeded = await seed(database)
    body = "Повестки раздают у школы 𗀀 сегодня"  # U+17000 breaks pymorphy3's unicodedata.name()
    await seeded.posts.save_posts(
        UA.telegram_id,
        [Post(UA.telegram_id, 70, datetime(2024, 11, 24, 12, tzinfo=UTC), body)],
        now=NOW,
        hooks=[seeded.search.index_hook()],
    )
    assert (await _ids(seeded.search, "школа"))[0] == 70
    # The lemmatizer keeps such a word as it is (pymorphy2#137 guarded): it is searchable too.
    assert await _ids(seeded.search, "𗀀") == [70]


@pytest.mark.parametrize("costs", [(1.0, 12.0), (1.0, 0.0)], ids=["sorting", "walking"])
async def test_stream_of_a_word_either_way(database: Database, costs: tuple[float, float]) -> None:
    await seed(database)
    repo = SearchRepo(database, LEMMATIZER, costs_us=costs, hit_costs_us=costs)
    streamed = [r.post.message_id async for r in repo.stream(parse_query("повестка"), batch=2)]
    assert streamed == [2, 1, 3, 5]
    hits = [r.post.message_id async for r in repo.stream(parse_query("category:summons"), batch=2)]
    assert hits == [2, 1, 3, 5]


@pytest.mark.parametrize(("query", "expected"), INFLECTED + OPERATORS)
async def test_ranking_inside_fts5_gives_the_same_pages(
    database: Database, query: str, expected: list[int]
) -> None:
    await seed(database)
    joined = SearchRepo(database, LEMMATIZER, rank_in_fts=False)
    for offset in (0, 1, 3):
        fast = await seeded_page(SearchRepo(database, LEMMATIZER), query, offset)
        assert fast == await seeded_page(joined, query, offset)


async def seeded_page(repo: SearchRepo, query: str, offset: int) -> tuple[list[int], bool]:
    page = await repo.search(parse_query(query), sort=Sort.RELEVANCE, limit=2, offset=offset)
    return [r.post.message_id for r in page.results], page.has_more


async def test_ranking_falls_back_when_filters_drop_the_top_candidates(database: Database) -> None:
    seeded = await seed(database)
    gone = [
        Post(UA.telegram_id, 200 + i, datetime(2024, 10, 1, tzinfo=UTC), "Облава, облава, облава!")
        for i in range(30)
    ]
    await seeded.posts.save_posts(UA.telegram_id, gone, now=NOW, hooks=[seeded.search.index_hook()])
    await seeded.posts.mark_deleted(UA.telegram_id, [p.message_id for p in gone], now=NOW)
    page = await seeded.search.search(parse_query("облава"), sort=Sort.RELEVANCE, limit=1)
    assert [r.post.message_id for r in page.results] == [4]
    assert not page.has_more
