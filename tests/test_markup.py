"""Telegram HTML primitives: escaping, bold spans, snippets and the 4096 split."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.markup import MESSAGE_LIMIT, bold_spans, escape, snippet, split_message, truncate

TEXT = "В Джанкое <снова> раздают повестки & вызывают в военкомат"


def test_escape_only_touches_what_telegram_html_needs() -> None:
    assert escape('a<b>&"c"') == 'a&lt;b&gt;&amp;"c"'


def test_bold_spans_escape_and_merge_overlaps() -> None:
    start = TEXT.index("повестки")
    out = bold_spans(TEXT, [(start, start + 8), (start + 2, start + 5)])
    assert "<b>повестки</b>" in out
    assert "&lt;снова&gt;" in out
    assert out.count("<b>") == 1


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("x " * 200 + "мужчинам вручили повестку у входа в метро " + "y " * 200, "повестку"),
        ("Повістку вручили на блокпосту під Мелітополем", "Повістку"),
    ],
)
def test_snippet_centres_on_the_match_and_bolds_it(text: str, word: str) -> None:
    start = text.index(word)
    out = snippet(text, [(start, start + len(word))], width=80)
    assert f"<b>{word}</b>" in out
    assert len(re.sub(r"</?b>", "", out)) <= 82


def test_truncate_cuts_at_a_word_edge() -> None:
    assert truncate("повестка в военкомат завтра", 15) == "повестка в…"
    assert truncate("коротко", 15) == "коротко"


def test_split_keeps_short_messages_whole() -> None:
    assert split_message("a\nb") == ["a\nb"]


@given(st.lists(st.text(alphabet="аб <>&\n", min_size=0, max_size=300), min_size=1, max_size=40))
def test_split_never_exceeds_the_limit_nor_cuts_a_tag(lines: list[str]) -> None:
    html_text = "\n".join(bold_spans(line, [(0, len(line) // 2)]) for line in lines)
    parts = split_message(html_text, limit=120)
    assert all(len(p) <= 120 for p in parts)
    for part in parts:
        assert part.count("<b>") == part.count("</b>")
        assert not re.search(r"&[a-z]*$", part)


def test_split_a_long_digest_under_telegrams_limit() -> None:
    body = "\n".join(f"<b>{i}</b> повестки в Херсонской области" for i in range(400))
    parts = split_message(body)
    assert len(parts) > 1
    assert all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert "\n".join(parts) == body
