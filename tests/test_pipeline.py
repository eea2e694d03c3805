"""End-to-end OCR on the ONNX Runtime backend: self-made images and the behaviours the
RapidOCR test suite asserts on its images (../shared/data/README.md)."""

from __future__ import annotations

import json
import pickle
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import shared_path
from tests.helpers import render_line_tight, render_lines
from trt_ocr import OCR, ImageLoadError, TrtOcrError
from trt_ocr.errors import ConfigError
from trt_ocr.io import load_image, load_image_for
from trt_ocr.presets import RAPIDOCR_1_4

LINES = ["Invoice number 4711", "Total amount 12.50 EUR", "Thank you very much"]


def squash(texts: list[str]) -> list[str]:
    """PP-OCRv4's Chinese/English recognizer often drops the spaces of rendered Latin text
    (rapidocr_onnxruntime reads these images the same way), so compare without spaces."""
    return [t.replace(" ", "") for t in texts]


@pytest.fixture(scope="module")
def ocr(v4_models) -> OCR:
    return OCR(backend="onnxruntime")


@pytest.fixture(scope="module")
def ocr_rapid(v4_models) -> OCR:
    return OCR(backend="onnxruntime", **RAPIDOCR_1_4)


def test_rendered_lines_are_read_in_order(ocr: OCR) -> None:
    res = ocr(render_lines(LINES))
    assert squash(res.texts) == squash(LINES)
    assert all(line.score > 0.8 for line in res)
    h, w = res.image_size
    for line in res:
        assert line.box.shape == (4, 2)
        assert (line.box[:, 0] >= 0).all() and (line.box[:, 0] <= w).all()
        assert (line.box[:, 1] >= 0).all() and (line.box[:, 1] <= h).all()
    assert {"det", "cls", "rec", "pre", "post", "total"} <= set(res.timings)


def test_upside_down_text_is_flipped_by_the_classifier(ocr: OCR) -> None:
    img = np.ascontiguousarray(render_lines(["Rotated line of text 2026"])[::-1, ::-1])
    res = ocr(img)
    assert squash(res.texts) == ["Rotatedlineoftext2026"]
    assert res.lines[0].angle == 180
    no_cls = ocr(img, cls=False)
    assert squash(no_cls.texts) != ["Rotatedlineoftext2026"]


def test_det_only_and_rec_only(ocr: OCR) -> None:
    img = render_lines(LINES)
    boxes_only = ocr(img, rec=False)
    assert len(boxes_only) == 3 and all(line.text == "" for line in boxes_only)
    line_img = render_line_tight("Hello trt-ocr 123")
    assert ocr.recognize(line_img).text.replace(" ", "") == "Hellotrt-ocr123"


def test_all_input_kinds_give_the_same_result(ocr: OCR, tmp_path: Path) -> None:
    bgr = render_lines(LINES[:2])
    path = tmp_path / "lines.png"
    Image.fromarray(bgr[..., ::-1]).save(path)
    expected = ocr(bgr).texts
    assert squash(expected) == squash(LINES[:2])
    for source in (path, str(path), path.read_bytes(), Image.open(path)):
        assert ocr(source).texts == expected


def test_arrays_that_went_through_pickle_are_read(ocr: OCR) -> None:
    # multiprocessing, Ray and joblib hand over arrays whose dtype is an equal copy of numpy's,
    # not numpy's own object: the core once refused them ("expected dtype uint8, got uint8").
    bgr = render_lines(LINES[:2])
    copied = pickle.loads(pickle.dumps(bgr))
    assert copied.dtype is not bgr.dtype and copied.dtype == bgr.dtype
    assert ocr(copied).texts == ocr(bgr).texts


def test_blank_and_black_images_give_empty_results(ocr: OCR) -> None:
    for img in (
        np.zeros((640, 640, 3), np.uint8),
        np.full((300, 500, 3), 255, np.uint8),
        np.zeros((1, 1, 3), np.uint8),
    ):
        res = ocr(img)
        assert len(res) == 0 and res.texts == []


def test_result_serialises_and_draws(ocr: OCR) -> None:
    img = render_lines(LINES)
    res = ocr(img)
    d = json.loads(res.to_json())
    assert squash([line["text"] for line in d["lines"]]) == squash(LINES)
    drawn = res.draw(img)
    assert drawn.shape == (img.shape[0], img.shape[1] * 2, 3)
    assert not np.array_equal(drawn[:, : img.shape[1]], img)  # boxes were drawn


def test_bad_inputs_are_typed_errors(ocr: OCR, tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(ImageLoadError, match="broken.jpg"):
        ocr(bad)
    with pytest.raises(TrtOcrError):
        ocr(np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(ValueError, match="unknown det option"):
        OCR(det={"limit": 3})


def test_concurrent_calls_match_serial_calls(ocr: OCR) -> None:
    imgs = [render_lines(LINES[i:] or LINES) for i in range(3)]
    serial = [ocr(img).texts for img in imgs]
    out: dict[int, list[str]] = {}

    def work(i: int) -> None:
        out[i] = ocr(imgs[i % 3]).texts

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [out[i] for i in range(6)] == serial + serial


def test_results_do_not_depend_on_threads(v4_models) -> None:
    """threads= reaches the core's pool (rescale, letterbox, crops) and ONNX Runtime: every
    line's text, score and box are the same for 1, 2 and 4 threads."""
    page = render_lines(LINES)
    big = np.concatenate([page] * (2100 // page.shape[1] + 1), axis=1)  # the preset rescales it
    thin = render_lines(LINES[:1])[:40]  # and letterboxes this one
    results = []
    for threads in (1, 2, 4):
        with OCR(backend="onnxruntime", threads=threads, **RAPIDOCR_1_4) as ocr:
            results.append(
                [
                    [(line.text, line.score, line.box.tolist()) for line in ocr(img)]
                    for img in (big, thin, page)
                ]
            )
    assert results[0] and results[0][0], "nothing was read"
    assert results[1] == results[0]
    assert results[2] == results[0]


def test_a_large_jpeg_is_decoded_reduced_with_the_same_result(
    ocr_rapid: OCR, tmp_path: Path
) -> None:
    """A JPEG over twice the preset's 2000 px rescale is decoded at 1/2 (DCT scaling): same
    text as the full decode passed as an array, boxes in the source's pixels."""
    page = np.repeat(np.repeat(render_lines(LINES), 5, axis=0), 5, axis=1)  # 1260 x 4500
    path = tmp_path / "big.jpg"
    Image.fromarray(page[..., ::-1]).save(path, quality=95)
    reduced, size = load_image_for(path, ocr_rapid.detector.smallest_source)
    assert size == (1260, 4500) and reduced.shape[:2] == (630, 2250)
    from_path, from_array = ocr_rapid(path), ocr_rapid(load_image(path))
    assert from_path.image_size == from_array.image_size == (1260, 4500)
    assert len(from_path) >= len(LINES)
    assert squash(from_path.texts) == squash(from_array.texts)
    for a, b in zip(from_path, from_array, strict=True):
        assert np.abs(a.box - b.box).max() <= 6  # source pixels: ~1 px of the work image


def test_bad_thread_counts_are_config_errors(v4_models) -> None:
    for bad in (-1, 1000):
        with pytest.raises(ConfigError, match="threads"):
            OCR(backend="onnxruntime", threads=bad)


# ---- behaviours the RapidOCR test suite asserts (needs ../shared/data) ----------------------


def _rapid_image(name: str) -> Path:
    return shared_path("images", "rapidocr", name)


@pytest.mark.data
def test_ch_en_num_all_input_kinds(ocr_rapid: OCR) -> None:
    path = _rapid_image("ch_en_num.jpg")
    res = ocr_rapid(path)
    assert len(res) == 18
    assert res.lines[0].text == "正品促销"
    import cv2

    for source in (path.read_bytes(), cv2.imread(str(path))):
        again = ocr_rapid(source)
        assert again.texts == res.texts


@pytest.mark.data
def test_text_cls_upside_down_line(ocr_rapid: OCR) -> None:
    res = ocr_rapid(_rapid_image("text_cls.jpg"), det=False, cls=True)
    assert res.lines[0].angle == 180
    assert res.lines[0].text == "怪我咯"


@pytest.mark.data
def test_text_rec_only(ocr_rapid: OCR) -> None:
    assert ocr_rapid.recognize(_rapid_image("text_rec.jpg")).text == "韩国小馆"


@pytest.mark.data
@pytest.mark.parametrize(
    "name",
    [
        "black_font_color_transparent.png",
        "white_font_color_transparent.png",
        "img_exif_orientation.jpg",
    ],
)
def test_first_line_reads_wo_shi_zhong_guo_ren(ocr_rapid: OCR, name: str) -> None:
    res = ocr_rapid(_rapid_image(name))
    assert res.lines and res.lines[0].text == "我是中国人"


@pytest.mark.data
def test_empty_black_has_no_text(ocr_rapid: OCR) -> None:
    assert len(ocr_rapid(_rapid_image("empty_black.jpg"))) == 0
    assert len(ocr_rapid(np.zeros((640, 640, 3), np.uint8))) == 0


def test_own_onnx_files_give_the_same_result(ocr: OCR, v4_models, tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("\n".join(v4_models.characters[:-1]) + "\n", encoding="utf-8")
    custom = OCR.from_files(
        det=v4_models.det,
        rec=v4_models.rec,
        cls_model=v4_models.cls,
        dictionary=keys,
        backend="onnxruntime",
    )
    img = render_lines(LINES)
    assert custom(img).texts == ocr(img).texts
    with pytest.raises(TrtOcrError, match="no such model file"):
        OCR.from_files(det=tmp_path / "nope.onnx", rec=v4_models.rec, cls_model=v4_models.cls)


def test_whole_image_rescale_maps_boxes_back(ocr: OCR, v4_models) -> None:
    small = render_lines(LINES[:2], size=30, width=700)
    big = np.ascontiguousarray(np.repeat(np.repeat(small, 4, axis=0), 4, axis=1))
    scaled = OCR(backend="onnxruntime", image={"max_side_len": 700})
    a, b = ocr(small), scaled(big)
    assert squash(b.texts) == squash(a.texts) == squash(LINES[:2])
    assert b.image_size == big.shape[:2]
    for la, lb in zip(a.lines, b.lines, strict=True):
        # Boxes come back in the big image's pixels (4x), up to the 32-px size rounding.
        assert np.abs(la.box * 4 - lb.box).max() < 24


def test_poly_boxes_are_outlines_in_source_pixels(ocr: OCR, v4_models) -> None:
    img = render_lines(LINES)
    poly = OCR(backend="onnxruntime", det={"box_type": "poly"})
    res, quads = poly(img), ocr(img)
    assert squash(res.texts) == squash(quads.texts)
    h, w = res.image_size
    for line, q in zip(res.lines, quads.lines, strict=True):
        assert line.box.ndim == 2 and line.box.shape[1] == 2 and len(line.box) >= 4
        assert (line.box >= 0).all() and (line.box[:, 0] <= w).all() and (line.box[:, 1] <= h).all()
        # the outline covers about the same region as the quad box
        assert np.abs(line.box.min(axis=0) - q.box.min(axis=0)).max() <= 6
        assert np.abs(line.box.max(axis=0) - q.box.max(axis=0)).max() <= 6
    poly.close()


def test_thin_images_are_letterboxed_and_boxes_stay_inside(ocr_rapid: OCR) -> None:
    # 40 px tall, ~10x wider: RAPIDOCR_1_4 pads it (max_aspect 8) before detection.
    img = render_line_tight("Invoice number 4711 total amount")
    assert img.shape[1] / img.shape[0] > 8
    res = ocr_rapid(img)
    assert "".join(squash(res.texts)) == "Invoicenumber4711totalamount"
    for line in res:  # the padding rows are gone: boxes lie inside the image
        assert line.box[:, 1].min() >= 0 and line.box[:, 1].max() <= img.shape[0] - 1


# ---- issue 9: typed errors that name the input; batches keep going ------------------------


def test_recognize_on_an_overlong_array_is_a_typed_error_naming_it(ocr: OCR) -> None:
    with pytest.raises(ImageLoadError, match=r"array of shape \(1, 100000, 3\) dtype uint8"):
        ocr.recognize(np.full((1, 100000, 3), 255, np.uint8))


def test_batch_keeps_the_good_results_of_a_bad_batch(ocr: OCR, tmp_path: Path) -> None:
    empty = tmp_path / "zero_bytes.jpg"
    empty.write_bytes(b"")
    good = render_lines(LINES[:1])
    results = ocr.batch([good, empty, good])
    assert [r.ok for r in results] == [True, False, True]
    assert squash(results[0].texts) == squash(LINES[:1]) == squash(results[2].texts)
    assert isinstance(results[1].error, ImageLoadError) and "zero_bytes.jpg" in str(
        results[1].error
    )
    assert results[1].to_dict() == {"source": str(empty), "error": str(results[1].error)}
    with pytest.raises(ImageLoadError, match="zero_bytes.jpg"):
        ocr.batch([good, empty], errors="raise")
    with pytest.raises(ValueError, match="errors must be"):
        ocr.batch([good], errors="ignore")


def test_odd_and_broken_inputs_end_to_end(ocr: OCR, tmp_path: Path) -> None:
    from tests.test_io import BROKEN, _corpus

    for name, path in _corpus(tmp_path).items():
        if name in BROKEN:
            with pytest.raises(ImageLoadError, match=name.split(".")[0]):
                ocr(path)
        else:
            result = ocr(path)
            assert result.image_size[0] > 0, name
            ocr.recognize(path)  # a whole image as one line: a result, not a crash


def test_batch_refuses_a_single_image(ocr: OCR, tmp_path: Path) -> None:
    from PIL import Image

    from trt_ocr.errors import InputError

    img = render_lines(LINES)
    path = tmp_path / "page.png"
    Image.fromarray(img[..., ::-1]).save(path)
    # Each is one image: iterated, it would be read a character, a byte or a row at a time.
    with Image.open(path) as pil:
        for single in (str(path), path, path.read_bytes(), img, pil):
            with pytest.raises(InputError, match="one image"):
                ocr.batch(single)  # type: ignore[arg-type]
    assert squash(ocr.batch([str(path)])[0].texts) == squash(LINES)
    stacked = ocr.batch(np.stack([img, img]))  # a 4-D array is a stack of images
    assert [squash(r.texts) for r in stacked] == [squash(LINES)] * 2


def test_draw_refuses_a_picture_of_another_size(ocr: OCR) -> None:
    from trt_ocr.errors import InputError

    img = render_lines(LINES)
    res = ocr(img)
    with pytest.raises(InputError, match=r"10x10 pixels.*{}x{}".format(*img.shape[1::-1])):
        res.draw(np.zeros((10, 10, 3), np.uint8))
    assert res.draw(img).shape[:2] == (img.shape[0], 2 * img.shape[1])  # side by side


def test_setting_errors_are_typed_value_errors(v4_models) -> None:
    from trt_ocr import models
    from trt_ocr.errors import ConfigError, ModelError, UnknownModelError

    with pytest.raises(ConfigError, match="backend must be one of"):
        OCR(v4_models, backend="cuda")
    with pytest.raises(UnknownModelError, match="nope") as caught:
        models.get("nope")
    assert isinstance(caught.value, ModelError) and isinstance(caught.value, ValueError)
    no_cls = OCR(v4_models, backend="onnxruntime", cls=False)
    with pytest.raises(ConfigError, match="classifier off"):
        no_cls(render_lines(LINES), cls=True)
