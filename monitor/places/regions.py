"""The oblasts of Ukraine: slugs, names, occupied status, and how a post names them (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from monitor.matching.normalize import TOKEN_RE

# Oblast-level status, as the issue defines it: the regions Russia occupies wholly or in large
# part (Crimea and Sevastopol since 2014; Donetsk and Luhansk partly since 2014; Zaporizhzhia and
# Kherson partly since 2022). It does not follow the front line settlement by settlement.
OCCUPIED = frozenset({"crimea", "sevastopol", "donetsk", "luhansk", "zaporizhzhia", "kherson"})


@dataclass(frozen=True, slots=True)
class Region:
    slug: str  # what `region:` takes
    uk: str
    ru: str
    geonames_code: str  # GeoNames admin1 code for UA
    stems: tuple[str, ...] = ()  # adjective stems (folded): "запорожск" -> Запорожская область

    @property
    def occupied(self) -> bool:
        return self.slug in OCCUPIED


REGIONS: tuple[Region, ...] = (
    Region("cherkasy", "Черкаська область", "Черкасская область", "01", ("черкаськ", "черкасск")),
    Region(
        "chernihiv",
        "Чернігівська область",
        "Черниговская область",
        "02",
        ("чернігівськ", "черниговск"),
    ),
    Region(
        "chernivtsi",
        "Чернівецька область",
        "Черновицкая область",
        "03",
        ("чернівецьк", "черновицк"),
    ),
    Region(
        "dnipropetrovsk",
        "Дніпропетровська область",
        "Днепропетровская область",
        "04",
        ("дніпропетровськ", "днепропетровск"),
    ),
    Region("donetsk", "Донецька область", "Донецкая область", "05", ("донецьк", "донецк")),
    Region(
        "ivano-frankivsk",
        "Івано-Франківська область",
        "Ивано-Франковская область",
        "06",
        ("франківськ", "франковск"),
    ),
    Region(
        "kharkiv", "Харківська область", "Харьковская область", "07", ("харківськ", "харьковск")
    ),
    Region("kherson", "Херсонська область", "Херсонская область", "08", ("херсонськ", "херсонск")),
    Region(
        "khmelnytskyi",
        "Хмельницька область",
        "Хмельницкая область",
        "09",
        ("хмельницьк", "хмельницк"),
    ),
    Region(
        "kirovohrad",
        "Кіровоградська область",
        "Кировоградская область",
        "10",
        ("кіровоградськ", "кировоградск"),
    ),
    Region("crimea", "Автономна Республіка Крим", "Республика Крым", "11", ("кримськ", "крымск")),
    Region("kyiv-city", "Київ", "Киев", "12"),
    Region("kyiv", "Київська область", "Киевская область", "13", ("київськ", "киевск")),
    Region("luhansk", "Луганська область", "Луганская область", "14", ("луганськ", "луганск")),
    Region("lviv", "Львівська область", "Львовская область", "15", ("львівськ", "львовск")),
    Region(
        "mykolaiv",
        "Миколаївська область",
        "Николаевская область",
        "16",
        ("миколаївськ", "николаевск"),
    ),
    Region("odesa", "Одеська область", "Одесская область", "17", ("одеськ", "одесск")),
    Region("poltava", "Полтавська область", "Полтавская область", "18", ("полтавськ", "полтавск")),
    Region("rivne", "Рівненська область", "Ровенская область", "19", ("рівненськ", "ровенск")),
    Region("sevastopol", "Севастополь", "Севастополь", "20"),
    Region("sumy", "Сумська область", "Сумская область", "21", ("сумськ", "сумск")),
    Region(
        "ternopil",
        "Тернопільська область",
        "Тернопольская область",
        "22",
        ("тернопільськ", "тернопольск"),
    ),
    Region(
        "zakarpattia",
        "Закарпатська область",
        "Закарпатская область",
        "25",
        ("закарпатськ", "закарпатск"),
    ),
    Region("vinnytsia", "Вінницька область", "Винницкая область", "23", ("вінницьк", "винницк")),
    Region("volyn", "Волинська область", "Волынская область", "24", ("волинськ", "волынск")),
    Region(
        "zaporizhzhia",
        "Запорізька область",
        "Запорожская область",
        "26",
        ("запорізьк", "запорожск"),
    ),
    Region(
        "zhytomyr", "Житомирська область", "Житомирская область", "27", ("житомирськ", "житомирск")
    ),
)

# Regional nouns and the occupation's own names: "на Херсонщині", "в ДНР", "в Крыму".
_NOUNS: dict[str, tuple[str, ...]] = {
    "crimea": ("крым", "крыма", "крыму", "крымом", "крим", "криму", "кримом", "ркрым", "арк"),
    "donetsk": ("донеччина", "донеччини", "донеччині", "донеччину", "днр"),
    "luhansk": ("луганщина", "луганщини", "луганщині", "луганщину", "лнр"),
    "zaporizhzhia": ("запоріжжя", "запоріжжі", "запорожье", "запорожья", "запорожье", "запорожьем"),
    "kherson": ("херсонщина", "херсонщини", "херсонщині", "херсонщину"),
    "kharkiv": ("харківщина", "харківщини", "харківщині", "харьковщина", "харьковщине"),
    "mykolaiv": ("миколаївщина", "миколаївщині", "николаевщина", "николаевщине"),
    "dnipropetrovsk": (
        "дніпропетровщина",
        "дніпропетровщині",
        "днепропетровщина",
        "днепропетровщине",
    ),
    "sumy": ("сумщина", "сумщині", "сумщине"),
    "poltava": ("полтавщина", "полтавщині", "полтавщине"),
    "kyiv": ("київщина", "київщині", "киевщина", "киевщине"),
}
# Stems come (Ukrainian, Russian); each takes its own language's endings, so that the city
# "Донецка" (genitive) is no "Донецкая" (область).
_ENDINGS = ("а|ої|у|ій|е|і|ого|ому|их|им|ий", "ая|ой|ую|ое|ого|ому|ом|ие|их|ий|ым|им")


def region(slug: str) -> Region:
    """The region with this slug; KeyError for an unknown one."""
    return _BY_SLUG[slug]


_BY_SLUG = {r.slug: r for r in REGIONS}
_BY_CODE = {r.geonames_code: r for r in REGIONS}


def by_geonames_code(code: str) -> Region | None:
    return _BY_CODE.get(code)


def region_slugs(value: str) -> frozenset[str]:
    """The regions a `region:` filter names: a slug, `occupied`, or a region's name.

    Raises ValueError naming the known values for anything else.
    """
    wanted = value.strip().lower()
    if wanted == "occupied":
        return OCCUPIED
    if wanted in _BY_SLUG:
        return frozenset({wanted})
    for r in REGIONS:
        names = {r.uk.lower(), r.ru.lower(), *(s for s in r.stems)}
        if wanted in names or any(wanted.startswith(s) for s in r.stems):
            return frozenset({r.slug})
    known = ", ".join(["occupied", *_BY_SLUG])
    raise ValueError(f"unknown region {value!r}: use one of {known}")


@cache
def _region_forms() -> dict[str, str]:
    """Every written form of a region (folded word) -> its slug: adjectives and nouns."""
    out: dict[str, str] = {}
    for r in REGIONS:
        for stem, endings in zip(r.stems, _ENDINGS, strict=False):
            out.update((stem + ending, r.slug) for ending in endings.split("|"))
    for slug, words in _NOUNS.items():
        out.update((word, slug) for word in words)
    return out


def regions_named(normalized: str) -> frozenset[str]:
    """Regions a normalized text names by oblast adjective or regional noun ("Херсонщина")."""
    forms = _region_forms()
    return frozenset(forms[w] for w in forms.keys() & set(TOKEN_RE.findall(normalized)))
