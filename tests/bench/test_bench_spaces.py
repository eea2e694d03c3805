"""bench.spaces: what it counts of the spaces in lines read right but for spaces."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from bench.spaces import count

from trt_ocr.eval.datasets import GtBox

BOX = np.array([[0, 0], [100, 0], [100, 10], [0, 10]], np.float32)


def below(y: float) -> np.ndarray:
    """BOX moved y pixels down."""
    return BOX + np.array([0, y], np.float32)


def test_counts_spaces_read_missing_and_wrong() -> None:
    truth = [GtBox(BOX, "TOTAL AMOUNT DUE"), GtBox(below(20), "CASH 10.00")]
    lines = [
        SimpleNamespace(box=BOX, text="TOTALAMOUNT DUE"),  # one of two spaces read
        SimpleNamespace(box=below(20), text="CA SH 10.00"),  # one read, one wrong
        SimpleNamespace(box=below(40), text="unmatched"),
    ]
    assert count(truth, lines) == {
        "lines": 2,
        "spaces right": 0,
        "truth spaces": 3,
        "read": 2,
        "wrong": 1,
    }
    right = [SimpleNamespace(box=BOX, text="TOTAL AMOUNT DUE")]
    assert count(truth[:1], right)["spaces right"] == 1
    other_text = [SimpleNamespace(box=BOX, text="TOTAL AMOUNT DUF")]
    assert count(truth[:1], other_text)["lines"] == 0
