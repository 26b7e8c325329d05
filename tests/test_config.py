"""Settings: parsing, every problem reported at once, secrets never shown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import load_settings, parse_settings, redact_url, variables
from monitor.errors import ConfigError

API_HASH = "0123456789abcdef0123456789abcdef"
BOT_TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
COMPLETE = {
    "TELEGRAM_API_ID": "12345",
    "TELEGRAM_API_HASH": API_HASH,
    "BOT_TOKEN": BOT_TOKEN,
    "ADMIN_IDS": "111, 222",
}


def test_complete_settings_parse() -> None:
    s = parse_settings({**COMPLETE, "DEFAULT_TIMEZONE": "Europe/Kyiv", "POLL_INTERVAL": "120"})
    assert (s.api_id, s.admin_ids, s.timezone, s.poll_interval_s) == (
        12345,
        (111, 222),
        "Europe/Kyiv",
        120,
    )
    assert s.missing_for_service() == []
    assert s.server_address is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"CACHE_DIR": "/srv/dw-cache", "XDG_CACHE_HOME": "/xdg"}, Path("/srv/dw-cache")),
        ({"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/draftwatch")),
        ({"XDG_CACHE_HOME": "relative/ignored"}, Path.home() / ".cache" / "draftwatch"),
        ({}, Path.home() / ".cache" / "draftwatch"),
    ],
)
def test_the_cache_folder_is_cache_dir_else_the_xdg_one(
    env: dict[str, str], expected: Path
) -> None:
    assert parse_settings(env).cache_dir == expected


def test_xdg_cache_home_is_read_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert load_settings(clean_env / ".env").cache_dir == Path("/xdg/draftwatch")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TELEGRAM_API_ID", "abc", "must be a number: get it at my.telegram.org"),
        ("TELEGRAM_API_HASH", "short", "32-character hex"),
        ("BOT_TOKEN", "nope", "@BotFather"),
        ("ADMIN_IDS", "111,bob", "not ids: bob"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "Europe/Kyiv"),
        ("LOG_LEVEL", "LOUD", "must be one of"),
        ("POLL_INTERVAL", "0", "between 1 and"),
        ("DATABASE_URL", "mysql://x", "sqlite+aiosqlite"),
        ("TELEGRAM_SERVER", "localhost", "host:port"),
        ("TELEGRAM_SERVER_KEY", "/nonexistent/key.pem", "no file at"),
    ],
)
def test_malformed_variable_is_named_with_the_fix(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({**COMPLETE, variable: value})
    assert [p.variable for p in caught.value.problems] == [variable]
    assert message in caught.value.problems[0].problem


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(
            {
                "TELEGRAM_API_ID": "x",
                "LOG_LEVEL": "LOUD",
                "POLL_MIN_INTERVAL": "900",
                "POLL_MAX_INTERVAL": "60",
            }
        )
    assert {p.variable for p in caught.value.problems} == {
        "TELEGRAM_API_ID",
        "LOG_LEVEL",
        "POLL_MIN_INTERVAL",
    }


def test_server_needs_its_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_SERVER_KEY"):
        parse_settings({"TELEGRAM_SERVER": "127.0.0.1:4430"})
    key = tmp_path / "server.pem"
    key.write_text("-----BEGIN RSA PUBLIC KEY-----\n")
    s = parse_settings({"TELEGRAM_SERVER": "127.0.0.1:4430", "TELEGRAM_SERVER_KEY": str(key)})
    assert s.server_address == ("127.0.0.1", 4430)


def test_secrets_are_not_in_the_repr() -> None:
    text = repr(parse_settings(COMPLETE))
    assert API_HASH not in text
    assert BOT_TOKEN not in text
    assert "api_hash='***'" in text


def test_config_example_documents_every_variable() -> None:
    example = (Path(__file__).parents[1] / "config.example.env").read_text(encoding="utf-8")
    for name in variables():
        assert f"{name}=" in example, f"{name} is not documented in config.example.env"


runner = CliRunner()


def test_check_config_on_an_empty_environment_names_every_missing_variable(clean_env: Path) -> None:
    result = runner.invoke(app, ["check-config"])
    assert result.exit_code == 1
    for name in ("TELEGRAM_API_ID", "TELEGRAM_API_HASH", "BOT_TOKEN", "ADMIN_IDS"):
        assert name in result.output
    assert "my.telegram.org" in result.output


def test_check_config_reports_malformed_and_missing_together_without_secrets(
    clean_env: Path,
) -> None:
    (clean_env / ".env").write_text(
        f"TELEGRAM_API_ID=abc\nBOT_TOKEN={BOT_TOKEN}\nTELEGRAM_API_HASH={API_HASH}x\n"
    )
    result = runner.invoke(app, ["check-config"])
    assert result.exit_code == 1
    assert "TELEGRAM_API_ID: must be a number" in result.output
    assert "ADMIN_IDS" in result.output
    assert "TELEGRAM_API_HASH" in result.output
    assert BOT_TOKEN not in result.output
    assert API_HASH not in result.output


def test_check_config_on_a_complete_environment_exits_zero(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["check-config"])
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output
    assert BOT_TOKEN not in result.output
    assert API_HASH not in result.output


def test_check_config_warns_about_a_readable_env_file(clean_env: Path) -> None:
    env = clean_env / ".env"
    env.write_text("".join(f"{k}={v}\n" for k, v in COMPLETE.items()))
    env.chmod(0o644)
    result = runner.invoke(app, ["check-config"])
    assert result.exit_code == 0
    assert "chmod 600" in result.output


def test_init_config_creates_a_private_env_file(clean_env: Path) -> None:
    example = Path(__file__).parents[1] / "config.example.env"
    result = runner.invoke(app, ["init-config", "--example", str(example)])
    assert result.exit_code == 0, result.output
    env = clean_env / ".env"
    assert env.stat().st_mode & 0o777 == 0o600
    assert "TELEGRAM_API_ID=" in env.read_text(encoding="utf-8")
    again = runner.invoke(app, ["init-config", "--example", str(example)])
    assert again.exit_code == 1
    assert "exists already" in again.output


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "postgresql+asyncpg://draftwatch:S3cretPassw0rd@db.example.org/draftwatch",
            "postgresql+asyncpg://draftwatch:***@db.example.org/draftwatch",
        ),
        ("postgresql+asyncpg://u:pa/ss:w@h:5432/db", "postgresql+asyncpg://u:***@h:5432/db"),
        (
            "postgresql+asyncpg://h/db?user=u&password=hunter2",
            "postgresql+asyncpg://h/db?user=u&password=***",
        ),
        (
            "postgresql+asyncpg://postgres@127.0.0.1/dw",
            "postgresql+asyncpg://postgres@127.0.0.1/dw",
        ),
        ("sqlite+aiosqlite:///data/draftwatch.db", "sqlite+aiosqlite:///data/draftwatch.db"),
        ("error at postgresql://a:b@h/x, retrying", "error at postgresql://a:***@h/x, retrying"),
    ],
)
def test_redact_url_masks_passwords_only(text: str, shown: str) -> None:
    assert redact_url(text) == shown


def test_the_database_password_is_not_in_the_repr() -> None:
    url = "postgresql+asyncpg://u:S3cret@h/db"  # set directly: asyncpg may not be installed
    settings = replace(parse_settings(COMPLETE), database_url=url)
    assert "S3cret" not in repr(settings)
