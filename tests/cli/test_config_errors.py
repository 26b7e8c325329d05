"""Bad settings, files and servers: one line naming the problem and the fix, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.config import variables
from monitor.reader.lockfile import ProcessLock
from monitor.sandbox.crypto import ServerKey
from monitor.store import migrate

ROOT = Path(__file__).resolve().parents[2]
API_HASH = "0123456789abcdef0123456789abcdef"
BOT_TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
COMPLETE = {
    "TELEGRAM_API_ID": "12345",
    "TELEGRAM_API_HASH": API_HASH,
    "BOT_TOKEN": BOT_TOKEN,
    "ADMIN_IDS": "111",
}
PASSWORD = "S3cretPassw0rd"
PG_URL = f"postgresql+asyncpg://draftwatch:{PASSWORD}@127.0.0.1:1/draftwatch"
# Runs the CLI with asyncpg unimportable, as on an install without the `postgres` extra.
WITHOUT_ASYNCPG = "import sys; sys.modules['asyncpg'] = None; from monitor.cli import main; main()"


def draftwatch(
    folder: Path, *args: str, env_file: str = "", code: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python bot.py --env-file folder/.env ARGS` in `folder`, with only `env` set of ours."""
    environ = {k: v for k, v in os.environ.items() if k not in variables()}
    # PYTHONPATH: `-c` code imports this tree's monitor, whatever the venv has installed.
    environ |= {"CACHE_DIR": str(folder / "cache"), "PYTHONPATH": str(ROOT), **env}
    dotenv = folder / ".env"
    if env_file:
        dotenv.write_text(env_file, encoding="utf-8")
    command = ["-c", code] if code else [str(ROOT / "bot.py")]
    return subprocess.run(
        [sys.executable, *command, "--env-file", str(dotenv), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
        env=environ,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def last_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


def _write(folder: Path, name: str, data: bytes) -> str:
    (folder / name).write_bytes(data)
    return str(folder / name)


CHECK = ("check-config",)
API_ID_TOO_BIG = "must be a number from 1 to 2147483647, got 40 digits"
# (command, variable, its value or a function of the folder making it, what the message says)
BAD_SETTINGS: list[tuple[tuple[str, ...], str, Callable[[Path], str], str]] = [
    (
        CHECK,
        "TELEGRAM_API_ID",
        lambda _: "1" * 40,
        "must be a number from 1 to 2147483647, got 40 digits",
    ),
    (
        ("run",),
        "TELEGRAM_API_ID",
        lambda _: "1" * 40,
        "must be a number from 1 to 2147483647, got 40 digits",
    ),
    (CHECK, "TELEGRAM_SERVER", lambda _: "127.0.0.1:99999", "port from 1 to 65535"),
    (("login",), "TELEGRAM_SERVER", lambda _: "127.0.0.1:99999", "port from 1 to 65535"),
    (
        ("channels", "add", "@x"),
        "TELEGRAM_SERVER_KEY",
        lambda d: _write(d, "key.pem", b"not a key\n"),
        "is not a PEM public key",
    ),
    (
        ("db", "upgrade"),
        "DATABASE_URL",
        lambda d: f"sqlite+aiosqlite:///{d}",
        "points at the folder",
    ),
    (
        CHECK,
        "DATABASE_URL",
        lambda d: "sqlite+aiosqlite:///" + _write(d, "notes.txt", b"shopping list\n"),
        "is not a SQLite database",
    ),
    (("db", "current"), "DATABASE_URL", lambda _: "sqlite+aiosqlite://garbage", "three slashes"),
    (("db", "upgrade"), "DATABASE_URL", lambda _: "sqlite+aiosqlite://", "in-memory database"),
    (CHECK, "DATABASE_URL", lambda _: "sqlite+aiosqlite:///:memory:", "in-memory database"),
    (CHECK, "ADMIN_IDS", lambda _: "1" * 30, "positive number below 2**53"),
    (CHECK, "ADMIN_IDS", lambda _: "-5", "positive number below 2**53"),
]


@pytest.mark.parametrize(("command", "variable", "make_value", "message"), BAD_SETTINGS)
def test_a_bad_setting_is_one_line_naming_it(
    tmp_path: Path,
    command: tuple[str, ...],
    variable: str,
    make_value: Callable[[Path], str],
    message: str,
) -> None:
    env = {
        **COMPLETE,
        "TELEGRAM_SERVER": "127.0.0.1:4430",
        "TELEGRAM_SERVER_KEY": _write(tmp_path, "ok.pem", b"-----BEGIN RSA PUBLIC KEY-----\n"),
    }
    env[variable] = make_value(tmp_path)
    line = one_line_error(draftwatch(tmp_path, *command, **env))
    assert line.startswith(f"error: {variable}: ")
    assert message in line
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("POLL_INTERVAL=30\n".encode("utf-16"), "is UTF-16 text: save it as UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x80garbage", "is not UTF-8 text"),
        (b"TELEGRAM_API_ID=12345\x00\x00\n", "NUL bytes"),
        (b"POLL_INTERVAL=30\nthis line 'is not an assignment\n", "line 2"),
        (
            b"POLL_INTERVALL=30\n",
            "POLL_INTERVALL: is not a draftwatch variable: did you mean POLL_INTERVAL?",
        ),
        (b"FROBNICATE=1\n", "FROBNICATE: is not a draftwatch variable"),
    ],
)
def test_a_broken_env_file_is_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / ".env").write_bytes(content)
    (tmp_path / ".env").chmod(0o600)
    line = one_line_error(draftwatch(tmp_path, "check-config", **COMPLETE))
    assert message in line


def test_a_utf16_env_file_is_one_line_for_any_command(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("POLL_INTERVAL=30\n".encode("utf-16"))
    line = one_line_error(draftwatch(tmp_path, "db", "current"))
    assert line == (
        f"error: {tmp_path / '.env'}: is UTF-16 text: save it as UTF-8 "
        f"(iconv -f UTF-16 -t UTF-8 {tmp_path / '.env'})"
    )


def test_check_config_without_asyncpg_names_the_extra(tmp_path: Path) -> None:
    result = draftwatch(
        tmp_path, "check-config", code=WITHOUT_ASYNCPG, DATABASE_URL=PG_URL, **COMPLETE
    )
    line = one_line_error(result)
    assert "pip install 'draftwatch[postgres]'" in line


def test_db_upgrade_without_asyncpg_names_the_extra(tmp_path: Path) -> None:
    result = draftwatch(
        tmp_path, "db", "upgrade", code=WITHOUT_ASYNCPG, DATABASE_URL=PG_URL, **COMPLETE
    )
    line = one_line_error(result)
    assert "DATABASE_URL: PostgreSQL needs the asyncpg driver" in line
    assert PASSWORD not in line


def test_check_config_masks_the_database_password(tmp_path: Path) -> None:
    # find_spec is all check-config asks of the driver: an empty package stands in for asyncpg.
    (tmp_path / "fake" / "asyncpg").mkdir(parents=True)
    (tmp_path / "fake" / "asyncpg" / "__init__.py").write_text("")
    result = draftwatch(
        tmp_path,
        "check-config",
        PYTHONPATH=f"{tmp_path / 'fake'}{os.pathsep}{ROOT}",
        DATABASE_URL=PG_URL,
        **COMPLETE,
    )
    assert result.returncode == 0, result.stderr
    assert "configuration OK: database postgresql+asyncpg://draftwatch:***@127.0.0.1:1" in (
        result.stdout
    )
    assert PASSWORD not in result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def nothing_listening(
    tmp_path: Path, sandbox_server_key: ServerKey, migrated_template: Path
) -> dict[str, str]:
    """Settings pointing at a port where no server listens, with a real key and archive."""
    (tmp_path / "archive.db").write_bytes(migrated_template.read_bytes())
    return {
        **COMPLETE,
        "TELEGRAM_SERVER": f"127.0.0.1:{_free_port()}",
        "TELEGRAM_SERVER_KEY": _write(tmp_path, "server.pem", sandbox_server_key.public_pem),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'archive.db'}",
    }


@pytest.mark.parametrize(
    "command",
    [["login", "--phone", "+380501234567"], ["channels", "add", "@melitopol_news"], ["run"]],
)
def test_no_server_listening_is_one_line(
    tmp_path: Path, nothing_listening: dict[str, str], command: list[str]
) -> None:
    result = draftwatch(tmp_path, *command, **nothing_listening)
    # Telethon's own warnings about each attempt may come first; the error is the last line.
    line = last_line_error(result)
    server = nothing_listening["TELEGRAM_SERVER"]
    assert f"error: cannot connect to the Telegram server at {server}" in line
    assert "start that server, or fix or unset TELEGRAM_SERVER" in line


def test_a_malformed_pem_key_is_one_line_at_login(
    tmp_path: Path, nothing_listening: dict[str, str]
) -> None:
    key = b"-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"
    env = {**nothing_listening, "TELEGRAM_SERVER_KEY": _write(tmp_path, "bad.pem", key)}
    line = one_line_error(draftwatch(tmp_path, "login", "--phone", "+380501234567", **env))
    assert "TELEGRAM_SERVER_KEY:" in line
    assert "is not a readable PEM RSA public key" in line


def test_db_current_only_reads(tmp_path: Path) -> None:
    result = draftwatch(tmp_path, "db", "current", **COMPLETE)
    assert result.returncode == 0, result.stderr
    assert "database: none (no archive at data/draftwatch.db)" in result.stdout
    assert not (tmp_path / "data").exists()


def test_debug_logging_leaves_out_sql_and_its_parameters(
    tmp_path: Path, migrated_template: Path
) -> None:
    (tmp_path / "archive.db").write_bytes(migrated_template.read_bytes())
    url = f"sqlite+aiosqlite:///{tmp_path / 'archive.db'}"
    quiet = draftwatch(tmp_path, "db", "current", LOG_LEVEL="DEBUG", DATABASE_URL=url)
    assert quiet.returncode == 0, quiet.stderr
    assert "up to date" in quiet.stdout
    assert "SELECT" not in quiet.stderr
    assert "aiosqlite" not in quiet.stderr
    asked = draftwatch(
        tmp_path, "db", "current", LOG_LEVEL="DEBUG", LOG_SQL="yes", DATABASE_URL=url
    )
    assert "SELECT" in asked.stderr


def test_db_downgrade_is_refused_while_the_service_runs(
    tmp_path: Path, migrated_template: Path
) -> None:
    archive = tmp_path / "archive.db"
    archive.write_bytes(migrated_template.read_bytes())
    url = f"sqlite+aiosqlite:///{archive}"
    # The lock `run` holds beside the reader's session file.
    with ProcessLock(tmp_path / "data" / "reader.session.lock"):
        result = draftwatch(tmp_path, "db", "downgrade", "base", DATABASE_URL=url)
    line = one_line_error(result)
    assert f"draftwatch is running (process {os.getpid()}" in line
    assert "stop it first" in line
    current = draftwatch(tmp_path, "db", "current", DATABASE_URL=url)
    assert f"database: {migrate.head_revision()}" in current.stdout


def test_an_unexpected_error_prints_where_its_traceback_is(tmp_path: Path) -> None:
    code = (
        "import monitor.cli.settings as s\n"
        "def boom(env): raise RuntimeError('boom at postgresql://u:hunter2@db/x')\n"
        "s.parse_settings = boom\n"
        "from monitor.cli import main; main()"
    )
    line = one_line_error(draftwatch(tmp_path, "check-config", code=code))
    assert line.startswith("error: unexpected RuntimeError: boom at postgresql://u:***@db/x")
    saved = Path(line.split("the traceback is in ")[1].split(";")[0])
    try:
        assert "Traceback" in saved.read_text(encoding="utf-8")
        assert "hunter2" not in saved.read_text(encoding="utf-8")
        assert saved.stat().st_mode & 0o777 == 0o600
    finally:
        saved.unlink()


@pytest.mark.parametrize("command", [("db", "upgrade"), ("channels", "list")])
def test_an_archive_that_cannot_be_created_is_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    notes = _write(tmp_path, "notes.txt", b"shopping list\n")
    url = f"sqlite+aiosqlite:///{notes}/archive.db"
    line = one_line_error(draftwatch(tmp_path, *command, DATABASE_URL=url))
    assert line.startswith(f"error: cannot open the archive {url} ([Errno 20] Not a directory")
    assert line.endswith(
        "check DATABASE_URL, and that its folder is writable or its database server is running"
    )
