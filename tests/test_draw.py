"""Annotated images: bounded size for huge inputs, fonts that cover the text."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from trt_ocr import draw
from trt_ocr.errors import TrtOcrError
from trt_ocr.result import OCRResult, TextLine


def _result(text: str, box_scale: float = 1.0, size: tuple[int, int] = (0, 0)) -> OCRResult:
    """A result of one line on an image of size (height, width)."""
    box = np.array([[10, 10], [200, 10], [200, 60], [10, 60]], np.float32) * box_scale
    return OCRResult([TextLine(box, text, 0.9)], size)


def test_huge_images_are_drawn_at_a_bounded_size() -> None:
    img = np.full((5000, 9000, 3), 255, np.uint8)
    out = _result("Hello", box_scale=20, size=img.shape[:2]).draw(img)
    assert max(out.shape[:2]) <= 2 * draw.MAX_DRAW_SIDE
    assert out.shape[1] == 2 * draw.MAX_DRAW_SIDE
    assert (out[:, : out.shape[1] // 2] != 255).any()  # the scaled box is still drawn


def test_small_images_keep_their_size() -> None:
    img = np.full((100, 300, 3), 255, np.uint8)
    assert _result("Hello", size=img.shape[:2]).draw(img).shape == (100, 600, 3)


def test_missing_glyphs_are_detected() -> None:
    font = draw.find_font()
    assert draw._uncovered(font, "Hello") == set()
    assert draw._uncovered(font, "\U0010fffd") == {"\U0010fffd"}


def test_uncovered_text_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # No font on any machine covers a private-use code point: the warning is certain.
    monkeypatch.setattr(draw, "_warned_uncovered", False)
    img = np.full((100, 300, 3), 255, np.uint8)
    with pytest.warns(draw.FontWarning, match="TRT_OCR_FONT"):
        _result("\U0010fffd", size=img.shape[:2]).draw(img)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _result("\U0010fffd", size=img.shape[:2]).draw(img)  # once per process


def test_font_from_environment_and_argument(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    found = draw.find_font()
    if found is None:
        pytest.skip("no TrueType font on this machine")
    monkeypatch.setenv("TRT_OCR_FONT", found)
    assert draw.find_font() == found
    with pytest.raises(TrtOcrError, match="font file not found"):
        draw.find_font("/nonexistent/font.ttf")
