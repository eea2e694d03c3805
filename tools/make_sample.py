"""Renders samples/sample.png, the project's own sample image for the README's main job.

Run: python tools/make_sample.py (needs Pillow and a TrueType font; DejaVu Sans by default)."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

LINES = [
    ("trt-ocr sample receipt", 44),
    ("Order 20261121-0042", 32),
    ("2 x Espresso          7.00", 30),
    ("1 x Blueberry muffin  3.50", 30),
    ("TOTAL EUR            10.50", 34),
    ("Thank you for your visit!", 30),
]


def main(font_path: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf") -> None:
    img = Image.new("RGB", (760, 440), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    y = 30
    for text, size in LINES:
        font = ImageFont.truetype(font_path, size)
        draw.text((40, y), text, fill=(20, 20, 20), font=font)
        y += int(size * 1.9)
    draw.rectangle((30, 20, 730, 420), outline=(120, 120, 120), width=2)
    out = Path(__file__).resolve().parents[1] / "samples" / "sample.png"
    out.parent.mkdir(exist_ok=True)
    img.save(out, optimize=True)
    print(out)


if __name__ == "__main__":
    main(*sys.argv[1:])
