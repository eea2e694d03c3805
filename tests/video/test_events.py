"""Subtitle events from per-frame text: frame-exact timing, flicker, noise, near-identical
consecutive subtitles."""

from __future__ import annotations

import pytest

from trt_ocr.video.events import build_events, join_lines, similarity
from trt_ocr.video.options import EventOptions

STEP = 0.04


def _events(texts: list[str], changed: list[bool] | None = None, **opts):
    changed = changed or [True] * len(texts)
    frames = [(i, i * STEP, t, 1.0, c) for i, (t, c) in enumerate(zip(texts, changed, strict=True))]
    return [
        (round(e.start / STEP), round(e.end / STEP), e.text)
        for e in build_events(frames, EventOptions(**opts))
    ]


def test_start_is_the_first_frame_and_end_the_first_frame_without_it() -> None:
    assert _events(["", "A b", "A b", "A b", "A b", ""]) == [(1, 5, "A b")]
    # Open at the end of the video: ends one frame interval after the last frame.
    assert _events(["", "A b", "A b", "A b"]) == [(1, 4, "A b")]


def test_different_consecutive_subtitles_stay_two_events() -> None:
    texts = ["start at nine"] * 5 + ["start at ten"] * 5
    assert _events(texts) == [(0, 5, "start at nine"), (5, 10, "start at ten")]


def test_noise_on_unchanged_crops_does_not_split() -> None:
    texts = ["start at nine"] * 4 + ["start at nlne"] * 4 + ["start at nine"] * 4
    changed = [True] + [False] * 11
    assert _events(texts, changed) == [(0, 12, "start at nine")]


def test_flicker_between_the_same_text_is_absorbed() -> None:
    texts = ["Hello"] * 5 + [""] * 2 + ["Hello"] * 5 + ["Hellq"] + ["Hello"] * 4
    assert _events(texts) == [(0, 17, "Hello")]


def test_runs_shorter_than_min_duration_are_dropped_longer_are_kept() -> None:
    texts = [""] * 3 + ["blip"] * 2 + [""] * 3 + ["short"] * 3 + [""] * 3
    assert _events(texts) == [(8, 11, "short")]
    assert _events(texts, min_duration=0.0) == [(3, 5, "blip"), (8, 11, "short")]


def test_text_without_letters_or_digits_is_no_event() -> None:
    assert _events(["."] * 10 + ["-"] * 10) == []


def test_multi_line_events_keep_their_lines() -> None:
    assert _events(["one\ntwo"] * 5) == [(0, 5, "one\ntwo")]


def test_events_come_out_as_they_close() -> None:
    from trt_ocr.video.events import EventBuilder

    b = EventBuilder()
    out = []
    for i, t in enumerate(["A"] * 5 + ["B"] * 5 + ["C"] * 5):
        out.append(len(b.add(i, i * STEP, t)))
    # A is final once B has outlived the flicker limit (3 frames), B once C has.
    assert out.index(1) == 5 + 2 and sum(out) == 2
    assert [e.text for e in b.finish()] == ["C"]


def test_join_lines_rows_and_reading_order() -> None:
    lines = [("world", 60, 10, 10), ("hello", 0, 11, 10), ("below", 0, 40, 10)]
    assert join_lines(lines) == "hello world\nbelow"


def test_similarity_and_options() -> None:
    assert similarity("a b c", "abc") == 1.0
    assert similarity("", "") == 1.0
    assert similarity("abcd", "abce") == pytest.approx(0.75)
