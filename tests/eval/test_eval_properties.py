"""Properties of the IC15 protocol on random layouts (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("shapely")

from trt_ocr.eval import GtBox, evaluate_detection, evaluate_end_to_end
from trt_ocr.eval.geometry import quad_iou


def rect(x0, y0, w, h):
    return np.array([[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h]], np.float32)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 8),
    keep=st.lists(st.booleans(), min_size=8, max_size=8),
    n_fp=st.integers(0, 4),
    dc=st.lists(st.booleans(), min_size=8, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_subset_of_ground_truth(n, keep, n_fp, dc, seed):
    # GT: n boxes on a grid (no overlaps); predictions: the kept GT boxes, jittered by less
    # than what would drop IoU below 0.5, in random order, plus far-away false positives.
    rng = np.random.default_rng(seed)
    gt = [GtBox(rect(100 * i, 0, 60, 20), "###" if dc[i] else f"W{i}", dc[i]) for i in range(n)]
    preds = [
        (g.quad + rng.uniform(-2, 2, (4, 2)), g.text.lower())
        for g, k in zip(gt, keep, strict=False)
        if k
    ]
    preds += [(rect(100 * i, 500, 60, 20), "X") for i in range(n_fp)]
    order = rng.permutation(len(preds))
    preds = [preds[i] for i in order]
    hits = sum(1 for g, k in zip(gt, keep, strict=False) if k and not g.dont_care)
    ignored = sum(1 for g, k in zip(gt, keep, strict=False) if k and g.dont_care)
    for r in (
        evaluate_detection({"a": gt}, {"a": preds}),
        evaluate_end_to_end({"a": gt}, {"a": preds}),
    ):
        assert r.matched == hits
        assert r.n_gt == sum(not d for d in dc[:n])
        assert r.n_det == len(preds) - ignored
        assert 0.0 <= r.hmean <= 1.0


@settings(max_examples=60, deadline=None)
@given(
    a=st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(1, 40), st.integers(1, 40)),
    b=st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(1, 40), st.integers(1, 40)),
)
def test_iou_matches_axis_aligned_formula(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    expected = inter / (aw * ah + bw * bh - inter)
    assert quad_iou(rect(*a), rect(*b)) == pytest.approx(expected)
    assert quad_iou(rect(*b), rect(*a)) == pytest.approx(expected)
