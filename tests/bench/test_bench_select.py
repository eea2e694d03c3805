"""Data selection for quick and full mode on the real shared data."""

from __future__ import annotations

import pytest
from bench.cli import FULL, QUICK, select_data

from tests.conftest import shared_path


@pytest.mark.data
def test_quick_and_full_selection():
    data = shared_path()
    q = select_data(data, QUICK)
    assert len(q["e2e"]["ic15"]) == QUICK["ic15"]
    assert q["e2e"]["ic15"][1].endswith("img_2.jpg")  # natural order
    assert len(q["words"]) == QUICK["words"] and q["words"][0].endswith("word_1.png")
    assert q["warmup_images"] == q["e2e"]["ic15"][: QUICK["warmup"]]
    f = select_data(data, FULL)
    assert len(f["e2e"]["ic15"]) == 500
    assert len(f["e2e"]["sroie"]) == 80
    assert len(f["e2e"]["photos"]) == 55
    assert len(f["words"]) == 2077
    assert len(f["throughput"]) == FULL["throughput"]
    none = select_data(data, {**QUICK, "sroie": 0})
    assert "sroie" not in none["e2e"]
