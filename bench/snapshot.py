"""Behaviour snapshot of trt_ocr.OCR: every line's text, score and box over a fixed image list,
for a few pipeline settings. Run it before and after a refactor and compare the two files:

    python bench/snapshot.py --out before.json            # with the old code importable
    python bench/snapshot.py --out after.json             # with the new code importable
    python bench/snapshot.py --compare before.json after.json

Images: the first 100 ICDAR 2015 test images (img_1 .. img_100) and every image of the photo
folders under ../shared/data/images. Uses only the public API, so any version of the package
can write a snapshot.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

DATA = Path(
    os.environ.get(
        "TRT_OCR_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)
SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"}


def settings() -> dict[str, dict[str, Any]]:
    from trt_ocr.presets import RAPIDOCR_1_4

    return {
        "default": {},
        "rapidocr_1_4": RAPIDOCR_1_4,
        "poly": {"det": {"box_type": "poly"}},
    }


def image_list(data: Path, ic15_count: int) -> list[Path]:
    ic15 = data / "icdar2015" / "det_e2e" / "images"

    def number(p: Path) -> int:
        m = re.search(r"(\d+)", p.stem)
        return int(m.group(1)) if m else -1

    images = sorted((p for p in ic15.iterdir() if p.suffix.lower() in SUFFIXES), key=number)
    out = images[:ic15_count]
    for folder in sorted(p for p in (data / "images").iterdir() if p.is_dir()):
        out += sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    return out


def snapshot(data: Path, ic15_count: int, names: list[str] | None) -> dict[str, Any]:
    from trt_ocr import OCR

    images = image_list(data, ic15_count)
    out: dict[str, Any] = {"images": [str(p.relative_to(data)) for p in images], "settings": {}}
    for name, kwargs in settings().items():
        if names and name not in names:
            continue
        ocr = OCR(backend="onnxruntime", **kwargs)
        per_image: dict[str, Any] = {}
        t0 = time.perf_counter()
        for path in images:
            key = str(path.relative_to(data))
            try:
                res = ocr(path)
            except Exception as e:  # an error is part of the behaviour
                per_image[key] = {"error": f"{type(e).__name__}: {e}"}
                continue
            per_image[key] = {
                "size": list(res.image_size),
                "lines": [
                    {
                        "text": line.text,
                        "score": float(line.score),
                        "box": line.box.astype(float).tolist(),
                    }
                    for line in res
                ],
            }
        ocr.close()
        print(f"{name}: {len(images)} images in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        out["settings"][name] = per_image
    return out


def compare(a: dict[str, Any], b: dict[str, Any], box_tol: float, score_tol: float) -> int:
    """Prints the differences; returns their number."""
    import numpy as np

    diffs = 0
    for name in sorted(set(a["settings"]) | set(b["settings"])):
        sa, sb = a["settings"].get(name), b["settings"].get(name)
        if sa is None or sb is None:
            print(f"[{name}] only in {'B' if sa is None else 'A'}")
            diffs += 1
            continue
        n_images = n_lines = setting_diffs = 0
        max_box = max_score = 0.0
        for key in sorted(set(sa) | set(sb)):
            ra, rb = sa.get(key), sb.get(key)
            n_images += 1
            if ra is None or rb is None or "error" in ra or "error" in rb:
                if ra != rb:
                    print(f"[{name}] {key}: {ra and ra.get('error')} != {rb and rb.get('error')}")
                    setting_diffs += 1
                continue
            la, lb = ra["lines"], rb["lines"]
            n_lines += len(la)
            if ra["size"] != rb["size"] or len(la) != len(lb):
                print(f"[{name}] {key}: {len(la)} lines vs {len(lb)}")
                setting_diffs += 1
                continue
            for i, (x, y) in enumerate(zip(la, lb, strict=True)):
                ba, bb = np.asarray(x["box"]), np.asarray(y["box"])
                box_d = float(np.abs(ba - bb).max()) if ba.shape == bb.shape else float("inf")
                score_d = abs(x["score"] - y["score"])
                max_box, max_score = max(max_box, box_d), max(max_score, score_d)
                if x["text"] != y["text"] or box_d > box_tol or score_d > score_tol:
                    print(
                        f"[{name}] {key} line {i}: {x['text']!r} vs {y['text']!r}, "
                        f"box diff {box_d:.4g}, score diff {score_d:.3g}"
                    )
                    setting_diffs += 1
        print(
            f"[{name}] images {n_images}, lines {n_lines}, differences {setting_diffs}, "
            f"max box diff {max_box:.3g} px, max score diff {max_score:.3g}"
        )
        diffs += setting_diffs
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", type=Path, help="write a snapshot JSON here")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--ic15", type=int, default=100, help="how many IC15 test images")
    ap.add_argument("--settings", nargs="*", help="a subset of: " + ", ".join(settings()))
    ap.add_argument("--box-tol", type=float, default=1e-3, help="px")
    ap.add_argument("--score-tol", type=float, default=1e-4)
    args = ap.parse_args(argv)
    if args.compare:
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        n = compare(a, b, args.box_tol, args.score_tol)
        print(f"{n} difference(s)")
        return 1 if n else 0
    if args.out is None:
        ap.error("give --out or --compare")
    if not args.data.is_dir():
        print(f"no evaluation data at {args.data}", file=sys.stderr)
        return 2
    snap = snapshot(args.data, args.ic15, args.settings)
    args.out.write_text(json.dumps(snap, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
