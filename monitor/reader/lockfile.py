"""One process per session file: an exclusive lock beside it, with the holder's pid (does I/O)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from monitor.errors import AlreadyRunningError
from monitor.private_files import private_dir


def session_file(path: Path) -> Path:
    """The file Telethon keeps the session `path` in (it appends .session); creates nothing."""
    return path if path.name.endswith(".session") else path.with_name(path.name + ".session")


def lock_file_of(path: Path) -> Path:
    """The lock file beside `path` (a session file): `path` with `.lock` appended."""
    return path.with_name(path.name + ".lock")


class ProcessLock:
    """`with ProcessLock(path):` or AlreadyRunningError naming the process that holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            os.close(fd)
            raise AlreadyRunningError(
                str(self.path), int(holder) if holder.isdigit() else None
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ProcessLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def holder_pid(path: Path) -> int | None:
    """The pid of a live process holding the lock at `path`, or None."""
    if not path.is_file():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.read(fd, 32).decode(errors="replace").strip()
        return int(text) if text.isdigit() else None
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
