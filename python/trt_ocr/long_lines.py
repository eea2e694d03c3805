"""Recognition of very long text lines in overlapping windows.

The recognizer reads a line resized to its input height; its cost and memory grow with the
width, faster than linearly (a 60 x 66000 line took 11.5 s and ~4 GB in one piece). A line
wider than `WHOLE_UP_TO` windows of `window` pixels at the recognizer's height is cut along its
reading direction into
windows of that width overlapping by `WINDOW_OVERLAP` of it; each window is read as a line of
its own, and the texts are joined at each overlap: the cut is placed in the widest gap between
the characters both windows read there (the CTC time step of each character gives its
position), so a character near the cut is neither read twice nor lost, and memory is bounded by
the window, not by the line.

Plain numpy: the recognizer stage (`trt_ocr.stages.TextRecognizer`) runs the windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Consecutive windows share this fraction of the window width.
WINDOW_OVERLAP = 0.25
#: Lines up to this many windows wide are read whole, as PP-OCR reads them: document lines of
#: 1200-1700 px at the recognizer's height are common, and windows there changed 4 of 871
#: lines of the snapshot set; past it, windows read better (the recognizer run over several
#: thousand pixels drops spaces) and bound memory.
WHOLE_UP_TO = 3.0
#: Characters within this fraction of the overlap from a window's edge are not trusted to
#: place the cut (a glyph cut by the window's edge reads as noise).
EDGE_MARGIN = 0.2

#: Lines wider than this many times the classifier's input aspect (20 x 192 / 48: 80, about
#: where the recognizer's windows start) are classified in pieces; shorter ones, document lines
#: among them, are squeezed into its input as PP-OCR does (and as the classifier was trained).
PIECE_FACTOR = 20.0
#: How many pieces (start, middle, end) of such a line the classifier reads; their
#: probabilities are averaged.
PIECES = 3

#: One read window: text, score, each character's CTC time step, pixels per time step.
WindowRead = tuple[str, float, np.ndarray, float]


@dataclass(frozen=True)
class WindowPlan:
    """Windows of the long lines of a batch of quads; short lines are kept whole."""

    quads: np.ndarray  # float32 [M, 4, 2]: the windows and the short lines, in line order
    owner: np.ndarray  # int [M]: the line each row belongs to
    start: np.ndarray  # float [M]: where each row starts along its line (recognizer pixels)
    width: float  # the window width (recognizer pixels)
    n_lines: int

    def merge(
        self, reads: list[WindowRead], flips: np.ndarray
    ) -> list[tuple[str, float, np.ndarray]]:
        """Each line's (text, score, CTC time steps of the whole line) from its rows' reads.
        flips: per line, read rotated 180 degrees (its windows then come in reverse order)."""
        out: list[tuple[str, float, np.ndarray]] = []
        for line in range(self.n_lines):
            rows = np.flatnonzero(self.owner == line)
            if len(rows) == 1:
                text, score, steps, _ = reads[rows[0]]
                out.append((text, score, steps))
                continue
            starts = self.start[rows]
            ends = starts + self.width
            if flips[line]:
                length = float(ends.max())
                starts, ends = length - ends[::-1], length - starts[::-1]
                rows = rows[::-1]
            out.append(_join([reads[r] for r in rows], starts, ends))
        return out


def crop_aspects(sizes: np.ndarray) -> list[float]:
    """Width / height of each crop (sizes [N, 2] of (width, height); a height below 1 counts as
    1) as Python floats: the few per-line numbers are read right after a network, when numpy's
    arithmetic is cold in the caches and its first call alone costs ~0.1 ms (measured)."""
    return [w / max(h, 1) for w, h in sizes.tolist()]


def sub_quad(quad: np.ndarray, a: float, b: float, rotated: bool) -> np.ndarray:
    """The part of a line's quad (clockwise from top-left) from fraction a to b of its reading
    direction: left to right, or top to bottom for a crop turned 90 degrees (a tall crop is
    turned counter-clockwise, so its top comes first)."""
    tl, tr, br, bl = np.asarray(quad, np.float64)
    if rotated:
        return np.array(
            [tl + a * (bl - tl), tr + a * (br - tr), tr + b * (br - tr), tl + b * (bl - tl)]
        )
    return np.array(
        [tl + a * (tr - tl), tl + b * (tr - tl), bl + b * (br - bl), bl + a * (br - bl)]
    )


def plan_pieces(
    quads: np.ndarray, sizes: np.ndarray, rotated: np.ndarray, aspect: float
) -> tuple[np.ndarray, np.ndarray]:
    """What the orientation classifier reads of each line: the line itself, or for a line more
    than PIECE_FACTOR times wider than the classifier's input aspect (which would squeeze it
    into illegibility) PIECES pieces of that aspect spread over it. Returns (quads [M, 4, 2],
    owner [M])."""
    limit = PIECE_FACTOR * aspect
    ratios = crop_aspects(sizes)
    if all(r <= limit for r in ratios):  # the common case: every line read whole
        return np.ascontiguousarray(quads, np.float32).reshape(-1, 4, 2), np.arange(
            len(quads), dtype=np.int64
        )
    out_q: list[np.ndarray] = []
    owner: list[int] = []
    for i, q in enumerate(quads):
        if ratios[i] <= limit:
            out_q.append(np.asarray(q, np.float64))
            owner.append(i)
            continue
        part = aspect / ratios[i]
        for k in range(PIECES):
            a = k * (1 - part) / (PIECES - 1)
            out_q.append(sub_quad(q, a, a + part, bool(rotated[i])))
            owner.append(i)
    return np.ascontiguousarray(np.array(out_q, np.float32).reshape(-1, 4, 2)), np.array(
        owner, np.int64
    )


def plan_windows(
    quads: np.ndarray,
    sizes: np.ndarray,
    rotated: np.ndarray,
    height: int,
    window: int,
    max_whole: int | None = None,
) -> WindowPlan | None:
    """Splits the lines (quads [N, 4, 2], clockwise from top-left; sizes [N, 2] their crops'
    (width, height) after rotation; rotated [N]: crops turned 90 degrees) whose width at the
    recognizer's height exceeds WHOLE_UP_TO windows, or max_whole (the widest input a backend
    bounded to its profiles runs). None when no line does (window <= 0: never)."""
    if window <= 0 or len(quads) == 0:
        return None
    # Plain Python, as crop_aspects; w * height first, the order the numpy form computed.
    widths = [w * height / max(h, 1) for w, h in sizes.tolist()]
    whole = WHOLE_UP_TO * window if max_whole is None else min(WHOLE_UP_TO * window, max_whole)
    if all(w <= whole for w in widths):
        return None
    step = window * (1 - WINDOW_OVERLAP)
    out_q: list[np.ndarray] = []
    owner: list[int] = []
    start: list[float] = []
    for i, q in enumerate(quads.astype(np.float64)):
        length = float(widths[i])
        if length <= whole:
            out_q.append(q)
            owner.append(i)
            start.append(0.0)
            continue
        # Evenly spread windows of one width: the last ends at the line's end.
        n = int(np.ceil((length - window) / step)) + 1
        for k in range(n):
            s = k * (length - window) / (n - 1)
            out_q.append(sub_quad(q, s / length, (s + window) / length, bool(rotated[i])))
            owner.append(i)
            start.append(s)
    return WindowPlan(
        np.ascontiguousarray(np.array(out_q, np.float32)),
        np.array(owner),
        np.array(start),
        float(window),
        len(quads),
    )


def _positions(read: WindowRead, start: float) -> np.ndarray:
    """Each character's centre along the line (recognizer pixels)."""
    _, _, steps, step_px = read
    return start + (np.asarray(steps, np.float64) + 0.5) * step_px


def _cut(
    a: WindowRead, pa: np.ndarray, b: WindowRead, pb: np.ndarray, lo: float, hi: float
) -> tuple[float, float]:
    """The widest gap (g0, g1) between the non-space characters both windows place inside
    [lo, hi] (the trusted middle of their overlap)."""
    points = [lo, hi]
    for read, pos in ((a, pa), (b, pb)):
        points += [p for ch, p in zip(read[0], pos, strict=True) if lo < p < hi and ch != " "]
    points.sort()
    gaps = np.diff(points)
    k = int(np.argmax(gaps))
    return points[k], points[k + 1]


def _join(
    reads: list[WindowRead], starts: np.ndarray, ends: np.ndarray
) -> tuple[str, float, np.ndarray]:
    """One line from its windows' reads in reading order."""
    pos = [_positions(r, s) for r, s in zip(reads, starts, strict=True)]
    gaps: list[tuple[float, float]] = []
    for k in range(len(reads) - 1):
        lo, hi = float(starts[k + 1]), float(ends[k])
        m = EDGE_MARGIN * (hi - lo)
        gaps.append(_cut(reads[k], pos[k], reads[k + 1], pos[k + 1], lo + m, hi - m))
    chars: list[str] = []
    where: list[float] = []
    score_sum, n_read = 0.0, 0
    for k, read in enumerate(reads):
        left = gaps[k - 1] if k > 0 else (-np.inf, -np.inf)
        right = gaps[k] if k < len(gaps) else (np.inf, np.inf)
        cut_left, cut_right = sum(left) / 2, sum(right) / 2
        seam_space = k > 0 and any(
            ch == " " and left[0] < p < left[1]
            for r, ps in ((reads[k - 1], pos[k - 1]), (read, pos[k]))
            for ch, p in zip(r[0], ps, strict=True)
        )
        # A space read in the seam's gap by either window: exactly one is kept.
        if seam_space and chars and chars[-1] != " ":
            chars.append(" ")
            where.append(cut_left)
        kept = 0
        for ch, p in zip(read[0], pos[k], strict=True):
            in_gap = left[0] < p < left[1] or right[0] < p < right[1]
            if cut_left <= p < cut_right and not (ch == " " and in_gap):
                chars.append(ch)
                where.append(p)
                kept += 1
        score_sum += read[1] * kept
        n_read += kept
    step_px = reads[0][3]
    steps = np.array([max(0, round(p / step_px - 0.5)) for p in where], np.int32)
    text = "".join(chars)
    return text, score_sum / max(1, n_read), steps
