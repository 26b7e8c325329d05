"""The default packs on real Russian and Ukrainian text: inflections, false friends, spans, explanations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.matching import Matcher, compile_expression, explain
from tests.matching.test_normalize import obfuscated

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset_own.jsonl"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Сыну пришла повестка из военкомата", "summons"),
        ("Повестку вручили прямо на проходной", "summons"),
        ("Им раздали повесток больше сотни", "summons"),
        ("ТЦК вручали повістки біля метро", "summons"),
        ("Отримав повістку через Резерв+", "summons"),
        ("Военкоматы Крыма рассылают письма", "enlistment"),
        ("Не вставших на воинский учёт лишили гражданства", "enlistment"),
        ("Військовозобов'язані мають оновити дані", "enlistment"),
        ("ТЦК устроили облаву на украинцев после концерта", "roundup"),
        ("Бусифікація в Одесі: нове відео", "roundup"),
        ("Весенний призыв в Крыму начнётся 1 апреля", "conscription"),
        ("Розпочався весняний призов до армії", "conscription"),
        ("Срочников отправляют в Курскую область", "conscription"),
        ("Частичная мобилизация в Крыму: кого заберут", "mobilization"),
        ("Мобілізованих відправляють на фронт", "mobilization"),
        ("Срочникам предлагают подписать контракт прямо в части", "contract"),
        ("Уклонение от призыва грозит двумя годами колонии", "evasion"),
        ("Ухилянтам заблокують рахунки", "evasion"),
        ("IT-отсрочка: кто сохранит бронь от мобилизации", "deferment"),
        ("Як отримати відстрочку від мобілізації студенту", "deferment"),
    ],
)
def test_draft_notices_match_in_their_category(matcher: Matcher, text: str, category: str) -> None:
    assert category in {h.category for h in matcher.find_hits(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Вопрос стоит на повестке дня уже давно",
        "Грузия отказывается ставить в повестку дня вопрос о ЕС",
        "Зелёная повестка ЕС провалилась",
        "Свидетеля вызвали повесткой в суд",
        "Папа Римский выступил с призывом к миру",
        "Власти призывают горожан не выходить из дома",
        "Розыгрыш призов для подписчиков!",
        "Облава на клуб «Мутабор»: задержаны 50 человек",
        "Свобода слова — это свой выбор каждого",
        "Уклонение от уплаты налогов: новое дело",
        "Бронь отеля подтвердили за сутки",
        "Срочно! Курс доллара вырос",
        "Мобилизовать все силы на борьбу с пожаром",
        "Футболист подписал контракт с «Зенитом»",
        "Повествование ведётся от первого лица",
        "Питання стоїть на повістці дня",
        "Призові місця на олімпіаді з математики",
        "Бронювання готелю в Карпатах подорожчало",
    ],
)
def test_false_friends_do_not_match(matcher: Matcher, text: str) -> None:
    assert matcher.find_hits(text) == []


def test_a_masked_phrase_spares_other_occurrences(matcher: Matcher) -> None:
    text = "На повестке дня совещания — как раздавать повестки в военкомат"
    hits = {h.rule_id: h for h in matcher.find_hits(text)}
    assert [s.surface for s in hits["ru.summons.povestka"].spans] == ["повестки"]


def test_prizov_is_conscription_only_in_ukrainian_script(matcher: Matcher) -> None:
    assert matcher.find_hits("Розыгрыш призов для подписчиков") == []
    hits = matcher.find_hits("У Криму окупанти оголосили весняний призов")
    assert [h.category for h in hits] == ["conscription"]


def test_region_tags_are_attached_not_required(matcher: Matcher) -> None:
    hits = matcher.find_hits("В Севастополе вручают повестки прямо на улице")
    assert {h.category for h in hits} == {"summons", "roundup"}
    assert {h.tags for h in hits} == {("region.crimea",)}
    hits = matcher.find_hits("В Казани вручают повестки прямо на улице")
    assert {h.category for h in hits} == {"summons", "roundup"}
    assert {h.tags for h in hits} == {()}


@pytest.mark.parametrize(
    ("text", "surfaces"),
    [
        ("Вчера п.о.в.е.с.т.к.у вручили", ["п.о.в.е.с.т.к.у"]),
        ("**Им** пов\u200bестки раздали", ["пов\u200bестки"]),
        ("Пришла пoвестка, 2 шт.", ["пoвестка"]),
        ("… «Пове\u0301стка» пришла", ["Пове\u0301стка"]),
    ],
)
def test_spans_point_at_the_original_characters(
    matcher: Matcher, text: str, surfaces: list[str]
) -> None:
    (hit,) = [h for h in matcher.find_hits(text) if h.category == "summons"]
    assert [text[s.start : s.end] for s in hit.spans] == surfaces
    assert [s.surface for s in hit.spans] == surfaces


def test_explain_names_form_lemma_and_term(matcher: Matcher) -> None:
    text = "Пришла пoвестку из военкомата"
    (hit,) = [h for h in matcher.find_hits(text) if h.category == "summons"]
    assert explain(hit, text).splitlines() == [
        "rule ru.summons.povestka (summons) matched:",
        "  «пoвестку» at 7-15 (read as «повестку»): an inflected form of the lemma «повестка» (term повестка)",
    ]


POSITIVE_POSTS = [
    "Сегодня {w} пришла соседу, он служил в армии",
    "Власти Крыма: {w} разносят по квартирам",
    "{w}",
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(POSITIVE_POSTS), obfuscated("повестка"))
def test_obfuscated_positive_posts_still_match(
    matcher_for_hypothesis: Matcher, template: str, word: str
) -> None:
    text = template.format(w=word)
    summons = [h for h in matcher_for_hypothesis.find_hits(text) if h.category == "summons"]
    assert summons, text
    # The highlight covers exactly what the author wrote, obfuscation included.
    assert [text[s.start : s.end] for s in summons[0].spans] == [word]


@settings(max_examples=100, deadline=None)
@given(obfuscated("военкомат"), obfuscated("повестку"))
def test_two_obfuscated_words_in_one_post(
    matcher_for_hypothesis: Matcher, office: str, summons: str
) -> None:
    text = f"Из {office} принесли {summons} под роспись"
    categories = {h.category for h in matcher_for_hypothesis.find_hits(text)}
    assert {"summons", "enlistment"} <= categories, text


@pytest.fixture(scope="module")
def matcher_for_hypothesis(matcher: Matcher) -> Matcher:
    return matcher


@pytest.mark.parametrize(
    ("expression", "text", "matched"),
    [
        (
            'повестка NEAR/5 военкомат -"повестка дня"',
            "Повестку из военкомата принесли утром",
            True,
        ),
        ('повестка NEAR/5 военкомат -"повестка дня"', "Повестка дня: военкомат", False),
        ('мобилиз* OR "сборный пункт"', "На сборном пункте толпа", True),
        ('мобилиз* OR "сборный пункт"', "Мобилизованных везут на полигон", True),
        ('"вручить повестку"~3', "вручили прямо в метро повестку", True),
        ('"вручить повестку"~2', "вручили прямо в метро повестку", False),
        ("=тцк", "ТЦК снова на улицах", True),
        ("=повестку", "пришла повестка", False),
        ("военкомат -футбол", "военкомат проверил футбольный клуб", True),
        ("военкомат -футбол", "военкомат пришёл на футбол", False),
        ("/ст\\.?\\s*328/", "по ст.328 УК РФ", True),
        ("сво", "свой путь к свободе", False),
        ("сво", "участник СВО вернулся", True),
    ],
)
def test_compile_expression(expression: str, text: str, matched: bool) -> None:
    assert bool(compile_expression(expression).find_hits(text)) is matched


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=80),
    st.text(max_size=80),
    st.sampled_from(["повестку", "ТЦК", "мобилизация", "повістки"]),
)
def test_any_text_around_a_keyword_gives_valid_spans(
    matcher_for_hypothesis: Matcher, before: str, after: str, word: str
) -> None:
    text = f"{before} {word} {after}"
    for hit in matcher_for_hypothesis.find_hits(text):
        for span in hit.spans:
            assert 0 <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.surface


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Весняний призов розпочався", True),  # no і/ї/є/ґ, no ы/э/ъ: a tie lets it count
        ("Призов та мобілізація", True),
        ("Получите 100 призов и скидки", False),  # the Russian function word decides
        ("Розыгрыш призов", False),
    ],
)
def test_prizov_without_telling_letters(matcher: Matcher, text: str, matched: bool) -> None:
    assert ("conscription" in {h.category for h in matcher.find_hits(text)}) is matched


@pytest.mark.parametrize(
    ("expression", "text", "matched"),
    [
        # Both sides of a NEAR are anchors: one word alone never wakes the rule, both do.
        ("повестка NEAR/5 военкомат", "Повестка из военкомата", True),
        ("повестка NEAR/5 военкомат", "Повестка дня заседания", False),
        ("повестка NEAR/5 военкомат", "Военкомат переехал", False),
        # Each alternative of an OR keeps its own pair of anchors.
        ('"подписать контракт" OR (отсрочка NEAR/4 студент)', "Студентам дали отсрочку", True),
        ('"подписать контракт" OR (отсрочка NEAR/4 студент)', "Подписали контракт", True),
        ('"подписать контракт" OR (отсрочка NEAR/4 студент)', "Студент подписал письмо", False),
    ],
)
def test_rules_wake_on_both_anchor_sets(expression: str, text: str, matched: bool) -> None:
    assert bool(compile_expression(expression).find_hits(text)) is matched


def test_anchors_never_hide_a_hit(matcher: Matcher) -> None:
    """The anchor pre-filter only saves time: evaluating every rule finds the same hits."""
    records = [json.loads(line) for line in DEVSET.read_text("utf-8").splitlines()]
    everything = set(range(len(matcher._c.rules)))
    exhaustive = Matcher(matcher._c, list(matcher.rules), dict(matcher.category_descriptions))
    exhaustive._triggered = lambda _s: set(everything)  # type: ignore[method-assign]
    for record in records:
        text = str(record["text"])
        assert matcher.find_hits(text) == exhaustive.find_hits(text), record["id"]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("схему незаконного переправлення чоловіків через кордон", True),  # interleaved
        ("переправлення через кордон, а потім чоловіків", True),  # after
        ("переправлення вантажів через кордон", False),
    ],
)
def test_near_counts_a_word_inside_the_other_match(text: str, matched: bool) -> None:
    matcher = compile_expression("(переправлення NEAR/5 кордон) NEAR/10 =чоловіків")
    assert bool(matcher.find_hits(text)) is matched


def test_near_does_not_pair_a_word_with_itself() -> None:
    assert not compile_expression("мобилиз* NEAR/5 мобилиз*").find_hits("мобилизация объявлена")
    assert compile_expression("мобилиз* NEAR/5 мобилиз*").find_hits("мобилизация и мобилизованные")
