"""Property / fuzz tests for the core's entry points: random shapes, dtypes and values,
NaN/inf and degenerate quads. Every call must either return a well-formed result or raise
ValueError with a message; never crash. About 3,300 examples in all."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.core import reference_crop as ref
from trt_ocr import _core


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


# Coordinates: mostly in and around a small image, sometimes wild.
coord = st.one_of(
    st.floats(-20, 60, width=32),
    st.sampled_from([0.0, 1.0, -1.0, 1e30, -1e30, 3e38, math.nan, math.inf, -math.inf, 1e-30]),
)
quads = st.integers(0, 5).flatmap(lambda n: hnp.arrays(np.float32, (n, 4, 2), elements=coord))
sane_quads = st.integers(0, 5).flatmap(
    lambda n: hnp.arrays(np.float32, (n, 4, 2), elements=st.floats(-10, 50, width=32))
)
image_dtypes = st.sampled_from([np.uint8] * 6 + [np.int8, np.uint16, np.float32, np.bool_])


@st.composite
def images(draw, channels=(3,)):
    h = draw(st.integers(0 if draw(st.booleans()) and draw(st.booleans()) else 1, 24))
    w = draw(st.integers(1, 24))
    c = draw(st.sampled_from(channels))
    dtype = draw(image_dtypes)
    shape = (h, w) if c == 0 else (h, w, c)
    img = draw(hnp.arrays(dtype, shape))
    if draw(st.integers(0, 9)) == 0 and img.ndim == 3 and img.shape[0] > 1:
        img = img[::-1]  # negative row stride: refused
    return img


def valid_image(img: np.ndarray, channels: tuple[int, ...]) -> bool:
    c = 0 if img.ndim == 2 else img.shape[2]
    return img.dtype == np.uint8 and img.size > 0 and c in channels and img.strides[0] > 0


@fuzz(500)
@given(
    h=st.integers(-3, 200000),
    w=st.integers(-3, 200000),
    limit=st.integers(-2, 5000),
    limit_type=st.sampled_from(["max", "min"]),
)
def test_fuzz_det_input_shape(h, w, limit, limit_type):
    try:
        rh, rw, ratio_h, ratio_w = _core.det_input_shape(h, w, limit, limit_type)
    except ValueError as e:
        assert str(e)
        assert (
            h <= 0
            or w <= 0
            or limit <= 0
            or max(ref.det_input_shape(h, w, limit, limit_type)) > 32768
            or (np.prod(ref.det_input_shape(h, w, limit, limit_type)) > 1 << 26)
        )
        return
    assert (rh, rw) == ref.det_input_shape(h, w, limit, limit_type)
    assert rh % 32 == 0 and rw % 32 == 0 and rh >= 32 and rw >= 32
    assert ratio_h == rh / h and ratio_w == rw / w


@fuzz(400)
@given(
    img=images(channels=(0, 1, 3, 4)),
    limit=st.integers(-1, 100),
    limit_type=st.sampled_from(["max", "min", "avg"]),
    std=st.sampled_from(
        [(0.229, 0.224, 0.225), (1.0, 1.0, 1.0), (0.5, 0.0, 0.5), (math.nan, 1.0, 1.0)]
    ),
)
def test_fuzz_det_preprocess(img, limit, limit_type, std):
    try:
        t, rh, rw = _core.det_preprocess(img, limit, limit_type, std=std)
    except ValueError as e:
        assert str(e)
        assert (
            not valid_image(img, (3,))
            or limit <= 0
            or limit_type == "avg"
            or 0.0 in std
            or any(map(math.isnan, std))
        )
        return
    h, w = img.shape[:2]
    want, wh, ww = ref.det_preprocess(np.ascontiguousarray(img), limit, limit_type, std=std)
    assert t.shape == want.shape and (rh, rw) == (wh, ww)
    assert np.abs(t - want).max() <= (1 / 255) / min(std) + 1e-6
    del h, w


@fuzz(400)
@given(img=images(), h=st.integers(-1, 70), w=st.integers(-1, 70))
def test_fuzz_resize_normalize(img, h, w):
    try:
        t = _core.resize_normalize(img, h, w)
    except ValueError as e:
        assert str(e)
        assert not valid_image(img, (3,)) or h <= 0 or w <= 0
        return
    assert t.shape == (1, 3, h, w) and np.isfinite(t).all()


@fuzz(500)
@given(boxes=quads, tall=st.sampled_from([1.5, 1.0, 0.1, 100.0, math.inf, 0.0, -1.0, math.nan]))
def test_fuzz_crop_sizes(boxes, tall):
    try:
        sizes, rotated = _core.crop_sizes(boxes, tall)
    except ValueError:
        assert not tall > 0
        return
    assert sizes.shape == (len(boxes), 2) and rotated.shape == (len(boxes),)
    assert (sizes >= 0).all() and (sizes <= 1 << 24).all()
    assert ((sizes[:, 0] == 0) == (sizes[:, 1] == 0)).all()
    for q, (cw, ch), rot in zip(boxes, sizes, rotated, strict=True):
        if not np.isfinite(q).all() or cw == 0 or max(cw, ch) == 1 << 24:
            continue
        w, h = ref.crop_size(q)
        assert (cw, ch) == ((h, w) if rot else (w, h))
        assert rot == (h / w >= tall)


@st.composite
def flips_for(draw, n):
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return None
    if kind == 3:
        return [True] * draw(st.integers(0, 7))  # maybe the wrong length
    return draw(hnp.arrays(np.bool_, n))


@fuzz(500)
@given(
    data=st.data(),
    img=images(),
    boxes=st.one_of(quads, sane_quads),
    height=st.integers(-1, 40),
    width=st.integers(-1, 80),
    keep_ratio=st.booleans(),
)
def test_fuzz_crop_batch(data, img, boxes, height, width, keep_ratio):
    flips = data.draw(flips_for(len(boxes)))
    try:
        t, widths = _core.crop_batch(
            img, boxes, height, width, flip180=flips, keep_ratio=keep_ratio
        )
    except ValueError as e:
        assert str(e)
        assert (
            not valid_image(img, (3,))
            or height <= 0
            or width <= 0
            or (flips is not None and len(flips) != len(boxes))
        )
        return
    n = len(boxes)
    assert t.shape == (n, 3, height, width) and widths.shape == (n,)
    assert np.isfinite(t).all() and (np.abs(t) <= 1.0 + 1e-6).all()
    sizes, _ = _core.crop_sizes(boxes)
    for i in range(n):
        assert (widths[i] == 0) == (sizes[i, 0] == 0)
        assert 0 <= widths[i] <= width
        if keep_ratio and widths[i]:
            assert widths[i] == min(width, math.ceil(height * (sizes[i, 0] / sizes[i, 1])))
        elif widths[i]:
            assert widths[i] == width
        assert (t[i, :, :, widths[i] :] == 0).all()


@fuzz(400)
@given(data=st.data(), img=images(channels=(0, 1, 2, 3, 4, 5)), boxes=st.one_of(quads, sane_quads))
def test_fuzz_crop_images(data, img, boxes):
    flips = data.draw(flips_for(len(boxes)))
    try:
        crops = _core.crop_images(img, boxes, flip180=flips)
    except ValueError as e:
        assert str(e)
        sizes, _ = _core.crop_sizes(boxes)
        assert (
            not valid_image(img, (0, 1, 2, 3, 4))
            or (flips is not None and len(flips) != len(boxes))
            or (sizes.astype(np.int64).prod(axis=1) > 1 << 26).any()
        )
        return
    sizes, _ = _core.crop_sizes(boxes)
    assert len(crops) == len(boxes)
    for crop, (w, h) in zip(crops, sizes, strict=True):
        assert crop.dtype == np.uint8 and crop.shape[:2] == (h, w)
        assert crop.shape[2:] == img.shape[2:]
        assert crop.flags.c_contiguous


CHARS = ["a", "b", "c", "\u4e2d", " "]
# Enough classes for the vectorised row scan (blocks of 32 values) to run, with a scalar tail.
MANY = [chr(0x4E00 + i) for i in range(70)]
prob_values = st.one_of(
    st.floats(0, 1, width=32), st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 1.0, -0.0])
)


def scalar_decode(probs: np.ndarray, chars: list[str]) -> list[tuple[str, float]]:
    """The documented semantics: scan from class 0 taking strictly greater values (NaN never
    taken; a NaN class 0 gives the blank), merge repeats, drop blanks, mean score."""
    out = []
    for line in probs:
        text, scores, prev = "", [], 0
        for step, row in enumerate(line):
            best = 0
            for k in range(1, len(row)):
                if row[k] > row[best]:
                    best = k
            if best != 0 and not (step > 0 and best == prev):
                text += chars[best - 1]
                scores.append(float(row[best]))
            prev = best
        out.append((text, float(np.mean(np.float64(scores))) if scores else 0.0))
    return out


@fuzz(400)
@given(
    data=st.data(),
    n=st.integers(0, 4),
    t=st.integers(0, 12),
    chars=st.sampled_from([CHARS, MANY]),
    wrong=st.integers(0, 6),
)
def test_fuzz_ctc_decode(data, n, t, chars, wrong):
    c = len(chars) + 1 if wrong else data.draw(st.sampled_from([2, 40, 200]))
    probs = data.draw(hnp.arrays(np.float32, (n, t, c), elements=prob_values))
    decoder = _core.CTCDecoder(chars)
    if c != len(chars) + 1:
        try:
            decoder.decode(probs)
        except ValueError as e:
            assert "classes" in str(e)
            return
        raise AssertionError("a class count mismatch must raise")
    got = decoder.decode(probs, return_steps=data.draw(st.booleans()))
    want = scalar_decode(probs, chars)
    assert len(got) == n
    for g, (text, score) in zip(got, want, strict=True):
        assert g[0] == text
        assert (
            (math.isnan(score) and math.isnan(g[1]))
            or math.isclose(g[1], score, rel_tol=1e-5, abs_tol=1e-6)
            or not math.isfinite(score)
        )
    if n and np.isfinite(probs).all():
        assert [g[0] for g in got] == [r[0] for r in ref.ctc_decode(probs, chars)]


@fuzz(300)
@given(
    data=st.data(),
    n=st.integers(0, 6),
    k=st.integers(1, 5),
    label=st.integers(-1, 5),
    thresh=st.floats(0, 1),
)
def test_fuzz_decide_orientation(data, n, k, label, thresh):
    probs = data.draw(hnp.arrays(np.float32, (n, k), elements=prob_values))
    try:
        labels, scores, flips = _core.decide_orientation(probs, label, thresh)
    except ValueError:
        assert k < 2 or not 0 <= label < k
        return
    assert labels.shape == scores.shape == flips.shape == (n,)
    for i in range(n):
        row = probs[i]
        best = 0
        for j in range(1, k):
            if row[j] > row[best]:
                best = j
        assert labels[i] == best
        assert flips[i] == (best == label and row[best] > thresh)
        if np.isfinite(row).all():
            assert labels[i] == int(np.argmax(row))


def test_wrong_types_raise_value_error():
    img = np.zeros((10, 10, 3), np.uint8)
    box = np.zeros((1, 4, 2), np.float32)
    for bad in (None, "image", [[1, 2, 3]], np.zeros((10, 10, 3), np.float64)):
        for fn in (
            _core.det_preprocess,
            lambda b: _core.crop_batch(b, box, 48, 320),
            lambda b: _core.crop_images(b, box),
        ):
            try:
                fn(bad)
            except (ValueError, TypeError) as e:
                assert str(e)
            else:
                raise AssertionError(f"accepted {bad!r}")
    for bad in (
        np.zeros((1, 4), np.float32),
        np.array([["a"] * 2] * 4)[None],
        np.zeros((1, 4, 2), np.complex64),
        "boxes",
    ):
        try:
            _core.crop_batch(img, bad, 48, 320)
        except ValueError as e:
            assert "boxes" in str(e)
        else:
            raise AssertionError(f"accepted {bad!r}")
