"""Subtitle-event evaluation: parsing SubRip/WebVTT, CER, temporal IoU, one-to-one matching."""

from __future__ import annotations

import pytest

from trt_ocr.eval import Cue, cer, evaluate_events, load_events, parse_cues, temporal_iou

SRT = """\ufeff1
0:00:00,041 --> 0:00:00,415
空间里面他绝对赢不了的

2
00:00:00,416 --> 00:00:01,165
two
lines
"""


def test_parse_srt_and_vtt(tmp_path) -> None:
    cues = parse_cues(SRT)
    assert cues == [Cue(0.041, 0.415, "空间里面他绝对赢不了的"), Cue(0.416, 1.165, "two\nlines")]
    vtt = "WEBVTT\n\nNOTE x\n\n00:01.5 --> 00:02.000 align:start\nhi\n"
    assert parse_cues(vtt) == [Cue(1.5, 2.0, "hi")]
    p = tmp_path / "a.srt"
    p.write_text(SRT, encoding="utf-8")
    assert load_events(p) == cues


def test_cer_and_iou() -> None:
    assert cer("ab cd", "abcd") == 0.0
    assert cer("abcd", "abce") == 0.25
    assert cer("", "") == 0.0 and cer("", "x") == 1.0
    assert temporal_iou(Cue(0, 2, ""), Cue(1, 3, "")) == pytest.approx(1 / 3)
    assert temporal_iou(Cue(0, 1, ""), Cue(1, 2, "")) == 0.0


def test_matching_needs_time_and_text() -> None:
    truth = [Cue(0, 1, "hello world"), Cue(1, 2, "second"), Cue(3, 4, "third")]
    pred = [
        Cue(0.05, 1.0, "hello world"),  # matched
        Cue(1.0, 2.1, "sec0nd"),  # right time, CER 1/6 > 0.1: no match
        Cue(3.9, 5, "third"),  # right text, IoU too small
        Cue(3.9, 5, "third"),
    ]
    s = evaluate_events(truth, pred)
    assert (s.matched, s.precision, s.recall) == (1, 0.25, pytest.approx(1 / 3))
    assert s.start_errors == [pytest.approx(0.05)] and s.end_errors == [0.0]
    # Mean CER over the truth events with a temporal match: 0 and 1/6.
    assert s.mean_cer == pytest.approx((0 + 1 / 6) / 2)


def test_one_to_one_and_empty_cases() -> None:
    truth = [Cue(0, 1, "a")]
    s = evaluate_events(truth, [Cue(0, 1, "a"), Cue(0, 1, "a")])
    assert (s.matched, s.precision, s.recall) == (1, 0.5, 1.0)
    assert evaluate_events([], []).f1 == 1.0
    assert evaluate_events(truth, []).f1 == 0.0
