"""`ocr FILE...` prints what the pipeline stores; bad files and a missing Tesseract are one line
each; check-config says whether OCR is on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from monitor.config import variables
from tests.media.test_image import png_header

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tests" / "data" / "ocr" / "demo"
INSTALL = "apt-get install -y tesseract-ocr tesseract-ocr-rus tesseract-ocr-ukr"
COMPLETE = {
    "TELEGRAM_API_ID": "12345",
    "TELEGRAM_API_HASH": "0123456789abcdef0123456789abcdef",
    "BOT_TOKEN": "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "ADMIN_IDS": "111",
}


def draftwatch(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python bot.py ARGS` in `folder`, with none of draftwatch's variables but `env`."""
    environ = {k: v for k, v in os.environ.items() if k not in variables()}
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "--env-file", str(folder / ".env"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
        env={**environ, **env},
        check=False,
    )


def test_ocr_prints_the_text_of_a_summons_photo(tmp_path: Path) -> None:
    result = draftwatch(tmp_path, "ocr", str(DEMO / "summons-ru.jpg"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "ПОВЕСТКА №" in result.stdout
    assert "военный комиссариат" in result.stdout


def test_each_bad_file_is_one_line_and_the_others_are_still_read(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a photo", encoding="utf-8")
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "bomb.png").write_bytes(png_header(10_000, 10_000))  # over Pillow's own limit
    result = draftwatch(tmp_path, "ocr", "notes.txt", "empty.jpg", "missing.png", "bomb.png")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: notes.txt: image rejected: unknown image format (starts with 'not a ph'; "
        "JPEG, PNG, WEBP, GIF, BMP, TIFF are read)",
        "error: empty.jpg: image rejected: empty file (0 bytes)",
        "error: missing.png: cannot read it (No such file or directory)",
        "error: bomb.png: image rejected: too many pixels (100 megapixels, over the "
        "50-megapixel limit): a decompression bomb?",
    ]
    assert result.stdout.splitlines() == []


def test_without_tesseract_ocr_names_the_install_command(tmp_path: Path) -> None:
    result = draftwatch(tmp_path, "ocr", str(DEMO / "summons-ru.jpg"), PATH=str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: OCR is off: Tesseract is not installed (no `tesseract` on PATH): "
        f"install it with `{INSTALL}`"
    ]


def test_check_config_says_whether_ocr_is_on(tmp_path: Path) -> None:
    on = draftwatch(tmp_path, "check-config", **COMPLETE)
    off = draftwatch(tmp_path, "check-config", PATH=str(tmp_path), **COMPLETE)
    assert on.returncode == off.returncode == 0, on.stderr + off.stderr
    assert "OCR: on (Tesseract, rus+ukr)" in on.stdout.splitlines()
    # OCR off is no configuration problem: the service runs without it.
    assert (
        "OCR: off: Tesseract is not installed (no `tesseract` on PATH): "
        f"install it with `{INSTALL}` (as root)"
    ) in off.stdout.splitlines()
    assert "configuration OK" in off.stdout


def test_status_says_ocr_is_off_without_tesseract_and_goes_on(tmp_path: Path, db_url: str) -> None:
    result = draftwatch(tmp_path, "status", PATH=str(tmp_path), DATABASE_URL=db_url, **COMPLETE)
    assert result.returncode == 0, result.stderr
    assert (
        "  OCR: off: Tesseract is not installed (no `tesseract` on PATH): "
        f"install it with `{INSTALL}` (as root)"
    ) in result.stdout.splitlines()
    assert "channel" in result.stdout  # the channel table still follows
