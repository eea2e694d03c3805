"""Chooses per-model default settings by measurement: IC15 detection / end-to-end H-mean,
SROIE line recall and time per image for candidate settings, side by side in one run.

    python bench/defaults.py [--model ppocr-v4-mobile] [--ic15 100] [--sroie 40]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TRT_OCR_SHARED_DATA", REPO.parent / "shared" / "data"))

IMAGENET = {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225)}
HALF = {"mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)}
CANDIDATES = {
    # PP-OCR's published inference defaults.
    "ppocr-960max": {
        "limit_side_len": 960,
        "limit_type": "max",
        "box_thresh": 0.6,
        "unclip_ratio": 1.5,
        "use_dilation": False,
        **IMAGENET,
    },
    # rapidocr_onnxruntime 1.4.4's config.yaml.
    "rapidocr-736min": {
        "limit_side_len": 736,
        "limit_type": "min",
        "box_thresh": 0.5,
        "unclip_ratio": 1.6,
        "use_dilation": True,
        **HALF,
    },
    # PP-OCR's resize and normalisation with the peer's looser box filtering.
    "960max-loose": {
        "limit_side_len": 960,
        "limit_type": "max",
        "box_thresh": 0.5,
        "unclip_ratio": 1.6,
        "use_dilation": True,
        **IMAGENET,
    },
    # The peer's resize with PP-OCR's normalisation.
    "736min-imagenet": {
        "limit_side_len": 736,
        "limit_type": "min",
        "box_thresh": 0.5,
        "unclip_ratio": 1.6,
        "use_dilation": True,
        **IMAGENET,
    },
}


def run(model: str, n_ic15: int, n_sroie: int, threads: int, names: list[str]) -> dict:
    from trt_ocr import OCR
    from trt_ocr.eval import (
        evaluate_detection,
        evaluate_end_to_end,
        evaluate_lines,
        list_images,
        load_ic15_gt,
        load_sroie_boxes,
    )

    ic15_imgs = list_images(DATA / "icdar2015" / "det_e2e" / "images")[:n_ic15]
    sroie_imgs = list_images(DATA / "sroie" / "images")[:n_sroie]
    ic15_gt = load_ic15_gt(DATA / "icdar2015" / "det_e2e" / "gts", [p.stem for p in ic15_imgs])
    sroie_gt = load_sroie_boxes(DATA / "sroie" / "boxes", [p.stem for p in sroie_imgs])
    out = {}
    for name in names:
        ocr = OCR(model=model, backend="onnxruntime", threads=threads, det=CANDIDATES[name])
        ocr(ic15_imgs[0])  # warm-up
        times: list[float] = []
        preds: dict[str, dict] = {"ic15": {}, "sroie": {}}
        for key, imgs in (("ic15", ic15_imgs), ("sroie", sroie_imgs)):
            for p in imgs:
                t0 = time.perf_counter()
                res = ocr(p)
                times.append(time.perf_counter() - t0)
                preds[key][p.stem] = [(line.box, line.text) for line in res]
        det = evaluate_detection(ic15_gt, preds["ic15"])
        e2e = evaluate_end_to_end(ic15_gt, preds["ic15"])
        lines = evaluate_lines(sroie_gt, preds["sroie"])
        out[name] = {
            "settings": CANDIDATES[name],
            "ic15_det_hmean": det.hmean,
            "ic15_e2e_hmean": e2e.hmean,
            "sroie_line_recall": lines.line_recall,
            "median_s": statistics.median(times),
            "mean_s": statistics.fmean(times),
        }
        print(json.dumps({name: out[name]}), flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="ppocr-v4-mobile")
    ap.add_argument("--ic15", type=int, default=100)
    ap.add_argument("--sroie", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--candidates", nargs="*", default=list(CANDIDATES))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"defaults: {DATA} not found", file=sys.stderr)
        return 2
    result = run(args.model, args.ic15, args.sroie, args.threads, args.candidates)
    print("| settings | IC15 det H | IC15 e2e H | SROIE line recall | median s/img |")
    print("|---|---|---|---|---|")
    for name, r in result.items():
        print(
            f"| {name} | {r['ic15_det_hmean']:.4f} | {r['ic15_e2e_hmean']:.4f} | "
            f"{r['sroie_line_recall']:.4f} | {r['median_s']:.3f} |"
        )
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
