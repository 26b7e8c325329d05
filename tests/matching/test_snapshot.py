"""Compiled-matcher snapshots in the compile cache: the same hits, read without parsing or
compiling; a corrupt, stale or foreign snapshot is passed over and replaced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import PatternError
from monitor.matching import Matcher, snapshot
from monitor.matching import cache as cache_module
from monitor.matching.cache import pack_matcher
from monitor.matching.packs import default_pack_texts
from tests.matching.golden import base_corpus, hit_json, read_golden

PACK = """
[pack]
name = "t"

[[rule]]
id = "t.summons"
category = "summons"
match = "повестка"
exclude = ["повестка дня"]
"""


def snapshots(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{cache_module.SNAPSHOT_PREFIX}*.json"))


def refuse_to_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("compiled although a snapshot was there")

    monkeypatch.setattr(cache_module, "parse_pack", refuse)
    monkeypatch.setattr(cache_module, "cached_matcher", refuse)


def test_a_matcher_read_from_its_snapshot_finds_the_golden_hits(
    matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack_matcher(default_pack_texts(), tmp_path)
    assert len(snapshots(tmp_path)) == 1
    refuse_to_compile(monkeypatch)
    warm = pack_matcher(default_pack_texts(), tmp_path)
    golden, variants, _ = read_golden()
    for key, text in base_corpus() + variants:
        assert [hit_json(h) for h in warm.find_hits(text)] == golden.get(key, []), key
    assert warm.rules == matcher.rules
    assert warm.categories == matcher.categories
    assert warm.vocabulary() == matcher.vocabulary()
    assert all(
        warm.vetoing_exclusions(r.id) == matcher.vetoing_exclusions(r.id) for r in matcher.rules
    )


def test_dump_and_load_give_back_the_same_data(matcher: Matcher) -> None:
    data = json.loads(json.dumps(snapshot.dump(matcher), ensure_ascii=False))
    assert snapshot.dump(snapshot.load(data)) == data


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\xff\xfe not even UTF-8",
        b'{"format": 1, "rules": [',  # cut short mid-write
        b"[" * 100_000,  # nested past the recursion limit
        b'{"format": 999}',
        b'{"format": 1}',
    ],
)
def test_a_corrupt_snapshot_is_ignored_and_replaced(tmp_path: Path, garbage: bytes) -> None:
    pack_matcher([(PACK, "t.toml")], tmp_path)
    (path,) = snapshots(tmp_path)
    path.write_bytes(garbage)
    rebuilt = pack_matcher([(PACK, "t.toml")], tmp_path)
    assert [h.rule_id for h in rebuilt.find_hits("вручили повестки")] == ["t.summons"]
    assert not rebuilt.find_hits("повестка дня")
    assert snapshots(tmp_path) == [path]
    assert json.loads(path.read_text("utf-8"))["format"] == snapshot.FORMAT


def edit(data: dict[str, Any], part: str) -> None:
    """Break one part of a good snapshot in a way only a check of its contents notices."""
    if part == "atom of a rule":
        data["compiled"][0][3] = ["w", 10_000]
    elif part == "atom of the table":
        data["full"]["повестки"] = [[10_000, False, None]]
    elif part == "rule of the trigger":
        data["trigger"]["повестки"] = [[0, False, [[99, 0]]]]
    elif part == "regex":
        data["compiled"][0][3] = ["r", 3]
    elif part == "node kind":
        data["compiled"][0][3] = ["zz", 1]
    elif part == "number":
        data["compiled"][0][6] = ["1"]


@pytest.mark.parametrize(
    "part",
    ["atom of a rule", "atom of the table", "rule of the trigger", "regex", "node kind", "number"],
)
def test_a_snapshot_that_names_what_is_not_there_is_refused(tmp_path: Path, part: str) -> None:
    pack_matcher([(PACK, "t.toml")], tmp_path)
    (path,) = snapshots(tmp_path)
    data = json.loads(path.read_text("utf-8"))
    assert cache_module.find_snapshot(path) is not None
    edit(data, part)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cache_module.find_snapshot(path) is None


def test_a_pack_edit_gets_a_snapshot_of_its_own(tmp_path: Path) -> None:
    pack_matcher([(PACK, "t.toml")], tmp_path)
    edited = PACK.replace('"повестка"', '"повестка OR военкомат"')
    matcher = pack_matcher([(edited, "t.toml")], tmp_path)
    assert [h.rule_id for h in matcher.find_hits("пришёл в военкомат")] == ["t.summons"]
    assert len(snapshots(tmp_path)) == 2
    again = pack_matcher([(PACK, "t.toml")], tmp_path)
    assert not again.find_hits("пришёл в военкомат")


def test_a_bad_pack_raises_and_leaves_no_snapshot(tmp_path: Path) -> None:
    with pytest.raises(PatternError, match="unknown category"):
        pack_matcher([(PACK.replace("summons", "nope"), "bad.toml")], tmp_path)
    assert snapshots(tmp_path) == []


def test_without_a_folder_nothing_is_read_or_written(tmp_path: Path) -> None:
    matcher = pack_matcher([(PACK, "t.toml")], None)
    assert matcher.find_hits("вручили повестки")
    assert list(tmp_path.iterdir()) == []
