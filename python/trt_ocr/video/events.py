"""Subtitle events from per-frame text: consecutive frames showing the same text become one
event, timed to the frame (start: the first frame showing it; end: the first frame that no
longer does).

Frames are grouped into runs of the same text. A frame starts a new run when its text differs
from the run's, unless the difference is recognition noise: similar text on a frame where no
line's crop changed. A run shorter than the flicker limit between two runs of the same text is
absorbed by them (a dropped or misread frame); a run still shorter is dropped (a transition).
Events keep their lines: a two-line (or bilingual) subtitle is one event with two lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from trt_ocr.eval.text import edit_distance
from trt_ocr.video.options import EventOptions


@dataclass
class SubtitleEvent:
    start: float  # seconds: time of the first frame showing the text
    end: float  # seconds: time of the first frame that no longer shows it
    text: str  # lines joined by "\n", top to bottom
    first_frame: int
    last_frame: int
    score: float = 0.0  # mean recognizer score of the frames that voted for the text

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def to_dict(self) -> dict[str, object]:
        return {
            "start": round(self.start, 4),
            "end": round(self.end, 4),
            "text": self.text,
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "score": round(self.score, 4),
        }


def squash(text: str) -> str:
    return "".join(text.split())


def _has_word(text: str) -> bool:
    """A letter or a digit: a lone '.' or '-' read off the background is not a subtitle."""
    return any(c.isalnum() for c in text)


def similarity(a: str, b: str) -> float:
    """1 - edit distance / longer length, whitespace ignored; 1.0 for two empty texts."""
    a, b = squash(a), squash(b)
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - edit_distance(a, b) / longest


@dataclass
class _Run:
    start: float
    first_frame: int
    last_frame: int
    end: float  # time of the frame after the last one (updated as frames come)
    votes: Counter[str] = field(default_factory=Counter)
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        # The text read most often; ties go to the higher summed score.
        return max(self.votes, key=lambda t: (self.votes[t], self.scores[t]))

    def add(self, text: str, score: float, end: float, index: int) -> None:
        self.votes[text] += 1
        self.scores[text] = self.scores.get(text, 0.0) + score
        self.end, self.last_frame = end, index

    def absorb(self, other: _Run) -> None:
        self.votes.update(other.votes)
        for t, s in other.scores.items():
            self.scores[t] = self.scores.get(t, 0.0) + s
        self.end, self.last_frame = other.end, other.last_frame


class EventBuilder:
    """Feed frames in time order with add(); events come out of add() and finish() as soon as
    they are final: once the run after them has outlived the flicker limit."""

    def __init__(self, options: EventOptions | None = None) -> None:
        self.options = options or EventOptions()
        self._current: _Run | None = None
        self._closed: list[_Run] = []  # closed, not yet final: at most two
        self._last_time: float | None = None
        self._last_step = 0.0

    def add(
        self, index: int, time: float, text: str, score: float = 1.0, changed: bool = True
    ) -> list[SubtitleEvent]:
        """One frame: its text (lines joined by '\\n', '' for none), mean line score, and
        whether any line's crop changed since the previous frame. Returns finished events."""
        if self._last_time is not None:
            self._last_step = time - self._last_time
            if self._current is not None:
                self._current.end = time
        self._last_time = time
        cur = self._current
        if cur is not None and self._same(cur.text, text, changed):
            cur.add(text, score, time, index)
            cur.end = time + self._last_step  # as long as this frame lasts, for _short
            # The runs before a run that outlived the flicker limit are final.
            return (
                self._settle(final=True, keep_current=True)
                if self._closed and not self._short(cur)
                else []
            )
        if cur is not None:
            self._closed.append(cur)
        run = _Run(time, index, index, time)
        run.add(text, score, time, index)
        self._current = run
        out = self._settle(final=False)
        return out

    def finish(self, end_time: float | None = None) -> list[SubtitleEvent]:
        """The events still open when the frames end. end_time: when the last frame stops
        showing (default: its time plus the last frame interval)."""
        if self._current is not None:
            last = self._last_time or 0.0
            self._current.end = end_time if end_time is not None else last + self._last_step
            self._closed.append(self._current)
            self._current = None
        return self._settle(final=True)

    def _same(self, a: str, b: str, changed: bool) -> bool:
        if squash(a) == squash(b):
            return True
        return not changed and similarity(a, b) >= self.options.same_text

    def _short(self, run: _Run) -> bool:
        # The tolerance keeps a run of exactly min_duration (in float frame times) an event.
        return run.end - run.start < self.options.min_duration - 1e-6

    def _settle(self, final: bool, keep_current: bool = False) -> list[SubtitleEvent]:
        closed = self._closed
        # A flicker between two runs of similar text: one run.
        if (
            not keep_current
            and len(closed) >= 2
            and self._short(closed[-1])
            and self._current is not None
        ):
            before, flicker = closed[-2], closed[-1]
            # Same text on both sides (not merely similar: two near-identical subtitles with a
            # transition between them stay two).
            if squash(before.text) == squash(self._current.text):
                before.absorb(flicker)
                before.absorb(self._current)
                closed.pop()
                closed.pop()
                self._current = before
        keep = 0 if final else 1  # the last closed run may still be a flicker
        out: list[SubtitleEvent] = []
        while len(closed) > keep:
            run = closed.pop(0)
            if _has_word(run.text) and not self._short(run):
                out.append(self._event(run))
        return out

    @staticmethod
    def _event(run: _Run) -> SubtitleEvent:
        text = run.text
        return SubtitleEvent(
            run.start,
            run.end,
            text,
            run.first_frame,
            run.last_frame,
            run.scores[text] / run.votes[text],
        )


def build_events(
    frames: Iterable[tuple[int, float, str, float, bool]],
    options: EventOptions | None = None,
    end_time: float | None = None,
) -> Iterator[SubtitleEvent]:
    """Events of (index, time, text, score, changed) frames; see EventBuilder."""
    builder = EventBuilder(options)
    for index, time, text, score, changed in frames:
        yield from builder.add(index, time, text, score, changed)
    yield from builder.finish(end_time)


def join_lines(lines: Sequence[tuple[str, float, float, float]]) -> str:
    """A frame's text from its lines as (text, x_left, y_center, height): lines whose centres
    lie within half a line height form a row (joined by spaces, left to right); rows go top
    to bottom, joined by newlines."""
    rows: list[list[tuple[str, float, float, float]]] = []
    for line in sorted(lines, key=lambda entry: entry[2]):
        if rows:
            row = rows[-1]
            centre = sum(r[2] for r in row) / len(row)
            height = max(r[3] for r in row)
            if abs(line[2] - centre) <= 0.5 * max(height, line[3]):
                row.append(line)
                continue
        rows.append([line])
    return "\n".join(
        " ".join(t for t, *_ in sorted(row, key=lambda r: r[1]) if t.strip()) for row in rows
    ).strip()
