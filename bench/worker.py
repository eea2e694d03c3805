"""One engine in its own process: ``python -m bench.worker JOB.json OUT.json``.

Loads the engine, warms it up, then times every image of the job (decoding happens outside
the timer; every engine gets the same BGR uint8 array), records each network call (stage,
input shape, seconds), the predictions, a throughput pass and the process's peak RSS.
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
    return [[stage, list(shape), dt] for stage, shape, dt in ev]


def run(job: dict) -> dict:
    import cv2
    import numpy as np

    from bench import nettime
    from bench.engines import ENGINES

    def read(p: str) -> np.ndarray:
        img = cv2.imread(p, cv2.IMREAD_COLOR)
        if img is None:
            raise OSError(f"cannot read {p}")
        return img

    out: dict = {"engine": job["engine"], "threads": job["threads"], "pid": os.getpid(),
                 "python": sys.version.split()[0], "rss_start": _rss_now()}
    t0 = time.perf_counter()
    engine = ENGINES[job["engine"]](job["threads"])
    out["load_seconds"] = time.perf_counter() - t0
    out["rss_after_load"] = _rss_now()
    out["versions"] = engine.versions()
    out["description"] = engine.description
    out["cv2"] = cv2.__version__
    out["numpy"] = np.__version__

    warm_paths = job.get("warmup_images", [])
    for p in warm_paths:
        engine.ocr(read(p))
    for p in job.get("warmup_words", []):
        engine.recognize(read(p))
    nettime.TIMER.take()

    out["sets"] = {}
    for set_name, paths in job.get("e2e", {}).items():
        records = []
        for p in paths:
            img = read(p)
            nettime.TIMER.take()
            t = time.perf_counter()
            lines, reported = engine.ocr(img)
            total = time.perf_counter() - t
            records.append({"image": p, "total": total, "net": _events(nettime.TIMER.take()),
                            "reported": reported,
                            "lines": [{"box": b, "text": s, "score": sc} for b, s, sc in lines]})
        out["sets"][set_name] = records

    words = []
    for p in job.get("words", []):
        img = read(p)
        nettime.TIMER.take()
        t = time.perf_counter()
        text, score = engine.recognize(img)
        total = time.perf_counter() - t
        words.append({"image": p, "total": total, "net": _events(nettime.TIMER.take()),
                      "text": text, "score": score})
    out["words"] = words

    tp_paths = job.get("throughput", [])
    if tp_paths:
        imgs = [read(p) for p in tp_paths]
        rounds = int(job.get("throughput_rounds", 1))
        t = time.perf_counter()
        for _ in range(rounds):
            for img in imgs:
                engine.ocr(img)
        wall = time.perf_counter() - t
        nettime.TIMER.take()
        out["throughput"] = {"images": len(imgs) * rounds, "seconds": wall,
                             "images_per_second": len(imgs) * rounds / wall if wall else 0.0}
    out["peak_rss"] = _peak_rss()
    return out


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    try:
        out = run(job)
    except Exception as e:  # reported to the orchestrator, which keeps the other engines
        out = {"engine": job.get("engine"), "error": f"{type(e).__name__}: {e}",
               "traceback": traceback.format_exc()}
    Path(argv[1]).write_text(json.dumps(out), encoding="utf-8")
    return 0 if "error" not in out else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
