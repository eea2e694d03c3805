"""Visualisation: boxes over the image, recognised text beside it, in a font that covers it."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from trt_ocr.errors import TrtOcrError


class DrawableLine(Protocol):
    """What a drawn line needs (trt_ocr.TextLine has it): its box in image pixels and text."""

    box: np.ndarray
    text: str


# Annotated images are drawn at most this long on their long side (each half): drawing a
# 12000x12000 photo at full size costs seconds and gigabytes for a picture nobody zooms into.
MAX_DRAW_SIDE = 4096

# Fonts that cover CJK on common systems, most complete first; fontconfig is asked after these.
_KNOWN_FONTS = (
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

_warned_uncovered = False


class FontWarning(UserWarning):
    """No font on this machine covers some of the text being drawn."""


def find_font(font_path: str | Path | None = None) -> str | None:
    """The preferred font: the argument, else $TRT_OCR_FONT, else the first known system font
    found; None means Pillow's built-in font. A given font_path must exist."""
    if font_path is not None:
        if not Path(font_path).is_file():
            raise TrtOcrError(f"{font_path}: font file not found")
        return str(font_path)
    for candidate in (os.environ.get("TRT_OCR_FONT"), *_KNOWN_FONTS):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


@lru_cache(maxsize=32)
def _font(path: str | None, size: int) -> Any:
    from PIL import ImageFont

    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=16)
def _missing_glyph(path: str | None) -> bytes:
    # U+10FFFD is a private-use code point no text font maps: what the font draws for it is
    # its "missing glyph" (.notdef) box.
    return _glyph(path, "\U0010fffd")


@lru_cache(maxsize=65536)
def _glyph(path: str | None, char: str) -> bytes:
    mask = _font(path, 24).getmask(char)
    return bytes(mask.size) + bytes(mask)


def _uncovered(path: str | None, chars: Iterable[str]) -> set[str]:
    """The characters the font draws as its missing-glyph box."""
    notdef = _missing_glyph(path)
    return {c for c in chars if not c.isspace() and _glyph(path, c) == notdef}


def _fontconfig_font(chars: set[str]) -> str | None:
    """A font file that covers every character, from fontconfig (None without it)."""
    if not chars or shutil.which("fc-list") is None:
        return None
    charset = " ".join(f"{ord(c):x}" for c in sorted(chars))
    try:
        out = subprocess.run(
            ["fc-list", f":charset={charset}", "--format=%{file}\n"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    files = sorted(
        f for f in out.splitlines() if Path(f).suffix.lower() in {".ttf", ".ttc", ".otf"}
    )
    return files[0] if files else None


def font_for(texts: Iterable[str], font_path: str | Path | None = None) -> str | None:
    """The font to draw these texts with: the preferred font when it covers them, else one
    that fontconfig says covers them; warns once per process when none does."""
    global _warned_uncovered
    preferred = find_font(font_path)
    chars = set("".join(texts))
    missing = _uncovered(preferred, chars)
    if not missing:
        return preferred
    if font_path is None:  # a font the caller chose is kept, with the warning below
        other = _fontconfig_font(missing)
        if other is not None:
            return other
    if not _warned_uncovered:
        _warned_uncovered = True
        sample = "".join(sorted(missing)[:10])
        warnings.warn(
            f"no installed font covers {len(missing)} character(s) of the text (e.g. {sample!r}); "
            "they are drawn as boxes. Install a font for the script (e.g. Noto Sans CJK) or set "
            "TRT_OCR_FONT to a font file.",
            FontWarning,
            stacklevel=3,
        )
    return preferred


def draw_result(
    image: Any, lines: Sequence[DrawableLine], font_path: str | Path | None = None
) -> np.ndarray:
    """Side-by-side picture (BGR uint8): boxes over the image on the left, text on the right.
    Images longer than MAX_DRAW_SIDE are drawn scaled down."""
    from PIL import Image, ImageDraw

    from trt_ocr.io import load_image

    bgr = load_image(image)
    h, w = bgr.shape[:2]
    scale = min(1.0, MAX_DRAW_SIDE / max(h, w))
    left = Image.fromarray(np.ascontiguousarray(bgr[..., ::-1]))
    del bgr
    if scale < 1.0:
        w, h = max(1, round(w * scale)), max(1, round(h * scale))
        left = left.resize((w, h), Image.Resampling.BILINEAR, reducing_gap=2.0)
    right = Image.new("RGB", (w, h), (255, 255, 255))
    dl, dr = ImageDraw.Draw(left), ImageDraw.Draw(right)
    font_file = font_for((line.text for line in lines), font_path)
    rng = np.random.default_rng(0)  # fixed colors: the same result draws the same picture
    for line in lines:
        color = tuple(int(c) for c in rng.integers(0, 200, size=3))
        box = np.asarray(line.box, np.float64) * scale
        pts = [(float(x), float(y)) for x, y in box]
        dl.polygon(pts, outline=color, width=max(1, round(min(h, w) / 400)))
        dr.polygon(pts, outline=color, width=1)
        box_h = max(float(np.linalg.norm(box[0] - box[-1])), 1.0)
        box_w = max(float(np.linalg.norm(box[0] - box[1])), 1.0)
        size = int(max(8, min(box_h * 0.8, box_w / max(len(line.text), 1) * 1.6, 96)))
        dr.text(pts[0], line.text, fill=(0, 0, 0), font=_font(font_file, size))
    canvas = Image.new("RGB", (w * 2, h), (255, 255, 255))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (w, 0))
    return np.ascontiguousarray(np.asarray(canvas)[..., ::-1])
