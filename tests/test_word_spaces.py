"""Spaces between Latin words from the recognizer's time steps."""

from __future__ import annotations

import numpy as np

from trt_ocr import presets
from trt_ocr.options import RecOptions
from trt_ocr.word_spaces import EXTRA_STEPS, with_spaces


def steps(*values: int) -> np.ndarray:
    return np.array(values, np.int32)


def test_a_gap_of_the_median_plus_extra_steps_is_a_space() -> None:
    # gaps 2 2 2 | 2 + EXTRA_STEPS | 2 2 2: the median is 2
    at = steps(0, 2, 4, 6, 8 + EXTRA_STEPS, 10 + EXTRA_STEPS, 12 + EXTRA_STEPS, 14 + EXTRA_STEPS)
    text, out = with_spaces("goingnow", at)
    assert text == "goin gnow"
    assert out.tolist() == [0, 2, 4, 6, 7, *at[4:].tolist()]  # one step per character
    assert out.dtype == at.dtype
    # one step short of the limit: no space
    near = steps(0, 2, 4, 6, 7 + EXTRA_STEPS, 9 + EXTRA_STEPS, 11 + EXTRA_STEPS, 13 + EXTRA_STEPS)
    assert with_spaces("goingnow", near)[0] == "goingnow"


def test_only_latin_script_gets_spaces_and_none_twice() -> None:
    wide = steps(0, 2, 4, 6, 12, 14, 16, 18)
    assert with_spaces("我要去杂货店买点", wide)[0] == "我要去杂货店买点"
    assert with_spaces("abc牛奶def", steps(0, 2, 4, 10, 12, 14, 16, 18, 20))[0] == "abc牛奶def"
    spaced = steps(0, 2, 4, 6, 7, 12, 14, 16, 18)
    assert with_spaces("goin gnow", spaced)[0] == "goin gnow"


def test_short_lines_and_unaligned_steps_are_left_alone() -> None:
    assert with_spaces("ab c", steps(0, 2, 9, 11))[0] == "ab c"  # too few gaps for a median
    assert with_spaces("abcd", steps(0, 9, 11, 13))[0] == "abcd"  # 3 gaps: too few
    assert with_spaces("abcde", steps(0, 9, 11, 13, 15))[0] == "a bcde"  # 4 gaps: enough
    assert with_spaces("abcdefgh", steps(0, 2, 4))[0] == "abcdefgh"  # not one step per char


def test_off_unless_asked() -> None:
    for rec in ({}, presets.PPOCR["rec"], presets.RAPIDOCR_1_4["rec"], presets.VIDEO["rec"]):
        assert not RecOptions(**rec).infer_spaces


def test_the_pipeline_keeps_one_step_per_character(v4_models) -> None:
    from tests.helpers import render_lines
    from trt_ocr import OCR

    image = render_lines(["Total amount 12.50 EUR", "Thank you for your visit"])
    with OCR(rec={"return_steps": True, "infer_spaces": True}) as ocr:
        lines = ocr(image).lines
    assert len(lines) == 2
    for line in lines:
        assert line.char_steps is not None and len(line.char_steps) == len(line.text)
        assert np.all(np.diff(line.char_steps) > 0)


def test_receipts_gain_spaces_and_keep_every_other_character(v4_models) -> None:
    """On real receipts (printed text) the option only adds spaces, and adds some."""
    from tests.conftest import shared_path
    from trt_ocr import OCR

    receipts = sorted(shared_path("sroie", "images").glob("*.jpg"))[:3]
    with OCR() as plain, OCR(rec={"infer_spaces": True}) as spaced:
        added = 0
        for receipt in receipts:
            before = [line.text for line in plain(receipt).lines]
            after = [line.text for line in spaced(receipt).lines]
            assert [t.replace(" ", "") for t in after] == [t.replace(" ", "") for t in before]
            added += sum(a.count(" ") - b.count(" ") for a, b in zip(after, before, strict=True))
            assert all(a.count(" ") >= b.count(" ") for a, b in zip(after, before, strict=True))
    assert added > 0
