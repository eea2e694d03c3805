"""Polygon areas, intersections and IoU for quads (shapely, an optional dependency)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _shapely() -> tuple[Any, Any]:
    try:
        import shapely
        from shapely.geometry import Polygon
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("trt_ocr.eval needs shapely>=2.0: pip install 'trt-ocr[eval]'") from e
    return shapely, Polygon


def as_quad(box: Any) -> np.ndarray:
    """Any 4-point box (4x2 nested list/array or 8 flat numbers) -> float64 [4, 2]."""
    a = np.asarray(box, dtype=np.float64)
    if a.size != 8:
        raise ValueError(f"a quad has 4 points (8 numbers), got shape {a.shape}")
    return a.reshape(4, 2)


def to_polygon(box: Any) -> Any:
    """A shapely polygon for a quad. Self-intersecting quads (points in bow-tie order) are
    repaired with ``make_valid``; degenerate ones become empty geometry of area 0."""
    shapely, polygon_cls = _shapely()
    poly = polygon_cls(as_quad(box))
    if not poly.is_valid:
        poly = shapely.make_valid(poly)
    return poly


def polygons(boxes: Sequence[Any]) -> list[Any]:
    return [to_polygon(b) for b in boxes]


def _bounds(polys: Sequence[Any]) -> np.ndarray:
    if not polys:
        return np.zeros((0, 4))
    b = np.array([p.bounds if not p.is_empty else (0.0, 0.0, -1.0, -1.0) for p in polys])
    return b


def intersection_matrix(a: Sequence[Any], b: Sequence[Any]) -> np.ndarray:
    """Intersection areas [len(a), len(b)] between two lists of shapely polygons; pairs whose
    bounding boxes do not overlap are skipped (0)."""
    out = np.zeros((len(a), len(b)))
    if not a or not b:
        return out
    ba, bb = _bounds(a), _bounds(b)
    overlap = (
        (ba[:, None, 0] < bb[None, :, 2])
        & (bb[None, :, 0] < ba[:, None, 2])
        & (ba[:, None, 1] < bb[None, :, 3])
        & (bb[None, :, 1] < ba[:, None, 3])
    )
    for i, j in zip(*np.nonzero(overlap), strict=True):
        out[i, j] = a[i].intersection(b[j]).area
    return out


def iou_matrix(a: Sequence[Any], b: Sequence[Any]) -> np.ndarray:
    """Intersection over union [len(a), len(b)]; 0 where the union is empty."""
    inter = intersection_matrix(a, b)
    area_a = np.array([p.area for p in a])[:, None] if a else np.zeros((0, 1))
    area_b = np.array([p.area for p in b])[None, :] if b else np.zeros((1, 0))
    union = area_a + area_b - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return iou


def quad_iou(a: Any, b: Any) -> float:
    return float(iou_matrix([to_polygon(a)], [to_polygon(b)])[0, 0])
