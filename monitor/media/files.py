"""The media archive on disk: content-addressed files (ab/cd/abcdef…), de-duplicated, written
atomically (temp file, fsync, rename), files 0600 and folders 0700 (does I/O).

A crash or a cut download leaves at most a temp file in `tmp/`, never a half-written file under
its hash: `clean_temp` removes them at start.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from monitor.private_files import PRIVATE_FILE_MODE, private_dir

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
TEMP_DIR = "tmp"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file in the archive: its hash, size and path; `new` unless the same bytes were there."""

    sha256: str
    size: int
    path: Path
    new: bool


@dataclass(frozen=True, slots=True)
class TempFile:
    """A file being written in tmp/: `handle` to write to (Telethon downloads into it)."""

    path: Path
    handle: BinaryIO


@dataclass(frozen=True, slots=True)
class DiskUse:
    files: int
    bytes: int


class MediaFiles:
    """Files under one folder, named by the SHA-256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        """ab/cd/abcd… under the root; ValueError for anything but 64 lowercase hex digits."""
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r:.80}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    @property
    def temp_dir(self) -> Path:
        return self.root / TEMP_DIR

    def clean_temp(self) -> int:
        """Remove what a crash or a cut download left in tmp/; how many files went."""
        removed = 0
        if not self.temp_dir.is_dir():
            return 0
        for leftover in self.temp_dir.iterdir():
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
                removed += 1
        if removed:
            logger.info("media: removed %d unfinished temp files from %s", removed, self.temp_dir)
        return removed

    @contextlib.contextmanager
    def writing(self) -> Iterator[TempFile]:
        """A private temp file to write into; removed on exit unless `commit` moved it."""
        private_dir(self.temp_dir)
        path = self.temp_dir / f"part-{os.getpid()}-{os.urandom(8).hex()}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        os.fchmod(fd, PRIVATE_FILE_MODE)  # os.open's mode is filtered by the umask
        temp = TempFile(path, os.fdopen(fd, "wb"))
        try:
            yield temp
        finally:
            if not temp.handle.closed:
                temp.handle.close()
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def commit(self, temp: TempFile) -> StoredFile:
        """Hash the finished temp file, fsync it and rename it to its place (or drop it when
        the same bytes are stored already). OSError (a full disk: ENOSPC) leaves nothing."""
        temp.handle.flush()
        os.fsync(temp.handle.fileno())
        temp.handle.close()
        sha, size = _hash_file(temp.path)
        target = self.path_for(sha)
        if target.exists() and target.stat().st_size == size:
            temp.path.unlink()
            return StoredFile(sha, size, target, new=False)
        private_dir(target.parent)
        os.replace(temp.path, target)
        _fsync_dir(target.parent)
        return StoredFile(sha, size, target, new=True)

    def store_bytes(self, data: bytes) -> StoredFile:
        with self.writing() as temp:
            temp.handle.write(data)
            return self.commit(temp)

    def store_copy(self, source: Path, *, max_bytes: int | None = None) -> StoredFile:
        """Copy a file (an import's photo) into the archive, reading it in chunks."""
        with self.writing() as temp, source.open("rb") as src:
            copied = 0
            while chunk := src.read(_CHUNK):
                copied += len(chunk)
                if max_bytes is not None and copied > max_bytes:
                    raise FileTooLargeError(max_bytes)
                temp.handle.write(chunk)
            return self.commit(temp)

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def disk_use(self) -> DiskUse:
        files = total = 0
        if not self.root.is_dir():
            return DiskUse(0, 0)
        for path in self.root.glob("??/??/*"):
            if path.is_file():
                files += 1
                total += path.stat().st_size
        return DiskUse(files, total)


class FileTooLargeError(Exception):
    """More bytes than MEDIA_MAX_BYTES arrived (the size Telegram gave was wrong or missing)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"larger than MEDIA_MAX_BYTES ({limit} bytes)")


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _fsync_dir(folder: Path) -> None:
    """The rename itself reaches the disk (POSIX: fsync the folder)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
