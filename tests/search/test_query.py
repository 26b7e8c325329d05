"""The query parser and its FTS5 compilation: what users type, what they are told."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.errors import QueryError
from monitor.matching import index_terms, query_terms
from monitor.search.query import (
    Deleted,
    Filters,
    Query,
    Term,
    compile_fts,
    highlight_spans,
    parse_query,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("повестка", Query("повестка", ((Term("повестка"),),))),
        (
            'облава OR "вручают повестки" -учения',
            Query(
                'облава OR "вручают повестки" -учения',
                ((Term("облава"), Term("вручают повестки", phrase=True)),),
                (Term("учения"),),
            ),
        ),
        (
            'channel:@mash channel:"Запоріжжя онлайн" category:Summons hit:yes',
            Query(
                'channel:@mash channel:"Запоріжжя онлайн" category:Summons hit:yes',
                filters=Filters(
                    channels=("mash", "Запоріжжя онлайн"), categories=("summons",), hit=True
                ),
            ),
        ),
        (
            "since:2024-11-01 until:2024-11-30 deleted:any edited:no",
            Query(
                "since:2024-11-01 until:2024-11-30 deleted:any edited:no",
                filters=Filters(
                    since=date(2024, 11, 1),
                    until=date(2024, 11, 30),
                    deleted=Deleted.ANY,
                    edited=False,
                ),
            ),
        ),
        ("12:00 or", Query("12:00 or", ((Term("12:00"),), (Term("or"),)))),
        ("https://t.me/mash/1", Query("https://t.me/mash/1", ((Term("https://t.me/mash/1"),),))),
    ],
)
def test_parses(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"вручают повестки', 'a "phrase" is missing its closing quote'),
        ("OR повестка", "OR must stand between two words or phrases"),
        ("повестка OR", "OR must stand between two words or phrases"),
        ("повестка OR -учения", "OR must stand between two words or phrases"),
        ("повестка - учения", "a minus must stand right before the word"),
        ("from:mash", "there is no filter from: (known filters: channel:, category:"),
        ("since:01.11.2024", "since: takes a date as YYYY-MM-DD, e.g. since:2024-11-01"),
        ("until:2024-02-30", "until: takes a date as YYYY-MM-DD"),
        ("since:2024-11-02 until:2024-11-01", "since: is after until:"),
        ("since:2024-11-02 since:2024-11-03", "since: is given twice"),
        ("hit:maybe", "hit: takes yes or no"),
        ("deleted:all", "deleted: takes yes, no or any"),
        ("channel:", "channel: needs a value, e.g. channel:@mash"),
        ("слово " * 30, "too many words"),
        ("я" * 501, "the query is too long"),
    ],
)
def test_malformed_queries_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert message in caught.value.problem
    assert caught.value.query == text


@pytest.mark.parametrize(
    ("text", "match", "exclude"),
    [
        ("повістки", '"повестка"', None),
        ("облава -учения", '("облава") NOT "учение"', None),
        ("-учения -реклама", None, '("учение" OR "реклама")'),
        ('"облава на рынке"', 'NEAR("облава" "на" "рынок", 6)', None),
        ("ТЦК/СП", 'NEAR("тцк" "сп", 3)', None),
        ('"; DROP TABLE posts; --"', 'NEAR("drop" "table" "posts", 6)', None),
        ('хитрый"запрос"', '"хитрый" AND "запрос"', None),
        ("channel:mash", None, None),
    ],
)
def test_compiles_to_quoted_lemma_tokens_only(
    text: str, match: str | None, exclude: str | None
) -> None:
    plan = compile_fts(parse_query(text), query_terms=query_terms)
    assert (plan.match, plan.exclude) == (match, exclude)


def test_highlights_every_inflected_form() -> None:
    text = "Повестки раздают; повістку вручили, повестка пришла."
    spans = highlight_spans(text, frozenset({"повестка"}), index_terms)
    assert [text[s:e] for s, e in spans] == ["Повестки", "повістку", "повестка"]
