"""Detector input (DetResizeForTest + NormalizeImage + ToCHW) against cv2.resize + numpy."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import shared_path
from tests.core import reference_crop as ref
from trt_ocr import _core

RAW = {"mean": (0.0, 0.0, 0.0), "std": (1 / 255, 1 / 255, 1 / 255)}  # output = pixel value


def raw_resize(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """Our resize as HWC integers (normalisation undone)."""
    t = _core.resize_normalize(img, h, w, **RAW)[0]
    return np.rint(t.transpose(1, 2, 0)).astype(np.int32)


@pytest.mark.parametrize("limit_type", ["max", "min"])
@pytest.mark.parametrize("limit", [32, 100, 736, 960, 1216])
@pytest.mark.parametrize("hw", [(1, 1), (31, 33), (48, 80), (720, 1280), (1013, 463), (5000, 70)])
def test_det_input_shape_matches_ppocr(hw, limit, limit_type):
    h, w = hw
    want = ref.det_input_shape(h, w, limit, limit_type)
    if max(want) > 32768:  # e.g. a 5000 x 70 strip under limit_type "min"
        with pytest.raises(ValueError, match="above the limit"):
            _core.det_input_shape(h, w, limit, limit_type)
        return
    rh, rw, ratio_h, ratio_w = _core.det_input_shape(h, w, limit, limit_type)
    assert (rh, rw) == want
    assert ratio_h == rh / float(h) and ratio_w == rw / float(w)


def test_det_input_shape_rejects_bad_requests():
    with pytest.raises(ValueError, match="limit_type"):
        _core.det_input_shape(10, 10, 960, "mean")
    with pytest.raises(ValueError, match="positive"):
        _core.det_input_shape(0, 10)
    with pytest.raises(ValueError, match="limit_side_len"):
        _core.det_input_shape(10, 10, 0)
    with pytest.raises(ValueError, match="above the limit"):
        _core.det_input_shape(20000, 20000, 736, "min")


# Sizes with up- and downscaling, odd sizes, exact 2x (OpenCV switches to INTER_AREA there),
# identity, and single rows/columns.
SIZES = [
    ((720, 1280), (544, 960)),
    ((720, 1280), (360, 640)),
    ((37, 53), (64, 96)),
    ((13, 7), (96, 31)),
    ((500, 333), (224, 161)),
    ((3, 1000), (7, 11)),
    ((1000, 2), (3, 17)),
    ((1, 1), (32, 32)),
    ((2, 2), (5, 5)),
    ((101, 99), (101, 99)),
    ((64, 48), (1, 1)),
    ((1, 300), (32, 960)),
]


@pytest.mark.parametrize(("src", "dst"), SIZES)
def test_resize_matches_cv2_on_random_images(src, dst):
    rng = np.random.default_rng(src[0] * 7919 + dst[1])
    img = rng.integers(0, 256, (*src, 3), dtype=np.uint8)
    ours = raw_resize(img, *dst)
    want = cv2.resize(img, (dst[1], dst[0]), interpolation=cv2.INTER_LINEAR).reshape(*dst, 3)
    assert np.abs(ours - want).max() <= 1  # measured: 0 (bit-exact) on every size here


def real_images() -> list[np.ndarray]:
    paths = sorted(shared_path("icdar2015", "det_e2e", "images").glob("*.jpg"))[:6]
    paths += sorted(shared_path("sroie", "images").glob("*.jpg"))[:4]
    paths += sorted(shared_path("images", "rapidocr").glob("*.jpg"))[:6]
    return [im for im in (cv2.imread(str(p)) for p in paths) if im is not None]


@pytest.mark.data
def test_det_preprocess_matches_reference_on_real_images():
    worst = 0.0
    for img in real_images():
        for limit, limit_type in [(960, "max"), (736, "min"), (640, "max"), (1600, "max")]:
            ours, rh, rw = _core.det_preprocess(img, limit, limit_type)
            want, wh, ww = ref.det_preprocess(img, limit, limit_type)
            assert ours.shape == want.shape and ours.dtype == np.float32
            assert (rh, rw) == (wh, ww)
            worst = max(worst, float(np.abs(ours - want).max()))
    # Tolerance: one grey level divided by the smallest std; measured: 0 (bit-identical).
    assert worst <= (1 / 255) / 0.224 + 1e-6


def test_det_preprocess_out_buffer_and_views():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)
    plain, rh, rw = _core.det_preprocess(img)
    assert plain.shape == (1, 3, 192, 288)  # 200 -> 192 (6.25 * 32), 300 -> 288 (9.375 * 32)
    buf = np.full(3 * 192 * 288 + 5, np.nan, np.float32)
    viewed, rh2, rw2 = _core.det_preprocess(img, out=buf)
    assert np.shares_memory(viewed, buf) and viewed.shape == (1, 3, 192, 288)
    assert np.array_equal(viewed, plain) and (rh, rw) == (rh2, rw2)
    assert np.isnan(buf[-5:]).all()  # nothing written past the tensor
    with pytest.raises(ValueError, match="at least"):
        _core.det_preprocess(img, out=np.empty(10, np.float32))
    with pytest.raises(ValueError, match="dtype"):
        _core.det_preprocess(img, out=np.empty(3 * 192 * 288, np.float64))
    # Row/column slices of a C-contiguous image need no copy; other layouts are refused.
    big = rng.integers(0, 256, (400, 500, 3), dtype=np.uint8)
    sub = big[10:210, 50:350]
    assert np.array_equal(
        _core.det_preprocess(sub)[0], _core.det_preprocess(np.ascontiguousarray(sub))[0]
    )
    with pytest.raises(ValueError, match="packed"):
        _core.det_preprocess(big[:, :, ::-1])
    with pytest.raises(ValueError, match="packed"):
        _core.det_preprocess(big[:, ::2])
    with pytest.raises(ValueError, match="uint8"):
        _core.det_preprocess(big.astype(np.float32))
    with pytest.raises(ValueError, match="3 channels"):
        _core.det_preprocess(big[:, :, :1])
    with pytest.raises(ValueError, match="empty"):
        _core.det_preprocess(np.zeros((0, 5, 3), np.uint8))
    with pytest.raises(ValueError, match="std"):
        _core.det_preprocess(img, std=(1.0, 0.0, 1.0))


def test_det_preprocess_huge_image_reads_only_what_it_needs():
    # 20000 x 20000 x 3 of untouched zero pages: downscaling reads ~2 rows per output row.
    img = np.zeros((20000, 20000, 3), np.uint8)
    img[10000:10100] = 255
    t, rh, rw = _core.det_preprocess(img)
    assert t.shape == (1, 3, 960, 960) and rh == rw == 960 / 20000
    assert np.isfinite(t).all()
    with pytest.raises(ValueError, match="above the limit"):
        _core.det_preprocess(img, 736, "min")
