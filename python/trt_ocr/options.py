"""Pipeline settings, starting from PP-OCR's published values."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class DetOptions:
    limit_side_len: int = 960
    limit_type: str = "max"  # "max": long side <= limit; "min": short side >= limit
    mean: tuple[float, float, float] | None = None  # None: the model set's normalisation
    std: tuple[float, float, float] | None = None
    thresh: float = 0.3
    box_thresh: float = 0.6
    max_candidates: int = 1000
    unclip_ratio: float = 1.5
    use_dilation: bool = False
    score_mode: str = "fast"  # "fast" (box polygon) or "slow" (contour polygon)
    box_type: str = "quad"  # "quad" or "poly"
    # Letterbox before detection, as RapidOCR does: pad thin images (height <= min_height or
    # width/height > max_aspect) top and bottom with black. 0 / -1 switch it off.
    min_height: int = 0
    max_aspect: float = -1.0


@dataclass(frozen=True)
class ClsOptions:
    enabled: bool = True
    batch_size: int = 6
    thresh: float = 0.9


@dataclass(frozen=True)
class RecOptions:
    batch_size: int = 6
    drop_score: float = 0.5
    return_steps: bool = False  # keep each character's CTC time step


def build_options(cls: type[T], value: T | dict[str, Any] | None, what: str) -> T:
    """Accepts an options instance, a dict of overrides, or None (defaults)."""
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(
                f"unknown {what} option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return replace(cls(), **value)  # type: ignore[type-var]
    raise ValueError(f"{what} options must be a dict or {cls.__name__}, got {type(value).__name__}")


def validate_det(o: DetOptions) -> None:
    if o.limit_type not in ("max", "min"):
        raise ValueError(f"det limit_type must be 'max' or 'min', got {o.limit_type!r}")
    if not 32 <= o.limit_side_len <= 8192:
        raise ValueError(f"det limit_side_len must be in [32, 8192], got {o.limit_side_len}")
    if o.score_mode not in ("fast", "slow"):
        raise ValueError(f"det score_mode must be 'fast' or 'slow', got {o.score_mode!r}")
    if o.box_type not in ("quad", "poly"):
        raise ValueError(f"det box_type must be 'quad' or 'poly', got {o.box_type!r}")
    for name in ("thresh", "box_thresh"):
        v = getattr(o, name)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"det {name} must be in [0, 1], got {v}")
    if o.unclip_ratio <= 0:
        raise ValueError(f"det unclip_ratio must be > 0, got {o.unclip_ratio}")


def validate_batch(what: str, batch_size: int) -> None:
    if not 1 <= batch_size <= 256:
        raise ValueError(f"{what} batch_size must be in [1, 256], got {batch_size}")
