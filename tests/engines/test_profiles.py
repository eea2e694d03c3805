"""Optimization profiles derived from pipeline settings (plain Python, no TensorRT)."""

from __future__ import annotations

import itertools

import pytest

from trt_ocr.build.profiles import (
    PipelineSettings,
    Profile,
    check_against_onnx,
    cls_profiles,
    det_profiles,
    rec_profiles,
    select_profile,
)


def test_det_max_limit_bounds_the_longer_side() -> None:
    (p,) = det_profiles(PipelineSettings(limit_side_len=960, limit_type="max", det_batch=2))
    lo, opt, hi = p.shapes["x"]
    assert lo == (1, 3, 32, 32)
    assert hi == (2, 3, 960, 960)
    assert opt == (2, 3, 544, 960)  # 16:9 landscape rounded to multiples of 32
    assert all(v % 32 == 0 for v in (*opt[2:], *hi[2:]))


def test_det_limit_rounding_can_pass_the_limit() -> None:
    # 1010 px / 32 = 31.56 rounds to 32 -> 1024: PP-OCR's rounding, so the profile allows it
    (p,) = det_profiles(PipelineSettings(limit_side_len=1010))
    assert p.shapes["x"][2][2:] == (1024, 1024)


def test_det_min_limit_caps_with_max_side() -> None:
    (p,) = det_profiles(PipelineSettings(limit_side_len=736, limit_type="min", max_side_limit=2000))
    _, opt, hi = p.shapes["x"]
    assert hi[2:] == (1984, 1984)  # round(62.5) == 62, as in PP-OCR
    assert opt[2] == 736 and opt[3] > 736


def test_rec_buckets_cover_widths_without_gaps() -> None:
    s = PipelineSettings(rec_batch=8, rec_height=48, rec_width_buckets=(320, 640, 1280, 2560))
    ps = rec_profiles(s)
    assert [p.name for p in ps] == ["rec_short", "rec_medium", "rec_long"]
    for a, b in itertools.pairwise(ps):
        assert a.shapes["x"][2][3] == b.shapes["x"][0][3]
    for p in ps:
        lo, opt, hi = p.shapes["x"]
        assert lo[0] == 1 and hi[0] == 8 and lo[2] == opt[2] == hi[2] == 48
        assert lo[3] <= opt[3] <= hi[3]
    for w in (320, 500, 640, 999, 2560):
        i = select_profile(ps, {"x": (3, 3, 48, w)})
        assert ps[i].contains("x", (3, 3, 48, w))
    assert select_profile(ps, {"x": (1, 3, 48, 640)}) == 0  # tightest profile wins


def test_rec_v2_height_and_unfit_shapes() -> None:
    ps = rec_profiles(PipelineSettings(rec_height=32, rec_width_buckets=(320, 800)))
    assert ps[0].shapes["x"][0][2] == 32
    with pytest.raises(ValueError, match="no optimization profile"):
        select_profile(ps, {"x": (1, 3, 32, 801)})
    with pytest.raises(ValueError):
        select_profile(ps, {"x": (7, 3, 32, 400)})  # batch over rec_batch


def test_cls_fixed_shapes_follow_the_model() -> None:
    from trt_ocr import models

    s = PipelineSettings.for_model(models.get("ppocr-v5-mobile"))
    (p,) = cls_profiles(s)
    lo, opt, hi = p.shapes["x"]
    assert lo[1:] == opt[1:] == hi[1:] == (3, 80, 160)
    assert PipelineSettings.for_model(models.get("ppocr-v4-mobile")).cls_width == 192


def test_profiles_checked_against_fixed_onnx_dims() -> None:
    ps = rec_profiles(PipelineSettings(rec_height=32))
    problems = check_against_onnx(ps, {"x": ["batch", 3, 48, "width"]})
    assert problems and "fixed to 48" in problems[0]
    assert not check_against_onnx(
        rec_profiles(PipelineSettings()), {"x": ["batch", 3, 48, "width"]}
    )


def test_profile_roundtrip_and_bad_settings() -> None:
    p = rec_profiles(PipelineSettings())[1]
    assert Profile.from_dict(p.to_dict()) == p
    with pytest.raises(ValueError):
        PipelineSettings(limit_type="mean")
    with pytest.raises(ValueError):
        PipelineSettings(rec_width_buckets=(640, 320))
