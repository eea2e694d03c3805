"""One engine in its own process, driven over stdin/stdout: ``python -m bench.worker``.

Protocol: one JSON object per line each way. The first request is
``{"engine": NAME, "threads": N}``; the worker loads the engine and answers with its versions
and memory. Then requests ``{"op": ...}``: ``warmup`` (images, words), ``ocr`` (image),
``rec`` (image), ``throughput`` (images, rounds), ``stats``, ``quit``. Every answer has
``"ok": true`` or an ``"error"``. Anything the engine prints goes to stderr (the protocol has
the real stdout to itself).

Each timed call decodes the image with OpenCV outside the timer, so every engine gets the same
BGR uint8 array, and records the network calls (stage, input shape, seconds) made during it.
Needs only numpy, opencv and the engine's own package.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path


def _rss_now() -> int:
    try:
        with Path("/proc/self/statm").open() as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _events(ev):
    return [[stage, list(shape), dt, b_in, b_out] for stage, shape, dt, b_in, b_out in ev]


class Worker:
    def __init__(self, engine: str, threads: int) -> None:
        import cv2
        import numpy as np

        from bench import nettime
        from bench.engines import ENGINES

        self.cv2, self.timer = cv2, nettime.TIMER
        self.info: dict = {
            "engine": engine,
            "threads": threads,
            "pid": os.getpid(),
            "python": sys.version.split()[0],
            "rss_start": _rss_now(),
            "cv2": cv2.__version__,
            "numpy": np.__version__,
        }
        t0 = time.perf_counter()
        self.engine = ENGINES[engine](threads)
        self.info["load_seconds"] = time.perf_counter() - t0
        self.info["rss_after_load"] = _rss_now()
        self.info["versions"] = self.engine.versions()
        self.info["description"] = self.engine.description
        self.info["device"] = self.engine.device

    def read(self, p: str):
        img = self.cv2.imread(p, self.cv2.IMREAD_COLOR)
        if img is None:
            raise OSError(f"cannot read {p}")
        return img

    def warmup(self, images=(), words=()) -> dict:
        for p in images:
            self.engine.ocr(self.read(p))
        for p in words:
            self.engine.recognize(self.read(p))
        self.timer.take()
        return {}

    def ocr(self, image: str) -> dict:
        img = self.read(image)
        self.timer.take()
        t = time.perf_counter()
        result = self.engine.call(img)
        total = time.perf_counter() - t
        events, timer_seconds = self.timer.take()
        lines, reported = self.engine.lines(result)  # the bench's conversion, not timed
        return {
            "image": image,
            "total": total - timer_seconds,  # the network timer's own work is the bench's
            "net": _events(events),
            "reported": reported,
            "lines": [{"box": b, "text": s, "score": sc} for b, s, sc in lines],
        }

    def rec(self, image: str) -> dict:
        img = self.read(image)
        self.timer.take()
        t = time.perf_counter()
        text, score = self.engine.recognize(img)
        total = time.perf_counter() - t
        events, timer_seconds = self.timer.take()
        return {
            "image": image,
            "total": total - timer_seconds,
            "net": _events(events),
            "text": text,
            "score": score,
        }

    def throughput(self, images=(), rounds: int = 1) -> dict:
        imgs = [self.read(p) for p in images]
        t = time.perf_counter()
        for _ in range(rounds):
            self.engine.batch(imgs)
        wall = time.perf_counter() - t
        self.timer.take()
        n = len(imgs) * rounds
        return {"images": n, "seconds": wall, "images_per_second": n / wall if wall else 0.0}

    def stats(self) -> dict:
        return {**self.info, "rss_now": _rss_now(), "peak_rss": _peak_rss()}


def serve(inp, out) -> int:
    def reply(obj: dict) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    first = json.loads(inp.readline() or "{}")
    try:
        w = Worker(first["engine"], int(first["threads"]))
    except Exception as e:  # reported to the orchestrator, which keeps the other engines
        reply({"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})
        return 1
    reply({"ok": True, **w.stats()})
    for line in inp:
        req = json.loads(line)
        op = req.pop("op", None)
        if op == "quit":
            reply({"ok": True})
            return 0
        fn = {
            "warmup": w.warmup,
            "ocr": w.ocr,
            "rec": w.rec,
            "throughput": w.throughput,
            "stats": w.stats,
        }.get(op)
        try:
            if fn is None:
                raise ValueError(f"unknown op {op!r}")
            reply({"ok": True, **fn(**req)})
        except Exception as e:
            reply({"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()})
    return 0


def main() -> int:
    # The protocol keeps the real stdout; fd 1 (Python prints, C libraries) goes to stderr.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return serve(sys.stdin, proto)


if __name__ == "__main__":
    raise SystemExit(main())
