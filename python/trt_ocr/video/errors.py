"""The video command's errors: each names the video it is about."""

from __future__ import annotations

from trt_ocr.errors import TrtOcrError


class VideoError(TrtOcrError):
    """A video could not be read."""


class VideoOpenError(VideoError, ValueError):
    """A video is missing, is not a video, or has no video stream: no frame was read."""


class VideoDecodeError(VideoError):
    """A video broke off in the middle (corrupt or truncated data). The frames before the
    damage were delivered; frames_read says how many."""

    def __init__(self, message: str, frames_read: int) -> None:
        super().__init__(message)
        self.frames_read = frames_read
