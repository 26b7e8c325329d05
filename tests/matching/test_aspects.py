"""A verb of monitor/patterns/aspects.toml matches its aspect partner's forms too."""

from __future__ import annotations

import pytest

from monitor.errors import PatternError
from monitor.matching import compile_expression
from monitor.matching.aspects import aspect_partners, parse_aspects


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        ("затримати NEAR/3 чоловік", "Біля вокзалу облава, затримують молодих чоловіків"),
        ("затримувати NEAR/3 чоловік", "Біля вокзалу облава, затримали молодих чоловіків"),
        ('"вручить повестка"', "Им вручают повестки прямо на проходной"),
        ("призывать NEAR/3 житель", "Оккупанты призвали жителей области на сборы"),
    ],
)
def test_a_verb_matches_its_aspect_partner(expression: str, text: str) -> None:
    assert compile_expression(expression).find_hits(text)


def test_every_pair_is_two_known_verbs() -> None:
    from monitor.matching.morphology import analyzers

    for word in aspect_partners():
        known = [
            p
            for morph in analyzers().values()
            for p in morph.parse(word)
            if p.is_known
            and p.tag.POS in ("INFN", "VERB")
            and p.normal_form.replace("ё", "е") == word
        ]
        assert known, f"{word} is no infinitive either dictionary knows"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('ru = [["задерживать"]]', "is not a pair"),
        ('ru = [["задерживать", "задерживать"]]', "pairs a verb with itself"),
        ('ru = [["ловить", "поймать"], ["ловить", "словить"]]', "listed in two pairs"),
        ('ru = "ловить"', "must be a list"),
        ("ru = [", "not valid TOML"),
    ],
)
def test_a_malformed_table_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(PatternError, match=problem):
        parse_aspects(text, "aspects.toml")
