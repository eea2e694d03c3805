"""Self-made test inputs: text rendered with Pillow (no data files needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_CANDIDATES:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def render_lines(lines: list[str], size: int = 36, width: int = 900,
                 fg: tuple[int, int, int] = (20, 20, 20),
                 bg: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """A BGR uint8 image with one text line per entry, left-aligned, well separated."""
    line_h = int(size * 2.0)
    img = Image.new("RGB", (width, line_h * len(lines) + size), bg)
    draw = ImageDraw.Draw(img)
    f = font(size)
    for i, text in enumerate(lines):
        draw.text((size, size // 2 + i * line_h), text, fill=fg, font=f)
    return np.ascontiguousarray(np.asarray(img)[..., ::-1])
