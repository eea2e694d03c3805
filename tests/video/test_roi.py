from __future__ import annotations

import numpy as np
import pytest

from trt_ocr.errors import ConfigError
from trt_ocr.video.roi import BOTTOM_BAND, Roi, band, recurring_band


def test_parse_and_clip() -> None:
    assert Roi.parse("10, 20,300,40") == Roi(10, 20, 300, 40)
    for bad in ("1,2,3", "a,b,c,d", "0,0,0,10", "-1,0,10,10"):
        with pytest.raises(ConfigError):
            Roi.parse(bad)
    assert Roi(600, 0, 100, 50).clip(360, 640) == Roi(600, 0, 40, 50)
    with pytest.raises(ConfigError):
        Roi(700, 0, 10, 10).clip(360, 640)


def test_bands() -> None:
    assert band("full", 360, 640) == Roi(0, 0, 640, 360)
    b = band("bottom", 1000, 640)
    assert (b.y + b.h, b.h) == (1000, round(1000 * BOTTOM_BAND))
    with pytest.raises(ConfigError):
        band("top", 10, 10)


def _box(y0: float, y1: float) -> np.ndarray:
    return np.array([[100, y0], [300, y0], [300, y1], [100, y1]], np.float32)


def test_recurring_band_prefers_changing_text_over_a_static_logo() -> None:
    logo = (_box(20, 50), "LOGO")
    samples = [[logo, (_box(300, 330), f"line {i}")] for i in range(8)] + [[logo]] * 4
    roi = recurring_band(samples, 360, 640)
    assert roi.y <= 300 and roi.y + roi.h >= 330 and roi.y > 50
    assert recurring_band([[]] * 5, 360, 640) == band("bottom", 360, 640)


def test_clip_says_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match="outside the 640x360 frame"):
        Roi(5000, 5000, 100, 100).clip(360, 640)
    # Inside the frame but too thin: not "outside".
    with pytest.raises(ConfigError, match="640x5 pixels is too small") as info:
        Roi(0, 0, 640, 5).clip(360, 640)
    assert "outside" not in str(info.value)
    with pytest.raises(ConfigError, match="only 4x100 pixels of it lie inside"):
        Roi(636, 0, 100, 100).clip(360, 640)
