"""Normalization folds the tricks posts use and maps every span back to the original text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.matching import normalize
from monitor.matching.normalize import tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Пришла ПОВЕСТКА", "пришла повестка"),
        ("Учёт", "учет"),
        ("пoвестка", "повестка"),  # Latin o
        ("ТЦK", "тцк"),  # Latin K
        ("в0енкомат", "военкомат"),  # digit zero
        ("мобилизация2024", "мобилизация2024"),  # trailing digits stay digits
        ("Xiaomi", "xiaomi"),  # a Latin word stays Latin
        ("пов\u200bест\u00adку", "повестку"),  # zero-width space, soft hyphen
        ("пове\u0301стку", "повестку"),  # stress mark
        ("п.о.в.е.с.т.к.а", "повестка"),
        ("п о в е с т к а", "повестка"),
        ("п-о-в-е-с-т-к-а", "повестка"),
        ("зʼявився з’явився", "з'явився з'явився"),
        ("е\u0308лка", "елка"),  # decomposed ё
        ("ＴＣＫ", "tck"),  # full-width, NFKC
    ],
)
def test_normalize_folds(text: str, expected: str) -> None:
    assert normalize(text).text.strip() == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("**Повестка** [в военкомат](https://t.me/x/1)", ["повестка", "в", "военкомат"]),
        ("#ПовесткаВВоенкомат", ["повестка", "в", "военкомат"]),
        ("#повестка_дня", ["повестка", "дня"]),
        ("военно-учётный стол", ["военно", "учетный", "стол"]),
    ],
)
def test_markup_links_and_hashtags_reduce_to_words(text: str, words: list[str]) -> None:
    n = normalize(text)
    assert [n.text[a:b] for a, b in tokens(n.text)] == words


@pytest.mark.parametrize(
    ("text", "word", "surface"),
    [
        ("Вчера п.о.в.е.с.т.к.у вручили", "повестку", "п.о.в.е.с.т.к.у"),
        ("Им пов\u200bестки раздали", "повестки", "пов\u200bестки"),
        ("#ПовесткаВВоенкомат", "военкомат", "Военкомат"),
        ("… и «пове\u0301стка»", "повестка", "пове\u0301стка"),
        ("ﬁ повестка", "повестка", "повестка"),
    ],
)
def test_offsets_point_at_original_characters(text: str, word: str, surface: str) -> None:
    n = normalize(text)
    start = n.text.index(word)
    a, b = n.original_span(start, start + len(word))
    assert text[a:b] == surface


LATIN = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "к": "k",
    "м": "m",
    "т": "t",
}


@st.composite
def obfuscated(draw: st.DrawFn, word: str) -> str:
    """A word with some letters swapped for Latin look-alikes, zero-width characters or spread out."""
    style = draw(st.sampled_from(["homoglyph", "zero-width", "spaced", "dotted", "upper"]))
    if style == "spaced":
        return " ".join(word)
    if style == "dotted":
        return ".".join(word)
    if style == "upper":
        return word.upper()
    out = []
    for i, ch in enumerate(word):
        if style == "homoglyph" and ch in LATIN and draw(st.booleans()):
            ch = LATIN[ch]
        out.append(ch)
        if style == "zero-width" and 0 < i < len(word) - 1 and draw(st.booleans()):
            out.append(draw(st.sampled_from(["\u200b", "\u00ad", "\u200d", "\u2060"])))
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["повестку", "военкомат", "мобилизация", "повістки", "призывники"]).flatmap(
        lambda w: st.tuples(st.just(w), obfuscated(w))
    )
)
def test_obfuscated_words_normalize_back(pair: tuple[str, str]) -> None:
    word, variant = pair
    n = normalize(f"Сегодня {variant} снова")
    assert n.text.split()[1] == word


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120))
def test_offset_map_is_monotonic_and_in_range(text: str) -> None:
    n = normalize(text)
    if n.offsets is None:
        assert len(n.text) == len(text)
        return
    assert len(n.offsets) == len(n.text)
    assert all(0 <= o < len(text) for o in n.offsets)
    assert list(n.offsets) == sorted(n.offsets)
