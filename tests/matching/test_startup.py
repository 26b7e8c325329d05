"""Start-up of the matcher's commands: `--help` and `check-config` load no part of the matcher,
and a one-off `match` with a warm compile cache reads its snapshot without loading the
dictionaries (test_snapshot.py shows it parses no pack; bench/matcher.py measures the seconds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from typer.testing import CliRunner
from monitor.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"code": result.exit_code, "output": result.output,
                  "modules": sorted(m for m in sys.modules if m.startswith(("monitor", "pymorphy3", "rich")))}))
"""
ENV_FILE = (
    "TELEGRAM_API_ID=12345\nTELEGRAM_API_HASH=0123456789abcdef0123456789abcdef\n"
    "BOT_TOKEN=123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789\nADMIN_IDS=1\n"
)


def run(cache: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
        env={"CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(cache.parent)},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_help_and_check_config_load_no_part_of_the_matcher(tmp_path: Path) -> None:
    env_file = tmp_path / "draftwatch.env"
    env_file.write_text(ENV_FILE, encoding="utf-8")
    env_file.chmod(0o600)
    for args in (["--help"], ["--env-file", str(env_file), "check-config"]):
        result = run(tmp_path / "cache", *args)
        assert result["code"] == 0, result["output"]
        loaded = set(result["modules"])  # type: ignore[arg-type]
        heavy = {
            "pymorphy3",
            "monitor.matching.compiler",
            "monitor.matching.packs",
            "monitor.matching.cache",
            "monitor.digest.build",
        }
        assert not loaded & heavy, (args, loaded & heavy)


def test_a_one_off_match_from_a_warm_cache_reads_the_snapshot_without_the_dictionaries(
    tmp_path: Path,
) -> None:
    cold = run(tmp_path / "cache", "match", "Пришла повестка из военкомата")
    assert "pymorphy3" in cold["modules"]  # type: ignore[operator]
    warm = run(tmp_path / "cache", "match", "Пришла повестка из военкомата")
    assert warm["code"] == 0
    assert warm["output"] == cold["output"]
    assert "ru.summons.povestka" in str(warm["output"])
    loaded = set(warm["modules"])  # type: ignore[arg-type]
    assert "pymorphy3" not in loaded
    assert "monitor.matching.snapshot" in loaded
