"""OCR over video frames, fast because it skips what did not change: `VideoOCR`.

Video files need PyAV (pip install 'trt-ocr[video]'); iterables of numpy frames need nothing
more. Names are imported on first use, so `trt-ocr video --help` stays instant."""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trt_ocr.video.change import ChangeOptions
    from trt_ocr.video.errors import VideoDecodeError, VideoError, VideoOpenError
    from trt_ocr.video.events import EventBuilder, EventOptions, SubtitleEvent, build_events
    from trt_ocr.video.loop import FrameResult, VideoLine, VideoOCR, VideoRun, VideoStats
    from trt_ocr.video.roi import Roi
    from trt_ocr.video.subtitles import to_srt, to_vtt, write_srt

_LAZY = {
    "ChangeOptions": "change",
    "VideoDecodeError": "errors",
    "VideoError": "errors",
    "VideoOpenError": "errors",
    "EventBuilder": "events",
    "EventOptions": "events",
    "SubtitleEvent": "events",
    "build_events": "events",
    "FrameResult": "loop",
    "VideoLine": "loop",
    "VideoOCR": "loop",
    "VideoRun": "loop",
    "VideoStats": "loop",
    "Roi": "roi",
    "to_srt": "subtitles",
    "to_vtt": "subtitles",
    "write_srt": "subtitles",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trt_ocr.video' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"trt_ocr.video.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
    "to_srt",
    "to_vtt",
    "write_srt",
]
