"""A second, larger detection pass where text is small at the detector's scale."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.helpers import font, render_lines
from trt_ocr import OCR, small_text
from trt_ocr.presets import PPOCR


def test_zoom_only_for_small_text_in_shrunk_images() -> None:
    heights = np.array([20.0, 22.0, 24.0])  # work-image pixels
    assert small_text.zoom(heights, 1.0, 12) == 1.0  # read at full size already
    assert small_text.zoom(heights, 0.75, 12) == 1.0  # 16.5 px at the detector: not small
    assert small_text.zoom(heights, 0.4, 12) == small_text.MAX_ZOOM  # 8.8 px
    assert small_text.zoom(heights, 0.7, 18) == pytest.approx(1 / 0.7)  # up to full size only
    assert small_text.zoom(heights, 0.4, 0) == 1.0  # off
    assert small_text.zoom(np.zeros(0), 0.4, 12) == 1.0  # nothing found


def small_print_page() -> tuple[list[str], np.ndarray]:
    """A 3000 x 2000 page of 20-px lines: about 6 px high at the detector's 960."""
    rng = np.random.default_rng(3)
    words = ["total", "amount", "invoice", "number", "date", "price", "cash", "change"]
    lines = [" ".join(str(rng.choice(words)) for _ in range(4)) + f" {i}" for i in range(30)]
    img = Image.new("RGB", (3000, 2000), "white")
    draw = ImageDraw.Draw(img)
    f = font(20)
    for i, text in enumerate(lines):
        draw.text((100 + (i % 3) * 900, 100 + (i // 3) * 170), text, fill="black", font=f)
    return lines, np.ascontiguousarray(np.asarray(img)[..., ::-1])


def test_small_print_is_found_by_the_second_pass(v4_models) -> None:
    lines, page = small_print_page()
    # The second pass is for a detector that shrinks the page (PP-OCR's 960 px long side).
    once = OCR(v4_models, backend="onnxruntime", det={**PPOCR["det"], "small_text_px": 0.0})(page)
    twice = OCR(v4_models, backend="onnxruntime", det={**PPOCR["det"], "small_text_px": 12.0})(page)
    want = {"".join(t.split()) for t in lines}
    hits_once = len(want & {"".join(t.split()) for t in once.texts})
    hits_twice = len(want & {"".join(t.split()) for t in twice.texts})
    assert hits_twice >= 0.8 * len(lines) > hits_once


def test_ordinary_text_costs_one_detector_pass(v4_models) -> None:
    ocr = OCR(v4_models, backend="onnxruntime", det={**PPOCR["det"], "small_text_px": 12.0})
    roles: list[str] = []
    with ocr.observe_inputs(lambda role, feeds: roles.append(role)):
        ocr(render_lines(["Ordinary size text 123"], width=1600))
    assert roles.count("det") == 1
