"""Browsing the archive in Datasette: facets by channel, category and day; inflection-aware search."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.cli import browse as browse_cli
from monitor.search.browse import PLUGINS_DIR, datasette_metadata
from monitor.store.engine import Database
from monitor.store.snapshot import checkpoint
from tests.search_archive import seed

datasette_app = pytest.importorskip("datasette.app")


async def _seeded_file(db_url: str) -> Path:
    db = Database.open(db_url)
    try:
        await seed(db)
        await checkpoint(db)
    finally:
        await db.close()
    return Path(db_url.split("///", 1)[1])


async def _get(path: Path, url: str) -> Any:
    ds = datasette_app.Datasette(
        immutables=[str(path)],
        metadata=datasette_metadata(path.stem),
        plugins_dir=str(PLUGINS_DIR),
    )
    response = await ds.client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


async def test_hit_posts_are_faceted_by_channel_category_and_day(db_url: str) -> None:
    path = await _seeded_file(db_url)
    data = await _get(path, "/archive/hit_posts.json?_shape=objects")
    facets = data["facet_results"]
    facets = facets.get("results", facets)
    by_category = {v["value"]: v["count"] for v in facets["category"]["results"]}
    assert by_category == {"summons": 5, "raid": 1}  # summons: 1, 2, 3, 5, 7 (deleted too)
    by_channel = {v["value"]: v["count"] for v in facets["channel"]["results"]}
    assert by_channel == {"@dvizh_mel": 4, "@zp_online": 2}
    assert "day" in facets


async def test_the_canned_search_finds_inflected_forms(db_url: str) -> None:
    path = await _seeded_file(db_url)
    data = await _get(path, "/archive/search.json?_shape=objects&q=повістки")
    assert sorted(row["message_id"] for row in data["rows"]) == [1, 2, 3, 5, 7]


def test_browse_runs_datasette_immutable_with_the_plugin(
    db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_seeded_file(db_url))
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["browse", "--print-command", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "datasette serve --immutable" in result.output
    assert f"--plugins-dir {PLUGINS_DIR}" in result.output
    assert "--port 8123" in result.output


def test_browse_without_the_extra_says_how_to_install_it(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browse_cli, "datasette_installed", lambda: False)
    result = CliRunner().invoke(app, ["browse"])
    assert result.exit_code == 2
    assert "pip install -e '.[browse]'" in result.output
