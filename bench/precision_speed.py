#!/usr/bin/env python3
"""INT8 (and fp16) ONNX vs fp32 on ONNX Runtime's CPU provider, side by side.

Times each network of a build-engines output folder on real-shaped inputs (an IC15 photo for
the detector, word crops for the recognizer and classifier), median of --runs after warm-up,
and optionally the whole pipeline per image (--pipeline, needs the C++ core's ops).

    python bench/precision_speed.py --engines engines --model ppocr-v4-mobile-paddle \
        --precision fp32 int8 [--threads 2] [--runs 20] [--pipeline 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))


def _inputs(data: Path, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Real-shaped inputs; pixel content from IC15 when present, else noise."""
    shapes = {"det": (1, 3, 544, 960), "rec": (6, 3, 48, 320), "cls": (6, 3, 48, 192)}
    out = {k: rng.uniform(-1, 1, s).astype(np.float32) for k, s in shapes.items()}
    try:
        import cv2
    except ImportError:
        return out
    img_path = data / "icdar2015" / "det_e2e" / "images" / "img_200.jpg"
    if img_path.is_file():
        img = cv2.resize(cv2.imread(str(img_path)), (960, 544)).astype(np.float32) / 255
        mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
        out["det"] = ((img - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)
    words = sorted((data / "icdar2015" / "words" / "images").glob("word_1*.png"))[:6]
    for role, (h, w) in (("rec", (48, 320)), ("cls", (48, 192))):
        for i, p in enumerate(words):
            crop = cv2.imread(str(p))
            rw = min(w, max(1, round(h * crop.shape[1] / crop.shape[0])))
            x = cv2.resize(crop, (rw, h)).astype(np.float32) / 255
            out[role][i] = 0
            out[role][i, :, :, :rw] = ((x - 0.5) / 0.5).transpose(2, 0, 1)
    return out


def _session(path: Path, threads: int) -> object:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def time_networks(
    folders: dict[str, Path], x: dict[str, np.ndarray], threads: int, runs: int
) -> dict[str, dict[str, float]]:
    """Median ms per precision and role. Runs are interleaved (fp32, int8, fp32, int8, ...)
    so that load from other processes hits every precision alike."""
    out: dict[str, dict[str, float]] = {p: {} for p in folders}
    for role in ("det", "rec", "cls"):
        sessions = {p: _session(f / f"{role}.onnx", threads) for p, f in folders.items()}
        feeds = {p: {s.get_inputs()[0].name: x[role]} for p, s in sessions.items()}
        times: dict[str, list[float]] = {p: [] for p in folders}
        for _ in range(2):
            for p, s in sessions.items():
                s.run(None, feeds[p])
        for _ in range(runs):
            for p, s in sessions.items():
                t0 = time.perf_counter()
                s.run(None, feeds[p])
                times[p].append(time.perf_counter() - t0)
        for p in folders:
            out[p][role] = statistics.median(times[p]) * 1000
    return out


def time_pipeline(
    engines: Path, model: str, precision: str, images: list[Path], threads: int
) -> float:
    from trt_ocr.artifacts import resolve_precision
    from trt_ocr.pipeline import OCR

    with OCR(
        resolve_precision(model, precision, engines), backend="onnxruntime", threads=threads
    ) as ocr:
        ocr(str(images[0]))
        times = []
        for img in images:
            t0 = time.perf_counter()
            ocr(str(img))
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--engines", type=Path, default=REPO / "engines")
    ap.add_argument("--model", default="ppocr-v4-mobile-paddle")
    ap.add_argument("--precision", nargs="+", default=["fp32", "int8"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--pipeline", type=int, default=0, help="also time N IC15 images end to end")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()

    import onnxruntime as ort

    x = _inputs(a.data, np.random.default_rng(0))
    rows = time_networks({p: a.engines / a.model / p for p in a.precision}, x, a.threads, a.runs)
    for prec in a.precision:
        if a.pipeline:
            imgs = sorted((a.data / "icdar2015" / "det_e2e" / "images").glob("img_4*.jpg"))
            rows[prec]["pipeline"] = time_pipeline(
                a.engines, a.model, prec, imgs[: a.pipeline], a.threads
            )
    cols = list(next(iter(rows.values())))
    print(
        f"ONNX Runtime {ort.__version__} CPU, {a.threads} threads, median of {a.runs} "
        "interleaved runs "
        f"(ms); inputs det {list(x['det'].shape)}, rec {list(x['rec'].shape)}, "
        f"cls {list(x['cls'].shape)}"
    )
    print(f"{'precision':10}" + "".join(f"{c:>12}" for c in cols))
    for prec, r in rows.items():
        print(f"{prec:10}" + "".join(f"{r[c]:12.1f}" for c in cols))
    if "fp32" in rows:
        for prec, r in rows.items():
            if prec != "fp32":
                print(
                    f"{prec + '/fp32':10}"
                    + "".join(f"{r[c] / rows['fp32'][c]:12.2f}" for c in cols)
                )
    if a.json:
        a.json.write_text(
            json.dumps(
                {"ort": ort.__version__, "threads": a.threads, "runs": a.runs, "ms": rows}, indent=1
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
