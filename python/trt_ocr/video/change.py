"""The cheap change test that decides whether (and where) a frame needs detection, and whether
a text line's crop needs recognition again.

A frame's signature is the map of strong edges of its region of interest, at reduced size.
Text is dense, crisp strokes, so it shows up there whatever its colour, while the soft edges of
a moving picture mostly do not. Two signatures differ where, in some tile (about a character),
enough pixels gained or lost an edge: a line appeared, went, or changed a character."""

from __future__ import annotations

import numpy as np

from trt_ocr.video.options import ChangeOptions


class ChangeTest:
    """Signatures and their comparison for one region-of-interest size."""

    def __init__(self, roi_height: int, roi_width: int, options: ChangeOptions) -> None:
        self.options = options
        # At most 16: a reduced pixel sums f*f grey levels in a uint16.
        self.factor = min(16, max(1, round(roi_width / options.width)))
        self.height = max(1, roi_height // self.factor)
        self.width = max(1, roi_width // self.factor)

    @property
    def tile_side(self) -> float:
        """The side of a frame-test tile in region-of-interest pixels."""
        return float(self.options.tile * self.factor)

    def signature(self, luma_roi: np.ndarray) -> np.ndarray:
        """bool [height, width]: where the reduced grey image has a strong edge."""
        return self.edges(self.reduce(luma_roi))

    def reduce(self, luma_roi: np.ndarray) -> np.ndarray:
        """The reduced grey image [height, width]: sums of factor x factor pixels."""
        f, h, w = self.factor, self.height, self.width
        g = luma_roi[: h * f, : w * f]
        # Block sums by adding f rows, then f columns, of strided views (several times faster
        # than a reshape sum). A sum is at most f*f*255 < 2**16; below 2**15 when f <= 11, so
        # that it and its differences fit int16; larger factors compare in int32.
        rows = g[0::f].astype(np.uint16)
        for dy in range(1, f):
            rows += g[dy::f]
        acc = rows[:, 0::f].copy()
        for dx in range(1, f):
            acc += rows[:, dx::f]
        sums: np.ndarray = acc.view(np.int16) if f <= 11 else acc.astype(np.int32)
        return sums

    def edges(self, sums: np.ndarray) -> np.ndarray:
        """The signature of a reduced grey image (see reduce)."""
        f, h, w = self.factor, self.height, self.width
        step = self.options.edge_step * f * f
        edges = np.zeros((h, w), np.bool_)
        edges[:, 1:] = np.abs(sums[:, 1:] - sums[:, :-1]) > step
        edges[1:, :] |= np.abs(sums[1:, :] - sums[:-1, :]) > step
        return edges

    def moved(self, grey: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """bool [height, width]: reduced pixels whose mean grey level differs between two
        reduced grey images by more than still_step."""
        step = self.options.still_step * self.factor * self.factor
        moved: np.ndarray = np.abs(grey - ref) > step
        return moved

    def frame_changed(self, sig: np.ndarray, ref: np.ndarray) -> bool:
        """True when some tile of the region changed, where text is or was."""
        return bool(self.changed_tiles(sig, ref))

    def changed_tiles(
        self, sig: np.ndarray, ref: np.ndarray
    ) -> list[tuple[float, float, float, float]]:
        """The tiles that changed where text is or was, as (x0, y0, x1, y1) rectangles in
        region-of-interest pixels."""
        o = self.options
        diff = sig ^ ref
        if np.count_nonzero(diff) <= o.tile_change * o.tile * o.tile:  # no tile can change
            return []
        changed = _tile_fractions(diff, o.tile) > o.tile_change
        if not changed.any():
            return []
        dense = np.maximum(_tile_fractions(sig, o.tile), _tile_fractions(ref, o.tile))
        side = self.tile_side
        return [
            (x * side, y * side, (x + 1) * side, (y + 1) * side)
            for y, x in zip(*np.nonzero(changed & (dense >= o.text_density)), strict=True)
        ]

    def reduced_slices(self, x0: int, y0: int, x1: int, y1: int) -> tuple[slice, slice]:
        """The rows and columns of a signature that region pixels [x0, x1) x [y0, y1) cover
        entirely (a reduced pixel partly outside stays out)."""
        f = self.factor
        return slice(-(-y0 // f), y1 // f), slice(-(-x0 // f), x1 // f)

    def line_changed(self, sig: np.ndarray, ref: np.ndarray, box: np.ndarray) -> bool:
        """True when the crop of a line (box: [4, 2] region-of-interest pixels) differs
        between two signatures, in tiles as tall as the line."""
        x0, y0, x1, y1 = self.reduced_rect(box)
        diff = sig[y0:y1, x0:x1] ^ ref[y0:y1, x0:x1]
        if diff.size == 0:
            return False
        return float(_tile_fractions(diff, max(2, y1 - y0)).max()) > self.options.line_change

    def reduced_rect(self, box: np.ndarray) -> tuple[int, int, int, int]:
        """The box's bounding rectangle in reduced pixels, one pixel wider on each side."""
        b = np.asarray(box, np.float32) / self.factor
        x0 = max(0, int(np.floor(b[:, 0].min())) - 1)
        y0 = max(0, int(np.floor(b[:, 1].min())) - 1)
        x1 = min(self.width, int(np.ceil(b[:, 0].max())) + 2)
        y1 = min(self.height, int(np.ceil(b[:, 1].max())) + 2)
        return x0, y0, x1, y1


def _tile_fractions(mask: np.ndarray, tile: int) -> np.ndarray:
    """The fraction of set pixels in each square tile of side tile. Partial tiles at the
    bottom and right count over a whole tile's area, so a pixel or two of noise in a sliver
    of a tile is not a change."""
    h, w = mask.shape
    th, tw = -(-h // tile), -(-w // tile)
    padded = np.zeros((th * tile, tw * tile), np.uint8)
    padded[:h, :w] = mask
    # Rows of tiles, then columns: two one-axis sums are several times faster than one 4-D sum.
    rows = padded.reshape(th, tile, tw * tile).sum(axis=1, dtype=np.int32)
    counts = rows.reshape(th, tw, tile).sum(axis=2, dtype=np.int32)
    share: np.ndarray = counts / np.float32(tile * tile)
    return share
