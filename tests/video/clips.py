"""Rendered test clips: known subtitles burnt onto a moving background, so every event's text
and frame-exact timing is known."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tests.helpers import font

FPS = 25
WIDTH, HEIGHT = 640, 360


@dataclass(frozen=True)
class Sub:
    start: int  # first frame showing it
    end: int  # first frame no longer showing it
    text: str  # lines joined by "\n"


# Timing, a short event, two near-identical consecutive lines with no gap, a two-line event.
TIMELINE = (
    Sub(10, 40, "The meeting starts at nine"),
    Sub(40, 70, "The meeting starts at ten"),
    Sub(80, 87, "Run now"),
    Sub(97, 127, "First line here\nSecond line below"),
)
FRAMES = 135


def background(index: int) -> np.ndarray:
    """A moving picture: drifting soft colour waves and a hard-edged box crossing the frame."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    phase = index * 0.15
    b = 90 + 60 * np.sin(x / 47.0 + phase) * np.cos(y / 61.0 - phase)
    g = 80 + 50 * np.sin((x + y) / 83.0 - 0.7 * phase)
    r = 70 + 40 * np.cos(x / 29.0 + 1.3 * phase)
    img = np.stack([b, g, r], axis=2).clip(0, 255).astype(np.uint8)
    left = (index * 9) % (WIDTH + 120) - 120
    img[200:300, max(0, left) : max(0, left + 100)] = (30, 160, 220)
    return img


def burn(image: np.ndarray, text: str, size: int = 26) -> np.ndarray:
    """White text with a black outline, centred near the bottom (lines stacked upwards)."""
    pil = Image.fromarray(np.ascontiguousarray(image[..., ::-1]))
    draw = ImageDraw.Draw(pil)
    f = font(size)
    lines = text.split("\n")
    y = HEIGHT - 24 - len(lines) * int(size * 1.4)
    for line in lines:
        w = draw.textlength(line, font=f)
        draw.text(
            ((WIDTH - w) / 2, y), line, font=f, fill="white", stroke_width=2, stroke_fill="black"
        )
        y += int(size * 1.4)
    return np.ascontiguousarray(np.asarray(pil)[..., ::-1])


def text_at(index: int, timeline: Sequence[Sub] = TIMELINE) -> str:
    return next((s.text for s in timeline if s.start <= index < s.end), "")


def frames(
    count: int = FRAMES, timeline: Sequence[Sub] = TIMELINE, text: bool = True
) -> Iterator[np.ndarray]:
    for i in range(count):
        img = background(i)
        shown = text_at(i, timeline) if text else ""
        yield burn(img, shown) if shown else img


def truth(timeline: Sequence[Sub] = TIMELINE, fps: float = FPS) -> list[tuple[float, float, str]]:
    return [(s.start / fps, s.end / fps, s.text) for s in timeline]


def encode(
    path: Path,
    images: Iterator[np.ndarray],
    fps: int = FPS,
    codec: str = "libx264",
    rotate: int = 0,
) -> Path:
    """Writes frames as a video file (PyAV). rotate (MP4: a multiple of 90): the images are the
    pictures as displayed, stored turned and tagged to be shown turned clockwise by rotate
    degrees, as phones record."""
    import av

    turns = rotate // 90
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = (HEIGHT, WIDTH) if turns % 2 else (WIDTH, HEIGHT)
        stream.pix_fmt = "yuv420p"
        if rotate:
            stream.set_display_rotation(-rotate)  # counterclockwise degrees
        if codec == "libx264":
            stream.options = {"crf": "18", "preset": "ultrafast"}
        for img in images:
            stored = np.ascontiguousarray(np.rot90(img, turns))
            frame = av.VideoFrame.from_ndarray(stored, format="bgr24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def encode_with_audio(
    path: Path,
    images: Sequence[np.ndarray],
    audio_seconds: float,
    *,
    fps: int = FPS,
    video_start_ms: int = 0,
    options: dict[str, str] | None = None,
) -> Path:
    """Writes frames (all the same size) plus a silent mono audio track of audio_seconds from
    time 0; the video's first frame at video_start_ms. The codecs follow the container (VP9 and
    Opus for .webm, H.264 and AAC otherwise); options go to the muxer."""
    from fractions import Fraction

    import av

    webm = path.suffix == ".webm"
    height, width = images[0].shape[:2]
    with av.open(str(path), "w", options=options or {}) as out:
        video = out.add_stream("libvpx-vp9" if webm else "libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = out.add_stream("libopus" if webm else "aac", rate=48000)
        rate, size = 48000, audio.codec_context.frame_size or 960
        step = 1000 // fps
        for i, img in enumerate(images):
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts, frame.time_base = video_start_ms + i * step, Fraction(1, 1000)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        for k in range(int(audio_seconds * rate) // size):
            samples = av.AudioFrame.from_ndarray(
                np.zeros((1, size), np.float32), format="flt" if webm else "fltp", layout="mono"
            )
            samples.sample_rate, samples.pts = rate, k * size
            out.mux(audio.encode(samples))
        out.mux(audio.encode())
    return path
