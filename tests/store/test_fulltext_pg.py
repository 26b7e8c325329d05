"""The pure half of search on PostgreSQL: FTS5's tokens, the tsvector text, the FTS5 query tree."""

from __future__ import annotations

import sqlite3

from monitor.store.fulltext_pg import Near, Op, fts_tokens, parse_fts, tsvector_literal


def test_tokens_split_as_fts5_unicode61_splits_them() -> None:
    text = "М'ясо ТЦК/СП x2 — військкомат, ё-моё 10:30 ²"
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(t, tokenize = 'unicode61 remove_diacritics 0')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    db.execute("INSERT INTO f (t) VALUES (?)", (text,))
    fts5 = [term for (term,) in db.execute("SELECT term FROM v ORDER BY offset")]
    assert fts_tokens(text) == fts5
    assert fts5[:4] == ["м", "ясо", "тцк", "сп"]


def test_the_tsvector_holds_each_token_at_its_positions() -> None:
    assert tsvector_literal("повестка вручать повестка") == "'повестка':1,3 'вручать':2"
    assert tsvector_literal("") == ""


def test_the_fts5_query_becomes_a_tree() -> None:
    tree = parse_fts('("a" OR NEAR("b c" "d", 3)) NOT "e"')
    assert tree == Op("NOT", (Op("OR", (("a",), Near((("b", "c"), ("d",)), 3))), ("e",)))
    assert parse_fts('"a" AND "b" OR "c"') == Op("OR", (Op("AND", (("a",), ("b",))), ("c",)))
