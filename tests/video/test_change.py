"""The change test: a line appearing or changing one character is a change; a moving soft
background and encoding noise are not."""

from __future__ import annotations

import numpy as np
import pytest

from tests.video import clips
from trt_ocr.video.change import ChangeTest
from trt_ocr.video.options import ChangeOptions


def _grey(img: np.ndarray) -> np.ndarray:
    return (img.astype(np.float32) @ np.array([0.114, 0.587, 0.299], np.float32)).astype(np.uint8)


@pytest.fixture
def test() -> ChangeTest:
    return ChangeTest(clips.HEIGHT, clips.WIDTH, ChangeOptions())


def _sig(test: ChangeTest, index: int, text: str) -> np.ndarray:
    img = clips.background(index)
    return test.signature(_grey(clips.burn(img, text) if text else img))


def test_text_appearing_and_one_character_changing_are_changes(test) -> None:
    empty = _sig(test, 0, "")
    nine = _sig(test, 1, "The meeting starts at nine")
    assert test.frame_changed(nine, empty)
    mine = _sig(test, 2, "The meeting starts at mine")
    assert test.frame_changed(mine, nine)


@pytest.mark.parametrize("size", [14, 26, 60, 90])
def test_small_and_large_text_appearing_or_changing_one_letter(test, size) -> None:
    empty = test.signature(_grey(clips.background(0)))
    shown = test.signature(_grey(clips.burn(clips.background(1), "Big Title", size)))
    typo = test.signature(_grey(clips.burn(clips.background(2), "Big Tltle", size)))
    assert test.frame_changed(shown, empty)
    assert test.frame_changed(typo, shown)
    assert test.frame_changed(empty, shown)  # going away


def test_soft_background_motion_and_noise_are_not(test) -> None:
    a = _sig(test, 10, "Same text")
    b = _sig(test, 11, "Same text")
    assert not test.frame_changed(b, a)
    rng = np.random.default_rng(0)
    img = clips.burn(clips.background(10), "Same text").astype(np.int16)
    noisy = (img + rng.integers(-4, 5, img.shape)).clip(0, 255).astype(np.uint8)
    assert not test.frame_changed(test.signature(_grey(noisy)), a)


def test_line_test_looks_at_the_line_only(test) -> None:
    nine = _sig(test, 1, "The meeting starts at nine")
    ten = _sig(test, 1, "The meeting starts at ten")
    line = np.array([[150, 300], [490, 300], [490, 336], [150, 336]], np.float32)
    elsewhere = np.array([[0, 0], [100, 0], [100, 30], [0, 30]], np.float32)
    assert test.line_changed(ten, nine, line)
    assert not test.line_changed(ten, nine, elsewhere)


def test_a_picture_moved_where_its_reduced_grey_moved_by_more_than_still_step(test) -> None:
    img = clips.background(3)
    grey = test.reduce(_grey(img))
    assert not test.moved(grey, grey).any()
    shifted = test.reduce(_grey((img.astype(np.int16) + 2).clip(0, 255).astype(np.uint8)))
    assert not test.moved(shifted, grey).any()  # within still_step (2 grey levels)
    faint = img.copy()
    faint[300:303, 200:260] += 12  # a faint stroke, 3 pixels thick
    moved = test.moved(test.reduce(_grey(faint)), grey)
    f = test.factor
    assert moved.any() and not moved[: 300 // f - 1].any() and not moved[303 // f + 1 :].any()


@pytest.mark.parametrize("height,width", [(256, 1920), (101, 100_000), (37, 641)])
def test_reduce_sums_blocks_of_factor_pixels(height: int, width: int) -> None:
    test = ChangeTest(height, width, ChangeOptions())
    f, h, w = test.factor, test.height, test.width
    luma = np.random.default_rng(1).integers(0, 256, (height, width), dtype=np.uint8)
    blocks = luma[: h * f, : w * f].reshape(h, f, w, f).sum(axis=(1, 3))
    np.testing.assert_array_equal(test.reduce(luma), blocks)


def test_reduction_factor() -> None:
    assert ChangeTest(800, 1920, ChangeOptions()).factor == 3
    assert ChangeTest(360, 640, ChangeOptions()).factor == 1
    assert ChangeTest(100, 100_000, ChangeOptions()).factor == 16
