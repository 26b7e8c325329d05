"""Start-up: `--help` and `match` leave the libraries that only other commands need unimported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Each of these costs 0.1-0.3 s to import; together they were most of a 1.3 s `--help`.
HEAVY = (
    "telethon",
    "matplotlib",
    "alembic",
    "sqlalchemy",
    "apscheduler",
    "monitor.app",
    "monitor.sandbox.api",
)
PROBE = """
import sys
from typer.testing import CliRunner
from monitor.cli import app
for args in (["--help"], ["match", "Пришла повестка"]):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert ("повестка" in result.output) == (args[0] == "match"), result.output
print(" ".join(name for name in {heavy!r} if name in sys.modules))
"""


def test_help_and_match_import_neither_telethon_nor_matplotlib_nor_alembic() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at start-up: {result.stdout}"
