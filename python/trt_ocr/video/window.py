"""Detection in a window of the region of interest, at the scale of the whole region.

When only part of the region changed, detecting that part alone is cheaper (the detector's
cost grows with its input's area) and leaves the lines elsewhere as they were. The window's
pixels are resized by the ratios the whole region gets (PP-OCR's resize), on the detector's
32-pixel grid of the whole region, so the network sees the block of the whole region's input
it would have seen there: the same text at the same scale. It does not see what lies around
the block (its receptive field is hundreds of pixels), so a box can come out a few pixels off
the whole region's: measured on the shared subtitle clips, up to 5 px, which changed the text
of 1 of their 22 events (spaces lost). Boxes reaching an inner edge are not trusted (see
WindowDetector.detect); VideoOCR(windows=False) detects the whole region instead."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trt_ocr import _core
from trt_ocr.stages import Detections, TextDetector

# The detector network's stride: its input sides are multiples of this, and a window is
# made of cells of this many detector pixels (so a window's input is a block of the whole
# region's input).
_GRID = 32
# Windows covering this large a share of the region are not worth the difference.
_MAX_SHARE = 0.85
# Windows this many cells apart are joined: detecting the cells between them costs about
# what another network call costs.
_JOIN_GAP = 1
# A box this close (detector pixels) to a window edge inside the region may be cut there.
_EDGE = 2.0


@dataclass(frozen=True)
class Window:
    """A rectangle of the region of interest (pixels, end exclusive) and its size at the
    detector's scale."""

    x0: int
    y0: int
    x1: int
    y1: int
    det_w: int
    det_h: int
    cells: tuple[slice, slice]  # its rows and columns of detector cells

    def overlaps(self, rect: np.ndarray) -> bool:
        """rect: [4, 2] axis-aligned, clockwise from top-left."""
        return bool(
            rect[0, 0] < self.x1
            and rect[1, 0] > self.x0
            and rect[0, 1] < self.y1
            and rect[2, 1] > self.y0
        )

    def contains(self, rect: np.ndarray) -> bool:
        return bool(
            rect[0, 0] >= self.x0
            and rect[1, 0] <= self.x1
            and rect[0, 1] >= self.y0
            and rect[2, 1] <= self.y1
        )


class WindowDetector:
    """Windows of one region-of-interest size and their detection. `enabled` is False when
    the detector's options rescale, letterbox or tile the region (the scale of a window would
    then differ from the whole region's): every detection is then of the whole region."""

    def __init__(self, detector: TextDetector, height: int, width: int) -> None:
        self.detector = detector
        self.height, self.width = height, width
        # The detector's own plan, to check that it leaves a window's pixels as given.
        self._plan = detector.plan
        whole = self._plan(height, width)
        # A region detected in tiles is read at the tiles' scale, not the plan's.
        self.enabled = (
            not whole.scale.rescaled and whole.pad == 0 and detector.tiles(height, width) is None
        )
        # det_h x det_w is the image before the resize, input_h x input_w the network's input.
        self.ratio_h = whole.input_h / height
        self.ratio_w = whole.input_w / width
        self.cells_h, self.cells_w = whole.input_h // _GRID, whole.input_w // _GRID

    @property
    def whole(self) -> Window:
        return self._window(0, 0, self.cells_w, self.cells_h)

    @property
    def cell_size(self) -> tuple[float, float]:
        """A cell's width and height in region pixels."""
        return _GRID / self.ratio_w, _GRID / self.ratio_h

    def no_cells(self) -> np.ndarray:
        """A cell mask (bool [cells_h, cells_w]) with no cell set."""
        return np.zeros((self.cells_h, self.cells_w), np.bool_)

    def mark(self, cells: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> None:
        """Sets the cells that region pixels [x0, x1) x [y0, y1) reach."""
        cx0 = max(0, int(x0 * self.ratio_w // _GRID))
        cy0 = max(0, int(y0 * self.ratio_h // _GRID))
        cx1 = min(self.cells_w, int(np.ceil(x1 * self.ratio_w / _GRID)))
        cy1 = min(self.cells_h, int(np.ceil(y1 * self.ratio_h / _GRID)))
        cells[cy0 : max(cy1, cy0 + 1), cx0 : max(cx1, cx0 + 1)] = True

    def mark_pixels(self, cells: np.ndarray, mask: np.ndarray, factor: int) -> None:
        """Sets the cells that the set pixels of mask reach, mask being the region reduced by
        factor (a reduced pixel is factor x factor region pixels, less than a cell, so it
        reaches at most two cells along each axis: those of its first and last pixel)."""
        ys, xs = np.nonzero(mask)
        rows = [
            _cell_of(p, self.ratio_h, self.cells_h) for p in (ys * factor, ys * factor + factor - 1)
        ]
        cols = [
            _cell_of(p, self.ratio_w, self.cells_w) for p in (xs * factor, xs * factor + factor - 1)
        ]
        for r in rows:
            for c in cols:
                cells[r, c] = True

    def windows(self, cells: np.ndarray) -> list[Window]:
        """Windows covering the set cells: one per run of columns with a set cell (runs a
        column apart are joined), as tall as its set cells reach. The whole region when the
        windows would cover most of it, or when windows are off."""
        if not self.enabled:
            return [self.whole]
        columns = np.flatnonzero(cells.any(axis=0))
        if not len(columns):
            return []
        breaks = np.flatnonzero(np.diff(columns) > 1 + _JOIN_GAP)
        starts = np.concatenate([[columns[0]], columns[breaks + 1]])
        ends = np.concatenate([columns[breaks], [columns[-1]]]) + 1
        out = []
        for cx0, cx1 in zip(starts, ends, strict=True):
            rows = np.flatnonzero(cells[:, cx0:cx1].any(axis=1))
            out.append(self._window(int(cx0), int(rows[0]), int(cx1), int(rows[-1]) + 1))
        whole = self.whole
        area = sum(w.det_w * w.det_h for w in out)
        if area > _MAX_SHARE * whole.det_w * whole.det_h or not all(map(self._as_given, out)):
            return [whole]
        return out

    def _as_given(self, window: Window) -> bool:
        """Whether the detector takes the window's resized pixels as they are (no resize,
        rescale or letterbox)."""
        plan = self._plan(window.det_h, window.det_w)
        return (
            not plan.scale.rescaled
            and not plan.pad
            and (plan.input_h, plan.input_w)
            == (
                window.det_h,
                window.det_w,
            )
        )

    def _window(self, cx0: int, cy0: int, cx1: int, cy1: int) -> Window:
        def to_region(cell: int, ratio: float, size: int) -> int:
            return min(size, round(cell * _GRID / ratio))

        return Window(
            to_region(cx0, self.ratio_w, self.width),
            to_region(cy0, self.ratio_h, self.height),
            to_region(cx1, self.ratio_w, self.width),
            to_region(cy1, self.ratio_h, self.height),
            (cx1 - cx0) * _GRID,
            (cy1 - cy0) * _GRID,
            (slice(cy0, cy1), slice(cx0, cx1)),
        )

    def detect(self, roi_image: np.ndarray, window: Window, t: dict[str, float]) -> Detections:
        """The lines in window of roi_image (the whole region's pixels), in region pixels;
        crops are read from roi_image at full resolution."""
        if window == self.whole:
            return self.detector(roi_image, t)
        part = roi_image[window.y0 : window.y1, window.x0 : window.x1]
        # The detector's bilinear resize (OpenCV's INTER_LINEAR), kept in grey levels: a
        # normalisation to x / 255 / (1 / 255) leaves each value as it is.
        scaled = _core.resize_normalize(
            np.ascontiguousarray(part), window.det_h, window.det_w, mean=(0.0, 0.0, 0.0), std=_UNIT
        )
        image = np.ascontiguousarray(np.rint(scaled[0].transpose(1, 2, 0)).astype(np.uint8))
        found = self.detector(image, t)
        scale = np.array(
            [(window.x1 - window.x0) / window.det_w, (window.y1 - window.y0) / window.det_h],
            np.float32,
        )
        offset = np.array([window.x0, window.y0], np.float32)
        limit = np.array([self.width, self.height], np.float32)

        def to_region(points: np.ndarray) -> np.ndarray:
            mapped: np.ndarray = np.clip(np.round(points * scale + offset), 0, limit)
            return mapped.astype(np.float32)

        boxes = found.boxes
        mapped_boxes: np.ndarray | list[np.ndarray] = (
            to_region(boxes) if isinstance(boxes, np.ndarray) else [to_region(b) for b in boxes]
        )
        return Detections(
            roi_image, to_region(found.quads), mapped_boxes, found.scores, found.tall_ratio
        )

    def at_inner_edge(self, window: Window, rect: np.ndarray) -> bool:
        """True when rect (region pixels) reaches an edge of window that is not the region's:
        the line may go on outside the window."""
        tx, ty = _EDGE / self.ratio_w, _EDGE / self.ratio_h
        return bool(
            (window.x0 > 0 and rect[0, 0] <= window.x0 + tx)
            or (window.x1 < self.width and rect[1, 0] >= window.x1 - tx)
            or (window.y0 > 0 and rect[0, 1] <= window.y0 + ty)
            or (window.y1 < self.height and rect[2, 1] >= window.y1 - ty)
        )


_UNIT = (1 / 255, 1 / 255, 1 / 255)


def _cell_of(pixels: np.ndarray, ratio: float, cells: int) -> np.ndarray:
    """The cells (along one axis) holding region pixels."""
    index: np.ndarray = np.minimum(cells - 1, (pixels * ratio) // _GRID).astype(np.intp)
    return index
