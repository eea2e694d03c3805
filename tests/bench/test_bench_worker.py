"""The worker protocol with a stand-in engine: timings, network events, predictions, RSS."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from bench import engines, nettime, worker  # noqa: E402
from trt_ocr.backends import tensorrt_available  # noqa: E402

# Stand-ins for the engine's det and rec sessions: calls recorded as a timed run records them.
_DET, _REC = object(), object()
nettime.TIMER.stage_of.update({id(_DET): "det", id(_REC): "rec"})


class FakeEngine(engines.Engine):
    name = "fake"
    description = "stand-in"

    def __init__(self, threads):
        self.threads = threads

    def call(self, img):
        nettime.TIMER.calls.append((_DET, (1, 3, *img.shape[:2]), 0.001, 7200, 600, 0.0))
        return "HI"

    def lines(self, result):
        return [([[0, 0], [4, 0], [4, 4], [0, 4]], result, 0.9)], {"det_stage": 0.002}

    def recognize(self, img):
        nettime.TIMER.calls.append((_REC, (1, 3, 48, 320), 0.0005, 0, 0, 0.0))
        return "WORD", 0.8


def _serve(requests: list[dict]) -> tuple[int, list[dict]]:
    inp = io.StringIO("".join(json.dumps(r) + "\n" for r in requests))
    out = io.StringIO()
    rc = worker.serve(inp, out)
    return rc, [json.loads(x) for x in out.getvalue().splitlines()]


def test_worker_protocol(tmp_path, monkeypatch):
    monkeypatch.setitem(engines.ENGINES, "fake", FakeEngine)
    p = str(tmp_path / "a.png")
    cv2.imwrite(p, np.zeros((20, 30, 3), np.uint8))
    rc, answers = _serve(
        [
            {"engine": "fake", "threads": 1},
            {"op": "warmup", "images": [p], "words": [p]},
            {"op": "ocr", "image": p},
            {"op": "rec", "image": p},
            {"op": "throughput", "images": [p, p], "rounds": 2},
            {"op": "ocr", "image": str(tmp_path / "missing.png")},
            {"op": "bogus"},
            {"op": "stats"},
            {"op": "quit"},
        ]
    )
    assert rc == 0
    load, warm, ocr, rec, tp, missing, bogus, stats, bye = answers
    assert load["ok"] and load["description"] == "stand-in" and load["rss_after_load"] > 0
    assert load["device"] == "cpu"  # where its networks run: the report's CPU peak is for these
    assert warm == {"ok": True}
    # warm-up events not included; bytes in and out after the seconds
    assert ocr["net"] == [["det", [1, 3, 20, 30], 0.001, 7200, 600]]
    assert ocr["lines"][0]["text"] == "HI" and ocr["total"] > 0
    assert ocr["reported"] == {"det_stage": 0.002}
    assert rec["text"] == "WORD" and rec["net"][0][0] == "rec"
    assert tp["images"] == 4 and tp["images_per_second"] > 0
    assert "cannot read" in missing["error"]
    assert "unknown op" in bogus["error"]
    assert stats["peak_rss"] >= stats["rss_after_load"]
    assert bye == {"ok": True}


class SlowLines(FakeEngine):
    def lines(self, result):
        time.sleep(0.05)  # the bench's conversion of the result: outside the engine's time
        return super().lines(result)


def _ocr_once(engine, tmp_path, monkeypatch) -> dict:
    """The worker's answer to one ocr request, served by the engine class given."""
    monkeypatch.setitem(engines.ENGINES, engine.__name__, engine)
    p = str(tmp_path / "a.png")
    cv2.imwrite(p, np.zeros((20, 30, 3), np.uint8))
    rc, answers = _serve([{"engine": engine.__name__, "threads": 1}, {"op": "ocr", "image": p}])
    assert rc == 0
    return answers[1]


def test_worker_times_only_the_engines_call(tmp_path, monkeypatch):
    answer = _ocr_once(SlowLines, tmp_path, monkeypatch)
    assert answer["lines"][0]["text"] == "HI"
    assert 0 < answer["total"] < 0.05


class TimerWork(FakeEngine):
    def call(self, img):
        time.sleep(0.03)
        # a run whose timer then spent 25 ms of its own: the bench's work, not the engine's
        nettime.TIMER.calls.append((_DET, (1, 3, *img.shape[:2]), 0.001, 7200, 600, 0.025))
        return "HI"


def test_worker_leaves_the_network_timers_own_time_out(tmp_path, monkeypatch):
    # charged to the engine, the 25 ms would put the total above the 30 ms it slept
    assert 0.005 <= _ocr_once(TimerWork, tmp_path, monkeypatch)["total"] < 0.03


def test_worker_reports_load_errors():
    rc, answers = _serve([{"engine": "nope", "threads": 1}])
    assert rc == 1
    assert "KeyError" in answers[0]["error"]


def test_run_engines_keeps_going_when_an_engine_fails(tmp_path):
    import sys

    from bench.cli import run_engines

    sel = {"e2e": {"s": []}, "words": [], "throughput": [], "warmup_images": [], "warmup_words": []}
    raw = run_engines(
        ["ours", "nope-engine"],
        {"ours": str(tmp_path / "no-python"), "nope-engine": sys.executable},
        sel,
        1,
        tmp_path,
    )
    assert "cannot start" in raw["ours"]["error"]
    assert "KeyError" in raw["nope-engine"]["error"]  # the worker answered with its error


def test_run_engines_repeat_keeps_the_median_run(tmp_path, monkeypatch):
    from bench import cli

    totals = iter([0.3, 0.1, 0.2])

    class Fake:
        def __init__(self, engine, python, threads, log_dir):
            self.engine, self.python, self.error = engine, python, None

        alive = True

        def call(self, req):
            if req["op"] == "ocr":
                return {"image": req["image"], "total": next(totals), "net": [], "lines": []}
            if req["op"] == "throughput":
                return {"images": len(req["images"]), "seconds": 0.5}
            return {}

        def close(self):
            pass

    monkeypatch.setattr(cli, "WorkerProc", Fake)
    sel = {
        "e2e": {"s": ["a.jpg"]},
        "words": [],
        "throughput": ["a.jpg", "b.jpg"],
        "throughput_rounds": 3,
        "warmup_images": [],
        "warmup_words": [],
    }
    raw = cli.run_engines(["x"], {"x": "py"}, sel, 1, tmp_path, repeat=3)
    (rec,) = raw["x"]["sets"]["s"]
    assert rec["total"] == 0.2 and rec["repeats"] == 3
    tp = raw["x"]["throughput"]
    assert (tp["images"], tp["seconds"], tp["rounds"]) == (6, 1.5, 3)
    assert tp["images_per_second"] == 4.0


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_wait_idle_waits_out_a_spinning_process():
    """The driver's wait after an answer lasts while the engine's process still burns CPU (a
    runtime's spinning workers) and ends soon once it is idle."""
    import subprocess
    import sys

    from bench.cli import IDLE_WINDOW, WorkerProc

    spin = "import time\nt = time.perf_counter()\nwhile time.perf_counter() - t < 0.3: pass\n"
    spin += "time.sleep(30)\n"
    proc = subprocess.Popen([sys.executable, "-c", spin])
    try:
        w = object.__new__(WorkerProc)
        w.proc = proc
        assert w.cpu_seconds() is not None
        waited = w.wait_idle(limit=5.0)
        assert 0.15 <= waited < 2.0  # it spun for ~0.3 s from its start
        assert w.wait_idle(limit=5.0) < 4 * IDLE_WINDOW  # idle now: one window or two
    finally:
        proc.kill()
        proc.wait()


_GPU, _NO_GPU = tensorrt_available()  # (usable, why not)


@pytest.mark.skipif(_GPU, reason="a GPU is usable here")
def test_the_gpu_engine_without_a_gpu_is_a_load_error_the_bench_reports():
    """Without a usable GPU, ours-tensorrt fails at load with the backend's reason; the
    orchestrator reports it and keeps the other engines (see the test above)."""
    rc, answers = _serve([{"engine": "ours-tensorrt", "threads": 1}])
    assert rc == 1
    assert answers[0]["error"].startswith("BackendError: backend 'tensorrt' is unavailable")


@pytest.mark.skipif(not _GPU, reason=f"needs a GPU TensorRT can use: {_NO_GPU}")
def test_the_gpu_engine_times_all_three_networks_and_reads_as_ours(tmp_path):
    """On a GPU: ours-tensorrt answers with the device, times det, cls and rec on the GPU, and
    reads the sample image as ours on ONNX Runtime does (fp32 engines: same text)."""
    sample = Path(__file__).resolve().parents[2] / "samples" / "sample.png"
    rc, answers = _serve(
        [
            {"engine": "ours-tensorrt", "threads": 1},
            {"op": "ocr", "image": str(sample)},
            {"op": "quit"},
        ]
    )
    assert rc == 0 and answers[0]["device"] == "gpu"
    gpu = answers[1]
    assert {stage for stage, *_ in gpu["net"]} == {"det", "cls", "rec"}
    assert all(seconds > 0 for _, _, seconds, _, _ in gpu["net"])
    rc, answers = _serve([{"engine": "ours", "threads": 1}, {"op": "ocr", "image": str(sample)}])
    assert rc == 0
    assert [ln["text"] for ln in gpu["lines"]] == [ln["text"] for ln in answers[1]["lines"]]
