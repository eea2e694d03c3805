"""Command-line flags derived from option dataclasses (their names, defaults, bounds and help):
the pipeline's, shared by `trt-ocr ocr`, `video` and `build-engines`, plus --preset; and any
other options class's (`trt-ocr video`'s loop)."""

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
        add_option_arguments(group, what, cls)


def add_option_arguments(
    group: argparse._ArgumentGroup | argparse.ArgumentParser, what: str, cls: type
) -> None:
    """The flag of every field of the options class cls that has one, its value stored as
    "{what}__{field}" (see given_options). Flags default to None: a value given elsewhere (a
    preset, the class's default) stands unless the flag is given."""
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
        choices = f.metadata["choices"]
        group.add_argument(
            flag,
            dest=f"{what}__{f.name}",
            type=type(f.default),
            choices=choices,
            metavar=None if choices else f.metadata.get("metavar") or _metavar(f.default),
            default=None,
            help=help_text,
        )


def _metavar(default: Any) -> str:
    return "N" if isinstance(default, int) else "X"


def given_options(args: argparse.Namespace, what: str) -> dict[str, Any]:
    """The values of what's flags given on the command line, by field name."""
    prefix = f"{what}__"
    return {
        key.removeprefix(prefix): value
        for key, value in vars(args).items()
        if key.startswith(prefix) and value is not None
    }


def pipeline_options(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """{"image": {...}, "det": {...}, "cls": {...}, "rec": {...}}: the preset's values, then
    the flags given on the command line."""
    from trt_ocr import presets

    base = {"ppocr": presets.PPOCR, "rapidocr": presets.RAPIDOCR_1_4}.get(args.preset or "", {})
    return {what: {**base.get(what, {}), **given_options(args, what)} for what in SECTIONS}
