"""Options: one place for defaults and bounds; presets and CLI flags derive from them."""

from __future__ import annotations

import argparse

import pytest

from trt_ocr import presets
from trt_ocr.errors import ConfigError, OptionError
from trt_ocr.option_args import (
    add_option_arguments,
    add_pipeline_arguments,
    given_options,
    pipeline_options,
)
from trt_ocr.options import (
    ClsOptions,
    DetOptions,
    ImageOptions,
    RecOptions,
    build_options,
)


@pytest.mark.parametrize(
    ("cls", "bad"),
    [
        (DetOptions, {"thresh": 1.0}),  # the core needs thresh < 1: refused here, not later
        (DetOptions, {"thresh": float("nan")}),
        (DetOptions, {"box_thresh": 1.5}),
        (DetOptions, {"limit_side_len": 16}),
        (DetOptions, {"limit_side_len": 960.5}),
        (DetOptions, {"limit_type": "avg"}),
        (DetOptions, {"unclip_ratio": 0.0}),
        (DetOptions, {"std": (1.0, 0.0, 1.0)}),
        (DetOptions, {"mean": (0.5, 0.5)}),
        (DetOptions, {"use_dilation": "yes"}),
        (DetOptions, {"max_upscale": 0.5}),
        (DetOptions, {"max_upscale": -1.0}),
        (RecOptions, {"settle_o_zero": 1}),
        (ClsOptions, {"batch_size": 0}),
        (RecOptions, {"batch_size": 257}),
        (RecOptions, {"drop_score": -0.1}),
        (ImageOptions, {"max_side_len": -1}),
    ],
)
def test_bad_values_fail_at_construction(cls: type, bad: dict) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad))) as info:
        cls(**bad)
    assert isinstance(info.value, ValueError)


def test_build_options_and_unknown_names() -> None:
    assert build_options(DetOptions, None, "det") == DetOptions()
    assert build_options(DetOptions, {"box_thresh": 0.5}, "det").box_thresh == 0.5
    with pytest.raises(ConfigError, match="unknown det option"):
        build_options(DetOptions, {"limit": 3}, "det")


def test_presets_are_valid_overrides_of_the_defaults() -> None:
    # PP-OCR's published values (tools/infer/utility.py), as the preset restores them.
    ppocr = DetOptions(**presets.PPOCR["det"])
    assert (ppocr.limit_side_len, ppocr.limit_type) == (960, "max")
    assert (ppocr.box_thresh, ppocr.unclip_ratio, ppocr.use_dilation) == (0.6, 1.5, False)
    assert ClsOptions(**presets.PPOCR["cls"]).retry_below == 0.0
    assert RecOptions(**presets.PPOCR["rec"]).settle_o_zero is False  # text as the model reads it
    # What the preset leaves at trt-ocr's defaults is PP-OCR's value too.
    assert (ppocr.thresh, ppocr.max_candidates, ppocr.score_mode) == (0.3, 1000, "fast")
    assert (ClsOptions().thresh, ClsOptions().batch_size, RecOptions().batch_size) == (0.9, 6, 6)
    video = presets.combined(presets.VIDEO, {"det": {"box_thresh": 0.7}, "threads": 1})
    assert video["det"]["limit_side_len"] == 960 and video["det"]["box_thresh"] == 0.7
    assert video["threads"] == 1 and presets.VIDEO["det"]["box_thresh"] == 0.6  # not changed
    rapid = DetOptions(**presets.RAPIDOCR_1_4["det"])
    assert rapid.limit_type == "min" and rapid.use_dilation
    ImageOptions(**presets.RAPIDOCR_1_4["image"])


def test_cli_flags_come_from_the_options() -> None:
    parser = argparse.ArgumentParser()
    add_pipeline_arguments(parser)
    given = pipeline_options(parser.parse_args([]))
    assert given == {"image": {}, "det": {}, "cls": {}, "rec": {}}
    rapid = pipeline_options(parser.parse_args(["--preset", "rapidocr", "--box-thresh", "0.7"]))
    assert rapid["det"]["limit_type"] == "min" and rapid["det"]["box_thresh"] == 0.7
    flags = "--limit-side-len 640 --no-dilation --rec-batch 8 --box-type poly --max-upscale 1"
    args = parser.parse_args([*flags.split(), "--no-settle-o-zero"])
    given = pipeline_options(args)
    assert given["det"] == {
        "limit_side_len": 640,
        "use_dilation": False,
        "box_type": "poly",
        "max_upscale": 1.0,
    }
    assert given["rec"] == {"batch_size": 8, "settle_o_zero": False}
    DetOptions(**given["det"])


def test_an_option_error_names_the_option_and_its_flag() -> None:
    with pytest.raises(OptionError) as caught:
        DetOptions(limit_side_len=16)
    e = caught.value
    assert isinstance(e, ConfigError) and isinstance(e, ValueError)
    assert (e.option, e.flag, e.value) == ("det limit_side_len", "--limit-side-len", 16)
    assert str(e) == "det limit_side_len must be in [32, 8192], got 16"
    assert e.for_command_line() == "--limit-side-len 16: must be in [32, 8192]"
    with pytest.raises(OptionError) as caught:
        ImageOptions(max_side_len=-1)  # a field without a flag
    assert caught.value.flag is None
    assert caught.value.for_command_line() == str(caught.value)


def test_flags_given_are_read_by_section_name() -> None:
    p = argparse.ArgumentParser()
    add_option_arguments(p, "det", DetOptions)
    args = p.parse_args(["--limit-side-len", "960"])
    assert given_options(args, "det") == {"limit_side_len": 960}
    assert given_options(p.parse_args([]), "det") == {}
