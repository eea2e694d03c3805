"""TensorRT optimization profiles derived from the pipeline's settings (plain Python).

- detector: PP-OCR's DetResizeForTest makes each side a multiple of 32 (at least 32). With
  limit_type "max" the longer side is at most limit_side_len (smaller images are not
  enlarged); with "min" the shorter side is at least limit_side_len and the longer one is
  capped by max_side_limit. min/opt/max follow from that.
- recognizer: one profile per width bucket (short / medium / long lines), batch 1..rec_batch,
  height 48 (v3+) or 32 (v2). A batch is at least `rec_base_width` wide.
- classifier: fixed height x width (3x48x192, or 3x80x160 for PP-LCNet), batch 1..cls_batch.

`select_profile` is what the TensorRT backend uses to pick a profile for an input shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

Shape = tuple[int, ...]


def _round32(x: float) -> int:
    return max(32, round(x / 32) * 32)


@dataclass(frozen=True)
class PipelineSettings:
    """The pipeline settings that fix the networks' input shapes."""

    limit_side_len: int = 960
    limit_type: str = "max"  # "max" | "min"
    max_side_limit: int = 4000  # cap on the longer side with limit_type "min"
    det_batch: int = 1
    det_opt_aspect: float = 16 / 9  # aspect ratio the "opt" shape is tuned for
    rec_height: int = 48
    rec_base_width: int = 320
    rec_batch: int = 6
    rec_width_buckets: tuple[int, ...] = (320, 640, 1280, 2560)
    cls_height: int = 48
    cls_width: int = 192
    cls_batch: int = 6

    def __post_init__(self) -> None:
        if self.limit_type not in ("max", "min"):
            raise ValueError(f"limit_type must be 'max' or 'min', got {self.limit_type!r}")
        if self.limit_side_len < 32:
            raise ValueError("limit_side_len must be at least 32")
        if min(self.det_batch, self.rec_batch, self.cls_batch) < 1:
            raise ValueError("batch sizes must be at least 1")
        b = self.rec_width_buckets
        if len(b) < 2 or list(b) != sorted(set(b)):
            raise ValueError("rec_width_buckets needs at least two increasing widths")
        if b[0] > self.rec_base_width:
            raise ValueError("the first rec width bucket must not exceed rec_base_width")

    @classmethod
    def for_model(cls, spec: Any | None, **overrides: Any) -> PipelineSettings:
        """Defaults adjusted to a trt_ocr.models.ModelSet (rec height, cls input size)."""
        kw: dict[str, Any] = {}
        if spec is not None:
            kw.update(
                rec_height=spec.rec.height,
                rec_base_width=spec.rec.width,
                cls_height=spec.cls.height,
                cls_width=spec.cls.width,
            )
        kw.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kw)


@dataclass(frozen=True)
class Profile:
    """One optimization profile: input name -> (min, opt, max) shapes."""

    name: str
    shapes: dict[str, tuple[Shape, Shape, Shape]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "shapes": {k: [list(s) for s in v] for k, v in sorted(self.shapes.items())},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        return cls(
            d["name"],
            {
                k: tuple(tuple(s) for s in v)  # type: ignore[misc]
                for k, v in d["shapes"].items()
            },
        )

    def contains(self, name: str, shape: Sequence[int]) -> bool:
        if name not in self.shapes:
            return False
        lo, _, hi = self.shapes[name]
        return len(shape) == len(lo) and all(
            a <= s <= b for a, s, b in zip(lo, shape, hi, strict=True)
        )


def det_profiles(s: PipelineSettings, input_name: str = "x") -> list[Profile]:
    # Any image can end up 32 px on its short side (extreme aspect ratios, and with "min"
    # when max_side_limit shrinks it again), so the minimum is always 32x32.
    lo = (1, 3, 32, 32)
    if s.limit_type == "max":
        side_max = _round32(s.limit_side_len)  # rounding may go up to 16 px past the limit
        long_side = side_max
        short_side = _round32(side_max / s.det_opt_aspect)
    else:
        side_min = _round32(s.limit_side_len)
        side_max = max(side_min, _round32(s.max_side_limit))
        short_side = side_min
        long_side = min(side_max, _round32(side_min * s.det_opt_aspect))
    hi = (s.det_batch, 3, side_max, side_max)
    opt = (s.det_batch, 3, short_side, long_side)  # landscape photos / screens
    return [Profile("det", {input_name: (lo, opt, hi)})]


def rec_profiles(s: PipelineSettings, input_name: str = "x") -> list[Profile]:
    out = []
    b = s.rec_width_buckets
    names = ["short", "medium", "long"] + [f"xlong{i}" for i in range(1, len(b))]
    for i in range(len(b) - 1):
        lo_w = b[i] if i else min(b[0], s.rec_base_width)
        hi_w = b[i + 1]
        opt_w = max(lo_w, min(hi_w, ((lo_w + hi_w) // 2 + 7) // 8 * 8))
        if i == 0:
            opt_w = max(lo_w, min(hi_w, s.rec_base_width))
        out.append(
            Profile(
                f"rec_{names[i]}",
                {
                    input_name: (
                        (1, 3, s.rec_height, lo_w),
                        (s.rec_batch, 3, s.rec_height, opt_w),
                        (s.rec_batch, 3, s.rec_height, hi_w),
                    )
                },
            )
        )
    return out


def cls_profiles(s: PipelineSettings, input_name: str = "x") -> list[Profile]:
    shape = (3, s.cls_height, s.cls_width)
    return [
        Profile("cls", {input_name: ((1, *shape), (s.cls_batch, *shape), (s.cls_batch, *shape))})
    ]


def profiles_for(role: str, s: PipelineSettings, input_name: str = "x") -> list[Profile]:
    fn = {"det": det_profiles, "rec": rec_profiles, "cls": cls_profiles}[role]
    return fn(s, input_name)


def check_against_onnx(profiles: Sequence[Profile], dims: dict[str, list[int | str]]) -> list[str]:
    """Problems where a profile contradicts a fixed dim of the ONNX input (empty: fine)."""
    problems = []
    for p in profiles:
        for name, (lo, opt, hi) in p.shapes.items():
            if name not in dims:
                problems.append(f"{p.name}: the ONNX has no input {name!r}")
                continue
            d = dims[name]
            if len(d) != len(lo):
                problems.append(f"{p.name}: {name} has rank {len(d)}, profile {len(lo)}")
                continue
            for i, v in enumerate(d):
                if isinstance(v, int) and v > 0 and not lo[i] == opt[i] == hi[i] == v:
                    problems.append(
                        f"{p.name}: {name} dim {i} is fixed to {v} in the ONNX "
                        f"but the profile spans {lo[i]}..{hi[i]}"
                    )
    return problems


def select_profile(profiles: Sequence[Profile], shapes: dict[str, Sequence[int]]) -> int:
    """Index of the profile that accepts every input shape, preferring the tightest (smallest
    max volume). Raises ValueError when none does."""
    best, best_vol = -1, None
    for i, p in enumerate(profiles):
        if all(p.contains(n, s) for n, s in shapes.items()):
            vol = 1
            for hi in (v[2] for v in p.shapes.values()):
                for x in hi:
                    vol *= x
            if best_vol is None or vol < best_vol:
                best, best_vol = i, vol
    if best < 0:
        spans = "; ".join(
            f"{p.name}: "
            + ", ".join(f"{n} {list(v[0])}..{list(v[2])}" for n, v in p.shapes.items())
            for p in profiles
        )
        raise ValueError(f"no optimization profile accepts {dict(shapes)} ({spans})")
    return best


def settings_dict(s: PipelineSettings) -> dict[str, Any]:
    d = asdict(s)
    d["rec_width_buckets"] = list(s.rec_width_buckets)
    return d
