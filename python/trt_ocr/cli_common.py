"""What the commands that run the OCR pipeline share (`ocr`, `video`): exit statuses, the model
and pipeline flags, and turning them into OCR(...) arguments. Only argparse is imported here."""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (--help stays fast)
if TYPE_CHECKING:
    from typing import Any

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_SOME_INPUTS_FAILED = 4


def add_model_args(p: argparse.ArgumentParser) -> None:
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


def add_pipeline_group(p: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The "pipeline" group: --no-cls, --preset and every option flag (trt_ocr.option_args)."""
    from trt_ocr.option_args import add_pipeline_arguments

    g = p.add_argument_group("pipeline")
    g.add_argument("--no-cls", action="store_true", help="skip the orientation classifier")
    add_pipeline_arguments(g)
    return g


def setup_failed(error: Exception) -> int:
    """Says why a command could not set up its pipeline; the exit status: 2 for a bad setting
    (a ConfigError), else 1."""
    from trt_ocr.errors import ConfigError, OptionError

    # An option's error names its flag, as the command line was typed.
    message = error.for_command_line() if isinstance(error, OptionError) else str(error)
    print(f"trt-ocr: {message}", file=sys.stderr)
    return EXIT_USAGE if isinstance(error, ConfigError) else EXIT_ERROR


def ocr_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    from trt_ocr.option_args import pipeline_options

    kwargs: dict[str, Any] = dict(pipeline_options(args))
    if args.no_cls:
        kwargs["cls"]["enabled"] = False
    kwargs.update(
        backend=args.backend,
        threads=args.threads,
        precision=args.precision,
        engines_dir=args.engines_dir,
    )
    if args.model:
        kwargs["model"] = args.model
    return kwargs
