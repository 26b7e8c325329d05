"""OCR of one image with Tesseract, Russian and Ukrainian by default (CPU bound; runs the
`tesseract` program on a private temporary file, no network).

The program is called directly, not through a binding: one run writes both the text and the
word confidences (`txt tsv`), runs single-threaded (OMP_THREAD_LIMIT=1: Tesseract's OpenMP
threads spin against each other on a busy machine, 3x the CPU for the same text; callers run
several images in parallel instead), and needs only Debian's `tesseract-ocr` packages.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image

from monitor.errors import ImageRejected as ImageRejected
from monitor.errors import OcrUnavailable as OcrUnavailable
from monitor.media.image import clean as clean_up
from monitor.media.image import open_image

PROGRAM: Final = "tesseract"
DEFAULT_LANGUAGES: Final = "rus+ukr"
# A page of text takes about a second; a minute means an image Tesseract cannot cope with.
TIMEOUT_S: Final = 60.0
LANGUAGE_CODE = re.compile(r"[a-z]{3}(?:_[a-z]+)?")
# A word broken at the end of a line ("повест-\nка") is joined back so the packs see it whole.
LINE_END_HYPHEN = re.compile(r"(\w)[-\u00ad]\n(?=[a-zа-яёіїєґ])")


@dataclass(frozen=True, slots=True)
class Recognised:
    """What Tesseract read in one image."""

    text: str  # what the pipeline stores and matches
    confidence: float  # mean word confidence 0..100, or -1 if unknown (no words)
    cleaned: bool  # whether the clean-up step ran


def install_command(languages: str = DEFAULT_LANGUAGES, *, program: bool = True) -> str:
    """The Debian command (run as root) that installs Tesseract and the `languages` packs, or
    the packs alone."""
    packs = [f"tesseract-ocr-{code.replace('_', '-')}" for code in languages.split("+")]
    return " ".join(["apt-get install -y", *(["tesseract-ocr"] if program else []), *packs])


def availability(languages: str = DEFAULT_LANGUAGES) -> str | None:
    """None when OCR works with `languages`, else one line: what is missing and the command
    that installs it (for check-config and status). Runs `tesseract --list-langs`."""
    try:
        missing = _missing_languages(languages)
        if missing:
            raise _languages_missing(missing)
    except OcrUnavailable as e:
        return f"{e.reason}: install it with `{e.command}` (as root)"
    return None


def recognise(data: bytes, *, clean: bool = True, languages: str = DEFAULT_LANGUAGES) -> Recognised:
    """Read the text in an image (JPEG, PNG, WebP, GIF, BMP, TIFF) with Tesseract.

    `clean` runs the clean-up first (upright, gray, small photos scaled up, uneven lighting
    flattened, deskewed); without it Tesseract gets the decoded image as it is. Raises ImageRejected
    for data that is not a readable image and OcrUnavailable when Tesseract or a language
    pack is missing. Synchronous and CPU bound: run it in a thread or process.
    """
    _check_codes(languages)
    image = open_image(data)
    prepared = clean_up(image) if clean else _plain(image)
    with tempfile.TemporaryDirectory(prefix="draftwatch-ocr-") as folder:
        source = Path(folder, "image.png")
        prepared.save(source, format="PNG", compress_level=1)
        base = Path(folder, "out")
        _run(source, base, languages)
        text = base.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
        confidence = _mean_confidence(base.with_suffix(".tsv"))
    return Recognised(text=tidy(text), confidence=confidence, cleaned=clean)


def tidy(text: str) -> str:
    """Tesseract's text as the pipeline stores it: no page breaks or trailing spaces, at most
    one blank line in a row, words broken at a line end joined."""
    lines = [line.rstrip() for line in text.replace("\x0c", "\n").splitlines()]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return LINE_END_HYPHEN.sub(r"\1", joined)


def _plain(image: Image.Image) -> Image.Image:
    """The decoded image in a mode PNG keeps (no clean-up at all, for comparison)."""
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("RGBA" if "A" in image.getbands() else "RGB")


def _check_codes(languages: str) -> None:
    codes = languages.split("+")
    bad = [code for code in codes if not LANGUAGE_CODE.fullmatch(code)]
    if bad or not languages:
        raise ValueError(f"languages must be Tesseract codes joined by '+', got {languages!r}")


def _run(source: Path, base: Path, languages: str) -> None:
    command = [PROGRAM, str(source), str(base), "-l", languages, "--psm", "3", "txt", "tsv"]
    # Single-threaded (see the module docstring); the C locale keeps its messages English.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "LC_ALL": "C"}
    try:
        done = subprocess.run(command, capture_output=True, env=env, timeout=TIMEOUT_S, check=False)
    except FileNotFoundError as e:
        raise _not_installed() from e
    except subprocess.TimeoutExpired as e:
        raise ImageRejected(f"Tesseract gave up after {TIMEOUT_S:.0f} s on this image") from e
    errors = done.stderr.decode("utf-8", errors="replace")
    failed = re.findall(r"Failed loading language '([^']+)'", errors)
    if failed:
        raise _languages_missing(failed)
    if done.returncode != 0 or not base.with_suffix(".txt").exists():
        last = errors.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise ImageRejected(f"Tesseract could not read it: {last[0]}")


def _missing_languages(languages: str) -> list[str]:
    _check_codes(languages)
    if shutil.which(PROGRAM) is None:
        raise _not_installed()
    try:
        done = subprocess.run(
            [PROGRAM, "--list-langs"], capture_output=True, timeout=TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise OcrUnavailable(f"`{PROGRAM} --list-langs` failed ({e})", install_command()) from e
    listed = done.stdout.decode("utf-8", errors="replace").split()
    return [code for code in languages.split("+") if code not in listed]


def _not_installed() -> OcrUnavailable:
    return OcrUnavailable(f"Tesseract is not installed (no `{PROGRAM}` on PATH)", install_command())


def _languages_missing(codes: list[str]) -> OcrUnavailable:
    unique = list(dict.fromkeys(codes))
    command = install_command("+".join(unique), program=False)
    return OcrUnavailable(f"Tesseract has no language data for {', '.join(unique)}", command)


def _mean_confidence(tsv: Path) -> float:
    """Mean confidence of the words (level 5 rows) in Tesseract's TSV, or -1 without words."""
    if not tsv.exists():
        return -1.0
    with tsv.open(encoding="utf-8", errors="replace", newline="") as rows:
        scores = [
            float(row["conf"])
            for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
            if row.get("level") == "5" and (row.get("text") or "").strip()
        ]
    return round(sum(scores) / len(scores), 1) if scores else -1.0
