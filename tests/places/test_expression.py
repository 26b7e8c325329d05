"""Places in analysts' expressions (/subscribe, /test): every spelling and form, and filters."""

from __future__ import annotations

import pytest

from monitor.errors import PatternError
from monitor.matching import compile_expression


def surfaces(expression: str, text: str) -> list[str]:
    hits = compile_expression(expression).find_hits(text)
    return sorted({s.surface for h in hits for s in h.spans})


@pytest.mark.parametrize(
    ("expression", "text", "shown"),
    [
        (
            "облава AND Мелитополь",
            "У Мелітополі окупанти влаштували облаву на чоловіків",
            ["Мелітополі", "облаву"],
        ),
        ("повестка AND Енергодар", "В Энергодаре раздают повестки", ["Энергодаре", "повестки"]),
        ("Мелітополь", "Жителей Мелитополя обязали встать на учёт", ["Мелитополя"]),
        ("Артемовск", "Обстріл Бахмута триває", ["Бахмута"]),
        ("Бахмут", "В Артемовске вручают повестки", ["Артемовске"]),
        ("Нова Каховка", "В Новой Каховке раздают повестки", ["Новой Каховке"]),
        (
            '"Новая Каховка"',
            "У Новій Каховці роздають повістки",
            ["Каховці", "Новій", "Новій Каховці"],  # the phrase's lemmas, and the place
        ),
        ("region:zaporizhzhia", "В Энергодаре раздают повестки", ["Энергодаре"]),
        ("повестка region:occupied", "В Энергодаре раздают повестки", ["повестки"]),
        ('place:"Нова Каховка" повестка', "В Новой Каховке повестки", ["повестки"]),
    ],
)
def test_a_place_matches_in_either_language_and_any_form(
    expression: str, text: str, shown: list[str]
) -> None:
    assert surfaces(expression, text) == shown


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        ("повестка region:kharkiv", "В Энергодаре раздают повестки"),
        ("region:occupied", "В Харькове раздают повестки"),
        ("place:Мелитополь", "В Энергодаре раздают повестки"),
        ("облава AND Мелитополь", "Облава в Энергодаре"),
    ],
)
def test_a_filter_or_place_that_the_post_does_not_name_stays_quiet(
    expression: str, text: str
) -> None:
    assert compile_expression(expression).find_hits(text) == []


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("region:atlantis", "unknown region 'atlantis': use one of occupied,"),
        ("place:Ззззград облава", "no settlement named 'Ззззград' in the gazetteer"),
    ],
)
def test_an_unknown_place_or_region_is_a_clear_error(expression: str, message: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_expression(expression)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
