"""The pipeline-option flags shared by `trt-ocr ocr` and `trt-ocr build-engines`, derived from
the option dataclasses (their names, defaults, bounds and help), plus --preset."""

from __future__ import annotations

import argparse
from dataclasses import fields
from typing import Any

from trt_ocr.options import SECTIONS


def add_pipeline_arguments(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--preset and the flag of every option that has one. Flags default to None, so a
    preset's value stands unless the flag is given."""
    group.add_argument(
        "--preset",
        choices=["ppocr", "rapidocr"],
        default=None,
        help="start from PP-OCR's or RapidOCR 1.4's published settings",
    )
    for what, cls in SECTIONS.items():
        for f in fields(cls):
            flag = f.metadata.get("flag") if f.metadata else None
            if flag is None:
                continue
            help_text = f"{what}: {f.metadata['help']} (default {f.default})"
            if isinstance(f.default, bool):
                group.add_argument(
                    flag,
                    dest=f"{what}__{f.name}",
                    action="store_const",
                    const=not f.default,
                    default=None,
                    help=help_text,
                )
                continue
            group.add_argument(
                flag,
                dest=f"{what}__{f.name}",
                type=type(f.default),
                choices=f.metadata["choices"],
                metavar=None if f.metadata["choices"] else _metavar(f.default),
                default=None,
                help=help_text,
            )


def _metavar(default: Any) -> str:
    return "N" if isinstance(default, int) else "X"


def pipeline_options(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """{"image": {...}, "det": {...}, "cls": {...}, "rec": {...}}: the preset's values, then
    the flags given on the command line."""
    from trt_ocr import presets

    base = {"ppocr": presets.PPOCR, "rapidocr": presets.RAPIDOCR_1_4}.get(args.preset or "", {})
    out: dict[str, dict[str, Any]] = {what: dict(base.get(what, {})) for what in SECTIONS}
    for key, value in vars(args).items():
        what, sep, name = key.partition("__")
        if sep and what in SECTIONS and value is not None:
            out[what][name] = value
    return out
