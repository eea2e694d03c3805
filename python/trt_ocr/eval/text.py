"""Transcription normalisation used by the metrics (each rule is stated where it is used)."""

from __future__ import annotations

import unicodedata

# The characters the ICDAR 2015 end-to-end protocol lets a transcription carry at its start or
# end without counting as a mistake: ! ? . : , * " ( ) · [ ] / and the apostrophe.
IC15_EDGE_PUNCTUATION = "!?.:,*\"()\u00b7[]/'"


def ic15_normalize(text: str) -> str:
    """ICDAR 2015 end-to-end comparison form, applied to both ground truth and prediction:
    surrounding whitespace removed, upper-cased (the match is case-insensitive), then every
    leading and trailing character from ``IC15_EDGE_PUNCTUATION`` stripped, repeatedly
    (``"(Upp"`` -> ``"UPP"``, ``"off!"`` -> ``"OFF"``, ``"\"ok.\""`` -> ``"OK"``).
    Inner punctuation and inner spaces are kept (``"9AM-5PM"``, ``"MT. FUJI"``); ``-``, ``&``,
    ``%``, ``$`` are not in the set, so ``"-70%"`` stays as it is."""
    return text.strip().upper().strip(IC15_EDGE_PUNCTUATION + " ")


def word_normalize(text: str) -> str:
    """Word-accuracy comparison form: Unicode NFC (so a precomposed and a combining ``É``
    compare equal), surrounding whitespace removed, case folded. Punctuation is kept."""
    return unicodedata.normalize("NFC", text).strip().casefold()


def squash_whitespace(text: str) -> str:
    """SROIE comparison form: every whitespace character removed, nothing else changed
    (SROIE text is upper case; the comparison is case-sensitive)."""
    return "".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions of one character each)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
