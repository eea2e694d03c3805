"""Type stubs for the private C++ extension trt_ocr._core."""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import numpy.typing as npt

__version__: str

class CTCDecoder:
    def __init__(self, characters: list[str]) -> None: ...
    @property
    def num_classes(self) -> int: ...
    @overload
    def decode(
        self, probs: npt.NDArray[np.float32], return_steps: Literal[False] = ...
    ) -> list[tuple[str, float]]: ...
    @overload
    def decode(
        self, probs: npt.NDArray[np.float32], return_steps: Literal[True]
    ) -> list[tuple[str, float, npt.NDArray[np.int32]]]: ...

def decide_orientation(
    probs: npt.NDArray[np.float32], label_180: int = 1, thresh: float = 0.9
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32], npt.NDArray[np.bool_]]: ...

# --- DB post-processing -------------------------------------------------------------------
@overload
def db_postprocess(
    prob: npt.NDArray[np.float32],
    src_h: int,
    src_w: int,
    *,
    thresh: float = 0.3,
    box_thresh: float = 0.6,
    max_candidates: int = 1000,
    unclip_ratio: float = 1.5,
    use_dilation: bool = False,
    score_mode: Literal["fast", "slow"] = "fast",
    box_type: Literal["quad"] = "quad",
    min_size: int = 3,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Boxes [N, 4, 2] (clockwise from top-left, source-image pixels) and scores [N]."""

@overload
def db_postprocess(
    prob: npt.NDArray[np.float32],
    src_h: int,
    src_w: int,
    *,
    thresh: float = 0.3,
    box_thresh: float = 0.6,
    max_candidates: int = 1000,
    unclip_ratio: float = 1.5,
    use_dilation: bool = False,
    score_mode: Literal["fast", "slow"] = "fast",
    box_type: Literal["poly"],
    min_size: int = 3,
) -> tuple[list[npt.NDArray[np.float32]], npt.NDArray[np.float32]]:
    """Polygons (each [K, 2], source-image pixels) and scores [N]."""

def reading_order(
    boxes: npt.NDArray[np.float32], y_tolerance: float = 10.0
) -> npt.NDArray[np.int64]:
    """Indices putting boxes [N, 4, 2] in PaddleOCR's reading order (sorted_boxes)."""
