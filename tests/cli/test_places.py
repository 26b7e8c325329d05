"""CLI `places tag`, `places retag` and `channels add --region`: what the terminal shows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.store.engine import Database
from tests.search_archive import seed

runner = CliRunner()


def test_places_tag_shows_each_mention_and_how_it_was_resolved() -> None:
    result = runner.invoke(app, ["places", "tag", "У Мелітополі облава, в Артемовске тоже"])
    assert result.exit_code == 0, result.output
    assert "«Мелітополі» → Мелітополь / Мелитополь (Запорізька область)" in result.output
    assert "«Артемовске» → Бахмут (Донецька область) [largest]" in result.output


def test_places_tag_with_a_home_region_resolves_a_homonym() -> None:
    alone = runner.invoke(app, ["places", "tag", "В Васильевке раздают повестки"])
    assert "ambiguous (2 places): Василівка / Васильевка (Запорізька область)" in alone.output
    home = runner.invoke(
        app, ["places", "tag", "В Васильевке раздают повестки", "--region", "crimea"]
    )
    assert "(Автономна Республіка Крим) [home region]" in home.output


@pytest.mark.parametrize("command", [["places", "tag", "текст"], ["channels", "add", "@x"]])
def test_an_unknown_region_is_one_line_naming_the_known_ones(
    command: list[str], clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_API_ID", "12345")
    monkeypatch.setenv("TELEGRAM_API_HASH", "0123456789abcdef0123456789abcdef")
    result = runner.invoke(app, [*command, "--region", "atlantis"])
    assert result.exit_code == 2, result.output
    assert "error: --region: unknown region 'atlantis': use one of occupied, cherkasy" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_places_retag_tags_the_archive_and_rebuilds_the_index(
    db_url: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def seeded() -> None:
        db = Database.open(db_url)
        try:
            await seed(db)
        finally:
            await db.close()

    asyncio.run(seeded())
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = runner.invoke(app, ["places", "retag"])
    assert result.exit_code == 0, result.output
    assert "7 posts tagged, 7 posts indexed" in result.output
    found = runner.invoke(app, ["search", "region:zaporizhzhia", "--format", "jsonl"])
    assert found.exit_code == 0, found.output
    assert found.output.count('"link"') == 5  # Мелитополь ×2, Энергодар, Бердянськ, Запоріжжя


def test_patterns_check_and_check_config_never_load_the_gazetteer(clean_env: Path) -> None:
    """The gazetteer loads on first use (about half a second): these two must not pay for it."""
    import subprocess
    import sys

    script = (
        "from typer.testing import CliRunner\n"
        "from monitor.cli import app\n"
        "from monitor.places.gazetteer import default_gazetteer\n"
        "for args in (['patterns', 'check'], ['check-config']):\n"
        "    CliRunner().invoke(app, args)\n"
        "print('loaded', default_gazetteer.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().endswith("loaded 0"), done.stdout + done.stderr
