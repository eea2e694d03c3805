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
    ],
)
def test_bad_values_are_refused(cls, bad) -> None:
    with pytest.raises(ConfigError):
        cls(**bad)


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
