"""Image loading: every accepted input kind, EXIF orientation, alpha, and typed errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trt_ocr.errors import ConfigError, ImageLoadError, TrtOcrError
from trt_ocr.io import load_image, load_image_for


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


# ---- issue 9: one error vocabulary, size limits, a corpus of broken inputs ----------------


def test_messages_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match=r"array of shape \(216000,\).*1 dimension"):
        load_image(np.zeros(216000, np.uint8))
    with pytest.raises(ImageLoadError, match="is a folder"):
        load_image(tmp_path)
    with pytest.raises(ImageLoadError, match="empty string"):
        load_image("")
    with pytest.raises(ImageLoadError, match=r"array of shape \(1, 100000, 3\) dtype uint8"):
        load_image(np.full((1, 100000, 3), 255, np.uint8))


def test_pixel_limit_is_typed_configurable_and_warning_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 12000 x 12000 is above PIL's bomb warning threshold; only the header is read here.
    big = tmp_path / "big.png"
    Image.new("L", (12000, 12000)).save(big, optimize=False)
    monkeypatch.setenv("TRT_OCR_MAX_PIXELS", "100000000")
    with pytest.raises(ImageLoadError, match=r"big.png: 12000x12000 .* TRT_OCR_MAX_PIXELS"):
        load_image(big)  # pytest turns any warning into an error: none is raised
    monkeypatch.setenv("TRT_OCR_MAX_PIXELS", "lots")
    with pytest.raises(ConfigError, match="TRT_OCR_MAX_PIXELS"):
        load_image(big)
    monkeypatch.delenv("TRT_OCR_MAX_PIXELS")
    assert load_image(big).shape == (12000, 12000, 3)


def _corpus(tmp_path: Path) -> dict[str, Path]:
    """Inputs users really have, broken and odd ones included, made here."""
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[10:30, 10:50] = (250, 240, 10)
    pil = Image.fromarray(rgb)
    jpg = _png_bytes(pil, "JPEG")
    png = _png_bytes(pil)
    files: dict[str, bytes] = {
        "zero.jpg": b"",
        "truncated.jpg": jpg[: len(jpg) // 2],
        "truncated.png": png[: len(png) // 2],
        "text named.jpg": b"this is a note, not a picture\n",
        "sixteen-bit.png": _png_bytes(Image.fromarray(np.full((30, 40), 40000, np.uint16))),
        "cmyk.jpg": _png_bytes(pil.convert("CMYK"), "JPEG"),
        "one-by-one.png": _png_bytes(Image.new("RGB", (1, 1), (9, 9, 9))),
        "strip 20000x200.png": _png_bytes(Image.new("L", (20000, 200), 255)),
        "rgba.png": _png_bytes(Image.fromarray(np.dstack([rgb, np.full((40, 60), 128, np.uint8)]))),
        "palette.gif": _png_bytes(pil.convert("P"), "GIF"),
        "фото 写真 ü.png": png,
    }
    frames = [Image.new("P", (20, 10), i) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    files["animated.gif"] = buf.getvalue()
    exif = Image.Exif()
    exif[0x0112] = 6
    files["exif-rotated.jpg"] = _png_bytes(pil, "JPEG", exif=exif.tobytes())
    out = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        out[name] = tmp_path / name
    return out


BROKEN = {"zero.jpg", "truncated.jpg", "truncated.png", "text named.jpg"}


def test_broken_input_corpus_gives_images_or_typed_errors(tmp_path: Path) -> None:
    for name, path in _corpus(tmp_path).items():
        if name in BROKEN:
            with pytest.raises(ImageLoadError, match=re.escape(name)):
                load_image(path)
            continue
        img = load_image(path)
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3, name
    assert load_image(tmp_path / "exif-rotated.jpg").shape[:2] == (60, 40)
    assert load_image(tmp_path / "sixteen-bit.png").max() > 100


# ---- reduced JPEG decodes (load_image_for) -------------------------------------------------


def _smooth_jpeg(h: int, w: int, exif_orientation: int | None = None) -> bytes:
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (h + w)], axis=2)
    img = Image.fromarray(rgb.astype(np.uint8))
    if exif_orientation is None:
        return _png_bytes(img, "JPEG", quality=90)
    exif = Image.Exif()
    exif[0x0112] = exif_orientation
    return _png_bytes(img, "JPEG", quality=90, exif=exif.tobytes())


def test_large_jpeg_is_decoded_no_smaller_than_asked(tmp_path: Path) -> None:
    data = _smooth_jpeg(1200, 4400)
    p = tmp_path / "wide.jpg"
    p.write_bytes(data)
    asked: list[tuple[int, int]] = []

    def smallest(h: int, w: int) -> tuple[int, int]:
        asked.append((h, w))
        return (250, 1000)

    for source in (p, data):
        img, size = load_image_for(source, smallest)
        assert size == (1200, 4400) and asked[-1] == (1200, 4400)
        assert img.shape == (300, 1100, 3)  # 1/4: the largest DCT scale that keeps 250 x 1000
        full = load_image(source)
        reduced_ref = full.reshape(300, 4, 1100, 4, 3).mean(axis=(1, 3))
        assert np.abs(img.astype(np.float32) - reduced_ref).mean() < 3.0  # the same picture
    # Nothing to gain below 2x, no limit, not a JPEG, an array: the whole image.
    for source, rule in (
        (data, lambda h, w: (700, 2300)),
        (data, lambda h, w: None),
        (_png_bytes(Image.open(io.BytesIO(data))), smallest),
    ):
        img, size = load_image_for(source, rule)
        assert img.shape == (1200, 4400, 3) and size == (1200, 4400)
    arr = np.zeros((900, 3000, 3), np.uint8)
    img, size = load_image_for(arr, smallest)
    assert img.shape == arr.shape and size == (900, 3000)


def test_reduced_decode_follows_the_exif_orientation() -> None:
    data = _smooth_jpeg(1200, 4400, exif_orientation=6)  # shown rotated: 4400 x 1200 upright
    img, size = load_image_for(data, lambda h, w: (h // 4, w // 4))
    assert size == (4400, 1200)
    assert img.shape == (1100, 300, 3)
    assert load_image(data).shape == (4400, 1200, 3)


def test_a_bgr_array_is_taken_as_is_and_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    arr = np.zeros((40, 60, 3), np.uint8)
    img, size = load_image_for(arr, None)
    assert img is arr and size == (40, 60)  # nothing copied
    view = np.zeros((40, 120, 3), np.uint8)[:, ::2]  # not contiguous: a contiguous copy
    img, _ = load_image_for(view, None)
    assert img.flags.c_contiguous and img.shape == (40, 60, 3) and img is not view
    monkeypatch.setenv("TRT_OCR_MAX_PIXELS", "2000")
    with pytest.raises(ImageLoadError, match=r"array of shape \(40, 60, 3\).*2,400 pixels"):
        load_image_for(arr, None)
    with pytest.raises(ImageLoadError, match="no pixels"):
        load_image_for(np.zeros((0, 60, 3), np.uint8), None)
