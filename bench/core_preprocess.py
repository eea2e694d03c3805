"""Benchmark of the C++ core's pre/post-processing against the OpenCV + numpy reference.

Run: ``PYTHONPATH=python python bench/core_preprocess.py [--ic15 30] [--sroie 10] [--repeats 7]``

Inputs are real: IC15 test images with their ground-truth quads and SROIE receipts with their
line boxes (from ../shared/data), and for CTC the PP-OCRv4 recognizer's outputs on those crops.
Everything runs single-threaded (cv2.setNumThreads(1); the core is single-threaded per call).
Times are per-thread CPU time (time.thread_time), the best of --repeats passes over all inputs,
so other processes on a shared machine disturb them less than wall-clock time would.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "core"))
sys.path.insert(0, str(REPO / "python"))

import reference_crop as ref  # noqa: E402

from trt_ocr import _core, models  # noqa: E402


def best_time(fn: Callable[[], object], repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.thread_time()
        fn()
        best = min(best, time.thread_time() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--ic15", type=int, default=30, help="IC15 test images to use")
    ap.add_argument("--sroie", type=int, default=10, help="SROIE receipts to use")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--model", default="ppocr-v4-mobile")
    args = ap.parse_args()
    if not args.data.exists():
        print(f"needs {args.data} (the shared evaluation data)", file=sys.stderr)
        return 2
    cv2.setNumThreads(1)

    samples = ref.load_ic15(args.data / "icdar2015" / "det_e2e", args.ic15)
    samples += ref.load_sroie(args.data / "sroie", args.sroie)
    images = [s[0] for s in samples]
    boxes = [s[1] for s in samples]
    n_boxes = sum(len(b) for b in boxes)
    print(f"{len(images)} images, {n_boxes} boxes; best of {args.repeats}, thread CPU time")

    rows = []

    # Detector input: DetResizeForTest + NormalizeImage + ToCHW.
    t_ref = best_time(lambda: [ref.det_preprocess(im) for im in images], args.repeats)
    t_our = best_time(lambda: [_core.det_preprocess(im) for im in images], args.repeats)
    buf = np.empty(3 * 1024 * 1024 * 4, np.float32)
    t_buf = best_time(lambda: [_core.det_preprocess(im, out=buf) for im in images], args.repeats)
    rows.append(("detector input (per image)", t_ref / len(images), t_our / len(images), 2.0))
    rows.append(("  with a reused out= buffer", t_ref / len(images), t_buf / len(images), 2.0))

    # Crops into a 48 x 320 recognizer batch (one batch per image).
    def ours_crops(out=None):
        return [
            _core.crop_batch(im, b, 48, 320, out=out) for im, b in zip(images, boxes, strict=True)
        ]

    t_ref = best_time(
        lambda: [ref.crop_batch(im, b, 48, 320) for im, b in zip(images, boxes, strict=True)],
        args.repeats,
    )
    t_our = best_time(ours_crops, args.repeats)
    big = np.empty(max(len(b) for b in boxes) * 3 * 48 * 320, np.float32)
    t_buf = best_time(lambda: ours_crops(big), args.repeats)
    rows.append(("crops -> rec batch (per box)", t_ref / n_boxes, t_our / n_boxes, 3.0))
    rows.append(("  with a reused out= buffer", t_ref / n_boxes, t_buf / n_boxes, 3.0))

    # CTC decoding of the recognizer's real outputs on those batches.
    import onnxruntime as ort

    m = models.resolve(args.model)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(m.rec), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    outputs = [sess.run(None, {name: b})[0] for b, _ in ours_crops()]
    decoder = _core.CTCDecoder(m.characters)
    lines = sum(len(o) for o in outputs)
    t_ref = best_time(lambda: [ref.ctc_decode(o, m.characters) for o in outputs], args.repeats)
    t_our = best_time(lambda: [decoder.decode(o) for o in outputs], args.repeats)
    rows.append(("CTC decode (per line)", t_ref / lines, t_our / lines, 10.0))
    # The rows are ~1 MB per line (T x 6625 float32), so the pass above is memory-bound; the
    # same decode on one small batch that stays in cache shows the compute side.
    small = outputs[0][:2]
    t_ref = best_time(
        lambda: [ref.ctc_decode(small, m.characters) for _ in range(50)], args.repeats
    )
    t_our = best_time(lambda: [decoder.decode(small) for _ in range(50)], args.repeats)
    rows.append(("  2-line batch, warm cache", t_ref / 100, t_our / 100, 10.0))

    print(f"{'stage':<32}{'reference':>12}{'ours':>12}{'speed-up':>10}{'goal':>7}")
    for stage, r, o, goal in rows:
        print(f"{stage:<32}{r * 1e6:>10.1f}us{o * 1e6:>10.1f}us{r / o:>9.1f}x{goal:>6.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
