"""Big JSON import files read as a stream with ijson, the only module that imports it (reads files).

No more than one item of the file is held at a time. A file that is not valid JSON raises
ImportFileError at the line and column of the fault: the parser does not say where it stopped,
so the file is parsed again up to the chunk that failed, and that chunk fed one byte at a time.
The place is the byte the parser failed on: the end of a bad token where json.loads gives its
start (a stray `,` or `}` is placed alike by both). Arrays and objects nested deeper than
MAX_DEPTH are refused at the bracket that goes too deep: no export nests more than a few levels,
and a hostile file of nested `[` must not build (or print) a value deep enough to exhaust
memory or Python's recursion limit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterator
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from monitor.errors import ImportFileError

CHUNK = 64 * 1024
MAX_DEPTH = 64
_CONTAINERS: dict[str, Callable[[], object]] = {"start_map": dict, "start_array": list}
_OPENING = frozenset(("start_map", "start_array"))
_CLOSING = frozenset(("end_map", "end_array"))
_DEPTH_CHANGE = dict.fromkeys(
    ("null", "boolean", "integer", "double", "number", "string", "map_key"), 0
) | {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))  # UTF-8 bytes that do not start a character

Parse = Callable[["_Reader"], Iterator[Any]]


def stream_items(path: Path, prefix: str) -> Iterator[Any]:
    """Each value under `prefix` in ijson's notation ("messages.item"), decoded, one at a time."""
    return _stream(path, lambda reader: ijson.items(reader, prefix, use_float=True))


def check_nesting(path: Path) -> None:
    """One quick pass refusing arrays and objects nested deeper than MAX_DEPTH, before
    `stream_items` reads a file it cannot trust: ijson's items() names each value by its path
    from the top, so a run of nested `[` costs memory growing as the square of their count
    (24 GB for 100,000); this pass reads plain events, in linear time and memory.
    """
    deque(_stream(path, _nesting), maxlen=0)


def _nesting(reader: _Reader) -> Iterator[Any]:
    """Nothing, or _TooDeepError: the depth after each event, summed and compared in C."""
    kinds = map(itemgetter(0), ijson.basic_parse(reader, use_float=True))
    if any(map(MAX_DEPTH.__lt__, accumulate(map(_DEPTH_CHANGE.__getitem__, kinds)))):
        raise _TooDeepError(f"nested error: more than {MAX_DEPTH} levels of [ and {{")
    yield from ()


def read_top_level(path: Path, *, full: Collection[str], stop_at: str) -> dict[str, Any] | None:
    """The top-level object as a shallow dict; None when the file holds something else.

    Members named in `full` are read whole; every other member stands as its scalar value or an
    empty dict or list. Reading stops where member `stop_at` begins if every `full` member has
    been read by then; else it goes on to the end of the file.
    """
    top: dict[str, Any] = {}
    depth, key, builder = 0, "", None
    for event, value in _stream(path, _events):
        if depth == 0 and event != "start_map":
            return None
        if depth == 1 and event == "map_key":
            key = value
            continue
        if depth == 1 and event != "end_map":  # a member's value begins
            if key in full:
                builder = ijson.ObjectBuilder()
            else:
                top[key] = _CONTAINERS[event]() if event in _CONTAINERS else value
            if key == stop_at and all(name in top for name in full):
                return top
        if builder is not None:
            builder.event(event, value)
        depth += (event in _OPENING) - (event in _CLOSING)
        if builder is not None and depth == 1:
            top[key], builder = builder.value, None
    return top


def _events(reader: _Reader) -> Iterator[tuple[str, Any]]:
    return _bounded(ijson.basic_parse(reader, use_float=True))


class _TooDeepError(ijson.JSONError):  # type: ignore[misc]
    """Nesting beyond MAX_DEPTH, raised where ijson raises its own errors: placed alike."""


def _bounded(events: Iterator[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """ijson's events, refused past MAX_DEPTH nested arrays and objects."""
    depth = 0
    for item in events:
        event = item[0]
        if event in _OPENING:
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooDeepError(f"nested error: more than {MAX_DEPTH} levels of [ and {{")
        elif event in _CLOSING:
            depth -= 1
        yield item


class _Reader:
    """The file as ijson reads it, remembering where the last chunk began; from `slow_from`
    on it gives one byte at a time, so that a parse error falls on the byte that caused it."""

    def __init__(self, file: BinaryIO, slow_from: int | None = None) -> None:
        self._file = file
        self._slow_from = slow_from
        self._offset = 0
        self.chunk_start = 0

    def read(self, size: int) -> bytes:
        if self._slow_from is not None:
            left = self._slow_from - self._offset
            size = min(size, left) if left > 0 else min(size, 1)
        data = self._file.read(size)
        self.chunk_start = self._offset
        self._offset += len(data)
        return data


def _stream(path: Path, parse: Parse) -> Iterator[Any]:
    try:
        with path.open("rb") as file:
            reader = _Reader(file)
            try:
                yield from parse(reader)
            except (ijson.JSONError, UnicodeDecodeError) as e:
                raise _json_error(path, parse, reader.chunk_start, e) from e
    except OSError as e:
        raise ImportFileError(str(path), "file", f"cannot be read: {e.strerror}") from e


def _json_error(path: Path, parse: Parse, chunk_start: int, error: Exception) -> ImportFileError:
    raw = error.args[0] if error.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    first_line = (text.splitlines() or ["unknown error"])[0]
    line, column = _line_and_column(path, _fault_offset(path, parse, chunk_start))
    where = f"line {line}, column {column}"
    if isinstance(error, _TooDeepError):
        return ImportFileError(
            str(path), where, f"nests arrays and objects more than {MAX_DEPTH} deep: not an export"
        )
    if isinstance(error, UnicodeDecodeError):  # a lone surrogate escape such as "\\udc00"
        return ImportFileError(str(path), where, "has a string that is not valid Unicode")
    if "invalid bytes in UTF8 string" in first_line:
        return ImportFileError(str(path), where, "is not UTF-8 text")
    problem = first_line.partition(" error: ")[2] or first_line  # "parse error: trailing garbage"
    return ImportFileError(str(path), where, f"is not valid JSON ({problem})")


def _fault_offset(path: Path, parse: Parse, chunk_start: int) -> int:
    """The offset of the byte the parser failed on: parse again, the failed chunk byte by byte."""
    with path.open("rb") as file:
        reader = _Reader(file, slow_from=chunk_start)
        try:
            deque(parse(reader), maxlen=0)
        except (ijson.JSONError, UnicodeDecodeError):
            return reader.chunk_start
    return chunk_start  # the file has changed since: the chunk is the best left to say


def _line_and_column(path: Path, offset: int) -> tuple[int, int]:
    """1-based, the column in characters as Python's json module counts them."""
    line, column, position = 1, 1, 0
    with path.open("rb") as file:
        while position < offset and (chunk := file.read(min(CHUNK, offset - position))):
            position += len(chunk)
            if (newlines := chunk.count(b"\n")) > 0:
                line += newlines
                chunk, column = chunk[chunk.rindex(b"\n") + 1 :], 1
            column += len(chunk.translate(None, _CONTINUATION_BYTES))
    return line, column
