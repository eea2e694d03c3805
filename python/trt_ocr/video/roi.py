"""The region of interest: the part of each frame that is OCRed (a user box, a bottom band,
the full frame, or a band found from where text recurs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trt_ocr.errors import ConfigError

#: The bottom band is this fraction of the frame's height (subtitles, two-line bilingual too).
BOTTOM_BAND = 0.32
BANDS = ("bottom", "auto", "full")
#: A region of interest must be at least this many pixels wide and high in the frame.
MIN_SIDE = 8
# auto: text must be found in at least this fraction of the sampled frames (and in 2) to count
# as recurring; the band gets this margin (a fraction of the found band's height) around it.
_AUTO_MIN_SHARE = 0.15
_AUTO_MARGIN = 0.6


@dataclass(frozen=True)
class Roi:
    """A box in frame pixels: left x, top y, width, height."""

    x: int
    y: int
    w: int
    h: int

    @classmethod
    def parse(cls, text: str) -> Roi:
        """'X,Y,W,H' (integers, pixels)."""
        parts = text.replace(" ", "").split(",")
        try:
            x, y, w, h = (int(p) for p in parts)
        except ValueError:
            raise ConfigError(f"--roi {text!r}: expected X,Y,W,H (four integers)") from None
        if x < 0 or y < 0 or w <= 0 or h <= 0:
            raise ConfigError(f"--roi {text!r}: needs X,Y >= 0 and W,H > 0")
        return cls(x, y, w, h)

    def clip(self, height: int, width: int) -> Roi:
        """This box inside a height x width frame; ConfigError when it lies outside or what
        lies inside is under MIN_SIDE pixels wide or high."""
        x0, y0 = min(self.x, width), min(self.y, height)
        x1, y1 = min(self.x + self.w, width), min(self.y + self.h, height)
        if x1 <= x0 or y1 <= y0:
            raise ConfigError(f"--roi {self}: lies outside the {width}x{height} frame")
        if x1 - x0 < MIN_SIDE or y1 - y0 < MIN_SIDE:
            least = f"at least {MIN_SIDE}x{MIN_SIDE} needed"
            if (x1 - x0, y1 - y0) == (self.w, self.h):
                raise ConfigError(f"--roi {self}: {self.w}x{self.h} pixels is too small ({least})")
            raise ConfigError(
                f"--roi {self}: only {x1 - x0}x{y1 - y0} pixels of it lie inside the "
                f"{width}x{height} frame ({least})"
            )
        return Roi(x0, y0, x1 - x0, y1 - y0)

    def slice(self, image: np.ndarray) -> np.ndarray:
        return image[self.y : self.y + self.h, self.x : self.x + self.w]

    @property
    def offset(self) -> np.ndarray:
        return np.array([self.x, self.y], np.float32)

    def __str__(self) -> str:
        return f"{self.x},{self.y},{self.w},{self.h}"


def band(kind: str, height: int, width: int) -> Roi:
    """The 'bottom' band or the 'full' frame of a height x width frame."""
    if kind == "full":
        return Roi(0, 0, width, height)
    if kind == "bottom":
        top = round(height * (1.0 - BOTTOM_BAND))
        return Roi(0, top, width, height - top)
    raise ConfigError(f"band must be one of {', '.join(BANDS)}, got {kind!r}")


def recurring_band(
    samples: Sequence[Sequence[tuple[np.ndarray, str]]], height: int, width: int
) -> Roi:
    """The full-width band where text recurs across sampled frames. Each sample is one frame's
    lines as (box [4, 2] in frame pixels, text); rows covered in enough frames form runs, and
    the run with the most different texts wins (subtitles change, a logo or a watermark does
    not), then the one covered most often. The bottom band when nothing recurs."""
    n = len(samples)
    votes = np.zeros(height, np.int32)
    for lines in samples:
        covered = np.zeros(height, np.bool_)
        for box, _ in lines:
            top, bottom = _rows(box, height)
            covered[top:bottom] = True
        votes += covered
    need = max(2, int(np.ceil(n * _AUTO_MIN_SHARE)))
    rows = votes >= need
    if not rows.any():
        return band("bottom", height, width)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], rows.astype(np.int8), [0]])))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]

    def score(run: tuple[int, int]) -> tuple[int, int]:
        texts = set()
        for lines in samples:
            for box, text in lines:
                top, bottom = _rows(box, height)
                if top < run[1] and bottom > run[0] and text.strip():
                    texts.add("".join(text.split()))
        return len(texts), int(votes[run[0] : run[1]].sum())

    top, bottom = max(runs, key=score)
    margin = int((bottom - top) * _AUTO_MARGIN) + 8
    top, bottom = max(0, top - margin), min(height, bottom + margin)
    return Roi(0, top, width, bottom - top)


def _rows(box: np.ndarray, height: int) -> tuple[int, int]:
    ys = np.asarray(box, np.float32)[:, 1]
    return max(0, int(ys.min())), min(height, int(np.ceil(ys.max())) + 1)
