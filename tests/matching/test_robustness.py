"""The packs fire on re-inflected and re-ordered posts, and stay quiet on re-inflected negatives.

tests/matching/robustness.py makes the variants (one word re-inflected: verbs into other
tenses, persons, numbers and their aspect partner, nouns into other cases and numbers; or a
clause's phrases re-ordered) from the development set, sampled with a fixed seed. Floors a
little under today's shares, so that a change that costs more fails; run the module for the
per-rule table and the failures.
"""

from __future__ import annotations

import pytest

from monitor.matching import Matcher
from tests.matching.robustness import Tally, load, report, run

# This sample (3 variants per post and rule): before the aspect pairs and the pack changes
# of issue 21, positives 3636/3854 = 0.943 (aspect partners 99/134 = 0.739), negatives 0.997
# quiet; after, positives 3836/4024 = 0.953 (aspect partners 167/177 = 0.944), negatives
# 2225/2226 quiet. The README of tests/data has the larger sample's table.
FLOORS = {"positives": 0.945, "aspect": 0.90, "quiet": 0.998}


@pytest.fixture(scope="module")
def tally(matcher: Matcher) -> Tally:
    result = run(matcher, load(), per_rule=3, per_negative=3)
    print("\n" + report(result))
    return result


def test_rules_fire_on_other_forms_of_their_words(tally: Tally) -> None:
    assert tally.share() >= FLOORS["positives"], tally.failures[:40]
    aspect_held = tally.by_kind[("aspect", True)]
    aspect_tried = aspect_held + tally.by_kind[("aspect", False)]
    assert aspect_held / aspect_tried >= FLOORS["aspect"], tally.failures[:40]


def test_negatives_stay_quiet_in_other_forms(tally: Tally) -> None:
    assert tally.quiet_share() >= FLOORS["quiet"], [f for f in tally.failures if " fired " in f]


def test_variants_change_one_word_or_the_order() -> None:
    from monitor.matching.variants import inflections, reordered

    text = "Біля вокзалу облава, затримують молодих чоловіків"
    start = text.index("затримують")
    changed = {v.change for v in inflections(text, "uk", [(start, start + 10)])}
    assert {"затримують→затримали", "затримують→затримують"} & changed == {"затримують→затримали"}
    moved = reordered("Оккупанты задерживают молодых мужчин на улицах", "ru", [(0, 9)])
    assert moved is not None
    assert moved.text == "на улицах молодых мужчин задерживают Оккупанты"
