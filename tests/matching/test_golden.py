"""Speed work never changes what is found: the hits on a fixed corpus equal golden_hits.jsonl.

The golden file was written before the matcher was made faster (tests/matching/golden.py says
what it holds and how to rewrite it, which is only for a deliberate change of the packs).
"""

from __future__ import annotations

from typing import Any

from monitor.matching import Matcher
from tests.matching.golden import base_corpus, cli_output, digest, hit_json, read_golden


def _differences(
    matcher: Matcher, records: list[tuple[str, str]], golden: dict[str, Any]
) -> list[str]:
    out = []
    for key, text in records:
        got = [hit_json(h) for h in matcher.find_hits(text)]
        if got != golden.get(key, []):
            out.append(f"{key}: expected {golden.get(key, [])}, got {got}")
    return out


def test_hits_on_the_bundled_posts_and_the_development_set_are_the_golden_ones(
    matcher: Matcher,
) -> None:
    golden, _, _ = read_golden()
    records = base_corpus()
    assert len(records) >= 12_600
    differences = _differences(matcher, records, golden)
    assert not differences, "\n".join(differences[:20])


def test_hits_on_obfuscated_posts_are_the_golden_ones(matcher: Matcher) -> None:
    golden, variants, _ = read_golden()
    assert len(variants) >= 800
    assert sum(1 for key, _ in variants if golden[key]) >= 780  # the obfuscations are still found
    differences = _differences(matcher, variants, golden)
    assert not differences, "\n".join(differences[:20])


def test_match_jsonl_prints_byte_for_byte_the_golden_output() -> None:
    _, variants, expected = read_golden()
    output = cli_output(base_corpus() + variants)
    assert output.count("\n") == len(base_corpus()) + len(variants)
    assert digest(output) == expected
