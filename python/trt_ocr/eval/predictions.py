"""The engine-neutral prediction format: ``{image_id: [(quad 4x2, text), ...]}``.

Entries may also be ``(quad, text, score)`` tuples, ``{"box": ..., "text": ...}`` dicts (the
JSON form written by the bench) or objects with ``.box`` and ``.text`` (``trt_ocr`` TextLine).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trt_ocr.eval.geometry import as_quad

Prediction = tuple[np.ndarray, str]
Predictions = Mapping[str, Sequence[Any]]


def coerce_one(item: Any) -> Prediction:
    """One prediction in any accepted form -> ``(float64 [4, 2] quad, text)``."""
    if isinstance(item, Mapping):
        return as_quad(item["box"]), str(item.get("text", ""))
    if hasattr(item, "box") and hasattr(item, "text"):
        return as_quad(item.box), str(item.text)
    if isinstance(item, Sequence) and not isinstance(item, str) and len(item) >= 2:
        return as_quad(item[0]), str(item[1])
    raise TypeError(f"cannot read a prediction from {type(item).__name__}: {item!r}")


def coerce(preds: Sequence[Any] | None) -> list[Prediction]:
    return [coerce_one(p) for p in (preds or ())]


def to_jsonable(preds: Predictions) -> dict[str, list[dict[str, Any]]]:
    return {
        k: [{"box": q.round(2).tolist(), "text": t} for q, t in coerce(v)] for k, v in preds.items()
    }


def load_json(path: str | Path) -> dict[str, list[Prediction]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(k): coerce(v) for k, v in data.items()}
