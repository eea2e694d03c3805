"""A second read turned 180 degrees for lines the recognizer scored low."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import render_lines
from trt_ocr import OCR


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def upside_down() -> np.ndarray:
    return np.ascontiguousarray(render_lines(["Rotated line of text 2026"])[::-1, ::-1])


def test_a_line_the_classifier_leaves_upside_down_is_read_turned(
    v4_models, upside_down: np.ndarray
) -> None:
    # thresh 1.0: the classifier never turns a line, so only the re-read can.
    keep = OCR(
        v4_models,
        backend="onnxruntime",
        cls={"thresh": 1.0, "retry_below": 0.0},
        rec={"drop_score": 0.0},
    )
    missed = keep(upside_down)
    assert [line.angle for line in missed] == [0]
    assert squash(missed.lines[0].text) != "Rotatedlineoftext2026"
    retry = OCR(
        v4_models,
        backend="onnxruntime",
        cls={"thresh": 1.0, "retry_below": 0.9},
        rec={"drop_score": 0.0},
    )
    fixed = retry(upside_down)
    assert [line.angle for line in fixed] == [180]
    assert squash(fixed.lines[0].text) == "Rotatedlineoftext2026"
    assert fixed.lines[0].score > missed.lines[0].score


def test_well_read_lines_are_not_read_again(v4_models) -> None:
    ocr = OCR(v4_models, backend="onnxruntime", cls={"retry_below": 0.5})
    seen: list[str] = []
    with ocr.observe_inputs(lambda role, feeds: seen.append(role)):
        res = ocr(render_lines(["Upright and clear 42"]))
    assert squash(res.lines[0].text) == "Uprightandclear42"
    assert seen.count("rec") == 1
