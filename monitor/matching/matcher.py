"""Match a post against every compiled rule at once and return hits with original spans (no I/O)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.domain import Hit, Span
from monitor.errors import PatternError
from monitor.matching.compiler import (
    CNode,
    Compiled,
    CompiledRule,
    Compiler,
    automaton,
    need_of,
)
from monitor.matching.expression import ExpressionError, Query, Regex, parse_expression, walk
from monitor.matching.morphology import Expansion
from monitor.matching.normalize import TOKEN_RE, Normalized, normalize, tokens
from monitor.matching.packs import CATEGORIES, Pack, Rule, all_rules, check_regex

# Caps per node: every occurrence of a word counts (a post has at most ~700 words), while the
# combinations NEAR, OR and phrases build stop early, so no pattern can multiply its way
# into a long loop.
MAX_OCCURRENCES = 1000
MAX_MATCHES = 64

# An exclusion and the atoms of which it needs one (None: it may need none).
Needed = tuple[tuple[frozenset[int] | None, CNode], ...]
# One contributing word: first token, last token, atom id (-1 for a regex).
Occ = tuple[int, int, int]
Match = tuple[Occ, ...]
_PRUNABLE = frozenset({"or", "and", "n"})
_UK_LETTERS = "іїєґ"
_RU_LETTERS = "ыэъ"
# Short posts may lack those letters; these frequent words belong to one language only.
_UK_WORDS = frozenset({"та", "що", "як", "це", "від", "він", "вона", "але", "або", "чи", "й"})
_UK_WORDS |= {"із", "зі", "ще", "тут", "яка", "який", "які"}
_RU_WORDS = frozenset({"что", "как", "это", "от", "он", "она", "но", "или", "ли", "еще", "и"})
_RU_WORDS |= {"здесь", "какой", "какая", "какие"}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What an analyst sees of a rule: its id, category and description."""

    id: str
    category: str
    description: str
    pack: str


class Matcher:
    """All rules compiled into one scan; build with compile_matcher() and reuse."""

    def __init__(
        self, compiled: Compiled, rules: list[RuleInfo], categories: dict[str, str]
    ) -> None:
        self._c = compiled
        self.rules = tuple(rules)
        self.categories = tuple(c for c in categories if any(r.category == c for r in rules))
        self.category_descriptions = dict(categories)
        self._has_trigger = len(compiled.trigger) > 0
        self._lookup = _Lookup.of(compiled)

    @property
    def compiled(self) -> Compiled:
        """The compiled rules and automata (monitor.matching.snapshot saves them)."""
        return self._c

    def vetoing_exclusions(self, rule_id: str) -> tuple[int, ...]:
        """Positions, among a rule's exclusions in order, of those that veto the whole post.

        An exclusion that shares no word with the rule vetoes it; the others only mask their
        own occurrences (docs/patterns.md, Exclusions).
        """
        for compiled in self._c.rules:
            if compiled.id == rule_id:
                return compiled.vetoing
        raise KeyError(rule_id)

    def vocabulary(self) -> tuple[frozenset[str], frozenset[str]]:
        """Every whole-word form the rules look for, and every prefix (normalized)."""
        words = frozenset(f for a in self._c.atoms if a.kind != "prefix" for f in a.forms)
        prefixes = frozenset(f for a in self._c.atoms if a.kind == "prefix" for f in a.forms)
        return words, prefixes

    def find_hits(self, text: str) -> list[Hit]:
        """The rules that match `text`, one Hit each, spans pointing into `text`."""
        norm = normalize(text)
        s = norm.text
        woken = self._triggered(s)
        woken.update(self._c.always)
        if not woken:
            return []
        post = _Post(norm, self._c, self._lookup)
        hits: list[Hit] = []
        for index in sorted(woken):
            rule = self._c.rules[index]
            matches = post.evaluate_rule(rule)
            if matches:
                hits.append(self._hit(rule, matches, post))
        if hits and self._c.tags:
            tags = tuple(t.id for t in self._c.tags if post.evaluate_rule(t))
            hits = [Hit(h.rule_id, h.category, h.spans, _merge(h.tags, tags)) for h in hits]
        return hits

    def _triggered(self, s: str) -> set[int]:
        if not self._has_trigger:
            return set()
        seen: set[int] = set()
        candidates: set[tuple[int, int]] = set()
        for end, (length, entries) in self._c.trigger.iter(s):
            start = end - length + 1
            # A form counts at a word start, and ends a word unless it is a prefix (an apostrophe
            # between letters is inside a word). Inlined: this runs for every form in every post.
            if start:
                before = s[start - 1]
                if before.isalnum() or (before == "'" and start >= 2 and s[start - 2].isalnum()):
                    continue
            after = s[end + 1 : end + 2]
            right = not after or not (
                after.isalnum() or (after == "'" and s[end + 2 : end + 3].isalnum())
            )
            for atom, is_prefix, branches in entries:
                if is_prefix or right:
                    seen.add(atom)
                    candidates.update(branches)
        if not candidates:
            return set()
        # A rule is worth evaluating when one of its alternatives has both anchor sets seen.
        rules = self._c.rules
        return {
            i
            for i, branch in candidates
            if all(not a.isdisjoint(seen) for a in rules[i].branches[branch][1:])
        }

    def _hit(self, rule: CompiledRule, matches: list[Match], post: _Post) -> Hit:
        spans: dict[tuple[int, int], Span] = {}
        for match in matches:
            for first, last, atom_id in match:
                start, end = post.original(first, last)
                if (start, end) in spans:
                    continue
                atom = self._c.atoms[atom_id] if atom_id >= 0 else None
                spans[(start, end)] = Span(
                    start,
                    end,
                    post.norm.source[start:end],
                    lemma=atom.lemma if atom else "",
                    term=atom.source if atom else "regex",
                )
        ordered = tuple(spans[k] for k in sorted(spans))
        return Hit(rule.id, rule.category, ordered, rule.tags)


class _Post:
    """One post's tokens and atom occurrences, computed once for all woken rules."""

    def __init__(self, norm: Normalized, compiled: Compiled, lookup: _Lookup) -> None:
        self.norm = norm
        self.c = compiled
        s = norm.text
        self.lang = lang = _script(s)
        self._toks: list[tuple[int, int]] | None = None
        occ: dict[int, list[int]] = {}
        # A whole-word form equals its token: one dict look-up per token, where scanning the
        # text would also report every "в" and "на" inside longer words.
        words = lookup.words
        for index, word in enumerate(TOKEN_RE.findall(s)):
            entries = words.get(word)
            if entries is not None:
                for atom_id, gate in entries:
                    if gate is None or lang in ("", gate):
                        occ.setdefault(atom_id, []).append(index)
        if len(lookup.prefixes):
            found = [(end - length + 1, e) for end, (length, e) in lookup.prefixes.iter(s)]
            if found:
                starts = {start: i for i, (start, _) in enumerate(self.toks)}
                for start, entries in found:
                    token = starts.get(start)
                    if token is not None:
                        for atom_id, gate in entries:
                            if gate is None or lang in ("", gate):
                                _insert(occ.setdefault(atom_id, []), token)
        self.occ = occ
        self._regex: dict[int, list[Match]] = {}
        self._exclusions: dict[int, list[Match]] = {}
        self.exclusions = lookup.exclusions

    @property
    def toks(self) -> list[tuple[int, int]]:
        """Token spans, found only when a hit or a regex needs them."""
        if self._toks is None:
            self._toks = tokens(self.norm.text)
        return self._toks

    def original(self, first: int, last: int) -> tuple[int, int]:
        return self.norm.original_span(self.toks[first][0], self.toks[last][1])

    def evaluate_rule(self, rule: CompiledRule) -> list[Match]:
        vetoes, masks = self.exclusions[id(rule)]
        present = self.occ.keys()
        for need, veto in vetoes:
            if (need is None or not present.isdisjoint(need)) and self._exclusion(veto):
                return []
        occ = self.occ
        if masks:
            masked: set[int] = set()
            for need, mask in masks:
                if need is not None and present.isdisjoint(need):
                    continue
                for match in self._exclusion(mask):
                    for first, last, _ in match:
                        masked.update(range(first, last + 1))
            if masked:
                occ = {
                    a: kept for a, ts in occ.items() if (kept := [t for t in ts if t not in masked])
                }
        return self.eval(rule.node, occ)

    def _exclusion(self, node: CNode) -> list[Match]:
        """An exclusion's matches in the whole post, once per post: rules share exclusions."""
        key = id(node)  # the compiler and the snapshot keep one object per distinct exclusion
        found = self._exclusions.get(key)
        if found is None:
            found = self._exclusions[key] = self.eval(node, self.occ)
        return found

    def eval(self, node: CNode, occ: dict[int, list[int]]) -> list[Match]:
        kind = node[0]
        if kind == "w":
            atom = node[1]
            return [((t, t, atom),) for t in occ.get(atom, ())[:MAX_OCCURRENCES]]
        if kind in _PRUNABLE and node[-1] is not None and occ.keys().isdisjoint(node[-1]):
            return []  # none of the words the node needs is in the post
        if kind == "p":
            return self._phrase(node[1], node[2], occ)
        if kind == "or":
            out: list[Match] = []
            for child in node[1]:
                if child[0] == "w":  # inline: most children are words, most of them absent
                    found = occ.get(child[1])
                    if found:
                        atom = child[1]
                        out.extend(((t, t, atom),) for t in found[:MAX_OCCURRENCES])
                else:
                    out.extend(self.eval(child, occ))
            return out[:MAX_OCCURRENCES]
        if kind == "and":
            parts = []
            for child in node[1]:
                part = self.eval(child, occ)
                if not part:
                    return []
                parts.append(part)
            return [tuple(o for part in parts for m in part for o in m)]
        if kind == "n":
            return self._near(node, occ)
        if kind == "x":  # an exclusion that holds unless one of its cancels occurs in the post
            # The exclusion first: it is rare, and its cancels (a long OR) are then seldom needed.
            found_x = self.eval(node[1], occ)
            if found_x and any(self.eval(cancel, self.occ) for cancel in node[2]):
                return []
            return found_x
        return self._regex_matches(node[1])

    def _phrase(
        self, atom_ids: tuple[int, ...], gap: int, occ: dict[int, list[int]]
    ) -> list[Match]:
        lists = []
        for atom in atom_ids:
            tokens_of = occ.get(atom)
            if not tokens_of:
                return []
            lists.append(tokens_of)
        positions = [set(listed) for listed in lists]
        out: list[Match] = []
        for start in sorted(positions[0]):
            found = [(start, start, atom_ids[0])]
            at = start
            for atom_id, where in zip(atom_ids[1:], positions[1:], strict=True):
                nxt = next((t for t in range(at + 1, at + gap + 2) if t in where), None)
                if nxt is None:
                    break
                found.append((nxt, nxt, atom_id))
                at = nxt
            else:
                out.append(tuple(found))
                if len(out) >= MAX_MATCHES:
                    break
        return out

    def _near(self, node: CNode, occ: dict[int, list[int]]) -> list[Match]:
        """Pairs at most node[3] words apart, either order; bisect keeps it O(n log n)."""
        left, right = self.eval(node[1], occ), self.eval(node[2], occ)
        if not left or not right:
            return []
        distance = node[3]
        spans = sorted(((min(o[0] for o in b), max(o[1] for o in b), b) for b in right), key=_first)
        starts = [b0 for b0, _, _ in spans]
        longest = max(b1 - b0 for b0, b1, _ in spans)
        out: list[Match] = []
        for a in left:
            a0, a1 = min(o[0] for o in a), max(o[1] for o in a)
            # Right matches starting after `a`, or ending before it, within the distance.
            lo = bisect_left(starts, a0 - distance - 1 - longest)
            hi = bisect_right(starts, a1 + distance + 1)
            for b0, b1, b in spans[lo:hi]:
                if a1 < b0:
                    between = b0 - a1 - 1
                elif b1 < a0:
                    between = a0 - b1 - 1
                else:
                    # Interleaved ("переправлення чоловіків через кордон" for
                    # (переправлення NEAR кордон) NEAR чоловіків): near, unless one word is both.
                    between = -1 if {o[0] for o in a} & {o[0] for o in b} else 0
                if 0 <= between <= distance:
                    out.append(a + b)
                    if len(out) >= MAX_MATCHES:
                        return out
        return out

    def _regex_matches(self, index: int) -> list[Match]:
        if index not in self._regex:
            found: list[Match] = []
            for m in self.c.regexes[index].finditer(self.norm.text):
                covered = [i for i, (s, e) in enumerate(self.toks) if s < m.end() and e > m.start()]
                if covered:
                    found.append(((covered[0], covered[-1], -1),))
                if len(found) >= MAX_MATCHES:
                    break
            self._regex[index] = found
        return self._regex[index]


@dataclass(frozen=True, slots=True)
class _Lookup:
    """What the per-post scan needs: whole words to look up, prefixes to scan for, and each
    rule's exclusions with the words they need (most are skipped with one set operation)."""

    words: dict[str, tuple[tuple[int, str | None], ...]]
    prefixes: Any  # an Aho-Corasick automaton of the prefixes
    exclusions: dict[int, tuple[Needed, Needed]]  # id of a compiled rule: (vetoes, masks)

    @classmethod
    def of(cls, compiled: Compiled) -> _Lookup:
        words: dict[str, list[tuple[int, str | None]]] = {}
        prefixes: dict[str, list[tuple[int, str | None]]] = {}
        for form, entries in compiled.full.items():
            for atom_id, is_prefix, gate in entries:
                (prefixes if is_prefix else words).setdefault(form, []).append((atom_id, gate))
        exclusions = {
            id(rule): (
                tuple((need_of(n), n) for n in rule.vetoes),
                tuple((need_of(n), n) for n in rule.masks),
            )
            for rule in (*compiled.rules, *compiled.tags)
        }
        return cls({k: tuple(v) for k, v in words.items()}, automaton(prefixes), exclusions)


def _insert(tokens: list[int], token: int) -> None:
    """Keep an atom's tokens ascending and distinct, as a scan of the text finds them."""
    if not tokens or tokens[-1] < token:
        tokens.append(token)
    elif token not in tokens:
        insort(tokens, token)


def _first(item: tuple[int, int, Match]) -> int:
    return item[0]


def _script(s: str) -> str:
    """ "uk" or "ru" by the letters only one of them uses, then by function words; "" if neither tells."""
    uk = sum(s.count(c) for c in _UK_LETTERS)
    ru = sum(s.count(c) for c in _RU_LETTERS)
    if uk == ru:
        words = s.split()
        uk = sum(1 for w in words if w in _UK_WORDS)
        ru = sum(1 for w in words if w in _RU_WORDS)
    return "uk" if uk > ru else "ru" if ru > uk else ""


def _merge(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))


def compile_matcher(
    packs: Iterable[Pack], expansions: Mapping[str, Expansion] | None = None
) -> Matcher:
    """Compile every rule and region tag of the packs into one matcher (about 0.7 s).

    Nearly all of that is expanding lemma words into their forms; `expansions` gives some
    already expanded (monitor.matching.cache keeps them between processes).
    """
    packs = list(packs)
    rules = all_rules(packs)
    tags = [t for p in packs for t in p.tags]
    categories = dict(CATEGORIES)
    for pack in packs:
        categories.update(pack.categories)
    infos = [RuleInfo(r.id, r.category, r.description, p.name) for p in packs for r in p.rules]
    return Matcher(Compiler(expansions).compile(rules, tags), infos, categories)


def compile_expression(
    expr: str, rule_id: str = "expression", category: str = "expression"
) -> Matcher:
    """Compile one analyst expression (for /subscribe and /test); PatternError explains mistakes.

    A place name in it matches every spelling and form of that place, and `place:` /
    `region:` filters keep posts about a place or region (monitor.places.expression).
    """
    # Imported here: the places capability builds on this module, and loading its gazetteer
    # is for expressions only, never for `patterns check`.
    from monitor.places import expression as places

    try:
        body, filters = places.split_filters(expr)
        query: Query = (
            parse_expression(body) if body or not filters else Query(Regex(places.ANY_TEXT))
        )
    except places.PlaceFilterError as e:
        raise PatternError("expression", f"{e} (in {expr!r})") from e
    except ExpressionError as e:
        raise PatternError("expression", f"{e.problem} at column {e.column} of {expr!r}") from e
    for node in query.nodes():
        for regex in (n for n in walk(node) if isinstance(n, Regex)):
            check_regex(regex.pattern, "", "expression", None)
    query = places.expand_places(query)  # its patterns are built, not written: no length cap
    rule = Rule(rule_id, category, expr, query, source="expression")
    compiled = Compiler().compile([rule], [])
    matcher = Matcher(compiled, [RuleInfo(rule_id, category, expr, "expression")], {category: expr})
    return places.FilteredMatcher(matcher, filters, words=bool(body)) if filters else matcher
