"""OCR with the real Tesseract: draft words found in photographed summonses, missing Tesseract
or language data reported with the command that installs it. Kept few: a page is ~1 s."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest
from PIL import Image, ImageDraw, ImageFont

from monitor.errors import OcrUnavailable
from monitor.matching import Matcher, cached_matcher, load_default_packs
from monitor.media.ocr import Recognised, availability, recognise, tidy

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "ocr"
INSTALL = "apt-get install -y tesseract-ocr tesseract-ocr-rus tesseract-ocr-ukr"


@pytest.fixture(scope="module")
def matcher(cache_dir: Path) -> Matcher:
    return cached_matcher(load_default_packs(), cache_dir)


def crisp_png(text: str) -> bytes:
    face = ImageFont.truetype(f"{matplotlib.get_data_path()}/fonts/ttf/DejaVuSerif.ttf", 36)
    page = Image.new("L", (900, 140), 255)
    ImageDraw.Draw(page).text((30, 40), text, font=face, fill=0)
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("photo", "surfaces"),
    [
        # A summons on a table, rotated, with a shadow and sensor noise.
        ("03-summons-ru.jpg", {"повестка", "повестке"}),
        ("14-summons-uk.jpg", {"повістка", "повісткою"}),
    ],
)
def test_the_packs_find_the_summons_in_the_ocr_text_of_a_photo(
    photo: str, surfaces: set[str], matcher: Matcher
) -> None:
    recognised = recognise((DATA / photo).read_bytes())
    found = {
        span.surface.lower() for hit in matcher.find_hits(recognised.text) for span in hit.spans
    }
    assert found & surfaces, recognised.text
    assert recognised.cleaned
    assert 0 < recognised.confidence <= 100


def test_without_clean_up_tesseract_reads_the_image_as_it_is() -> None:
    recognised = recognise(crisp_png("Военный комиссариат"), clean=False)
    assert recognised.text == "Военный комиссариат"
    assert not recognised.cleaned


def test_a_missing_language_pack_names_its_debian_package() -> None:
    with pytest.raises(OcrUnavailable) as caught:
        recognise(crisp_png("повестка"), languages="rus+xyz")
    assert str(caught.value) == (
        "OCR is off: Tesseract has no language data for xyz: install it with "
        "`apt-get install -y tesseract-ocr-xyz`"
    )
    assert availability("rus+xyz") == (
        "Tesseract has no language data for xyz: install it with "
        "`apt-get install -y tesseract-ocr-xyz` (as root)"
    )


def test_ocr_is_available_here() -> None:
    assert availability() is None, "make test installs Tesseract: run scripts/system-deps"


WITHOUT_TESSERACT = """
from monitor.errors import OcrUnavailable
from monitor.media.ocr import Recognised, availability, recognise, tidy
print(availability())
try:
    recognise(open(0, "rb").read())
except OcrUnavailable as e:
    print(e)
"""


def test_without_tesseract_on_path_ocr_is_off_and_says_how_to_install_it(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_TESSERACT],
        input=crisp_png("повестка"),
        capture_output=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert done.stdout.decode().splitlines() == [
        f"Tesseract is not installed (no `tesseract` on PATH): install it with `{INSTALL}` (as root)",
        f"OCR is off: Tesseract is not installed (no `tesseract` on PATH): install it with `{INSTALL}`",
    ]


@pytest.mark.parametrize(
    ("size", "mode", "kind"),
    [((1, 1), "L", "PNG"), ((5, 5), "RGBA", "PNG"), ((300, 200), "CMYK", "TIFF")],
)
def test_a_blank_image_of_any_size_or_mode_reads_as_no_text(
    size: tuple[int, int], mode: str, kind: str
) -> None:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format=kind)
    assert recognise(out.getvalue()) == Recognised(text="", confidence=-1.0, cleaned=True)


@pytest.mark.parametrize(
    ("tesseract", "stored"),
    [
        ("Вам вручена повест-\nка в военкомат\n\x0c", "Вам вручена повестка в военкомат"),
        ("ПОВІСТКА  \n\n\n\nГромадянину", "ПОВІСТКА\n\nГромадянину"),
        ("дата: 12-\n03-2024", "дата: 12-\n03-2024"),  # digits after the break: not a word
    ],
)
def test_tesseract_text_is_tidied_as_the_pipeline_stores_it(tesseract: str, stored: str) -> None:
    assert tidy(tesseract) == stored
