"""Text that runs vertically: the decision, the turn and the boxes turned back (pure), and the
detector reading a turned line cut out on its own (ONNX Runtime, real models)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import render_lines
from trt_ocr import OCR, vertical_text
from trt_ocr.presets import PPOCR, RAPIDOCR_1_4

WORDS = "garden window 4711 river stone market seven"


def test_points_come_back_where_the_turned_pixels_came_from() -> None:
    h, w = 5, 9
    image = np.zeros((h, w, 3), np.uint8)
    image[1, 6] = 255  # row 1, column 6: its centre is (6.5, 1.5)
    turned = vertical_text.turned(image)
    assert turned.shape == (w, h, 3) and turned.flags.c_contiguous
    (row, col), *_ = np.argwhere(turned[..., 0])
    centre = np.array([col + 0.5, row + 0.5], np.float32)
    np.testing.assert_allclose(vertical_text.points_back(centre, h, w), [6.5, 1.5])
    clockwise = vertical_text.turned(image, -1)
    (row, col), *_ = np.argwhere(clockwise[..., 0])
    centre = np.array([col + 0.5, row + 0.5], np.float32)
    np.testing.assert_allclose(vertical_text.points_back(centre, h, w, -1), [6.5, 1.5])


def test_a_box_turned_back_starts_at_its_top_left_and_stays_clockwise() -> None:
    # A line across the turned frame (clockwise from its top-left) is a tall box in the image.
    box = np.array([[[2, 3], [12, 3], [12, 5], [2, 5]]], np.float32)
    back = vertical_text.boxes_back(box, 30.0, 20.0)
    np.testing.assert_allclose(back[0], [[15, 2], [17, 2], [17, 12], [15, 12]])
    polygon = vertical_text.boxes_back([box[0, :3]], 30.0, 20.0)
    np.testing.assert_allclose(polygon[0], [[17, 2], [17, 12], [15, 12]])  # order kept
    # turned clockwise: x = y', y = height - x'
    back = vertical_text.boxes_back(box, 30.0, 20.0, -1)
    np.testing.assert_allclose(back[0], [[3, 18], [5, 18], [5, 28], [3, 28]])


def test_boxes_that_do_not_run_across_are_worth_a_turned_look() -> None:
    letters = np.array([[24, 21], [22, 25], [30, 20]])  # pieces of a turned line
    words = np.array([[120, 30], [90, 30]])  # lines across
    standing = np.array([[300, 30]])  # a line standing: its crop is turned upright
    three, two, one = np.zeros(3, bool), np.zeros(2, bool), np.zeros(1, bool)
    pieces = vertical_text.across(letters, three)
    assert pieces[0] < vertical_text.MAX_ACROSS and pieces[1] == 24 * 21 + 22 * 25 + 30 * 20
    assert vertical_text.worth_turning(3, pieces[0], 600, 40)  # a strip
    assert not vertical_text.worth_turning(3, pieces[0], 600, 400)  # letters in a scene
    assert not vertical_text.worth_turning(2, vertical_text.across(words, two)[0], 600, 40)
    # a page whose lines stand: sideways
    standing_lines = vertical_text.across(np.repeat(standing, 5, axis=0), np.ones(5, bool))[0]
    assert vertical_text.worth_turning(5, standing_lines, 800, 600)
    assert not vertical_text.worth_turning(4, standing_lines, 800, 600)  # too few for a page
    # one box is a line read whole, however it stands (30 wide, 300 tall)
    assert vertical_text.across(standing, ~one)[0] == pytest.approx(30 / 300)
    assert not vertical_text.worth_turning(1, vertical_text.across(standing, ~one)[0], 600, 40)
    assert vertical_text.across(np.zeros((0, 2), int), np.zeros(0, bool)) == (0.0, 0.0)
    # turned, the pieces are one line across
    assert vertical_text.turned_is_better(pieces, vertical_text.across(standing, one))
    # turned, a single digit: it runs across more but covers a fraction of what was found
    assert not vertical_text.turned_is_better(pieces, (5.0, 0.1 * pieces[1]))
    assert not vertical_text.turned_is_better(pieces, pieces)  # no gain


def _strip(downwards: bool) -> np.ndarray:
    """The words on one line, turned 90 degrees and cut out with a small margin."""
    line = render_lines([WORDS], size=28, width=28 * len(WORDS))
    ink = np.argwhere(line.min(axis=2) < 128)
    (y0, x0), (y1, x1) = ink.min(axis=0), ink.max(axis=0)
    line = line[max(0, y0 - 6) : y1 + 7, max(0, x0 - 6) : x1 + 7]
    return np.ascontiguousarray(np.rot90(line, -1 if downwards else 1))


@pytest.fixture(scope="module")
def ocrs(v4_models):
    return OCR(), OCR(det={"turn_vertical": False})


@pytest.mark.parametrize("downwards", [True, False])
def test_a_turned_line_cut_out_alone_is_read_whole(ocrs, downwards: bool) -> None:
    turning, as_is = ocrs
    strip = _strip(downwards)
    h, w = strip.shape[:2]
    assert h > 8 * w
    res = turning(strip)
    assert res.texts == [WORDS]
    box = np.asarray(res.lines[0].box)
    assert (box >= -1).all() and (box[:, 0] <= w + 1).all() and (box[:, 1] <= h + 1).all()
    assert np.ptp(box[:, 1]) > 0.8 * h and np.ptp(box[:, 0]) < w + 2  # standing, as in the image
    assert box[0].sum() == box.sum(axis=1).min()  # from its top-left corner
    # Without the turn the detector breaks the line into pieces of a letter or two.
    assert len(as_is(strip).lines) > 3


def test_lines_that_run_across_are_detected_once(ocrs) -> None:
    turning, _ = ocrs
    page = render_lines(["Invoice number 4711", "Total amount 12.50 EUR", "Paid", "7"])
    roles: list[str] = []
    with turning.observe_inputs(lambda role, _: roles.append(role)):
        res = turning(page)
    assert roles.count("det") == 1 and "Invoice number 4711" in res.texts


def test_the_reference_presets_keep_pp_ocrs_frame() -> None:
    assert PPOCR["det"]["turn_vertical"] is False
    assert RAPIDOCR_1_4["det"]["turn_vertical"] is False


def test_a_page_photographed_sideways_is_read_upright(ocrs) -> None:
    turning, as_is = ocrs
    page = render_lines([f"Line {k}: {w}" for k, w in enumerate(WORDS.split(), 1)])
    upright = turning(page).texts
    sideways = np.ascontiguousarray(np.rot90(page, -1))  # turned clockwise: read turned back
    assert turning(sideways).texts == upright
    assert as_is(sideways).texts != upright  # its standing lines in another order


def test_a_page_turned_the_other_way_is_read_upright_too(ocrs) -> None:
    """Turned counter-clockwise, the page is upside down in the frame the turn gives; the
    classifier finds most lines upside down, and the page is detected turned the other way."""
    turning, _ = ocrs
    page = render_lines([f"Line {k}: {w}" for k, w in enumerate(WORDS.split(), 1)])
    sideways = np.ascontiguousarray(np.rot90(page, 1))
    roles: list[str] = []
    with turning.observe_inputs(lambda role, _: roles.append(role)):
        res = turning(sideways)
    assert res.texts == turning(page).texts
    # as is, turned, and turned over after the classifier's first pass
    assert roles[:2] == ["det", "det"] and roles.count("det") == 3
    assert "det" in roles[roles.index("cls") :]
    assert all(line.angle == 0 for line in res.lines)
