"""OCR over video frames, fast because it skips what did not change: `VideoOCR`.

Video files need PyAV (pip install 'trt-ocr[video]'); iterables of numpy frames need nothing
more. Names are imported on first use, so `trt-ocr video --help` stays instant."""

from __future__ import annotations

from trt_ocr._lazy import lazy_getattr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trt_ocr.video.errors import VideoDecodeError, VideoError, VideoOpenError
    from trt_ocr.video.events import EventBuilder, SubtitleEvent, build_events
    from trt_ocr.video.loop import FrameResult, VideoLine, VideoOCR, VideoRun, VideoStats
    from trt_ocr.video.options import ChangeOptions, EventOptions
    from trt_ocr.video.roi import Roi
    from trt_ocr.video.subtitles import to_srt, to_vtt, write_srt

_LAZY = {
    "ChangeOptions": "trt_ocr.video.options",
    "VideoDecodeError": "trt_ocr.video.errors",
    "VideoError": "trt_ocr.video.errors",
    "VideoOpenError": "trt_ocr.video.errors",
    "EventBuilder": "trt_ocr.video.events",
    "EventOptions": "trt_ocr.video.options",
    "SubtitleEvent": "trt_ocr.video.events",
    "build_events": "trt_ocr.video.events",
    "FrameResult": "trt_ocr.video.loop",
    "VideoLine": "trt_ocr.video.loop",
    "VideoOCR": "trt_ocr.video.loop",
    "VideoRun": "trt_ocr.video.loop",
    "VideoStats": "trt_ocr.video.loop",
    "Roi": "trt_ocr.video.roi",
    "to_srt": "trt_ocr.video.subtitles",
    "to_vtt": "trt_ocr.video.subtitles",
    "write_srt": "trt_ocr.video.subtitles",
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


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
