"""`trt-ocr` command line: ocr, models, build-engines. Heavy imports happen inside commands so
that --help is instant."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from trt_ocr.io import IMAGE_SUFFIXES

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_SOME_INPUTS_FAILED = 4


def _expand_inputs(items: Sequence[str]) -> list[Path]:
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out.extend(
                sorted(
                    q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in IMAGE_SUFFIXES
                )
            )
        else:
            out.append(p)  # missing files are reported when read, with the others going on
    return out


def _add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model and backend")
    g.add_argument("--model", default=None, help="model set name (default: ppocr-v4-mobile)")
    g.add_argument("--backend", default="auto", choices=["auto", "onnxruntime", "tensorrt"])
    g.add_argument(
        "--precision",
        default="fp32",
        choices=["fp32", "fp16", "int8"],
        help="use artifacts made by build-engines (default fp32: the model store)",
    )
    g.add_argument("--engines-dir", default=None, help="where build-engines wrote its output")
    g.add_argument("--threads", type=int, default=None, help="CPU threads (default: cores)")


def _add_pipeline_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("pipeline")
    g.add_argument(
        "--preset",
        choices=["ppocr", "rapidocr"],
        default=None,
        help="start from PP-OCR's or RapidOCR 1.4's published settings",
    )
    g.add_argument("--no-cls", action="store_true", help="skip the orientation classifier")
    stage = g.add_mutually_exclusive_group()
    stage.add_argument("--det-only", action="store_true", help="detection only (boxes)")
    stage.add_argument(
        "--rec-only",
        action="store_true",
        help="recognition only: each input is one text-line image",
    )
    g.add_argument("--limit-side-len", type=int, default=None)
    g.add_argument("--limit-type", choices=["max", "min"], default=None)
    g.add_argument("--box-thresh", type=float, default=None)
    g.add_argument("--unclip-ratio", type=float, default=None)
    g.add_argument("--use-dilation", action="store_true", default=None)
    g.add_argument("--box-type", choices=["quad", "poly"], default=None)
    g.add_argument("--drop-score", type=float, default=None)
    g.add_argument("--rec-batch", type=int, default=None)


def _ocr_kwargs(args: argparse.Namespace) -> dict:
    from trt_ocr import presets

    base = {"ppocr": presets.PPOCR, "rapidocr": presets.RAPIDOCR_1_4}.get(args.preset or "", {})
    det = dict(base.get("det", {}))
    rec = dict(base.get("rec", {}))
    cls = dict(base.get("cls", {}))
    for key, value in (
        ("limit_side_len", args.limit_side_len),
        ("limit_type", args.limit_type),
        ("box_thresh", args.box_thresh),
        ("unclip_ratio", args.unclip_ratio),
        ("use_dilation", args.use_dilation),
        ("box_type", args.box_type),
    ):
        if value is not None:
            det[key] = value
    if args.drop_score is not None:
        rec["drop_score"] = args.drop_score
    if args.rec_batch is not None:
        rec["batch_size"] = args.rec_batch
    if args.no_cls:
        cls["enabled"] = False
    kwargs = {
        "image": dict(base.get("image", {})),
        "backend": args.backend,
        "det": det,
        "rec": rec,
        "cls": cls,
        "threads": args.threads,
        "precision": args.precision,
        "engines_dir": args.engines_dir,
    }
    if args.model:
        kwargs["model"] = args.model
    return kwargs


def cmd_ocr(args: argparse.Namespace) -> int:
    import numpy as np

    from trt_ocr import OCR, TrtOcrError

    inputs = _expand_inputs(args.inputs)
    if not inputs:
        print("trt-ocr: no input images", file=sys.stderr)
        return EXIT_USAGE
    try:
        ocr = OCR(**_ocr_kwargs(args))
    except (TrtOcrError, ValueError) as e:
        print(f"trt-ocr: {e}", file=sys.stderr)
        return EXIT_ERROR
    draw_dir = Path(args.draw) if args.draw else None
    if draw_dir:
        draw_dir.mkdir(parents=True, exist_ok=True)
    show_progress = len(inputs) > 1 and sys.stderr.isatty() and not args.quiet
    failures = 0
    results = []
    for n, path in enumerate(inputs, 1):
        if show_progress:
            print(f"\r[{n}/{len(inputs)}] {path.name[:50]:<50}", end="", file=sys.stderr)
        try:
            res = ocr(path, det=not args.rec_only, rec=not args.det_only)
        except (TrtOcrError, ValueError) as e:
            failures += 1
            if show_progress:
                print(file=sys.stderr)
            print(f"trt-ocr: {e}", file=sys.stderr)
            continue
        results.append(res)
        if args.json is None:
            if len(inputs) > 1:
                print(f"== {path}")
            for line in res.lines:
                if args.det_only:
                    print(json.dumps(np.round(line.box, 1).tolist()))
                else:
                    print(line.text if args.quiet else f"{line.score:.3f}\t{line.text}")
        if draw_dir:
            from PIL import Image

            # Never overwrite the input: annotated images get their own name in draw_dir.
            target = draw_dir / f"{path.stem}.ocr.png"
            Image.fromarray(res.draw(path)[..., ::-1]).save(target)
            if not args.quiet and args.json is None:
                print(f"annotated image: {target}", file=sys.stderr)
    if show_progress:
        print(file=sys.stderr)
    if args.json is not None:
        payload = [r.to_dict() for r in results]
        text = json.dumps(
            payload if len(inputs) > 1 else (payload[0] if payload else None),
            ensure_ascii=False,
            indent=2,
        )
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return EXIT_SOME_INPUTS_FAILED if failures else EXIT_OK


def cmd_models(args: argparse.Namespace) -> int:
    from trt_ocr import TrtOcrError, models

    try:
        if args.action == "list":
            print(models.describe())
        elif args.action == "pull":
            for name in args.names or [models.DEFAULT_MODEL]:
                before = models.status(name)
                path = models.pull(name, force=args.force, log=lambda m: print(m, file=sys.stderr))
                state = (
                    "already cached"
                    if all(v == "ok" for v in before.values()) and not args.force
                    else "pulled"
                )
                print(f"{name}: {state}, verified: {path}")
        elif args.action == "path":
            for name in args.names or [models.DEFAULT_MODEL]:
                print(models.set_dir(name))
        elif args.action == "verify":
            bad = 0
            for name in args.names or list(models.REGISTRY):
                for fname, st in models.status(name).items():
                    print(f"{name}\t{fname}\t{st}")
                    bad += st != "ok"
            return EXIT_ERROR if bad else EXIT_OK
    except TrtOcrError as e:
        print(f"trt-ocr: {e}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trt-ocr", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version="trt-ocr 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ocr", help="OCR images or folders of images")
    p.add_argument("inputs", nargs="+", metavar="IMAGE_OR_DIR")
    p.add_argument(
        "--json",
        nargs="?",
        const="-",
        default=None,
        metavar="FILE",
        help="write JSON to FILE (or stdout with '-' or no value)",
    )
    p.add_argument("--draw", metavar="DIR", help="write annotated images into DIR")
    p.add_argument("-q", "--quiet", action="store_true", help="text only, no scores/progress")
    _add_model_args(p)
    _add_pipeline_args(p)
    p.set_defaults(func=cmd_ocr)

    p = sub.add_parser("models", help="list, pull, verify model sets or show their folder")
    p.add_argument("action", choices=["list", "pull", "path", "verify"])
    p.add_argument("names", nargs="*")
    p.add_argument("--force", action="store_true", help="pull: fetch again even if cached")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("build-engines", help="convert/quantize models and build TensorRT engines")
    from trt_ocr.engines import cli as build_engines_cli  # argparse + option dataclasses only

    build_engines_cli.add_arguments(p)
    p.set_defaults(func=build_engines_cli.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
