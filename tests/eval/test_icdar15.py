"""IC15 detection / end-to-end protocol on hand-made cases with hand-computed figures."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("shapely")

from trt_ocr.eval import GtBox, evaluate_detection, evaluate_end_to_end, match_image
from trt_ocr.eval.geometry import quad_iou


def rect(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def gt(x0, y0, x1, y1, text="WORD"):
    return GtBox(rect(x0, y0, x1, y1), text, text == "###")


def test_perfect_match():
    g = {"a": [gt(0, 0, 10, 10, "HELLO"), gt(20, 0, 30, 10, "WORLD")]}
    p = {"a": [(rect(20, 0, 30, 10), "world"), (rect(0, 0, 10, 10), "hello")]}
    for r in (evaluate_detection(g, p), evaluate_end_to_end(g, p)):
        assert (r.precision, r.recall, r.hmean) == (1.0, 1.0, 1.0)
        assert (r.matched, r.n_gt, r.n_det) == (2, 2, 2)


def test_miss_and_false_positive():
    # 3 GT, 3 predictions: 2 hits, 1 GT missed, 1 prediction far away.
    g = {"a": [gt(0, 0, 10, 10), gt(20, 0, 30, 10), gt(40, 0, 50, 10)]}
    p = {
        "a": [
            (rect(0, 0, 10, 10), "WORD"),
            (rect(20, 0, 30, 10), "WORD"),
            (rect(100, 100, 110, 110), "WORD"),
        ]
    }
    r = evaluate_detection(g, p)
    assert (r.matched, r.n_gt, r.n_det) == (2, 3, 3)
    assert r.precision == pytest.approx(2 / 3)
    assert r.recall == pytest.approx(2 / 3)
    assert r.hmean == pytest.approx(2 / 3)


def test_precision_and_recall_differ():
    # 2 GT, 1 exact prediction: P = 1, R = 0.5, H = 2/3.
    g = {"a": [gt(0, 0, 10, 10), gt(20, 0, 30, 10)]}
    r = evaluate_detection(g, {"a": [(rect(0, 0, 10, 10), "")]})
    assert (r.precision, r.recall) == (1.0, 0.5)
    assert r.hmean == pytest.approx(2 / 3)


def test_iou_threshold():
    # GT 10x10; prediction shifted by 3: inter 70, union 130 -> IoU 0.538 (hit).
    # shifted by 4: inter 60, union 140 -> IoU 0.43 (miss).
    g = {"a": [gt(0, 0, 10, 10)]}
    assert evaluate_detection(g, {"a": [(rect(3, 0, 13, 10), "")]}).matched == 1
    assert evaluate_detection(g, {"a": [(rect(4, 0, 14, 10), "")]}).matched == 0
    # exactly 0.5: prediction twice the GT's area and containing it -> counts (IoU >= 0.5)
    assert evaluate_detection(g, {"a": [(rect(0, 0, 20, 10), "")]}).matched == 1


def test_dont_care_gt_and_predictions_ignored():
    # One cared GT, one ### region. A prediction on the ### region is ignored (not a false
    # positive); a prediction only 40% inside it is kept and is a false positive.
    g = {"a": [gt(0, 0, 10, 10), gt(50, 0, 60, 10, "###")]}
    p = {"a": [(rect(0, 0, 10, 10), ""), (rect(50, 0, 60, 10), "")]}
    r = evaluate_detection(g, p)
    assert (r.matched, r.n_gt, r.n_det) == (1, 1, 1)
    assert (r.precision, r.recall) == (1.0, 1.0)
    # 4 of the 10 width units inside the ### region: 40% of its own area -> counts.
    p2 = {"a": [(rect(0, 0, 10, 10), ""), (rect(56, 0, 66, 10), "")]}
    r2 = evaluate_detection(g, p2)
    assert (r2.matched, r2.n_det) == (1, 2)
    assert r2.precision == 0.5
    # 60% inside -> ignored.
    p3 = {"a": [(rect(0, 0, 10, 10), ""), (rect(54, 0, 64, 10), "")]}
    assert evaluate_detection(g, p3).n_det == 1


def test_dont_care_region_not_matchable():
    # A prediction exactly on a ### region never "hits" it and is ignored; recall is over the
    # cared-for GT only (here none: recall 0 by convention, precision 0 with no cared preds).
    g = {"a": [gt(0, 0, 10, 10, "###")]}
    r = evaluate_detection(g, {"a": [(rect(0, 0, 10, 10), "")]})
    assert (r.matched, r.n_gt, r.n_det) == (0, 0, 0)
    assert (r.precision, r.recall, r.hmean) == (0.0, 0.0, 0.0)


def test_one_to_one_matching():
    # Two identical predictions on one GT: one hit, one false positive.
    g = {"a": [gt(0, 0, 10, 10)]}
    p = {"a": [(rect(0, 0, 10, 10), ""), (rect(0, 0, 10, 10), "")]}
    r = evaluate_detection(g, p)
    assert (r.matched, r.n_det) == (1, 2)
    assert r.precision == 0.5
    # Two GT under one wide prediction (the line-vs-word case): IoU with each is 0.5 at best
    # only when it covers exactly one; here 0.476 each -> no hit at all.
    g2 = {"a": [gt(0, 0, 10, 10), gt(11, 0, 21, 10)]}
    r2 = evaluate_detection(g2, {"a": [(rect(0, 0, 21, 10), "")]})
    assert r2.matched == 0


def test_greedy_order_first_gt_takes_first_qualifying_prediction():
    # GT0 and GT1 overlap; prediction 0 qualifies for both, prediction 1 only for GT1.
    g = {"a": [gt(0, 0, 10, 10), gt(2, 0, 12, 10)]}
    p = {"a": [(rect(1, 0, 11, 10), ""), (rect(2, 0, 12, 10), "")]}
    r = evaluate_detection(g, p)
    assert r.matched == 2
    assert r.per_image["a"].pairs == [(0, 0), (1, 1)]


def test_images_summed_and_missing_predictions():
    g = {"a": [gt(0, 0, 10, 10)], "b": [gt(0, 0, 10, 10), gt(20, 0, 30, 10)]}
    r = evaluate_detection(g, {"a": [(rect(0, 0, 10, 10), "")]})  # nothing for "b"
    assert (r.matched, r.n_gt, r.n_det) == (1, 3, 1)
    assert r.recall == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="without ground truth"):
        evaluate_detection(g, {"zzz": []})


def test_end_to_end_text_rules():
    g = {
        "a": [
            gt(0, 0, 10, 10, "(Upp"),
            gt(20, 0, 30, 10, "off!"),
            gt(40, 0, 50, 10, "-70%"),
            gt(60, 0, 70, 10, "Mt."),
        ]
    }
    p = {
        "a": [
            (rect(0, 0, 10, 10), "UPP"),  # leading ( stripped, case ignored
            (rect(20, 0, 30, 10), "'Off'"),  # quotes/! stripped on both sides
            (rect(40, 0, 50, 10), "70%"),  # '-' is not stripped: wrong
            (rect(60, 0, 70, 10), "mt"),
        ]
    }  # trailing '.' stripped
    r = evaluate_end_to_end(g, p)
    assert (r.matched, r.n_gt, r.n_det) == (3, 4, 4)
    assert r.precision == r.recall == 0.75
    # detection ignores the text: all four hit
    assert evaluate_detection(g, p).matched == 4


def test_end_to_end_wrong_text_consumes_the_pair():
    # Prediction 0 pairs with the GT on geometry but reads wrong; prediction 1 (also on the
    # GT, right text) cannot take the GT any more: 0 matches, 2 cared predictions.
    g = {"a": [gt(0, 0, 10, 10, "CAT")]}
    p = {"a": [(rect(0, 0, 10, 10), "DOG"), (rect(0, 0, 10, 10), "CAT")]}
    r = evaluate_end_to_end(g, p)
    assert (r.matched, r.n_det) == (0, 2)


def test_prediction_forms_and_bowtie_quads():
    g = [gt(0, 0, 10, 10, "A")]
    bowtie = np.array([[0, 0], [10, 10], [10, 0], [0, 10]], dtype=np.float32)
    flat = [0, 0, 10, 0, 10, 10, 0, 10]
    c = match_image(g, [{"box": flat, "text": "a"}], e2e=True)
    assert c.matched == 1
    # A self-intersecting point order is repaired (two triangles of area 25), not an error:
    # IoU with the 10x10 square is 50 / 100.
    assert quad_iou(g[0].quad, bowtie) == pytest.approx(0.5)
    assert match_image(g, [(bowtie, "A")], e2e=False).matched == 1
