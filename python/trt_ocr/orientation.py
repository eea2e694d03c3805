"""Second chance for the orientation of poorly read lines.

The 0/180-degree classifier turns a line only when it is sure (ClsOptions.thresh); an upside-down
line it is unsure of is read upside down, with a low confidence, and usually dropped. Lines read
with a confidence below ClsOptions.retry_below are read again turned the other way, and the
better-scoring read is kept (with its orientation), so the recognizer's own confidence settles
what the classifier could not.
"""

from __future__ import annotations

import numpy as np

from trt_ocr.stages import Detections, Recognized, TextRecognizer, Timings


def retry_turned(
    recognizer: TextRecognizer,
    found: Detections,
    flips: np.ndarray,
    recognized: list[Recognized],
    below: float,
    t: Timings,
) -> tuple[list[Recognized], np.ndarray]:
    """(reads, flips) after re-reading, turned 180 degrees, the lines scored below `below`."""
    low = np.array([i for i, (_, score, _) in enumerate(recognized) if score < below], np.int64)
    if below <= 0 or len(low) == 0:
        return recognized, flips
    subset = Detections(
        found.work_image,
        np.ascontiguousarray(found.quads[low]),
        found.quads[low],
        found.scores[low],
        found.tall_ratio,
        found.turned,
    )
    again = recognizer(subset, ~flips[low], t)
    out, turned = list(recognized), flips.copy()
    for i, read in zip(low, again, strict=True):
        if read[1] > out[i][1]:
            out[i] = read
            turned[i] = not turned[i]
    return out, turned
