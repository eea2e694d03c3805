"""Spaces between words on receipts: ``python -m bench.spaces [--sroie 40]``.

SROIE's line recall ignores whitespace, so it cannot see a space the recognizer dropped. This
reads each receipt with rec.infer_spaces off and on (trt_ocr.word_spaces) and, over the lines
read right but for spaces (IoU >= 0.5 with a ground-truth line, the same text once whitespace
is removed), counts the lines whose spaces are right too, the ground truth's spaces read, and
the spaces read where the ground truth has none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bench.cli import DEFAULT_DATA

#: What `count` counts.
COUNTS = ("lines", "spaces right", "truth spaces", "read", "wrong")


def _gaps_with_space(text: str) -> set[int]:
    """Indices k such that a space follows the k-th non-space character of text."""
    out, k = set(), 0
    for c in text.strip():
        if c.isspace():
            out.add(k)
        else:
            k += 1
    return out


def count(truth: list, lines: list) -> dict[str, int]:
    """The counts over the ground-truth lines (GtBox) matched by the read lines (TextLine)."""
    from trt_ocr.eval.geometry import iou_matrix, polygons
    from trt_ocr.eval.text import squash_whitespace

    totals = dict.fromkeys(COUNTS, 0)
    if not truth or not lines:
        return totals
    iou = iou_matrix(polygons([g.quad for g in truth]), polygons([line.box for line in lines]))
    for g, box in enumerate(truth):
        want = squash_whitespace(box.text)
        for d in np.argsort(-iou[g]):
            if iou[g, d] < 0.5:
                break
            text = lines[d].text
            if squash_whitespace(text) != want:
                continue
            truth_gaps, read_gaps = _gaps_with_space(box.text), _gaps_with_space(text)
            totals["lines"] += 1
            totals["spaces right"] += truth_gaps == read_gaps
            totals["truth spaces"] += len(truth_gaps)
            totals["read"] += len(truth_gaps & read_gaps)
            totals["wrong"] += len(read_gaps - truth_gaps)
            break
    return totals


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sroie", type=int, default=40, help="receipts (the first N)")
    args = ap.parse_args(argv)

    from trt_ocr import OCR
    from trt_ocr.eval.datasets import load_sroie_boxes

    truth = load_sroie_boxes(args.data / "sroie" / "boxes")
    ids = sorted(truth)[: args.sroie]
    if not ids:
        print(f"no SROIE boxes under {args.data / 'sroie'}", file=sys.stderr)
        return 1
    for infer in (False, True):
        totals = dict.fromkeys(COUNTS, 0)
        with OCR(rec={"infer_spaces": infer}) as ocr:
            for i in ids:
                image = next((args.data / "sroie" / "images").glob(f"{i}.*"))
                for key, n in count(truth[i], ocr(image).lines).items():
                    totals[key] += n
        print(
            f"infer_spaces={infer}: {totals['spaces right']}/{totals['lines']} lines with their "
            f"spaces right; {totals['read']}/{totals['truth spaces']} spaces read, "
            f"{totals['wrong']} where the truth has none"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
