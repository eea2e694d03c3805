from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("shapely")

from trt_ocr.eval import GtBox, evaluate_lines, evaluate_words


def rect(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_word_accuracy():
    gt = {"w1": "JOINT", "w2": "Café", "w3": "off!", "w4": "abc"}
    preds = {"w1": "joint", "w2": "CAFÉ", "w3": "off"}  # w4 missing -> empty
    r = evaluate_words(gt, preds)
    assert (r.correct, r.total) == (2, 4)
    assert r.accuracy == 0.5
    assert r.accuracy_punct_insensitive == 0.75
    # 1-NED: 1 + 1 + (1 - 1/4) + 0 over 4
    assert r.one_minus_ned == pytest.approx((1 + 1 + 0.75 + 0) / 4)
    assert set(r.wrong) == {"w3", "w4"}


def test_sroie_line_recall():
    gt = {
        "r": [
            GtBox(rect(0, 0, 100, 10), "TOTAL 12.00"),
            GtBox(rect(0, 20, 100, 30), "CASH"),
            GtBox(rect(0, 40, 100, 50), "TAX"),
        ]
    }
    preds = {
        "r": [
            (rect(0, 0, 100, 10), "TOTAL12.00"),  # whitespace ignored: hit
            (rect(0, 20, 100, 30), "Cash"),  # case-sensitive: geometry only
            (rect(0, 100, 100, 110), "TAX"),
        ]
    }  # right text, wrong place
    r = evaluate_lines(gt, preds)
    assert (r.recalled, r.det_recalled, r.total, r.n_pred) == (1, 2, 3, 3)
    assert r.line_recall == pytest.approx(1 / 3)
    assert r.det_recall == pytest.approx(2 / 3)


def test_sroie_prediction_used_once():
    gt = {"r": [GtBox(rect(0, 0, 100, 10), "A"), GtBox(rect(0, 0, 100, 10), "A")]}
    r = evaluate_lines(gt, {"r": [(rect(0, 0, 100, 10), "A")]})
    assert r.recalled == 1
