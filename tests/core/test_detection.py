"""The detection stage's two C++ calls (DetectionPreprocessor, DetectionPostprocessor) against
the separate core functions and OpenCV / numpy written out by hand."""

from __future__ import annotations

import pickle

import cv2
import numpy as np
import pytest

from trt_ocr import _core

RNG = np.random.default_rng(7)
MEAN, STD = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)


def random_image(h: int, w: int) -> np.ndarray:
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def prob_map(h: int, w: int, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """0.9 inside each (x0, y0, x1, y1) rectangle (inclusive), else 0."""
    p = np.zeros((h, w), np.float32)
    for x0, y0, x1, y1 in boxes:
        p[y0 : y1 + 1, x0 : x1 + 1] = 0.9
    return p


def test_plain_input_is_det_preprocess():
    img = random_image(123, 321)
    prep = _core.DetectionPreprocessor(limit_side_len=960, mean=MEAN, std=STD)
    tensor, mapping, work = prep(img)
    want, _, _ = _core.det_preprocess(img, 960, "max", MEAN, STD)
    assert work is None and mapping.pad == 0 and not mapping.scale.rescaled
    assert (mapping.det_h, mapping.det_w) == img.shape[:2]
    assert (mapping.input_h, mapping.input_w) == want.shape[2:]
    np.testing.assert_array_equal(tensor, want)


@pytest.mark.parametrize(
    ("hw", "limits", "work_hw"),
    [
        ((1000, 3000), (2000, 30), (672, 1984)),  # long side above 2000: ratio 2/3
        ((20, 100), (2000, 30), (32, 160)),  # short side below 30: ratio 1.5
        ((45, 2500), (2000, 30), (32, 1984)),  # the long side wins: 36 x 2000, 62.5 -> 62
    ],
)
def test_rescale_is_cv2_resize_of_the_rounded_size(hw, limits, work_hw):
    img = random_image(*hw)
    prep = _core.DetectionPreprocessor(max_side_len=limits[0], min_side_len=limits[1])
    tensor, mapping, work = prep(img)
    assert mapping.scale.rescaled and (mapping.scale.work_h, mapping.scale.work_w) == work_hw
    assert work is not None and work.shape == (*work_hw, 3) and work.dtype == np.uint8
    np.testing.assert_array_equal(
        work, cv2.resize(img, work_hw[::-1], interpolation=cv2.INTER_LINEAR)
    )
    # The detector input is the det resize of that work image.
    want, _, _ = _core.det_preprocess(work)
    np.testing.assert_array_equal(tensor, want)
    again, scale = prep.rescale(img)
    np.testing.assert_array_equal(again, work)
    assert (scale.work_h, scale.work_w) == work_hw


def test_no_rescale_within_limits():
    img = random_image(300, 500)
    prep = _core.DetectionPreprocessor(max_side_len=2000, min_side_len=30)
    assert prep(img)[2] is None
    work, scale = prep.rescale(img)
    assert work is None and not scale.rescaled


@pytest.mark.parametrize(
    ("hw", "min_height", "max_aspect", "pad"),
    [
        ((20, 400), 30, 8.0, 40),  # thin and wide: target max(50, 30) * 2 = 100
        ((25, 100), 30, 8.0, 17),  # thin only: target 60, (60 - 25) // 2
        ((40, 800), 30, 8.0, 80),  # wide only: target 200
        ((40, 300), 30, 8.0, 0),  # neither
        ((20, 400), 0, -1.0, 0),  # switched off
    ],
)
def test_letterbox_pads_with_black_rows(hw, min_height, max_aspect, pad):
    img = random_image(*hw)
    prep = _core.DetectionPreprocessor(
        limit_side_len=736, limit_type="min", min_height=min_height, max_aspect=max_aspect
    )
    tensor, mapping, _ = prep(img)
    assert mapping.pad == pad and mapping.det_h == hw[0] + 2 * pad and mapping.det_w == hw[1]
    padded = np.zeros((hw[0] + 2 * pad, hw[1], 3), np.uint8)
    padded[pad : pad + hw[0]] = img
    want, _, _ = _core.det_preprocess(padded, 736, "min")
    np.testing.assert_array_equal(tensor, want)


def test_tensor_buffer_is_reused_and_earlier_tensors_stay_valid():
    prep = _core.DetectionPreprocessor()
    small = prep(random_image(64, 64))[0]
    kept = small.copy()
    again = prep(random_image(64, 64))[0]
    assert np.shares_memory(small, again)  # same buffer, no new allocation
    big = prep(random_image(900, 900))[0]  # needs a larger buffer: a new one
    assert not np.shares_memory(again, big)
    again[...] = kept  # the old buffer is still alive and writable
    np.testing.assert_array_equal(again, kept)


def test_construction_checks_parameters():
    with pytest.raises(ValueError, match="limit_type"):
        _core.DetectionPreprocessor(limit_type="mean")
    with pytest.raises(ValueError, match="limit_side_len"):
        _core.DetectionPreprocessor(limit_side_len=0)
    with pytest.raises(ValueError, match="std"):
        _core.DetectionPreprocessor(std=(0.5, 0.0, 0.5))
    with pytest.raises(ValueError, match="thresh"):
        _core.DetectionPostprocessor(thresh=1.0)
    with pytest.raises(ValueError, match="box_type"):
        _core.DetectionPostprocessor(box_type="polygon")
    with pytest.raises(ValueError, match="unclip_ratio"):
        _core.DetectionPostprocessor(unclip_ratio=0.0)


def test_postprocess_is_db_postprocess_in_reading_order():
    img = random_image(96, 160)  # det resize keeps 96 x 160: map and image agree
    _, mapping, _ = _core.DetectionPreprocessor()(img)
    prob = prob_map(96, 160, [(90, 38, 150, 50), (10, 40, 70, 52), (20, 70, 60, 80)])
    quads, boxes, scores = _core.DetectionPostprocessor()(prob, mapping)
    raw, raw_scores = _core.db_postprocess(prob, 96, 160)
    order = _core.reading_order(raw)
    np.testing.assert_array_equal(quads, raw[order])
    np.testing.assert_array_equal(boxes, raw[order])
    np.testing.assert_array_equal(scores, raw_scores[order])
    assert quads[0, 0, 0] < quads[1, 0, 0]  # one line (|dy| < 10): left before right


def test_postprocess_reads_a_float16_map_as_its_exact_widening():
    img = random_image(96, 160)
    _, mapping, _ = _core.DetectionPreprocessor()(img)
    rng = np.random.default_rng(3)
    prob = prob_map(96, 160, [(90, 38, 150, 50), (10, 40, 70, 52), (20, 70, 60, 80)])
    half = (prob * rng.uniform(0.6, 1.0, prob.shape)).astype(np.float16)
    post = _core.DetectionPostprocessor()
    for got, want in zip(post(half, mapping), post(half.astype(np.float32), mapping), strict=True):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="float32 or float16"):
        post(prob.astype(np.float64), mapping)
    with pytest.raises(ValueError, match="float32"):
        _core.db_postprocess(half, 96, 160)


def test_arrays_with_an_equal_copy_of_the_dtype_are_accepted():
    # An array that went through pickle carries its own (equal) dtype object.
    img = pickle.loads(pickle.dumps(random_image(96, 160)))
    _, mapping, _ = _core.DetectionPreprocessor()(img)
    prob = prob_map(96, 160, [(90, 38, 150, 50)])
    post = _core.DetectionPostprocessor()
    for dtype in (np.float32, np.float16):
        copied = pickle.loads(pickle.dumps(prob.astype(dtype)))
        assert copied.dtype is not np.dtype(dtype)
        for got, want in zip(post(copied, mapping), post(prob.astype(dtype), mapping), strict=True):
            np.testing.assert_array_equal(got, want)
    quads = pickle.loads(pickle.dumps(np.array([[[2, 2], [60, 2], [60, 20], [2, 20]]], np.float32)))
    assert _core.crop_batch(img, quads, 48, 320)[0].shape == (1, 3, 48, 320)


def test_postprocess_removes_the_letterbox_and_maps_to_the_source():
    # A 10 x 100 source, rescaled (min side 20: 20 x 200) to 32 x 192, letterboxed to 80 rows.
    img = random_image(10, 100)
    prep = _core.DetectionPreprocessor(min_side_len=20, min_height=40, limit_side_len=320)
    _tensor, mapping, work = prep(img)
    assert mapping.scale.rescaled and work.shape == (32, 192, 3)
    assert mapping.pad == 24 and (mapping.det_h, mapping.det_w) == (80, 192)
    assert (mapping.input_h, mapping.input_w) == (64, 192)  # 80 / 32 = 2.5 rounds to 2
    prob = prob_map(64, 192, [(20, 24, 170, 36)])  # about rows 6..21 of the work image
    quads, boxes, _ = _core.DetectionPostprocessor()(prob, mapping)
    raw, _ = _core.db_postprocess(prob, mapping.det_h, mapping.det_w)
    want = raw.copy()
    want[:, :, 1] = np.clip(want[:, :, 1] - 24, 0, 31)
    np.testing.assert_array_equal(quads, want)
    scale = np.array([100 / 192, 10 / 32], np.float32)
    np.testing.assert_array_equal(boxes, np.clip(want * scale, 0, np.array([100, 10], np.float32)))
    np.testing.assert_array_equal(mapping.scale.to_source(quads), boxes)


def test_poly_boxes_come_with_their_min_area_quads():
    img = random_image(120, 200)
    _, mapping, _ = _core.DetectionPreprocessor()(img)  # 128 x 192 input, det image 120 x 200
    prob = np.zeros((mapping.input_h, mapping.input_w), np.float32)
    cv2.fillPoly(prob, [np.array([[20, 40], [150, 20], [160, 45], [30, 70]], np.int32)], 0.9)
    quads, polys, _ = _core.DetectionPostprocessor(box_type="poly")(prob, mapping)
    assert len(polys) == 1 and polys[0].shape[1] == 2 and len(polys[0]) >= 4
    (cx, cy), (rw, rh), _ = cv2.minAreaRect(polys[0])
    q = quads[0].astype(np.float64)
    area = np.linalg.norm(q[1] - q[0]) * np.linalg.norm(q[3] - q[0])
    assert area == pytest.approx(rw * rh, rel=1e-4)  # the minimum area
    assert np.allclose(q.mean(axis=0), (cx, cy), atol=1e-3)
    # clockwise from top-left in image coordinates (y down): positive shoelace sum
    x, y = q[:, 0], q[:, 1]
    shoelace = float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
    assert shoelace > 0


def test_to_source_shapes_and_identity():
    _, scale = _core.DetectionPreprocessor().rescale(random_image(30, 40))
    pts = np.array([[[1.5, 2.25]]], np.float32)
    np.testing.assert_array_equal(scale.to_source(pts), pts)
    with pytest.raises(ValueError, match=r"\[\.\.\., 2\]"):
        scale.to_source(np.zeros((3, 3), np.float32))


def test_a_reduced_decode_gives_the_sources_plan_and_work_size():
    """An image that is a reduced decode of a larger source (a JPEG's DCT scaling) is rescaled
    to the source's work size: same mapping and boxes in source pixels, nearly the same
    pixels; refused where the plan does not shrink the source or the image is too small."""
    y, x = np.mgrid[0:1600, 0:2400]
    full = np.stack([x % 256, y % 256, (x + y) // 16 % 256], axis=2).astype(np.uint8)
    half = np.ascontiguousarray(cv2.resize(full, (1200, 800), interpolation=cv2.INTER_AREA))
    prep = _core.DetectionPreprocessor(limit_side_len=736, limit_type="min", max_side_len=1000)
    t_full, m_full, w_full = prep(full)
    t_full = t_full.copy()
    t_half, m_half, w_half = prep(half, source_size=(1600, 2400))
    assert (m_half.scale.src_h, m_half.scale.src_w) == (1600, 2400)
    assert (m_half.input_h, m_half.input_w, m_half.scale.work_h, m_half.scale.work_w) == (
        m_full.input_h,
        m_full.input_w,
        m_full.scale.work_h,
        m_full.scale.work_w,
    )
    assert w_half.shape == w_full.shape
    assert np.abs(w_half.astype(int) - w_full.astype(int)).mean() < 8  # same picture
    assert t_half.shape == t_full.shape
    work, scale = prep.rescale(half, source_size=(1600, 2400))
    assert np.array_equal(work, w_half) and (scale.src_h, scale.src_w) == (1600, 2400)
    with pytest.raises(ValueError, match="image is"):
        prep(np.zeros((400, 600, 3), np.uint8), source_size=(1600, 2400))  # below the work size
    small = _core.DetectionPreprocessor(max_side_len=5000)  # no rescale: the source is read
    with pytest.raises(ValueError, match="image is"):
        small(half, source_size=(1600, 2400))
    with pytest.raises(ValueError, match="does not shrink"):
        small.rescale(half, source_size=(1600, 2400))
    with pytest.raises(TypeError):
        prep(half, source_size="big")  # type: ignore[arg-type]
