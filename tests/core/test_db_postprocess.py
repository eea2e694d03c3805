"""trt_ocr._core.db_postprocess / reading_order against a Python/OpenCV reference."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from tests.conftest import shared_path
from tests.core.det_maps import DetMap, load_maps
from tests.core.reference_db import db_postprocess_ref, reading_order_ref
from trt_ocr import _core


@pytest.fixture(scope="session")
def det_maps(v4_models) -> list[DetMap]:
    """Detector outputs for the shared images, computed once per session (optionally cached
    on disk across sessions via TRT_OCR_DB_MAPS_CACHE=path.npz)."""
    root = shared_path()
    cache = os.environ.get("TRT_OCR_DB_MAPS_CACHE")
    maps = load_maps(Path(v4_models.det), root, Path(cache) if cache else None)
    if not maps:
        pytest.skip("no readable images under ../shared/data")
    return maps


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    pa, pb = Polygon(a).buffer(0), Polygon(b).buffer(0)
    union = pa.union(pb).area
    return pa.intersection(pb).area / union if union > 0 else 1.0


def _agreement(maps: list[DetMap], **kw) -> tuple[float, int, list[float], int]:
    """(fraction of maps with equal box counts, worst count difference, IoUs of matched boxes,
    number of matched boxes whose vertices are identical)."""
    same, worst, ious, identical = 0, 0, [], 0
    for m in maps:
        ref, _ = db_postprocess_ref(m.prob, m.src_h, m.src_w, **kw)
        ours, scores = _core.db_postprocess(m.prob, m.src_h, m.src_w, **kw)
        assert len(ours) == len(scores)
        diff = abs(len(ref) - len(ours))
        same += diff == 0
        worst = max(worst, diff)
        free = list(range(len(ref)))
        for box in ours:  # greedy one-to-one matching by IoU
            if not free:
                break
            vals = [_iou(box, ref[j]) for j in free]
            k = int(np.argmax(vals))
            if vals[k] > 0.5:
                ious.append(vals[k])
                identical += np.array_equal(box, ref[free[k]])
                free.pop(k)
    return same / len(maps), worst, ious, identical


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.parametrize("score_mode", ["fast", "slow"])
@pytest.mark.parametrize("use_dilation", [False, True])
def test_quad_matches_reference(det_maps, score_mode, use_dilation):
    same, worst, ious, identical = _agreement(
        det_maps, score_mode=score_mode, use_dilation=use_dilation
    )
    print(
        f"{len(det_maps)} maps: same count {same:.3f}, worst diff {worst}, matched "
        f"{len(ious)}, identical {identical}, mean IoU {np.mean(ious):.4f}, min {np.min(ious):.4f}"
    )
    assert same >= 0.95
    assert worst <= 1
    assert np.mean(ious) >= 0.98


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.parametrize("use_dilation", [False, True])
def test_poly_matches_reference(det_maps, use_dilation):
    # Poly outlines come from our own (raster) union of the offset ring, so vertices may differ
    # slightly; regions and counts must still agree closely.
    same, worst, ious, identical = _agreement(det_maps, box_type="poly", use_dilation=use_dilation)
    print(
        f"{len(det_maps)} maps: same count {same:.3f}, worst diff {worst}, matched "
        f"{len(ious)}, identical {identical}, mean IoU {np.mean(ious):.4f}, min {np.min(ious):.4f}"
    )
    assert same >= 0.95
    assert worst <= 1
    assert np.mean(ious) >= 0.97


@pytest.mark.data
def test_output_contract(det_maps):
    m = max(det_maps, key=lambda d: float((d.prob > 0.3).mean()))
    boxes, scores = _core.db_postprocess(m.prob, m.src_h, m.src_w)
    assert boxes.dtype == np.float32 and boxes.ndim == 3 and boxes.shape[1:] == (4, 2)
    assert scores.dtype == np.float32 and scores.shape == (len(boxes),)
    assert len(boxes) > 0
    assert (boxes[..., 0] >= 0).all() and (boxes[..., 0] <= m.src_w - 1).all()
    assert (boxes[..., 1] >= 0).all() and (boxes[..., 1] <= m.src_h - 1).all()
    assert (scores >= 0.6).all()
    # batch-of-one layouts give the same answer without copying
    for shaped in (m.prob[None], m.prob[None, None]):
        b2, s2 = _core.db_postprocess(shaped, m.src_h, m.src_w)
        np.testing.assert_array_equal(b2, boxes)
        np.testing.assert_array_equal(s2, scores)
    polys, pscores = _core.db_postprocess(m.prob, m.src_h, m.src_w, box_type="poly")
    assert isinstance(polys, list) and len(polys) == len(pscores)
    assert all(p.dtype == np.float32 and p.ndim == 2 and p.shape[1] == 2 for p in polys)


@pytest.mark.data
def test_threads_match_serial(det_maps):
    maps = det_maps[:24]
    serial = [_core.db_postprocess(m.prob, m.src_h, m.src_w) for m in maps]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(2):
            parallel = list(
                pool.map(lambda m: _core.db_postprocess(m.prob, m.src_h, m.src_w), maps)
            )
            for (b1, s1), (b2, s2) in zip(serial, parallel, strict=True):
                np.testing.assert_array_equal(b1, b2)
                np.testing.assert_array_equal(s1, s2)


def test_simple_rectangle():
    prob = np.zeros((64, 64), np.float32)
    prob[20:30, 10:50] = 0.9
    boxes, scores = _core.db_postprocess(prob, 128, 128)
    ref_boxes, ref_scores = db_postprocess_ref(prob, 128, 128)
    np.testing.assert_array_equal(boxes, ref_boxes)
    np.testing.assert_allclose(scores, ref_scores, rtol=1e-6)
    assert boxes.shape == (1, 4, 2)


def test_sizes_accept_numpy_integers_and_reject_floats():
    prob = np.zeros((8, 8), np.float32)
    assert _core.db_postprocess(prob, np.int64(10), np.int32(10))[0].shape == (0, 4, 2)
    with pytest.raises(TypeError):
        _core.db_postprocess(prob, 10.0, 10)


def test_empty_and_blank_maps():
    for prob in (np.zeros((32, 32), np.float32), np.ones((1, 1), np.float32)):
        boxes, scores = _core.db_postprocess(prob, 100, 100)
        assert boxes.shape == (0, 4, 2) and scores.shape == (0,)


@pytest.mark.parametrize(
    ("prob", "kwargs"),
    [
        (np.zeros((8, 8), np.float64), {}),
        (np.zeros((8, 8), np.float32)[:, ::2], {}),
        (np.zeros((0, 8), np.float32), {}),
        (np.zeros((2, 8, 8), np.float32), {}),
        (np.zeros((8,), np.float32), {}),
        (np.zeros((1, 1, 1, 1, 8), np.float32), {}),
        ([[0.0, 1.0]], {}),
        (np.full((8, 8), np.nan, np.float32), {}),
        (np.full((8, 8), np.inf, np.float32), {}),
        (np.zeros((8, 8), np.float32), {"score_mode": "medium"}),
        (np.zeros((8, 8), np.float32), {"box_type": "circle"}),
        (np.zeros((8, 8), np.float32), {"thresh": 1.5}),
        (np.zeros((8, 8), np.float32), {"thresh": float("nan")}),
        (np.zeros((8, 8), np.float32), {"box_thresh": -0.1}),
        (np.zeros((8, 8), np.float32), {"unclip_ratio": 0.0}),
        (np.zeros((8, 8), np.float32), {"max_candidates": -1}),
        (np.zeros((8, 8), np.float32), {"min_size": -1}),
        (np.zeros((8, 8), np.float32), {"max_candidates": 2**80}),
    ],
)
def test_bad_input_raises_value_error(prob, kwargs):
    with pytest.raises(ValueError):
        _core.db_postprocess(prob, 10, 10, **kwargs)


@pytest.mark.parametrize(
    ("h", "w"), [(0, 10), (10, 0), (-5, 10), (2**31, 10), (10, 2**40), (2**70, 10)]
)
def test_bad_source_size_raises(h, w):
    with pytest.raises(ValueError):
        _core.db_postprocess(np.zeros((8, 8), np.float32), h, w)


def test_reading_order_matches_reference():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(0, 30))
        tl = rng.integers(0, 200, (n, 2)).astype(np.float32)
        size = np.array([[0, 0], [40, 0], [40, 12], [0, 12]], np.float32)
        boxes = tl[:, None, :] + size[None]
        boxes = np.ascontiguousarray(boxes, dtype=np.float32)
        np.testing.assert_array_equal(_core.reading_order(boxes), reading_order_ref(boxes))
        np.testing.assert_array_equal(
            _core.reading_order(boxes, 3.0), reading_order_ref(boxes, 3.0)
        )


def test_reading_order_bad_input():
    with pytest.raises(ValueError):
        _core.reading_order(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError):
        _core.reading_order(np.zeros((3, 4, 2), np.float64))
    with pytest.raises(ValueError):
        _core.reading_order(np.full((3, 4, 2), np.nan, np.float32))
    assert _core.reading_order(np.zeros((0, 4, 2), np.float32)).dtype == np.int64


_values = st.one_of(
    st.floats(0, 1, width=32),
    st.sampled_from([0.0, 0.29, 0.31, 0.61, 0.99, 1.0]),
    st.floats(width=32, allow_nan=True, allow_infinity=True),
)


@st.composite
def _prob_maps(draw) -> np.ndarray:
    h = draw(st.integers(0, 24))
    w = draw(st.integers(0, 24))
    dtype = draw(st.sampled_from([np.float32, np.float32, np.float32, np.float64]))
    if draw(st.booleans()):
        # blobs: mostly valid maps that produce real boxes
        arr = np.zeros((h, w), np.float32)
        for _ in range(draw(st.integers(0, 4))):
            if h == 0 or w == 0:
                break
            y0, x0 = draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))
            y1, x1 = draw(st.integers(y0, h)), draw(st.integers(x0, w))
            arr[y0:y1, x0:x1] = draw(st.floats(0, 1, width=32))
    else:
        flat = draw(st.lists(_values, min_size=h * w, max_size=h * w))
        arr = np.array(flat, np.float32).reshape(h, w)
    arr = arr.astype(dtype)
    layout = draw(st.sampled_from(["2d", "3d", "4d", "strided"]))
    if layout == "3d":
        arr = arr[None]
    elif layout == "4d":
        arr = arr[None, None]
    elif layout == "strided":
        arr = np.repeat(arr, 2, axis=1)[:, ::2]
    return arr


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prob=_prob_maps(),
    src_h=st.one_of(st.integers(-2, 4000), st.integers(2**30, 2**33)),
    src_w=st.one_of(st.integers(-2, 4000), st.integers(2**30, 2**33)),
    thresh=st.one_of(st.floats(-0.5, 1.5), st.just(float("nan"))),
    box_thresh=st.one_of(st.floats(-0.5, 1.5), st.just(float("nan"))),
    unclip_ratio=st.one_of(st.floats(-1, 200), st.sampled_from([float("nan"), float("inf")])),
    use_dilation=st.booleans(),
    score_mode=st.sampled_from(["fast", "slow", "bad"]),
    box_type=st.sampled_from(["quad", "poly", "bad"]),
    min_size=st.integers(-2, 10),
    max_candidates=st.integers(-1, 5),
)
def test_fuzz_db_postprocess_never_crashes(
    prob,
    src_h,
    src_w,
    thresh,
    box_thresh,
    unclip_ratio,
    use_dilation,
    score_mode,
    box_type,
    min_size,
    max_candidates,
):
    try:
        boxes, scores = _core.db_postprocess(
            prob,
            src_h,
            src_w,
            thresh=thresh,
            box_thresh=box_thresh,
            max_candidates=max_candidates,
            unclip_ratio=unclip_ratio,
            use_dilation=use_dilation,
            score_mode=score_mode,
            box_type=box_type,
            min_size=min_size,
        )
    except ValueError:
        return
    assert len(boxes) == len(scores) <= max(max_candidates, 0)
    for b in boxes:
        b = np.asarray(b)
        assert np.isfinite(b).all()
        assert (b[:, 0] >= 0).all() and (b[:, 0] <= src_w - 1).all()
        assert (b[:, 1] >= 0).all() and (b[:, 1] <= src_h - 1).all()


@settings(max_examples=600, deadline=None)
@given(
    boxes=st.integers(0, 20).flatmap(
        lambda n: st.lists(
            st.floats(width=32, allow_nan=True, allow_infinity=True),
            min_size=n * 8,
            max_size=n * 8,
        ).map(lambda v, n=n: np.array(v, np.float32).reshape(n, 4, 2))
    ),
    y_tolerance=st.one_of(st.floats(-5, 50), st.just(float("nan"))),
)
def test_fuzz_reading_order(boxes, y_tolerance):
    try:
        order = _core.reading_order(boxes, y_tolerance)
    except ValueError:
        return
    assert sorted(order.tolist()) == list(range(len(boxes)))
    np.testing.assert_array_equal(order, reading_order_ref(boxes, y_tolerance))
