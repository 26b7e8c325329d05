"""Pattern packs: read and validate one TOML file per pack (reads pack files, nothing else)."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import re2

from monitor.errors import PatternError
from monitor.matching.expression import (
    MAX_DEPTH,
    MAX_EXPRESSION,
    ExpressionError,
    Node,
    Or,
    Query,
    Regex,
    Word,
    parse_expression,
    walk,
)

CATEGORIES: dict[str, str] = {
    "summons": "Summonses (повестки, повістки), paper or electronic",
    "enlistment": "Enlistment offices and military registration (военкомат, ТЦК, воинский учёт)",
    "roundup": "Round-ups and street checks (облава, бусифікація, raids)",
    "conscription": "Conscription campaigns (призыв, срочная служба, строкова служба)",
    "mobilization": "Mobilization (мобилизация, мобілізація, мобилизованные)",
    "contract": "Contract pressure on conscripts and recruitment for the war",
    "evasion": "Evasion and prosecution (уклонение, ухилення, ст. 328, ст. 336)",
    "deferment": "Deferments and exemptions (отсрочка, бронь, відстрочка, бронювання)",
}
DEFAULT_PACKS = ("ru", "uk")
MAX_PACK_BYTES = 1_000_000
MAX_RULES = 2000
MAX_REGEX = 1000
REGEX_MEMORY = 8 << 20
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,79}")
_RULE_KEYS = {"id", "category", "description", "match", "exclude", "tags"}
_TAG_KEYS = {"id", "description", "match", "exclude"}
_PACK_KEYS = {"name", "description", "categories"}
_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
# An @name outside quotes and regexes: the quoted and slashed parts are skipped whole.
_REF_RE = re.compile(r'"[^"]*"|NEAR/\d+|/(?:\\.|[^/\\])+/|(?<![\w@])@([A-Za-z0-9_]+)')
MAX_TOML_DEPTH = 32
_TOML_SPECIAL = re.compile(r"[\"'#\[\]{}]")
MAX_DEFINE_DEPTH = MAX_DEPTH  # each define adds a level of parentheses
# All expressions after [define]s: no more than a pack written out could hold.
MAX_EXPANDED_TOTAL = MAX_PACK_BYTES  # characters
MAX_EXPANDED_ENTRIES = 10_000  # expressions (the bundled packs have about 900)


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: matches when any of its expressions matches and no exclusion vetoes it."""

    id: str
    category: str
    description: str
    query: Query
    tags: tuple[str, ...] = ()
    source: str = ""
    line: int | None = None
    # The text each of query.minus came from, in the same order (for `patterns check --vetoes`).
    exclusions: tuple[str, ...] = ()
    # For each exclusion, the [define] name it came from ("" when written in the rule).
    origins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pack:
    """A validated pack: its rules, its region tags and the categories they may use."""

    name: str
    description: str
    source: str
    rules: tuple[Rule, ...]
    tags: tuple[Rule, ...] = ()
    categories: dict[str, str] = field(default_factory=lambda: dict(CATEGORIES))


def load_default_packs() -> list[Pack]:
    """The bundled Russian and Ukrainian packs from monitor/patterns/."""
    return [parse_pack(text, name) for text, name in default_pack_texts()]


def default_pack_texts() -> list[tuple[str, str]]:
    """The bundled packs' texts, each with its file name."""
    folder = resources.files("monitor.patterns")
    return [
        (folder.joinpath(f"{name}.toml").read_text("utf-8"), f"{name}.toml")
        for name in DEFAULT_PACKS
    ]


def load_pack(path: str | Path) -> Pack:
    """Read and validate one pack file; raises PatternError naming the file and line."""
    return parse_pack(read_pack_text(path), str(path))


def read_pack_text(path: str | Path) -> str:
    """A pack file's text; PatternError when it is unreadable or too large."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            raise PatternError(
                str(path), f"the file is {size} bytes; a pack holds at most {MAX_PACK_BYTES}"
            )
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PatternError(str(path), f"cannot read the file: {e}") from e


def parse_pack(text: str, source: str) -> Pack:
    """Validate a pack's TOML text; `source` names it in errors."""
    too_deep = toml_nesting_fault(text)
    if too_deep is not None:
        raise PatternError(
            source, f"arrays and tables nest more than {MAX_TOML_DEPTH} deep", too_deep
        )
    try:
        data = tomllib.loads(text)
    except RecursionError:  # the scan above is a sketch of TOML: tomllib has the last word
        raise PatternError(source, "arrays and tables nest too deep") from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise PatternError(source, f"not valid TOML: {e}", int(m.group(1)) if m else None) from e
    locate = _Locator(text)
    unknown = set(data) - {"pack", "define", "rule", "tag"}
    if unknown:
        key = sorted(unknown)[0]
        raise PatternError(
            source,
            f"unknown section {key!r:.60}: a pack has [pack], [define], [[rule]] and [[tag]]",
            locate.key(key),
        )
    header = _table(data.get("pack", {}), "[pack]", source, locate.key("pack"))
    _no_unknown_keys(header, _PACK_KEYS, "[pack]", source, locate.key("pack"))
    categories = dict(CATEGORIES)
    extra = _table(
        header.get("categories", {}), "[pack.categories]", source, locate.key("categories")
    )
    categories.update({str(k): str(v) for k, v in extra.items()})
    defines = _Defines(data.get("define", {}), source, locate)
    rules = _entries(data.get("rule", []), "rule", source, locate, categories, defines)
    tags = _entries(data.get("tag", []), "tag", source, locate, categories, defines)
    if not rules:
        raise PatternError(source, "the pack has no [[rule]]")
    return Pack(
        name=str(header.get("name") or Path(source).stem),
        description=str(header.get("description", "")),
        source=source,
        rules=tuple(rules),
        tags=tuple(tags),
        categories=categories,
    )


def toml_nesting_fault(text: str) -> int | None:
    """The line where `[` and `{` outside strings and comments first nest past MAX_TOML_DEPTH.

    tomllib recurses once per level: a few thousand `[` would end in RecursionError.
    """
    depth, at, end = 0, 0, len(text)
    while found := _TOML_SPECIAL.search(text, at):
        char, at = found.group(), found.end()
        if char == "#":
            at = _line_end(text, at)
        elif char in "\"'":
            close = char * 3 if text.startswith(char * 3, at - 1) else char
            at += len(close) - 1
            single_line = len(close) == 1
            while True:
                stop = text.find(close, at)
                if stop < 0 or (single_line and _line_end(text, at) < stop):
                    at = _line_end(text, at) if single_line else end
                    break
                escapes = len(text[at:stop]) - len(text[at:stop].rstrip("\\"))
                at = stop + len(close)
                if char == "'" or escapes % 2 == 0:
                    break
        elif char in "[{":
            depth += 1
            if depth > MAX_TOML_DEPTH:
                return text.count("\n", 0, found.start()) + 1
        else:
            depth = max(depth - 1, 0)
    return None


def _line_end(text: str, at: int) -> int:
    stop = text.find("\n", at)
    return len(text) if stop < 0 else stop


class _Locator:
    """Finds the line of a table or a key: tomllib keeps no positions."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = {
            kind: [
                i + 1
                for i, line in enumerate(self.lines)
                if re.match(rf"\s*\[\[\s*{kind}\s*\]\]", line)
            ]
            for kind in ("rule", "tag")
        }

    def key(self, key: str, after: int = 0) -> int | None:
        pattern = re.compile(rf"^\s*(\[+\s*)?([\w.]*\.)?{re.escape(key)}\b")
        for i in range(after, len(self.lines)):
            if pattern.match(self.lines[i]):
                return i + 1
        return None

    def entry(self, kind: str, index: int) -> int | None:
        found = self.headers[kind]
        return found[index] if index < len(found) else None

    def text(self, needle: str, after: int | None) -> int | None:
        start = (after or 1) - 1
        for i in range(start, len(self.lines)):
            if needle in self.lines[i]:
                return i + 1
        return after


class _Defines:
    """The pack's [define] table: named pieces written once and used by many rules.

    A name bound to a string is an expression: `@name` inside any expression stands for it in
    parentheses. A name bound to a list is a list of entries: an entry that is just `@name`
    stands for all of them (a string name used so stands for one entry).
    """

    def __init__(self, raw: Any, source: str, locate: _Locator) -> None:
        self.source = source
        self.locate = locate
        self.start = locate.key("define")
        table = _table(raw, "[define]", source, self.start)
        self.raw: dict[str, str | list[str]] = {}
        self.expanded: dict[str, tuple[str, int]] = {}
        self.spent = self.entry_count = 0
        for name, value in table.items():
            line = self.line_of(name)
            if not _NAME_RE.fullmatch(name):
                raise PatternError(
                    source,
                    f"[define] name {name!r:.60}: use lowercase letters, digits and '_', "
                    "starting with a letter",
                    line,
                )
            if isinstance(value, str):
                self.raw[name] = value
            else:
                self.raw[name] = _strings(value, f"[define] {name}", source, line)
        for name in self.raw:
            # Each definition on its own, so a mistake is reported at its own line.
            line = self.line_of(name)
            for entry in self.entries(f"@{name}", f"[define] {name}", line)[1]:
                _parse(entry, f"[define] {name}", source, line)

    def line_of(self, name: str) -> int | None:
        return self.locate.key(name, (self.start or 1) - 1) if self.start else None

    def entries(self, entry: str, what: str, line: int | None) -> tuple[str, list[str]]:
        """An entry as the entries it stands for, every @name inside them substituted, and
        the define it stands for as a whole ("@name"; "" for an entry written out)."""
        name = entry.strip()
        if name.startswith("@") and name[1:] in self.raw:
            value = self.raw[name[1:]]
            items = [value] if isinstance(value, str) else value
            return name, [
                self.charge(self.expand(item, what, line, (name[1:],))[0], what, line)
                for item in items
            ]
        return "", [self.charge(self.expand(entry, what, line, ())[0], what, line)]

    def charge(self, expanded: str, what: str, line: int | None) -> str:
        """Count an expansion against the pack's budget: fan-out cannot run away."""
        self.spent += len(expanded)
        self.entry_count += 1
        if self.spent > MAX_EXPANDED_TOTAL or self.entry_count > MAX_EXPANDED_ENTRIES:
            raise PatternError(
                self.source,
                f"{what}: with their [define]s the pack's expressions come to more than "
                f"{MAX_EXPANDED_ENTRIES} expressions or {MAX_EXPANDED_TOTAL} characters; "
                "use fewer references",
                line,
            )
        return expanded

    def expand(
        self, expr: str, what: str, line: int | None, seen: tuple[str, ...]
    ) -> tuple[str, int]:
        """`expr` with every @name substituted, and how many defines deep it went.

        Each define is expanded once and remembered; an expansion longer than an expression
        may be is refused as it grows, so a define used 100 times per level for 4 levels
        costs a few thousand characters, not 100**4 of them.
        """
        pieces: list[str] = []
        size = depth = end = 0
        for found in _REF_RE.finditer(expr):
            name = found.group(1)
            if name is None:
                continue
            text, below = self.expand_name(name, what, line, seen)
            pieces += [expr[end : found.start()], "(", text, ")"]
            size += found.start() - end + len(text) + 2
            depth, end = max(depth, below + 1), found.end()
            if size > MAX_EXPRESSION:
                raise PatternError(
                    self.source,
                    f"{what}: with its [define]s the expression is longer than "
                    f"{MAX_EXPRESSION} characters",
                    line,
                )
        pieces.append(expr[end:])
        return "".join(pieces), depth

    def expand_name(
        self, name: str, what: str, line: int | None, seen: tuple[str, ...]
    ) -> tuple[str, int]:
        value = self.raw.get(name)
        if value is None:
            known = ", ".join(f"@{n}" for n in sorted(self.raw)) or "none"
            raise PatternError(
                self.source, f"{what}: @{name} is not in [define] (defined: {known})", line
            )
        if not isinstance(value, str):
            raise PatternError(
                self.source,
                f"{what}: @{name} is a list of entries; write it as an entry of its own "
                f'("@{name}"), not inside an expression',
                line,
            )
        chain = " -> ".join(f"@{n}" for n in (*seen, name))
        if name in seen:
            raise PatternError(self.source, f"{what}: [define] refers to itself: {chain}", line)
        if name not in self.expanded:
            self.expanded[name] = self.expand(value, what, line, (*seen, name))
        text, depth = self.expanded[name]
        if len(seen) + depth >= MAX_DEFINE_DEPTH:
            raise PatternError(
                self.source,
                f"{what}: [define]s nest more than {MAX_DEFINE_DEPTH} deep: {chain} -> ...",
                line,
            )
        return text, depth


def _table(value: Any, what: str, source: str, line: int | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PatternError(source, f"{what} must be a table", line)
    return value


def _no_unknown_keys(
    entry: dict[str, Any], allowed: set[str], what: str, source: str, line: int | None
) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise PatternError(
            source,
            f"{what} has an unknown key {unknown[0]!r:.60} (known: {', '.join(sorted(allowed))})",
            line,
        )


def _entries(
    raw: Any,
    kind: str,
    source: str,
    locate: _Locator,
    categories: dict[str, str],
    defines: _Defines,
) -> list[Rule]:
    if not isinstance(raw, list):
        raise PatternError(source, f"{kind} must be written as [[{kind}]] tables", locate.key(kind))
    if len(raw) > MAX_RULES:
        raise PatternError(source, f"more than {MAX_RULES} [[{kind}]] entries")
    out: list[Rule] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        line = locate.entry(kind, index)
        rule = _entry(entry, kind, source, line, locate, categories, defines)
        if rule.id in seen:
            raise PatternError(source, f"{kind} id {rule.id!r} is used twice", line)
        seen.add(rule.id)
        out.append(rule)
    return out


def _entry(
    entry: Any,
    kind: str,
    source: str,
    line: int | None,
    locate: _Locator,
    categories: dict[str, str],
    defines: _Defines,
) -> Rule:
    if not isinstance(entry, dict):
        raise PatternError(source, f"a [[{kind}]] must be a table", line)
    keys = _RULE_KEYS if kind == "rule" else _TAG_KEYS
    _no_unknown_keys(entry, keys, f"[[{kind}]]", source, line)
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID_RE.fullmatch(rule_id):
        raise PatternError(
            source,
            f"a [[{kind}]] needs an id of lowercase letters, digits, '.', '-', '_' (got {rule_id!r:.60})",
            line,
        )
    category = entry.get("category", "region" if kind == "tag" else None)
    if kind == "rule" and category not in categories:
        known = ", ".join(sorted(categories))
        raise PatternError(
            source,
            f"rule {rule_id}: unknown category {category!r:.60} (known: {known})",
            locate.text("category", line),
        )
    query, exclusions, origins = _query(entry, f"{kind} {rule_id}", source, line, locate, defines)
    return Rule(
        id=rule_id,
        category=str(category),
        description=str(entry.get("description", "")),
        query=query,
        tags=tuple(_strings(entry.get("tags", []), f"{kind} {rule_id}: tags", source, line)),
        source=source,
        line=line,
        exclusions=exclusions,
        origins=origins,
    )


def _query(
    entry: dict[str, Any],
    what: str,
    source: str,
    line: int | None,
    locate: _Locator,
    defines: _Defines,
) -> tuple[Query, tuple[str, ...], tuple[str, ...]]:
    """The rule's match expressions (OR-ed) and exclusions as one query, the text each
    exclusion came from, and the [define] name it came from ("" if none)."""
    match_line = locate.text("match", line)
    exclude_line = locate.text("exclude", line) if "exclude" in entry else line
    matches = _strings(entry.get("match", []), f"{what}: match", source, match_line)
    if not matches:
        raise PatternError(source, f"{what} is empty: give at least one expression in match", line)
    excludes = _strings(entry.get("exclude", []), f"{what}: exclude", source, exclude_line)
    positive: list[Node] = []
    minus: list[Node] = []
    unless: list[tuple[Node, ...]] = []
    sources: list[str] = []
    origins: list[str] = []
    for written in matches:
        at = locate.text(written, match_line)
        origin, exprs = defines.entries(written, f"{what}: match", at)
        for expr in exprs:
            query = _parse(expr, what, source, at)
            positive.append(query.positive)
            minus.extend(query.minus)
            unless.extend(() for _ in query.minus)
            sources.extend([expr] * len(query.minus))
            origins.extend([origin] * len(query.minus))
    for written in excludes:
        at = locate.text(written, exclude_line)
        origin, exprs = defines.entries(written, f"{what}: exclude", at)
        for expr in exprs:
            # In an exclusion, a minus term cancels it: "A -B" excludes A unless B occurs.
            query = _parse(expr, f"{what}: exclude", source, at)
            minus.append(query.positive)
            unless.append(query.minus)
            sources.append(expr)
            origins.append(origin)
    node = positive[0] if len(positive) == 1 else Or(tuple(positive))
    return Query(node, tuple(minus), tuple(unless)), tuple(sources), tuple(origins)


def _strings(value: Any, what: str, source: str, line: int | None) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PatternError(source, f"{what} must be a string or a list of strings", line)
    return [v for v in value if v.strip()]


def _parse(expr: str, what: str, source: str, line: int | None) -> Query:
    try:
        query = _parsed(expr)
    except ExpressionError as e:
        raise PatternError(source, f"{what}: {e} in {expr!r:.80}", line) from e
    for node in query.nodes():
        for regex in (n for n in walk(node) if isinstance(n, Regex)):
            check_regex(regex.pattern, f"{what}: ", source, line)
    return query


# A define used by many rules is parsed once (a Query is immutable).
_parsed = functools.lru_cache(maxsize=4096)(parse_expression)


def regex_options() -> Any:
    options = re2.Options()
    options.max_mem = REGEX_MEMORY
    options.log_errors = False
    return options


def check_regex(pattern: str, what: str, source: str, line: int | None) -> None:
    """RE2 refuses backreferences and lookaround and runs in linear time: nothing can hang."""
    if len(pattern) > MAX_REGEX:
        raise PatternError(source, f"{what}a regex is longer than {MAX_REGEX} characters", line)
    try:
        compiled = re2.compile(pattern, regex_options())
    except re2.error as e:
        raise PatternError(
            source,
            f"{what}regex /{pattern}/ is not valid RE2 (no backreferences or lookaround): {e}",
            line,
        ) from e
    if compiled.search("") is not None:
        raise PatternError(
            source,
            f"{what}regex /{pattern}/ matches the empty string, so it would match every post",
            line,
        )


def all_rules(packs: Iterable[Pack]) -> list[Rule]:
    """Every rule of the packs, refusing an id used by two packs."""
    seen: dict[str, str] = {}
    out: list[Rule] = []
    for pack in packs:
        for rule in pack.rules:
            if rule.id in seen:
                raise PatternError(
                    pack.source, f"rule id {rule.id!r} is also used in {seen[rule.id]}", rule.line
                )
            seen[rule.id] = pack.source
            out.append(rule)
    return out


def lemma_words(packs: Iterable[Pack]) -> list[str]:
    """Every lemma word of the packs' rules and tags (normalized), in order of appearance."""
    words: dict[str, None] = {}
    for pack in packs:
        for rule in (*pack.rules, *pack.tags):
            for node in rule.query.nodes():
                for item in walk(node):
                    if isinstance(item, Word) and item.kind == "lemma":
                        words[item.text] = None
    return list(words)
