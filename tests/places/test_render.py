"""The 📍 line of alerts and /test, and the CLI's mention lines."""

from __future__ import annotations

import pytest

from monitor.places.gazetteer import default_gazetteer
from monitor.places.render import mention_line, places_html
from monitor.places.tagger import find_mentions


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "У Мелітополі та Енергодарі облави",
            "📍 Мелітополь / Мелитополь, Енергодар / Энергодар · Запорізька область (occupied)",
        ),
        ("Тревога в Харькове", "📍 Харків / Харьков · Харківська область"),
        (
            # two villages of that name in Crimea: which one is unknown, the region is not
            "В Новоселовке Крыма раздают повестки",
            "📍 Автономна Республіка Крим (occupied)",
        ),
        ("Погода на неделю", None),
    ],
)
def test_the_alert_line_names_settlements_then_regions(text: str, line: str | None) -> None:
    assert places_html(text) == line


def test_an_ambiguous_name_lists_its_candidates() -> None:
    (mention,) = find_mentions(default_gazetteer(), "В Васильевке раздают повестки")
    assert mention_line(mention) == (
        "ambiguous (2 places): Василівка / Васильевка (Запорізька область); "
        "Василівка / Васильевка (Автономна Республіка Крим)"
    )
