"""The video loop's own options, beside the pipeline's (`trt_ocr.options`): declared with
their bounds, help and flags, checked when made, and free of numpy so that `trt-ocr video
--help` derives its flags from them without loading it."""

from __future__ import annotations

from dataclasses import dataclass

from trt_ocr.errors import ConfigError
from trt_ocr.options import check_options, option


@dataclass(frozen=True)
class ChangeOptions:
    """How the change test decides. The defaults suit subtitles and screen text."""

    #: The region of interest is reduced (by an integer factor) to about this width.
    width: int = 640
    #: Grey-level step between neighbouring reduced pixels that counts as an edge.
    edge_step: float = 60.0
    #: Frame test: side of a tile in reduced pixels.
    tile: int = 12
    #: A tile changed when this fraction of its pixels gained or lost an edge ...
    tile_change: float = 0.15
    #: ... and this fraction of its pixels are edges before or after: text is dense strokes,
    #: the contour of something moving through the region is not.
    text_density: float = 0.15
    #: Line test (tiles as tall as the line): the fraction for a line's crop.
    line_change: float = 0.1
    #: Each part of the region is detected at least this often (seconds) whatever the test
    #: says, so text too faint for the test is found late by at most this much ...
    max_skip: float = option(
        2.0,
        "detect each part of the region at least every S seconds whatever the change test says",
        flag="--max-skip",
        lo=0,
        lo_open=True,
        metavar="S",
    )
    #: ... unless its picture is still: no reduced pixel's mean grey level moved by more than
    #: this since it was last detected (detection would see what it saw then). Faint text
    #: (strokes 10 levels off the background) moves a reduced pixel it crosses by more.
    still_step: float = 2.0

    def __post_init__(self) -> None:
        check_options(self, "change")
        if self.width < 32 or self.tile < 2 or self.edge_step <= 0 or self.still_step < 0:
            raise ConfigError(f"invalid change-test options {self}")
        if not all(0 < v < 1 for v in (self.tile_change, self.line_change, self.text_density)):
            raise ConfigError("tile_change, line_change and text_density must lie in (0, 1)")


@dataclass(frozen=True)
class EventOptions:
    #: Texts at least this similar (1 - edit distance / longer length, spaces ignored) are the
    #: same subtitle read with noise, when their crops did not change.
    same_text: float = 0.7
    #: Runs shorter than this (seconds) are flicker: absorbed between similar runs, else dropped.
    min_duration: float = option(
        0.12, "events shorter than S seconds are flicker", flag="--min-duration", lo=0, metavar="S"
    )

    def __post_init__(self) -> None:
        check_options(self, "events")
        if not 0 < self.same_text <= 1:
            raise ConfigError(f"invalid event options {self}")
