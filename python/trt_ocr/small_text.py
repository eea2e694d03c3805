"""A second, larger detection pass for images whose text is small at the detector's scale.

The detector reads an image with its long side at `limit_side_len`; a 1280 x 720 photo is read
at 0.75x and a page of small print at a fraction of its size, where text a few pixels high is
missed or merged. When the lines of the first pass are mostly lower than
`DetOptions.small_text_px` at the detector's input and the image was shrunk, it is detected
again at up to MAX_ZOOM times the limit (never above its own size) and the second pass's
lines are kept. Images with text of ordinary size pay nothing.
"""

from __future__ import annotations

import numpy as np

#: The second pass reads the image at most this many times larger than the first.
MAX_ZOOM = 2.0
#: Below this gain a second pass is not worth its cost.
MIN_ZOOM = 1.25


def zoom(heights: np.ndarray, scale: float, small_px: float) -> float:
    """How much larger to read the image again (1.0: not at all). heights: the first pass's
    line heights in work-image pixels; scale: detector input / work image; small_px: the
    median line height at the detector's input below which text counts as small."""
    if small_px <= 0 or len(heights) == 0 or scale >= 1 / MIN_ZOOM:
        return 1.0
    if float(np.median(heights)) * scale >= small_px:
        return 1.0
    factor = min(MAX_ZOOM, 1 / scale)
    return factor if factor >= MIN_ZOOM else 1.0
