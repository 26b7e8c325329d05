"""Find the places a post names and resolve homonyms (pure, no I/O).

One pass over the post's tokens: each token is looked up among the first words of every form
of every name (a dict), and a longer name checks the words after it. A form that is also an
ordinary word (Счастье, Дружба, Орехов) counts only in context: capitalised where a sentence
does not begin, or right after a preposition or a settlement word (в, у, з, під, с., смт).

A name shared by several places is resolved by, in order: a region the post names (an oblast
adjective, "Херсонщина", "ДНР"), the channel's home region, a population ten times that of the
next candidate (five times within a named or home region), the region of another place the post
names; else it stays ambiguous (its region is still known when all candidates share one).
docs/places.md tells the rules and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.matching.normalize import TOKEN_RE, Normalized, normalize, tokens
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
# Streets, stations and buildings named after places: «Покровский бульвар», «Сумской проезд»,
# «станция Орехово», «Белый дом».
NOT_A_SETTLEMENT_AFTER |= frozenset(
    [
        "бульвар",
        "бульваре",
        "бульвара",
        "шоссе",
        "проезд",
        "проезде",
        "улица",
        "улице",
        "улицы",
        "улицу",
        "переулок",
        "переулке",
        "проспект",
        "проспекте",
        "набережная",
        "набережной",
        "площадь",
        "площади",
        "вулиця",
        "вулиці",
        "вулицю",
        "провулок",
        "проспекті",
        "узвіз",
        "дом",
        "дома",
        "доме",
        "домом",
        "дому",
    ]
)
NOT_A_SETTLEMENT_BEFORE = frozenset(
    [
        "станция",
        "станции",
        "станций",
        "станцию",
        "метро",
        "мцд",
        "ул",
        "улица",
        "улице",
        "вул",
        "вулиця",
        "вулиці",
        "проспект",
        "бульвар",
        "аэропорт",
        "аеропорт",
        "вокзал",
    ]
)
# A capital's name stands for its government more often than for the city («помощь Киеву»,
# «реакция Киева»): it counts only after a preposition or a settlement word («в Киеве»).
METONYMS = frozenset({703448})  # Kyiv (GeoNames)
_QUOTES = "«»\"„“”'"
LOCATIVE_WORDS = frozenset(
    ["в", "во", "із", "з", "зі", "из", "до", "під", "под", "біля", "около", "возле", "по", "через"]
)
TOWN = 10_000  # a name some town bears wins over a village's name of the same form
DOMINANT_IN_REGION = 5  # the same, among the candidates of a region the post names
DOMINANT = 10  # a candidate this many times bigger than the next is the one meant
DOMINANT_MIN = 10_000
MAX_CANDIDATES = 8  # an ambiguous mention keeps at most this many candidates

ONLY = "only"
REGION_NAMED = "region named"
HOME_REGION = "home region"
LARGEST = "largest"
AMBIGUOUS = "ambiguous"
NEARBY = "place nearby"  # the region of another place the post names


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
    places: tuple[Place, ...]


def find_mentions(
    gazetteer: Gazetteer, text: str, *, home_region: str | None = None
) -> list[Mention]:
    """Every place mention of `text`, in order, resolved as far as the post allows."""
    norm = normalize(text)
    if gazetteer.first.keys().isdisjoint(TOKEN_RE.findall(norm.text)):
        return []  # most posts name no place: one set operation at C speed tells
    toks = tokens(norm.text)
    raws = _scan(gazetteer, norm, toks)
    if not raws:
        return []
    named = regions_named(norm.text)
    nearby: set[str] = set()
    for raw in raws:
        regions = {p.region for p in raw.places}
        if len(regions) == 1:
            nearby |= regions
    out: list[Mention] = []
    for raw in raws:
        start, end = norm.original_span(toks[raw.first][0], toks[raw.last][1])
        kept, how = _resolve(raw.places, named, home_region, frozenset(nearby))
        place = kept[0] if how != AMBIGUOUS else None
        candidates = kept[:MAX_CANDIDATES]
        out.append(Mention(start, end, text[start:end], candidates, place, how))
    return out


def _scan(gazetteer: Gazetteer, norm: Normalized, toks: Sequence[tuple[int, int]]) -> list[_Raw]:
    s = norm.text
    any_capital = norm.source != norm.source.lower()
    out: list[_Raw] = []
    i = 0
    while i < len(toks):
        names = gazetteer.first.get(s[toks[i][0] : toks[i][1]])
        found = _match(norm, toks, i, names, any_capital) if names else None
        if found is None:
            i += 1
            continue
        out.append(found)
        i = found.last + 1
    return out


def _match(
    norm: Normalized,
    toks: Sequence[tuple[int, int]],
    i: int,
    names: Sequence[Name],
    any_capital: bool,
) -> _Raw | None:
    """The longest name starting at token i that the context allows; names of one length
    that share the form are one mention (Кропивницький the city, Кропивницьке the village)."""
    s = norm.text
    form = s[toks[i][0] : toks[i][1]]
    word = _word(norm, toks, i)
    if any_capital and not word[:1].isupper() and not _hashtag(norm, toks, i):
        return None  # posts capitalise place names; a lowercase one is an ordinary word
    prev = s[toks[i - 1][0] : toks[i - 1][1]] if i > 0 else ""
    if prev in NOT_A_SETTLEMENT_BEFORE or _quoted(norm, toks, i):
        return None
    best: list[Name] = []
    for name in names:
        if best and name.length < best[0].length:
            break
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
        best.append(name)
    if len(best) > 1 and any(_town(n) for n in best):
        best = [n for n in best if _town(n)]  # Покровську: the town Покровськ, not Покровське
    places = {p.id: p for n in best for p in n.places}
    if places.keys() & METONYMS and not _locative(prev, form):
        places = {k: v for k, v in places.items() if k not in METONYMS}
    if not places:
        return None
    ordered = tuple(sorted(places.values(), key=lambda p: -p.population))
    return _Raw(i, i + best[0].length - 1, ordered)


def _town(name: Name) -> bool:
    return any(p.population >= TOWN for p in name.places)


def _locative(prev: str, form: str) -> bool:
    """«в Киеве», «з Києва», «у Києві»; not «у Киева» (Kyiv has), «от Киева» (from its government)."""
    if prev == "у":
        return form.endswith("і")
    return prev in LOCATIVE_WORDS


def _word(norm: Normalized, toks: Sequence[tuple[int, int]], i: int) -> str:
    start, end = norm.original_span(*toks[i])
    return norm.source[start:end]


def _hashtag(norm: Normalized, toks: Sequence[tuple[int, int]], i: int) -> bool:
    start, _ = norm.original_span(*toks[i])
    return start > 0 and norm.source[start - 1] == "#"


def _quoted(norm: Normalized, toks: Sequence[tuple[int, int]], i: int) -> bool:
    """Inside quotes right around it: the name of a unit, a station, an operation («Днепр»)."""
    start, end = norm.original_span(*toks[i])
    src = norm.source
    return start > 0 and src[start - 1] in _QUOTES and end < len(src) and src[end] in _QUOTES


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
    if before and (before[-1].isalnum() or before[-1] in ",;)»"):
        return True  # capitalised inside a sentence
    # a dateline: «Счастье: в городе раздают повестки»
    end = toks[i][1]
    return norm.text[end : end + 1] == ":"


def _resolve(
    candidates: tuple[Place, ...],
    named: frozenset[str],
    home_region: str | None,
    nearby: frozenset[str] = frozenset(),
) -> tuple[tuple[Place, ...], str]:
    """The place meant (one candidate) or what it may still be, and how that was decided.

    `named`: regions the post names as regions; `nearby`: regions of its other places. The
    candidates left narrow to the named or home region, so that an ambiguous village still
    has a known region.
    """
    if len(candidates) == 1:
        return candidates, ONLY
    near = [p for p in candidates if p.region in named]
    if len(near) == 1:
        return (near[0],), REGION_NAMED
    home = [p for p in (near or candidates) if p.region == home_region]
    if len(home) == 1:
        return (home[0],), HOME_REGION
    pool = sorted(home or near or candidates, key=lambda p: -p.population)
    ratio = DOMINANT_IN_REGION if home or near else DOMINANT
    if pool[0].population >= DOMINANT_MIN and pool[0].population >= ratio * pool[1].population:
        return (pool[0],), LARGEST
    close = [p for p in pool if p.region in nearby]
    if len(close) == 1:
        return (close[0],), NEARBY
    return tuple(pool), AMBIGUOUS


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
