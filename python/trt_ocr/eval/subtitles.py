"""Subtitle-event evaluation: predicted events matched one-to-one to ground-truth events by
temporal IoU >= 0.5 and character error rate <= 0.1 give event precision/recall/F1; the matched
pairs give the start and end errors; mean CER is over ground-truth events that have a
temporal match (however bad its text).

Events are anything with .start, .end (seconds) and .text; SubRip, WebVTT and trt-ocr video
JSON files are read by load_events."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from trt_ocr.eval.text import edit_distance

MIN_IOU = 0.5
MAX_CER = 0.1


class Timed(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


_TIME = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})")
_ARROW = re.compile(rf"^\s*({_TIME.pattern})\s*-->\s*({_TIME.pattern})")


def _seconds(text: str) -> float:
    m = _TIME.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a subtitle time: {text!r}")
    h, mi, s, ms = m.groups()
    return int(h or 0) * 3600 + int(mi) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def parse_cues(text: str) -> list[Cue]:
    """The cues of a SubRip or WebVTT document (numbers, headers, NOTE blocks and cue settings
    are skipped; a cue's text lines are joined by newlines)."""
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").lstrip("\ufeff")):
        lines = block.strip("\n").split("\n")
        for k, line in enumerate(lines):
            m = _ARROW.match(line)
            if m:
                start, end = line.split("-->")
                body = "\n".join(t.strip() for t in lines[k + 1 :] if t.strip())
                cues.append(Cue(_seconds(start), _seconds(end.split()[0]), body))
                break
    return cues


def load_events(path: str | Path) -> list[Cue]:
    """Events of a .srt, .vtt, or trt-ocr video .json file."""
    p = Path(path)
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() == ".json":
        doc: Any = json.loads(text)
        items = doc["events"] if isinstance(doc, dict) else doc
        return [Cue(float(e["start"]), float(e["end"]), str(e["text"])) for e in items]
    return parse_cues(text)


def _squash(text: str) -> str:
    return "".join(text.split())


def cer(truth: str, predicted: str) -> float:
    """Character error rate of predicted against truth, whitespace (and line breaks)
    ignored: edit distance / truth length (1.0 for any text against an empty truth)."""
    t, p = _squash(truth), _squash(predicted)
    if not t:
        return 0.0 if not p else 1.0
    return edit_distance(t, p) / len(t)


def temporal_iou(a: Timed, b: Timed) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    if inter <= 0:
        return 0.0
    union = max(a.end, b.end) - min(a.start, b.start)
    return inter / union if union > 0 else 0.0


@dataclass
class EventScores:
    truth: int
    predicted: int
    matched: int
    cer_sum: float  # over ground-truth events with a temporal match
    cer_count: int
    start_errors: list[float]  # |predicted - true| start of each matched pair (seconds)
    end_errors: list[float]

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def mean_cer(self) -> float:
        return self.cer_sum / self.cer_count if self.cer_count else 0.0

    def summary(self) -> dict[str, float | int]:
        def mean(v: list[float]) -> float:
            return sum(v) / len(v) if v else 0.0

        return {
            "truth": self.truth,
            "predicted": self.predicted,
            "matched": self.matched,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "mean_cer": round(self.mean_cer, 4),
            "mean_start_error": round(mean(self.start_errors), 4),
            "mean_end_error": round(mean(self.end_errors), 4),
            "max_start_error": round(max(self.start_errors, default=0.0), 4),
            "max_end_error": round(max(self.end_errors, default=0.0), 4),
        }


def evaluate_events(
    truth: Sequence[Timed],
    predicted: Sequence[Timed],
    *,
    min_iou: float = MIN_IOU,
    max_cer: float = MAX_CER,
) -> EventScores:
    """Matches predicted events to truth one-to-one (pairs with temporal IoU >= min_iou and
    CER <= max_cer, best IoU first) and scores them."""
    pairs = []
    cer_sum, cer_count = 0.0, 0
    for i, t in enumerate(truth):
        best_iou, best_cer = 0.0, 1.0
        for j, p in enumerate(predicted):
            iou = temporal_iou(t, p)
            if iou < min_iou:
                continue
            c = cer(t.text, p.text)
            if iou > best_iou:
                best_iou, best_cer = iou, c
            if c <= max_cer:
                pairs.append((iou, -c, i, j))
        if best_iou >= min_iou:
            cer_sum += best_cer
            cer_count += 1
    pairs.sort(reverse=True)
    used_t: set[int] = set()
    used_p: set[int] = set()
    starts: list[float] = []
    ends: list[float] = []
    for _, _, i, j in pairs:
        if i in used_t or j in used_p:
            continue
        used_t.add(i)
        used_p.add(j)
        starts.append(abs(predicted[j].start - truth[i].start))
        ends.append(abs(predicted[j].end - truth[i].end))
    return EventScores(len(truth), len(predicted), len(used_t), cer_sum, cer_count, starts, ends)
