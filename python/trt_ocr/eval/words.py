"""Word accuracy on ICDAR 2015 cropped words (recognition only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trt_ocr.eval.text import edit_distance, ic15_normalize, word_normalize


@dataclass
class WordAccuracy:
    """``accuracy``: share of words whose prediction equals the label after
    :func:`~trt_ocr.eval.text.word_normalize` (NFC, trimmed, case-folded; punctuation kept).
    ``accuracy_punct_insensitive``: the same after the IC15 end-to-end normalisation (edge
    punctuation stripped too). ``one_minus_ned``: mean of 1 - edit distance / max length on the
    word_normalize forms. A word with no prediction counts as an empty string."""

    accuracy: float
    accuracy_punct_insensitive: float
    one_minus_ned: float
    correct: int
    total: int
    wrong: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, float | int]:
        return {
            k: getattr(self, k)
            for k in ("accuracy", "accuracy_punct_insensitive", "one_minus_ned", "correct", "total")
        }


def evaluate_words(gt: Mapping[str, str], preds: Mapping[str, str]) -> WordAccuracy:
    """``gt`` and ``preds`` map a word image's name to its text; scored over ``gt``'s keys."""
    unknown = set(preds) - set(gt)
    if unknown:
        raise ValueError(f"predictions for words without ground truth: {sorted(unknown)[:5]}")
    correct = loose = 0
    ned_sum = 0.0
    wrong: dict[str, tuple[str, str]] = {}
    for name, label in gt.items():
        pred = preds.get(name, "") or ""
        a, b = word_normalize(label), word_normalize(pred)
        if a == b:
            correct += 1
        else:
            wrong[name] = (label, pred)
        loose += ic15_normalize(label) == ic15_normalize(pred)
        longest = max(len(a), len(b))
        ned_sum += 1.0 - (edit_distance(a, b) / longest if longest else 0.0)
    n = len(gt)
    return WordAccuracy(
        correct / n if n else 0.0,
        loose / n if n else 0.0,
        ned_sum / n if n else 0.0,
        correct,
        n,
        wrong,
    )
