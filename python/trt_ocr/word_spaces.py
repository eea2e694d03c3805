"""Spaces between words the recognizer ran together.

PP-OCR's Chinese recognizers (v4 above all) often drop the space between two Latin words: a
subtitle reads "I'mgoinggroceryshopping." Their CTC time steps still show the gap: a character
lands a step or two (8 pixels each at the 48-pixel input height) after the one before it, a word
about two steps more. Measured on 40 SROIE receipts (`python -m bench.spaces`; 1267 lines read
right but for spaces, 958 spaces in their ground truth, 532 of them read): a gap of at least the
line's median gap + 2 steps between two characters of Latin script holds 224 of the 426 missing
spaces and 12 of the 8092 pairs without one; the lines with their spaces right go from 1032 to
1126. Only Latin script gets spaces: Chinese and Japanese text has none.

Scene text is another matter: its letters are spaced unevenly, and on IC15 the rule split words
(e2e H 0.278 -> 0.264, word crops read whole 0.47 -> 0.45; bench/results/
accuracy-vm-2026-11-29-spaces.md). So it is an option for printed text (`rec.infer_spaces`,
`--infer-spaces`), off by default.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

#: A gap this many time steps above the line's median gap is a space.
EXTRA_STEPS = 2
#: Lines with fewer gaps between characters have no reliable median (a short word's letters).
MIN_GAPS = 4


def _latin(c: str) -> bool:
    return c.isascii() and not c.isspace()


def with_spaces(text: str, steps: np.ndarray) -> tuple[str, np.ndarray]:
    """text with a space wherever two Latin-script characters lie EXTRA_STEPS more time steps
    apart than the line's median gap, and steps (each character's CTC time step, one per
    character) with one for each space added: the step after the gap's first character."""
    if len(steps) != len(text):
        return text, steps
    chars = [(i, c) for i, c in enumerate(text) if not c.isspace()]
    if len(chars) - 1 < MIN_GAPS:
        return text, steps
    at = steps.tolist()
    pairs = list(pairwise(chars))
    gaps = [at[b] - at[a] for (a, _), (b, _) in pairs]
    limit = float(np.median(gaps)) + EXTRA_STEPS
    after = {
        a
        for ((a, ca), (b, cb)), gap in zip(pairs, gaps, strict=True)
        if gap >= limit and b == a + 1 and _latin(ca) and _latin(cb)
    }
    if not after:
        return text, steps
    out_text: list[str] = []
    out_steps: list[int] = []
    for i, c in enumerate(text):
        out_text.append(c)
        out_steps.append(at[i])
        if i in after:
            out_text.append(" ")
            out_steps.append(at[i] + 1)
    return "".join(out_text), np.asarray(out_steps, dtype=steps.dtype)
