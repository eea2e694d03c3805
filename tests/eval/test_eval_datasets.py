"""Loaders: parsing rules on inline text, then the real GT files when ../shared/data exists."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import shared_path
from trt_ocr.eval import load_ic15_gt, load_ic15_words, load_sroie_boxes
from trt_ocr.eval.datasets import parse_quad_line, parse_word_label_line


def test_parse_quad_line_commas_in_text():
    q, t = parse_quad_line("226,340,372,343,367,441,221,439,$5,50")
    assert t == "$5,50"
    assert q.shape == (4, 2) and q.dtype == np.float32
    assert q[2].tolist() == [367, 441]
    assert parse_quad_line("545,158,572,153,569,176,545,178,B1,")[1] == "B1,"
    with pytest.raises(ValueError):
        parse_quad_line("1,2,3,4,5,6,7,8")


def test_parse_word_label():
    assert parse_word_label_line('word_1.png, "JOINT"') == ("word_1.png", "JOINT")
    assert parse_word_label_line('w.png, "say "hi", ok"') == ("w.png", 'say "hi", ok')
    with pytest.raises(ValueError):
        parse_word_label_line("word_1.png, JOINT")


def test_bom_and_crlf(tmp_path):
    (tmp_path / "gt_img_7.txt").write_bytes(
        "\ufeff1,2,3,2,3,4,1,4,Hi\r\n5,5,6,5,6,6,5,6,###\r\n".encode()
    )
    gt = load_ic15_gt(tmp_path)
    assert list(gt) == ["img_7"]
    assert [b.text for b in gt["img_7"]] == ["Hi", "###"]
    assert [b.dont_care for b in gt["img_7"]] == [False, True]
    assert gt["img_7"][0].quad[0].tolist() == [1, 2]
    (tmp_path / "gt.txt").write_bytes('\ufeffword_1.png, "A"\r\nword_2.png, "b,c"\r\n'.encode())
    assert load_ic15_words(tmp_path / "gt.txt") == {"word_1.png": "A", "word_2.png": "b,c"}


@pytest.mark.data
def test_real_ic15_gt():
    gt = load_ic15_gt(shared_path("icdar2015", "det_e2e", "gts"))
    assert len(gt) == 500
    boxes = [b for v in gt.values() for b in v]
    assert len(boxes) == 5230
    care = [b for b in boxes if not b.dont_care]
    assert 0 < len(care) < len(boxes)
    assert not any(b.text.startswith("\ufeff") for b in boxes)
    texts = {b.text for b in care}
    assert "$5,50" in texts  # one of the transcriptions with a comma
    sub = load_ic15_gt(shared_path("icdar2015", "det_e2e", "gts"), ids=["img_1", "img_10"])
    assert list(sub) == ["img_1", "img_10"]


@pytest.mark.data
def test_real_ic15_words():
    words = load_ic15_words(shared_path("icdar2015", "words", "gt.txt"))
    assert len(words) == 2077
    assert words["word_1.png"] == "JOINT"  # the BOM is not part of the first name
    assert words["word_177.png"] == "CAFÉ"
    assert all('"' not in k for k in words)


@pytest.mark.data
def test_real_sroie_boxes():
    gt = load_sroie_boxes(shared_path("sroie", "boxes"))
    assert len(gt) == 80
    first = gt["000"][0]
    assert first.text == "TAN WOON YANN"
    assert first.quad.tolist() == [[72, 25], [326, 25], [326, 64], [72, 64]]
    assert any("," in b.text for v in gt.values() for b in v)
    assert not any(b.dont_care for v in gt.values() for b in v)


@pytest.mark.data
def test_ground_truth_scores_itself_perfectly():
    from trt_ocr.eval import evaluate_detection, evaluate_end_to_end, evaluate_lines

    gt = load_ic15_gt(
        shared_path("icdar2015", "det_e2e", "gts"), ids=[f"img_{i}" for i in range(1, 51)]
    )
    preds = {k: [(b.quad, b.text) for b in v] for k, v in gt.items()}
    for r in (evaluate_detection(gt, preds), evaluate_end_to_end(gt, preds)):
        assert (r.precision, r.recall, r.hmean) == (1.0, 1.0, 1.0)
        assert r.n_det == r.n_gt == sum(not b.dont_care for v in gt.values() for b in v)
    sroie = load_sroie_boxes(shared_path("sroie", "boxes"), ids=["000", "001"])
    r = evaluate_lines(sroie, {k: [(b.quad, b.text) for b in v] for k, v in sroie.items()})
    assert r.line_recall == 1.0
