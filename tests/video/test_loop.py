"""The video loop on rendered clips: the events' texts and frame-exact timing, one result per
frame, reuse of unchanged frames, and the same events as OCR of every frame."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.helpers import font
from tests.video import clips
from trt_ocr.errors import ConfigError
from trt_ocr.eval import Cue, evaluate_events
from trt_ocr.video import ChangeOptions, VideoOCR, VideoOpenError
from trt_ocr.video.change import ChangeTest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip() -> list[np.ndarray]:
    return list(clips.frames())


@pytest.fixture(scope="module")
def video(v4_models) -> VideoOCR:
    return VideoOCR(threads=1)


def _truth() -> list[Cue]:
    return [Cue(*c) for c in clips.truth()]


def test_events_match_the_rendered_subtitles_to_the_frame(video, clip) -> None:
    events = list(video.events(clip, fps=clips.FPS))
    scores = evaluate_events(_truth(), events)
    assert scores.f1 == 1.0, [(e.start, e.end, e.text) for e in events]
    assert scores.mean_cer == 0.0
    step = 1 / clips.FPS
    assert max(scores.start_errors) < step / 2 and max(scores.end_errors) < step / 2
    # The two-line event keeps its two lines, top first.
    two = next(e for e in events if "\n" in e.text)
    assert two.lines[0].replace(" ", "") == "Firstlinehere"


def test_every_frame_gets_a_result_and_unchanged_frames_are_reused(video, clip) -> None:
    with video.frames(clip, fps=clips.FPS) as run:
        results = list(run)
    assert [r.index for r in results] == list(range(len(clip)))
    assert [r.time for r in results] == pytest.approx([i / clips.FPS for i in range(len(clip))])
    reused = sum(r.reused for r in results)
    assert reused > len(clip) // 2  # the change test skips most frames
    assert run.stats.detected == len(clip) - reused
    # Reused frames repeat the text of the frame before them.
    for before, r in itertools.pairwise(results):
        if r.reused:
            assert r.text == before.text
            assert all(line.reused for line in r.lines)
    # Text is recognized once per change, not per frame.
    assert run.stats.recognized < 3 * len(clips.TIMELINE) + 4


def test_same_events_as_every_frame(video, clip) -> None:
    every = VideoOCR(video.ocr, every_frame=True)
    fast_events = list(video.events(clip, fps=clips.FPS))
    slow_events = list(every.events(clip, fps=clips.FPS))
    assert evaluate_events(slow_events, fast_events).f1 == 1.0


def test_timestamps_given_with_the_frames_are_used(video) -> None:
    # Variable frame rate: the frames' own times, not index / fps.
    timeline = (clips.Sub(3, 9, "Variable rate"),)
    times = [0.0, 0.1, 0.15, 0.5, 0.52, 0.9, 1.0, 1.3, 1.31, 1.6, 1.7, 2.0]
    images = clips.frames(len(times), timeline)
    events = list(video.events(zip(times, images, strict=True)))
    assert len(events) == 1
    assert (events[0].start, events[0].end) == (0.5, 1.6)


def test_no_text_gives_no_events(video) -> None:
    assert list(video.events(clips.frames(30, text=False), fps=clips.FPS)) == []


def test_roi_box_limits_what_is_read(video, clip) -> None:
    top_half = VideoOCR(video.ocr, roi="0,0,640,180")
    assert list(top_half.events(clip[:60], fps=clips.FPS)) == []
    with pytest.raises(ConfigError):
        list(VideoOCR(video.ocr, roi="700,0,10,10").frames(clip[:3]))


def test_bad_frames_are_typed_errors(video) -> None:
    with pytest.raises(VideoOpenError):
        list(video.frames([np.zeros((4, 4), np.float32)]))
    with pytest.raises(VideoOpenError):
        list(video.frames(np.zeros((10, 10, 3), np.uint8)))
    with pytest.raises(ConfigError):
        list(video.frames([np.zeros((40, 40, 3), np.uint8), np.zeros((50, 40, 3), np.uint8)]))


def test_stopping_early_ends_the_threads(video, clip) -> None:
    before = threading.active_count()
    run = video.frames(iter(clip))
    next(run)
    run.close()
    assert threading.active_count() <= before


def _draw(
    image: np.ndarray, texts: list[tuple[int, int, str]], fill: object = "white"
) -> np.ndarray:
    """Lines at (x, y, text) on a copy of image (BGR), white with a black outline unless fill
    is given (then no outline)."""
    pil = Image.fromarray(np.ascontiguousarray(image[..., ::-1]))
    draw = ImageDraw.Draw(pil)
    for x, y, text in texts:
        if fill == "white":
            draw.text((x, y), text, font=font(26), fill=fill, stroke_width=2, stroke_fill="black")
        else:
            draw.text((x, y), text, font=font(26), fill=fill)  # type: ignore[arg-type]
    return np.ascontiguousarray(np.asarray(pil)[..., ::-1])


def test_a_line_elsewhere_is_kept_while_text_changes_over_a_moving_background(video) -> None:
    # A label stays on the left of the band; subtitles come and go on the right, while the
    # background (and a hard-edged box crossing the band) moves under both.
    subs = (clips.Sub(10, 30, "Hello there"), clips.Sub(30, 50, "General news"))
    frames = []
    for i in range(60):
        texts = [(20, 300, "LIVE")]
        shown = clips.text_at(i, subs)
        if shown:
            texts.append((330, 300, shown))
        frames.append(_draw(clips.background(i), texts))
    with video.frames(frames, fps=clips.FPS) as run:
        results = list(run)
    assert run.stats.partial > 0  # parts of the band were detected on their own
    truth = [Cue(0, 10 / clips.FPS, "LIVE")]
    truth += [Cue(s.start / clips.FPS, s.end / clips.FPS, f"LIVE {s.text}") for s in subs]
    truth.append(Cue(50 / clips.FPS, 60 / clips.FPS, "LIVE"))
    events = list(video.events(frames, fps=clips.FPS))
    scores = evaluate_events(truth, events)
    assert scores.f1 == 1.0, [(e.start, e.end, e.text) for e in events]
    assert max(scores.start_errors) < 0.5 / clips.FPS
    # The label was read once: every later result carries its text over.
    label = [line for r in results for line in r.lines if line.box[:, 0].min() < 200]
    assert len(label) == len(results) and sum(not line.reused for line in label) == 1


def test_without_windows_a_change_detects_the_whole_region(video) -> None:
    subs = (clips.Sub(10, 30, "Hello there"), clips.Sub(30, 50, "General news"))
    frames = []
    for i in range(60):
        shown = clips.text_at(i, subs)
        texts = [(20, 300, "LIVE")] + ([(330, 300, shown)] if shown else [])
        frames.append(_draw(clips.background(i), texts))
    whole = VideoOCR(video.ocr, windows=False)
    with whole.frames(frames, fps=clips.FPS) as run:
        list(run)
    assert run.stats.partial == 0 and run.stats.detected > 0
    truth = [Cue(0, 10 / clips.FPS, "LIVE")]
    truth += [Cue(s.start / clips.FPS, s.end / clips.FPS, f"LIVE {s.text}") for s in subs]
    truth.append(Cue(50 / clips.FPS, 60 / clips.FPS, "LIVE"))
    assert evaluate_events(truth, list(whole.events(frames, fps=clips.FPS))).f1 == 1.0


def test_faint_text_the_change_test_misses_is_found_within_max_skip(video) -> None:
    # Grey text too faint for the change test appears on the right while moving stripes
    # keep changing the left of the band (detected there, no text): the right is still
    # detected every max_skip.
    max_skip = 0.5
    slow = VideoOCR(video.ocr, change=ChangeOptions(max_skip=max_skip))
    grey = np.full((clips.HEIGHT, clips.WIDTH, 3), 90, np.uint8)
    frames = []
    for i in range(40):
        img = grey.copy()
        img[250:350, 20:180] = (((np.arange(160) + 2 * i) // 3) % 2 * 160 + 40)[None, :, None]
        frames.append(_draw(img, [(330, 290, "Quiet words")], (140, 140, 140)) if i >= 5 else img)
    test = ChangeTest(100, 300, ChangeOptions())
    quiet = frames[5][260:360, 330:630, 1]
    assert not test.frame_changed(test.signature(quiet), test.signature(grey[260:360, 330:630, 1]))
    with slow.frames(frames, fps=clips.FPS) as run:
        results = list(run)
    assert run.stats.partial > 0
    events = list(slow.events(frames, fps=clips.FPS))
    assert [e.text.replace(" ", "") for e in events] == ["Quietwords"]
    assert sum(not r.reused for r in results) > 20  # the stripes were detected, often
    assert 5 / clips.FPS <= events[0].start <= 5 / clips.FPS + max_skip + 1 / clips.FPS


def test_a_still_picture_is_not_detected_again_but_faint_text_on_it_is_found(video) -> None:
    # A still band: after the first detection nothing is detected again for max_skip (the
    # picture did not move); grey text too faint for the change test appearing on it moves
    # the picture, so it is found within max_skip.
    max_skip = 0.5
    slow = VideoOCR(video.ocr, change=ChangeOptions(max_skip=max_skip))
    grey = np.full((clips.HEIGHT, clips.WIDTH, 3), 90, np.uint8)
    still = [grey] * 40
    with slow.frames(still, fps=clips.FPS) as run:
        results = list(run)
    assert run.stats.detected == 1 and all(r.reused for r in results[1:])
    frames = [
        _draw(grey.copy(), [(330, 290, "Quiet words")], (140, 140, 140)) if i >= 20 else grey
        for i in range(40)
    ]
    events = list(slow.events(frames, fps=clips.FPS))
    assert [e.text.replace(" ", "") for e in events] == ["Quietwords"]
    assert 20 / clips.FPS <= events[0].start <= 20 / clips.FPS + max_skip + 1 / clips.FPS


def test_rotated_video_is_read_as_displayed(video, tmp_path) -> None:
    # Sideways in the file, upright on screen: the bottom band and the text are the displayed
    # picture's.
    path = clips.encode(tmp_path / "turned.mp4", clips.frames(), rotate=90)
    events = list(video.events(str(path)))
    scores = evaluate_events(_truth(), events)
    assert scores.f1 == 1.0, [(e.start, e.end, e.text) for e in events]


def test_a_run_left_with_break_stops_its_threads(video, clip) -> None:
    before = threading.active_count()
    for frame in video.frames(iter(clip)):
        if frame.index == 3:
            break
    # The loop dropped the run: its threads are stopped then, not left running.
    assert threading.active_count() <= before


_LEFT_OPEN = """
import sys
from trt_ocr.video import VideoOCR

video = VideoOCR(threads=1)
kept = []
for every in (False, True, True):
    video.every_frame = every
    for frame in video.frames(sys.argv[1]):
        if frame.index == 5:
            break
    run = video.frames(sys.argv[1])
    next(run)
    kept.append(run)  # still open at exit
"""


def test_runs_left_open_do_not_abort_the_interpreter_at_exit(tmp_path, v4_models) -> None:
    import os
    import subprocess
    import sys

    path = clips.encode(tmp_path / "clip.mp4", clips.frames(60))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for _ in range(3):
        proc = subprocess.run(
            [sys.executable, "-c", _LEFT_OPEN, str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 0 and "terminate" not in proc.stderr, proc.stderr
