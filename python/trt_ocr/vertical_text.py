"""Images whose text runs vertically, read turned 90 degrees.

PP-OCR reads a line whose box is taller than wide by turning its crop upright, so a line
turned 90 degrees inside a page is read. Cut out on its own, such a line is a narrow strip, and
the detector, trained on lines that run across, splits it into boxes of a letter or two (a
631 x 40 strip: 25 boxes, 0 of its 8 words read); a page photographed sideways is read line by
line only as far as the detector links letters downwards.

Lines run across: their boxes are wider than tall. Two cases are detected again turned 90
degrees counter-clockwise, the way the crops of tall boxes are turned:
- a strip (an image at least STRIP_ASPECT times taller than wide) where at least two boxes were
  found and they do not run across (area-weighted width over height below MAX_ACROSS): a line
  broken into pieces;
- a page where at least MIN_PAGE_BOXES boxes were found and they stand (area-weighted width
  over height below STANDING): a page photographed sideways.
The lines are then read in the turned frame where its boxes run across at least GAIN times
more and cover at least MIN_COVER of the area the first boxes covered: the strip is an ordinary
line, the sideways page an upright one. Scenes with a few vertical words stay as they are
(measured on IC15: with looser rules 10 of 500 images were turned, and lost words). The boxes
are turned back into the image as passed. Lines that read bottom to top come out upside down in
that frame; where the classifier finds most of the line area upside down there, the image is
detected once more turned the other way (clockwise) and read upright (`upside_down`).
"""

from __future__ import annotations

import numpy as np

#: Boxes whose area-weighted width over height is below this do not run across ...
MAX_ACROSS = 1.5
#: ... on an image at least this many times taller than wide (a strip).
STRIP_ASPECT = 3.0
#: Boxes whose area-weighted width over height is below this stand ...
STANDING = 0.5
#: ... when there are at least this many of them (a page).
MIN_PAGE_BOXES = 5
#: The turned frame is kept where its boxes run across at least this many times more
GAIN = 2.0
#: ... and cover at least this share of the box area found before turning.
MIN_COVER = 0.5

Boxes = np.ndarray | list[np.ndarray]  # quads [N, 4, 2], or polygons [K, 2] each


def across(sizes: np.ndarray, upright_turned: np.ndarray) -> tuple[float, float]:
    """(how much the boxes run across: their width over height weighted by area, 0 for no
    box; their area). sizes: int [N, 2] crop (width, height) after the crops' turn;
    upright_turned: bool [N], the crop is turned (the box stands taller than wide)."""
    w = np.where(upright_turned, sizes[:, 1], sizes[:, 0]).astype(np.float64)
    h = np.where(upright_turned, sizes[:, 0], sizes[:, 1]).astype(np.float64)
    area = w * h
    total = float(area.sum())
    ratio = float((area * w / np.maximum(h, 1.0)).sum()) / total if total > 0 else 0.0
    return ratio, total


def worth_turning(count: int, across_found: float, height: int, width: int) -> bool:
    """Whether to detect a height x width image again turned, from the number of boxes found
    and how much they run across: a strip broken into pieces, or a page whose lines stand.
    (One box is a line read whole, turned upright by its crop.)"""
    if count >= 2 and across_found < MAX_ACROSS and height >= STRIP_ASPECT * width:
        return True
    return count >= MIN_PAGE_BOXES and across_found < STANDING


def turned_is_better(found: tuple[float, float], turned: tuple[float, float]) -> bool:
    """Whether to read in the turned frame, from `across` of the boxes found before and after
    turning."""
    return turned[0] >= GAIN * found[0] and turned[1] >= MIN_COVER * found[1]


def upside_down(sizes: np.ndarray, flips: np.ndarray) -> bool:
    """Whether the classifier found most of the line area upside down. sizes: int [N, 2] crop
    (width, height); flips: bool [N], the line is turned 180 degrees to be read."""
    area = sizes[:, 0].astype(np.float64) * sizes[:, 1]
    return bool(area[flips].sum() > 0.5 * area.sum())


def turned(image: np.ndarray, quarter: int = 1) -> np.ndarray:
    """The image turned 90 degrees counter-clockwise (quarter 1, as the crops of tall boxes
    are) or clockwise (-1), packed."""
    return np.ascontiguousarray(np.rot90(image, quarter))


def points_back(points: np.ndarray, height: float, width: float, quarter: int = 1) -> np.ndarray:
    """Points (x, y) of the turned frame in the height x width image before turning: turning
    counter-clockwise took (x, y) to (y, width - x), clockwise to (height - y, x)."""
    back = np.empty_like(points)
    if quarter == 1:
        back[..., 0] = width - points[..., 1]
        back[..., 1] = points[..., 0]
    else:
        back[..., 0] = points[..., 1]
        back[..., 1] = height - points[..., 0]
    return back


def boxes_back(boxes: Boxes, height: float, width: float, quarter: int = 1) -> Boxes:
    """Boxes of the turned frame in the image before turning. A 4-point box starts at its
    top-left corner again (the turned frame's top-left corner is the image's top-right,
    turned counter-clockwise, or its bottom-left); polygons keep their order (turning keeps
    it clockwise)."""
    if isinstance(boxes, np.ndarray):
        return np.roll(points_back(boxes, height, width, quarter), quarter, axis=-2)
    return [points_back(b, height, width, quarter) for b in boxes]
