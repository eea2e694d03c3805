"""Crops sampled straight into recognizer / classifier batches, against PP-OCR's algorithm
written with OpenCV + numpy (tests/core/reference_crop.py), on real quads and images."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from tests.conftest import shared_path
from tests.core import reference_crop as ref
from trt_ocr import _core

ONE_GREY = 1 / 127.5  # one grey level after (x / 255 - 0.5) / 0.5


def real_samples(ic15: int = 30, sroie: int = 10):
    """IC15 ground-truth quads (### don't-care boxes skipped: they are often unreadable or
    degenerate slivers) on IC15 images, and SROIE line boxes on receipts."""
    out = ref.load_ic15(shared_path("icdar2015", "det_e2e"), ic15)
    out += ref.load_sroie(shared_path("sroie"), sroie)
    return out


@pytest.fixture(scope="module")
def samples():
    return real_samples()


@pytest.mark.data
def test_crop_sizes_match_reference(samples):
    for img, quads, _ in samples:
        sizes, rotated = _core.crop_sizes(quads)
        assert sizes.dtype == np.int32 and rotated.dtype == np.bool_
        for q, (w, h), rot in zip(quads, sizes, rotated, strict=True):
            crop = ref.rotate_crop(img, q)
            assert (crop.shape[1], crop.shape[0]) == (w, h)
            cw, ch = ref.crop_size(q)
            assert rot == (ch / cw >= 1.5)


@pytest.mark.data
def test_crop_images_match_warp_perspective(samples):
    rng = np.random.default_rng(0)
    n_px = n_diff = 0
    worst = 0
    for img, quads, _ in samples:
        # The ground truth has integer corners; jittered copies exercise sub-pixel positions.
        jittered = quads + rng.uniform(-0.5, 0.5, quads.shape).astype(np.float32)
        for qs in (quads, jittered):
            flips = rng.random(len(qs)) < 0.3
            for q, crop, f in zip(
                qs, _core.crop_images(img, qs, flip180=flips), flips, strict=True
            ):
                want = ref.rotate_crop(img, q)
                if f:
                    want = cv2.rotate(want, cv2.ROTATE_180)
                assert crop.shape == want.shape and crop.dtype == np.uint8
                d = np.abs(crop.astype(np.int16) - want)
                worst = max(worst, int(d.max(initial=0)))
                n_px += d.size
                n_diff += int(np.count_nonzero(d))
    # Measured: max 1 grey level, on 0.04% of the values (float rounding ties).
    assert worst <= 1
    assert n_diff / n_px < 0.005


def ppocr_batches(quads: np.ndarray, height: int = 48, base_width: int = 320, size: int = 6):
    """PP-OCR's recognizer batching: boxes sorted by aspect ratio, batch width from the widest."""
    sizes, _ = _core.crop_sizes(quads)
    keep = np.flatnonzero(sizes[:, 0] > 0)
    ratios = sizes[keep, 0] / sizes[keep, 1]
    order = keep[np.argsort(ratios, kind="stable")]
    for s in range(0, len(order), size):
        idx = order[s : s + size]
        r = max(base_width / height, float((sizes[idx, 0] / sizes[idx, 1]).max()))
        yield idx, int(height * r)


@pytest.mark.data
def test_crop_batch_tensors_match_reference(samples):
    diffs, worst = [], 0.0
    for img, quads, _ in samples:
        for idx, width in ppocr_batches(quads):
            ours, widths = _core.crop_batch(img, quads[idx], 48, width)
            want, want_widths = ref.crop_batch(img, quads[idx], 48, width)
            assert ours.shape == want.shape and np.array_equal(widths, want_widths)
            diffs.append(float(np.abs(ours - want).mean()))
            worst = max(worst, float(np.abs(ours - want).max()))
    # Measured on 30 IC15 + 10 SROIE images: mean |diff| ~3.5e-7, max one grey level.
    assert np.mean(diffs) < 1e-4
    assert worst <= ONE_GREY + 1e-6


@pytest.mark.data
@pytest.mark.slow
def test_recognizer_text_equal_on_real_lines(samples, v4_models):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(v4_models.rec), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    decoder = _core.CTCDecoder(v4_models.characters)
    same = total = 0
    for img, quads, _ in samples:
        for idx, width in ppocr_batches(quads):
            ours, _ = _core.crop_batch(img, quads[idx], 48, width)
            want, _ = ref.crop_batch(img, quads[idx], 48, width)
            a = decoder.decode(sess.run(None, {name: ours})[0])
            b = decoder.decode(sess.run(None, {name: want})[0])
            same += sum(x[0] == y[0] for x, y in zip(a, b, strict=True))
            total += len(a)
    assert total > 600
    # Measured: 686 / 686 lines identical (a single bilinear resampling reached only 95.5%).
    assert same / total >= 0.99, f"{same}/{total} lines read the same"


@pytest.mark.data
def test_classifier_inputs_match_reference(samples, v4_models):
    """v2 classifier (3x48x192, keep ratio + pad) on the model, with and without flips."""
    import onnxruntime as ort

    spec = v4_models.spec.cls
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(v4_models.cls), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    rng = np.random.default_rng(1)
    same = total = 0
    for img, quads, _ in samples[::3]:
        flips = rng.random(len(quads)) < 0.5
        ours, widths = _core.crop_batch(
            img, quads, spec.height, spec.width, flip180=flips, mean=spec.mean, std=spec.std
        )
        want, want_widths = ref.crop_batch(
            img, quads, spec.height, spec.width, flip180=flips, mean=spec.mean, std=spec.std
        )
        assert np.array_equal(widths, want_widths)
        assert float(np.abs(ours - want).max()) <= ONE_GREY + 1e-6
        po = sess.run(None, {name: ours})[0]
        pw = sess.run(None, {name: want})[0]
        lo, _, _ = _core.decide_orientation(np.ascontiguousarray(po, np.float32))
        lw, _, _ = _core.decide_orientation(np.ascontiguousarray(pw, np.float32))
        same += int((lo == lw).sum())
        total += len(lo)
        assert np.abs(po - pw).max() < 0.05
    assert same / total >= 0.99


@pytest.mark.data
def test_stretched_imagenet_classifier_input_matches_reference(samples):
    """PP-LCNet text-line orientation input: 3x80x160 stretched, ImageNet mean/std."""
    for img, quads, _ in samples[::4]:
        ours, widths = _core.crop_batch(
            img, quads, 80, 160, keep_ratio=False, mean=ref.IMAGENET_MEAN, std=ref.IMAGENET_STD
        )
        want, _ = ref.crop_batch(
            img, quads, 80, 160, keep_ratio=False, mean=ref.IMAGENET_MEAN, std=ref.IMAGENET_STD
        )
        assert (widths == 160).all()
        assert float(np.abs(ours - want).max()) <= (1 / 255) / 0.224 + 1e-5
        assert float(np.abs(ours - want).mean()) < 1e-4


def test_tall_and_flipped_crops_on_synthetic_image():
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (120, 90, 3), dtype=np.uint8)
    quads = np.float32(
        [
            [[10, 5], [30, 5], [30, 100], [10, 100]],  # tall: rotated
            [[40.5, 10.2], [80.1, 14.9], [76.3, 40.4], [38.8, 35.5]],  # perspective
            [[60, 60], [70, 62], [68, 110], [58, 108]],  # tall and tilted
        ]
    )
    sizes, rotated = _core.crop_sizes(quads)
    assert rotated.tolist() == [True, False, True]
    for flips in ([False] * 3, [True, False, True]):
        ours, w = _core.crop_batch(img, quads, 48, 400, flip180=flips)
        want, ww = ref.crop_batch(img, quads, 48, 400, flip180=flips)
        assert np.array_equal(w, ww)
        assert float(np.abs(ours - want).max()) <= ONE_GREY + 1e-6
        assert w[0] == min(400, math.ceil(48 * sizes[0, 0] / sizes[0, 1]))


def test_crop_batch_out_buffer_padding_and_empty():
    rng = np.random.default_rng(2)
    img = rng.integers(0, 256, (50, 60, 3), dtype=np.uint8)
    quads = np.float32([[[1, 1], [30, 2], [29, 12], [1, 11]], [[5, 5], [5, 5], [5, 5], [5, 5]]])
    buf = np.full(2 * 3 * 32 * 100 + 3, 7.0, np.float32)
    t, w = _core.crop_batch(img, quads, 32, 100, out=buf)
    assert np.shares_memory(t, buf) and t.shape == (2, 3, 32, 100)
    assert w.tolist() == [93, 0]  # 29 x 10 crop -> ceil(32 * 2.9); a point has nothing
    assert (t[0, :, :, 93:] == 0).all() and (t[1] == 0).all() and (buf[-3:] == 7).all()
    t0, w0 = _core.crop_batch(img, np.zeros((0, 4, 2), np.float32), 48, 320)
    assert t0.shape == (0, 3, 48, 320) and w0.shape == (0,)
    assert _core.crop_images(img, np.zeros((0, 4, 2), np.float32)) == []
    # Integer / float64 boxes are accepted (converted); other shapes are not.
    t64, _ = _core.crop_batch(img, quads.astype(np.float64), 32, 100)
    assert np.array_equal(t64, t)
    with pytest.raises(ValueError, match=r"\[N, 4, 2\]"):
        _core.crop_batch(img, quads[:, :3], 32, 100)
    with pytest.raises(ValueError, match="flip180"):
        _core.crop_batch(img, quads, 32, 100, flip180=[True])
    with pytest.raises(ValueError, match="height and width"):
        _core.crop_batch(img, quads, 0, 100)


def test_crop_images_channels_and_limits():
    rng = np.random.default_rng(4)
    q = np.float32([[[2, 3], [22, 3], [22, 13], [2, 13]]])
    for shape in [(30, 40), (30, 40, 1), (30, 40, 3), (30, 40, 4)]:
        img = rng.integers(0, 256, shape, dtype=np.uint8)
        (crop,) = _core.crop_images(img, q)
        assert crop.shape == (10, 20, *shape[2:])
        assert np.array_equal(crop, img[3:13, 2:22])
    img = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    far = np.float32([[[0, 0], [1e6, 0], [1e6, 1e6], [0, 1e6]]])
    with pytest.raises(ValueError, match="above the limit"):
        _core.crop_images(img, far)
    # The batch has a fixed size, so far-away quads just replicate the border.
    t, w = _core.crop_batch(img, far, 48, 64)
    assert np.isfinite(t).all() and w.tolist() == [48]


def test_crop_on_huge_image_touches_only_its_pixels():
    img = np.zeros((20000, 20000, 3), np.uint8)  # untouched zero pages
    quads = np.float32([[[19000, 19000], [19500, 19010], [19490, 19060], [18990, 19050]]])
    t, w = _core.crop_batch(img, quads, 48, 320)
    assert w.tolist() == [320] and np.allclose(t[0, :, :, :320], -1.0)
    (crop,) = _core.crop_images(img, quads)
    assert crop.shape[2] == 3 and not crop.any()


@pytest.mark.parametrize("uint8", [True, False])
def test_batches_read_from_a_crop_store_equal_the_computed_ones(uint8: bool) -> None:
    rng = np.random.default_rng(11)
    image = rng.integers(0, 256, (300, 420, 3), np.uint8)
    quads = []
    for _ in range(40):
        cx, cy = rng.uniform(-20, 440), rng.uniform(-20, 320)
        w, h = rng.uniform(2, 180), rng.uniform(2, 130)  # some taller than the store keeps
        a = rng.uniform(-0.6, 0.6)
        c, s = math.cos(a), math.sin(a)
        corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
        q = [(cx + x * c - y * s + rng.normal(0, 2), cy + x * s + y * c) for x, y in corners]
        quads.append(q)
    quads_a = np.array(quads, np.float32)
    store = _core.CropStore(image, quads_a, tall_ratio=1.5)
    assert len(store) == len(quads_a)
    flips = rng.random(len(quads_a)) < 0.3
    order = rng.permutation(len(quads_a))
    for keep_ratio, width in ((True, 320), (True, 192), (False, 192)):
        for start in range(0, len(order), 7):
            idx = order[start : start + 7]
            kw = {"keep_ratio": keep_ratio, "flip180": flips[idx], "uint8": uint8}
            want = _core.crop_batch(image, quads_a[idx], 48, width, **kw)
            got = _core.crop_batch(
                image, quads_a[idx], 48, width, store=store, store_index=idx, **kw
            )
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])
    # An entry made from another quad, or with another tall_ratio, is not read: computed instead.
    moved = quads_a[:5] + np.float32(0.5)
    want = _core.crop_batch(image, moved, 48, 320, uint8=uint8)[0]
    got = _core.crop_batch(
        image, moved, 48, 320, uint8=uint8, store=store, store_index=np.arange(5)
    )
    np.testing.assert_array_equal(got[0], want)
    want = _core.crop_batch(image, quads_a[:5], 48, 320, uint8=uint8, tall_ratio=3.0)[0]
    got = _core.crop_batch(
        image,
        quads_a[:5],
        48,
        320,
        uint8=uint8,
        tall_ratio=3.0,
        store=store,
        store_index=np.arange(5),
    )
    np.testing.assert_array_equal(got[0], want)


def test_crop_store_arguments_are_checked() -> None:
    image = np.zeros((20, 30, 3), np.uint8)
    quads = np.array([[[1, 1], [20, 1], [20, 9], [1, 9]]], np.float32)
    store = _core.CropStore(image, quads)
    with pytest.raises(ValueError, match="together"):
        _core.crop_batch(image, quads, 48, 320, store=store)
    with pytest.raises(ValueError, match="store_index"):
        _core.crop_batch(image, quads, 48, 320, store=store, store_index=[0, 1])
    with pytest.raises(ValueError, match="non-negative"):
        _core.crop_batch(image, quads, 48, 320, store=store, store_index=[-1])
    # An index past the store's end reads nothing from it.
    got = _core.crop_batch(image, quads, 48, 320, store=store, store_index=[5])[0]
    np.testing.assert_array_equal(got, _core.crop_batch(image, quads, 48, 320)[0])


def test_a_crop_store_is_read_for_the_quads_it_holds() -> None:
    # Made from one image and read with another: the kept crops come from the first (the store
    # is read, not recomputed); a crop too tall to keep, and a flipped one, from the second.
    rng = np.random.default_rng(5)
    first, second = (rng.integers(0, 256, (200, 300, 3), np.uint8) for _ in range(2))
    quads = np.array(
        [
            [[10.3, 12.1], [150.7, 14.0], [150.2, 40.5], [9.8, 38.9]],  # kept
            [[20.0, 20.0], [60.0, 20.0], [60.0, 190.0], [20.0, 190.0]],  # 40 rows once upright
            [[5.5, 60.2], [290.1, 62.0], [290.0, 170.4], [5.0, 168.0]],  # 108 rows: not kept
        ],
        np.float32,
    )
    assert 40 <= _core.CropStore.max_height < 108  # the rows of the first and last crop
    store = _core.CropStore(first, quads)
    flips = np.array([False, True, False])
    got = _core.crop_batch(
        second, quads, 48, 320, flip180=flips, store=store, store_index=[0, 1, 2]
    )[0]
    from_first = _core.crop_batch(first, quads, 48, 320, flip180=flips)[0]
    from_second = _core.crop_batch(second, quads, 48, 320, flip180=flips)[0]
    np.testing.assert_array_equal(got[0], from_first[0])
    np.testing.assert_array_equal(got[1:], from_second[1:])
    assert not np.array_equal(from_first[0], from_second[0])


@pytest.mark.parametrize("uint8", [True, False])
def test_every_padding_length_is_written_over_whatever_the_buffer_held(uint8: bool) -> None:
    """Rows are padded right after their pixels: each length from 0 to 40 (the short fills are
    written out, the long ones in 16-byte steps), over a buffer of garbage."""
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (60, 80, 3), np.uint8)
    quad = np.array([[[5, 4], [65, 4], [65, 52], [5, 52]]], np.float32)  # 60 x 48: 60 wide at 48
    for pad in range(41):
        width = 60 + pad
        out = np.full(3 * 48 * width, 0xAB if uint8 else np.nan, np.uint8 if uint8 else np.float32)
        batch, widths = _core.crop_batch(image, quad, 48, width, uint8=uint8, out=out)
        assert widths[0] == 60
        want = _core.crop_batch(image, quad, 48, 60, uint8=uint8)[0]
        np.testing.assert_array_equal(batch[..., :60], want)
        tail = batch[..., 60:]
        if uint8:  # (x / 255 - 0.5) / 0.5 is 0 at 127.5: one of the nearest pixels, everywhere
            assert np.isin(tail, (127, 128)).all() and (tail == tail.max(initial=0)).all()
        else:
            assert (tail == 0).all()
