"""Render the OCR set: documents laid out with Pillow and DejaVu, photographed badly.

    .venv/bin/python tests/data/ocr/build.py      # rewrites tests/data/ocr/*.jpg, labels.jsonl, demo/

Deterministic (fixed seeds): the same Pillow, FreeType and fonts give the same files. The
labels (labels.jsonl, one JSON object a line) carry the ground-truth text, the language,
whether it is a draft notice, the kind of document and the distortions. demo/ holds three
extra photos for the demo feeds, not measured.
"""

from __future__ import annotations

import io
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import documents as docs  # noqa: E402 (the folder is put on the path above)
import everyday  # noqa: E402
from photo import DISTORTIONS, photograph  # noqa: E402

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
WIDTH, MARGIN = 1000, 70
INK, BLUE, VIOLET = (28, 28, 34), (25, 45, 150), (95, 60, 165)
Generator = Callable[[random.Random], docs.Document]
# (generator, how many): 32 draft notices and 16 everyday notices.
PLAN: list[tuple[Generator, int]] = [
    (docs.summons_ru, 9),
    (docs.summons_uk, 8),
    (docs.notice_ru, 4),
    (docs.notice_uk, 4),
    (docs.order_ru, 5),
    (docs.order_uk, 2),
    (everyday.water_ru, 2),
    (everyday.water_uk, 2),
    (everyday.market_ru, 2),
    (everyday.market_uk, 1),
    (everyday.school_ru, 2),
    (everyday.school_uk, 1),
    (everyday.bus_ru, 2),
    (everyday.bus_uk, 1),
    (everyday.agenda_ru, 2),
    (everyday.pharmacy_uk, 1),
]
# The demo's photos: readable but real-looking, their draft words only in the picture.
DEMO: list[tuple[str, Generator, int, tuple[str, ...]]] = [
    ("summons-ru.jpg", docs.summons_ru, 7001, ("rotation", "lighting")),
    ("summons-uk.jpg", docs.summons_uk, 7002, ("perspective", "lighting")),
    ("order-ru.jpg", docs.order_ru, 7003, ("rotation",)),
]


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / f"{name}.ttf"), size)


class Page:
    """Lays blocks out top to bottom on a sheet and records the text it draws."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        family = rng.choice(("DejaVuSerif", "DejaVuSans"))
        self.body = font(family, rng.randint(24, 28))
        self.bold = font(f"{family}-Bold", rng.randint(26, 30))
        self.title = font(f"{family}-Bold", rng.randint(38, 46))
        self.hand = font("DejaVuSans-Oblique", rng.randint(26, 30))
        self.small = font("DejaVuSans", 18)
        self.image = Image.new("RGB", (WIDTH, 3000), (246, 244, 236))
        self.draw = ImageDraw.Draw(self.image)
        self.y = MARGIN
        self.lines: list[str] = []

    def text(
        self, x: float, text: str, face: ImageFont.FreeTypeFont, fill: tuple[int, int, int]
    ) -> None:
        self.draw.text((x, self.y), text, font=face, fill=fill)

    def centred(self, text: str, face: ImageFont.FreeTypeFont, gap: int = 14) -> None:
        for line in self.wrap(text, face, WIDTH - 2 * MARGIN):
            self.text((WIDTH - face.getlength(line)) / 2, line, face, INK)
            self.lines.append(line)
            self.y += int(face.size * 1.3)
        self.y += gap

    def paragraph(self, text: str) -> None:
        for number, line in enumerate(self.wrap(text, self.body, WIDTH - 2 * MARGIN - 30)):
            self.text(MARGIN + (30 if number == 0 else 0), line, self.body, INK)
            self.lines.append(line)
            self.y += int(self.body.size * 1.45)
        self.y += 10

    def field(self, label: str, value: str) -> None:
        self.text(MARGIN, label, self.body, INK)
        start = MARGIN + self.body.getlength(label) + 12
        if start + self.hand.getlength(value) > WIDTH - MARGIN:  # the value on a line of its own
            self.lines.append(label)
            self.y += int(self.body.size * 1.5)
            start = MARGIN + 40
        baseline = self.y + int(self.body.size * 1.15)
        self.draw.line((start - 4, baseline, WIDTH - MARGIN, baseline), fill=INK, width=1)
        self.draw.text((start + 6, self.y - 4), value, font=self.hand, fill=BLUE)
        self.lines.append(
            f"{label} {value}" if not self.lines or self.lines[-1] != label else value
        )
        self.y += int(self.body.size * 1.7)

    def stamp(self, lines: tuple[str, ...]) -> None:
        face = font("DejaVuSans-Bold", 20)
        width = max(face.getlength(line) for line in lines) + 40
        height = len(lines) * 28 + 24
        self.draw.rectangle(
            (MARGIN, self.y, MARGIN + width, self.y + height), outline=VIOLET, width=3
        )
        y = self.y + 14
        for line in lines:
            self.draw.text(
                (MARGIN + (width - face.getlength(line)) / 2, y), line, font=face, fill=VIOLET
            )
            self.lines.append(line)
            y += 28
        self.y += height + 30

    def table(self, rows: tuple[str, ...]) -> None:
        width = WIDTH - 2 * MARGIN
        row_height = int(self.body.size * 1.8)
        for row in rows:
            cells = row.split("|")
            cell = width / len(cells)
            for i, text in enumerate(cells):
                x = MARGIN + i * cell
                self.draw.rectangle(
                    (x, self.y, x + cell, self.y + row_height), outline=INK, width=2
                )
                self.draw.text((x + 14, self.y + row_height * 0.2), text, font=self.body, fill=INK)
            self.lines.append(" ".join(cells))
            self.y += row_height
        self.y += 20

    def sign(self, label: str, name: str) -> None:
        self.y += 20
        self.text(MARGIN, label, self.body, INK)
        name_x = WIDTH - MARGIN - self.body.getlength(name)
        self.text(name_x, name, self.body, INK)
        # A signature: a few strokes of blue ink between the title and the name.
        x0, y0 = name_x - 200, self.y + self.body.size * 0.8
        points = [(x0 + 22 * i, y0 + self.rng.randint(-16, 10)) for i in range(8)]
        self.draw.line(points, fill=BLUE, width=3, joint="curve")
        self.lines.append(f"{label} {name}")
        if self.rng.random() < 0.7:  # the round seal over the signature
            cx, cy = x0 + 60, self.y + 10
            for r in (62, 48):
                self.draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=VIOLET, width=3)
        self.y += int(self.body.size * 2.2)

    def cut(self, text: str) -> None:
        self.y += 16
        for x in range(MARGIN, WIDTH - MARGIN, 24):
            self.draw.line((x, self.y, x + 12, self.y), fill=INK, width=2)
        self.y += 10
        self.draw.text(
            ((WIDTH - self.small.getlength(text)) / 2, self.y), text, font=self.small, fill=INK
        )
        self.lines.append(text)
        self.y += 40

    @staticmethod
    def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
        lines, current = [], ""
        for word in text.split():
            candidate = f"{current} {word}".strip()
            if current and face.getlength(candidate) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        return [*lines, current] if current else lines

    def finish(self) -> Image.Image:
        height = max(self.y + MARGIN, int(WIDTH * 1.3))
        return self.image.crop((0, 0, WIDTH, height))


def render(document: docs.Document, rng: random.Random) -> tuple[Image.Image, str]:
    """The page and its ground-truth text (the lines drawn, top to bottom)."""
    page = Page(rng)
    for kind, *args in document.blocks:
        if kind == "title":
            page.centred(args[0], page.title, gap=20)
        elif kind == "header":
            page.centred(args[0], page.bold)
        elif kind == "para":
            page.paragraph(args[0])
        elif kind == "field":
            page.field(args[0], args[1])
        elif kind == "stamp":
            page.stamp(tuple(args))
        elif kind == "table":
            page.table(tuple(args))
        elif kind == "sign":
            page.sign(args[0], args[1])
        elif kind == "cut":
            page.cut(args[0])
        else:
            raise ValueError(f"unknown block {kind!r}")
    return page.finish(), "\n".join(page.lines)


def sideways(jpeg: bytes) -> bytes:
    """The same photo stored turned 90° with an EXIF Orientation tag, as phones save it."""
    image = Image.open(io.BytesIO(jpeg)).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70, exif=exif.tobytes())
    return out.getvalue()


def distortions_of(index: int, rng: random.Random) -> tuple[str, ...]:
    chosen = rng.sample(DISTORTIONS, 2 + index % 3)
    return tuple(d for d in DISTORTIONS if d in chosen)


def build(out: Path) -> list[dict[str, object]]:
    labels: list[dict[str, object]] = []
    index = 0
    for generator, count in PLAN:
        for _ in range(count):
            index += 1
            rng = random.Random(1000 + index)
            document = generator(rng)
            page, truth = render(document, rng)
            distortions = distortions_of(index, rng)
            jpeg = photograph(page, distortions, rng)
            if index % 12 == 5:
                jpeg, distortions = sideways(jpeg), (*distortions, "exif-sideways")
            name = f"{index:02d}-{document.kind.replace(' ', '-').replace(chr(39), '')}-{document.lang}.jpg"
            (out / name).write_bytes(jpeg)
            labels.append(
                {
                    "file": name,
                    "lang": document.lang,
                    "positive": document.positive,
                    "kind": document.kind,
                    "distortions": list(distortions),
                    "text": truth,
                }
            )
    return labels


def build_demo(out: Path) -> None:
    out.mkdir(exist_ok=True)
    for name, generator, seed, distortions in DEMO:
        rng = random.Random(seed)
        page, _ = render(generator(rng), rng)
        (out / name).write_bytes(photograph(page, distortions, rng))


def main() -> None:
    for old in HERE.glob("*.jpg"):
        old.unlink()
    labels = build(HERE)
    with (HERE / "labels.jsonl").open("w", encoding="utf-8") as f:
        for label in labels:
            f.write(json.dumps(label, ensure_ascii=False) + "\n")
    build_demo(HERE / "demo")
    size = sum(p.stat().st_size for p in HERE.rglob("*.jpg"))
    print(f"{len(labels)} documents, {size / 1e6:.1f} MB of JPEG in {HERE}")


if __name__ == "__main__":
    main()
