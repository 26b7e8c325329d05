"""The digest's breakdown by region and settlement: posts per place this week and the week before (pure).

Each post is tagged once from its text (monitor/places); a post naming three towns of one
region counts once for the region and once for each town. Ambiguous names count for their
region only when every candidate lies in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol

from monitor.places.gazetteer import default_gazetteer
from monitor.places.render import region_label
from monitor.places.tagger import tag_post

TOP_PLACES = 10


class _Record(Protocol):
    @property
    def post_id(self) -> int: ...
    @property
    def text(self) -> str: ...


def _counts(records: Iterable[_Record]) -> tuple[Counter[str], Counter[str]]:
    texts = {r.post_id: r.text for r in records}
    regions: Counter[str] = Counter()
    places: Counter[str] = Counter()
    g = default_gazetteer() if texts else None
    for text in texts.values():
        assert g is not None
        tagged = tag_post(g, text)
        regions.update(region_label(r) for r in tagged.regions)
        places.update(p.uk if p.uk == p.ru else f"{p.uk} / {p.ru}" for p in tagged.places)
    return regions, places


def place_breakdown(
    this: Sequence[_Record], before: Sequence[_Record]
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """(name, this week, week before) by region, and by settlement (the top ones this week)."""
    now_regions, now_places = _counts(this)
    then_regions, then_places = _counts(before)

    def rows(now: Counter[str], then: Counter[str], top: int | None) -> list[tuple[str, int, int]]:
        names = sorted(set(now) | set(then), key=lambda n: (-now[n], -then[n], n))
        kept = [n for n in names if now[n]][:top] if top else names
        return [(n, now[n], then[n]) for n in kept]

    return rows(now_regions, then_regions, None), rows(now_places, then_places, TOP_PLACES)
