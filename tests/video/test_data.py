"""The shared video clips (skipped when ../shared/data is absent): subtitles_2.mp4 against its
SubRip ground truth, at the targets of issue 12."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from trt_ocr.eval import evaluate_events, load_events
from trt_ocr.video import VideoOCR
from trt_ocr.video.source import probe

pytest.importorskip("av")
pytestmark = [pytest.mark.data, pytest.mark.slow]


def test_subtitles_2_against_its_srt(v4_models) -> None:
    video = shared_path("video", "subtitles_2.mp4")
    truth = load_events(shared_path("video", "subtitles_2.srt"))
    events = list(VideoOCR(threads=1).events(video))
    s = evaluate_events(truth, events)
    assert s.f1 >= 0.95, [(e.start, e.end, e.text) for e in events]
    frame = 1 / float(probe(video)["fps"] or 25)
    allowed = frame + 0.040
    assert sum(s.start_errors) / len(s.start_errors) <= allowed
    assert sum(s.end_errors) / len(s.end_errors) <= allowed
