"""Detection of very elongated images in overlapping tiles along their long side.

The detector reads an image resized so that its long side fits `limit_side_len`: a 70 x 22000
strip becomes 3 x 960 px and its text vanishes. When tiles of a moderate aspect ratio would be
read at least `tile_gain` times larger than the whole image, the image is cut into tiles along
its long side (each `TILE_ASPECT` times its short side, at least the detector's limit, so short
strips are read at full size), each tile is detected on its own, and the boxes are mapped back
and merged across the seams: a line cut by a seam is seen in pieces by both tiles and the pieces
overlap inside the seam's overlap, so boxes of different tiles that overlap on the same text
line are joined.

Plain numpy: the detector stage (`trt_ocr.stages.TextDetector`) runs the tiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trt_ocr.presets import PPOCR

#: A tile's long side is at most this many times its short side (or the detector's limit).
TILE_ASPECT = 2.0
#: With limit_type "min" (which grows a 60 px strip's tile until its short side reaches the
#: limit) tiles are read as limit_type "max" at this length, PP-OCR's limit: as given or smaller.
TILE_LENGTH: int = PPOCR["det"]["limit_side_len"]
#: Consecutive tiles share this fraction of a tile's length: a word up to that long is seen
#: whole by one of them, and pieces of longer lines overlap there, which is how they are joined.
TILE_OVERLAP = 1 / 3
#: Boxes of two tiles are one text line when they intersect and share at least this fraction of
#: the smaller one's extent across the reading direction (its height for horizontal text).
SAME_LINE_OVERLAP = 0.5


@dataclass(frozen=True)
class Tile:
    """A window of the image: rows y0:y1, columns x0:x1."""

    y0: int
    x0: int
    y1: int
    x1: int


def plan_tiles(
    height: int,
    width: int,
    limit_side_len: int,
    tile_gain: float,
    det_scale: Callable[[int, int], float],
    tile_scale: Callable[[int, int], float] | None = None,
) -> list[Tile] | None:
    """The tiles of a height x width image, or None when the whole image is read well enough.

    det_scale(h, w): the factor the detector's resize applies to an h x w image; tile_scale
    the same for a tile (default det_scale). Tiling pays when a tile is read at least
    tile_gain times larger than the whole image (tile_gain <= 0: never)."""
    if tile_gain <= 0 or height <= 0 or width <= 0:
        return None
    short, long = min(height, width), max(height, width)
    length = min(long, max(limit_side_len, round(TILE_ASPECT * short)))
    if length >= long:
        return None
    tile_h, tile_w = (short, length) if width >= height else (length, short)
    if (tile_scale or det_scale)(tile_h, tile_w) < tile_gain * det_scale(height, width):
        return None
    step = max(1, round(length * (1 - TILE_OVERLAP)))
    n = -(-(long - length) // step) + 1
    # Evenly spread so the last tile ends at the image's edge and every tile has one size.
    starts = [round(i * (long - length) / (n - 1)) for i in range(n)]
    if width >= height:
        return [Tile(0, s, height, s + length) for s in starts]
    return [Tile(s, 0, s + length, width) for s in starts]


def pad_short_side(tile: np.ndarray) -> np.ndarray:
    """The tile with its short side padded (edge pixels repeated, after its end) up to a
    multiple of 32 where the detector's resize would round it down: that resize rounds each
    side to a multiple of 32 on its own, so a 45 px strip would be squeezed to 32 px (text 0.7x
    as high) while its length stays. (Rounding up, 56 -> 64 px, enlarges the text: kept.)"""
    h, w = tile.shape[:2]
    short_axis = 0 if h <= w else 1
    short = tile.shape[short_axis]
    if max(32, round(short / 32) * 32) >= short:
        return tile
    pad = -short % 32
    widths = [(0, 0)] * tile.ndim
    widths[short_axis] = (0, pad)
    return np.ascontiguousarray(np.pad(tile, widths, mode="edge"))


def _bounds(quads: np.ndarray) -> np.ndarray:
    """Axis-aligned bounds [N, 4] (x0, y0, x1, y1) of quads [N, 4, 2]."""
    return np.concatenate([quads.min(axis=1), quads.max(axis=1)], axis=1)


def _same_line(a: np.ndarray, b: np.ndarray) -> bool:
    """Bounds a and b (x0, y0, x1, y1) intersect and lie on one text line."""
    ox = min(a[2], b[2]) - max(a[0], b[0])
    oy = min(a[3], b[3]) - max(a[1], b[1])
    if ox <= 0 or oy <= 0:
        return False
    # Across the reading direction: the height of wide boxes, the width of tall ones.
    wide = (a[2] - a[0]) + (b[2] - b[0]) >= (a[3] - a[1]) + (b[3] - b[1])
    across, extent = (
        (oy, min(a[3] - a[1], b[3] - b[1]))
        if wide
        else (
            ox,
            min(a[2] - a[0], b[2] - b[0]),
        )
    )
    return bool(across >= SAME_LINE_OVERLAP * extent)


def _enclosing_quad(quads: np.ndarray) -> np.ndarray:
    """The rectangle along the pieces' principal axis that encloses every quad [K, 4, 2],
    clockwise from top-left as the detector's quads (a long line's pieces each have a slightly
    different tilt; the whole line's axis comes from all of them)."""
    pts = quads.reshape(-1, 2).astype(np.float64)
    centred = pts - pts.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    d = vt[0]
    # The rectangle's x-most axis runs left to right; its normal then points down.
    e = d if abs(d[0]) >= abs(d[1]) else np.array([-d[1], d[0]])
    e = e if e[0] > 0 else -e
    n = np.array([-e[1], e[0]])
    a, b = pts @ e, pts @ n
    corners = [(a.min(), b.min()), (a.max(), b.min()), (a.max(), b.max()), (a.min(), b.max())]
    return np.array([u * e + v * n for u, v in corners], np.float32)


def merge_tiles(
    quads: np.ndarray, scores: np.ndarray, tile_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Joins boxes of different tiles that overlap on one text line: quads [N, 4, 2] in image
    pixels, scores [N], tile_of [N] (each box's tile). Returns (quads [M, 4, 2], scores [M]);
    a joined box scores the mean of its pieces."""
    n = len(quads)
    if n == 0:
        return quads.reshape(0, 4, 2).astype(np.float32), scores.astype(np.float32)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    bounds = _bounds(quads)
    # Sorting by the left (or top) edge lets each box stop at the first box past its end.
    axis = 0 if np.ptp(bounds[:, [0, 2]]) >= np.ptp(bounds[:, [1, 3]]) else 1
    order = np.argsort(bounds[:, axis], kind="stable")
    for pos, i in enumerate(order):
        for j in order[pos + 1 :]:
            if bounds[j, axis] >= bounds[i, axis + 2]:
                break
            if tile_of[i] != tile_of[j] and _same_line(bounds[i], bounds[j]):
                parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    out_q = np.empty((len(groups), 4, 2), np.float32)
    out_s = np.empty(len(groups), np.float32)
    for k, members in enumerate(groups.values()):
        out_q[k] = quads[members[0]] if len(members) == 1 else _enclosing_quad(quads[members])
        out_s[k] = float(np.mean(scores[members]))
    return out_q, out_s
