"""Pipeline settings. Each default is defined here once, chosen by measurement on every
accuracy set at once (bench/accuracy.py): PP-OCR's published inference values except the
detector's resize and box settings, the 180-degree re-read and the O/0 settling
(trt_ocr.presets.PPOCR has PP-OCR's values), plus trt-ocr's own additions (tiled detection,
windowed recognition, a second pass for small text); presets, CLI flags and the engine
builder's shape plan all derive from these classes.

Every field's bounds are declared beside it and checked at construction with the same bounds
the C++ core enforces, so a bad value fails when the options are made, not at the first call."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, TypeVar

from trt_ocr.errors import ConfigError, OptionError

T = TypeVar("T")

# The C++ core's limit on the detector input, kMaxDetPixels = 8192^2
# (src_cpp/include/trtocr/det_preprocess.hpp): a square image at this limit just fits.
MAX_DET_SIDE = 8192
MAX_BATCH = 256


def option(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    choices: tuple[str, ...] | None = None,
    metavar: str | None = None,
) -> Any:
    """A dataclass field with its help text, its bounds and (optionally) its CLI flag and the
    flag's value name in the help (default: N for a whole number, X otherwise)."""
    meta: dict[str, Any] = {"help": help, "flag": flag, "lo": lo, "hi": hi, "lo_open": lo_open}
    meta.update({"hi_open": hi_open, "choices": choices, "metavar": metavar})
    return field(default=default, metadata=meta)


def check_options(obj: Any, what: str) -> None:
    """Checks every field declared with `option` against its bounds; raises OptionError naming
    the first that fails (what: the options' name in the message, e.g. "det")."""
    for f in fields(obj):
        m = f.metadata
        if not m:
            continue
        v = getattr(obj, f.name)
        name, default = f"{what} {f.name}", f.default
        if v is None and default is None:
            continue
        if isinstance(default, bool):
            if not isinstance(v, bool):
                raise OptionError(name, m["flag"], v, "must be True or False")
            continue
        if m["choices"] is not None:
            if v not in m["choices"]:
                choices = " or ".join(repr(c) for c in m["choices"])
                raise OptionError(name, m["flag"], v, f"must be {choices}")
            continue
        if f.name in ("mean", "std"):
            _check_triple(v, name, nonzero=f.name == "std")
            continue
        if isinstance(default, int) and (isinstance(v, bool) or not isinstance(v, int)):
            raise OptionError(name, m["flag"], v, "must be a whole number")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise OptionError(name, m["flag"], v, "must be a finite number")
        lo, hi = m["lo"], m["hi"]
        too_low = lo is not None and (v <= lo if m["lo_open"] else v < lo)
        too_high = hi is not None and (v >= hi if m["hi_open"] else v > hi)
        if too_low or too_high:
            raise OptionError(name, m["flag"], v, f"must be in {_range(m)}")


def _range(m: Mapping[str, Any]) -> str:
    left = "(" if m["lo_open"] or m["lo"] is None else "["  # an infinite end is never in
    right = ")" if m["hi_open"] or m["hi"] is None else "]"
    lo = "-inf" if m["lo"] is None else f"{m['lo']:g}"
    hi = "inf" if m["hi"] is None else f"{m['hi']:g}"
    return f"{left}{lo}, {hi}{right}"


def _check_triple(v: Any, name: str, nonzero: bool) -> None:
    try:
        values = [float(x) for x in v]
    except (TypeError, ValueError):
        values = []
    if len(values) != 3 or not all(math.isfinite(x) for x in values):
        raise ConfigError(f"{name} must be 3 finite numbers (one per channel), got {v!r}")
    if nonzero and any(x == 0.0 for x in values):
        raise ConfigError(f"{name} must not contain 0, got {v!r}")


@dataclass(frozen=True)
class ImageOptions:
    """Whole-image rescaling before every stage, as RapidOCR does (0 switches each off): an
    image whose long side exceeds max_side_len, or whose short side is below min_side_len, is
    resized (sides rounded to multiples of 32) and boxes are mapped back to the original."""

    max_side_len: int = option(0, "rescale images whose long side is above this", lo=0)
    min_side_len: int = option(0, "rescale images whose short side is below this", lo=0)

    def __post_init__(self) -> None:
        check_options(self, "image")


@dataclass(frozen=True)
class DetOptions:
    limit_side_len: int = option(
        736,
        "detector input size: the long side (limit_type max) or short side (min) in pixels",
        flag="--limit-side-len",
        lo=32,
        hi=MAX_DET_SIDE,
    )
    limit_type: Literal["max", "min"] = option(
        "min",
        "'max': long side <= limit_side_len; 'min': short side >= limit_side_len",
        flag="--limit-type",
        choices=("max", "min"),
    )
    # limit_type "min" grows an image until its short side reaches limit_side_len, however long
    # the other side gets (PaddleOCR 3 caps it the same way, at 4000).
    max_side_limit: int = option(
        2000,
        "the detector input's long side is at most this many pixels, or limit_side_len if "
        "larger (0: no cap)",
        flag="--max-side-limit",
        lo=0,
        hi=MAX_DET_SIDE,
    )
    # Enlarging an image whose text is already large makes DB split its lines at word gaps
    # (36 px text read 2x larger: "12.50 EUR" -> "12.50", "EUR"); small crops still reach 64 px.
    max_upscale: float = option(
        1.5,
        "the detector's resize enlarges an image at most this many times, or to a 64 px short "
        "side (0: no bound)",
        flag="--max-upscale",
        lo=0,
    )
    mean: tuple[float, float, float] | None = option(
        None, "detector normalisation mean (None: the model set's)"
    )
    std: tuple[float, float, float] | None = option(
        None, "detector normalisation std (None: the model set's)"
    )
    thresh: float = option(
        0.3, "probability-map binarisation threshold", flag="--det-thresh", lo=0, hi=1, hi_open=True
    )
    box_thresh: float = option(
        0.5, "minimum mean probability of a kept box", flag="--box-thresh", lo=0, hi=1
    )
    max_candidates: int = option(1000, "at most this many boxes per image", lo=0)
    unclip_ratio: float = option(
        1.6, "how far boxes are grown around the text", flag="--unclip-ratio", lo=0, lo_open=True
    )
    use_dilation: bool = option(
        True, "dilate the binarised map before finding boxes", flag="--no-dilation"
    )
    score_mode: Literal["fast", "slow"] = option(
        "fast", "box score over the box ('fast') or the contour ('slow')", choices=("fast", "slow")
    )
    box_type: Literal["quad", "poly"] = option(
        "quad",
        "output boxes: 4-point 'quad' or 'poly'",
        flag="--box-type",
        choices=("quad", "poly"),
    )
    # Letterbox before detection, as RapidOCR does: pad thin images (height <= min_height or
    # width/height > max_aspect) top and bottom with black. 0 / -1 switch it off. On by
    # measurement: without it a 60 x 3149 line reaches the detector 32 px high (the 2000 px
    # cap, then rounding to 32) and loses 90% of its words; the robustness set's long lines
    # went from e2e H 0.600 to 0.950, nothing else changed (IC15 and SROIE hold no thin image).
    min_height: int = option(30, "letterbox images at most this tall (0: off)", lo=0)
    max_aspect: float = option(8.0, "letterbox images wider than this aspect (-1: off)")
    # Elongated images (a 70 x 22000 strip shrinks to 3 x 960 px) are detected in overlapping
    # tiles along the long side when the tiles are read this many times larger (trt_ocr.tiling).
    tile_gain: float = option(
        4.0,
        "detect elongated images in tiles when that reads them this many times larger (0: off)",
        flag="--tile-gain",
        lo=0,
    )

    # Text that runs vertically (a line turned 90 degrees cut out on its own, a page photographed
    # sideways): where the boxes found are not wider than tall, area for area, the image is
    # detected again turned 90 degrees and read in that frame if its boxes run across
    # (trt_ocr.vertical_text). The detector splits a turned line on a narrow strip into pieces of
    # a letter or two (a 631 x 40 strip read 0 of 8 words); turned, it is an ordinary line.
    turn_vertical: bool = option(
        True,
        "detect again turned 90 degrees when the boxes found do not run across",
        flag="--no-turn-vertical",
    )

    # Small print at the detector's scale is detected again larger (trt_ocr.small_text).
    small_text_px: float = option(
        0.0,
        "detect again up to 2x larger when the median line is lower than this at the "
        "detector's input (0: off)",
        flag="--small-text-px",
        lo=0,
    )

    def __post_init__(self) -> None:
        check_options(self, "det")
        if 0 < self.max_upscale < 1:
            raise ConfigError(
                f"det max_upscale must be 0 (no bound) or at least 1, got {self.max_upscale!r}"
            )

    @property
    def input_cap(self) -> int:
        """The longest detector-input side these options allow (0: no cap): max_side_limit,
        or limit_side_len where that is larger."""
        return max(self.max_side_limit, self.limit_side_len) if self.max_side_limit else 0


@dataclass(frozen=True)
class ClsOptions:
    enabled: bool = option(True, "run the 0/180-degree orientation classifier")
    batch_size: int = option(
        6, "text lines per classifier batch", flag="--cls-batch", lo=1, hi=MAX_BATCH
    )
    thresh: float = option(
        0.9, "minimum confidence to turn a line 180 degrees", flag="--cls-thresh", lo=0, hi=1
    )
    # The recognizer's confidence decides where the classifier was unsure (trt_ocr.orientation).
    retry_below: float = option(
        0.8,
        "re-read lines scored below this turned 180 degrees, keep the better read (0: off)",
        flag="--cls-retry-below",
        lo=0,
        hi=1,
    )

    def __post_init__(self) -> None:
        check_options(self, "cls")


@dataclass(frozen=True)
class RecOptions:
    batch_size: int = option(
        6, "text lines per recognizer batch", flag="--rec-batch", lo=1, hi=MAX_BATCH
    )
    drop_score: float = option(
        0.5, "lines read with a lower confidence are dropped", flag="--drop-score", lo=0, hi=1
    )
    return_steps: bool = option(False, "keep each character's CTC time step")
    # The recognizers often run Latin words together; their time steps show the gap. Off by
    # default: it helps printed text and hurts scene text (see trt_ocr.word_spaces).
    infer_spaces: bool = option(
        False,
        "put a space between Latin words the recognizer ran together (printed text)",
        flag="--infer-spaces",
    )
    # PP-OCR's recognizers read O and 0 alike; the neighbours tell which ("N0RTH", "G2O").
    settle_o_zero: bool = option(
        True,
        "read each run of 0/O as letters beside Latin letters, as digits beside digits",
        flag="--no-settle-o-zero",
    )
    # The recognizer's memory and cost per pixel grow with a line's width (a 60 x 66000 line
    # took ~4 GB whole): lines wider than long_lines.WHOLE_UP_TO windows are read in
    # overlapping windows of this width and joined (trt_ocr.long_lines).
    window_width: int = option(
        1280,
        "read very long lines in windows this wide (pixels at the recognizer's height; 0: never)",
        flag="--rec-window",
        lo=0,
    )

    def __post_init__(self) -> None:
        check_options(self, "rec")


#: The option classes by the keyword OCR() takes them under.
SECTIONS: dict[str, type] = {
    "image": ImageOptions,
    "det": DetOptions,
    "cls": ClsOptions,
    "rec": RecOptions,
}


def build_options(cls: type[T], value: T | Mapping[str, Any] | None, what: str) -> T:
    """Accepts an options instance, a mapping of overrides, or None (defaults)."""
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(value) - known)
        if unknown:
            raise ConfigError(
                f"unknown {what} option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return replace(cls(), **value)  # type: ignore[type-var]
    raise ConfigError(
        f"{what} options must be a dict or {cls.__name__}, got {type(value).__name__}"
    )
