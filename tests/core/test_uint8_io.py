"""The core's uint8 writers and argmax-based decoders against their float / full-probability
counterparts: the uint8 tensors normalise (as the transformed networks do, in float32) to the
float tensors exactly, padding aside; decoding from argmax + max gives identical results."""

from __future__ import annotations

import numpy as np
import pytest

from trt_ocr import _core


def _normalise(pixels: np.ndarray, mean: tuple[float, ...], std: tuple[float, ...]) -> np.ndarray:
    """The detector graph's Cast -> Mul(1/255) -> Sub(mean) -> Div(std), in float32."""
    m = np.array(mean, np.float32).reshape(1, 3, 1, 1)
    s = np.array(std, np.float32).reshape(1, 3, 1, 1)
    out: np.ndarray = (pixels.astype(np.float32) * np.float32(1.0 / 255.0) - m) / s
    return out


def _mul_add(pixels: np.ndarray, mean: tuple[float, ...], std: tuple[float, ...]) -> np.ndarray:
    """The crop graphs' Cast -> Mul(scale / std) -> Add(-mean / std), in float32."""
    scale = np.float32(1.0 / 255.0)
    mul = (scale / np.array(std, np.float32)).reshape(1, 3, 1, 1)
    add = (-np.array(mean, np.float32) / np.array(std, np.float32)).reshape(1, 3, 1, 1)
    out: np.ndarray = pixels.astype(np.float32) * mul + add
    return out


@pytest.mark.parametrize("letterbox", [False, True])
def test_detector_uint8_tensor_normalises_to_the_float_tensor(letterbox: bool) -> None:
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (37 if letterbox else 301, 517, 3), np.uint8)
    kw = {"limit_side_len": 640, "min_height": 40 if letterbox else 0, "max_side_len": 400}
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    f, fm, fw = _core.DetectionPreprocessor(mean=mean, std=std, **kw)(image)
    u, um, uw = _core.DetectionPreprocessor(mean=mean, std=std, uint8=True, **kw)(image)
    assert u.dtype == np.uint8 and u.shape == f.shape
    assert (fm.input_h, fm.input_w, fm.pad) == (um.input_h, um.input_w, um.pad)
    assert (fw is None) == (uw is None)
    np.testing.assert_array_equal(_normalise(u, mean, std), f)


@pytest.mark.parametrize("keep_ratio", [True, False])
def test_crop_batch_uint8_matches_float_and_pads_with_the_nearest_pixel(keep_ratio: bool) -> None:
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (120, 200, 3), np.uint8)
    quads = np.array(
        [
            [[10, 10], [90, 12], [88, 40], [9, 38]],
            [[100, 50], [190, 55], [185, 70], [98, 66]],
            [[5, 60], [20, 60], [20, 110], [5, 110]],  # tall: rotated
            [[0, 0], [0, 0], [0, 0], [0, 0]],  # nothing to crop
        ],
        np.float32,
    )
    mean, std = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)
    kw = {
        "keep_ratio": keep_ratio,
        "mean": mean,
        "std": std,
        "flip180": [False, True, False, False],
    }
    f, fw = _core.crop_batch(image, quads, 48, 400, **kw)
    u, uw = _core.crop_batch(image, quads, 48, 400, uint8=True, **kw)
    assert u.dtype == np.uint8
    np.testing.assert_array_equal(fw, uw)
    norm = _mul_add(u, mean, std)
    for i, w in enumerate(uw):
        np.testing.assert_array_equal(norm[i, :, :, :w], f[i, :, :, :w])
        assert (f[i, :, :, w:] == 0).all()
        pad = u[i, :, :, w:]
        if pad.size:  # one value, within half a pixel step of normalised 0 (uint8 has no 127.5)
            assert (pad == pad.flat[0]).all()
            assert abs(float(norm[i, 0, 0, -1])) <= 0.5 / 255 / 0.5 + 1e-6
    if keep_ratio:
        assert (uw < 400).any()


def test_ctc_decode_best_equals_decode_on_random_probabilities() -> None:
    rng = np.random.default_rng(7)
    chars = [chr(0x4E00 + i) for i in range(300)]
    dec = _core.CTCDecoder(chars)
    logits = rng.normal(size=(6, 40, dec.num_classes)).astype(np.float32)
    logits[:, :, 0] += 1.5  # mostly blanks, as real outputs
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    probs = probs.astype(np.float32)
    probs[0, 3, 5] = probs[0, 3, 6] = 2.0  # a tie: the first index wins in both
    best = probs.argmax(-1).astype(np.int32)
    best_p = probs.max(-1)
    full = dec.decode(probs, True)
    fast = dec.decode_best(best, best_p, True)
    for a, b in zip(full, fast, strict=True):
        assert a[0] == b[0] and a[1] == b[1]
        np.testing.assert_array_equal(a[2], b[2])  # type: ignore[misc]


def test_ctc_decode_best_rejects_bad_input() -> None:
    dec = _core.CTCDecoder(["a", "b"])
    with pytest.raises(ValueError, match="outside"):
        dec.decode_best(np.array([[3]], np.int32), np.array([[0.5]], np.float32))
    with pytest.raises(ValueError, match="same shape"):
        dec.decode_best(np.zeros((1, 2), np.int32), np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match="int32"):
        dec.decode_best(np.zeros((1, 2), np.int64), np.zeros((1, 2), np.float32))


def test_decide_orientation_best_equals_decide_orientation() -> None:
    rng = np.random.default_rng(9)
    probs = rng.dirichlet([1, 1], 50).astype(np.float32)
    a = _core.decide_orientation(probs, 1, 0.7)
    b = _core.decide_orientation_best(
        probs.argmax(1).astype(np.int32), probs.max(1), 2, label_180=1, thresh=0.7
    )
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="outside"):
        _core.decide_orientation_best(np.array([2], np.int32), np.ones(1, np.float32), 2)
