"""The compile cache: the same hits with and without it; a bad, stale or unwritable cache is passed over."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from monitor.matching import Matcher, cached_matcher, load_default_packs, load_pack
from monitor.matching import cache as cache_module
from monitor.matching import compiler as compiler_module

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = (
    "Пришла повестка из военкомата, вручили прямо у подъезда",
    "Вопрос стоит на повестке дня городского совета",
    "У Києві ТЦК роздають повістки на блокпостах",
    "Весняний призов розпочався: строкова служба",
    "Мобилизованных отправили на фронт без подготовки",
)
PACK = """
[pack]
name = "t"

[[rule]]
id = "t.summons"
category = "summons"
match = "повестка"
"""


def dev_texts() -> list[str]:
    return [
        str(json.loads(line)["text"])
        for path in sorted(DATA.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{cache_module.PREFIX}*.json"))


def no_dictionaries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any use of the dictionaries fail: a warm compile must take every form from the file."""

    def refuse(word: str) -> None:
        raise AssertionError(f"expanded {word!r} although the cache holds it")

    monkeypatch.setattr(compiler_module, "expand", refuse)
    monkeypatch.setattr(cache_module, "expand", refuse)


def test_cold_and_warm_cache_give_the_hits_of_a_plain_compile_on_the_dev_set(
    matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = cached_matcher(load_default_packs(), tmp_path)
    assert len(cache_files(tmp_path)) == 1
    no_dictionaries(monkeypatch)
    warm = cached_matcher(load_default_packs(), tmp_path)
    texts = dev_texts()
    assert len(texts) >= 1400
    for text in texts:
        expected = matcher.find_hits(text)
        assert cold.find_hits(text) == expected, text
        assert warm.find_hits(text) == expected, text
    assert [r.id for r in warm.rules] == [r.id for r in matcher.rules]


def entry(*fields: object) -> bytes:
    """A cache file of format 1 whose one word, «повестка», has these fields."""
    return json.dumps({"format": 1, "words": {"повестка": list(fields)}}).encode()


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\xff\xfe not even UTF-8",
        b'{"format": 1, "words": {"',  # cut short mid-write
        b"[" * 100_000,  # nested past the recursion limit
        b'{"format": 1, "words": {}}',  # not the pack's words
        b'{"format": 999, "words": {}}',
        json.dumps(
            {"format": 999, "words": {"повестка": ["повестка", ["повестка"], {}, True]}}
        ).encode(),
        entry("повестка", ["повестка"], {}),
        entry("повестка", [], {}, True),
        entry("повестка", ["повестка", 7], {}, True),
        entry("повестка", ["повестка"], {"повестка": "fr"}, True),
        entry("повестка", ["повестка"], {}, "yes"),
        entry("", ["повестка"], {}, True),
        json.dumps({"format": 1, "words": {"повестка": 1}}).encode(),
    ],
)
def test_a_corrupt_cache_file_is_ignored_and_replaced(tmp_path: Path, garbage: bytes) -> None:
    pack_file = tmp_path / "t.toml"
    pack_file.write_text(PACK, encoding="utf-8")
    folder = tmp_path / "cache"
    cached_matcher([load_pack(pack_file)], folder)
    (path,) = cache_files(folder)
    path.write_bytes(garbage)
    rebuilt = cached_matcher([load_pack(pack_file)], folder)
    # Forms the garbage lacks: found only if the file was passed over and the word expanded.
    for text in ("вручили повесткой", "раздают повестки"):
        assert [h.rule_id for h in rebuilt.find_hits(text)] == ["t.summons"], text
    assert cache_files(folder) == [path]
    assert "повесткой" in json.loads(path.read_text("utf-8"))["words"]["повестка"][1]


def test_the_cache_is_read_and_a_pack_edit_that_changes_its_words_replaces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack_file = tmp_path / "t.toml"
    pack_file.write_text(PACK, encoding="utf-8")
    folder = tmp_path / "cache"
    cached_matcher([load_pack(pack_file)], folder)
    (path,) = cache_files(folder)
    # Plant a form in the cache that no dictionary gives «повестка»: only the file knows it.
    data = json.loads(path.read_text("utf-8"))
    data["words"]["повестка"][1].append("кукуруза")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert cached_matcher([load_pack(pack_file)], folder).find_hits("кукуруза")

    pack_file.write_text(PACK.replace('"повестка"', '"повестка OR военкомат"'), encoding="utf-8")
    edited = cached_matcher([load_pack(pack_file)], folder)
    assert not edited.find_hits("кукуруза")
    assert edited.find_hits("вручили повесткой")
    assert edited.find_hits("пришёл в военкоматы")
    assert len(cache_files(folder)) == 2


def test_a_pack_edit_that_keeps_its_words_is_compiled_from_the_cache(tmp_path: Path) -> None:
    pack_file = tmp_path / "t.toml"
    pack_file.write_text(PACK.replace('"повестка"', '"повестка OR военкомат"'), encoding="utf-8")
    folder = tmp_path / "cache"
    assert cached_matcher([load_pack(pack_file)], folder).find_hits("пришла повестка")
    pack_file.write_text(
        PACK.replace('"повестка"', '"повестка NEAR/3 военкомат"'), encoding="utf-8"
    )
    edited = cached_matcher([load_pack(pack_file)], folder)
    assert not edited.find_hits("пришла повестка")
    assert edited.find_hits("повестка из военкомата")
    assert len(cache_files(folder)) == 1


def test_a_folder_that_cannot_be_written_compiles_in_memory(
    matcher: Matcher, tmp_path: Path
) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder", encoding="utf-8")
    built = cached_matcher(load_default_packs(), in_the_way / "cache")
    for text in SAMPLES:
        assert built.find_hits(text) == matcher.find_hits(text)
    assert list(tmp_path.iterdir()) == [in_the_way]


def test_old_cache_files_are_pruned_to_the_newest(tmp_path: Path) -> None:
    for n in range(cache_module.KEEP_FILES + 3):
        old = tmp_path / f"{cache_module.PREFIX}old{n}.json"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, (1_000_000 + n, 1_000_000 + n))
    cached_matcher(load_default_packs(), tmp_path)
    names = [p.name for p in cache_files(tmp_path)]
    assert len(names) == cache_module.KEEP_FILES
    assert f"{cache_module.PREFIX}old0.json" not in names
    assert not list(tmp_path.glob(".tmp-*"))
