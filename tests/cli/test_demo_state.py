"""`demo --state-dir`: the demo clears only a folder it created, never a user's files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app
from monitor.demo.scenario import MARKER, fresh_state

runner = CliRunner()


def test_demo_refuses_a_folder_it_did_not_create(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "my_notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["demo", "--state-dir", str(notes)])
    assert result.exit_code == 1, result.output
    assert f"{notes} is not a folder the demo created" in result.output
    assert "pick a new or empty folder with --state-dir" in result.output
    assert "or delete this one yourself if nothing in it is needed" in result.output
    assert "Traceback" not in result.output
    assert (notes / "my_notes.txt").read_text(encoding="utf-8") == "keep me"


def test_demo_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "data.db"
    target.write_text("live", encoding="utf-8")
    result = runner.invoke(app, ["demo", "--state-dir", str(target)])
    assert result.exit_code == 1, result.output
    assert "is not a folder the demo created" in result.output
    assert target.read_text(encoding="utf-8") == "live"


def test_missing_empty_and_marked_folders_are_cleared(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert (fresh_state(missing) / MARKER).is_file()
    (missing / "draftwatch.db").write_text("old run", encoding="utf-8")
    again = fresh_state(missing)  # the demo's own folder: cleared, marker rewritten
    assert sorted(p.name for p in again.iterdir()) == [MARKER]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert sorted(p.name for p in fresh_state(empty).iterdir()) == [MARKER]
