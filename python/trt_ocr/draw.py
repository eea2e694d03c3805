"""Visualisation: boxes over the image, recognised text beside it (CJK-capable font)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from trt_ocr.result import OCRResult

# Fonts that cover CJK on common systems, most complete first.
_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


def find_font(font_path: str | Path | None = None) -> str | None:
    """The font to draw text with: the argument, $TRT_OCR_FONT, else the first CJK-capable
    system font found; None means Pillow's built-in font."""
    for candidate in (font_path, os.environ.get("TRT_OCR_FONT"), *_CJK_FONTS):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


@lru_cache(maxsize=32)
def _font(path: str | None, size: int) -> Any:
    from PIL import ImageFont

    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size)


def draw_result(image: Any, result: OCRResult, font_path: str | Path | None = None) -> np.ndarray:
    from PIL import Image, ImageDraw

    from trt_ocr.io import load_image

    bgr = load_image(image)
    h, w = bgr.shape[:2]
    left = Image.fromarray(np.ascontiguousarray(bgr[..., ::-1]))
    right = Image.new("RGB", (w, h), (255, 255, 255))
    dl, dr = ImageDraw.Draw(left), ImageDraw.Draw(right)
    font_file = find_font(font_path)
    rng = np.random.default_rng(0)  # fixed colors: the same result draws the same picture
    for line in result.lines:
        color = tuple(int(c) for c in rng.integers(0, 200, size=3))
        pts = [(float(x), float(y)) for x, y in line.box]
        dl.polygon(pts, outline=color, width=max(1, round(min(h, w) / 400)))
        dr.polygon(pts, outline=color, width=1)
        box_h = max(np.linalg.norm(line.box[0] - line.box[-1]), 1.0)
        box_w = max(np.linalg.norm(line.box[0] - line.box[1]), 1.0)
        size = int(max(8, min(box_h * 0.8, box_w / max(len(line.text), 1) * 1.6, 96)))
        dr.text(pts[0], line.text, fill=(0, 0, 0), font=_font(font_file, size))
    canvas = Image.new("RGB", (w * 2, h), (255, 255, 255))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (w, 0))
    return np.ascontiguousarray(np.asarray(canvas)[..., ::-1])
