"""Hostile .env files through `check-config` (in-process, the same Typer command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.hostile.corpus import MAX_MESSAGE, bytes_of, check_memory, params

runner = CliRunner()


@pytest.mark.parametrize("case", params("env_files"))
def test_check_config_reports_or_accepts_a_hostile_env_file(
    case: dict[str, Any], clean_env: Path
) -> None:
    env_file = clean_env / ".env"
    env_file.write_bytes(bytes_of(case))
    env_file.chmod(0o600)
    result = runner.invoke(app, ["--env-file", str(env_file), "check-config"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 2), result.exit_code
    assert "Traceback" not in result.output
    for line in result.output.splitlines():
        assert len(line) <= MAX_MESSAGE, f"a line of {len(line)} characters"
    check_memory()
