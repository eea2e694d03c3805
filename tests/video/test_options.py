"""The video loop's options: checked when made, their flags named in the errors."""

from __future__ import annotations

import pytest

from trt_ocr.errors import ConfigError, OptionError
from trt_ocr.video.options import ChangeOptions, EventOptions


@pytest.mark.parametrize(
    ("cls", "bad"),
    [
        (ChangeOptions, {"tile_change": 1.5}),
        (ChangeOptions, {"width": 16}),
        (EventOptions, {"same_text": 0}),
        (ChangeOptions, {"width": 31}),
        (ChangeOptions, {"tile": 1}),
        (ChangeOptions, {"edge_step": 0.0}),
        (ChangeOptions, {"still_step": -0.5}),
        (ChangeOptions, {"line_change": 1.0}),
        (ChangeOptions, {"text_density": 0.0}),
        (EventOptions, {"same_text": 1.01}),
    ],
)
def test_bad_values_are_refused(cls, bad) -> None:
    with pytest.raises(ConfigError):
        cls(**bad)


def test_values_at_the_bounds_are_taken() -> None:
    ChangeOptions(width=32, tile=2, still_step=0.0, edge_step=0.5)
    EventOptions(same_text=1.0, min_duration=0.0)


@pytest.mark.parametrize(
    ("make", "flag", "requirement"),
    [
        (lambda: ChangeOptions(max_skip=0.0), "--max-skip", "must be in (0, inf)"),
        (lambda: ChangeOptions(max_skip=float("nan")), "--max-skip", "must be a finite number"),
        (lambda: EventOptions(min_duration=-1.0), "--min-duration", "must be in [0, inf)"),
    ],
)
def test_the_loop_flags_are_checked_by_their_options(make, flag, requirement) -> None:
    with pytest.raises(OptionError) as caught:
        make()
    assert caught.value.flag == flag and caught.value.requirement == requirement
