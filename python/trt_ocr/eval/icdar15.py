"""ICDAR 2015 (Robust Reading Challenge 4) detection and end-to-end metrics.

Detection protocol, as implemented here (written from the protocol's description):

1. Ground-truth regions transcribed ``###`` are *don't care*: they are never counted in recall.
2. A prediction is *don't care* when its intersection with any one don't-care region exceeds
   0.5 of the prediction's own area (``> 0.5``); it is then counted neither as a hit nor as a
   false positive.
3. Matching is one-to-one and greedy in file order: for each cared-for ground-truth region in
   order, the first cared-for, still unmatched prediction (in the engine's output order) with
   IoU >= 0.5 is its match. (The reference script tests ``IoU > 0.5``; the two differ only at
   exactly 0.5.)
4. Counts are summed over the data set: precision = matches / cared-for predictions, recall =
   matches / cared-for GT, H-mean = harmonic mean (0 when both are 0; a metric whose
   denominator is 0 is 0).

End-to-end: the same pairs are formed on geometry alone, and a pair counts as a match only when
the transcriptions agree after :func:`trt_ocr.eval.text.ic15_normalize` on both sides
(case-insensitive, leading/trailing ``!?.:,*"()·[]/'`` stripped). A geometric pair with the
wrong text is consumed: neither side can pair with anything else (as in the reference script).

Caveat, word vs line: IC15 ground truth is word-level while PP-OCR's detector finds text lines,
so a line covering several words overlaps each word with IoU < 0.5 and loses both recall and
precision, and its multi-word transcription cannot equal one word. The numbers are therefore
lower than a word-level detector's and are meant for comparing engines that run the same models
side by side, not for comparison with published IC15 results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from trt_ocr.eval.datasets import GtBox
from trt_ocr.eval.geometry import intersection_matrix, iou_matrix, polygons
from trt_ocr.eval.predictions import Predictions, coerce
from trt_ocr.eval.text import ic15_normalize

IOU_THRESHOLD = 0.5
DONT_CARE_AREA_THRESHOLD = 0.5


@dataclass
class ImageCounts:
    n_gt: int = 0  # cared-for GT
    n_det: int = 0  # cared-for predictions
    matched: int = 0
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (gt index, pred index)


@dataclass
class PRH:
    """Precision, recall and H-mean with the counts behind them."""

    precision: float
    recall: float
    hmean: float
    matched: int
    n_gt: int
    n_det: int
    per_image: dict[str, ImageCounts] = field(default_factory=dict, repr=False)

    @classmethod
    def from_counts(
        cls, matched: int, n_gt: int, n_det: int, per_image: dict[str, ImageCounts] | None = None
    ) -> PRH:
        p = matched / n_det if n_det else 0.0
        r = matched / n_gt if n_gt else 0.0
        h = 2 * p * r / (p + r) if p + r > 0 else 0.0
        return cls(p, r, h, matched, n_gt, n_det, per_image or {})

    def summary(self) -> dict[str, float | int]:
        d = asdict(self)
        d.pop("per_image")
        return d


def match_image(
    gt: Sequence[GtBox],
    preds: Any,
    e2e: bool,
    iou_threshold: float = IOU_THRESHOLD,
    dont_care_threshold: float = DONT_CARE_AREA_THRESHOLD,
) -> ImageCounts:
    """The protocol on one image; ``preds`` in any form :mod:`predictions` accepts."""
    det = coerce(preds)
    gt_polys = polygons([g.quad for g in gt])
    det_polys = polygons([q for q, _ in det])
    gt_dc = np.array([g.dont_care for g in gt], dtype=bool)
    det_dc = np.zeros(len(det), dtype=bool)
    if gt_dc.any() and det:
        dc_polys = [p for p, dc in zip(gt_polys, gt_dc, strict=True) if dc]
        inter = intersection_matrix(det_polys, dc_polys)
        area = np.array([p.area for p in det_polys])
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(area[:, None] > 0, inter / np.maximum(area[:, None], 1e-12), 0.0)
        det_dc = np.asarray((share > dont_care_threshold).any(axis=1), dtype=bool)
    iou = iou_matrix(gt_polys, det_polys)
    used = np.zeros(len(det), dtype=bool)
    counts = ImageCounts(n_gt=int((~gt_dc).sum()), n_det=int((~det_dc).sum()))
    for g in range(len(gt)):
        if gt_dc[g]:
            continue
        for d in range(len(det)):
            if used[d] or det_dc[d] or iou[g, d] < iou_threshold:
                continue
            used[d] = True
            if not e2e or ic15_normalize(gt[g].text) == ic15_normalize(det[d][1]):
                counts.matched += 1
                counts.pairs.append((g, d))
            break
    return counts


def _evaluate(
    gt: Mapping[str, Sequence[GtBox]], preds: Predictions, e2e: bool, iou_threshold: float
) -> PRH:
    unknown = set(preds) - set(gt)
    if unknown:
        raise ValueError(f"predictions for images without ground truth: {sorted(unknown)[:5]}")
    per_image = {k: match_image(g, preds.get(k, ()), e2e, iou_threshold) for k, g in gt.items()}
    return PRH.from_counts(
        sum(c.matched for c in per_image.values()),
        sum(c.n_gt for c in per_image.values()),
        sum(c.n_det for c in per_image.values()),
        per_image,
    )


def evaluate_detection(
    gt: Mapping[str, Sequence[GtBox]], preds: Predictions, iou_threshold: float = IOU_THRESHOLD
) -> PRH:
    """IC15 detection P/R/H over every image of ``gt``; an image missing from ``preds`` has
    no predictions. Predictions' text is ignored."""
    return _evaluate(gt, preds, False, iou_threshold)


def evaluate_end_to_end(
    gt: Mapping[str, Sequence[GtBox]], preds: Predictions, iou_threshold: float = IOU_THRESHOLD
) -> PRH:
    """IC15 end-to-end P/R/H: detection's pairing plus normalised transcription equality."""
    return _evaluate(gt, preds, True, iou_threshold)
