"""Ready-made OCR settings. Use as ``OCR(**RAPIDOCR_1_4)``."""

from __future__ import annotations

from typing import Any

#: PP-OCR's published inference defaults (tools/infer/utility.py).
PPOCR: dict[str, Any] = {
    "det": {
        "limit_side_len": 960,
        "limit_type": "max",
        "box_thresh": 0.6,
        "unclip_ratio": 1.5,
        "use_dilation": False,
    },
    "cls": {"thresh": 0.9, "batch_size": 6},
    "rec": {"batch_size": 6, "drop_score": 0.5},
}

#: rapidocr_onnxruntime 1.4.4's config.yaml, for side-by-side parity runs.
RAPIDOCR_1_4: dict[str, Any] = {
    "det": {
        "limit_side_len": 736,
        "limit_type": "min",
        "mean": (0.5, 0.5, 0.5),
        "std": (0.5, 0.5, 0.5),
        "thresh": 0.3,
        "box_thresh": 0.5,
        "unclip_ratio": 1.6,
        "use_dilation": True,
        "score_mode": "fast",
        "min_height": 30,
        "max_aspect": 8.0,
    },
    "cls": {"thresh": 0.9, "batch_size": 6},
    "rec": {"batch_size": 6, "drop_score": 0.5},
}
