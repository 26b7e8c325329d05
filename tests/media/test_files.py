"""The content-addressed media folder: paths from the hash, the same bytes once, private modes,
and no half-written file under a hash whatever goes wrong."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from monitor.media.files import FileTooLargeError, MediaFiles


def test_a_file_lands_under_its_hash_private_and_once(tmp_path: Path) -> None:
    files = MediaFiles(tmp_path / "media")
    data = "повістка".encode() * 100
    sha = hashlib.sha256(data).hexdigest()
    first = files.store_bytes(data)
    again = files.store_bytes(data)
    assert (first.sha256, first.size, first.new) == (sha, len(data), True)
    assert first.path == tmp_path / "media" / sha[:2] / sha[2:4] / sha
    assert (again.path, again.new) == (first.path, False)
    assert first.path.read_bytes() == data
    assert first.path.stat().st_mode & 0o777 == 0o600
    for folder in (first.path.parent, first.path.parent.parent, files.root):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert list(files.temp_dir.iterdir()) == []
    assert (files.disk_use().files, files.disk_use().bytes) == (1, len(data))


def test_a_failed_write_leaves_no_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = MediaFiles(tmp_path / "media")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        files.store_bytes(b"photo bytes")
    assert list(files.root.glob("??/??/*")) == []
    assert list(files.temp_dir.iterdir()) == []


def test_a_copy_over_the_limit_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 5000)
    files = MediaFiles(tmp_path / "media")
    with pytest.raises(FileTooLargeError, match="MEDIA_MAX_BYTES"):
        files.store_copy(source, max_bytes=4096)
    assert list(files.root.glob("??/??/*")) == []
    assert list(files.temp_dir.iterdir()) == []


def test_temp_files_of_a_crash_are_cleaned_at_start(tmp_path: Path) -> None:
    files = MediaFiles(tmp_path / "media")
    files.temp_dir.mkdir(parents=True)
    (files.temp_dir / "part-1-abc").write_bytes(b"half a photo")
    assert files.clean_temp() == 1
    assert list(files.temp_dir.iterdir()) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABC", "a" * 63, ""])
def test_only_a_sha256_names_a_path(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="not a SHA-256"):
        MediaFiles(tmp_path).path_for(bad)
