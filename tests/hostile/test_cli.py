"""A representative subset of the corpus through the real CLI, each a subprocess under a memory cap.

What the other files check in-process, here end to end: `python bot.py ...` exits 0, 1 or 2
with a one-line error and no traceback, in bounded time (pytest-timeout and a subprocess
timeout) and bounded memory (RLIMIT_AS: an allocation past it fails, a MemoryError shows).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from monitor.config import variables
from monitor.store.engine import Database
from tests.conftest import sqlite_url
from tests.hostile.corpus import MAX_MESSAGE, bytes_of, load, text_of
from tests.search_archive import seed

BOT = Path(__file__).parents[2] / "bot.py"
MEMORY_CAP = 1536 << 20  # bytes of address space for each command
SECONDS = 90

IMPORTS = (
    "tester-deep-100000",
    "tester-deep-16000",
    "tester-missing-final-brace",
    "deep-unclosed",
    "lone-surrogate-escape",
    "invalid-utf8",
    "huge-number-field",
    "empty",
    "valid",
)
PACKS = (
    "tester-define-fan-out",
    "tester-define-chain-9",
    "tester-deep-array-3000",
    "deep-array-100000",
    "define-list-fan-out",
    "invalid-utf8",
    "match-nested-quantifier",
    "too-big",
)
QUERIES = (
    "minus-phrase",
    "documented-minus",
    "tester-channel-huge",
    "channel-superscript",
    "near-open",
    "and-and",
    "quote",
    "minus-only",
)
REFS = (
    "tester-huge",
    "tester-int64+1",
    "tester-link-huge",
    "tester-marked-int64-min",
    "tester-minus-100",
)
ENV_FILES = ("bom", "nul-line", "TELEGRAM_API_ID-huge")


def _case(corpus: str, name: str) -> dict[str, Any]:
    return next(c for c in load(corpus) if c["name"] == name)


def _cap_memory() -> None:  # runs in the child, before bot.py
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


async def _seed(url: str) -> None:
    db = Database.open(url)
    try:
        await seed(db)
    finally:
        await db.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    folder = tmp_path_factory.mktemp("hostile-cli")
    shutil.copyfile(migrated_template, folder / "archive.db")
    asyncio.run(_seed(sqlite_url(folder / "archive.db")))
    return folder


def _run(world: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in variables()}
    env |= {
        "DATABASE_URL": sqlite_url(world / "archive.db"),
        "CACHE_DIR": os.environ.get("CACHE_DIR", str(world / "cache")),
        "COLUMNS": "200",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, str(BOT), *args],
        cwd=world,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=SECONDS,
        preexec_fn=_cap_memory,
        check=False,
    )


def _check(result: subprocess.CompletedProcess[str], case: dict[str, Any]) -> None:
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown, shown[-2000:]
    assert "MemoryError" not in shown, shown[-2000:]
    assert result.returncode in (0, 1, 2), (result.returncode, shown[-2000:])
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
        assert last.strip(), "an error with no message"
        assert len(last) <= MAX_MESSAGE, last[:300]
    expected = case.get("expect")
    if expected is not None:
        assert (result.returncode == 0) == (expected == "ok"), (expected, shown[-1000:])


@pytest.mark.parametrize("name", IMPORTS)
def test_import(world: Path, name: str) -> None:
    case = _case("imports", name)
    path = world / f"{name}.json"
    path.write_bytes(bytes_of(case))
    _check(_run(world, "import", str(path)), case)


@pytest.mark.parametrize("name", PACKS)
def test_patterns_check(world: Path, name: str) -> None:
    case = _case("packs", name)
    path = world / f"{name}.toml"
    path.write_bytes(bytes_of(case))
    _check(_run(world, "patterns", "check", str(path)), case)


@pytest.mark.parametrize("name", QUERIES)
def test_search(world: Path, name: str) -> None:
    case = _case("search_queries", name)
    _check(_run(world, "search", text_of(case)), case)


@pytest.mark.parametrize("name", REFS)
def test_channels_add(world: Path, name: str) -> None:
    case = _case("channel_refs", name)
    result = _run(world, "channels", "add", text_of(case))
    _check(result, case)
    assert "is not a channel id" in result.stderr


@pytest.mark.parametrize("name", ENV_FILES)
def test_check_config(world: Path, name: str) -> None:
    case = _case("env_files", name)
    env_file = world / f"{name}.env"
    env_file.write_bytes(bytes_of(case))
    env_file.chmod(0o600)
    _check(_run(world, "--env-file", str(env_file), "check-config"), case)


def test_the_documented_exclusion_is_a_query_not_an_option(world: Path) -> None:
    result = _run(world, "search", '-"гражданская оборона"', "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert "No such option" not in result.stderr
    found = {(r["channel"], r["message_id"]) for r in map(json.loads, result.stdout.splitlines())}
    assert ("@dvizh_mel", 1) in found  # every post but the one about гражданская оборона
    assert ("@dvizh_mel", 5) not in found
