"""The compile cache: lemma words' forms and whole compiled matchers, kept as JSON (reads and writes files).

Expanding every lemma word with pymorphy3 is most of a compile (0.6 s of 0.7 s for the
default packs, after 0.1 s loading the dictionaries); parsing the packs and building the
automata from the forms takes about 0.1 s and is done every time, so a pack edit that keeps
its words needs no new cache file.

On top of the forms, a snapshot of the whole compiled matcher (monitor.matching.snapshot) is
kept per set of pack texts, so that a one-off `match` neither parses nor compiles:
`pack_matcher` reads it in a few hundredths of a second. Its name hashes the pack texts, the
bundled pattern files, every module of monitor.matching and the dictionaries' versions.

A cache file holds only strings, lists and booleans: reading one can run nothing. It is
named by a hash of everything its forms depend on: the words, the dictionary packages'
versions and the source of the code that expands them. A file that is unreadable, malformed
or of other words is ignored and replaced; a folder that cannot be written to is passed over.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from monitor.matching import snapshot
from monitor.matching.aspects import aspect_partners
from monitor.matching.matcher import Matcher, compile_matcher
from monitor.matching.morphology import LANGUAGES, Expansion, expand
from monitor.matching.packs import Pack, lemma_words, parse_pack

logger = logging.getLogger(__name__)

FORMAT = 1
PREFIX = "forms-"
SNAPSHOT_PREFIX = "matcher-"
MAX_BYTES = 16 << 20  # the default packs' table is about 0.4 MB, their snapshot 2 MB
KEEP_FILES = 8  # a few pack sets side by side (the default packs, a --pack under test)
_DISTRIBUTIONS = ("pymorphy3", "pymorphy3-dicts-ru", "pymorphy3-dicts-uk")
# expand(), the fold_word it uses and the aspect pairs it adds (monitor/patterns/aspects.toml)
_EXPANDING_CODE = ("morphology.py", "normalize.py", "aspects.py")

Table = dict[str, Expansion]
PackText = tuple[str, str]  # a pack file's text and the name errors give it


def pack_matcher(sources: Sequence[PackText], folder: Path | None) -> Matcher:
    """The matcher of the packs (text, name), from its snapshot in `folder` when there is one.

    Otherwise the packs are parsed (PatternError names a mistake) and compiled through the
    forms cache, and the snapshot is written for the next process.
    """
    if folder is None:
        return compile_matcher([parse_pack(text, name) for text, name in sources])
    path = folder / f"{SNAPSHOT_PREFIX}{snapshot_key(sources)}.json"
    matcher = find_snapshot(path)
    if matcher is None:
        matcher = cached_matcher([parse_pack(text, name) for text, name in sources], folder)
        _save(path, snapshot.dump(matcher), SNAPSHOT_PREFIX)
    return matcher


def snapshot_key(sources: Sequence[PackText]) -> str:
    """A hash of the pack texts and of all else a compiled matcher depends on."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for file in (
        *sorted(here.glob("*.py")),
        *sorted(here.parent.joinpath("patterns").glob("*.toml")),
    ):
        digest.update(file.name.encode("utf-8") + b"\0" + _source(file))
    key = [
        snapshot.FORMAT,
        [_version(d) for d in _DISTRIBUTIONS],
        digest.hexdigest(),
        list(sources),
    ]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def find_snapshot(path: Path) -> Matcher | None:
    """The matcher saved at `path`; None when it is missing or unusable."""
    # The snapshot is a few hundred thousand small objects: collecting garbage while they are
    # built would triple the time, and none of them is garbage.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return snapshot.load(_read_json(path))
    except FileNotFoundError:
        logger.debug("matcher cache miss path=%s", path)
        return None
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError) as e:
        logger.debug("matcher cache ignored path=%s problem=%s", path, e)
        return None
    finally:
        if enabled:
            gc.enable()


def _read_json(path: Path) -> Any:
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES} bytes")
    return json.loads(path.read_bytes())


def cached_matcher(packs: Sequence[Pack], folder: Path | None) -> Matcher:
    """compile_matcher(packs), the words' forms read from `folder` or expanded and saved there.

    The matcher is the same either way; with `folder` None nothing is read or written.
    """
    if folder is None:
        return compile_matcher(packs)
    words = lemma_words(packs)
    path = folder / f"{PREFIX}{cache_key(words)}.json"
    table = find_table(path, words)
    if table is None:
        table = {word: expand(word) for word in words}
        save_table(path, table)
    return compile_matcher(packs, table)


def cache_key(words: Iterable[str]) -> str:
    """A hash of all a table depends on: its words, the dictionaries, the expanding code."""
    code = hashlib.sha256()
    for name in _EXPANDING_CODE:
        # Our source stands for "the compiler version": a change to it cannot be forgotten.
        code.update(_source(Path(__file__).with_name(name)))
    code.update(json.dumps(sorted(aspect_partners().items()), ensure_ascii=False).encode("utf-8"))
    versions = [_version(name) for name in _DISTRIBUTIONS]
    key = [FORMAT, versions, code.hexdigest(), sorted(words)]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def _source(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError:  # no source beside the bytecode: FORMAT alone has to tell versions apart
        return b""


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def find_table(path: Path, words: Sequence[str]) -> Table | None:
    """The table saved at `path` if it is whole and holds exactly `words`; None otherwise."""
    try:
        table = _table_of(_read_json(path))
        if set(table) != set(words):
            raise ValueError("the words differ")
    except FileNotFoundError:
        logger.debug("forms cache miss path=%s", path)
        return None
    # JSONDecodeError and UnicodeDecodeError are ValueErrors; RecursionError: nested too deep.
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as e:
        logger.debug("forms cache ignored path=%s problem=%s", path, e)
        return None
    return table


def _table_of(data: Any) -> Table:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a forms table of this format")
    entries = data["words"]
    if not isinstance(entries, dict):
        raise TypeError("words is not an object")
    return {_string(word): _expansion(entry) for word, entry in entries.items()}


def _expansion(entry: Any) -> Expansion:
    lemma, forms, homographs, known = entry
    if not isinstance(forms, list) or not forms or not isinstance(homographs, dict):
        raise TypeError("forms or homographs malformed")
    if not isinstance(known, bool) or not set(homographs.values()) <= set(LANGUAGES):
        raise TypeError("known or homograph languages malformed")
    return Expansion(
        _string(lemma),
        frozenset(_string(f) for f in forms),
        {_string(form): lang for form, lang in homographs.items()},
        known,
    )


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected a word, got {value!r}")
    return value


def save_table(path: Path, table: Table) -> None:
    """Write the table atomically, keeping the newest files; a folder we cannot write is passed over."""
    words = {
        word: [e.lemma, sorted(e.forms), dict(sorted(e.homographs.items())), e.known]
        for word, e in table.items()
    }
    _save(path, {"format": FORMAT, "words": words}, PREFIX)


def _save(path: Path, data: Any, prefix: str) -> None:
    text = json.dumps(data, ensure_ascii=False)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        _prune(path.parent, prefix)
    except OSError as e:
        logger.debug("compile cache not written path=%s problem=%s", path, e)


def _prune(folder: Path, prefix: str) -> None:
    """Remove all but the newest files: every pack edit leaves one behind."""
    dated: list[tuple[float, Path]] = []
    for file in folder.glob(f"{prefix}*.json"):
        with contextlib.suppress(FileNotFoundError):  # another process pruned it first
            dated.append((file.stat().st_mtime, file))
    for _, old in sorted(dated, reverse=True)[KEEP_FILES:]:
        old.unlink(missing_ok=True)
