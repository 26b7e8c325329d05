"""Folders and files only their owner can read (0700, 0600), whatever the umask (does I/O)."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Create `path` and any missing parents 0700; folders that exist already are left as they are."""
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # created meanwhile by another process: its mode is its own
            continue
        folder.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask


def private_file(path: Path) -> bool:
    """Create an empty `path` 0600 (its folders 0700) unless it exists; True when it was created.

    A file that exists keeps its mode: the operator may have loosened it on purpose.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)  # os.open's mode is filtered by the umask too
    finally:
        os.close(fd)
    return True
