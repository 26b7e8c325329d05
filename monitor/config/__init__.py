"""Settings from the environment and an optional .env file; the only reader of os.environ (reads files)."""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config.env_file import read_env_file
from monitor.errors import ConfigError, ConfigProblem

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/draftwatch.db"
SQLITE_PREFIX = "sqlite+aiosqlite://"
POSTGRES_PREFIX = "postgresql+asyncpg://"
# Telethon packs api_id as a signed 32-bit int (initConnection); Telegram ids fit in 53 bits.
_MAX_API_ID = 2**31 - 1
_MAX_USER_ID = 2**53 - 1
_SQLITE_HEADER = b"SQLite format 3\x00"
# user:password@ in a URL's authority, and a password=... query parameter (asyncpg accepts both).
# Like SQLAlchemy's URL parser, the password runs from the user's colon to the first @.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@?#\s]*:)[^@\s]*(?=@)")
_QUERY_PASSWORD = re.compile(r"(?i)(?P<head>[?&]password=)[^&#]*")
SECRET_VARIABLES = frozenset({"TELEGRAM_API_HASH", "BOT_TOKEN"})
_BOT_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_API_HASH = re.compile(r"^[0-9a-fA-F]{32}$")
_HOST_PORT = re.compile(r"^(?P<host>[^:\s]+):(?P<port>\d{1,5})$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything draftwatch is configured with; built by `load_settings`, passed down, never global."""

    api_id: int | None = None
    api_hash: str | None = None
    reader_session: Path = Path("data/reader.session")
    bot_token: str | None = None
    bot_session: Path = Path("data/bot.session")
    admin_ids: tuple[int, ...] = ()
    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "UTC"
    log_level: str = "INFO"
    poll_interval_s: int = 300
    poll_min_interval_s: int = 60
    poll_max_interval_s: int = 3600
    poll_requests_per_minute: int = 60
    backfill_days: int = 7
    backfill_limit: int = 500
    recheck_hours: int = 48
    recheck_interval_s: int | None = None  # None: max(600, POLL_MAX_INTERVAL)
    flood_wait_alert_s: int = 3600
    flood_handover_s: int = 600  # a reader account held this long hands its channels over
    resolves_per_hour: int = 30  # username resolves per reader account
    poll_requests_per_minute_total: int | None = None  # all reader accounts together
    telegram_server: str | None = None
    telegram_server_key: Path | None = None
    telegram_dc_id: int = 2
    cache_dir: Path | None = None  # compiled pattern packs; None: compile in memory every time
    log_sql: bool = False  # aiosqlite and SQLAlchemy statements in the log (with their parameters)
    media_dir: Path | None = None  # None: `media` beside the archive file (see `media_folder`)
    media_max_bytes: int = 50 * 1024 * 1024
    media_kinds: frozenset[str] = frozenset({"photo", "document", "video", "voice"})
    ocr: bool = True

    @property
    def media_folder(self) -> Path:
        """MEDIA_DIR, else `media/` beside the SQLite archive (data/media for PostgreSQL)."""
        if self.media_dir is not None:
            return self.media_dir
        match = self.database_url.removeprefix(SQLITE_PREFIX)
        if match != self.database_url and match.startswith("/") and len(match) > 1:
            return Path(match[1:]).parent / "media"
        return Path("data/media")

    evidence_seal_interval_s: int = 86400  # custody entries sealed under a Merkle root this often
    evidence_tsa_urls: tuple[str, ...] = ()  # RFC 3161 TSAs that timestamp each seal; () = none
    evidence_tsa_ca: Path | None = None  # PEM file of the TSAs' root certificates (for bags)
    browse_password_hash: str | None = None  # `browse` asks for a password (a PBKDF2 hash)

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("api_hash", "bot_token", "browse_password_hash"):
            if shown[name]:
                shown[name] = "***"
        shown["database_url"] = redact_url(self.database_url)
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @property
    def server_address(self) -> tuple[str, int] | None:
        """(host, port) of a non-default MTProto server, or None for real Telegram."""
        if not self.telegram_server:
            return None
        m = _HOST_PORT.match(self.telegram_server)
        assert m is not None  # validated by load_settings
        return m["host"], int(m["port"])

    def missing_for_service(self) -> list[ConfigProblem]:
        """What `run` needs beyond the defaults; `check-config` reports these too."""
        problems: list[ConfigProblem] = []
        if self.api_id is None:
            problems.append(ConfigProblem("TELEGRAM_API_ID", _HELP["TELEGRAM_API_ID"]))
        if self.api_hash is None:
            problems.append(ConfigProblem("TELEGRAM_API_HASH", _HELP["TELEGRAM_API_HASH"]))
        if self.bot_token is None:
            problems.append(ConfigProblem("BOT_TOKEN", _HELP["BOT_TOKEN"]))
        if not self.admin_ids:
            problems.append(ConfigProblem("ADMIN_IDS", _HELP["ADMIN_IDS"]))
        return problems

    def require_reader(self) -> tuple[int, str]:
        """The API id and hash, or ConfigError naming what is missing."""
        missing = [p for p in self.missing_for_service() if p.variable.startswith("TELEGRAM_API")]
        if missing or self.api_id is None or self.api_hash is None:
            raise ConfigError(missing)
        return self.api_id, self.api_hash


_HELP = {
    "TELEGRAM_API_ID": "is not set: get it at my.telegram.org → API development tools",
    "TELEGRAM_API_HASH": "is not set: get it at my.telegram.org → API development tools",
    "BOT_TOKEN": "is not set: create a bot with @BotFather and paste its token",
    "ADMIN_IDS": "is not set: list the Telegram user ids of the admins, comma-separated "
    "(ask @userinfobot for yours)",
}


def shown(raw: str, limit: int = 60, *, quote: bool = True) -> str:
    """`raw` for an error message, cut to `limit` characters: a hostile value stays short."""
    text = raw if len(raw) <= limit else raw[:limit]
    text = repr(text) if quote else text
    return text if len(raw) <= limit else f"{text}… ({len(raw)} characters)"


def _int(lo: int, hi: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not raw.strip().lstrip("+-").isdigit() or len(raw) > 30:
            raise ValueError(f"must be a whole number from {lo} to {hi}, got {shown(raw)}")
        value = int(raw)
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo} and {hi}, got {shown(raw)}")
        return value

    return parse


def redact_url(url: str) -> str:
    """`url` (or any text holding URLs) with passwords shown as ***: for logs, errors, output."""
    return _QUERY_PASSWORD.sub(r"\g<head>***", _URL_PASSWORD.sub(r"\g<head>***", url))


def _api_id(raw: str) -> int:
    if not raw.isdigit():
        raise ValueError("must be a number: get it at my.telegram.org → API development tools")
    if not 0 < int(raw) <= _MAX_API_ID:
        raise ValueError(
            f"must be a number from 1 to {_MAX_API_ID}, got {len(raw)} digits: "
            "copy it again from my.telegram.org → API development tools"
        )
    return int(raw)


def _api_hash(raw: str) -> str:
    if not _API_HASH.match(raw):
        raise ValueError(
            "must be the 32-character hex api_hash from my.telegram.org → API development tools"
        )
    return raw


_PASSWORD_HASH = re.compile(r"^pbkdf2_sha256\$[0-9]{1,7}\$[^$\s]+\$[^$\s]+$")


def _password_hash(raw: str) -> str:
    if not _PASSWORD_HASH.match(raw):
        raise ValueError(
            "is not a password hash: make one with `.venv/bin/datasette hash-password`"
            " (it starts pbkdf2_sha256$)"
        )
    return raw


def _bot_token(raw: str) -> str:
    if not _BOT_TOKEN.match(raw):
        raise ValueError(
            "does not look like a bot token (123456:ABC...): copy it again from @BotFather"
        )
    return raw


def _admin_ids(raw: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
    bad = [p for p in parts if not p.lstrip("-").isdigit()]
    if bad:
        raise ValueError(
            f"must be numeric Telegram user ids, comma-separated; not ids: {shown(', '.join(bad), quote=False)}"
        )
    ids = tuple(int(p) for p in parts)
    huge = [p for p, i in zip(parts, ids, strict=True) if not 0 < i <= _MAX_USER_ID]
    if huge:
        raise ValueError(
            "a Telegram user id is a positive number below 2**53 (ask @userinfobot for yours); "
            f"not ids: {shown(', '.join(huge), quote=False)}"
        )
    return ids


def _timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        raise ValueError(
            f"unknown time zone {shown(raw)}: use an IANA name such as Europe/Kyiv"
        ) from None
    return raw


def _log_level(raw: str) -> str:
    if raw.upper() not in _LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}, got {shown(raw)}")
    return raw.upper()


def _database_url(raw: str) -> str:
    if raw.startswith(POSTGRES_PREFIX):
        if importlib.util.find_spec("asyncpg") is None:
            raise ValueError(
                "PostgreSQL needs the asyncpg driver, which is not installed: "
                "pip install 'draftwatch[postgres]'"
            )
        return raw
    if not raw.startswith(SQLITE_PREFIX):
        raise ValueError(
            "must be sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user@host/db"
        )
    problem = _sqlite_file_problem(raw.removeprefix(SQLITE_PREFIX).split("?", 1)[0])
    if problem:
        raise ValueError(problem)
    return raw


def _sqlite_file_problem(rest: str) -> str | None:
    """Why the part after sqlite+aiosqlite:// is not a usable archive file, or None."""
    example = "e.g. sqlite+aiosqlite:///data/draftwatch.db"
    if rest in ("", "/", "/:memory:"):
        return f"is an in-memory database, lost when draftwatch stops: name a file, {example}"
    if not rest.startswith("/"):
        return (
            f"has no file path ({shown(rest)} reads as a host name): use three slashes, {example}"
        )
    path = Path(rest[1:])
    if path.is_dir():
        return (
            f"points at the folder {path}: name the database file in it, e.g. {path}/draftwatch.db"
        )
    if not path.exists():
        return None
    try:
        with path.open("rb") as f:
            header = f.read(len(_SQLITE_HEADER))
    except OSError as e:
        return f"cannot read {path} ({e.strerror}): fix its permissions or point at another file"
    if header and header != _SQLITE_HEADER:
        return (
            f"{path} is not a SQLite database: point DATABASE_URL at the archive, or move it away"
        )
    return None


def _server(raw: str) -> str:
    m = _HOST_PORT.match(raw)
    if not m or not 0 < int(m["port"]) < 65536:
        raise ValueError(
            f"must be host:port with a port from 1 to 65535, got {shown(raw)} "
            "(unset it to use real Telegram)"
        )
    return raw


def _server_key(raw: str) -> Path:
    path = Path(raw)
    try:
        is_file = path.is_file()
    except OSError:  # a name too long for the file system
        is_file = False
    if not is_file:
        raise ValueError(f"no file at {shown(raw)}: point it at the server's public key PEM")
    try:
        head = path.read_bytes()[:4096]
    except OSError as e:
        raise ValueError(f"cannot read {shown(raw)} ({e.strerror}): fix its permissions") from None
    if b"-----BEGIN" not in head or b"PUBLIC KEY-----" not in head:
        raise ValueError(
            f"{shown(raw)} is not a PEM public key (no -----BEGIN RSA PUBLIC KEY----- line): "
            "point it at the server's public key PEM"
        )
    return path


MEDIA_KIND_NAMES = ("photo", "document", "video", "voice", "audio")


def _media_kinds(raw: str) -> frozenset[str]:
    kinds = {k.strip().lower() for k in raw.split(",") if k.strip()}
    unknown = sorted(kinds - set(MEDIA_KIND_NAMES))
    if unknown:
        raise ValueError(
            f"unknown media kind {', '.join(map(repr, unknown))}: use some of "
            f"{','.join(MEDIA_KIND_NAMES)} (photos are always kept)"
        )
    return frozenset(kinds | {"photo"})


def _tsa_urls(raw: str) -> tuple[str, ...]:
    urls = tuple(u.strip() for u in raw.split(",") if u.strip())
    for url in urls:
        if not re.match(r"^https?://[^\s/]+", url):
            raise ValueError(
                f"{shown(url)} is not an http(s) URL: list RFC 3161 TSAs, comma-separated "
                "(e.g. https://freetsa.org/tsr)"
            )
    return urls


def _flag(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be yes or no, got {raw!r}")


# variable -> (field name, parser)
_VARIABLES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "TELEGRAM_API_ID": ("api_id", _api_id),
    "TELEGRAM_API_HASH": ("api_hash", _api_hash),
    "READER_SESSION": ("reader_session", Path),
    "BOT_TOKEN": ("bot_token", _bot_token),
    "BOT_SESSION": ("bot_session", Path),
    "ADMIN_IDS": ("admin_ids", _admin_ids),
    "DATABASE_URL": ("database_url", _database_url),
    "DEFAULT_TIMEZONE": ("timezone", _timezone),
    "LOG_LEVEL": ("log_level", _log_level),
    "LOG_SQL": ("log_sql", _flag),
    "POLL_INTERVAL": ("poll_interval_s", _int(1, 86400)),
    "POLL_MIN_INTERVAL": ("poll_min_interval_s", _int(1, 86400)),
    "POLL_MAX_INTERVAL": ("poll_max_interval_s", _int(1, 7 * 86400)),
    "POLL_REQUESTS_PER_MINUTE": ("poll_requests_per_minute", _int(1, 600)),
    "BACKFILL_DAYS": ("backfill_days", _int(0, 3650)),
    "BACKFILL_LIMIT": ("backfill_limit", _int(0, 1_000_000)),
    "RECHECK_HOURS": ("recheck_hours", _int(0, 24 * 30)),
    "RECHECK_INTERVAL": ("recheck_interval_s", _int(1, 7 * 86400)),
    "FLOOD_WAIT_ALERT": ("flood_wait_alert_s", _int(1, 86400 * 7)),
    "FLOOD_HANDOVER": ("flood_handover_s", _int(1, 86400 * 7)),
    "RESOLVES_PER_HOUR": ("resolves_per_hour", _int(1, 3600)),
    "POLL_REQUESTS_PER_MINUTE_TOTAL": ("poll_requests_per_minute_total", _int(1, 60_000)),
    "TELEGRAM_SERVER": ("telegram_server", _server),
    "TELEGRAM_SERVER_KEY": ("telegram_server_key", _server_key),
    "TELEGRAM_DC_ID": ("telegram_dc_id", _int(1, 1000)),
    "CACHE_DIR": ("cache_dir", Path),
    "MEDIA_DIR": ("media_dir", Path),
    "MEDIA_MAX_BYTES": ("media_max_bytes", _int(0, 4 * 1024**3)),
    "MEDIA_KINDS": ("media_kinds", _media_kinds),
    "OCR": ("ocr", _flag),
    "EVIDENCE_SEAL_INTERVAL": ("evidence_seal_interval_s", _int(60, 30 * 86400)),
    "EVIDENCE_TSA_URLS": ("evidence_tsa_urls", _tsa_urls),
    "EVIDENCE_TSA_CA": ("evidence_tsa_ca", Path),
    "BROWSE_PASSWORD_HASH": ("browse_password_hash", _password_hash),
}
# Read beside our variables: where the per-user cache folder is by default.
_XDG_CACHE_HOME = "XDG_CACHE_HOME"


def variables() -> tuple[str, ...]:
    """Every variable draftwatch reads, in documentation order."""
    return tuple(_VARIABLES)


def read_environment(env_file: Path | None = Path(".env")) -> dict[str, str]:
    """The process environment over the .env file (the environment wins); the one os.environ read.

    ConfigError when the .env file cannot be read or parsed, naming the file and the fix.
    """
    merged: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        merged.update(relative_to(read_env_file(env_file), env_file.resolve().parent))
    merged.update({k: v for k, v in os.environ.items() if k in _VARIABLES or k == _XDG_CACHE_HOME})
    return merged


_PATH_VARIABLES = ("READER_SESSION", "BOT_SESSION", "TELEGRAM_SERVER_KEY", "CACHE_DIR")


def relative_to(values: Mapping[str, str], folder: Path) -> dict[str, str]:
    """A .env file's relative paths (sessions, the server key, the cache, a SQLite archive) read
    from the file's own folder, so `--env-file other/.env` works from any folder; absolute
    paths and the environment's values are left as they are."""
    out = dict(values)
    for name in _PATH_VARIABLES:
        raw = out.get(name, "").strip()
        if raw and not Path(raw).expanduser().is_absolute():
            out[name] = str(folder / raw)
    url = out.get("DATABASE_URL", "").strip()
    path = url.removeprefix(SQLITE_PREFIX + "/")  # three slashes then a relative path
    if url.startswith(SQLITE_PREFIX + "/") and path and not path.startswith(("/", ":memory:")):
        out["DATABASE_URL"] = f"{SQLITE_PREFIX}/{folder / path}"
    return out


def process_environment() -> dict[str, str]:
    """The whole process environment, for starting a child process (the demo's `python bot.py`)."""
    return dict(os.environ)


def unknown_variables(env: Mapping[str, str]) -> list[ConfigProblem]:
    """Names in `env` (in practice, in .env) that draftwatch does not read: most are typos."""
    problems = []
    for name in env:
        if name in _VARIABLES or name == _XDG_CACHE_HOME:
            continue
        close = difflib.get_close_matches(name, _VARIABLES, n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}?" if close else "config.example.env lists every variable"
        problems.append(ConfigProblem(name, f"is not a draftwatch variable: {hint}"))
    return problems


def parse_settings(env: Mapping[str, str]) -> Settings:
    """Build Settings from a mapping; raise ConfigError listing every malformed variable at once."""
    values: dict[str, Any] = {}
    problems = unknown_variables(env)
    for variable, (name, parse) in _VARIABLES.items():
        raw = env.get(variable, "").strip()
        if not raw:
            continue
        try:
            values[name] = parse(raw)
        except ValueError as e:
            problems.append(ConfigProblem(variable, str(e)))
    key_reported = "TELEGRAM_SERVER_KEY" in {p.variable for p in problems}
    if values.get("telegram_server") and not values.get("telegram_server_key") and not key_reported:
        problems.append(
            ConfigProblem(
                "TELEGRAM_SERVER_KEY", "must be set with TELEGRAM_SERVER: the server's PEM key"
            )
        )
    defaults = Settings()
    lo = values.get("poll_min_interval_s", defaults.poll_min_interval_s)
    hi = values.get("poll_max_interval_s", defaults.poll_max_interval_s)
    if lo > hi:
        problems.append(
            ConfigProblem("POLL_MIN_INTERVAL", f"({lo}) must not exceed POLL_MAX_INTERVAL ({hi})")
        )
    if problems:
        raise ConfigError(problems)
    values.setdefault("cache_dir", default_cache_dir(env))
    return Settings(**values)


def default_cache_dir(env: Mapping[str, str]) -> Path | None:
    """$XDG_CACHE_HOME/draftwatch, else ~/.cache/draftwatch; None when there is no home folder."""
    base = env.get(_XDG_CACHE_HOME, "").strip()
    if base and Path(base).is_absolute():  # the XDG spec says to ignore a relative path
        return Path(base) / "draftwatch"
    try:
        return Path.home() / ".cache" / "draftwatch"
    except RuntimeError:
        return None


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Settings from the environment and .env; ConfigError names every problem."""
    return parse_settings(read_environment(env_file))


def env_file_problem(env_file: Path) -> str | None:
    """A warning when the .env file holding secrets can be read by other users."""
    if env_file.is_file() and env_file.stat().st_mode & 0o077:
        return f"{env_file} is readable by other users: run `chmod 600 {env_file}`"
    return None
