"""Generative robustness of the packs on the development set: re-inflected and re-ordered posts.

For every positive of tests/data, each rule that fires is tried on variants of the post in
which one of the words it matched is re-inflected (monitor/matching/variants.py) or the
matched clause's phrases are re-ordered: the same rule must fire again. For every negative,
variants that re-inflect a word the packs know (or could know in another form) must stay
quiet. Sampled with a fixed seed per post, so two runs give the same numbers.

    .venv/bin/python -m tests.matching.robustness        # per-rule table
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from monitor.matching import Matcher, compile_matcher, load_default_packs
from monitor.matching.variants import WORD_RE, Variant, forms, inflections, reordered

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = ("devset_posts.jsonl", "devset_own.jsonl")
PER_RULE = 8  # re-inflections tried per (positive post, rule), plus one re-ordering
PER_NEGATIVE = 8  # re-inflections tried per negative post


@dataclass
class Tally:
    """Held / tried per rule, positives and negatives apart, and the failures to read."""

    held: Counter[str] = field(default_factory=Counter)
    tried: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[tuple[str, bool]] = field(default_factory=Counter)
    false_alarms: Counter[str] = field(default_factory=Counter)
    negatives_tried: int = 0
    failures: list[str] = field(default_factory=list)

    def share(self) -> float:
        tried = sum(self.tried.values())
        return sum(self.held.values()) / tried if tried else 1.0

    def quiet_share(self) -> float:
        if not self.negatives_tried:
            return 1.0
        return 1 - sum(self.false_alarms.values()) / self.negatives_tried


def load() -> list[dict[str, object]]:
    return [
        json.loads(line) for name in FILES for line in (DATA / name).read_text("utf-8").splitlines()
    ]


def _sample(variants: list[Variant], k: int, rng: random.Random) -> list[Variant]:
    """Aspect partners first (the change the packs are most likely to miss), then the rest."""
    aspect = [v for v in variants if v.kind == "aspect"]
    other = [v for v in variants if v.kind != "aspect"]
    rng.shuffle(aspect)
    rng.shuffle(other)
    picked = aspect[: k // 2]
    return picked + other[: k - len(picked)]


def run(
    matcher: Matcher,
    records: list[dict[str, object]],
    per_rule: int = PER_RULE,
    per_negative: int = PER_NEGATIVE,
) -> Tally:
    tally = Tally()
    words, prefixes = matcher.vocabulary()

    def known(word: str) -> bool:
        w = word.lower().replace("ё", "е")
        return w in words or any(w.startswith(p) for p in prefixes if w[:1] == p[:1])

    for record in records:
        text, lang, rid = str(record["text"]), str(record["lang"]), str(record["id"])
        rng = random.Random(rid)
        hits = matcher.find_hits(text)
        if record["label"]:
            for hit in hits:
                spans = [(s.start, s.end) for s in hit.spans]
                variants = _sample(inflections(text, lang, spans), per_rule, rng)
                moved = reordered(text, lang, spans[:1])
                variants += [moved] if moved is not None else []
                for variant in variants:
                    fired = {h.rule_id for h in matcher.find_hits(variant.text)}
                    ok = hit.rule_id in fired
                    tally.tried[hit.rule_id] += 1
                    tally.held[hit.rule_id] += ok
                    tally.by_kind[(variant.kind, ok)] += 1
                    if not ok:
                        tally.failures.append(f"{hit.rule_id} lost on {rid}: {variant.change}")
        elif not hits:
            spans = [
                m.span()
                for m in WORD_RE.finditer(text)
                if known(m.group()) or any(known(f.word) for f in forms(m.group().lower(), lang))
            ]
            if not spans:
                continue
            variants = _sample(inflections(text, lang, spans), per_negative, rng)
            for variant in variants:
                tally.negatives_tried += 1
                for h in matcher.find_hits(variant.text):
                    tally.false_alarms[h.rule_id] += 1
                    tally.failures.append(f"{h.rule_id} fired on {rid}: {variant.change}")
    return tally


def report(tally: Tally) -> str:
    lines = [
        f"positives: {sum(tally.held.values())}/{sum(tally.tried.values())} variants keep their "
        f"rule ({tally.share():.3f}); negatives: {tally.negatives_tried} variants, "
        f"{sum(tally.false_alarms.values())} fire ({tally.quiet_share():.3f} stay quiet)",
        "by kind: "
        + ", ".join(
            f"{kind} {tally.by_kind[(kind, True)]}/{tally.by_kind[(kind, True)] + tally.by_kind[(kind, False)]}"
            for kind in ("inflect", "aspect", "order")
        ),
    ]
    for rule in sorted(tally.tried, key=lambda r: tally.held[r] / tally.tried[r]):
        lines.append(
            f"  {rule:40} {tally.held[rule]:4}/{tally.tried[rule]:<4} "
            f"{tally.held[rule] / tally.tried[rule]:.3f}  false alarms {tally.false_alarms[rule]}"
        )
    for rule in sorted(set(tally.false_alarms) - set(tally.tried)):
        lines.append(f"  {rule:40}    -/-     -      false alarms {tally.false_alarms[rule]}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    import time

    started = time.process_time()
    result = run(compile_matcher(load_default_packs()), load())
    print(report(result))
    print(f"cpu {time.process_time() - started:.1f} s")
    if "-v" in sys.argv:
        print("\n".join(result.failures))
