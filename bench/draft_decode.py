"""The effect of reduced JPEG decoding (trt_ocr.io.load_image_for, PIL draft mode) on OCR output
and load time, where it triggers.

Run: ``PYTHONPATH=python python bench/draft_decode.py [--sroie 20] [--scale 2] [--out FILE]``

None of the bench sets has a JPEG large enough (the largest is SROIE's 2481 x 3508; with the
RapidOCR 1.4 preset's 2000 px whole-image rescale a 1/2 DCT decode needs both sides at least
twice the work size), so this builds such inputs: SROIE receipts and the JPEG photos of
../shared/data/images upscaled --scale times (Lanczos) and saved as JPEG (quality 95) in a
temporary folder. Each is read twice by the same OCR (RAPIDOCR_1_4 preset, 1 thread): from its
path (reduced decode allowed) and as the fully decoded array (arrays pay no decode, so the
whole image reaches the rescale). Reported: lines with identical text, box corner differences
in source pixels, and the decode time of both ways.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TRT_OCR_SHARED_DATA", REPO.parent / "shared" / "data"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sroie", type=int, default=20, help="how many SROIE receipts")
    ap.add_argument("--scale", type=float, default=2.0, help="upscale factor of the inputs")
    ap.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = ap.parse_args()

    import numpy as np
    from PIL import Image

    from trt_ocr import OCR
    from trt_ocr.eval import list_images
    from trt_ocr.io import load_image, load_image_for
    from trt_ocr.presets import RAPIDOCR_1_4

    sources = list_images(DATA / "sroie" / "images")[: args.sroie]
    for folder in sorted(p for p in (DATA / "images").iterdir() if p.is_dir()):
        sources += [p for p in list_images(folder) if p.suffix.lower() in (".jpg", ".jpeg")]
    ocr = OCR(backend="onnxruntime", threads=1, **RAPIDOCR_1_4)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for src in sources:
            img = Image.open(src).convert("RGB")
            size = (round(img.width * args.scale), round(img.height * args.scale))
            path = Path(tmp) / f"{src.parent.name}_{src.stem}.jpg"
            img.resize(size, Image.LANCZOS).save(path, quality=95)
            t0 = time.perf_counter()
            reduced, _ = load_image_for(path, ocr.detector.smallest_source)
            t_reduced = time.perf_counter() - t0
            t0 = time.perf_counter()
            full = load_image(path)
            t_full = time.perf_counter() - t0
            a, b = ocr(path), ocr(full)
            same = [x.text == y.text for x, y in zip(a, b, strict=False)]
            corner = [
                float(np.abs(x.box - y.box).max()) for x, y in zip(a, b, strict=False)
            ]  # lines in the same order
            rows.append(
                {
                    "image": str(src.relative_to(DATA)),
                    "size": [size[1], size[0]],
                    "decoded": list(reduced.shape[:2]),
                    "lines": [len(a), len(b)],
                    "same_text": sum(same),
                    "max_corner_px": max(corner, default=0.0),
                    "decode_ms": [t_reduced * 1e3, t_full * 1e3],
                    "differences": [
                        [x.text, y.text] for x, y, s in zip(a, b, same, strict=False) if not s
                    ],
                }
            )
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    reduced_rows = [r for r in rows if r["decoded"] != r["size"]]
    summary = {
        "images": len(rows),
        "reduced_decodes": len(reduced_rows),
        "lines_path": sum(r["lines"][0] for r in rows),
        "lines_array": sum(r["lines"][1] for r in rows),
        "same_text": sum(r["same_text"] for r in rows),
        "median_decode_ms_reduced": statistics.median(r["decode_ms"][0] for r in reduced_rows)
        if reduced_rows
        else None,
        "median_decode_ms_full": statistics.median(r["decode_ms"][1] for r in reduced_rows)
        if reduced_rows
        else None,
    }
    print(json.dumps(summary))
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "images": rows}, indent=1) + "\n")
    sys.exit(0)


if __name__ == "__main__":
    main()
