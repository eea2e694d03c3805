"""Subtitle files: SubRip/WebVTT text, rewritten atomically as events come, recognised as
trt-ocr's own output on a re-run."""

from __future__ import annotations

import json

from trt_ocr.eval import load_events
from trt_ocr.outputs import written_by_trt_ocr
from trt_ocr.video.events import SubtitleEvent
from trt_ocr.video.subtitles import SubtitleFiles, to_srt, to_vtt

EVENTS = [
    SubtitleEvent(0.0417, 1.5, "first", 1, 35),
    SubtitleEvent(3661.25, 3662.0, "two\nlines", 10, 20),
]


def test_srt_and_vtt_text() -> None:
    srt = to_srt(EVENTS)
    assert srt.startswith("1\n00:00:00,042 --> 00:00:01,500\nfirst\n\n2\n01:01:01,250")
    assert "two\nlines\n\n" in srt
    vtt = to_vtt(EVENTS)
    assert vtt.startswith("WEBVTT\n\n") and "01:01:01.250 --> 01:01:02.000\ntwo\nlines" in vtt
    assert to_srt([]) == ""


def test_files_round_trip_and_carry_the_mark(tmp_path) -> None:
    paths = {k: tmp_path / f"out.{k}" for k in ("srt", "vtt", "json")}
    files = SubtitleFiles(paths, {"source": "x.mp4"})
    files.add(EVENTS[:1])  # the first add writes at once
    assert [c.text for c in load_events(paths["srt"])] == ["first"]
    files.add(EVENTS[1:])
    files.close(complete=True)
    for p in paths.values():
        got = load_events(p)
        assert [(round(c.start, 3), c.text) for c in got] == [
            (0.042, "first"),
            (3661.25, "two\nlines"),
        ]
        assert written_by_trt_ocr(p)
    assert json.loads(paths["json"].read_text())["complete"] is True
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_foreign_subtitle_file_is_not_ours(tmp_path) -> None:
    srt = tmp_path / "theirs.srt"
    srt.write_text(to_srt(EVENTS))
    vtt = tmp_path / "theirs.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n")
    assert not written_by_trt_ocr(srt) and not written_by_trt_ocr(vtt)
