"""`make demo` as a newcomer runs it: the whole pipeline, real output, exit 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.standalone import BOT


@pytest.mark.timeout(300)  # the subprocess's own limit (240 s) must fire first on a busy machine
def test_the_demo_catches_the_draft_notices_and_spares_the_false_friends(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, BOT, "demo", "--state-dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert out.count(" HIT ") == 8  # 7 by their text, 1 by OCR of its photo alone
    assert "Повестка дня городского совета" in out  # shown as a plain post, not a hit
    assert "HIT" not in next(
        line for line in out.splitlines() if "Повестка дня городского совета" in line
    )
    assert "posts stored                 │    20" in out
    assert " OCR HIT " in out
    assert "pressed ✅ Approve; @olena_analyst is in" in out
    assert "ALERT → @olena_analyst" in out
    alerted = "\n".join(line for line in out.splitlines() if line.lstrip().startswith("│"))
    for notice in ("раздают повестки прямо у рынка", "вручають повістки", "на воинский учёт"):
        assert notice in alerted  # what the analyst received, read from her own client
    assert "Повестка дня" not in alerted
    assert "📷 in the photo: «повістка»" in alerted  # only OCR could raise this one
    assert "draftwatch stopped (exit 0)" in out
