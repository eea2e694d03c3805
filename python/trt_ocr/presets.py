"""Ready-made OCR settings. Use as ``OCR(**RAPIDOCR_1_4)``."""

from __future__ import annotations

from typing import Any

from trt_ocr.options import defaults

#: trt-ocr's defaults: PP-OCR's published inference values (tools/infer/utility.py) plus
#: trt-ocr's own additions, which change nothing on images PP-OCR reads well (tiles only for
#: images over 3840 px long, windows only for lines over 3840 px at the recognizer's height).
PPOCR: dict[str, dict[str, Any]] = defaults()

#: rapidocr_onnxruntime 1.4.4's config.yaml where it differs from PP-OCR's values, for
#: side-by-side parity runs.
RAPIDOCR_1_4: dict[str, dict[str, Any]] = {
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
    },
    "rec": {"window_width": 0},
}
