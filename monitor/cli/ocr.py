"""CLI: `ocr FILE...` prints the text Tesseract reads in images; whether OCR is on (reads files,
runs Tesseract).

Pillow and numpy are imported inside the functions: `--help` and the other commands start
without them.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Annotated

import typer

from monitor.errors import ImageRejected, OcrUnavailable

LANGUAGES = "rus+ukr"  # monitor.media.ocr.DEFAULT_LANGUAGES, without importing Pillow for --help


def ocr_state(languages: str = LANGUAGES) -> str:
    """One line for check-config and status: `OCR: on (...)` or `OCR: off: reason and fix`."""
    from monitor.media.ocr import availability

    problem = availability(languages)
    if problem is None:
        return f"OCR: on (Tesseract, {languages})"
    return f"OCR: off: {problem}"


def ocr(
    files: Annotated[
        list[Path], typer.Argument(help="Image files: JPEG, PNG, WebP, GIF, BMP, TIFF.")
    ],
    raw: Annotated[
        bool, typer.Option("--raw", help="Skip the clean-up (deskew, lighting, binarisation).")
    ] = False,
    languages: Annotated[
        str, typer.Option("--languages", help="Tesseract languages joined by '+'.")
    ] = LANGUAGES,
) -> None:
    """Print the text read in each image: the text the media pipeline stores and matches.

    With several files, each text follows a `==> FILE <==` line. A file that is not a readable
    image gets one line on stderr naming the reason, the others are still read, and the exit
    status is 1.

    Example: python bot.py ocr summons.jpg
    """
    import warnings

    from PIL import Image

    from monitor.media.ocr import recognise

    # Pillow warns (a multi-line warning on stderr) on images over its own pixel limit before
    # ours refuses them: as an error it becomes the usual one-line rejection.
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    if isinstance(sys.stdout, io.TextIOWrapper):  # Cyrillic whatever the locale says
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    failures = 0
    for number, path in enumerate(files):
        try:
            data = path.read_bytes()
            text = recognise(data, clean=not raw, languages=languages).text
        except OSError as e:
            typer.echo(f"error: {path}: cannot read it ({e.strerror or e})", err=True)
            failures += 1
            continue
        except ImageRejected as e:
            typer.echo(f"error: {path}: {e}", err=True)
            failures += 1
            continue
        except OcrUnavailable as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from e
        except ValueError as e:  # a malformed --languages
            typer.echo(f"error: --languages: {e}", err=True)
            raise typer.Exit(2) from e
        if len(files) > 1:
            typer.echo(f"{'' if number == 0 else chr(10)}==> {path} <==")
        if text:
            typer.echo(text)
        else:
            typer.echo(f"note: {path}: no text found", err=True)
    if failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("ocr")(ocr)
