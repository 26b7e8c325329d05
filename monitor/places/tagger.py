"""Find the places a post names and resolve homonyms (pure, no I/O).

One pass over the post's tokens: each token is looked up among the first words of every form
of every name (a dict), and a longer name checks the words after it. A form that is also an
ordinary word (Счастье, Дружба, Орехов) counts only in context: capitalised where a sentence
does not begin, or right after a preposition or a settlement word (в, у, з, під, с., смт).

A name shared by several places is resolved by, in order: a region the post names (an oblast,
"Херсонщина", or another place of that region), the channel's home region, a population ten
times that of the next candidate; else it stays ambiguous (its region is still known when all
candidates share one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.matching.normalize import Normalized, normalize, tokens
from monitor.places.gazetteer import Gazetteer, Name, Place
from monitor.places.regions import regions_named

# Words after which a capitalised ordinary word is a place: prepositions and settlement words.
CONTEXT_WORDS = frozenset(
    [
        "в",
        "во",
        "у",
        "з",
        "із",
        "зі",
        "под",
        "під",
        "біля",
        "около",
        "возле",
        "поблизу",
        "неподалік",
        "до",
        "из",
        "от",
        "від",
        "через",
        "под",
        "с",
        "село",
        "села",
        "селе",
        "селі",
        "селу",
        "смт",
        "пгт",
        "м",
        "г",
        "місто",
        "міста",
        "місті",
        "город",
        "города",
        "городе",
        "поселок",
        "посёлок",
        "поселке",
        "селище",
        "селища",
        "селищі",
        "н.п",
        "нп",
    ]
)
# Words after which a place-like adjective names an oblast, district or body, not a settlement:
# "Донецкой области", "Запорізька ОВА", "Донецкая народная республика".
NOT_A_SETTLEMENT_AFTER = frozenset(
    [
        "область",
        "области",
        "областью",
        "областей",
        "обл",
        "області",
        "областю",
        "район",
        "района",
        "районе",
        "районі",
        "районом",
        "р-н",
        "р",
        "рн",
        "республика",
        "республики",
        "республике",
        "республіка",
        "республіки",
        "республіці",
        "народная",
        "народной",
        "народна",
        "народної",
        "ова",
        "ога",
        "вга",
        "громада",
        "громади",
        "громаді",
        "водохранилище",
        "водосховище",
        "направление",
        "направлении",
        "напрямок",
        "напрямку",
        "епархия",
        "єпархія",
    ]
)
DOMINANT = 10  # a candidate this many times bigger than the next is the one meant
DOMINANT_MIN = 10_000
MAX_CANDIDATES = 8  # an ambiguous mention keeps at most this many candidates

ONLY = "only"
REGION_NAMED = "region named"
HOME_REGION = "home region"
LARGEST = "largest"
AMBIGUOUS = "ambiguous"


@dataclass(frozen=True, slots=True)
class Mention:
    """A place name in a post: where (original offsets), what it may mean, what it means."""

    start: int
    end: int
    text: str
    candidates: tuple[Place, ...]
    place: Place | None
    how: str  # ONLY, REGION_NAMED, HOME_REGION, LARGEST or AMBIGUOUS

    @property
    def region(self) -> str | None:
        """The region, known when resolved or when every candidate lies in one."""
        if self.place is not None:
            return self.place.region
        regions = {p.region for p in self.candidates}
        return regions.pop() if len(regions) == 1 else None


@dataclass(frozen=True, slots=True)
class _Raw:
    first: int
    last: int
    name: Name


def find_mentions(
    gazetteer: Gazetteer, text: str, *, home_region: str | None = None
) -> list[Mention]:
    """Every place mention of `text`, in order, resolved as far as the post allows."""
    norm = normalize(text)
    toks = tokens(norm.text)
    raws = _scan(gazetteer, norm, toks)
    if not raws:
        return []
    named = set(regions_named(norm.text))
    for raw in raws:
        regions = {p.region for p in raw.name.places}
        if len(regions) == 1:
            named |= regions
    out: list[Mention] = []
    for raw in raws:
        start, end = norm.original_span(toks[raw.first][0], toks[raw.last][1])
        place, how = _resolve(raw.name.places, frozenset(named), home_region)
        candidates = raw.name.places[:MAX_CANDIDATES] if place is None else (place,)
        out.append(Mention(start, end, text[start:end], candidates, place, how))
    return out


def _scan(gazetteer: Gazetteer, norm: Normalized, toks: Sequence[tuple[int, int]]) -> list[_Raw]:
    s = norm.text
    out: list[_Raw] = []
    i = 0
    while i < len(toks):
        form = s[toks[i][0] : toks[i][1]]
        found = None
        for name in gazetteer.first.get(form, ()):
            last = i + name.length - 1
            if last >= len(toks) or not all(
                s[toks[i + k][0] : toks[i + k][1]] in forms for k, forms in enumerate(name.rest, 1)
            ):
                continue
            if name.is_common(form) and not _in_context(norm, toks, i):
                continue
            after = s[toks[last + 1][0] : toks[last + 1][1]] if last + 1 < len(toks) else ""
            if after in NOT_A_SETTLEMENT_AFTER:
                continue
            found = _Raw(i, last, name)
            break
        if found is None:
            i += 1
            continue
        out.append(found)
        i = found.last + 1
    return out


def _in_context(norm: Normalized, toks: Sequence[tuple[int, int]], i: int) -> bool:
    """A capitalised word after a place preposition, or capitalised inside a sentence."""
    start, _ = norm.original_span(*toks[i])
    if not norm.source[start : start + 1].isupper():
        return False
    if i > 0:
        prev = norm.text[toks[i - 1][0] : toks[i - 1][1]]
        if prev in CONTEXT_WORDS:
            return True
    before = norm.text[: toks[i][0]].rstrip(" \t\"«'(")
    return bool(before) and before[-1] not in ".!?\n:—-•"


def _resolve(
    candidates: tuple[Place, ...], named: frozenset[str], home_region: str | None
) -> tuple[Place | None, str]:
    if len(candidates) == 1:
        return candidates[0], ONLY
    near = [p for p in candidates if p.region in named]
    if len(near) == 1:
        return near[0], REGION_NAMED
    home = [p for p in (near or candidates) if p.region == home_region]
    if len(home) == 1:
        return home[0], HOME_REGION
    pool = sorted(near or candidates, key=lambda p: -p.population)
    if len(pool) == 1:
        return pool[0], REGION_NAMED
    if pool[0].population >= DOMINANT_MIN and pool[0].population >= DOMINANT * pool[1].population:
        return pool[0], LARGEST
    return None, AMBIGUOUS


@dataclass(frozen=True, slots=True)
class PostPlaces:
    """What a post says about places: its mentions, resolved places and regions."""

    mentions: tuple[Mention, ...]

    @property
    def places(self) -> tuple[Place, ...]:
        return tuple({m.place.id: m.place for m in self.mentions if m.place is not None}.values())

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for m in self.mentions if (r := m.region) is not None))


def tag_post(gazetteer: Gazetteer, text: str, *, home_region: str | None = None) -> PostPlaces:
    return PostPlaces(tuple(find_mentions(gazetteer, text, home_region=home_region)))
