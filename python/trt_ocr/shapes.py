"""The shape plan: pipeline options -> the input shapes every network will see.

One plan serves the runtime (the TensorRT backend turns it into optimization profiles and
picks the profile for each input) and `trt-ocr build-engines` (which builds engines from it),
so an engine built for some options is by construction one the runtime accepts for them.

Each network has one image input (N x 3 x H x W); a regime is one `ShapeRange` per
optimization profile:

- det: one range. PP-OCR's resize makes each side a multiple of 32 (at least 32). With
  limit_type "max" both sides are at most the rounded limit; with "min" the short side is
  at least the limit and the long side at most `max_side_limit` (without one, the range stops
  at `DET_MIN_LIMIT_MAX_SIDE`). Batch 1: the pipeline detects one image at a time.
- cls: one range, the classifier's fixed height x width, batch 1..cls batch_size.
- rec: one range per width bucket (base width x 1-2, 2-4, 4-8): a batch is as wide as its
  widest line, at least the model's base width; batch 1..rec batch_size. A line wider than
  8x the base width has no profile (the recognizer stage has to bound its batch width).

ImageOptions change no shape: the detector's resize comes after the whole-image rescale.

Plain Python (no numpy, no TensorRT): cheap to import and to test.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trt_ocr.options import ClsOptions, DetOptions, RecOptions

if TYPE_CHECKING:
    from trt_ocr.models import ModelSet

ROLES = ("det", "cls", "rec")
Shape = tuple[int, ...]

# limit_type "min" without max_side_limit leaves the long side unbounded; profiles stop here
# (PaddleOCR 3's max_side_limit).
DET_MIN_LIMIT_MAX_SIDE = 4000
# The detector profile's "opt" shape is a landscape photo or screen of this aspect ratio.
DET_OPT_ASPECT = 16 / 9
# Recognizer width buckets, as multiples of the model's base width (320 -> 320..2560).
REC_WIDTH_STEPS = (1, 2, 4, 8)


def round_to_32(x: float) -> int:
    """PP-OCR's max(int(round(x / 32) * 32), 32), the C++ core's rounding of detector sides."""
    return max(32, round(x / 32) * 32)


@dataclass(frozen=True)
class ShapeRange:
    """min/opt/max shape of a network's input: one TensorRT optimization profile."""

    min: Shape
    opt: Shape
    max: Shape

    def __post_init__(self) -> None:
        for name in ("min", "opt", "max"):
            object.__setattr__(self, name, tuple(int(d) for d in getattr(self, name)))
        if not len(self.min) == len(self.opt) == len(self.max):
            raise ValueError(f"shape range {self}: min, opt and max differ in rank")
        if not all(a <= b <= c for a, b, c in zip(self.min, self.opt, self.max, strict=True)):
            raise ValueError(f"shape range {self}: needs min <= opt <= max in every dimension")

    def covers(self, shape: Sequence[int]) -> bool:
        """True when an input of this shape may run under this profile."""
        return len(shape) == len(self.min) and all(
            lo <= int(s) <= hi for s, lo, hi in zip(shape, self.min, self.max, strict=True)
        )

    def to_list(self) -> list[list[int]]:
        return [list(self.min), list(self.opt), list(self.max)]

    @classmethod
    def from_list(cls, value: Sequence[Sequence[int]]) -> ShapeRange:
        lo, opt, hi = value
        return cls(tuple(lo), tuple(opt), tuple(hi))

    def __str__(self) -> str:
        def dims(s: Shape) -> str:
            return "x".join(map(str, s))

        return f"{dims(self.min)}..{dims(self.max)} (opt {dims(self.opt)})"


@dataclass(frozen=True)
class ShapePlan:
    """Every network's shape regime: per role, one ShapeRange per optimization profile."""

    det: tuple[ShapeRange, ...]
    cls: tuple[ShapeRange, ...]
    rec: tuple[ShapeRange, ...]

    def ranges(self, role: str) -> tuple[ShapeRange, ...]:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        ranges: tuple[ShapeRange, ...] = getattr(self, role)
        return ranges

    def by_role(self) -> dict[str, tuple[ShapeRange, ...]]:
        return {role: self.ranges(role) for role in ROLES}


def plan_shapes(
    det: DetOptions | None = None,
    cls: ClsOptions | None = None,
    rec: RecOptions | None = None,
    spec: ModelSet | None = None,
) -> ShapePlan:
    """The shape plan of a pipeline with these options over the model set spec (None: the
    defaults of a user-supplied set: cls 3x48x192, rec height 48 and base width 320)."""
    from trt_ocr import models

    det = det or DetOptions()
    cls = cls or ClsOptions()
    rec = rec or RecOptions()
    cls_spec = spec.cls if spec is not None else models.ClsSpec(())
    rec_spec = spec.rec if spec is not None else models.RecSpec(())
    return ShapePlan(
        det=(_det_range(det),),
        cls=(_cls_range(cls, cls_spec.height, cls_spec.width),),
        rec=_rec_ranges(rec, rec_spec.height, rec_spec.width),
    )


def _det_range(o: DetOptions) -> ShapeRange:
    limit = round_to_32(o.limit_side_len)  # rounding may pass the limit by up to 16 px
    if o.limit_type == "max":
        long_side, short_side = limit, round_to_32(limit / DET_OPT_ASPECT)
        side_max = limit
    else:
        side_max = round_to_32(o.input_cap or max(o.limit_side_len, DET_MIN_LIMIT_MAX_SIDE))
        short_side = limit
        long_side = min(side_max, round_to_32(limit * DET_OPT_ASPECT))
    # Any image can end up 32 px on its short side (extreme aspect ratios).
    return ShapeRange((1, 3, 32, 32), (1, 3, short_side, long_side), (1, 3, side_max, side_max))


def _cls_range(o: ClsOptions, height: int, width: int) -> ShapeRange:
    return ShapeRange(
        (1, 3, height, width), (o.batch_size, 3, height, width), (o.batch_size, 3, height, width)
    )


def _rec_ranges(o: RecOptions, height: int, base_width: int) -> tuple[ShapeRange, ...]:
    widths = [base_width * k for k in REC_WIDTH_STEPS]
    out = []
    for i, (lo, hi) in enumerate(itertools.pairwise(widths)):
        # the first bucket is tuned for the base width (most lines), the others for the middle
        opt = lo if i == 0 else min(hi, math.ceil((lo + hi) / 2 / 8) * 8)
        out.append(
            ShapeRange(
                (1, 3, height, lo), (o.batch_size, 3, height, opt), (o.batch_size, 3, height, hi)
            )
        )
    return tuple(out)


def select_profile(ranges: Sequence[ShapeRange], shape: Sequence[int]) -> int:
    """Index of the range that covers shape, the tightest (smallest max volume) when several
    do. Raises ValueError naming every range when none does."""
    fits = [i for i, r in enumerate(ranges) if r.covers(shape)]
    if not fits:
        spans = "; ".join(f"profile {i}: {r}" for i, r in enumerate(ranges))
        raise ValueError(
            f"no optimization profile accepts input shape {tuple(shape)} ({spans or 'none'})"
        )
    return min(fits, key=lambda i: math.prod(ranges[i].max))


def batch_limit(ranges: Sequence[ShapeRange], shape: Sequence[int]) -> int:
    """The largest batch of inputs shaped like shape past its batch axis that one range
    accepts (0: none accepts that shape at any batch)."""
    return max((r.max[0] for r in ranges if r.covers((r.min[0], *shape[1:]))), default=0)


def longest_square_side(ranges: Sequence[ShapeRange]) -> int:
    """The longest side s of an NCHW input whose height and width may both be s."""
    return max((min(r.max[2:]) for r in ranges), default=0)


def conflicts(ranges: Sequence[ShapeRange], dims: Sequence[int | str | None]) -> list[str]:
    """Where a range contradicts a fixed dimension of the model's input (empty: none).
    dims: the ONNX input's dimensions, an int when fixed, a name or None when dynamic."""
    problems = []
    for i, r in enumerate(ranges):
        if len(dims) != len(r.min):
            problems.append(
                f"profile {i}: the input has rank {len(dims)}, the profile {len(r.min)}"
            )
            continue
        for axis, d in enumerate(dims):
            if isinstance(d, int) and d > 0 and not r.min[axis] == r.opt[axis] == r.max[axis] == d:
                problems.append(
                    f"profile {i}: input dimension {axis} is fixed to {d} in the model but the "
                    f"profile spans {r.min[axis]}..{r.max[axis]}"
                )
    return problems
