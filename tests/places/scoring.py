"""Score the place tagger on the labelled set in tests/data/places (run: python -m tests.places.scoring -v).

A post's gold places are (Ukrainian name, region) pairs a reader marked; each becomes the
gazetteer's place of that name in that region (the biggest, for a name a region repeats), or
stays a gap when the gazetteer lacks it (a miss). The tagger's resolved places are compared
with them: precision and recall over (post, place) pairs. An ambiguous mention is neither
right nor wrong: it is counted apart, and is a miss for recall.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from monitor.places.gazetteer import Gazetteer, default_gazetteer
from monitor.places.tagger import find_mentions

DATA = Path(__file__).resolve().parent.parent / "data" / "places"
FILES = ("real_posts.jsonl", "written_posts.jsonl")  # the set the tagger was tuned on
HELD_OUT = ("heldout_posts.jsonl",)  # written after tuning, scored once, never tuned on


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    ambiguous: int = 0
    posts: int = 0
    gaps: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def records(files: tuple[str, ...] = FILES) -> list[dict[str, object]]:
    out = []
    for name in files:
        with (DATA / name).open(encoding="utf-8") as fh:
            out += [json.loads(line) for line in fh if line.strip()]
    return out


def gold_id(g: Gazetteer, name: str, region: str) -> int | None:
    found = [p for p in g.lookup(name) if p.region == region]
    return max(found, key=lambda p: p.population).id if found else None


def score(items: list[dict[str, object]], g: Gazetteer | None = None) -> Score:
    g = g or default_gazetteer()
    s = Score()
    for rec in items:
        s.posts += 1
        gold: set[int] = set()
        for name, region in rec["places"]:  # type: ignore[attr-defined]
            pid = gold_id(g, name, region)
            if pid is None:
                s.gaps.add(f"{name} ({region})")
                s.fn += 1
            else:
                gold.add(pid)
        mentions = find_mentions(g, str(rec["text"]))
        found = {m.place.id for m in mentions if m.place is not None}
        maybe = {p.id for m in mentions if m.place is None for p in m.candidates}
        s.ambiguous += sum(1 for m in mentions if m.place is None)
        s.tp += len(found & gold)
        s.fp += len(found - gold)
        s.fn += len(gold - found)
        for pid in found - gold:
            s.errors.append(f"FP {rec['id']}: {g.by_id[pid].label()} in {rec['text']!r:.100}")
        for pid in gold - found:
            why = "ambiguous" if pid in maybe else "missed"
            s.errors.append(
                f"FN {rec['id']} ({why}): {g.by_id[pid].label()} in {rec['text']!r:.100}"
            )
    return s


def main(argv: list[str]) -> int:
    items = records()
    for label, subset in (
        ("all", items),
        ("real", [r for r in items if str(r["id"]).startswith("real")]),
        ("written", [r for r in items if str(r["id"]).startswith("written")]),
        ("ru", [r for r in items if r["lang"] == "ru"]),
        ("uk", [r for r in items if r["lang"] == "uk"]),
    ):
        s = score(subset)
        print(
            f"{label:8} posts={s.posts:4} precision={s.precision:.3f} recall={s.recall:.3f} "
            f"tp={s.tp} fp={s.fp} fn={s.fn} ambiguous mentions={s.ambiguous}"
        )
        if label == "all":
            errors, gaps = s.errors, s.gaps
    s = score(records(HELD_OUT))
    print(
        f"held-out posts={s.posts:4} precision={s.precision:.3f} recall={s.recall:.3f} "
        f"tp={s.tp} fp={s.fp} fn={s.fn} ambiguous mentions={s.ambiguous}"
    )
    errors += s.errors
    if "-v" in argv:
        print("gazetteer gaps:", ", ".join(sorted(gaps)) or "none")
        print("\n".join(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
