"""What an OCR call returns."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trt_ocr.errors import InputError, TrtOcrError


@dataclass
class TextLine:
    box: np.ndarray  # float32 [4, 2] clockwise from top-left (or [K, 2] polygon)
    text: str
    score: float  # recognizer confidence (mean max-probability of the kept CTC steps)
    angle: int = 0  # 0 or 180: the orientation classifier's decision
    angle_score: float = 0.0
    det_score: float = 0.0  # detector box score
    char_steps: np.ndarray | None = None  # CTC time step of each character (on request)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "box": np.round(self.box.astype(np.float64), 2).tolist(),
            "text": self.text,
            "score": round(float(self.score), 5),
            "angle": int(self.angle),
            "det_score": round(float(self.det_score), 5),
        }
        if self.char_steps is not None:
            d["char_steps"] = self.char_steps.tolist()
        return d


@dataclass
class OCRResult:
    lines: list[TextLine]
    image_size: tuple[int, int]  # (height, width)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    source: str | None = None
    # Set (and lines empty) when OCR.batch(..., errors="collect") could not read this input.
    error: TrtOcrError | None = None

    @classmethod
    def failed(cls, source: str | None, error: TrtOcrError) -> OCRResult:
        return cls([], (0, 0), {}, source, error)

    @property
    def ok(self) -> bool:
        return self.error is None

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[TextLine]:
        return iter(self.lines)

    def __getitem__(self, i: int) -> TextLine:
        return self.lines[i]

    def __bool__(self) -> bool:  # an empty result is still a result, but falsy like a list
        return bool(self.lines)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"source": self.source, "error": str(self.error)}
        d: dict[str, Any] = {
            "image_size": {"height": self.image_size[0], "width": self.image_size[1]},
            "lines": [line.to_dict() for line in self.lines],
            "timings_ms": {k: round(v * 1000.0, 3) for k, v in self.timings.items()},
        }
        if self.source is not None:
            d["source"] = self.source
        return d

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def draw(self, image: Any, font_path: str | Path | None = None) -> np.ndarray:
        """Annotated copy of the image (BGR uint8): boxes on the left, text on the right.
        image: the one this result was made from (the same size: the boxes are its pixels)."""
        from trt_ocr.draw import draw_result
        from trt_ocr.io import describe_input, load_image

        pixels = load_image(image)
        if pixels.shape[:2] != tuple(self.image_size):
            h, w = self.image_size
            raise InputError(
                f"draw: {describe_input(image)} is {pixels.shape[1]}x{pixels.shape[0]} pixels, "
                f"this result's image is {w}x{h}: draw the image the result was made from"
            )
        return draw_result(pixels, self.lines, font_path=font_path)

    def __repr__(self) -> str:
        preview = ", ".join(repr(t) for t in self.texts[:3])
        more = f", ... ({len(self.lines)} lines)" if len(self.lines) > 3 else ""
        return f"OCRResult([{preview}{more}], image_size={self.image_size})"
