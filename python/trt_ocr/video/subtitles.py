"""Subtitle files (SubRip, WebVTT) and the video JSON document, written while the video runs:
each file is rewritten atomically as events close (at most every few seconds, and once at
the end), so an interrupted run keeps what is done and no reader sees a half-written file."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trt_ocr.outputs import SUBTITLE_NOTE, VIDEO_JSON_GENERATOR, atomic_write
from trt_ocr.video.events import SubtitleEvent

#: Files are rewritten at most this often while events come (seconds); always at the end.
REWRITE_INTERVAL = 2.0


def clock(seconds: float, separator: str) -> str:
    """HH:MM:SS plus separator and milliseconds (',' for SubRip, '.' for WebVTT)."""
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def _cue_text(text: str) -> str:
    # A blank line would end the cue: keep the event's lines, drop empty ones.
    return "\n".join(line for line in text.split("\n") if line.strip())


def to_srt(events: Sequence[SubtitleEvent]) -> str:
    return "".join(
        f"{n}\n{clock(e.start, ',')} --> {clock(e.end, ',')}\n{_cue_text(e.text)}\n\n"
        for n, e in enumerate(events, 1)
    )


def to_vtt(events: Sequence[SubtitleEvent]) -> str:
    cues = "".join(
        f"{clock(e.start, '.')} --> {clock(e.end, '.')}\n{_cue_text(e.text)}\n\n" for e in events
    )
    return f"WEBVTT\n\n{SUBTITLE_NOTE}\n\n{cues}"


def to_json(
    events: Sequence[SubtitleEvent], info: dict[str, Any], complete: bool, error: str | None
) -> str:
    doc = {
        "generator": VIDEO_JSON_GENERATOR,
        **info,
        "complete": complete,
        "error": error,
        "events": [e.to_dict() for e in events],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


class SubtitleFiles:
    """The outputs of one run ({"srt"|"vtt"|"json": path}); add() events, then close()."""

    def __init__(self, paths: dict[str, Path], info: dict[str, Any] | None = None) -> None:
        self.paths = paths
        self.info = dict(info or {})
        self.events: list[SubtitleEvent] = []
        self._written_at = -float("inf")

    def add(self, events: Sequence[SubtitleEvent]) -> None:
        if not events:
            return
        self.events.extend(events)
        if time.monotonic() - self._written_at >= REWRITE_INTERVAL:
            self.write(complete=False)

    def write(self, complete: bool, error: str | None = None) -> None:
        for kind, path in self.paths.items():
            if kind == "srt":
                text = to_srt(self.events)
            elif kind == "vtt":
                text = to_vtt(self.events)
            else:
                text = to_json(self.events, self.info, complete, error)
            atomic_write(path, text.encode("utf-8"), mark=True)
        self._written_at = time.monotonic()

    def close(self, complete: bool, error: str | None = None) -> None:
        """The final write (whatever happened: complete=False when the run broke off)."""
        self.write(complete, error)


def write_srt(path: str | Path, events: Sequence[SubtitleEvent]) -> None:
    """Writes events as a SubRip file at once."""
    atomic_write(Path(path), to_srt(events).encode("utf-8"), mark=True)
