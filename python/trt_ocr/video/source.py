"""Video frames from a file/URL (PyAV, FFmpeg bundled in its wheel) or from any iterable of
numpy images. A frame's pixels are converted only when asked: the change test reads the luma
plane directly, and only frames that are detected are converted to BGR."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trt_ocr.video.errors import VideoDecodeError, VideoOpenError
from trt_ocr.video.roi import Roi

# Planar 8-bit formats whose first plane is the luma (grey) image as it is.
_LUMA_FIRST = {
    "yuv420p",
    "yuvj420p",
    "yuv422p",
    "yuvj422p",
    "yuv444p",
    "yuvj444p",
    "yuv440p",
    "yuvj440p",
    "yuv411p",
    "nv12",
    "nv21",
    "gray",
}
# Planar formats converted to BGR a band of rows at a time: the planes' rows per chroma row
# (log2). At even sizes FFmpeg converts them taking each pixel's chroma from its own sample (no
# vertical filter), so a band converted alone equals the same rows of the whole frame converted
# (tested); odd sizes and other formats convert the whole frame.
_ROW_SHIFT = {"yuv420p": 1, "yuvj420p": 1, "yuv444p": 0, "yuvj444p": 0}
# A stream that ends this much (and more than 2 frames) before its declared duration is
# reported as truncated.
_TRUNCATION_SLACK_S = 0.5
# sample_frames decodes at most this many frames from a keyframe to reach its target time.
_SAMPLE_DECODE = 250
# Time step assumed for bare arrays without timestamps when no fps is given.
DEFAULT_FPS = 25.0


@dataclass
class Frame:
    """One decoded frame: its position, its time in seconds, and its pixels (converted on
    demand). A decoded frame is seen as displayed: its pixels, size and regions are those of
    the picture turned upright (_turn)."""

    index: int
    time: float
    _video: Any = None  # av.VideoFrame
    _array: np.ndarray | None = None  # BGR (or grey) uint8 HxW[x3]
    _turn: int = 0  # quarter turns counterclockwise from the decoded to the displayed picture

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) as displayed"""
        if self._video is not None:
            h, w = int(self._video.height), int(self._video.width)
            return (w, h) if self._turn % 2 else (h, w)
        assert self._array is not None
        return self._array.shape[0], self._array.shape[1]

    def luma(self, roi: Roi | None = None) -> np.ndarray:
        """uint8 grey image of the frame or of its region roi (a view of the decoder's luma
        plane when it has one and is upright; a BGR array is converted in the region only)."""
        if self._turn:
            grey = np.rot90(self._decoded_luma(), self._turn)
            return np.ascontiguousarray(grey if roi is None else roi.slice(grey))
        return self._decoded_luma(roi)

    def bgr(self, roi: Roi | None = None) -> np.ndarray:
        """uint8 HxWx3 BGR image of the frame or of its region roi (a decoded frame converts
        only the region's rows: a subtitle band costs a third of a 1920x800 frame)."""
        if not self._turn:
            return self._decoded_bgr(roi)
        if roi is not None:  # the same pixels of the decoded picture
            h, w = int(self._video.height), int(self._video.width)
            k = self._turn
            if k == 1:
                roi = Roi(w - roi.y - roi.h, roi.x, roi.h, roi.w)
            elif k == 2:
                roi = Roi(w - roi.x - roi.w, h - roi.y - roi.h, roi.w, roi.h)
            else:
                roi = Roi(roi.y, h - roi.x - roi.w, roi.h, roi.w)
        return np.ascontiguousarray(np.rot90(self._decoded_bgr(roi), self._turn))

    def _decoded_luma(self, roi: Roi | None = None) -> np.ndarray:
        if self._array is not None:
            a = self._array if roi is None else roi.slice(self._array)
            if a.ndim == 2:
                return a
            # BT.601 weights on B, G, R; int arithmetic, no float image of the frame.
            luma: np.ndarray = (
                (a[..., 0].astype(np.uint16) * 29 + a[..., 1] * np.uint16(150) + a[..., 2] * 77)
                >> 8
            ).astype(np.uint8)
            return luma
        v = self._video
        if v.format.name in _LUMA_FIRST:
            plane = v.planes[0]
            buf = np.frombuffer(plane, np.uint8)
            grey = buf[: plane.line_size * v.height].reshape(v.height, plane.line_size)[
                :, : v.width
            ]
        else:
            grey = v.to_ndarray(format="gray")
        return grey if roi is None else roi.slice(grey)

    def _decoded_bgr(self, roi: Roi | None = None) -> np.ndarray:
        if self._array is not None:
            a = self._array if roi is None else roi.slice(self._array)
            return np.repeat(a[..., None], 3, axis=2) if a.ndim == 2 else a
        v = self._video
        shift = _ROW_SHIFT.get(v.format.name)
        if (
            roi is None
            or shift is None
            or (shift and (v.width % 2 or v.height % 2))
            or (roi.y == 0 and roi.h == v.height)
        ):
            whole: np.ndarray = v.to_ndarray(format="bgr24")
            return whole if roi is None else roi.slice(whole)
        step = 1 << shift
        top = roi.y // step * step
        bottom = min(v.height, -(-(roi.y + roi.h) // step) * step)
        rows = _row_band(v, top, bottom, shift).to_ndarray(format="bgr24")
        out: np.ndarray = rows[roi.y - top : roi.y - top + roi.h, roi.x : roi.x + roi.w]
        return out

    def release(self) -> None:
        """Drops the pixels (the frame's time and index stay)."""
        self._video = None
        self._array = None


def _row_band(v: Any, top: int, bottom: int, shift: int) -> Any:
    """A new av.VideoFrame holding rows top..bottom of planar frame v (top a multiple of
    2**shift), with v's colour space and range."""
    import av

    band = av.VideoFrame(v.width, bottom - top, v.format.name)
    band.colorspace = v.colorspace
    band.color_range = v.color_range
    for k, (src, dst) in enumerate(zip(v.planes, band.planes, strict=True)):
        first = top if k == 0 else top >> shift
        n = dst.height
        width = min(src.line_size, dst.line_size)
        src_rows = np.frombuffer(src, np.uint8).reshape(-1, src.line_size)
        dst_rows = np.frombuffer(memoryview(dst), np.uint8).reshape(-1, dst.line_size)
        dst_rows[:n, :width] = src_rows[first : first + n, :width]
    return band


def _check_array(a: object, index: int) -> np.ndarray:
    if not isinstance(a, np.ndarray) or a.dtype != np.uint8 or a.ndim not in (2, 3):
        raise VideoOpenError(
            f"frame {index}: expected a uint8 HxW or HxWx3 numpy array (BGR), got "
            f"{type(a).__name__}" + (f" {a.dtype} {a.shape}" if isinstance(a, np.ndarray) else "")
        )
    if a.ndim == 3 and a.shape[2] not in (3, 4):
        raise VideoOpenError(f"frame {index}: expected 3 (BGR) or 4 channels, got {a.shape}")
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[..., :3]
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise VideoOpenError(f"frame {index}: empty image {a.shape}")
    return a


def array_frames(frames: Iterable[Any], fps: float | None = None) -> Iterator[Frame]:
    """Frames from an iterable of BGR uint8 arrays, or of (time_seconds, array) pairs. Bare
    arrays are timed index / fps (fps default 25)."""
    step = 1.0 / (fps or DEFAULT_FPS)
    last = -np.inf
    for i, item in enumerate(frames):
        if isinstance(item, tuple):
            if len(item) != 2:
                raise VideoOpenError(f"frame {i}: expected (time, array), got {len(item)} items")
            t, a = float(item[0]), item[1]
        else:
            t, a = i * step, item
        if not t > last:
            raise VideoOpenError(f"frame {i}: time {t} is not after the previous frame's {last}")
        last = t
        yield Frame(i, t, _array=_check_array(a, i))


def _open(path: str) -> Any:
    try:
        import av
    except ImportError as e:  # pragma: no cover - the extra is missing
        raise VideoOpenError("reading video files needs PyAV: pip install 'trt-ocr[video]'") from e
    if "://" not in path and not Path(path).is_file():
        what = "is a folder" if Path(path).is_dir() else "no such file"
        raise VideoOpenError(f"{path}: {what}")
    try:
        container = av.open(path)
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as e:
        raise VideoOpenError(f"{path}: cannot open as a video ({e})") from e
    if not container.streams.video:
        container.close()
        raise VideoOpenError(f"{path}: has no video stream")
    return container


def probe(path: str | Path) -> dict[str, float | int | None]:
    """{"width", "height", "fps", "duration", "frames"} of a video file (None when unknown)."""
    container = _open(str(path))
    try:
        s = container.streams.video[0]
        rate = s.average_rate or s.guessed_rate
        duration = float(s.duration * s.time_base) if s.duration and s.time_base else None
        if duration is None and container.duration:
            duration = container.duration / 1_000_000
        return {
            "width": s.codec_context.width,
            "height": s.codec_context.height,
            "fps": float(rate) if rate else None,
            "duration": duration,
            "frames": s.frames or None,
        }
    finally:
        container.close()


def file_frames(path: str | Path) -> Iterator[Frame]:
    """Decoded frames of a video file or URL, timed by their presentation timestamps (so
    variable-frame-rate video is right). Raises VideoOpenError before any frame, or
    VideoDecodeError after the frames that could be decoded."""
    import av

    name = str(path)
    container = _open(name)
    index = 0
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # frame- and slice-threaded decoding
        base = stream.time_base
        rate = stream.average_rate or stream.guessed_rate
        step = 1.0 / float(rate) if rate else 1.0 / DEFAULT_FPS
        # Times on the player's clock: from the container's start, not the video stream's (a
        # video track may begin after the audio).
        video_start = float(stream.start_time * base) if stream.start_time and base else 0.0
        origin = (
            container.start_time / 1_000_000 if container.start_time is not None else video_start
        )
        last = -np.inf
        # Where the demuxer got to in any stream (seconds): every stream's packets are read
        # (only video is decoded) because a complete file's audio may outlast its video.
        reached = -np.inf
        try:
            for packet in container.demux():
                reached = max(reached, _packet_end(packet))
                if packet.stream.index != stream.index:
                    continue
                for frame in stream.decode(packet):
                    if frame.pts is not None and base is not None:
                        t = float(frame.pts * base) - origin
                    else:
                        t = index * step
                    if t <= last:  # a broken timestamp: keep time moving forward
                        t = last + step
                    last = t
                    yield Frame(index, t, _video=frame, _turn=_quarter_turns(frame))
                    index += 1
        except av.error.FFmpegError as e:
            raise VideoDecodeError(
                f"{name}: decoding failed after {index} frames ({e})", index
            ) from e
        if index == 0:
            raise VideoDecodeError(f"{name}: no frame could be decoded (corrupt video?)", 0)
        # Truncation: the data stops well before the container's declared duration (which
        # covers all streams, so the test is made on all streams' data, not the video's). A
        # cut file whose index survived (faststart MP4, Matroska with its duration up front)
        # ends without a demuxer error: this is how it shows.
        if container.duration:
            declared, got = container.duration / 1_000_000, reached - origin
        elif stream.duration and base:
            declared, got = video_start - origin + float(stream.duration * base), last + step
        else:
            declared = got = 0.0
        if declared - got > max(_TRUNCATION_SLACK_S, 2 * step):
            raise VideoDecodeError(
                f"{name}: ended at {got:.2f} s of its {declared:.2f} s "
                f"(truncated or corrupt) after {index} frames",
                index,
            )
    finally:
        container.close()


def _quarter_turns(frame: Any) -> int:
    """The quarter turns counterclockwise (np.rot90's k) that show a decoded frame upright:
    its display matrix (phone footage) rotates it by frame.rotation degrees counterclockwise,
    rounded to a quarter turn; mirroring is ignored."""
    turns: int = round(getattr(frame, "rotation", 0) / 90)
    return turns % 4


def _packet_end(packet: Any) -> float:
    """The time (seconds, the stream's clock) at which a demuxed packet's data ends; -inf for
    the flushing packets the demuxer adds at the end."""
    ts = packet.pts if packet.pts is not None else packet.dts
    if ts is None or packet.time_base is None:
        return -np.inf
    return float((ts + max(packet.duration or 0, 0)) * packet.time_base)


def frames_of(source: Any, fps: float | None = None) -> Iterator[Frame]:
    """Frames of a path/URL (str or Path) or of an iterable of arrays / (time, array)."""
    if isinstance(source, (str, Path)):
        return file_frames(source)
    if isinstance(source, np.ndarray):
        raise VideoOpenError("a single array is an image, not a video: pass a list of frames")
    try:
        it = iter(source)
    except TypeError:
        raise VideoOpenError(
            f"expected a video path or an iterable of frames, got {type(source).__name__}"
        ) from None
    return array_frames(it, fps)


def sample_frames(path: str | Path, count: int, every: float = 2.0) -> list[np.ndarray]:
    """BGR frames spread evenly over a video file (by seeking), for finding where text recurs:
    count of them, or one per `every` seconds of a short video (at least 6). Fewer when the
    video cannot seek."""
    import av

    container = _open(str(path))
    out: list[np.ndarray] = []
    try:
        stream = container.streams.video[0]
        base = stream.time_base
        duration = float(stream.duration * base) if stream.duration and base else None
        if duration is None and container.duration:
            duration = container.duration / 1_000_000
        if not duration or base is None:
            return out
        count = min(count, max(6, int(duration / every)))
        for k in range(count):
            target = duration * (k + 0.5) / count
            try:
                container.seek(int(target / base), stream=stream)
                # The seek lands on the keyframe before the target: decode on to the target,
                # or at most _SAMPLE_DECODE frames (a long group of pictures).
                for n, frame in enumerate(container.decode(stream)):
                    t = float(frame.pts * base) if frame.pts is not None else target
                    if t >= target - 1e-3 or n >= _SAMPLE_DECODE:
                        image = frame.to_ndarray(format="bgr24")
                        out.append(np.ascontiguousarray(np.rot90(image, _quarter_turns(frame))))
                        break
            except av.error.FFmpegError:
                break
    finally:
        container.close()
    return out
