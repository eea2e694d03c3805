"""Type stubs for trt_ocr._core, the private C++ extension (pre/post-processing around the
PP-OCR networks). Every function validates its inputs (ValueError with a message) and releases
the GIL while it works; none keeps global mutable state.

Images are uint8 numpy arrays [H, W, C] (or [H, W] where noted) with packed pixels and a positive
row stride: C-contiguous arrays and row/column slices of them are read without a copy; other
layouts (channel-reversed or strided-column views) are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

import numpy as np
import numpy.typing as npt

__version__: str

# ---- CTC decoding and the orientation decision ----

class CTCDecoder:
    """Greedy CTC decoding; class 0 is the blank, characters[i] is class i + 1."""

    def __init__(self, characters: Sequence[str]) -> None: ...
    @property
    def num_classes(self) -> int: ...
    def decode(
        self, probs: npt.NDArray[np.float32], return_steps: bool = False
    ) -> list[tuple[str, float]] | list[tuple[str, float, npt.NDArray[np.int32]]]:
        """probs float32 [N, T, num_classes] -> per line (text, mean score[, time steps])."""

def decide_orientation(
    probs: npt.NDArray[np.float32], label_180: int = 1, thresh: float = 0.9
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """probs float32 [N, K] -> (labels, scores, flip) with flip = label == label_180 and
    score > thresh."""

# ---- detector input ----

def det_input_shape(
    src_h: int, src_w: int, limit_side_len: int = 960, limit_type: Literal["max", "min"] = "max"
) -> tuple[int, int, float, float]:
    """(h, w, ratio_h, ratio_w) PP-OCR's DetResizeForTest gives an src_h x src_w image; sides
    are multiples of 32 (round half to even, at least 32). Raises ValueError beyond 32768 per
    side or 2^26 pixels."""

def det_preprocess(
    image: npt.NDArray[np.uint8],
    limit_side_len: int = 960,
    limit_type: Literal["max", "min"] = "max",
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406),
    std: tuple[float, float, float] = (0.229, 0.224, 0.225),
    out: npt.NDArray[np.float32] | None = None,
) -> tuple[npt.NDArray[np.float32], float, float]:
    """uint8 [H, W, 3] -> (float32 [1, 3, h, w], ratio_h, ratio_w): bilinear resize bit-exact
    with cv2.resize INTER_LINEAR, (x / 255 - mean) / std per channel in the given order, CHW.
    out: a float32 C-contiguous buffer of at least 3*h*w elements to write into (the tensor is
    then a view of it)."""

def resize_normalize(
    image: npt.NDArray[np.uint8],
    height: int,
    width: int,
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406),
    std: tuple[float, float, float] = (0.229, 0.224, 0.225),
    out: npt.NDArray[np.float32] | None = None,
) -> npt.NDArray[np.float32]:
    """det_preprocess's resize + normalise to any height x width: float32 [1, 3, height, width]."""

# ---- crops ----

def crop_sizes(
    boxes: npt.ArrayLike, tall_ratio: float = 1.5
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """boxes [N, 4, 2] (clockwise from top-left) -> (int32 [N, 2] crop (width, height) after
    rotation, bool [N] rotated). 0 x 0 for quads with nothing to crop (non-finite corners,
    zero-length sides)."""

def crop_batch(
    image: npt.NDArray[np.uint8],
    boxes: npt.ArrayLike,
    height: int,
    width: int,
    *,
    flip180: npt.ArrayLike | None = None,
    keep_ratio: bool = True,
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5),
    std: tuple[float, float, float] = (0.5, 0.5, 0.5),
    tall_ratio: float = 1.5,
    out: npt.NDArray[np.float32] | None = None,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32]]:
    """Perspective crops of boxes [N, 4, 2] from uint8 [H, W, 3], sampled into a float32
    [N, 3, height, width] batch as PP-OCR's get_rotate_crop_image + resize_norm_img would make it
    (keep_ratio: width min(width, ceil(height * w / h)), zero padding on the right; otherwise
    stretched). flip180: N booleans, rotates those crops by 180 degrees. Returns (batch, int32 [N]
    valid widths; 0 for a box with nothing to crop, whose tensor is all zeros)."""

def crop_images(
    image: npt.NDArray[np.uint8],
    boxes: npt.ArrayLike,
    flip180: npt.ArrayLike | None = None,
    tall_ratio: float = 1.5,
) -> list[npt.NDArray[np.uint8]]:
    """Plain uint8 crops (h, w[, C]) as get_rotate_crop_image makes them (bicubic warp,
    replicated border, rot90 when tall) with the input's channels (image [H, W] or
    [H, W, 1..4]), then the optional 180-degree flip; ValueError for a crop above 2^26 pixels."""

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
