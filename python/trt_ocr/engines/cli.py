"""`trt-ocr build-engines`: argument groups and the entry point (imports stay lazy).

Exit status: 0 every requested step done; 3 every step done except the engine step, because
neither TensorRT with a GPU nor TensorRT-RTX (which builds without one) is usable here; 1 a step
failed; 2 bad usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from trt_ocr.engines import LIBRARY_CHOICES, PRECISIONS, ROLES, STEPS
from trt_ocr.option_args import add_pipeline_arguments, pipeline_options
from trt_ocr.options import ClsOptions, DetOptions, RecOptions

EVAL_DATA_ENV = "TRT_OCR_EVAL_DATA"

EPILOG = """\
steps: 1 convert (Paddle -> ONNX, or copy ONNX)  2 cleanup (+ TensorRT op check)
       3 precision (fp16 mixed / int8 Q/DQ)       4 report (IC15 accuracy vs fp32, on CPU)
       5 engine (strongly typed plans: TensorRT on an NVIDIA GPU, or TensorRT-RTX ahead
         of time on any machine, GPU or not)
output: OUT/<model>/<precision>/{det,cls,rec}.onnx [.engine] manifest.json report.{json,md}
exit status: 0 all requested steps done; 3 all done but step 5, for want of a library;
             1 a step failed; 2 bad usage
"""


def _default(name: str) -> Any:
    """BuildRequest's default for a field: the one place build-engines' defaults live."""
    from trt_ocr.engines.pipeline import BuildRequest

    f = {f.name: f for f in dataclasses.fields(BuildRequest)}[name]
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory()  # type: ignore[operator]


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _exclude(value: str) -> tuple[str, list[str]]:
    role, _, names = value.partition("=")
    if role not in ROLES or not names:
        raise argparse.ArgumentTypeError("expected ROLE=NODE[,NODE...] with ROLE det, cls or rec")
    return role, _csv(names)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Turn a PP-OCR model set into deployable artifacts: ONNX, cleaned "
        "for TensorRT, fp16/int8 precision baked in, an accuracy report "
        "and TensorRT engines."
    )
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "source",
        metavar="SOURCE",
        help="model-store name (e.g. ppocr-v4-mobile-paddle), a folder with "
        "det/cls/rec Paddle inference dirs or ONNX files",
    )
    parser.add_argument(
        "--precision",
        nargs="+",
        choices=PRECISIONS,
        default=_default("precisions"),
        help="precisions to produce (default: all)",
    )
    parser.add_argument(
        "--steps",
        type=_csv,
        default=_default("steps"),
        help=f"comma-separated subset of {','.join(STEPS)} (default: all)",
    )
    parser.add_argument("--out", type=Path, default=_default("out"), help="output root")
    parser.add_argument("--name", help="model name of the output folder (default: SOURCE's)")
    parser.add_argument("--force", action="store_true", help="rebuild engines even if cached")

    g = parser.add_argument_group("source")
    for role in ROLES:
        g.add_argument(f"--{role}", type=Path, help=f"{role} model (overrides SOURCE's)")
    g.add_argument("--dict", type=Path, dest="dictionary", help="recognizer character file")
    g.add_argument("--opset", type=int, default=_default("opset"), help="paddle2onnx opset")
    g.add_argument(
        "--simplifier",
        choices=("auto", "onnxsim", "ort", "none"),
        default=_default("simplifier"),
        help="graph simplifier (auto: onnxsim, else ONNX Runtime basic level)",
    )

    g = parser.add_argument_group("int8 calibration")
    g.add_argument(
        "--calib",
        type=Path,
        default=_default("calib"),
        help="int8 calibration images: a folder of 20-50 of your images, or a set file "
        "(JSON/YAML: images globs, count, seed; see calib/README.md)",
    )
    g.add_argument(
        "--calib-method",
        choices=("entropy", "percentile", "minmax"),
        default=_default("calib_method"),
    )
    g.add_argument("--calib-count", type=int, help="images to draw (overrides the file)")
    g.add_argument(
        "--int8-roles",
        type=_csv,
        default=_default("int8_roles"),
        metavar="ROLES",
        help="networks quantized to int8 (default det: the PP-OCRv4 recognizer "
        "and the v2 classifier lose too much under INT8 post-training "
        "quantization, see the report's sensitivity section)",
    )
    g.add_argument(
        "--int8-float-first",
        type=int,
        default=_default("int8_float_first"),
        metavar="N",
        help="keep each int8 network's first N weighted layers float (default 8: "
        "PP-LCNetV3's re-parameterized stem does not survive 8-bit weights)",
    )
    g.add_argument(
        "--int8-fallback",
        choices=("fp16", "fp32"),
        default=_default("int8_fallback"),
        help="precision of the networks not in --int8-roles (mixed INT8/fp16)",
    )
    g.add_argument(
        "--int8-exclude",
        type=_exclude,
        action="append",
        default=[],
        metavar="ROLE=NODE,...",
        help="layers kept in float (mixed int8 fallback)",
    )

    # The options that fix the networks' shapes (trt_ocr.shapes): the same as OCR(...)'s, with
    # the same defaults, so the engines fit the pipeline that runs them.
    g = parser.add_argument_group(
        "pipeline options (the engines' optimization profiles and the report use them, as OCR does)"
    )
    add_pipeline_arguments(g)

    g = parser.add_argument_group("report")
    g.add_argument(
        "--eval-data",
        type=Path,
        help="folder holding icdar2015/det_e2e and icdar2015/words, needed by the report step "
        f"(default: ${EVAL_DATA_ENV})",
    )
    g.add_argument("--eval-images", type=int, default=_default("eval_images"))
    g.add_argument("--eval-words", type=int, default=_default("eval_words"))
    g.add_argument(
        "--sensitivity",
        type=_csv,
        default=[],
        metavar="ROLES",
        help="per-layer INT8 sensitivity for these roles (default: only when "
        "INT8 misses its target)",
    )

    g = parser.add_argument_group("TensorRT")
    g.add_argument(
        "--library",
        choices=LIBRARY_CHOICES,
        default=_default("library"),
        help="tensorrt (datacenter GPUs, builds on the GPU), tensorrt-rtx (GeForce/RTX PRO "
        "GPUs and A100, builds without a GPU) or auto: the installed one that fits",
    )
    g.add_argument(
        "--compute-capability",
        nargs="+",
        default=_default("compute_capabilities"),
        metavar="CC",
        help="TensorRT-RTX targets, e.g. 8.6 8.9 (default: 8.0 8.6 8.9 12.x and later; "
        "Turing's 7.5 only when named)",
    )
    g.add_argument("--workspace-mb", type=int, default=_default("workspace_mb"))
    g.add_argument(
        "--opt-level",
        type=int,
        default=_default("optimization_level"),
        help="builder optimization level",
    )
    g.add_argument("--timing-cache", type=Path, help="TensorRT only (default: OUT/timing.cache)")


def run(args: argparse.Namespace) -> int:
    import os

    from trt_ocr.cli_common import EXIT_USAGE
    from trt_ocr.engines.pipeline import EXIT_FAILED, Builder, BuildRequest
    from trt_ocr.errors import EngineBuildError, ModelDownloadError, OptionError, TrtOcrError
    from trt_ocr.options import build_options

    def log(msg: str) -> None:
        print(msg, flush=True)

    try:
        chosen = pipeline_options(args)
        det = build_options(DetOptions, chosen["det"], "det")
        cls = build_options(ClsOptions, chosen["cls"], "cls")
        rec = build_options(RecOptions, chosen["rec"], "rec")
        eval_data = args.eval_data or os.environ.get(EVAL_DATA_ENV) or None
        exclude: dict[str, list[str]] = {}
        for role, names in args.int8_exclude:
            exclude.setdefault(role, []).extend(names)
        req = BuildRequest(
            source=args.source,
            precisions=list(dict.fromkeys(args.precision)),
            steps=args.steps,
            out=args.out,
            name=args.name,
            overrides={r: getattr(args, r) for r in ROLES if getattr(args, r)},
            dictionary=args.dictionary,
            opset=args.opset,
            simplifier=args.simplifier,
            calib=args.calib,
            calib_method=args.calib_method,
            calib_count=args.calib_count,
            int8_exclude=exclude,
            int8_roles=args.int8_roles,
            int8_fallback=args.int8_fallback,
            int8_float_first=args.int8_float_first,
            eval_data=Path(eval_data) if eval_data else None,
            eval_images=args.eval_images,
            eval_words=args.eval_words,
            sensitivity=args.sensitivity,
            det=det,
            cls=cls,
            rec=rec,
            workspace_mb=args.workspace_mb,
            optimization_level=args.opt_level,
            timing_cache=args.timing_cache,
            library=args.library,
            compute_capabilities=args.compute_capability,
            force=args.force,
        )
        builder = Builder(req, log)
    except OptionError as e:  # a flag's value: a usage error, named as typed
        print(f"build-engines: error: {e.for_command_line()}; nothing was built", file=sys.stderr)
        return EXIT_USAGE
    except (TrtOcrError, ValueError, OSError) as e:
        print(f"build-engines: error: {e}", file=sys.stderr)
        return EXIT_FAILED
    try:
        if req.out.exists() and not req.out.is_dir():
            raise EngineBuildError(f"--out {req.out}: exists and is not a folder")
        if "convert" in req.steps:  # the later steps read the output folder, not SOURCE
            builder.source  # noqa: B018 - resolving it checks SOURCE and --det/--cls/--rec
        builder.check_calibration()
    except ModelDownloadError as e:  # the network or the disk, not the command line
        print(f"build-engines: error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except (TrtOcrError, ValueError, OSError) as e:  # before any work: a usage error
        print(f"build-engines: error: {e}; nothing was built", file=sys.stderr)
        return EXIT_USAGE
    try:
        outcome = builder.run()
    except (TrtOcrError, ValueError, OSError) as e:
        print(f"build-engines: error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except ImportError as e:  # an optional dependency of a step
        print(
            f"build-engines: error: a step needs the {e.name or 'missing'} package ({e}); the "
            "ONNX steps need: pip install 'trt-ocr[quantize]' (included in the tensorrt and "
            "tensorrt-rtx extras), Paddle conversion: 'trt-ocr[convert]'",
            file=sys.stderr,
        )
        return EXIT_FAILED
    log(
        f"build-engines: done: {', '.join(outcome.done) or 'nothing'}"
        + (f"; skipped: {', '.join(outcome.skipped)}" if outcome.skipped else "")
        + f" -> {outcome.model_dir}"
    )
    if outcome.skipped.get("engine"):
        log(
            "build-engines: step 5 (engine) needs TensorRT with an NVIDIA GPU or TensorRT-RTX "
            f"(pip install 'trt-ocr[tensorrt-rtx]'): {outcome.skipped['engine']}; exit status 3"
        )
    return outcome.exit_code


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="trt-ocr build-engines")
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
