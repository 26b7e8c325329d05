"""A compiled matcher as plain JSON data and back, for the compile cache (no I/O).

Parsing the packs and compiling them takes about 0.3 s even with every form cached; a
snapshot holds the result (rules, compiled expressions, the automata's tables) so that a
one-off `match` builds its matcher in a few hundredths of a second. It holds only strings,
numbers, booleans, lists and objects: reading one can run nothing. `load` raises ValueError,
TypeError, KeyError or IndexError on data it cannot use, and the caller compiles instead.
"""

from __future__ import annotations

from typing import Any

import re2

from monitor.matching.compiler import Atom, CNode, Compiled, CompiledRule, FormEntry, automaton
from monitor.matching.matcher import Matcher, RuleInfo
from monitor.matching.packs import regex_options

FORMAT = 1


def dump(matcher: Matcher) -> dict[str, Any]:
    """The matcher as JSON-ready data."""
    c = matcher.compiled
    return {
        "format": FORMAT,
        "rules": [[r.id, r.category, r.description, r.pack] for r in matcher.rules],
        "categories": matcher.category_descriptions,
        "atoms": [[a.kind, a.lemma, a.source] for a in c.atoms],
        "regexes": [r.pattern for r in c.regexes],
        "compiled": [_rule_data(r) for r in c.rules],
        "tags": [_rule_data(r) for r in c.tags],
        "always": list(c.always),
        "trigger": {
            k: [[a, p, [list(b) for b in bs]] for a, p, bs in v[1]] for k, v in c.trigger.items()
        },
        "full": {k: [list(e) for e in v] for k, v in c.full.items()},
    }


def load(data: Any) -> Matcher:
    """The matcher `dump` described; raises on anything malformed."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a matcher snapshot of this format")
    full: dict[str, tuple[FormEntry, ...]] = {}
    forms: dict[int, set[str]] = {}
    homographs: dict[int, dict[str, str]] = {}
    for form, entries in _dict(data["full"]).items():
        row = tuple((atom_id, is_prefix, gate) for atom_id, is_prefix, gate in entries)
        for atom_id, _, gate in row:
            forms.setdefault(atom_id, set()).add(form)
            if gate is not None:
                homographs.setdefault(atom_id, {})[form] = gate
        full[form] = row
    trigger = {
        form: [(a, p, tuple((i, b) for i, b in bs)) for a, p, bs in entries]
        for form, entries in _dict(data["trigger"]).items()
    }
    # Checked once per distinct value rather than per entry: a snapshot has 40,000 entries.
    if not all(type(a) is int for a in forms) or not all(type(f) is str for f in (*full, *trigger)):
        raise TypeError("a form or an atom id of the tables is malformed")
    pairs = {pair for entries in trigger.values() for _, _, pairs in entries for pair in pairs}
    atoms = [
        Atom(
            i,
            str(kind),
            str(lemma),
            str(source),
            frozenset(forms.get(i, ())),
            homographs.get(i, {}),
        )
        for i, (kind, lemma, source) in enumerate(data["atoms"])
    ]
    shared: dict[CNode, CNode] = {}  # one object per distinct exclusion, as the compiler keeps them
    compiled = Compiled(
        atoms=atoms,
        regexes=[re2.compile(str(p), regex_options()) for p in data["regexes"]],
        rules=[_rule_of(r, shared) for r in data["compiled"]],
        tags=[_rule_of(r, shared) for r in data["tags"]],
        trigger=automaton(trigger),
        full=full,
        always=tuple(_int(i) for i in data["always"]),
    )
    _check_indices(compiled, set(forms), pairs)
    infos = [RuleInfo(str(i), str(c), str(d), str(p)) for i, c, d, p in data["rules"]]
    categories = {str(k): str(v) for k, v in _dict(data["categories"]).items()}
    return Matcher(compiled, infos, categories)


def _rule_data(rule: CompiledRule) -> list[Any]:
    return [
        rule.id,
        rule.category,
        list(rule.tags),
        _encode(rule.node),
        [_encode(m) for m in rule.masks],
        [_encode(v) for v in rule.vetoes],
        None if rule.anchors is None else sorted(rule.anchors),
        [[sorted(s) for s in sets] for sets in rule.branches],
        list(rule.vetoing),
    ]


def _rule_of(data: Any, shared: dict[CNode, CNode]) -> CompiledRule:
    rule_id, category, tags, node, masks, vetoes, anchors, branches, vetoing = data
    return CompiledRule(
        str(rule_id),
        str(category),
        tuple(str(t) for t in tags),
        _decode(node),
        tuple(shared.setdefault(n, n) for n in map(_decode, masks)),
        tuple(shared.setdefault(n, n) for n in map(_decode, vetoes)),
        None if anchors is None else frozenset(_int(a) for a in anchors),
        tuple(tuple(frozenset(_int(a) for a in s) for s in sets) for sets in branches),
        tuple(_int(v) for v in vetoing),
    )


def _encode(value: Any) -> Any:
    """A compiled node as JSON: tuples become lists, sets {"set": [...]}."""
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, frozenset):
        return {"set": sorted(value)}
    return value


def _decode(value: Any) -> Any:
    """A compiled node (or a part of one) from its JSON form."""
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if isinstance(value, dict):
        return frozenset(_int(v) for v in value["set"])
    if value is None or isinstance(value, int | str):
        return value
    raise TypeError(f"unexpected {type(value).__name__} in a compiled expression")


def _check_indices(compiled: Compiled, table_atoms: set[int], pairs: set[tuple[int, int]]) -> None:
    """Every atom, regex and rule a snapshot names exists: a bad file fails here, not mid-match."""
    atoms, regexes = len(compiled.atoms), len(compiled.regexes)
    if not all(0 <= a < atoms for a in table_atoms):
        raise IndexError("an atom of the tables is missing")
    rules = compiled.rules
    for index, branch in pairs:
        if not (0 <= index < len(rules) and 0 <= branch < len(rules[index].branches)):
            raise IndexError(f"rule {index} alternative {branch} is missing")
    for compiled_rule in (*compiled.rules, *compiled.tags):
        for node in (compiled_rule.node, *compiled_rule.masks, *compiled_rule.vetoes):
            _check_node(node, atoms, regexes)
    if not all(0 <= i < len(compiled.rules) for i in compiled.always):
        raise IndexError("a rule evaluated on every post is missing")


def _check_node(node: CNode, atoms: int, regexes: int) -> None:
    kind = node[0]
    ids: tuple[int, ...] = ()
    if kind == "w":
        ids = (node[1],)
    elif kind == "p":
        ids = tuple(node[1])
    elif kind == "r":
        if not 0 <= node[1] < regexes:
            raise IndexError(f"regex {node[1]}")
        return
    elif kind == "n":
        _check_node(node[1], atoms, regexes)
        _check_node(node[2], atoms, regexes)
    elif kind in ("and", "or"):
        for child in node[1]:
            _check_node(child, atoms, regexes)
    elif kind == "x":
        for child in (node[1], *node[2]):
            _check_node(child, atoms, regexes)
    else:
        raise ValueError(f"unknown node {kind!r}")
    if not all(isinstance(i, int) and 0 <= i < atoms for i in ids):
        raise IndexError(f"atom of {node!r}")


def _dict(value: Any) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected a number, got {value!r}")
    return value
