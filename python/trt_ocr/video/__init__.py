"""OCR over video frames, fast because it skips what did not change: `VideoOCR`.

Needs PyAV for video files (pip install 'trt-ocr[video]'); iterables of numpy frames need
nothing more."""

from __future__ import annotations

from trt_ocr.video.change import ChangeOptions
from trt_ocr.video.errors import VideoDecodeError, VideoError, VideoOpenError
from trt_ocr.video.events import EventBuilder, EventOptions, SubtitleEvent, build_events
from trt_ocr.video.loop import FrameResult, VideoLine, VideoOCR, VideoRun, VideoStats
from trt_ocr.video.roi import Roi

__all__ = [
    "ChangeOptions",
    "EventBuilder",
    "EventOptions",
    "FrameResult",
    "Roi",
    "SubtitleEvent",
    "VideoDecodeError",
    "VideoError",
    "VideoLine",
    "VideoOCR",
    "VideoOpenError",
    "VideoRun",
    "VideoStats",
    "build_events",
]
