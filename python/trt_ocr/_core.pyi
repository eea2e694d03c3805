"""Type stubs for trt_ocr._core, the private C++ extension (pre/post-processing around the
PP-OCR networks). Every function validates its inputs (ValueError with a message) and releases
the GIL while it works; none keeps global mutable state.

Images are uint8 numpy arrays [H, W, C] (or [H, W] where noted) with packed pixels and a positive
row stride: C-contiguous arrays and row/column slices of them are read without a copy; other
layouts (channel-reversed or strided-column views) are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal, overload

import numpy as np
import numpy.typing as npt

__version__: str

# ---- CTC decoding and the orientation decision ----

class CTCDecoder:
    """Greedy CTC decoding; class 0 is the blank, characters[i] is class i + 1."""

    def __init__(self, characters: Sequence[str], *, settle_o_zero: bool = False) -> None:
        """settle_o_zero: settle each run of '0'/'O' by its neighbours (Latin letters only:
        'O's; digits only: '0's; a digit across '.' or ',' counts)."""
    @property
    def num_classes(self) -> int: ...
    def decode(
        self, probs: npt.NDArray[np.float32], return_steps: bool = False
    ) -> list[tuple[str, float]] | list[tuple[str, float, npt.NDArray[np.int32]]]:
        """probs float32 [N, T, num_classes] -> per line (text, mean score[, time steps])."""
    def decode_best(
        self,
        best: npt.NDArray[np.int32],
        best_prob: npt.NDArray[np.float32],
        return_steps: bool = False,
    ) -> list[tuple[str, float]] | list[tuple[str, float, npt.NDArray[np.int32]]]:
        """decode() from each time step's best class (int32 [N, T]) and its probability
        (float32 [N, T]), as a recognizer ending in ArgMax + ReduceMax gives them; the same
        results as decode() of the probabilities. ValueError for a class outside the list."""

def decide_orientation(
    probs: npt.NDArray[np.float32], label_180: int = 1, thresh: float = 0.9
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """probs float32 [N, K] -> (labels, scores, flip) with flip = label == label_180 and
    score > thresh."""

def decide_orientation_best(
    labels: npt.NDArray[np.int32],
    scores: npt.NDArray[np.float32],
    num_labels: int,
    label_180: int = 1,
    thresh: float = 0.9,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """decide_orientation from each row's best label (int32 [N], in [0, num_labels)) and its
    score (float32 [N]), as a classifier ending in ArgMax + ReduceMax gives them."""

# ---- the detection stage ----

class ImageScale:
    """Source image <-> work image (the source after the whole-image rescale; crops read it)."""

    @property
    def src_h(self) -> int: ...
    @property
    def src_w(self) -> int: ...
    @property
    def work_h(self) -> int: ...
    @property
    def work_w(self) -> int: ...
    @property
    def rescaled(self) -> bool: ...
    def to_source(self, points: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Work-image points [..., 2] -> source pixels: p * float32(src / work), clipped to
        [0, src size] (a float32 copy; the identity when not rescaled)."""

class DetMapping:
    """Every size from the source image to the detector input: the work image (scale), the
    letterbox rows added above and below it (pad), the detector image (det_h x det_w) and the
    network input (input_h x input_w)."""

    @property
    def scale(self) -> ImageScale: ...
    @property
    def pad(self) -> int: ...
    @property
    def det_h(self) -> int: ...
    @property
    def det_w(self) -> int: ...
    @property
    def input_h(self) -> int: ...
    @property
    def input_w(self) -> int: ...

class ThreadPool:
    """Worker threads for the core's data-parallel loops (detector resize rows, crop lines).
    threads (1..256) counts the calling thread: threads - 1 workers are started, and joined when
    the pool is garbage-collected. Results never depend on the thread count."""

    def __init__(self, threads: int) -> None: ...
    @property
    def threads(self) -> int: ...

class DetectionPreprocessor:
    """The detector's input from a source image in one call: whole-image rescale (max/min side,
    sides rounded to 32; <= 0 switches a limit off), letterbox (RapidOCR: pad images with
    height <= min_height or width / height > max_aspect with black rows), DetResizeForTest and
    normalisation. Parameters are checked here (ValueError). pool: splits the resizes' rows
    across its threads (same result)."""

    def __init__(
        self,
        *,
        limit_side_len: int = 960,
        limit_type: Literal["max", "min"] = "max",
        mean: tuple[float, float, float] = (0.485, 0.456, 0.406),
        std: tuple[float, float, float] = (0.229, 0.224, 0.225),
        max_side_len: int = 0,
        min_side_len: int = 0,
        min_height: int = 0,
        max_aspect: float = -1.0,
        max_side_limit: int = 0,
        max_upscale: float = 0.0,
        uint8: bool = False,
        pool: ThreadPool | None = None,
    ) -> None:
        """max_upscale: the resize enlarges at most this many times, or to a 64 px short side
        (0: no bound). uint8: the tensor holds the resized uint8 pixels (for a detector that
        normalises its input itself; mean and std are then unused). pool: splits the resize
        rows across its threads (same result)."""
    def plan(self, height: int, width: int) -> DetMapping:
        """The mapping an image of height x width gets (sizes only)."""
    def __call__(
        self, image: npt.NDArray[np.uint8], source_size: tuple[int, int] | None = None
    ) -> tuple[
        npt.NDArray[np.float32] | npt.NDArray[np.uint8], DetMapping, npt.NDArray[np.uint8] | None
    ]:
        """uint8 [H, W, 3] -> (float32 [1, 3, input_h, input_w] detector input (uint8 when made
        with uint8=True), mapping, the
        rescaled work image or None when the image is not rescaled). The tensor is a view of a
        buffer the next call reuses. source_size: the (height, width) of the source when image
        is a reduced decode of it (allowed only where the plan shrinks the source, down to the
        work size; ValueError otherwise): the plan and the boxes are the source's."""
    def rescale(
        self, image: npt.NDArray[np.uint8], source_size: tuple[int, int] | None = None
    ) -> tuple[npt.NDArray[np.uint8] | None, ImageScale]:
        """The whole-image rescale alone (recognition without detection): (work image or None
        when not rescaled, scale). source_size: as for __call__."""

class DetectionPostprocessor:
    """DB post-processing (as db_postprocess) for a DetMapping: boxes without the letterbox, in
    PP-OCR's reading order. Parameters are checked here (ValueError; ranges as db_postprocess)."""

    def __init__(
        self,
        *,
        thresh: float = 0.3,
        box_thresh: float = 0.6,
        max_candidates: int = 1000,
        unclip_ratio: float = 1.5,
        use_dilation: bool = False,
        score_mode: Literal["fast", "slow"] = "fast",
        box_type: Literal["quad", "poly"] = "quad",
        min_size: int = 3,
    ) -> None: ...
    def __call__(
        self, prob: npt.NDArray[np.float32] | npt.NDArray[np.float16], mapping: DetMapping
    ) -> tuple[
        npt.NDArray[np.float32],
        npt.NDArray[np.float32] | list[npt.NDArray[np.float32]],
        npt.NDArray[np.float32],
    ]:
        """prob float32 [H, W] (or [1, H, W], [1, 1, H, W]) -> (quads [N, 4, 2] in work-image
        pixels for the crops, boxes in source pixels ([N, 4, 2] quads, or for box_type "poly" a
        list of [K, 2] outlines whose min-area quads are the quads), scores [N])."""

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

class CropStore:
    """The crops of boxes [N, 4, 2] kept as pixels, computed once for several crop_batch calls
    to read (crop_batch(..., store=, store_index=) gives the values it computes without it).
    Crops taller than max_height rows are not kept. The pixels are those of the image it was
    made from."""

    max_height: ClassVar[int]

    def __init__(
        self,
        image: npt.NDArray[np.uint8],
        boxes: npt.ArrayLike,
        *,
        tall_ratio: float = 1.5,
        pool: ThreadPool | None = None,
    ) -> None: ...
    def __len__(self) -> int: ...

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
    out: npt.NDArray[np.float32] | npt.NDArray[np.uint8] | None = None,
    uint8: bool = False,
    pool: ThreadPool | None = None,
    store: CropStore | None = None,
    store_index: npt.ArrayLike | None = None,
) -> tuple[npt.NDArray[np.float32] | npt.NDArray[np.uint8], npt.NDArray[np.int32]]:
    """Perspective crops of boxes [N, 4, 2] from uint8 [H, W, 3], sampled into a float32
    [N, 3, height, width] batch as PP-OCR's get_rotate_crop_image + resize_norm_img would make it
    (keep_ratio: width min(width, ceil(height * w / h)), zero padding on the right; otherwise
    stretched). flip180: N booleans, rotates those crops by 180 degrees. Returns (batch, int32 [N]
    valid widths; 0 for a box with nothing to crop, whose tensor is all zeros). uint8: a uint8
    batch of the pixels before normalisation, for a network that normalises itself; its padding
    is the pixel nearest to normalised 0 (mean / float32(1/255) rounded: 127 for mean 0.5).
    pool: crops different boxes on its threads (same result); out: a buffer of the batch's dtype
    with at least that many elements to write into (the batch is a view of it). store and
    store_index (each box's entry in it): crops the store holds for these boxes, unflipped, are
    read instead of computed."""

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
