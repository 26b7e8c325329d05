"""Browsing the archive in Datasette: facets by channel, category and day; inflection-aware search."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.cli import browse as browse_cli
from monitor.config import variables
from monitor.search.browse import PLUGINS_DIR, datasette_metadata
from monitor.store.engine import Database
from monitor.store.snapshot import checkpoint
from tests.search_archive import seed

datasette_app = pytest.importorskip("datasette.app")
pytestmark = pytest.mark.sqlite_only("datasette opens the SQLite file itself")
ROOT = Path(__file__).resolve().parents[2]


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
    assert sorted(row["message_id"] for row in data["rows"]) == [1, 2, 3, 5]  # deleted:no
    data = await _get(path, "/archive/search.json?_shape=objects&q=повістки deleted:any")
    assert sorted(row["message_id"] for row in data["rows"]) == [1, 2, 3, 5, 7]
    data = await _get(path, "/archive/search.json?_shape=objects&q=category:raid")
    assert [row["message_id"] for row in data["rows"]] == [4]  # filters alone


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


def test_sigterm_stops_datasette_and_removes_the_temporary_folder(
    db_url: str, clean_env: Path
) -> None:
    asyncio.run(_seeded_file(db_url))
    tmp = clean_env / "tmp"
    tmp.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in variables()}
    env |= {"DATABASE_URL": db_url, "TMPDIR": str(tmp), "CACHE_DIR": str(clean_env / "cache")}
    log = clean_env / "browse.log"
    with log.open("w", encoding="utf-8") as output:
        browse = subprocess.Popen(
            [sys.executable, str(ROOT / "bot.py"), "browse", "--port", str(port)],
            cwd=clean_env,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        while not _listening(port):  # Datasette up; the test's timeout bounds the wait
            assert browse.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.2)
        assert [p.name[:18] for p in tmp.iterdir()] == ["draftwatch-browse-"]
        browse.send_signal(signal.SIGTERM)
        browse.wait(timeout=60)
    finally:
        if browse.poll() is None:
            browse.kill()
    shown = log.read_text(encoding="utf-8")
    assert browse.returncode == 0, shown
    assert "browse stopped" in shown
    assert "Traceback" not in shown
    assert not _listening(port), "Datasette still serves after SIGTERM"
    assert list(tmp.iterdir()) == []


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_browse_on_postgresql_says_it_needs_the_sqlite_file_without_the_password(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://dw:S3cretPw@127.0.0.1:1/dw")
    result = CliRunner().invoke(app, ["browse"])
    assert result.exit_code == 2
    assert "browse needs the SQLite archive file" in result.output
    assert "postgresql+asyncpg://dw:***@127.0.0.1:1/dw" in result.output
    assert "S3cretPw" not in result.output
