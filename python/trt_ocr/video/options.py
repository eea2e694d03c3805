"""The video loop's own options, beside the pipeline's (`trt_ocr.options`): declared with
their bounds, help and flags, checked when made, and free of numpy so that `trt-ocr video
--help` derives its flags from them without loading it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trt_ocr.options import check_options, option


def _fraction(default: float, help: str) -> Any:
    """An option field whose value is a fraction strictly between 0 and 1."""
    return option(default, help, lo=0, hi=1, lo_open=True, hi_open=True)


@dataclass(frozen=True)
class ChangeOptions:
    """How the change test decides. The defaults suit subtitles and screen text."""

    width: int = option(
        640, "the region is reduced (by an integer factor) to about this width", lo=32
    )
    edge_step: float = option(
        60.0,
        "grey-level step between neighbouring reduced pixels that counts as an edge",
        lo=0,
        lo_open=True,
    )
    tile: int = option(12, "frame test: side of a tile in reduced pixels", lo=2)
    # A tile changed when tile_change of its pixels gained or lost an edge and text_density of
    # them are edges before or after: text is dense strokes, the contour of something moving
    # through the region is not.
    tile_change: float = _fraction(
        0.15, "a tile changed when this fraction of its pixels gained or lost an edge"
    )
    text_density: float = _fraction(
        0.15, "... and this fraction of its pixels are edges before or after"
    )
    line_change: float = _fraction(
        0.1, "line test (tiles as tall as the line): the fraction for a line's crop"
    )
    # Each part of the region is detected at least every max_skip seconds whatever the test
    # says, so text too faint for the test is found late by at most this much, unless its
    # picture is still: no reduced pixel's mean grey level moved by more than still_step since
    # it was last detected (detection would see what it saw then). Faint text (strokes 10
    # levels off the background) moves a reduced pixel it crosses by more.
    max_skip: float = option(
        2.0,
        "detect each part of the region at least every S seconds whatever the change test says",
        flag="--max-skip",
        lo=0,
        lo_open=True,
        metavar="S",
    )
    still_step: float = option(
        2.0, "a part whose reduced pixels moved at most this much is still", lo=0
    )

    def __post_init__(self) -> None:
        check_options(self, "change")


@dataclass(frozen=True)
class EventOptions:
    # Texts at least same_text similar (1 - edit distance / longer length, spaces ignored) are
    # the same subtitle read with noise, when their crops did not change.
    same_text: float = option(
        0.7, "texts at least this similar are the same subtitle", lo=0, hi=1, lo_open=True
    )
    # Runs shorter than min_duration are flicker: absorbed between similar runs, else dropped.
    min_duration: float = option(
        0.12, "events shorter than S seconds are flicker", flag="--min-duration", lo=0, metavar="S"
    )

    def __post_init__(self) -> None:
        check_options(self, "events")
