"""Peer parity: trt-ocr vs rapidocr_onnxruntime 1.4.4 on the same PP-OCRv4 models, side by side.

Our engine runs with the peer's settings (trt_ocr.presets.RAPIDOCR_1_4). A line matches when
the other engine has a line with the same text and box IoU >= 0.9. Needs the bench extra
(rapidocr_onnxruntime) and ../shared/data.

    python bench/parity.py [--ic15 100] [--out bench/results/parity.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def match_share(
    texts: list[str], other_texts: list[str], iou: np.ndarray, iou_min: float = 0.9
) -> tuple[int, list[tuple[str, str]]]:
    """How many of `texts` have a line among `other_texts` with the same text and IoU >=
    iou_min (iou: [len(texts), len(other_texts)]); plus the unmatched lines with the text of
    the other side's most overlapping line."""
    matched = 0
    misses: list[tuple[str, str]] = []
    for i, text in enumerate(texts):
        same = np.array([t == text for t in other_texts], dtype=bool)
        if (same & (iou[i] >= iou_min)).any():
            matched += 1
            continue
        j = int(np.argmax(iou[i])) if other_texts else -1
        overlaps = j >= 0 and iou[i, j] > 0
        best_iou, best_text = (float(iou[i, j]), other_texts[j]) if overlaps else (0.0, "")
        misses.append((text, f"{best_text} (IoU {best_iou:.2f})"))
    return matched, misses


def image_list(ic15: int) -> list[Path]:
    imgs = sorted(
        p for p in (DATA / "images").rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"}
    )
    ic = sorted(
        (DATA / "icdar2015" / "det_e2e" / "images").glob("*.jpg"),
        key=lambda p: int(p.stem.split("_")[-1]),
    )[:ic15]
    return imgs + ic


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ic15", type=int, default=100, help="first N IC15 test images")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"parity: {DATA} not found", file=sys.stderr)
        return 2
    from rapidocr_onnxruntime import RapidOCR

    from trt_ocr import OCR
    from trt_ocr.eval.geometry import iou_matrix, polygons
    from trt_ocr.presets import RAPIDOCR_1_4

    ours_engine = OCR(backend="onnxruntime", threads=args.threads, **RAPIDOCR_1_4)
    peer = RapidOCR(intra_op_num_threads=args.threads)
    totals = {"ours_lines": 0, "ours_matched": 0, "peer_lines": 0, "peer_matched": 0}
    per_image = []
    t_ours = t_peer = 0.0
    for path in image_list(args.ic15):
        t0 = time.perf_counter()
        try:
            res = ours_engine(path)
        except Exception as e:  # report and go on: parity is about the images that load
            print(f"{path.name}: ours failed: {e}", file=sys.stderr)
            continue
        t1 = time.perf_counter()
        peer_res, _ = peer(str(path))
        t2 = time.perf_counter()
        t_ours += t1 - t0
        t_peer += t2 - t1
        ours = [(line.box, line.text) for line in res]
        theirs = [(np.array(b, np.float32), t) for b, t, _ in (peer_res or [])]
        # One IoU matrix serves both directions.
        iou = iou_matrix(polygons([b for b, _ in ours]), polygons([b for b, _ in theirs]))
        our_texts, their_texts = [t for _, t in ours], [t for _, t in theirs]
        om, omiss = match_share(our_texts, their_texts, iou)
        pm, pmiss = match_share(their_texts, our_texts, iou.T)
        totals["ours_lines"] += len(ours)
        totals["ours_matched"] += om
        totals["peer_lines"] += len(theirs)
        totals["peer_matched"] += pm
        per_image.append(
            {
                "image": str(path.relative_to(DATA)),
                "ours": len(ours),
                "peer": len(theirs),
                "ours_unmatched": omiss,
                "peer_unmatched": pmiss,
            }
        )
    ours_share = totals["ours_matched"] / max(totals["ours_lines"], 1)
    peer_share = totals["peer_matched"] / max(totals["peer_lines"], 1)
    summary = {
        **totals,
        "images": len(per_image),
        "ours_matched_share": ours_share,
        "peer_matched_share": peer_share,
        "ours_seconds": t_ours,
        "peer_seconds": t_peer,
    }
    print(json.dumps(summary, indent=2))
    for item in per_image:
        for text, other in item["ours_unmatched"]:
            print(f"  ours-only  {item['image']}: {text!r} vs peer {other!r}")
        for text, other in item["peer_unmatched"]:
            print(f"  peer-only  {item['image']}: {text!r} vs ours {other!r}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps({"summary": summary, "images": per_image}, ensure_ascii=False, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
