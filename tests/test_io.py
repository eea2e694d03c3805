"""Image loading: every accepted input kind, EXIF orientation, alpha, and typed errors."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trt_ocr.errors import ImageLoadError, TrtOcrError
from trt_ocr.io import load_image


def _png_bytes(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_path_bytes_array_and_pil_agree(tmp_path: Path) -> None:
    rgb = np.zeros((20, 30, 3), np.uint8)
    rgb[..., 0] = 200  # red in RGB
    pil = Image.fromarray(rgb)
    p = tmp_path / "red.png"
    pil.save(p)
    expected = rgb[..., ::-1]  # BGR
    for source in (p, str(p), p.read_bytes(), pil, expected.copy()):
        out = load_image(source)
        assert out.dtype == np.uint8 and out.flags.c_contiguous
        np.testing.assert_array_equal(out, expected)


def test_grayscale_and_gray_alpha_become_bgr() -> None:
    gray = np.full((5, 6), 77, np.uint8)
    out = load_image(gray)
    assert out.shape == (5, 6, 3) and (out == 77).all()


def test_exif_orientation_is_applied() -> None:
    # 40x10 landscape pixels tagged "rotate 90 CW to display" (orientation 6) -> 10x40 shown.
    img = Image.new("RGB", (40, 10), (255, 255, 255))
    img.putpixel((0, 0), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = load_image(_png_bytes(img, "JPEG", exif=exif.tobytes(), quality=100))
    assert out.shape[:2] == (40, 10)


@pytest.mark.parametrize("text_value", [0, 255])
def test_text_on_transparent_background_stays_readable(text_value: int) -> None:
    # Text pixels opaque, everything else fully transparent with the *same* color as the text
    # (as many exporters do) -- naive alpha dropping makes the text vanish.
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., :3] = text_value
    rgba[8:12, 4:16, 3] = 255
    out = load_image(_png_bytes(Image.fromarray(rgba, "RGBA")))
    text = out[9, 10].astype(int)
    background = out[0, 0].astype(int)
    assert abs(int(text.mean()) - int(background.mean())) > 200


def test_empty_file_is_a_typed_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.jpg"
    p.write_bytes(b"")
    with pytest.raises(ImageLoadError, match="empty.jpg"):
        load_image(p)


def test_truncated_file_is_a_typed_error(tmp_path: Path) -> None:
    data = _png_bytes(Image.new("RGB", (64, 64), (1, 2, 3)), "JPEG")
    p = tmp_path / "cut.jpg"
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(ImageLoadError, match="cut.jpg"):
        load_image(p)


def test_not_an_image_and_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("hello")
    with pytest.raises(ImageLoadError, match="not a readable image"):
        load_image(p)
    with pytest.raises(ImageLoadError, match="no such file"):
        load_image(tmp_path / "missing.png")


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((0, 5, 3), np.uint8),
        np.zeros((5, 0), np.uint8),
        np.zeros((4, 4, 5), np.uint8),
        np.zeros((2, 2, 3), np.int64),
        np.full((2, 2), np.nan, np.float32),
        42,
        [1, 2, 3],
    ],
)
def test_bad_inputs_raise_typed_errors(bad) -> None:
    with pytest.raises(TrtOcrError):
        load_image(bad)
