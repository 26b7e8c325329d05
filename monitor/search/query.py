"""Archive search queries: parse the query syntax into a value, compile it to FTS5 (pure).

Syntax (docs/search.md): words, "phrases", -excluded, `a OR b`, and filters `channel:`,
`category:`, `since:` / `until:` (YYYY-MM-DD, UTC days, both inclusive), `hit:yes|no`,
`deleted:yes|no|any` (default no), `edited:yes|no`, `place:NAME` (a settlement, in any
spelling) and `region:SLUG` (`region:zaporizhzhia`, `region:occupied`; docs/places.md). A malformed query raises QueryError
with a message meant for the user; FTS5 strings are built only from lemma tokens quoted here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from itertools import product

from monitor.domain import Channel, Hit, Post, StoredMedia
from monitor.errors import CommandError, QueryError
from monitor.reader.channel_ref import channel_id

TermFunction = Callable[[str], list[str]]

MAX_QUERY_LENGTH = 500
MAX_TERMS = 24
MAX_PHRASE_VARIANTS = 8
FILTERS = ("channel", "category", "since", "until", "hit", "deleted", "edited", "place", "region")
NEAR_PER_WORD = 3  # index terms allowed between the words of a phrase, per word
_FILTER = re.compile(r"^([A-Za-z]+):(?!//)(.*)$", re.DOTALL)  # a URL is words, not a filter
_PIECE = re.compile(r"\w+(?:['’ʼ]\w+)*")  # query words: hyphens and slashes split them
_YES_NO = {"yes": True, "no": False}


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DATE = "date"


class Deleted(StrEnum):
    NO = "no"  # the default: deleted posts are left out
    YES = "yes"  # only deleted posts
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Term:
    """A word, or a phrase when `phrase` (its words must stand together, in order)."""

    text: str
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class Filters:
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    hit: bool | None = None
    deleted: Deleted = Deleted.NO
    edited: bool | None = None
    # place: and region: filters, each a set of GeoNames ids or region slugs (any of them)
    places: tuple[frozenset[int], ...] = ()
    regions: tuple[frozenset[str], ...] = ()

    @property
    def narrowing(self) -> bool:
        """Filters that leave few posts of those the date index walks past (not the dates)."""
        return bool(
            self.channels
            or self.places
            or self.regions
            or self.categories
            or self.hit is not None
            or self.edited is not None
            or self.deleted is Deleted.YES
        )


@dataclass(frozen=True, slots=True)
class Query:
    """Every clause must match (a clause is terms joined by OR); no excluded term may match."""

    text: str
    clauses: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One post found: its channel, its hits, and the [start, end) of the words to show in bold."""

    post: Post
    channel: Channel
    hits: tuple[Hit, ...]
    spans: tuple[tuple[int, int], ...]
    rank: float | None = None
    media: tuple[StoredMedia, ...] = ()  # photos, videos, documents: kind, size, hash, OCR text

    @property
    def link(self) -> str:
        return self.channel.post_link(self.post.message_id)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.category for h in self.hits))


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results; `has_more` says whether a next page exists."""

    query: Query
    results: tuple[SearchResult, ...]
    offset: int
    limit: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class FtsPlan:
    """What to ask FTS5: the MATCH of wanted posts, of excluded ones, and lemmas to highlight."""

    match: str | None
    exclude: str | None
    highlight: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "term", "or", "filter"
    term: Term | None = None
    negated: bool = False
    key: str = ""
    value: str = ""


def parse_query(text: str) -> Query:
    """Parse a search query; QueryError says what is wrong in words a user understands."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(text, f"the query is too long (at most {MAX_QUERY_LENGTH} characters)")
    tokens = _tokenize(text)
    filters = Filters()
    kept: list[_Token] = []
    for token in tokens:
        if token.kind == "filter":
            filters = _apply_filter(text, filters, token.key, token.value)
        else:
            kept.append(token)
    clauses, excluded = _clauses(text, kept)
    if len(excluded) + sum(len(c) for c in clauses) > MAX_TERMS:
        raise QueryError(text, f"too many words (at most {MAX_TERMS})")
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError(text, "since: is after until:, so nothing can match")
    return Query(text, tuple(clauses), tuple(excluded), filters)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        negated = text[pos] == "-" and pos + 1 < len(text) and text[pos + 1] == '"'
        if text[pos] == '"' or negated:
            start = pos + 1 if negated else pos
            phrase, pos = _quoted(text, start)
            tokens.append(_Token("term", Term(phrase, phrase=True), negated=negated))
            continue
        end = pos
        while end < len(text) and not text[end].isspace() and text[end] != '"':
            end += 1
        word = text[pos:end]
        if word.endswith(":") and end < len(text) and text[end] == '"':
            value, end = _quoted(text, end)
            word += value
        tokens.append(_word_token(text, word))
        pos = end
    return tokens


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The text between the quote at `start` and the next one, and the position after it."""
    close = text.find('"', start + 1)
    if close == -1:
        raise QueryError(text, 'a "phrase" is missing its closing quote')
    return text[start + 1 : close], close + 1


def _word_token(query: str, word: str) -> _Token:
    if word == "OR":
        return _Token("or")
    m = _FILTER.match(word)
    if m:
        key = m[1].lower()
        if key not in FILTERS:
            known = ", ".join(f"{k}:" for k in FILTERS)
            raise QueryError(query, f"there is no filter {m[1]}: (known filters: {known})")
        return _Token("filter", key=key, value=m[2].strip())
    if word.startswith("-"):
        if len(word) == 1:
            raise QueryError(query, "a minus must stand right before the word to leave out")
        return _Token("term", Term(word[1:]), negated=True)
    return _Token("term", Term(word))


def _clauses(query: str, tokens: Sequence[_Token]) -> tuple[list[tuple[Term, ...]], list[Term]]:
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False
    for i, token in enumerate(tokens):
        if token.kind == "or":
            before = tokens[i - 1] if i > 0 else None
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if not (_positive(before) and _positive(after)):
                raise QueryError(query, "OR must stand between two words or phrases")
            joining = True
            continue
        assert token.term is not None
        if token.negated:
            excluded.append(token.term)
        elif joining:
            clauses[-1].append(token.term)
        else:
            clauses.append([token.term])
        joining = False
    return [tuple(c) for c in clauses], excluded


def _positive(token: _Token | None) -> bool:
    return token is not None and token.kind == "term" and not token.negated


def _apply_filter(query: str, filters: Filters, key: str, value: str) -> Filters:
    if not value:
        raise QueryError(query, f"{key}: needs a value, e.g. {_EXAMPLES[key]}")
    if key == "channel":
        name = value.removeprefix("@")
        if name.isascii() and name.isdigit():
            try:
                channel_id(name)
            except CommandError as e:
                raise QueryError(query, f"channel: {e.user_message}") from None
        return replace(filters, channels=(*filters.channels, name))
    if key == "category":
        return replace(filters, categories=(*filters.categories, value.lower()))
    if key in ("place", "region"):
        return _place_filter(query, filters, key, value)
    if key in ("since", "until"):
        if getattr(filters, key) is not None:
            raise QueryError(query, f"{key}: is given twice")
        day = _date(query, key, value)
        return replace(filters, since=day) if key == "since" else replace(filters, until=day)
    if key == "deleted":
        choices = {d.value: d for d in Deleted}
        if value.lower() not in choices:
            raise QueryError(query, "deleted: takes yes, no or any")
        return replace(filters, deleted=choices[value.lower()])
    if value.lower() not in _YES_NO:
        raise QueryError(query, f"{key}: takes yes or no")
    flag = _YES_NO[value.lower()]
    return replace(filters, hit=flag) if key == "hit" else replace(filters, edited=flag)


_EXAMPLES = {
    "channel": "channel:@mash",
    "category": "category:summons",
    "since": "since:2024-11-01",
    "until": "until:2024-11-30",
    "hit": "hit:yes",
    "deleted": "deleted:yes",
    "edited": "edited:yes",
    "place": "place:Мелитополь",
    "region": "region:occupied",
}


def _place_filter(query: str, filters: Filters, key: str, value: str) -> Filters:
    # Imported here: the gazetteer loads on the first place filter, not with every search.
    from monitor.places.expression import PlaceFilterError, parse_filter

    try:
        found = parse_filter(key, value)
    except PlaceFilterError as e:
        raise QueryError(query, str(e)) from None
    if key == "place":
        return replace(filters, places=(*filters.places, found.places))
    return replace(filters, regions=(*filters.regions, found.regions))


def _date(query: str, key: str, value: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise QueryError(
            query, f"{key}: takes a date as YYYY-MM-DD, e.g. {_EXAMPLES[key]}"
        ) from None


def compile_fts(query: Query, *, query_terms: TermFunction) -> FtsPlan:
    """The FTS5 MATCH strings of a query, built only from lemma tokens quoted here."""
    highlight: set[str] = set()
    clauses: list[str] = []
    for clause in query.clauses:
        parts = [_term_fts(t, query_terms, highlight) for t in clause]
        alternatives = [p for p in parts if p]
        if alternatives:
            clauses.append(_joined(alternatives, " OR "))
    excluded = [_term_fts(t, query_terms, set()) for t in query.excluded]
    excluded = [e for e in excluded if e]
    if query.clauses and not clauses:
        raise QueryError(query.text, "none of the words can be searched (only punctuation?)")
    match = " AND ".join(clauses) or None
    exclude = _joined(excluded, " OR ") if excluded else None
    if match and exclude:
        match, exclude = f"({match}) NOT {exclude}", None
    return FtsPlan(match, exclude, frozenset(highlight))


def _term_fts(term: Term, query_terms: TermFunction, highlight: set[str]) -> str:
    """A word: any of its lemmas. Several words (a phrase, or ТЦК/СП): all of them near each other.

    The index may hold several lemmas for one word (both languages', an ambiguous word's), so
    word positions are not exact: a phrase is its words within a few words of each other.
    """
    choices = []
    for piece in _PIECE.findall(term.text):
        lemmas = [lem for lem in lemma_terms(query_terms, piece) if _searchable(lem)]
        if lemmas:
            choices.append(lemmas)
    if not choices:
        return ""
    for lemmas in choices:
        highlight.update(lemmas)
    if len(choices) == 1:
        return _joined([_quote(lem) for lem in choices[0]], " OR ")
    distance = NEAR_PER_WORD * (len(choices) - 1)
    variants = list(product(*choices))[:MAX_PHRASE_VARIANTS]
    near = [f"NEAR({' '.join(_quote(lem) for lem in v)}, {distance})" for v in variants]
    return _joined(near, " OR ")


def _searchable(lemma: str) -> bool:
    return any(ch.isalnum() for ch in lemma)


def _quote(text: str) -> str:
    """An FTS5 string: a phrase of the tokens in `text`, with its quotes doubled."""
    return '"' + text.replace('"', '""').replace("\x00", "") + '"'


def _joined(parts: Sequence[str], operator: str) -> str:
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else "(" + operator.join(parts) + ")"


@dataclass(frozen=True, slots=True)
class Lemmatizer:
    """The two functions search needs from the matcher: index a text, look up a query word."""

    index_terms: TermFunction
    query_terms: TermFunction


_WORD = re.compile(r"\w+(?:['’ʼ-]\w+)*")


def lemma_terms(function: TermFunction, text: str) -> list[str]:
    """`function(text)`, surviving letters the lemmatizer cannot take: those are dropped.

    pymorphy3's shapes.is_latin_char calls unicodedata.name(), which raises ValueError for
    letters without a name in Python's Unicode database (e.g. U+17000, Tangut); upstream
    pymorphy2/pymorphy2#137, inherited by pymorphy3. One such letter in a post must not stop
    the post from being stored and indexed.
    """
    try:
        return function(text)
    except (KeyError, ValueError):
        return function("".join(ch for ch in text if not ch.isalpha() or _named(ch)))


def _named(ch: str) -> bool:
    return unicodedata.name(ch, None) is not None


def default_lemmatizer() -> Lemmatizer:
    """The matcher's lemmas, and a term per place a post names (monitor.places.tagging): what
    the archive is indexed with and queries are looked up by."""
    from monitor.places import tagging  # the gazetteer loads on the first index or query

    return Lemmatizer(index_terms=tagging.index_terms, query_terms=tagging.query_terms)


def highlight_spans(
    text: str, lemmas: frozenset[str], index_terms: TermFunction
) -> tuple[tuple[int, int], ...]:
    """[start, end) of the words in `text` whose lemma is one of `lemmas` (to show in bold)."""
    if not lemmas:
        return ()
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        if lemmas.intersection(lemma_terms(index_terms, m[0])):
            spans.append((m.start(), m.end()))
    return tuple(spans)
