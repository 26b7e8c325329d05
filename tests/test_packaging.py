"""The package as pip builds it: every folder ships, the boundaries name every part, a wheel runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _packages_on_disk() -> set[str]:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "monitor").rglob("__init__.py")
    }
    return found | {"monitor.migrations", "monitor.migrations.versions"}


def _top_level_parts() -> set[str]:
    parts = set()
    for child in (ROOT / "monitor").iterdir():
        if child.is_dir() and (child / "__init__.py").exists():
            parts.add(f"monitor.{child.name}")
        elif child.suffix == ".py" and child.stem not in {"__init__", "__main__"}:
            parts.add(f"monitor.{child.stem}")
    return parts


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == _packages_on_disk(), "pyproject.toml [tool.setuptools] packages is out of date"


@pytest.mark.parametrize(
    "contract", PYPROJECT["tool"]["importlinter"]["contracts"], ids=lambda c: c["name"]
)
def test_every_part_of_monitor_is_bound_by_each_edge_contract(contract: dict[str, object]) -> None:
    sources = set(contract["source_modules"])  # type: ignore[call-overload]
    if sources == {"monitor.matching"}:
        return  # the purity contract names one package on purpose
    forbidden = set(contract["forbidden_modules"])  # type: ignore[call-overload]
    allowed_edges = {
        "telethon": {"monitor.telegram", "monitor.sandbox"},
        "sqlalchemy": {"monitor.store"},
        "apscheduler": {"monitor.scheduler"},
    }
    edges = set().union(*(allowed_edges.get(name, set()) for name in forbidden))
    missing = _top_level_parts() - sources - edges
    assert not missing, f"{contract['name']}: add {sorted(missing)} to its source_modules"


def test_the_boundary_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the built wheel; its dependencies come from this run's environment."""
    base = tmp_path_factory.mktemp("wheel")
    wheels = base / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The wheel goes in the venv's own site-packages; third-party packages are found after it.
    (site / "draftwatch-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    (wheel,) = wheels.glob("draftwatch-*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return venv / "bin" / "python"


def _draftwatch(
    python: Path, cwd: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return subprocess.run(
        [str(python), "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_the_wheel_runs_from_any_folder(installed: Path, tmp_path: Path) -> None:
    origin = _draftwatch(installed, tmp_path, "-c", "x")  # not a command: prints usage
    assert "Usage" in origin.stdout + origin.stderr
    where = subprocess.run(
        [str(installed), "-c", "import monitor; print(monitor.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where, f"imported the checkout, not the wheel: {where}"

    init = _draftwatch(installed, tmp_path, "init-config")
    assert init.returncode == 0, init.stderr
    assert (tmp_path / ".env").read_text(encoding="utf-8") == (
        ROOT / "config.example.env"
    ).read_text(encoding="utf-8")

    upgrade = _draftwatch(installed, tmp_path, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert "schema at head" in upgrade.stdout
    assert (tmp_path / "data" / "draftwatch.db").is_file()


def test_the_wheel_ships_every_feed_file(installed: Path) -> None:
    """Feed JSON and the images its posts name (photo, album) are package data of monitor.sandbox."""
    (shipped,) = installed.parents[1].glob("lib/python*/site-packages/monitor/sandbox/feeds")
    source = ROOT / "monitor" / "sandbox" / "feeds"
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()}
    missing = wanted - {p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file()}
    assert not missing, f"add their patterns to [tool.setuptools.package-data]: {sorted(missing)}"


@pytest.mark.slow
def test_the_wheel_serves_the_bundled_feeds(installed: Path, tmp_path: Path) -> None:
    state = tmp_path / "sandbox"
    with subprocess.Popen(
        [str(installed), "-m", "monitor", "sandbox", "--bundled-feeds", "--state-dir", str(state)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as server:
        deadline = time.monotonic() + 180
        ready = ""
        assert server.stdout is not None
        while time.monotonic() < deadline and "sandbox ready" not in ready:
            line = server.stdout.readline()
            if not line:
                break
            ready = line
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert "channels=12" in ready, f"the sandbox did not serve the bundled feeds: {ready!r}"


@pytest.mark.slow
def test_the_wheel_runs_the_demo(installed: Path, tmp_path: Path) -> None:
    demo = _draftwatch(
        installed, tmp_path, "demo", "--state-dir", str(tmp_path / "demo"), timeout=400
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "matched" in demo.stdout
