"""Compile rules into atoms, anchors, an Aho-Corasick automaton and a table of forms (no I/O).

An atom is one word test (the forms of a lemma, an exact form, a prefix) shared by every
rule that uses it. The trigger automaton holds only the anchor atoms, the words without
which a rule cannot match: for each alternative of a rule's top-level OR, up to two sets of
them (the two cheapest, e.g. both sides of a NEAR), and the alternative wakes only when a
word of each set is seen. A post that wakes nothing is done after one scan. The full table
holds every form of every atom; the matcher looks up the tokens of the few posts that wake
a rule in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ahocorasick
import re2

from monitor.errors import PatternError
from monitor.matching.expression import And, Near, Node, Phrase, Regex, Word
from monitor.matching.morphology import Expansion, expand
from monitor.matching.packs import Rule, regex_options

MAX_ATOMS = 20_000  # distinct words per matcher: each costs a dictionary expansion at compile time
ANCHOR_MIN_LENGTH = 3  # shorter words ("в", "по") are too common to wake the full scan
# Frequent news words that make poor anchors: a phrase or NEAR is anchored on its other side
# when it has one (measured on the bundled posts: "статья" alone woke 7% of them).
_COMMON_WORDS = """
статья стаття военный военно служба пункт военнослужащий срочный осенний весенний категория
призывать призвать территориальный альтернативный сборный год день освобождение звільнення
резерв контракт рейд військовий державний мужчина сотрудник работник чоловік працівник
обязательный обязанность забрать забирать армия армія билет проверять перевіряти учет облік
встать отправка документ сво улица вулиця дані
подписать підписати заключить укласти отказ отказаться явиться свобода годный запрет
реклама плюс граница кордон фронт отправлять відправляти набор вызов реестр выезд виїзд форма
формі форме мужчин мужчины мужчинам чоловіків чоловіки чоловікам хлопців хлопці парней
"""
_COMMON = frozenset(_COMMON_WORDS.split())


@dataclass(frozen=True, slots=True)
class Atom:
    """One word test: `forms` are whole tokens, `prefix` a token start; `gate` asks the script."""

    id: int
    kind: str
    lemma: str
    source: str
    forms: frozenset[str]
    homographs: dict[str, str]


# Compiled expression nodes: tuples are cheaper than classes on the hot path.
# ("w", atom_id) | ("p", (atom_ids...), gap) | ("r", regex_index)
# | ("n", left, right, distance, need) | ("and", children, need) | ("or", children, need)
# | ("x", exclusion, cancels): only as a mask or veto.
# `need`: atoms of which a match needs at least one in the post (None: a regex may do without),
# so that the matcher skips a long OR of country names with one set operation.
CNode = tuple[Any, ...]
FormEntry = tuple[int, bool, str | None]


@dataclass(slots=True)
class CompiledRule:
    id: str
    category: str
    tags: tuple[str, ...]
    node: CNode
    masks: tuple[CNode, ...]
    vetoes: tuple[CNode, ...]
    anchors: frozenset[int] | None  # None: no anchor, evaluate on every post
    # Per alternative of the rule's top-level OR, up to two anchor sets that must both be
    # seen (one word of each) before the rule is worth evaluating.
    branches: tuple[tuple[frozenset[int], ...], ...] = ()
    # Positions in rule.query.minus (its exclusions in order) of those that veto, not mask.
    vetoing: tuple[int, ...] = ()


@dataclass(slots=True)
class Compiled:
    atoms: list[Atom] = field(default_factory=list)
    regexes: list[Any] = field(default_factory=list)
    rules: list[CompiledRule] = field(default_factory=list)
    tags: list[CompiledRule] = field(default_factory=list)
    trigger: Any = None
    # Every form of every atom: (atom id, is prefix, the language a homograph needs) per atom.
    full: dict[str, tuple[FormEntry, ...]] = field(default_factory=dict)
    always: tuple[int, ...] = ()


class Compiler:
    """Turns rules into a Compiled; atoms are shared across rules.

    `expansions` are lemma words already expanded (read from the compile cache); any other
    lemma word is expanded with the dictionaries.
    """

    def __init__(self, expansions: Mapping[str, Expansion] | None = None) -> None:
        self.out = Compiled()
        self._expansions = expansions or {}
        self._atom_ids: dict[tuple[str, str], int] = {}
        self._regex_ids: dict[str, int] = {}
        self._shared: dict[CNode, CNode] = {}
        self._source = "patterns"

    def compile(self, rules: list[Rule], tags: list[Rule]) -> Compiled:
        self._source = rules[0].source if rules else "patterns"
        self.out.rules = [self._rule(r) for r in rules]
        self.out.tags = [self._rule(r) for r in tags]
        self.out.always = tuple(i for i, r in enumerate(self.out.rules) if r.anchors is None)
        self._automata()
        return self.out

    def _rule(self, rule: Rule) -> CompiledRule:
        node = self._node(rule.query.positive)
        positive_atoms = _atoms_of(node)
        masks: list[CNode] = []
        vetoes: list[CNode] = []
        vetoing: list[int] = []
        for position, (minus, cancel) in enumerate(rule.query.exclusions()):
            cnode = self._node(minus)
            overlaps = self._overlaps(_atoms_of(cnode), positive_atoms)
            if cancel:  # ("x", exclusion, cancels): the exclusion holds unless a cancel occurs
                cnode = ("x", cnode, tuple(self._node(c) for c in cancel))
            # One object per distinct exclusion: a [define] shared by many rules is evaluated
            # once per post (the matcher remembers its result by identity).
            cnode = self._shared.setdefault(cnode, cnode)
            if overlaps:
                masks.append(cnode)
            else:
                vetoes.append(cnode)
                vetoing.append(position)
        branches = self._branches(node)
        anchors = (
            None if branches is None else frozenset().union(*(a for sets in branches for a in sets))
        )
        return CompiledRule(
            rule.id,
            rule.category,
            rule.tags,
            node,
            tuple(masks),
            tuple(vetoes),
            anchors,
            branches or (),
            tuple(vetoing),
        )

    def _node(self, node: Node) -> CNode:
        if isinstance(node, Word):
            return ("w", self._atom(node))
        if isinstance(node, Phrase):
            return ("p", tuple(self._atom(w) for w in node.words), node.gap)
        if isinstance(node, Regex):
            return ("r", self._regex(node.pattern))
        if isinstance(node, Near):
            left, right = self._node(node.left), self._node(node.right)
            return ("n", left, right, node.distance, _need_of_all((left, right)))
        if isinstance(node, And):
            children = tuple(self._node(c) for c in node.children)
            return ("and", children, _need_of_all(children))
        children = tuple(self._node(c) for c in node.children)
        return ("or", children, _need_of_any(children))

    def _atom(self, word: Word) -> int:
        key = (word.kind, word.text)
        if key in self._atom_ids:
            return self._atom_ids[key]
        if len(self.out.atoms) >= MAX_ATOMS:
            raise PatternError(
                self._source, f"more than {MAX_ATOMS} distinct words; split the pack"
            )
        if word.kind == "lemma":
            exp = self._expansions.get(word.text) or expand(word.text)
            atom = Atom(
                len(self.out.atoms), "lemma", exp.lemma, word.source, exp.forms, exp.homographs
            )
        else:
            atom = Atom(
                len(self.out.atoms), word.kind, word.text, word.source, frozenset({word.text}), {}
            )
        self.out.atoms.append(atom)
        self._atom_ids[key] = atom.id
        return atom.id

    def _regex(self, pattern: str) -> int:
        if pattern not in self._regex_ids:
            self._regex_ids[pattern] = len(self.out.regexes)
            self.out.regexes.append(re2.compile(pattern, regex_options()))
        return self._regex_ids[pattern]

    def _overlaps(self, minus: set[int], positive: set[int]) -> bool:
        """Does an exclusion share a word with the rule? Then it masks; otherwise it vetoes.

        Prepositions and conjunctions do not count: «по делам обороны» shares nothing with
        «служба по призыву» that would make the one a mask of the other.
        """
        for m in minus:
            a = self.out.atoms[m]
            if a.forms <= FUNCTION_WORDS:
                continue
            for p in positive:
                b = self.out.atoms[p]
                if m == p or (a.forms & b.forms) - FUNCTION_WORDS:
                    return True
                if (b.kind == "prefix" and _covers(b, a.forms)) or (
                    a.kind == "prefix" and _covers(a, b.forms)
                ):
                    return True
        return False

    def _branches(self, node: CNode) -> tuple[tuple[frozenset[int], ...], ...] | None:
        """The two cheapest disjoint anchor sets of each top-level alternative; None if one has none."""
        alternatives = _alternatives(node)
        out: list[tuple[frozenset[int], ...]] = []
        for alternative in alternatives:
            sets = sorted(set(self._necessary(alternative)), key=self._cost)
            if not sets:
                return None
            second = next((b for b in sets[1:] if not b & sets[0]), None)
            out.append((sets[0],) if second is None else (sets[0], second))
        return tuple(out)

    def _necessary(self, node: CNode) -> list[frozenset[int]]:
        """Anchor sets of which a match needs at least one word each."""
        kind = node[0]
        if kind in ("w", "or"):
            single = self._anchors(node)
            return [] if single is None else [single]
        if kind == "r":
            return []
        if kind == "p":
            return [a for a in (self._anchors(("w", atom)) for atom in node[1]) if a is not None]
        children = list(node[1] if kind == "and" else node[1:3])
        return [a for child in children for a in self._necessary(child)]

    def _anchors(self, node: CNode) -> frozenset[int] | None:
        kind = node[0]
        if kind == "w":
            atom = self.out.atoms[node[1]]
            return frozenset({atom.id}) if min(map(len, atom.forms)) >= ANCHOR_MIN_LENGTH else None
        if kind == "r":
            return None
        if kind == "or":
            parts = [self._anchors(c) for c in node[1]]
            if any(p is None for p in parts):
                return None
            return frozenset().union(*(p for p in parts if p is not None))
        children = (
            [("w", a) for a in node[1]]
            if kind == "p"
            else list(node[1] if kind == "and" else node[1:3])
        )
        options = [a for a in (self._anchors(c) for c in children) if a is not None]
        # Any one child's anchors are necessary; take the set least likely to occur.
        return min(options, key=self._cost) if options else None

    def _cost(self, anchors: frozenset[int]) -> int:
        cost = 0
        for atom_id in anchors:
            atom = self.out.atoms[atom_id]
            shortest = min(map(len, atom.forms))
            cost += (
                100
                if atom.lemma in _COMMON
                else 3
                if atom.lemma.isdigit()
                else max(1, 12 - shortest)
            )
        return cost

    def _automata(self) -> None:
        # An anchor of a branch's first set wakes that (rule, branch); second sets only filter.
        anchor_rules: dict[int, set[tuple[int, int]]] = defaultdict(set)
        for index, rule in enumerate(self.out.rules):
            for branch, sets in enumerate(rule.branches):
                for atom_id in sets[0]:
                    anchor_rules[atom_id].add((index, branch))
                for atom_id in sets[1] if len(sets) > 1 else ():
                    anchor_rules.setdefault(atom_id, set())
        trigger: dict[str, list[tuple[int, bool, tuple[tuple[int, int], ...]]]] = defaultdict(list)
        full: dict[str, list[FormEntry]] = defaultdict(list)
        for atom in self.out.atoms:
            is_prefix = atom.kind == "prefix"
            for form in atom.forms:
                full[form].append((atom.id, is_prefix, atom.homographs.get(form)))
                if atom.id in anchor_rules:
                    trigger[form].append((atom.id, is_prefix, tuple(sorted(anchor_rules[atom.id]))))
        self.out.trigger = automaton(trigger)
        self.out.full = {form: tuple(entries) for form, entries in full.items()}


# Russian and Ukrainian prepositions, conjunctions and particles (normalized: ё→е, one
# apostrophe): glue inside phrases, never what makes an exclusion a mask.
FUNCTION_WORDS = frozenset(
    [
        "в",
        "во",
        "на",
        "с",
        "со",
        "к",
        "ко",
        "о",
        "об",
        "обо",
        "от",
        "ото",
        "до",
        "по",
        "за",
        "из",
        "изо",
        "у",
        "для",
        "при",
        "без",
        "над",
        "под",
        "перед",
        "через",
        "про",
        "и",
        "а",
        "но",
        "или",
        "либо",
        "не",
        "ни",
        "же",
        "ли",
        "бы",
        "то",
        "что",
        "как",
        "чем",
        "з",
        "із",
        "зі",
        "від",
        "під",
        "і",
        "й",
        "та",
        "або",
        "чи",
        "ні",
        "що",
        "як",
        "ніж",
        "щодо",
    ]
)


def _covers(prefix: Atom, forms: frozenset[str]) -> bool:
    return any(form.startswith(prefix.lemma) for form in forms)


def _alternatives(node: CNode) -> list[CNode]:
    if node[0] == "or":
        return [a for child in node[1] for a in _alternatives(child)]
    return [node]


def _atoms_of(node: CNode) -> set[int]:
    kind = node[0]
    if kind == "w":
        return {node[1]}
    if kind == "p":
        return set(node[1])
    if kind == "r":
        return set()
    if kind == "n":
        return _atoms_of(node[1]) | _atoms_of(node[2])
    return set().union(*(_atoms_of(c) for c in node[1]))


def need_of(node: CNode) -> frozenset[int] | None:
    """Atoms of which a match of the node needs one in the post; None: it may need none."""
    kind = node[0]
    if kind == "w":
        return frozenset({node[1]})
    if kind == "p":
        return frozenset({node[1][-1]})  # every word of a phrase is needed; its last is the rarer
    if kind == "r":
        return None
    if kind == "x":
        return need_of(node[1])
    return node[-1]  # type: ignore[no-any-return]


def _need_of_all(children: tuple[CNode, ...]) -> frozenset[int] | None:
    """Every child is needed: the smallest of their sets will do."""
    sets = [n for n in map(need_of, children) if n is not None]
    return min(sets, key=len) if sets else None


def _need_of_any(children: tuple[CNode, ...]) -> frozenset[int] | None:
    """One child is enough: all their sets together, unless one child needs nothing."""
    sets = [need_of(c) for c in children]
    if any(n is None for n in sets):
        return None
    return frozenset().union(*(n for n in sets if n is not None))


def automaton(table: Mapping[str, Any]) -> Any:
    """An Aho-Corasick automaton of the forms; each found form gives (its length, its entries)."""
    built = ahocorasick.Automaton()
    for key, entries in table.items():
        built.add_word(key, (len(key), tuple(entries)))
    if len(built):
        built.make_automaton()
    return built
