"""Ready-made OCR settings. Use as ``OCR(**RAPIDOCR_1_4)``; `combined` stacks them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Settings = dict[str, dict[str, Any]]

#: PP-OCR's published inference values (tools/infer/utility.py) where trt-ocr's defaults, chosen
#: by measurement on every set at once (bench/accuracy.py), differ from them.
PPOCR: Settings = {
    "det": {
        "limit_side_len": 960,
        "limit_type": "max",
        "box_thresh": 0.6,
        "unclip_ratio": 1.5,
        "use_dilation": False,
        "min_height": 0,  # PP-OCR does not letterbox
        "max_aspect": -1.0,
        "turn_vertical": False,  # nor turn images
    },
    "cls": {"retry_below": 0.0},
    "rec": {"settle_o_zero": False},
}

#: What `trt_ocr.video.VideoOCR` builds its OCR with under the caller's settings: PP-OCR's values,
#: with which the loop was measured (bench/video.py). Subtitle and screen text is large, so the
#: region is detected at PP-OCR's 960 px long side (a 1920 px band at half size) rather than at
#: full size (4x the detector's work, and windows would be off).
VIDEO: Settings = PPOCR

#: rapidocr_onnxruntime 1.4.4's config.yaml where it differs from PP-OCR's values, and trt-ocr's
#: additions switched off, for side-by-side parity runs.
RAPIDOCR_1_4: Settings = {
    "image": {"max_side_len": 2000, "min_side_len": 30},
    "det": {
        "limit_side_len": 736,
        "limit_type": "min",
        "mean": (0.5, 0.5, 0.5),
        "std": (0.5, 0.5, 0.5),
        "box_thresh": 0.5,
        "unclip_ratio": 1.6,
        "use_dilation": True,
        "min_height": 30,
        "max_aspect": 8.0,
        "tile_gain": 0.0,
        "max_side_limit": 0,
        "max_upscale": 0.0,
        "turn_vertical": False,
    },
    "cls": {"retry_below": 0.0},
    "rec": {"window_width": 0, "settle_o_zero": False},
}


def combined(*settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings applied left to right, section by section (later values win)."""
    out: dict[str, Any] = {}
    for one in settings:
        for key, value in one.items():
            if isinstance(value, Mapping):
                out[key] = {**out.get(key, {}), **value}
            else:
                out[key] = value
    return out
