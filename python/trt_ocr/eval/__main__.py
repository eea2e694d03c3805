"""``python -m trt_ocr.eval TASK GT PREDICTIONS.json``: scores a predictions file.

TASK is ``ic15`` (GT: the ``gts`` folder; prints detection and end-to-end P/R/H), ``words``
(GT: ``words/gt.txt``; predictions ``{"word_1.png": "text"}``), ``sroie`` (GT: the ``boxes``
folder) or ``subtitles`` (GT and predictions: .srt, .vtt or ``trt-ocr video --json`` files).
Box predictions are ``{"img_1": [{"box": [[x, y] x4], "text": "..."}, ...]}``; only
the images present in the predictions file are scored unless ``--all`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m trt_ocr.eval", description=__doc__.split("\n")[0])
    ap.add_argument("task", choices=["ic15", "words", "sroie", "subtitles"])
    ap.add_argument("gt", type=Path)
    ap.add_argument("predictions", type=Path)
    ap.add_argument(
        "--all",
        action="store_true",
        help="score every GT image, not only those "
        "in the predictions file (missing ones count as empty)",
    )
    args = ap.parse_args(argv)

    from trt_ocr import eval as ev

    if args.task == "subtitles":
        truth, predicted = ev.load_events(args.gt), ev.load_events(args.predictions)
        out = {"subtitles": ev.evaluate_events(truth, predicted).summary()}
    elif args.task == "words":
        words = ev.load_ic15_words(args.gt)
        texts = json.loads(args.predictions.read_text(encoding="utf-8"))
        if not args.all:
            words = {k: v for k, v in words.items() if k in texts}
        out = {"words": ev.evaluate_words(words, texts).summary()}
    else:
        preds = ev.load_json(args.predictions)
        ids = None if args.all else list(preds)
        if args.task == "ic15":
            gt = ev.load_ic15_gt(args.gt, ids)
            out = {
                "detection": ev.evaluate_detection(gt, preds).summary(),
                "end_to_end": ev.evaluate_end_to_end(gt, preds).summary(),
            }
        else:
            gt = ev.load_sroie_boxes(args.gt, ids)
            out = {"sroie": ev.evaluate_lines(gt, preds).summary()}
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
