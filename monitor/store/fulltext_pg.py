"""Search on PostgreSQL: the same lemma tokens as FTS5, in a tsvector, asked the same questions.

The index (`posts_terms`, migration 0010_postgres) holds for each post a tsvector built here
from the post's lemma line, token by token as FTS5's unicode61 tokenizer splits it (letters,
digits and private-use characters; everything else separates), each token at its own position
and never stemmed or stopped. A query arrives as the FTS5 MATCH string that
monitor.search.query compiles; `match_condition` turns it into SQL over the tsvector with the
same meaning: a phrase is `t1 <-> t2`, AND / OR / NOT are SQL's, and NEAR(p1 p2 …, N) (FTS5:
some instance of each phrase, with at most N tokens between the end of the first and the start
of the last) is the tsquery of all its phrases (the GIN index finds candidates) checked by the
SQL function draftwatch_near from that migration.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    cast,
    column,
    false,
    func,
    literal,
    not_,
    or_,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR
from sqlalchemy.types import Text

from monitor.store.schema import TERMS_TABLE

terms_table = table(TERMS_TABLE, column("post_id", Integer), column("terms", TSVECTOR))
MAX_POSITION = 16383  # PostgreSQL keeps positions up to this; later ones are stored as it
MAX_LEXEME_BYTES = 2046  # PostgreSQL refuses longer words in a tsvector


def fts_tokens(text: str) -> list[str]:
    """The tokens FTS5's unicode61 tokenizer (remove_diacritics 0) makes of `text`."""
    tokens: list[str] = []
    current: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LN" or category == "Co":
            current.append(ch)
        elif current:
            tokens.append("".join(current).lower())
            current = []
    if current:
        tokens.append("".join(current).lower())
    return tokens


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(terms: str) -> str:
    """A tsvector (text form) of a post's lemma line: each token at its position, 1-based."""
    positions: dict[str, list[int]] = {}
    for position, token in enumerate(fts_tokens(terms), start=1):
        if len(token.encode()) <= MAX_LEXEME_BYTES:
            positions.setdefault(token, []).append(min(position, MAX_POSITION))
    return " ".join(
        f"{_lexeme(token)}:{','.join(map(str, spots[:256]))}" for token, spots in positions.items()
    )


# The FTS5 query tree: a phrase is a tuple of tokens.
Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Near:
    phrases: tuple[Phrase, ...]
    distance: int


@dataclass(frozen=True, slots=True)
class Op:
    name: str  # "AND", "OR", "NOT" (NOT: the first part without any of the others)
    parts: tuple[Node, ...]


Node = Phrase | Near | Op

_TOKEN = re.compile(r'\s*("(?:[^"]|"")*"|NEAR\(|\(|\)|,|AND\b|OR\b|NOT\b|\d+)')


class _Parser:
    """The FTS5 syntax monitor.search.query writes (precedence NOT, AND, OR, as in FTS5)."""

    def __init__(self, match: str) -> None:
        self.tokens: list[str] = []
        at = 0
        while at < len(match.rstrip()):
            found = _TOKEN.match(match, at)
            if found is None:
                raise ValueError(f"unexpected FTS5 syntax at {at}: {match!r}")
            self.tokens.append(found.group(1))
            at = found.end()
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.at]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, found {token!r}")
        self.at += 1
        return token

    def binary(self, name: str, operand: Any) -> Node:
        parts = [operand()]
        while self.peek() == name:
            self.take()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else Op(name, tuple(parts))

    def expr(self) -> Node:
        return self.binary("OR", lambda: self.binary("AND", lambda: self.binary("NOT", self.unit)))

    def unit(self) -> Node:
        token = self.take()
        if token == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if token == "NEAR(":
            phrases = []
            while self.peek() not in {",", ")"}:
                phrases.append(_phrase(self.take()))
            distance = 10  # FTS5's default
            if self.peek() == ",":
                self.take()
                distance = int(self.take())
            self.take(")")
            return Near(tuple(phrases), distance)
        if token.startswith('"'):
            return _phrase(token)
        raise ValueError(f"unexpected {token!r}")


def _phrase(quoted: str) -> Phrase:
    return tuple(fts_tokens(quoted[1:-1].replace('""', '"')))


def parse_fts(match: str) -> Node:
    parser = _Parser(match)
    node = parser.expr()
    if parser.peek() is not None:
        raise ValueError(f"unexpected {parser.peek()!r} in {match!r}")
    return node


def _tsquery_phrase(phrase: Phrase) -> str:
    return " <-> ".join(_lexeme(t) for t in phrase)


def _matches(terms: Any, tsquery: str) -> ColumnElement[bool]:
    matched: ColumnElement[bool] = terms.bool_op("@@")(cast(literal(tsquery), TSQUERY))
    return matched


def _condition(node: Node, terms: Any) -> ColumnElement[bool]:
    if isinstance(node, tuple):
        return _matches(terms, _tsquery_phrase(node)) if node else false()  # FTS5: "" finds nothing
    if isinstance(node, Near):
        phrases = [p for p in dict.fromkeys(node.phrases) if p]
        every = " & ".join(f"({_tsquery_phrase(p)})" for p in phrases)
        if len(phrases) <= 1:
            return _matches(terms, every) if phrases else false()
        near = func.draftwatch_near(
            terms,
            bindparam(None, [" ".join(p) for p in phrases], type_=ARRAY(Text)),
            node.distance,
        )
        return and_(_matches(terms, every), near)
    parts = [_condition(p, terms) for p in node.parts]
    if node.name == "AND":
        return and_(*parts)
    if node.name == "OR":
        return or_(*parts)
    return and_(parts[0], *(not_(p) for p in parts[1:]))


def match_condition(match: str, terms: Any = terms_table.c.terms) -> ColumnElement[bool]:
    """SQL true for the posts whose `terms` the FTS5 MATCH string `match` matches."""
    return _condition(parse_fts(match), terms)


def _phrases(node: Node) -> list[Phrase]:
    if isinstance(node, tuple):
        return [node] if node else []
    if isinstance(node, Near):
        return [p for p in node.phrases if p]
    wanted = node.parts[:1] if node.name == "NOT" else node.parts
    return [p for part in wanted for p in _phrases(part)]


def rank(match: str, terms: Any = terms_table.c.terms) -> ColumnElement[float]:
    """ts_rank of the posts against every wanted phrase of the query (higher is better)."""
    phrases = dict.fromkeys(_phrases(parse_fts(match)))
    tsquery = " | ".join(f"({_tsquery_phrase(p)})" for p in phrases) or "''"
    return func.ts_rank(terms, cast(literal(tsquery), TSQUERY))


UPSERT = text(
    f"INSERT INTO {TERMS_TABLE} (post_id, terms) VALUES (:id, CAST(:terms AS tsvector))"
    " ON CONFLICT (post_id) DO UPDATE SET terms = excluded.terms"
)


APPEND = text(
    f"INSERT INTO {TERMS_TABLE} (post_id, terms) VALUES (:id, CAST(:terms AS tsvector))"
    f" ON CONFLICT (post_id) DO UPDATE SET terms = {TERMS_TABLE}.terms || excluded.terms"
)
"""More terms after a post's own (an OCR text): `||` shifts their positions past the first."""


def index_rows(posts: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    return [{"id": post_id, "terms": tsvector_literal(line)} for post_id, line in posts]
