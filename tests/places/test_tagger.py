"""The place tagger on Russian and Ukrainian text: forms, renamed places, traps, homonyms."""

from __future__ import annotations

import pytest

from monitor.places.gazetteer import default_gazetteer
from monitor.places.inflect import name_forms
from monitor.places.regions import regions_named
from monitor.places.tagger import find_mentions, tag_post

MELITOPOL, ENERHODAR, BAKHMUT, NOVA_KAKHOVKA = 701404, 709276, 713174, 699839
TORETSK, MYRNOHRAD, POKROVSK, DNIPRO, KROPYVNYTSKYI = 709354, 710035, 704422, 709930, 705812
SHCHASTIA, KHRESTIVKA, CHASIV_YAR, KRYVYI_RIH = 694725, 705797, 710915, 703845


def places(text: str, home: str | None = None) -> list[int]:
    return [p.id for p in tag_post(default_gazetteer(), text, home_region=home).places]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("У Мелітополі окупанти влаштували облаву", [MELITOPOL]),
        ("Чоловіків вивозять з Мелітополя", [MELITOPOL]),
        ("В Мелитополе раздают повестки", [MELITOPOL]),
        ("Под Мелитополем учения", [MELITOPOL]),
        ("Melitopol: облави на вулицях", [MELITOPOL]),
        ("В Энергодаре раздают повестки", [ENERHODAR]),
        ("Мешканців Енергодара зобов'язали стати на облік", [ENERHODAR]),
        ("В Новой Каховке обстрел", [NOVA_KAKHOVKA]),
        ("У Новій Каховці обстріл", [NOVA_KAKHOVKA]),
        ("Колона вийшла з Нової Каховки", [NOVA_KAKHOVKA]),
        ("В Кривом Роге и в Часовом Яре", [KRYVYI_RIH, CHASIV_YAR]),
        ("У Кривому Розі тривога", [KRYVYI_RIH]),
        ("Жителям Щастя роздають повістки", [SHCHASTIA]),
    ],
)
def test_every_form_of_a_name_is_its_place(text: str, expected: list[int]) -> None:
    assert places(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("В Артемовске вручают повестки", BAKHMUT),
        ("В Дзержинске облава", TORETSK),
        ("В Димитрове проверяют документы", MYRNOHRAD),
        ("В Красноармейске закрыли выезд", POKROVSK),
        ("В Днепропетровске тревога", DNIPRO),
        ("У Кропивницькому тривога", KROPYVNYTSKYI),
        ("В Кировограде тревога", KROPYVNYTSKYI),
    ],
)
def test_old_names_are_the_renamed_place(text: str, expected: int) -> None:
    assert places(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Счастье — это когда тебя понимают.",
        "Щастя — це коли тебе розуміють.",
        "Мир и дружба между народами.",
        "Слава Україні! Героям слава!",
        "Орехов на рынке стало меньше.",
        "В Запорожской области закрыли въезд.",
        "В Донецкой народной республике объявили мобилизацию.",
        "Девушка отмечала день рождения в баре на Покровском бульваре.",
        "Движение остановлено от станции «Орехово» до «Красногвардейской».",
        "Добровольцы группировки «Днепр» ведут оборону.",
        "Медведев прокомментировал реакцию Киева на протесты.",
        "Наступление на купянском и боровском направлениях.",
        "Канцлер говорил с хозяином Белого дома.",
    ],
)
def test_ordinary_words_streets_and_metonyms_are_no_place(text: str) -> None:
    assert places(text) == []


def test_a_common_word_is_a_place_after_a_preposition() -> None:
    assert places("В Счастье обстрел, в Щасті немає світла") == [SHCHASTIA]


def test_a_homonym_is_resolved_by_the_region_the_post_names() -> None:
    (mention,) = find_mentions(default_gazetteer(), "В Кировском Донецкой области облава")
    assert mention.place is not None
    assert mention.place.id == KHRESTIVKA
    assert mention.how in ("region named", "largest")


def test_a_homonym_without_context_stays_ambiguous_then_the_home_region_decides() -> None:
    g = default_gazetteer()
    text = "В Васильевке раздают повестки"  # Василівка: a town in Zaporizhzhia, a village in Crimea
    (alone,) = find_mentions(g, text)
    assert (alone.place, alone.how, alone.region) == (None, "ambiguous", None)
    assert {p.region for p in alone.candidates} == {"zaporizhzhia", "crimea"}
    for home in ("zaporizhzhia", "crimea"):
        (resolved,) = find_mentions(g, text, home_region=home)
        assert resolved.place is not None
        assert (resolved.place.region, resolved.how) == (home, "home region")


def test_an_ambiguous_village_of_the_home_region_keeps_its_region() -> None:
    (mention,) = find_mentions(
        default_gazetteer(), "В Новоселовке раздают повестки", home_region="crimea"
    )
    assert mention.place is None
    assert mention.region == "crimea"
    assert len(mention.candidates) == 2


def test_mentions_point_at_the_original_text() -> None:
    text = "Облава: у Мелiтополi (латинська i) та в Енергодарі"
    found = find_mentions(default_gazetteer(), text)
    assert [m.text for m in found] == ["Мелiтополi", "Енергодарі"]
    assert [text[m.start : m.end] for m in found] == ["Мелiтополi", "Енергодарі"]


def test_regions_named_by_adjective_and_noun_not_by_a_city_form() -> None:
    assert regions_named("в запорожской области и на херсонщині, у донецькій") == {
        "zaporizhzhia",
        "kherson",
        "donetsk",
    }
    assert regions_named("из донецка") == set()


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("мелітополь", {"мелітополі", "мелітополя", "мелітополем"}),
        ("каховка", {"каховці", "каховке", "каховку", "каховкой"}),
        ("нова каховка", {"новій", "нової", "новой", "каховці"}),
        ("часів яр", {"часовому", "часового", "яру"}),
    ],
)
def test_rules_inflect_names_the_dictionaries_lack(name: str, forms: set[str]) -> None:
    assert forms <= set().union(*name_forms(name.split()))
