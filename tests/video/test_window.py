"""Windows of the region of interest: their geometry on the detector's grid, and detection in
a window finding what detection of the whole region finds there."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.helpers import font
from trt_ocr.options import DetOptions, ImageOptions
from trt_ocr.presets import VIDEO
from trt_ocr.stages import detection_preprocessor
from trt_ocr.video.window import WindowDetector


def _windows(
    height: int, width: int, det: DetOptions | None = None, image=None, tiled: bool = False
):
    prepare = detection_preprocessor(det or DetOptions(**VIDEO["det"]), image or ImageOptions())
    stub = SimpleNamespace(plan=prepare.plan, tiles=lambda h, w: [object()] if tiled else None)
    return WindowDetector(stub, height, width)  # type: ignore[arg-type]


def test_a_region_the_detector_tiles_is_always_detected_whole() -> None:
    assert _windows(256, 1920).enabled
    assert not _windows(256, 1920, tiled=True).enabled


@pytest.mark.slow
def test_a_subtitle_band_is_not_tiled_by_default(v4_models) -> None:
    from trt_ocr import OCR

    ocr = OCR(threads=1)
    assert ocr.detector.tiles(256, 1920) is None
    video = OCR(threads=1, **VIDEO)
    assert video.detector.tiles(256, 1920) is None  # windows stay on for 1080p bands
    assert WindowDetector(video.detector, 256, 1920).enabled
    assert ocr.detector.tiles(70, 21144) is not None  # an extreme strip still tiles


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def test_cells_follow_the_whole_regions_resize() -> None:
    w = _windows(256, 1920)  # resized to 960 x 128: cells of 64 x 64 region pixels
    assert (w.cells_h, w.cells_w) == (4, 30) and w.cell_size == (64.0, 64.0)
    whole = w.whole
    assert (whole.x0, whole.y0, whole.x1, whole.y1, whole.det_w, whole.det_h) == (
        0,
        0,
        1920,
        256,
        960,
        128,
    )


def test_a_window_holds_what_was_marked_on_the_grid() -> None:
    w = _windows(256, 1920)
    cells = w.no_cells()
    w.mark(cells, 700, 150, 1000, 200)
    [window] = w.windows(cells)
    assert (window.x0, window.y0, window.x1, window.y1) == (640, 128, 1024, 256)
    assert (window.det_w, window.det_h) == (192, 64)  # its block of the whole input
    assert window.overlaps(_rect(1000, 200, 1100, 220))
    assert not window.overlaps(_rect(1024, 200, 1100, 220))


def test_reduced_pixels_mark_the_cells_they_reach() -> None:
    w = _windows(256, 1920)  # cells of 64 x 64 region pixels
    mask = np.zeros((85, 640), np.bool_)  # the region reduced 3x
    mask[0, 0] = True  # pixels 0-2: cell (0, 0)
    mask[21, 21] = True  # pixels 63-65 across both axes: four cells
    cells = w.no_cells()
    w.mark_pixels(cells, mask, 3)
    assert sorted(zip(*np.nonzero(cells), strict=True)) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    mask[:] = False
    mask[84, 639] = True  # the last reduced pixel: the last cell
    cells = w.no_cells()
    w.mark_pixels(cells, mask, 3)
    assert list(zip(*np.nonzero(cells), strict=True)) == [(3, 29)]


def test_far_apart_changes_get_a_window_each_near_ones_one() -> None:
    w = _windows(256, 1920)
    cells = w.no_cells()
    w.mark(cells, 10, 10, 100, 60)
    w.mark(cells, 1500, 10, 1600, 60)
    assert len(w.windows(cells)) == 2
    cells = w.no_cells()
    w.mark(cells, 10, 10, 100, 60)  # cells 0-1
    w.mark(cells, 200, 10, 250, 60)  # cells 3: one cell apart
    [joined] = w.windows(cells)
    assert (joined.x0, joined.x1) == (0, 256)


def test_most_of_the_region_is_the_whole_region() -> None:
    w = _windows(256, 1920)
    cells = w.no_cells()
    w.mark(cells, 0, 0, 1800, 256)
    assert w.windows(cells) == [w.whole]
    assert w.windows(w.no_cells()) == []


@pytest.mark.parametrize(
    "det, image",
    [
        (DetOptions(min_height=300), None),  # the region would be letterboxed
        (None, ImageOptions(max_side_len=1000)),  # ... or rescaled first
    ],
)
def test_options_that_change_the_scale_of_a_part_turn_windows_off(det, image) -> None:
    w = _windows(256, 1920, det, image)
    cells = w.no_cells()
    w.mark(cells, 700, 150, 1000, 200)
    assert not w.enabled and w.windows(cells) == [w.whole]


def test_a_window_too_thin_for_the_detector_as_is_gives_the_whole_region() -> None:
    # RapidOCR's letterbox of images wider than 8:1 would pad a one-cell-high strip.
    w = _windows(256, 1920, DetOptions(max_aspect=8.0))
    assert w.enabled  # the whole region (7.5:1) is not padded
    cells = w.no_cells()
    w.mark(cells, 0, 150, 1200, 200)
    assert w.windows(cells) == [w.whole]


def test_a_box_at_an_inner_edge_may_go_on_outside() -> None:
    w = _windows(256, 1920)
    cells = w.no_cells()
    w.mark(cells, 700, 150, 1000, 200)
    [window] = w.windows(cells)
    assert not w.at_inner_edge(window, _rect(700, 160, 1000, 200))
    assert w.at_inner_edge(window, _rect(642, 160, 1000, 200))  # cut at the left edge
    assert w.at_inner_edge(window, _rect(700, 160, 1023, 200))
    whole = w.whole
    assert not w.at_inner_edge(whole, _rect(0, 0, 1920, 256))  # the region's own edges


def _band(lines: list[tuple[int, str]]) -> np.ndarray:
    """A 1920 x 256 band: a soft gradient with white outlined lines at (x, text)."""
    y, x = np.mgrid[0:256, 0:1920].astype(np.float32)
    grey = (80 + 40 * np.sin(x / 150.0) * np.cos(y / 70.0)).astype(np.uint8)
    pil = Image.fromarray(np.stack([grey, grey // 2 + 40, grey], axis=2))
    draw = ImageDraw.Draw(pil)
    for left, text in lines:
        draw.text(
            (left, 150), text, font=font(44), fill="white", stroke_width=3, stroke_fill="black"
        )
    return np.ascontiguousarray(np.asarray(pil))


def _timings() -> dict[str, float]:
    return {"pre": 0.0, "det": 0.0, "cls": 0.0, "rec": 0.0, "post": 0.0}


@pytest.mark.slow
def test_a_window_finds_the_line_detection_of_the_whole_region_finds(v4_models) -> None:
    from trt_ocr import OCR

    ocr = OCR(threads=1, **VIDEO)
    image = _band([(120, "Kept on the left"), (1150, "Changed on the right")])
    w = WindowDetector(ocr.detector, *image.shape[:2])
    whole = ocr.detector(image, _timings())
    assert len(whole) == 2
    right = max(whole.boxes, key=lambda b: float(b[:, 0].min()))
    cells = w.no_cells()
    w.mark(cells, *right[0], *right[2])
    [window] = w.windows(cells)
    assert window != w.whole and window.x0 > 700  # the left line is outside it
    part = w.detect(image, window, _timings())
    assert len(part) == 1
    # The same box at the same scale, in region pixels ...
    np.testing.assert_allclose(part.boxes[0], right, atol=2)
    # ... and read from the full-resolution pixels, as the whole region's line is.
    assert part.work_image is image
    flips = np.zeros(1, np.bool_)
    [(text, _, _)] = ocr.recognizer(part, flips, _timings())
    assert text.replace(" ", "") == "Changedontheright"
