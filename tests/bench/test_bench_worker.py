"""The worker loop with a stand-in engine: timings, network events, predictions, RSS."""

from __future__ import annotations

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from bench import engines, nettime, worker  # noqa: E402


class FakeEngine(engines.Engine):
    name = "fake"
    description = "stand-in"

    def __init__(self, threads):
        self.threads = threads

    def ocr(self, img):
        nettime.TIMER.add("det", 0.001, (1, 3, *img.shape[:2]))
        return [([[0, 0], [4, 0], [4, 4], [0, 4]], "HI", 0.9)], {"det_stage": 0.002}

    def recognize(self, img):
        nettime.TIMER.add("rec", 0.0005, (1, 3, 48, 320))
        return "WORD", 0.8


def test_worker_run(tmp_path, monkeypatch):
    monkeypatch.setitem(engines.ENGINES, "fake", FakeEngine)
    p = tmp_path / "a.png"
    cv2.imwrite(str(p), np.zeros((20, 30, 3), np.uint8))
    job = {"engine": "fake", "threads": 1, "warmup_images": [str(p)], "warmup_words": [str(p)],
           "e2e": {"set": [str(p), str(p)]}, "words": [str(p)], "throughput": [str(p)]}
    out = worker.run(job)
    recs = out["sets"]["set"]
    assert len(recs) == 2
    assert recs[0]["net"] == [["det", [1, 3, 20, 30], 0.001]]  # warm-up events not included
    assert recs[0]["lines"][0]["text"] == "HI"
    assert recs[0]["total"] > 0
    assert out["words"][0]["text"] == "WORD"
    assert out["throughput"]["images"] == 1
    assert out["peak_rss"] >= out["rss_after_load"] > 0


def test_worker_reports_errors(tmp_path):
    import json

    job = tmp_path / "job.json"
    job.write_text(json.dumps({"engine": "nope", "threads": 1}))
    assert worker.main([str(job), str(tmp_path / "out.json")]) == 1
    assert "KeyError" in json.loads((tmp_path / "out.json").read_text())["error"]
