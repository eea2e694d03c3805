"""OCRResult and TextLine: the JSON shape, list behaviour and failed inputs."""

from __future__ import annotations

import json

import numpy as np

from trt_ocr.errors import ImageLoadError
from trt_ocr.result import OCRResult, TextLine


def _line(text: str, steps: np.ndarray | None = None) -> TextLine:
    box = np.array([[1, 2], [30, 2], [30, 12], [1, 12]], np.float32)
    return TextLine(box, text, 0.91234567, 180, 0.99, 0.8, steps)


def test_result_behaves_like_a_list_of_lines() -> None:
    res = OCRResult([_line("a"), _line("b")], (20, 40), {"total": 0.5}, "x.png")
    assert len(res) == 2 and res[1].text == "b" and [ln.text for ln in res] == ["a", "b"]
    assert res.text == "a\nb" and res.texts == ["a", "b"] and res.ok
    assert not OCRResult([], (20, 40))  # empty: falsy, like a list


def test_json_has_sizes_rounded_values_and_timings_in_ms() -> None:
    res = OCRResult([_line("a", np.array([3, 7], np.int32))], (20, 40), {"total": 0.5}, "x.png")
    d = json.loads(res.to_json())
    assert d["image_size"] == {"height": 20, "width": 40} and d["source"] == "x.png"
    assert d["timings_ms"] == {"total": 500.0}
    (line,) = d["lines"]
    assert line["box"][1] == [30.0, 2.0] and line["score"] == 0.91235 and line["angle"] == 180
    assert line["char_steps"] == [3, 7]


def test_failed_input_is_a_result_with_the_error() -> None:
    err = ImageLoadError("zero.jpg: empty file")
    res = OCRResult.failed("zero.jpg", err)
    assert not res.ok and res.error is err and len(res) == 0
    assert res.to_dict() == {"source": "zero.jpg", "error": "zero.jpg: empty file"}
