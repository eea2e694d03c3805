"""Receipts photographed sideways: ``python -m bench.sideways [--sroie 40]``.

Each SROIE receipt is read upright (det.turn_vertical off: the reference reading), then turned
90 degrees each way and read with det.turn_vertical on and off. Printed per direction: the mean
share of the upright reading's words (as a multiset) read again, and on how many receipts
turning was better or worse than reading as is (trt_ocr.vertical_text).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from bench.cli import DEFAULT_DATA


def _words(result) -> Counter:
    return Counter(" ".join(line.text for line in result.lines).split())


def _share(got: Counter, want: Counter) -> float:
    return sum(min(got[w], n) for w, n in want.items()) / max(1, sum(want.values()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sroie", type=int, default=40, help="receipts (the first N)")
    args = ap.parse_args(argv)
    import cv2

    from trt_ocr import OCR
    from trt_ocr.eval import list_images

    paths = list_images(args.data / "sroie" / "images")[: args.sroie]
    if not paths:
        print(f"no SROIE images under {args.data}", file=sys.stderr)
        return 2
    turning, as_is = OCR(), OCR(det={"turn_vertical": False})
    shares: dict[str, list[tuple[float, float]]] = {"clockwise": [], "counter-clockwise": []}
    for path in paths:
        image = cv2.imread(str(path))
        upright = _words(as_is(image))
        for name, k in (("clockwise", -1), ("counter-clockwise", 1)):
            sideways = np.ascontiguousarray(np.rot90(image, k))
            on = _share(_words(turning(sideways)), upright)
            shares[name].append((on, _share(_words(as_is(sideways)), upright)))
    for name, pairs in shares.items():
        a = np.array(pairs)
        better, worse = int((a[:, 0] > a[:, 1]).sum()), int((a[:, 0] < a[:, 1]).sum())
        print(
            f"turned {name}: {len(a)} receipts, share of the upright reading's words: "
            f"turn_vertical on {a[:, 0].mean():.3f}, off {a[:, 1].mean():.3f}; "
            f"on better on {better}, worse on {worse}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
