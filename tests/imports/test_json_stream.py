"""Streamed JSON: items one at a time, the top level read shallow, faults placed as json.loads does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.errors import ImportFileError
from monitor.imports.json_stream import CHUNK, read_top_level, stream_items


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "result.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def _fault(path: Path) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        list(stream_items(path, "messages.item"))
    return caught.value


def _where_json_loads_says(content: str) -> str:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(content)
    return f"line {caught.value.lineno}, column {caught.value.colno}"


PADDING = ",\n".join(f'  {{"id": {i}, "text": "Повестки в Мелитополе"}}' for i in range(4000))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"name": "x",\n "messages": [\n  {"id": 1,,}]}', "invalid object key"),
        ('{"name": "Мелитополь",\n "messages": [{"id": 1} {"id": 2}]}', "after array element"),
        ('{"messages": [{"id": 1}]}\n{"messages": []}', "trailing garbage"),
        ('{"messages": [{"id": 1}} ]}', "after array element"),
        # Past the first chunks: the parse is run again and the fault found to the byte.
        ('{"messages": [\n' + PADDING + ',\n  {"id": 4000,, "text": "x"}\n]}', "object key"),
    ],
)
def test_broken_json_is_placed_where_json_loads_places_it(
    tmp_path: Path, content: str, problem: str
) -> None:
    error = _fault(_write(tmp_path, content))
    assert error.where == _where_json_loads_says(content)
    assert error.problem.startswith("is not valid JSON (")
    assert problem in error.problem


def test_the_padding_spans_several_chunks() -> None:
    assert len(PADDING.encode()) > 3 * CHUNK


def test_a_fault_is_placed_at_the_end_of_the_token_where_json_loads_gives_its_start(
    tmp_path: Path,
) -> None:
    content = '{"messages": [1 "два"]}'
    assert _where_json_loads_says(content) == "line 1, column 17"
    assert _fault(_write(tmp_path, content)).where == "line 1, column 21"


def test_a_truncated_file_is_placed_at_its_end(tmp_path: Path) -> None:
    error = _fault(_write(tmp_path, '{"messages": [\n  {"id": 1, "text": "Пов'))
    assert (error.where, error.problem) == (
        "line 2, column 25",
        "is not valid JSON (premature EOF)",
    )


def test_bytes_that_are_not_utf8_are_placed(tmp_path: Path) -> None:
    path = _write(tmp_path, b'{"messages": [\n  {"id": 1, "text": "\xd0\x9f\xff"}]}')
    error = _fault(path)
    assert (error.where, error.problem) == ("line 2, column 23", "is not UTF-8 text")


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    error = _fault(tmp_path / "missing.json")
    assert (error.where, error.problem) == ("file", "cannot be read: No such file or directory")


def test_items_are_decoded_as_json_loads_decodes_them(tmp_path: Path) -> None:
    messages = [{"id": 1, "text": ["a", {"type": "bold", "text": "б"}], "n": 2.5, "x": None}]
    path = _write(tmp_path, json.dumps({"messages": messages}))
    assert list(stream_items(path, "messages.item")) == messages
    assert isinstance(next(stream_items(path, "messages.item"))["n"], float)


def test_the_top_level_is_read_shallow(tmp_path: Path) -> None:
    content = {
        "name": {"nested": [1, {"deep": True}]},
        "messages": [{"id": 1}],
        "about": "x",
        "chats": {"list": [1]},
        "id": 5,
    }
    path = _write(tmp_path, json.dumps(content))
    top = read_top_level(path, full=("name", "id"), stop_at="messages")
    assert top == {
        "name": {"nested": [1, {"deep": True}]},
        "messages": [],
        "about": "x",
        "chats": {},
        "id": 5,
    }


def test_reading_the_top_level_stops_at_messages_once_the_header_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"name": "x", "id": 5, "messages": [{"id": 1},, "broken"')
    assert read_top_level(path, full=("name", "id"), stop_at="messages") == {
        "name": "x",
        "id": 5,
        "messages": [],
    }
    with pytest.raises(ImportFileError, match="is not valid JSON"):
        read_top_level(path, full=("name", "id", "type"), stop_at="messages")


@pytest.mark.parametrize("content", ['[{"name": "x"}]', '"result"', "null"])
def test_a_top_level_that_is_not_an_object(tmp_path: Path, content: str) -> None:
    assert read_top_level(_write(tmp_path, content), full=("name",), stop_at="messages") is None
