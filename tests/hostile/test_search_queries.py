"""Hostile search queries: parsed and compiled to FTS5, then searched in a small real archive."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import QueryError
from monitor.search.query import parse_query
from monitor.store.engine import Database
from tests.conftest import sqlite_url
from tests.hostile.corpus import check_memory, check_message, check_outcome, load, params, text_of
from tests.search_archive import seed


async def _search_all(url: str) -> dict[str, str]:
    """Each query's outcome in the seeded archive: "ok" or the error message the CLI shows."""
    db = Database.open(url)
    outcomes: dict[str, str] = {}
    try:
        repo = (await seed(db)).search
        for case in load("search_queries"):
            try:
                query = parse_query(text_of(case))
                await repo.search(query, limit=5)
                await repo.count(query)
            except QueryError as e:
                outcomes[case["name"]] = "error: " + e.problem
            except Exception as e:  # what would reach the user as a traceback
                outcomes[case["name"]] = f"crash: {e!r:.300}"
            else:
                outcomes[case["name"]] = "ok"
    finally:
        await db.close()
    return outcomes


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> dict[str, str]:
    path = tmp_path_factory.mktemp("hostile-search") / "archive.db"
    shutil.copyfile(migrated_template, path)
    return asyncio.run(_search_all(sqlite_url(path)))


@pytest.mark.parametrize("case", params("search_queries"))
def test_a_query_parses_or_says_what_is_wrong(case: dict[str, Any]) -> None:
    try:
        parse_query(text_of(case))
    except QueryError as e:
        check_message(e.problem)
    check_memory()


@pytest.mark.parametrize("case", params("search_queries"))
def test_a_query_searches_the_archive_or_says_what_is_wrong(
    case: dict[str, Any], searched: dict[str, str]
) -> None:
    outcome = searched[case["name"]]
    assert not outcome.startswith("crash"), outcome
    if outcome != "ok":
        check_message(outcome.removeprefix("error: "))
    check_outcome(case, outcome.split(":")[0])
