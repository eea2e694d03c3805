"""Report pieces: IC15 scoring call-site, changed-line share, sensitivity metric."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trt_ocr.engines import report


def _q(x: float, y: float, w: float = 40, h: float = 10) -> np.ndarray:
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)


def test_minimal_scorer_matches_by_iou_text_and_ignores_dont_care() -> None:
    gt = [(_q(0, 0), "Hello"), (_q(100, 0), "World"), (_q(200, 0), "###")]
    preds = [
        (_q(1, 0), "hello!"),
        (_q(100, 1), "Wrld"),
        (_q(201, 0), "junk"),
        (_q(400, 400), "extra"),
    ]
    c = report.Counts()
    report.score_image(gt, preds, c)
    assert (c.gt, c.pred, c.det_match, c.e2e_match) == (2, 3, 2, 1)
    h = c.hmeans()
    assert round(h["det_recall"]) == 100 and round(h["e2e_recall"]) == 50


def test_ic15_files_parse(tmp_path: Path) -> None:
    (tmp_path / "gt_img_1.txt").write_text(
        "\ufeff1,2,3,2,3,4,1,4,a,b\n5,5,6,5,6,6,5,6,###\n", encoding="utf-8"
    )
    gt = report.read_ic15_gt(tmp_path / "gt_img_1.txt")
    assert [t for _, t in gt] == ["a,b", "###"]
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
