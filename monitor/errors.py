"""The error hierarchy: every error says what the caller does next and carries its data (no I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DraftwatchError(Exception):
    """Base of every error draftwatch raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One problem with one setting: which variable, and what to do about it."""

    variable: str
    problem: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.problem}"


class ConfigError(DraftwatchError):
    """Settings are missing or malformed; `problems` lists every one, each naming its variable."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems = tuple(problems)
        if len(self.problems) == 1:  # one line: the variable, the problem and its fix
            super().__init__(str(self.problems[0]))
            return
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} configuration problem(s):\n{lines}")


class NotFoundError(DraftwatchError):
    """A `get_*` found nothing: `kind` and `key` say what was looked for."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} {key!r}")


class SchemaOutdatedError(DraftwatchError):
    """The database schema is behind the code; run the command in the message."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        super().__init__(
            f"the database schema is at {current or 'nothing (empty database)'}, "
            f"the code needs {head}: run `python bot.py db upgrade` first"
        )


class PatternError(DraftwatchError):
    """A pattern pack is invalid: `source` and `line` point at the offending place."""

    def __init__(self, source: str, problem: str, line: int | None = None) -> None:
        self.source = source
        self.problem = problem
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}")


class CommandError(DraftwatchError):
    """A bot or CLI command was malformed; `user_message` is shown to the user as is."""

    def __init__(self, user_message: str) -> None:
        self.user_message = user_message
        super().__init__(user_message)


class QueryError(DraftwatchError):
    """A search query is malformed; the message explains it to the user."""

    def __init__(self, query: str, problem: str) -> None:
        self.query = query
        self.problem = problem
        super().__init__(f"cannot search for {query!r}: {problem}")


class ImportFileError(DraftwatchError):
    """An import file is malformed: `path` and `where` name what broke."""

    def __init__(self, path: str, where: str, problem: str) -> None:
        self.path = path
        self.where = where
        self.problem = problem
        super().__init__(f"{path}: {where}: {problem}")


class SourceUnavailableError(DraftwatchError):
    """A channel cannot be read (private, gone, not a channel); `reason` says which."""

    def __init__(self, channel: str, reason: str) -> None:
        self.channel = channel
        self.reason = reason
        super().__init__(f"channel {channel}: {reason}")


class RateLimitedError(DraftwatchError):
    """Telegram asked us to wait: try again after `retry_after` seconds."""

    def __init__(self, retry_after: int, what: str = "") -> None:
        self.retry_after = retry_after
        self.what = what
        super().__init__(
            f"rate limited{' on ' + what if what else ''}: retry after {retry_after} s"
        )


class DcRateLimitedError(RateLimitedError):
    """A FLOOD_WAIT on one data centre's file downloads (upload.getFile): only files stored on
    `dc_id` wait; the account's other requests and files on other DCs go on."""

    def __init__(self, retry_after: int, dc_id: int, what: str = "") -> None:
        self.dc_id = dc_id
        super().__init__(retry_after, what or f"files on DC {dc_id}")


class SessionDeadError(DraftwatchError):
    """The Telegram session is no longer valid; the operator must log in again."""

    def __init__(self, session: str, reason: str) -> None:
        self.session = session
        self.reason = reason
        super().__init__(
            f"the Telegram session {session} is dead ({reason}): run `python bot.py login` again"
        )


class AlreadyRunningError(DraftwatchError):
    """Another process holds the lock on a session or database file."""

    def __init__(self, path: str, pid: int | None) -> None:
        self.path = path
        self.pid = pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"{path} is in use by {who}: stop it first, one process per session")


class TelegramError(DraftwatchError):
    """Telegram answered with an error we do not handle specially; retried on the next cycle."""

    def __init__(self, what: str, error: str) -> None:
        self.what = what
        self.error = error
        super().__init__(f"Telegram error on {what}: {error}")


class LoginError(DraftwatchError):
    """Logging in failed; the message says why and what to do."""


class ArchiveBusyError(DraftwatchError):
    """Another process held the archive's write lock longer than a writer waits for it."""

    def __init__(self, path: str, waited_s: float) -> None:
        self.path = path
        self.waited_s = waited_s
        super().__init__(
            f"the archive {path} stayed locked by another process for {waited_s:.0f} s: "
            "find it (`fuser` on the file; an import or a stuck `sqlite3` shell?) and stop it"
        )


class SessionUnknownError(DraftwatchError):
    """The server no longer knows the session's auth key (logged out elsewhere, or reset)."""

    def __init__(self, session: str) -> None:
        self.session = session
        super().__init__(
            f"the Telegram server no longer knows the session {session} (logged out elsewhere "
            "or reset): run `python bot.py login` to log in again"
        )


class TelegramUnreachableError(DraftwatchError):
    """No connection to the MTProto server at `server` (None: real Telegram); nothing was sent."""

    def __init__(self, server: str | None, reason: str) -> None:
        self.server = server
        self.reason = reason
        fix = (
            "check your network connection and try again"
            if server is None
            else "start that server, or fix or unset TELEGRAM_SERVER"
        )
        where = f"the Telegram server at {server}" if server else "Telegram"
        super().__init__(f"cannot connect to {where} ({reason}): {fix}")


class ArchiveUnavailableError(DraftwatchError):
    """The archive cannot be opened or read: `url` (password masked by the caller) and `reason`."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(
            f"cannot open the archive {url} ({reason}): check DATABASE_URL, and that its "
            "folder is writable or its database server is running"
        )


class AlreadyDeliveredError(DraftwatchError):
    """Telegram already has a message with this random_id: it was delivered before a crash."""

    def __init__(self, random_id: int) -> None:
        self.random_id = random_id
        super().__init__(f"random_id {random_id} was delivered already: mark the alert sent")


class RecipientGoneError(DraftwatchError):
    """The user blocked the bot or deleted their account: deactivate them, drop their alerts."""

    def __init__(self, chat_id: int, reason: str) -> None:
        self.chat_id = chat_id
        self.reason = reason
        super().__init__(f"chat {chat_id} cannot receive messages ({reason}): deactivate it")


class DeliveryFailedError(DraftwatchError):
    """A send failed in a way worth retrying later (Telegram error, network).

    `offline` means the connection is down: wait and retry without counting an attempt, so an
    outage of any length loses nothing; other failures count toward giving up.
    """

    def __init__(self, chat_id: int, reason: str, *, offline: bool = False) -> None:
        self.chat_id = chat_id
        self.reason = reason
        self.offline = offline
        super().__init__(f"sending to chat {chat_id} failed ({reason}): retry with backoff")


class MediaUnavailableError(DraftwatchError):
    """A media item cannot be fetched: `permanent` (the post or its file is gone, the file is
    not in the export) or worth another try later (a cut download, an expired reference)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        self.reason = reason
        self.permanent = permanent
        super().__init__(reason)


class ImageRejected(DraftwatchError):  # noqa: N818 (named by the media interface)
    """An image that cannot or must not be decoded (corrupt, truncated, empty, a decompression
    bomb, an unknown format); `reason` says which, for the media row and the user."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"image rejected: {reason}")


class OcrUnavailable(DraftwatchError):  # noqa: N818 (named by the media interface)
    """Tesseract or one of its language packs is missing: `reason` says which, `command`
    installs it."""

    def __init__(self, reason: str, command: str) -> None:
        self.reason = reason
        self.command = command
        super().__init__(f"OCR is off: {reason}: install it with `{command}`")
