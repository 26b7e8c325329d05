"""Datasette plugin (loaded by `python bot.py browse`): SQL function draftwatch_match(query).

It turns search words into the FTS5 MATCH of their lemmas, so the archive's canned search
query finds inflected Russian and Ukrainian forms as `python bot.py search` does.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from monitor.search.query import compile_fts, default_lemmatizer, parse_query


def draftwatch_match(text: str | None) -> str:
    """The FTS5 MATCH string for the words of a query (filters are left to the SQL)."""
    plan = compile_fts(parse_query(text or ""), query_terms=default_lemmatizer().query_terms)
    return plan.match or '""'


def _prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("draftwatch_match", 1, draftwatch_match, deterministic=True)


prepare_connection = hookimpl(_prepare_connection)
