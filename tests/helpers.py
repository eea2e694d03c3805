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


def render_lines(
    lines: list[str],
    size: int = 36,
    width: int = 900,
    fg: tuple[int, int, int] = (20, 20, 20),
    bg: tuple[int, int, int] = (255, 255, 255),
) -> np.ndarray:
    """A BGR uint8 image with one text line per entry, left-aligned, well separated."""
    line_h = int(size * 2.0)
    img = Image.new("RGB", (width, line_h * len(lines) + size), bg)
    draw = ImageDraw.Draw(img)
    f = font(size)
    for i, text in enumerate(lines):
        draw.text((size, size // 2 + i * line_h), text, fill=fg, font=f)
    return np.ascontiguousarray(np.asarray(img)[..., ::-1])


def render_line_tight(text: str, size: int = 40, margin: int = 6) -> np.ndarray:
    """One text line cropped to its ink plus a small margin, like a detector crop."""
    img = render_lines([text], size=size, width=size * (len(text) + 2))
    ink = np.argwhere(img.min(axis=2) < 128)
    (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
    h, w = img.shape[:2]
    return np.ascontiguousarray(
        img[
            max(0, y0 - margin) : min(h, y1 + margin + 1),
            max(0, x0 - margin) : min(w, x1 + margin + 1),
        ]
    )
