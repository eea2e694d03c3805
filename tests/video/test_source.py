"""Frames from video files through PyAV: times from the timestamps, typed errors for missing,
corrupt and truncated files (the frames before the damage are delivered)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.video import clips
from trt_ocr.video.errors import VideoDecodeError, VideoOpenError
from trt_ocr.video.roi import Roi
from trt_ocr.video.source import Frame, array_frames, file_frames, frames_of, probe

av = pytest.importorskip("av")


@pytest.fixture(scope="module")
def clip_file(tmp_path_factory) -> Path:
    return clips.encode(tmp_path_factory.mktemp("clip") / "clip.mp4", clips.frames(50))


def test_file_frames_are_timed_by_their_timestamps(clip_file) -> None:
    frames = list(file_frames(clip_file))
    assert len(frames) == 50
    assert [f.time for f in frames] == pytest.approx([i / clips.FPS for i in range(50)])
    assert frames[0].size == (clips.HEIGHT, clips.WIDTH)
    info = probe(clip_file)
    assert (info["width"], info["height"], info["fps"]) == (clips.WIDTH, clips.HEIGHT, clips.FPS)


def test_luma_is_the_grey_image(clip_file) -> None:
    frame = next(iter(file_frames(clip_file)))
    grey = frame.bgr().astype(np.float32) @ np.array([0.114, 0.587, 0.299], np.float32)
    # The Y plane (limited range) against a full-range grey of the converted frame.
    corr = np.corrcoef(frame.luma().ravel().astype(np.float32), grey.ravel())[0, 1]
    assert corr > 0.99


@pytest.mark.parametrize("fmt", ["yuv420p", "yuvj420p", "nv12", "yuv444p", "yuv422p"])
@pytest.mark.parametrize("height,width", [(100, 66), (101, 67)])
def test_region_is_converted_as_the_whole_frame(fmt: str, height: int, width: int) -> None:
    rng = np.random.default_rng(7)  # noise: any chroma filtering across rows would show
    video = av.VideoFrame(width, height, fmt)
    for plane in video.planes:
        pixels = np.frombuffer(plane, np.uint8)
        pixels[:] = rng.integers(0, 256, pixels.size)
    frame = Frame(0, 0.0, _video=video)
    whole = frame.bgr()
    rois = [Roi(0, 0, width, height), Roi(3, 7, 40, 33), Roi(0, 50, width, height - 50)]
    for roi in [*rois, Roi(5, 1, 1, 1), Roi(0, 8, width, 32)]:
        np.testing.assert_array_equal(frame.bgr(roi), roi.slice(whole), err_msg=f"{fmt} {roi}")


def test_variable_frame_rate_times(tmp_path) -> None:
    path = tmp_path / "vfr.mkv"
    pts_ms = [0, 40, 200, 240, 600, 1000]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for i, t in enumerate(pts_ms):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), i * 30, np.uint8), format="bgr24"
            )
            frame.pts = t
            frame.time_base = stream.codec_context.time_base
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    times = [f.time for f in file_frames(path)]
    assert times == pytest.approx([t / 1000 for t in pts_ms], abs=1e-3)


def test_missing_and_non_video_files(tmp_path) -> None:
    with pytest.raises(VideoOpenError, match="no such file"):
        list(file_frames(tmp_path / "nope.mp4"))
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(VideoOpenError, match="junk.mp4"):
        list(file_frames(junk))
    with pytest.raises(VideoOpenError, match="folder"):
        list(file_frames(tmp_path))


def test_truncated_video_delivers_the_frames_before_the_damage(tmp_path) -> None:
    # Matroska keeps its index up front, so a cut file still opens: it breaks off inside.
    full = clips.encode(tmp_path / "full.mkv", clips.frames(60))
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    got = []
    with pytest.raises(VideoDecodeError) as info:
        for frame in file_frames(cut):
            got.append(frame.index)
    assert 5 < len(got) < 60
    assert info.value.frames_read == len(got)
    assert "cut.mkv" in str(info.value)


def test_array_frames_check_their_input() -> None:
    img = np.zeros((8, 8, 3), np.uint8)
    assert [f.time for f in array_frames([img, img], fps=10)] == [0.0, 0.1]
    assert [f.time for f in array_frames([(0.5, img), (0.7, img)])] == [0.5, 0.7]
    with pytest.raises(VideoOpenError, match="not after"):
        list(array_frames([(0.5, img), (0.5, img)]))
    with pytest.raises(VideoOpenError, match="uint8"):
        list(array_frames([img.astype(np.float32)]))
    with pytest.raises(VideoOpenError, match="iterable"):
        frames_of(42)
    rgba = np.zeros((8, 8, 4), np.uint8)
    assert next(array_frames([rgba])).bgr().shape == (8, 8, 3)


def test_sample_frames_spread_over_the_video(clip_file) -> None:
    from trt_ocr.video.source import sample_frames

    samples = sample_frames(clip_file, 16)
    assert len(samples) == 6  # a 2 s clip: the minimum
    assert all(s.shape == (clips.HEIGHT, clips.WIDTH, 3) for s in samples)
    # Spread: not all the same frame (the background moves).
    assert len({s.tobytes() for s in samples}) > 1


@pytest.mark.parametrize("suffix", [".mkv", ".webm"])
def test_audio_outlasting_the_video_is_complete(tmp_path, suffix: str) -> None:
    # 2 s of video, 3.5 s of audio: the container's duration is the audio's, and the file is
    # whole (Matroska gives the video stream no duration of its own).
    images = [np.full((48, 64, 3), i * 4, np.uint8) for i in range(50)]
    path = clips.encode_with_audio(tmp_path / f"long_audio{suffix}", images, 3.5)
    assert float(av.open(str(path)).duration) / 1e6 > 3.0
    frames = list(file_frames(path))
    assert len(frames) == 50


def test_cut_file_with_its_index_up_front_is_truncated(tmp_path) -> None:
    # A faststart MP4 cut in half still opens (its index declares the whole length), and the
    # demuxer stops at the cut without an error: the frames come, then the truncation.
    rng = np.random.default_rng(3)
    images = [rng.integers(0, 256, (48, 64, 3), np.uint8) for _ in range(100)]
    full = clips.encode_with_audio(
        tmp_path / "full.mp4", images, 4.0, options={"movflags": "faststart"}
    )
    data = full.read_bytes()
    media = data.index(b"mdat")
    assert data.index(b"moov") < media
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: media + (len(data) - media) // 2])
    got = []
    with pytest.raises(VideoDecodeError, match="truncated") as info:
        for frame in file_frames(cut):
            got.append(frame.index)
    assert 10 < len(got) < 100
    assert info.value.frames_read == len(got)


def test_times_are_on_the_players_clock_when_the_video_starts_late(tmp_path) -> None:
    # Audio from 0 s, the video's first frame at 1.2 s: a player shows frame i at 1.2 + i/25.
    images = [np.full((48, 64, 3), i * 8, np.uint8) for i in range(25)]
    path = clips.encode_with_audio(tmp_path / "late.mkv", images, 2.5, video_start_ms=1200)
    times = [f.time for f in file_frames(path)]
    assert times == pytest.approx([1.2 + i / clips.FPS for i in range(25)], abs=1e-3)


@pytest.mark.parametrize("turn", [1, 2, 3])
@pytest.mark.parametrize("fmt", ["yuv420p", "nv12"])
def test_a_turned_frame_is_seen_upright(turn: int, fmt: str) -> None:
    # The decoded picture turned by np.rot90 (independent of the region mapping): the frame's
    # size, grey image and regions are those of the turned picture.
    rng = np.random.default_rng(turn)
    video = av.VideoFrame(66, 100, fmt)
    for plane in video.planes:
        pixels = np.frombuffer(plane, np.uint8)
        pixels[:] = rng.integers(0, 256, pixels.size)
    upright = np.rot90(Frame(0, 0.0, _video=video).bgr(), turn)
    grey = np.rot90(Frame(0, 0.0, _video=video).luma(), turn)
    frame = Frame(0, 0.0, _video=video, _turn=turn)
    assert frame.size == upright.shape[:2]
    np.testing.assert_array_equal(frame.bgr(), upright)
    np.testing.assert_array_equal(frame.luma(), grey)
    h, w = upright.shape[:2]
    for roi in [Roi(0, 0, w, h), Roi(3, 7, 40, 33), Roi(0, h - 30, w, 30), Roi(w - 9, 2, 9, 5)]:
        np.testing.assert_array_equal(frame.bgr(roi), roi.slice(upright), err_msg=f"{roi}")
        np.testing.assert_array_equal(frame.luma(roi), roi.slice(grey), err_msg=f"{roi}")


def test_rotation_metadata_turns_the_frames_upright(tmp_path) -> None:
    # Stored as a phone records portrait video: turned, with a display matrix to turn it back.
    images = list(clips.frames(30))
    path = clips.encode(tmp_path / "turned.mp4", iter(images), rotate=90)
    stored = next(av.open(str(path)).decode(video=0))
    assert (stored.height, stored.width) == (clips.WIDTH, clips.HEIGHT)
    frames = list(file_frames(path))
    assert frames[0].size == (clips.HEIGHT, clips.WIDTH)
    for i in (0, 29):
        error = np.abs(frames[i].bgr().astype(np.int16) - images[i]).mean()
        assert error < 6, (i, error)  # the codec's loss; a turned picture is ~40 off
