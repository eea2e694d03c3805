"""Report pieces: IC15 scoring call-site, changed-line share, sensitivity metric."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trt_ocr.engines import report


def _q(x: float, y: float, w: float = 40, h: float = 10) -> np.ndarray:
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)


def test_ic15_scoring_is_trt_ocr_eval(tmp_path: Path) -> None:
    (tmp_path / "gt_img_1.txt").write_text(
        "\ufeff0,0,40,0,40,10,0,10,Hello\n100,0,140,0,140,10,100,10,World\n"
        "200,0,240,0,240,10,200,10,###\n",
        encoding="utf-8",
    )
    preds = {"img_1": [(_q(1, 0), "hello!"), (_q(100, 1), "Wrld"), (_q(201, 0), "junk")]}
    m = report.score_ic15(preds, tmp_path)
    assert m["det_recall"] == 100 and m["e2e_recall"] == 50  # "###" prediction ignored
    assert report.EVALUATOR == "trt_ocr.eval"


def test_ic15_words_parse_in_natural_order(tmp_path: Path) -> None:
    words = tmp_path / "words"
    (words / "images").mkdir(parents=True)
    (words / "gt.txt").write_text(
        '\ufeffword_2.png, "a"b"\r\nword_10.png, "X"\r\n', encoding="utf-8"
    )
    assert [(p.name, t) for p, t in report.read_words(words)] == [
        ("word_2.png", 'a"b'),
        ("word_10.png", "X"),
    ]


def test_changed_lines_counts_text_changes_and_losses() -> None:
    ref = [(_q(0, 0), "a"), (_q(100, 0), "b"), (_q(200, 0), "c")]
    other = [(_q(0, 1), "a"), (_q(100, 0), "B")]
    assert report.changed_lines(ref, other) == (2, 3)


def test_output_error_metrics() -> None:
    ref = np.zeros((1, 4, 3), np.float32)
    ref[0, :, 0] = 1  # all blank
    ref[0, 1] = [0, 1, 0]
    got = ref.copy()
    got[0, 1] = [0, 0, 1]
    assert report.output_error(ref, got) == 1.0  # the one non-blank step differs
    assert report.output_error(ref, ref) == 0.0
    assert report.output_error(np.zeros((1, 1, 2, 2)), np.ones((1, 1, 2, 2))) == 1.0
    # graph I/O networks give the argmax itself: the same metrics on indices
    ref_i, got_i = ref.argmax(-1).astype(np.int32), got.argmax(-1).astype(np.int32)
    assert report.output_error(ref_i, got_i) == 1.0
    assert report.output_error(ref_i, ref_i) == 0.0
    labels = np.array([0, 1, 1, 0], np.int32)
    assert report.output_error(labels, np.array([0, 1, 0, 0], np.int32)) == 0.25


def test_markdown_table_marks_pass_and_fail() -> None:
    rep = {
        "model": "m",
        "precisions": {
            "fp32": {
                "det_hmean": 50,
                "e2e_hmean": 40,
                "word_acc": 70,
                "lines_changed_pct": 0,
                "seconds": 1,
            },
            "int8": {
                "det_hmean": 49,
                "e2e_hmean": 30,
                "word_acc": 60,
                "lines_changed_pct": 20,
                "seconds": 1,
                "pass": False,
                "delta": {"det_hmean": -1, "e2e_hmean": -10, "word_acc": -10},
            },
        },
    }
    md = report.to_markdown(rep)
    assert "| int8 |" in md and "FAIL" in md and "-10.00" in md
