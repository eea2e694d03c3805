"""Python/OpenCV reference for DB post-processing, written from PP-OCR's described algorithm.

It follows PaddleOCR's DBPostProcess (boxes_from_bitmap / polygons_from_bitmap) and the
filtering TextDetector applies afterwards, using cv2, pyclipper and numpy the way PP-OCR does,
so the C++ implementation can be checked against it (and timed against it in bench/core_db.py).
"""

from __future__ import annotations

import cv2
import numpy as np
import pyclipper

_DILATE_KERNEL = np.ones((2, 2), dtype=np.uint8)


def _mini_box(points: np.ndarray) -> tuple[np.ndarray, float]:
    """minAreaRect corners ordered as PP-OCR's get_mini_boxes, and the short side."""
    rect = cv2.minAreaRect(points)
    corners = sorted(cv2.boxPoints(rect), key=lambda p: p[0])
    left = (0, 1) if corners[1][1] > corners[0][1] else (1, 0)
    right = (2, 3) if corners[3][1] > corners[2][1] else (3, 2)
    box = np.array([corners[left[0]], corners[right[0]], corners[right[1]], corners[left[1]]])
    return box, float(min(rect[1]))


def _mean_in_polygon(prob: np.ndarray, pts: np.ndarray) -> float:
    """Mean of prob over the polygon rasterised on its (clipped) bounding rectangle."""
    h, w = prob.shape
    xmin = int(np.clip(np.floor(pts[:, 0].min()), 0, w - 1))
    xmax = int(np.clip(np.ceil(pts[:, 0].max()), 0, w - 1))
    ymin = int(np.clip(np.floor(pts[:, 1].min()), 0, h - 1))
    ymax = int(np.clip(np.ceil(pts[:, 1].max()), 0, h - 1))
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    shifted = (pts.astype(np.float64) - [xmin, ymin]).astype(np.int32)
    cv2.fillPoly(mask, shifted.reshape(1, -1, 2), 1)
    return float(cv2.mean(prob[ymin : ymax + 1, xmin : xmax + 1], mask)[0])


def _unclip(pts: np.ndarray, ratio: float) -> list:
    p = pts.astype(np.float64)
    x, y = p[:, 0], p[:, 1]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    length = float(np.sum(np.hypot(*(np.roll(p, -1, axis=0) - p).T)))
    if length == 0:
        return []
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(pts.tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return offset.Execute(area * ratio / length)


def _to_source(pts: np.ndarray, map_h: int, map_w: int, src_h: int, src_w: int) -> np.ndarray:
    out = np.asarray(pts, dtype=np.float64).copy()
    out[:, 0] = np.clip(np.round(out[:, 0] / map_w * src_w), 0, src_w)
    out[:, 1] = np.clip(np.round(out[:, 1] / map_h * src_h), 0, src_h)
    return out


def _order_clockwise(pts: np.ndarray) -> np.ndarray:
    s = pts.sum(axis=1)
    tl, br = int(np.argmin(s)), int(np.argmax(s))
    rest = np.delete(pts, (tl, br), axis=0)
    d = np.diff(rest, axis=1)
    return np.array([pts[tl], rest[np.argmin(d)], pts[br], rest[np.argmax(d)]])


def _clip(pts: np.ndarray, src_h: int, src_w: int) -> np.ndarray:
    out = pts.copy()
    out[:, 0] = np.trunc(np.clip(out[:, 0], 0, src_w - 1))
    out[:, 1] = np.trunc(np.clip(out[:, 1], 0, src_h - 1))
    return out


def db_postprocess_ref(
    prob: np.ndarray,
    src_h: int,
    src_w: int,
    *,
    thresh: float = 0.3,
    box_thresh: float = 0.6,
    max_candidates: int = 1000,
    unclip_ratio: float = 1.5,
    use_dilation: bool = False,
    score_mode: str = "fast",
    box_type: str = "quad",
    min_size: int = 3,
) -> tuple[np.ndarray | list[np.ndarray], np.ndarray]:
    """Same contract as trt_ocr._core.db_postprocess."""
    prob = prob.reshape(prob.shape[-2:])
    map_h, map_w = prob.shape
    bitmap = (prob > thresh).astype(np.uint8)
    if use_dilation:
        bitmap = cv2.dilate(bitmap, _DILATE_KERNEL)
    contours, _ = cv2.findContours(bitmap * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[np.ndarray] = []
    scores: list[float] = []
    for contour in contours[:max_candidates]:
        if box_type == "quad":
            box, sside = _mini_box(contour)
            if sside < min_size:
                continue
            score = _mean_in_polygon(prob, box if score_mode == "fast" else contour.reshape(-1, 2))
            if box_thresh > score:
                continue
            grown = np.array(_unclip(box, unclip_ratio)).reshape(-1, 1, 2)
            if len(grown) == 0:
                continue
            grown, sside = _mini_box(grown)
            if sside < min_size + 2:
                continue
            q = _clip(_order_clockwise(_to_source(grown, map_h, map_w, src_h, src_w)), src_h, src_w)
            if int(np.linalg.norm(q[0] - q[1])) <= 3 or int(np.linalg.norm(q[0] - q[3])) <= 3:
                continue
            boxes.append(q.astype(np.float32))
        else:
            eps = 0.002 * cv2.arcLength(contour, True)
            pts = cv2.approxPolyDP(contour, eps, True).reshape(-1, 2)
            if pts.shape[0] < 4:
                continue
            score = _mean_in_polygon(prob, pts)
            if box_thresh > score:
                continue
            grown = _unclip(pts, unclip_ratio)
            if len(grown) != 1:
                continue
            poly = np.array(grown[0]).reshape(-1, 2)
            _, sside = _mini_box(poly.reshape(-1, 1, 2))
            if sside < min_size + 2:
                continue
            poly = _clip(_to_source(poly, map_h, map_w, src_h, src_w), src_h, src_w)
            boxes.append(poly.astype(np.float32))
        scores.append(score)
    score_arr = np.array(scores, dtype=np.float32)
    if box_type == "quad":
        return np.array(boxes, dtype=np.float32).reshape(-1, 4, 2), score_arr
    return boxes, score_arr


def reading_order_ref(boxes: np.ndarray, y_tolerance: float = 10.0) -> np.ndarray:
    """PaddleOCR's sorted_boxes, returning indices."""
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][0][1], boxes[i][0][0]))
    for i in range(len(order) - 1):
        for j in range(i, -1, -1):
            a, b = boxes[order[j]][0], boxes[order[j + 1]][0]
            if abs(b[1] - a[1]) < y_tolerance and b[0] < a[0]:
                order[j], order[j + 1] = order[j + 1], order[j]
            else:
                break
    return np.array(order, dtype=np.int64)
