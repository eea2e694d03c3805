"""The video loop: frames in, one result per frame out, in order.

Three threads overlap, joined by bounded queues (so at most a few frames are held at any
time, whatever the video's length): decoding (plus the change test's signature), detection
(only on frames whose region of interest changed, and only in windows around what changed:
lines elsewhere stay as they were; lines are tracked across frames) and recognition (only of
the lines whose crop changed; the others keep their text). The C++ core and ONNX Runtime
release the GIL, so the slowest stage sets the pace."""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from trt_ocr.errors import ConfigError
from trt_ocr.stages import Detections
from trt_ocr.video.change import ChangeTest
from trt_ocr.video.events import EventBuilder, SubtitleEvent, join_lines
from trt_ocr.video.options import ChangeOptions, EventOptions
from trt_ocr.video.roi import BANDS, Roi, band, recurring_band
from trt_ocr.video.source import Frame, frames_of, sample_frames
from trt_ocr.video.window import Window, WindowDetector

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trt_ocr.pipeline import OCR

#: Frames sampled over a video to find where text recurs (band="auto"; fewer for short ones).
AUTO_SAMPLES = 16
# A detected line continues a line of the previous detection when their boxes overlap this much.
_SAME_PLACE_IOU = 0.5


@dataclass
class VideoLine:
    text: str
    score: float
    box: np.ndarray  # float32 [4, 2], frame pixels, clockwise from top-left
    reused: bool  # text carried over from an earlier frame (this crop was not recognized)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "score": round(float(self.score), 5),
            "box": np.round(self.box.astype(np.float64), 1).tolist(),
            "reused": self.reused,
        }


@dataclass
class FrameResult:
    """The text of one frame."""

    index: int  # position in the video, from 0
    time: float  # seconds (presentation time)
    lines: list[VideoLine]
    reused: bool  # nothing changed: no detection ran, the lines are the previous frame's
    changed: bool  # a line appeared, went, or its crop changed since the previous frame
    # text and score, once known (a reused frame has its predecessor's)
    _summary: tuple[str, float] | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The lines in reading order: rows top to bottom (newline), left to right (space)."""
        return self._summarize()[0]

    @property
    def score(self) -> float:
        """The mean score of the lines (0 without lines)."""
        return self._summarize()[1]

    def _summarize(self) -> tuple[str, float]:
        if self._summary is None:
            text = join_lines(
                [
                    (
                        line.text,
                        float(line.box[:, 0].min()),
                        float(line.box[:, 1].mean()),
                        float(line.box[:, 1].max() - line.box[:, 1].min()),
                    )
                    for line in self.lines
                ]
            )
            score = float(np.mean([line.score for line in self.lines])) if self.lines else 0.0
            self._summary = (text, score)
        return self._summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "time": round(self.time, 4),
            "reused": self.reused,
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass
class VideoStats:
    frames: int = 0  # results delivered
    detected: int = 0  # frames on which detection ran
    partial: int = 0  # ... of them, in windows of the region of interest only
    recognized: int = 0  # line crops recognized
    started: float = field(default_factory=time.perf_counter)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class _Track:
    """A line followed across detections: where it is and the signature it was read on."""

    id: int
    rect: np.ndarray  # float32 [4, 2] axis-aligned box, region-of-interest pixels
    box: np.ndarray  # float32 [4, 2] as detected, frame pixels
    read_on: np.ndarray  # the change test's signature of the frame it was recognized on


@dataclass
class _Plan:
    """What the recognition thread does for one frame."""

    index: int
    time: float
    reuse: bool  # no detection: repeat the previous frame's lines
    ids: list[int] = field(default_factory=list)  # track of each detected line
    boxes: list[np.ndarray] = field(default_factory=list)  # frame pixels
    todo: Detections | None = None  # the lines to recognize
    todo_ids: list[int] = field(default_factory=list)
    changed: bool = False


@dataclass
class _Failure:
    error: BaseException


_END = object()


class VideoOCR:
    """OCR over the frames of a video.

    >>> video = VideoOCR(band="bottom")
    >>> for frame in video.frames("film.mp4"):
    ...     print(frame.time, frame.text, frame.reused)
    >>> for event in video.events("film.mp4"):
    ...     print(event.start, event.end, event.text)

    source: a video file or URL (FFmpeg through PyAV: pip install 'trt-ocr[video]'), or any
    iterable of BGR uint8 arrays or of (time_seconds, array) pairs (fps times bare arrays).
    Region of interest: roi (a Roi or "X,Y,W,H") or band ("bottom", "full", or "auto": the
    band where text recurs, found by sampling the video file). every_frame=True detects and
    recognizes every frame (the reference the change test is measured against). windows=False
    detects the whole region whenever part of it changed, instead of windows around the
    change: a window holds the same input pixels but not the surroundings the network sees
    around them, so a line's box can come out a few pixels off the whole region's and its text
    can differ (see trt_ocr.video.window). Without an ocr, one is built from
    trt_ocr.presets.VIDEO under ocr_kwargs.
    """

    def __init__(
        self,
        ocr: OCR | None = None,
        *,
        roi: Roi | str | None = None,
        band: str = "bottom",
        every_frame: bool = False,
        windows: bool = True,
        change: ChangeOptions | None = None,
        events: EventOptions | None = None,
        queue_size: int = 4,
        **ocr_kwargs: Any,
    ) -> None:
        if band not in BANDS:
            raise ConfigError(f"band must be one of {', '.join(BANDS)}, got {band!r}")
        if queue_size < 1:
            raise ConfigError(f"queue_size must be at least 1, got {queue_size}")
        if ocr is None:
            from trt_ocr.pipeline import OCR
            from trt_ocr.presets import VIDEO, combined

            ocr = OCR(**combined(VIDEO, ocr_kwargs))
        elif ocr_kwargs:
            raise ValueError("give either an OCR or its arguments, not both")
        self.ocr = ocr
        self.roi = Roi.parse(roi) if isinstance(roi, str) else roi
        self.band = band
        self.every_frame = every_frame
        self.windows = windows
        self.change = change or ChangeOptions()
        self.event_options = events or EventOptions()
        self.queue_size = queue_size

    def frames(self, source: Any, *, fps: float | None = None) -> VideoRun:
        """An iterator over FrameResult, one per frame, in order. Close it (or use it in a
        with block) to stop early; a decoding error is raised after the frames before it."""
        return VideoRun(self, source, fps)

    def events(self, source: Any, *, fps: float | None = None) -> Iterator[SubtitleEvent]:
        """Subtitle events, each as soon as it is final."""
        with self.frames(source, fps=fps) as run:
            builder = EventBuilder(self.event_options)
            for frame in run:
                yield from builder.add(
                    frame.index, frame.time, frame.text, frame.score, frame.changed
                )
            yield from builder.finish(run.end_time)

    def find_roi(self, source: Any, height: int, width: int) -> Roi:
        """The region of interest for a height x width video (see the class)."""
        if self.roi is not None:
            return self.roi.clip(height, width)
        if self.band != "auto":
            return band(self.band, height, width)
        if not isinstance(source, (str, Path)):
            raise ConfigError("band='auto' samples a video file; give roi= or band= for frames")
        samples = [
            [(line.box, line.text) for line in self.ocr(image)]
            for image in sample_frames(source, AUTO_SAMPLES)
        ]
        return recurring_band(samples, height, width)


class VideoRun:
    """One pass over a source (see VideoOCR.frames). roi is known once the first frame is
    decoded; end_time (when the last frame stops showing) once the frames are exhausted.

    The worker threads hold the stages, not this handle, so a run left unclosed (a loop left
    with break) stops them when it is garbage-collected, or at the latest at interpreter exit
    (weakref.finalize runs then): the daemon threads are never inside the C++ core or ONNX
    Runtime while the process tears down, which aborts it."""

    def __init__(self, video: VideoOCR, source: Any, fps: float | None) -> None:
        self._stages = _Stages(video, source, fps)
        self._finalizer = weakref.finalize(self, self._stages.close)

    @property
    def video(self) -> VideoOCR:
        return self._stages.video

    @property
    def stats(self) -> VideoStats:
        return self._stages.stats

    @property
    def roi(self) -> Roi | None:
        return self._stages.roi

    @property
    def end_time(self) -> float | None:
        return self._stages.end_time

    def __iter__(self) -> VideoRun:
        return self

    def __next__(self) -> FrameResult:
        return self._stages.next()

    def close(self) -> None:
        """Stops the threads and drops what they hold."""
        self._finalizer()

    def __enter__(self) -> VideoRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Stages:
    """The three stages of a run and their threads (see VideoRun)."""

    def __init__(self, video: VideoOCR, source: Any, fps: float | None) -> None:
        self.video = video
        self.stats = VideoStats()
        self.roi: Roi | None = None
        self.end_time: float | None = None
        self._source = source
        self._frames = frames_of(source, fps)
        self._stop = threading.Event()
        n = video.queue_size
        self._decoded: queue.Queue[Any] = queue.Queue(n)
        self._planned: queue.Queue[Any] = queue.Queue(n)
        self._done: queue.Queue[Any] = queue.Queue(n)
        self._test: ChangeTest | None = None
        self._windows: WindowDetector | None = None
        self._next_id = 0  # of the next line track
        self._threads = [
            threading.Thread(target=self._guard, args=(f, q), name=f"trt-ocr-video-{f.__name__}")
            for f, q in (
                (self._decode, self._decoded),
                (self._detect, self._planned),
                (self._recognize, self._done),
            )
        ]
        for t in self._threads:
            t.daemon = True  # a stuck network call never keeps the interpreter alive
            t.start()
        self._finished = False

    # ---- iteration ------------------------------------------------------------------------

    def next(self) -> FrameResult:
        if self._finished:
            raise StopIteration
        item = self._get(self._done)
        if item is _END:
            self._finished = True
            self.close()
            raise StopIteration
        if isinstance(item, _Failure):
            self._finished = True
            self.close()
            raise item.error
        self.stats.frames += 1
        result: FrameResult = item
        return result

    def close(self) -> None:
        """Stops the threads and drops what they hold."""
        self._stop.set()
        for q in (self._decoded, self._planned, self._done):
            while True:
                try:
                    q.get_nowait()
                except queue.Empty:
                    break
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout=10)
        close = getattr(self._frames, "close", None)
        if close is not None and not any(t.is_alive() for t in self._threads[:1]):
            close()

    # ---- plumbing -------------------------------------------------------------------------

    def _get(self, q: queue.Queue[Any]) -> Any:
        while True:
            try:
                return q.get(timeout=0.1)
            except queue.Empty:
                if self._stop.is_set():
                    return _END

    def _put(self, q: queue.Queue[Any], item: Any) -> bool:
        while not self._stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _guard(self, work: Any, out: queue.Queue[Any]) -> None:
        """Runs one stage; its error (or the end) travels down the queues in order."""
        try:
            work()
            self._put(out, _END)
        except BaseException as e:
            self._put(out, _Failure(e))

    def _upstream(self, q: queue.Queue[Any], out: queue.Queue[Any]) -> Iterator[Any]:
        """Items of q until its end; a failure is passed on to out, then the stage ends."""
        while True:
            item = self._get(q)
            if item is _END:
                return
            if isinstance(item, _Failure):
                self._put(out, item)
                raise _Passed
            yield item

    # ---- the stages -----------------------------------------------------------------------

    def _decode(self) -> None:
        previous: float | None = None
        last: float | None = None
        size: tuple[int, int] | None = None
        for frame in self._frames:
            if self._stop.is_set():
                return
            if size is None:
                size = frame.size
                self.roi = self.video.find_roi(self._source, *size)
                self._test = ChangeTest(self.roi.h, self.roi.w, self.video.change)
                self._windows = WindowDetector(self.video.ocr.detector, self.roi.h, self.roi.w)
                self._windows.enabled &= self.video.windows
            elif frame.size != size:
                raise ConfigError(
                    f"frame {frame.index}: size {frame.size} differs from the first frame's"
                )
            assert self._test is not None and self.roi is not None
            grey = self._test.reduce(frame.luma(self.roi))
            previous, last = last, frame.time
            if not self._put(self._decoded, (frame, self._test.edges(grey), grey)):
                return
        if last is not None:
            step = last - previous if previous is not None else 1.0 / 25
            self.end_time = last + step

    def _detect(self) -> None:
        every = self.video.every_frame
        max_skip = self.video.change.max_skip
        # Each part of the signature (and of the reduced grey image) is that of the frame its
        # part of the region was last detected on, and each detector cell of the region has the
        # time it was last detected.
        detected_on: np.ndarray | None = None
        grey_on: np.ndarray | None = None
        seen_at: np.ndarray | None = None
        tracks: list[_Track] = []
        self._next_id = 0
        try:
            for frame, signature, grey in self._upstream(self._decoded, self._planned):
                test, roi, windows = self._test, self.roi, self._windows
                assert test is not None and roi is not None and windows is not None
                if seen_at is None:
                    seen_at = np.full((windows.cells_h, windows.cells_w), -np.inf)
                # What to detect: cells where text may have changed, and cells not detected
                # for max_skip whose picture moved since (text too faint for the change test is
                # found that late).
                age = frame.time - seen_at
                cells = age >= max_skip
                if every or detected_on is None or grey_on is None:
                    cells[:] = True
                else:
                    if cells.any():
                        moved = windows.no_cells()
                        windows.mark_pixels(moved, test.moved(grey, grey_on), test.factor)
                        seen_at[cells & ~moved] = frame.time
                        refresh = cells & moved
                        # With the cells soon due: one larger refresh instead of many small.
                        cells = moved & (age >= max_skip / 2) if refresh.any() else refresh
                    # With the tiles around: a character's strokes may fall in a tile the
                    # test passed over.
                    side = test.tile_side
                    for x0, y0, x1, y1 in test.changed_tiles(signature, detected_on):
                        windows.mark(cells, x0 - side, y0 - side, x1 + side, y1 + side)
                if not cells.any():
                    frame.release()
                    if not self._put(self._planned, _Plan(frame.index, frame.time, True)):
                        return
                    continue
                image = np.ascontiguousarray(frame.bgr(roi))
                frame.release()
                found, done = self._detect_cells(image, cells, tracks)
                self.stats.detected += 1
                if done == [windows.whole]:
                    detected_on, grey_on = signature, grey
                else:
                    self.stats.partial += 1
                    assert detected_on is not None and grey_on is not None
                    detected_on, grey_on = detected_on.copy(), grey_on.copy()
                    for w in done:
                        rows, cols = test.reduced_slices(w.x0, w.y0, w.x1, w.y1)
                        detected_on[rows, cols] = signature[rows, cols]
                        grey_on[rows, cols] = grey[rows, cols]
                for w in done:
                    seen_at[w.cells] = frame.time
                plan, tracks = self._match(frame, signature, found, done, tracks)
                del found, image
                if not self._put(self._planned, plan):
                    return
        except _Passed:
            return

    def _detect_cells(
        self, image: np.ndarray, cells: np.ndarray, tracks: list[_Track]
    ) -> tuple[Detections, list[Window]]:
        """Detection in the windows around the set cells (see WindowDetector.windows), grown
        to hold each line they reach. A line found reaching an edge of a window inside the
        region may go on outside it: the windows grow around it, once, and then give way to
        the whole region."""
        windows = self._windows
        assert windows is not None
        for _ in range(2):
            done = _windows_for(windows, cells, tracks)
            parts = [windows.detect(image, w, _timings()) for w in done]
            cut = [
                rect
                for w, part in zip(done, parts, strict=True)
                for rect in map(_rect, part.boxes)
                if windows.at_inner_edge(w, rect)
            ]
            if not cut:
                return _joined(parts), done
            for rect in cut:  # and a cell further on each side
                dx, dy = windows.cell_size
                windows.mark(
                    cells, rect[0, 0] - dx, rect[0, 1] - dy, rect[2, 0] + dx, rect[2, 1] + dy
                )
        whole = windows.whole
        return windows.detect(image, whole, _timings()), [whole]

    def _match(
        self,
        frame: Frame,
        signature: np.ndarray,
        found: Detections,
        done: list[Window],
        tracks: list[_Track],
    ) -> tuple[_Plan, list[_Track]]:
        """The recognition plan of a detected frame and the tracks after it: lines outside the
        windows detected stay as they were; lines found in them continue the track in the
        same place unless their crop changed (then, and for new lines, they are recognized)."""
        test, every = self._test, self.video.every_frame
        assert test is not None and self.roi is not None
        plan = _Plan(frame.index, frame.time, reuse=False)
        unmatched = [t for t in tracks if any(w.overlaps(t.rect) for w in done)]
        now = [t for t in tracks if not any(w.overlaps(t.rect) for w in done)]
        kept = len(now)
        todo: list[int] = []  # positions in found
        for i, box in enumerate(found.boxes):
            rect = _rect(box)
            track = _take_match(rect, unmatched)
            fresh = _frame_box(box, self.roi)
            if track is None or test.line_changed(signature, track.read_on, rect):
                plan.changed = True
                track = _Track(self._next_id, rect, fresh, signature)
                self._next_id += 1
                todo.append(i)
            elif every:
                track = _Track(track.id, rect, fresh, signature)
                todo.append(i)
            else:
                track = _Track(track.id, rect, fresh, track.read_on)
            now.append(track)
        plan.changed |= bool(unmatched)  # a line went
        plan.ids = [t.id for t in now]
        plan.boxes = [t.box for t in now]
        if todo:
            plan.todo = _subset(found, todo)
            plan.todo_ids = [plan.ids[kept + i] for i in todo]
        return plan, now

    def _recognize(self) -> None:
        ocr = self.video.ocr
        drop = ocr.rec_options.drop_score
        texts: dict[int, tuple[str, float]] = {}
        previous = FrameResult(-1, 0.0, [], False, False)
        try:
            for plan in self._upstream(self._planned, self._done):
                if plan.reuse:
                    lines = [replace(line, reused=True) for line in previous.lines]
                    result = FrameResult(
                        plan.index, plan.time, lines, True, False, previous._summarize()
                    )
                else:
                    if plan.todo is not None:
                        t = _timings()
                        todo = plan.todo
                        if ocr.classifier is not None:
                            flips, _ = ocr.classifier(todo, t)
                        else:
                            flips = np.zeros(len(todo), np.bool_)
                        for track_id, (text, score, _) in zip(
                            plan.todo_ids, ocr.recognizer(todo, flips, t), strict=True
                        ):
                            texts[track_id] = (text, float(score))
                        self.stats.recognized += len(todo)
                        plan.todo = None
                    fresh = set(plan.todo_ids)
                    texts = {i: texts[i] for i in plan.ids}  # only the lines on screen
                    lines = [
                        VideoLine(texts[i][0], texts[i][1], box, i not in fresh)
                        for i, box in zip(plan.ids, plan.boxes, strict=True)
                        if texts[i][1] >= drop and texts[i][0].strip()
                    ]
                    result = FrameResult(plan.index, plan.time, lines, False, plan.changed)
                previous = result
                if not self._put(self._done, result):
                    return
        except _Passed:
            return


class _Passed(Exception):
    """An upstream failure was handed on; the stage stops."""


def _timings() -> dict[str, float]:
    return {"pre": 0.0, "det": 0.0, "cls": 0.0, "rec": 0.0, "post": 0.0}


def _rect(box: np.ndarray) -> np.ndarray:
    pts = np.asarray(box, np.float32).reshape(-1, 2)
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = min(a[1, 0], b[1, 0]) - max(a[0, 0], b[0, 0])
    h = min(a[2, 1], b[2, 1]) - max(a[0, 1], b[0, 1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = float(w * h)
    return inter / (_area(a) + _area(b) - inter)


def _area(rect: np.ndarray) -> float:
    return float((rect[1, 0] - rect[0, 0]) * (rect[2, 1] - rect[0, 1]))


def _take_match(rect: np.ndarray, tracks: list[_Track]) -> _Track | None:
    """The track whose box overlaps rect most (removed from tracks), if enough."""
    best, best_iou = None, _SAME_PLACE_IOU
    for track in tracks:
        iou = _iou(rect, track.rect)
        if iou >= best_iou:
            best, best_iou = track, iou
    if best is not None:
        tracks.remove(best)
    return best


def _windows_for(windows: WindowDetector, cells: np.ndarray, tracks: list[_Track]) -> list[Window]:
    """The windows around the set cells, grown (cells set) until each line they reach is
    inside one: a line is detected whole or kept whole."""
    while True:
        done = windows.windows(cells)
        before = int(cells.sum())
        for track in tracks:
            r = track.rect
            if any(w.overlaps(r) for w in done) and not any(w.contains(r) for w in done):
                windows.mark(cells, r[0, 0], r[0, 1], r[2, 0], r[2, 1])
        if int(cells.sum()) == before:
            return done


def _joined(parts: list[Detections]) -> Detections:
    """The lines of several detections of one image, as one."""
    if len(parts) == 1:
        return parts[0]
    boxes: np.ndarray | list[np.ndarray]
    if all(isinstance(p.boxes, np.ndarray) for p in parts):
        boxes = np.concatenate([np.asarray(p.boxes).reshape(-1, 4, 2) for p in parts])
    else:
        boxes = [b for p in parts for b in p.boxes]
    return Detections(
        parts[0].work_image,
        np.concatenate([p.quads.reshape(-1, 4, 2) for p in parts]).astype(np.float32),
        boxes,
        np.concatenate([p.scores for p in parts]).astype(np.float32),
        parts[0].tall_ratio,
    )


def _frame_box(box: np.ndarray, roi: Roi) -> np.ndarray:
    pts = np.asarray(box, np.float32).reshape(-1, 2)
    if len(pts) != 4:  # a polygon (box_type poly): its bounding box
        pts = _rect(pts)
    framed: np.ndarray = pts + roi.offset
    return framed


def _subset(found: Detections, idx: list[int]) -> Detections:
    boxes = found.boxes
    picked = boxes[idx] if isinstance(boxes, np.ndarray) else [boxes[i] for i in idx]
    return Detections(
        found.work_image, found.quads[idx], picked, found.scores[idx], found.tall_ratio
    )
