"""Places as an analyst reads them: one line per mention, and an alert's place line (pure)."""

from __future__ import annotations

from monitor.markup import escape
from monitor.places.gazetteer import default_gazetteer
from monitor.places.regions import region
from monitor.places.tagger import AMBIGUOUS, Mention, tag_post

SHOWN = 3  # places on an alert's line


def region_label(slug: str) -> str:
    r = region(slug)
    return r.uk + (" (occupied)" if r.occupied else "")


def mention_line(m: Mention) -> str:
    """«Мелітополь / Мелитополь (Запорізька область)», or the candidates of an ambiguous name."""
    if m.place is not None:
        how = "" if m.how == "only" else f" [{m.how}]"
        return m.place.label() + how
    where = f", all in {region(m.region).uk}" if m.region else ""
    names = "; ".join(p.label() for p in m.candidates)
    return f"{AMBIGUOUS} ({len(m.candidates)} places{where}): {names}"


def places_html(text: str) -> str | None:
    """The alert's place line: «📍 Мелітополь · Запорізька область (occupied)»; None if none."""
    tagged = tag_post(default_gazetteer(), text)
    if not tagged.mentions:
        return None
    names = [p.uk if p.uk == p.ru else f"{p.uk} / {p.ru}" for p in tagged.places[:SHOWN]]
    regions = [region_label(r) for r in tagged.regions[:SHOWN]]
    parts = [", ".join(names)] if names else []
    parts += [", ".join(regions)] if regions else []
    if not parts:
        return None
    return "📍 " + escape(" · ".join(parts))
