"""A test-only OpenCV stand-in for the C++ core's pipeline ops (det_preprocess,
db_postprocess, crop_batch, ...), with the signatures trt_ocr.pipeline calls. `install()`
adds them to trt_ocr._core only where the real ones are missing, so the build tests can run
the pipeline before (and keep passing after) the core ops land."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

cv2 = __import__("cv2")


def det_input_shape(
    h: int, w: int, limit_side_len: int, limit_type: str
) -> tuple[int, int, float, float]:
    if limit_type == "max":
        r = limit_side_len / max(h, w) if max(h, w) > limit_side_len else 1.0
    else:
        r = limit_side_len / min(h, w) if min(h, w) < limit_side_len else 1.0
    rh = max(32, round(h * r / 32) * 32)
    rw = max(32, round(w * r / 32) * 32)
    return rh, rw, rh / h, rw / w


def det_preprocess(
    img: np.ndarray,
    limit_side_len: int,
    limit_type: str,
    mean: Any,
    std: Any,
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, float, float]:
    h, w = img.shape[:2]
    rh, rw, ry, rx = det_input_shape(h, w, limit_side_len, limit_type)
    x = cv2.resize(img, (rw, rh)).astype(np.float32) / 255.0
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]), ry, rx


def _mini_box(contour: np.ndarray) -> tuple[np.ndarray, float]:
    rect = cv2.minAreaRect(contour)
    pts = sorted(cv2.boxPoints(rect).tolist(), key=lambda p: p[0])
    a, b = sorted(pts[:2], key=lambda p: p[1])
    c, d = sorted(pts[2:], key=lambda p: p[1])
    return np.array([a, c, d, b], np.float32), min(rect[1])


def db_postprocess(
    prob: np.ndarray,
    h: int,
    w: int,
    thresh: float = 0.3,
    box_thresh: float = 0.6,
    max_candidates: int = 1000,
    unclip_ratio: float = 1.5,
    use_dilation: bool = False,
    score_mode: str = "fast",
    box_type: str = "quad",
) -> tuple[np.ndarray, np.ndarray]:
    import pyclipper

    mh, mw = prob.shape
    bitmap = (prob > thresh).astype(np.uint8)
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes, scores = [], []
    for cnt in contours[:max_candidates]:
        box, sside = _mini_box(cnt)
        if sside < 3:
            continue
        x0, y0 = np.clip(np.floor(box.min(0)).astype(int), 0, [mw - 1, mh - 1])
        x1, y1 = np.clip(np.ceil(box.max(0)).astype(int), 0, [mw - 1, mh - 1])
        mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
        cv2.fillPoly(mask, [(box - [x0, y0]).astype(np.int32)], 1)
        score = cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0]
        if score < box_thresh:
            continue
        poly = box.astype(np.float64)
        area = abs(cv2.contourArea(poly.astype(np.float32)))
        length = cv2.arcLength(poly.astype(np.float32), True)
        off = pyclipper.PyclipperOffset()
        off.AddPath(poly.tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
        expanded = off.Execute(area * unclip_ratio / max(length, 1e-6))
        if len(expanded) != 1:
            continue
        box, sside = _mini_box(np.array(expanded[0], np.float32).reshape(-1, 1, 2))
        if sside < 5:
            continue
        box[:, 0] = np.clip(np.round(box[:, 0] / mw * w), 0, w)
        box[:, 1] = np.clip(np.round(box[:, 1] / mh * h), 0, h)
        boxes.append(box)
        scores.append(score)
    if not boxes:
        return np.zeros((0, 4, 2), np.float32), np.zeros(0, np.float32)
    return np.stack(boxes).astype(np.float32), np.array(scores, np.float32)


def reading_order(quads: np.ndarray, y_tolerance: float = 10.0) -> np.ndarray:
    idx = sorted(range(len(quads)), key=lambda i: (quads[i][0][1], quads[i][0][0]))
    for i in range(len(idx) - 1):
        for j in range(i, -1, -1):
            a, b = quads[idx[j + 1]][0], quads[idx[j]][0]
            if abs(a[1] - b[1]) < y_tolerance and a[0] < b[0]:
                idx[j], idx[j + 1] = idx[j + 1], idx[j]
            else:
                break
    return np.array(idx, np.int64)


def _size(q: np.ndarray) -> tuple[int, int]:
    w = int(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3])))
    h = int(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
    return max(w, 1), max(h, 1)


def crop_sizes(quads: np.ndarray, tall_ratio: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    sizes, rot = [], []
    for q in quads:
        w, h = _size(q)
        r = h / w >= tall_ratio
        sizes.append((h, w) if r else (w, h))
        rot.append(r)
    return np.array(sizes, np.int32).reshape(-1, 2), np.array(rot, bool)


def _crop(img: np.ndarray, q: np.ndarray, tall_ratio: float) -> np.ndarray:
    w, h = _size(q)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    out = cv2.warpPerspective(
        img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if h / w >= tall_ratio:
        out = np.rot90(out)
    return out


def crop_batch(
    img: np.ndarray,
    quads: np.ndarray,
    height: int,
    width: int,
    keep_ratio: bool = True,
    mean: Any = (0.5, 0.5, 0.5),
    std: Any = (0.5, 0.5, 0.5),
    tall_ratio: float = 1.5,
    flip180: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    out = np.zeros((len(quads), 3, height, width), np.float32)
    valid = np.zeros(len(quads), np.int32)
    for i, q in enumerate(quads):
        c = _crop(img, np.asarray(q, np.float32), tall_ratio)
        if flip180 is not None and flip180[i]:
            c = np.ascontiguousarray(c[::-1, ::-1])
        ch, cw = c.shape[:2]
        rw = min(width, math.ceil(height * cw / ch)) if keep_ratio else width
        x = cv2.resize(np.ascontiguousarray(c), (rw, height)).astype(np.float32) / 255.0
        x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
        out[i, :, :, :rw] = x.transpose(2, 0, 1)
        valid[i] = rw
    return out, valid


def install() -> list[str]:
    """Adds the missing ops to trt_ocr._core; returns the names it added."""
    from trt_ocr import _core

    added = []
    for name in (
        "det_input_shape",
        "det_preprocess",
        "db_postprocess",
        "reading_order",
        "crop_sizes",
        "crop_batch",
    ):
        if not hasattr(_core, name):
            setattr(_core, name, globals()[name])
            added.append(name)
    return added
