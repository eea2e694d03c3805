"""Benchmark: trt_ocr._core.db_postprocess vs the Python/OpenCV reference on real DB maps.

Runs the PP-OCRv4 detector (onnxruntime) on the shared images once, then times both
post-processings single-threaded on the same maps. Not a test: `python bench/core_db.py`.
Set TRT_OCR_DB_MAPS_CACHE=path.npz to reuse the detector outputs between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "core"))
sys.path.insert(0, str(REPO / "python"))

from det_maps import DetMap, load_maps  # noqa: E402
from reference_db import db_postprocess_ref  # noqa: E402

from trt_ocr import _core, models  # noqa: E402


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Minimum wall time of repeat calls (seconds): the least disturbed by the shared machine."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--model", default="ppocr-v4-mobile")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"no data at {args.data}")

    cv2.setNumThreads(1)
    cache = os.environ.get("TRT_OCR_DB_MAPS_CACHE")
    maps: list[DetMap] = load_maps(
        Path(models.resolve(args.model).det), args.data, Path(cache) if cache else None
    )

    configs = {
        "quad fast": {},
        "quad slow": {"score_mode": "slow"},
        "quad fast dilate": {"use_dilation": True},
        "poly": {"box_type": "poly"},
    }
    print(f"{len(maps)} maps, best of {args.repeat}, single-threaded (cv2.setNumThreads(1))")
    header = f"{'config':<18}{'subset':<12}{'maps':>5}{'boxes':>7}{'ref ms':>9}{'ours ms':>9}"
    print(header + f"{'ratio':>8}")
    print("-" * (len(header) + 8))
    for name, kw in configs.items():
        rows = []
        for m in maps:
            run_ref = partial(db_postprocess_ref, m.prob, m.src_h, m.src_w, **kw)
            run_ours = partial(_core.db_postprocess, m.prob, m.src_h, m.src_w, **kw)
            n = len(run_ours()[1])
            rows.append((n, best_time(run_ref, args.repeat), best_time(run_ours, args.repeat)))
        for subset, sel in (("all", rows), (">=30 boxes", [r for r in rows if r[0] >= 30])):
            if not sel:
                continue
            ref = sum(r[1] for r in sel) * 1e3 / len(sel)
            ours = sum(r[2] for r in sel) * 1e3 / len(sel)
            med = statistics.median(r[1] / r[2] for r in sel)
            print(
                f"{name:<18}{subset:<12}{len(sel):>5}{sum(r[0] for r in sel):>7}"
                f"{ref:>9.2f}{ours:>9.2f}{ref / ours:>7.1f}x  (median per-map {med:.1f}x)"
            )


if __name__ == "__main__":
    main()
