"""The shape plan: pipeline options -> every network's input ranges (plain Python)."""

from __future__ import annotations

import itertools

import pytest

from trt_ocr import models
from trt_ocr.options import ClsOptions, DetOptions, ImageOptions, RecOptions
from trt_ocr.shapes import (
    ShapeRange,
    batch_limit,
    conflicts,
    longest_square_side,
    plan_shapes,
    round_to_32,
    select_profile,
)

V4 = models.get("ppocr-v4-mobile")


def test_det_max_limit_bounds_both_sides() -> None:
    (r,) = plan_shapes(DetOptions(limit_side_len=960, limit_type="max"), spec=V4).det
    assert r.min == (1, 3, 32, 32)
    assert r.max == (1, 3, 960, 960)
    assert r.opt == (1, 3, 544, 960)  # 16:9 landscape rounded to multiples of 32


def test_det_range_holds_every_input_the_core_makes() -> None:
    from trt_ocr.stages import detection_preprocessor

    for limit, kind in ((960, "max"), (1010, "max"), (736, "min")):
        o = DetOptions(limit_side_len=limit, limit_type=kind)
        (r,) = plan_shapes(o).det
        prepare = detection_preprocessor(o, ImageOptions())
        for h, w in ((1, 1), (720, 1280), (4000, 30), (30, 4000), (2000, 2000), (1010, 500)):
            plan = prepare.plan(h, w)
            assert r.covers((1, 3, plan.input_h, plan.input_w)), (limit, kind, h, w, plan, r)


def test_det_min_limit_caps_the_long_side() -> None:
    (r,) = plan_shapes(DetOptions(limit_side_len=736, limit_type="min")).det
    assert r.max[2:] == (1984, 1984)  # 2000, rounded half to even
    (r,) = plan_shapes(DetOptions(limit_side_len=736, limit_type="min", max_side_limit=0)).det
    assert r.max[2:] == (4000, 4000)
    assert r.opt[2] == 736 and r.opt[3] > 736
    assert round_to_32(1010) == 1024  # PP-OCR's rounding can pass the limit


def test_rec_buckets_cover_every_width_without_gaps() -> None:
    ranges = plan_shapes(rec=RecOptions(batch_size=8), spec=V4).rec
    assert [(r.min[3], r.max[3]) for r in ranges] == [(320, 640), (640, 1280), (1280, 2560)]
    for a, b in itertools.pairwise(ranges):
        assert a.max[3] == b.min[3]
    for r in ranges:
        assert r.min[0] == 1 and r.max[0] == 8 and r.min[2] == r.opt[2] == r.max[2] == 48
    for w in (320, 500, 640, 999, 2560):
        assert ranges[select_profile(ranges, (3, 3, 48, w))].covers((3, 3, 48, w))
    assert select_profile(ranges, (1, 3, 48, 640)) == 0  # the tightest profile wins
    with pytest.raises(ValueError, match="no optimization profile accepts"):
        select_profile(ranges, (1, 3, 48, 2561))
    with pytest.raises(ValueError, match="profile 0"):
        select_profile(ranges, (9, 3, 48, 400))  # batch over the rec batch size


def test_cls_shape_follows_the_model_and_batch() -> None:
    (r,) = plan_shapes(cls=ClsOptions(batch_size=4), spec=models.get("ppocr-v5-mobile")).cls
    assert r.min == (1, 3, 80, 160) and r.max == (4, 3, 80, 160)
    assert plan_shapes(spec=V4).cls[0].max == (6, 3, 48, 192)


def test_conflicts_with_fixed_model_dims() -> None:
    ranges = plan_shapes(spec=V4).rec
    assert not conflicts(ranges, ["batch", 3, 48, "width"])
    problems = conflicts(ranges, ["batch", 3, 32, "width"])
    assert len(problems) == 3 and "fixed to 32" in problems[0]
    assert "rank" in conflicts(ranges, [1, 3, 48])[0]


def test_shape_range_checks_and_roundtrip() -> None:
    r = plan_shapes(spec=V4).rec[1]
    assert ShapeRange.from_list(r.to_list()) == r
    with pytest.raises(ValueError, match="min <= opt <= max"):
        ShapeRange((1, 3, 48, 640), (1, 3, 48, 320), (1, 3, 48, 960))
    with pytest.raises(ValueError, match="rank"):
        ShapeRange((1, 3), (1, 3, 1), (1, 3, 1))
    with pytest.raises(ValueError, match="role"):
        plan_shapes().ranges("table")


def test_batch_limit_and_longest_square_side_read_what_profiles_take() -> None:
    narrow = ShapeRange((1, 3, 48, 320), (4, 3, 48, 320), (4, 3, 48, 640))
    wide = ShapeRange((1, 3, 48, 640), (1, 3, 48, 1280), (2, 3, 48, 1280))
    assert batch_limit([narrow, wide], (6, 3, 48, 320)) == 4
    assert batch_limit([narrow, wide], (6, 3, 48, 640)) == 4  # both take 640: the larger
    assert batch_limit([narrow, wide], (6, 3, 48, 1000)) == 2
    assert batch_limit([narrow, wide], (1, 3, 32, 320)) == 0  # no range takes height 32
    assert batch_limit([], (1, 3, 48, 320)) == 0
    det = ShapeRange((1, 3, 32, 32), (1, 3, 320, 640), (1, 3, 480, 960))
    assert longest_square_side([det]) == 480
    assert longest_square_side([]) == 0
