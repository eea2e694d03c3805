"""SROIE text-line recall.

Rule: a ground-truth line is *recalled* when some predicted line has IoU >= 0.5 with its box
and the same text once all whitespace is removed from both (case-sensitive; SROIE text is
upper case). Each prediction can recall at most one GT line: GT lines are taken in file order
and each takes, among the still unused predictions that qualify, the one with the highest IoU.
``line_recall`` = recalled / GT lines. ``det_recall`` is the same with the text condition
dropped (geometry only), so the two show how much is lost to detection and how much to
recognition. Images are weighted by their number of lines (counts are summed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from trt_ocr.eval.datasets import GtBox
from trt_ocr.eval.geometry import iou_matrix, polygons
from trt_ocr.eval.predictions import Predictions, coerce
from trt_ocr.eval.text import squash_whitespace

IOU_THRESHOLD = 0.5


@dataclass
class LineRecall:
    line_recall: float
    det_recall: float
    recalled: int
    det_recalled: int
    total: int
    n_pred: int

    def summary(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def _greedy(
    gt: Sequence[GtBox], det: Sequence[Any], iou: np.ndarray, use_text: bool, iou_threshold: float
) -> int:
    used = np.zeros(len(det), dtype=bool)
    hits = 0
    for g, box in enumerate(gt):
        ok = (iou[g] >= iou_threshold) & ~used
        if use_text:
            want = squash_whitespace(box.text)
            ok &= np.array([squash_whitespace(t) == want for _, t in det], dtype=bool)
        if ok.any():
            d = int(np.argmax(np.where(ok, iou[g], -1.0)))
            used[d] = True
            hits += 1
    return hits


def evaluate_lines(
    gt: Mapping[str, Sequence[GtBox]], preds: Predictions, iou_threshold: float = IOU_THRESHOLD
) -> LineRecall:
    unknown = set(preds) - set(gt)
    if unknown:
        raise ValueError(f"predictions for images without ground truth: {sorted(unknown)[:5]}")
    recalled = det_recalled = total = n_pred = 0
    for k, boxes in gt.items():
        det = coerce(preds.get(k, ()))
        iou = iou_matrix(polygons([b.quad for b in boxes]), polygons([q for q, _ in det]))
        recalled += _greedy(boxes, det, iou, True, iou_threshold)
        det_recalled += _greedy(boxes, det, iou, False, iou_threshold)
        total += len(boxes)
        n_pred += len(det)
    return LineRecall(
        recalled / total if total else 0.0,
        det_recalled / total if total else 0.0,
        recalled,
        det_recalled,
        total,
        n_pred,
    )
