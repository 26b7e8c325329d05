"""The hostile-input corpus (data/*.json, written by make_corpus.py) and what every case must give.

Every entry point must answer each case with a value or a clear error: one line, not empty, of
bounded length, never a traceback, never a hang, never memory out of bounds.
"""

from __future__ import annotations

import base64
import json
import resource
from functools import cache
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
MAX_MESSAGE = 1000  # characters of an error message: a hostile input is quoted, not echoed
MAX_RSS_KB = 1_500_000  # the test process's high-water mark, as ru_maxrss counts it (KB)


@cache
def load(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text("ascii"))
    return cases


def params(name: str, *, xfail: dict[str, str] | None = None) -> list[Any]:
    """The cases as pytest params, by name; those in `xfail` are strict xfails with its reason."""
    marks = xfail or {}
    return [
        pytest.param(
            case,
            id=case["name"],
            marks=[pytest.mark.xfail(strict=True, reason=marks[case["name"]])]
            if case["name"] in marks
            else [],
        )
        for case in load(name)
    ]


def text_of(case: dict[str, Any]) -> str:
    value = case["input"]
    if isinstance(value, str):
        return value
    if "base64" in value:
        return base64.b64decode(value["base64"]).decode("utf-8", "surrogateescape")
    if "parts" in value:
        return "".join(piece * times for piece, times in value["parts"])
    return str(value["prefix"] + value["repeat"] * value["times"] + value["suffix"])


def bytes_of(case: dict[str, Any]) -> bytes:
    """The case as a file's bytes: UTF-8, lone surrogates and all (as a careless tool writes)."""
    value = case["input"]
    if isinstance(value, dict) and "base64" in value:
        return base64.b64decode(value["base64"])
    return text_of(case).encode("utf-8", "surrogatepass")


def check_message(message: str) -> None:
    """A clear error: one line, not empty, bounded, no traceback."""
    assert message.strip(), "an empty error message"
    assert "\n" not in message.strip(), f"not one line: {message[:300]!r}"
    assert len(message) <= MAX_MESSAGE, f"{len(message)} characters: {message[:200]!r}..."
    assert "Traceback" not in message


def check_outcome(case: dict[str, Any], outcome: str) -> None:
    expected = case.get("expect")
    if expected is not None:
        assert outcome == expected, f"{case['name']}: {outcome}, expected {expected}"


def check_memory() -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert rss < MAX_RSS_KB, f"the test process reached {rss} KB"
