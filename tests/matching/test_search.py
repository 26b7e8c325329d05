"""index_terms and query_terms agree: any form, in either language, finds every form."""

from __future__ import annotations

import pytest

from monitor.matching import index_terms, query_terms


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("повестка", "Им вручили повестку"),
        ("повестка", "Отримав повістки"),
        ("повістка", "Повесток было много"),
        ("военкомат", "у військкомату"),
        ("мобилизация", "мобілізацію оголосили"),
        ("учёт", "на воинском учете"),
        ("тцкшник", "тцкшника побили"),
        ("призывник", "призывников отправили"),
    ],
)
def test_query_finds_other_forms_and_language(query: str, text: str) -> None:
    assert set(query_terms(query)) & set(index_terms(text))


@pytest.mark.parametrize(
    "word",
    ["повестку", "повістки", "призов", "военкоматов", "Учёт", "тцкшника", "мобік", "ст.", "2024"],
)
def test_query_terms_are_among_index_terms_of_the_same_word(word: str) -> None:
    assert set(query_terms(word)) <= set(index_terms(word))


def test_index_terms_normalize_obfuscation() -> None:
    assert "повестка" in index_terms("п.о.в.е.с.т.к.у принесли")
    assert "повестка" in index_terms("пoвестку")


@pytest.mark.parametrize("text", ["x\U00017000y", "\U00017000", "повестка \U00017000 военкомат"])
def test_letters_without_a_unicode_name_do_not_break_indexing(text: str) -> None:
    # pymorphy2/pymorphy2#137: unicodedata.name() raises for such letters.
    terms = index_terms(text)
    assert all(isinstance(term, str) for term in terms)
    assert ("повестка" in terms) == ("повестка" in text)
