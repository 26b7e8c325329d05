"""Hostile Telegram Desktop exports through what `import` runs: load_export, then the import."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import ImportFileError
from monitor.imports.desktop import import_export, load_export
from monitor.search.query import default_lemmatizer
from monitor.store.channels import ChannelRepo
from monitor.store.engine import Database
from monitor.store.posts import PostRepo
from monitor.store.search import SearchRepo
from tests.conftest import sqlite_url
from tests.hostile.corpus import bytes_of, check_memory, check_message, check_outcome, load, params
from tests.search_archive import find_hits

NOW = datetime(2024, 11, 25, 9, 0, tzinfo=UTC)


async def _import_all(url: str, folder: Path) -> dict[str, str]:
    """Each export imported, in turn, into one archive: "ok" or the message the CLI shows."""
    db = Database.open(url)
    outcomes: dict[str, str] = {}
    try:
        hooks = [SearchRepo(db, default_lemmatizer()).index_hook()]
        for case in load("imports"):
            path = folder / f"{case['name']}.json"
            path.write_bytes(bytes_of(case))
            try:
                export = load_export(path)
                await import_export(
                    export,
                    channels=ChannelRepo(db),
                    posts=PostRepo(db),
                    now=NOW,
                    find_hits=find_hits,
                    hooks=hooks,
                )
            except ImportFileError as e:
                outcomes[case["name"]] = f"error: {e.path}: {e.where}: {e.problem}"
            except Exception as e:  # what would reach the user as a traceback
                outcomes[case["name"]] = f"crash: {e!r:.300}"
            else:
                outcomes[case["name"]] = "ok"
            path.unlink()
    finally:
        await db.close()
    return outcomes


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("hostile-import")
    shutil.copyfile(migrated_template, folder / "archive.db")
    return asyncio.run(_import_all(sqlite_url(folder / "archive.db"), folder))


@pytest.mark.parametrize("case", params("imports"))
def test_an_export_imports_or_names_the_place_that_broke(
    case: dict[str, Any], imported: dict[str, str]
) -> None:
    outcome = imported[case["name"]]
    assert not outcome.startswith("crash"), outcome
    if outcome != "ok":
        check_message(outcome.removeprefix("error: "))
    check_outcome(case, outcome.split(":")[0])
    check_memory()
