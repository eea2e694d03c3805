"""Accuracy evaluation shared by every engine: ICDAR 2015 detection / end-to-end P/R/H, ICDAR
2015 word accuracy, SROIE line recall, subtitle events of videos (event P/R/F1, CER, timing).
Predictions are ``{image_id: [(quad 4x2, text), ...]}``.

Needs shapely (``pip install 'trt-ocr[eval]'``) for the polygon metrics.
"""

from __future__ import annotations

from trt_ocr.eval.datasets import (
    GtBox,
    list_images,
    load_ic15_gt,
    load_ic15_words,
    load_sroie_boxes,
)
from trt_ocr.eval.icdar15 import PRH, evaluate_detection, evaluate_end_to_end, match_image
from trt_ocr.eval.predictions import coerce, load_json, to_jsonable
from trt_ocr.eval.sroie import LineRecall, evaluate_lines
from trt_ocr.eval.subtitles import (
    Cue,
    EventScores,
    cer,
    evaluate_events,
    load_events,
    parse_cues,
    temporal_iou,
)
from trt_ocr.eval.text import ic15_normalize, squash_whitespace, word_normalize
from trt_ocr.eval.words import WordAccuracy, evaluate_words

__all__ = [
    "PRH",
    "Cue",
    "EventScores",
    "GtBox",
    "LineRecall",
    "WordAccuracy",
    "cer",
    "coerce",
    "evaluate_detection",
    "evaluate_end_to_end",
    "evaluate_events",
    "evaluate_lines",
    "evaluate_words",
    "ic15_normalize",
    "list_images",
    "load_events",
    "load_ic15_gt",
    "load_ic15_words",
    "load_json",
    "load_sroie_boxes",
    "match_image",
    "parse_cues",
    "squash_whitespace",
    "temporal_iou",
    "to_jsonable",
    "word_normalize",
]
