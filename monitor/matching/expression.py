"""Parse the pattern language into a small syntax tree (no I/O).

    повестка                a lemma: every inflected form, Russian and Ukrainian
    =тцк                    an exact form (after normalization)
    мобилиз*                a prefix
    "повестка в военкомат"  a phrase: the words in order, each inflected
    "вручить повестку"~2    a phrase with up to 2 other words between its words
    повестка NEAR/5 военкомат   both within 5 words of each other, either order
    a b  /  a AND b         both somewhere in the post
    a OR b                  either
    ( ... )                 grouping
    -"повестка дня"         an exclusion (see docs/patterns.md for its two meanings)
    /ст\\.?\\s*328/          a regular expression (RE2: linear time, no backreferences)

NEAR binds tighter than AND, AND tighter than OR.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from monitor.matching.normalize import TOKEN_RE, fold_word

MAX_EXPRESSION = 4000
MAX_DEPTH = 12
MAX_NEAR = 50
MAX_GAP = 10
MAX_PHRASE_WORDS = 12

WordKind = Literal["lemma", "exact", "prefix"]


class ExpressionError(ValueError):
    """A syntax error, with the 1-based column where it was noticed."""

    def __init__(self, problem: str, column: int) -> None:
        self.problem = problem
        self.column = column
        super().__init__(f"{problem} (column {column})")


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # normalized
    kind: WordKind
    source: str  # as the analyst wrote it


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[Word, ...]
    gap: int
    source: str


@dataclass(frozen=True, slots=True)
class Regex:
    pattern: str


@dataclass(frozen=True, slots=True)
class Near:
    left: Node
    right: Node
    distance: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Word | Phrase | Regex | Near | And | Or


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed expression: what must match, and the exclusions."""

    positive: Node
    minus: tuple[Node, ...] = ()
    # Per exclusion in `minus` (same order), what cancels it when it occurs anywhere in the
    # post: a pack's exclude entry "A -B" excludes A unless B occurs. Empty: nothing cancels.
    unless: tuple[tuple[Node, ...], ...] = ()

    def exclusions(self) -> list[tuple[Node, tuple[Node, ...]]]:
        """Each exclusion with what cancels it (nothing, for an expression's own minus terms)."""
        return list(zip(self.minus, self.unless or ((),) * len(self.minus), strict=True))

    def nodes(self) -> tuple[Node, ...]:
        """Every node of the query: the positive, the exclusions and what cancels them."""
        return (self.positive, *self.minus, *(u for cancel in self.unless for u in cancel))


_LEX = re.compile(
    r"""
    (?P<space>\s+)
   |(?P<phrase>"(?P<body>[^"]*)"(?:~(?P<gap>\d+))?)
   |(?P<regex>/(?P<rx>(?:\\.|[^/\\])+)/)
   |(?P<lpar>\()
   |(?P<rpar>\))
   |(?P<near>NEAR/(?P<n>\d+)(?![\w*]))
   |(?P<op>(?:OR|AND)(?![\w*]))
   |(?P<minus>-(?=[^\s-]))
   |(?P<word>=?[^\W_](?:[\w'’ʼ.\-]*[^\W_])?\.?\*?)
    """,
    re.VERBOSE,
)

_Tok = tuple[str, str, int, re.Match[str]]


def parse_expression(text: str) -> Query:
    """Parse one expression; raises ExpressionError naming the column."""
    if len(text) > MAX_EXPRESSION:
        raise ExpressionError(f"expression is longer than {MAX_EXPRESSION} characters", 1)
    toks = _lex(text)
    if not toks:
        raise ExpressionError("empty expression: give at least one word", 1)
    parser = _Parser(toks, len(text))
    positive = parser.parse_or(0)
    if parser.pos < len(toks):
        raise ExpressionError(f"unexpected {toks[parser.pos][1]!r}", toks[parser.pos][2])
    if positive is None:
        raise ExpressionError("only exclusions: say what to match, then what to exclude", 1)
    return Query(positive, tuple(parser.minus))


def _lex(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _LEX.match(text, pos)
        if m is None or m.end() == pos:
            raise ExpressionError(f"cannot read {text[pos : pos + 10]!r}", pos + 1)
        kind = m.lastgroup or ""
        if kind != "space":
            out.append((kind, m.group(), pos + 1, m))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, toks: list[_Tok], length: int) -> None:
        self.toks = toks
        self.pos = 0
        self.end_column = length + 1
        self.minus: list[Node] = []

    def peek(self) -> str | None:
        return self.toks[self.pos][0] if self.pos < len(self.toks) else None

    def column(self) -> int:
        return self.toks[self.pos][2] if self.pos < len(self.toks) else self.end_column

    def parse_or(self, depth: int) -> Node | None:
        children = [self.parse_and(depth)]
        while self.peek() == "op" and self.toks[self.pos][1] == "OR":
            self.pos += 1
            children.append(self.parse_and(depth))
        if len(children) == 1:
            return children[0]
        if any(c is None for c in children):
            raise ExpressionError("an OR side holds only exclusions", self.column())
        return Or(tuple(c for c in children if c is not None))

    def parse_and(self, depth: int) -> Node | None:
        children: list[Node] = []
        while True:
            kind = self.peek()
            if kind == "op" and self.toks[self.pos][1] == "AND":
                self.pos += 1
                continue
            if kind == "minus":
                if depth > 0:
                    raise ExpressionError(
                        "an exclusion must stand outside parentheses", self.column()
                    )
                self.pos += 1
                self.minus.append(self.parse_near(depth))
                continue
            if kind in (None, "rpar") or (kind == "op" and self.toks[self.pos][1] == "OR"):
                break
            children.append(self.parse_near(depth))
        if not children and not self.minus:
            raise ExpressionError("expected a word, a phrase or a group", self.column())
        if not children:
            return None
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_near(self, depth: int) -> Node:
        node = self.parse_unary(depth)
        while self.peek() == "near":
            m = self.toks[self.pos][3]
            distance = int(m.group("n"))
            if distance > MAX_NEAR:
                raise ExpressionError(
                    f"NEAR/{distance} is too wide (at most {MAX_NEAR})", self.column()
                )
            self.pos += 1
            node = Near(node, self.parse_unary(depth), distance)
        return node

    def parse_unary(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"more than {MAX_DEPTH} nested parentheses", self.column())
        if self.pos >= len(self.toks):
            raise ExpressionError("the expression ends where a word was expected", self.column())
        kind, raw, column, m = self.toks[self.pos]
        self.pos += 1
        if kind == "lpar":
            inner = self.parse_or(depth + 1)
            if self.peek() != "rpar":
                raise ExpressionError("missing ')'", self.column())
            self.pos += 1
            assert inner is not None  # parse_and refuses exclusions inside parentheses
            return inner
        if kind == "word":
            return _word_or_phrase(raw, column)
        if kind == "phrase":
            return _phrase(m.group("body"), m.group("gap"), raw, column)
        if kind == "regex":
            return Regex(m.group("rx"))
        raise ExpressionError(f"unexpected {raw!r}", column)


def _word_or_phrase(raw: str, column: int) -> Word | Phrase:
    words = _words(raw, column)
    if len(words) == 1:
        return words[0]
    return Phrase(tuple(words), 0, raw)


def _phrase(body: str, gap: str | None, raw: str, column: int) -> Node:
    words = [w for piece in body.split() for w in _words(piece, column)]
    if not words:
        raise ExpressionError("empty phrase", column)
    if len(words) > MAX_PHRASE_WORDS:
        raise ExpressionError(f"a phrase has at most {MAX_PHRASE_WORDS} words", column)
    slop = int(gap) if gap else 0
    if slop > MAX_GAP:
        raise ExpressionError(f"a phrase gap of {slop} is too wide (at most {MAX_GAP})", column)
    if len(words) == 1:
        return words[0]
    return Phrase(tuple(words), slop, raw)


def _words(piece: str, column: int) -> list[Word]:
    """A written word may fold into several ("военно-учетный", "ст."): the markers stay on the ends."""
    exact = piece.startswith("=")
    prefix = piece.endswith("*")
    core = piece.strip("=*")
    parts = [m.group() for m in TOKEN_RE.finditer(fold_word(core))]
    if not parts:
        raise ExpressionError(f"{piece!r} has no letters or digits", column)
    out: list[Word] = []
    for i, part in enumerate(parts):
        kind: WordKind = "lemma"
        if prefix and i == len(parts) - 1:
            kind = "prefix"
        elif exact or not re.fullmatch(r"[а-яіїєґ']+", part):
            kind = "exact"
        out.append(Word(part, kind, piece if len(parts) == 1 else part))
    return out


def walk(node: Node) -> Iterator[Node]:
    """The node and every node below it."""
    yield node
    if isinstance(node, Near):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Phrase):
        yield from node.words
