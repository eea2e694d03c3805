from __future__ import annotations

from trt_ocr.eval.text import edit_distance, ic15_normalize, squash_whitespace, word_normalize


def test_ic15_normalize():
    assert ic15_normalize("(Upp") == "UPP"
    assert ic15_normalize('"ok."') == "OK"
    assert ic15_normalize(" Mt. Fuji! ") == "MT. FUJI"
    assert ic15_normalize("-70%") == "-70%"
    assert ic15_normalize("9am-") == "9AM-"
    assert ic15_normalize("...") == ""


def test_word_normalize_keeps_punctuation_and_composes():
    assert word_normalize("Caf\u0065\u0301") == word_normalize("CAFÉ")
    assert word_normalize("Joint ") == "joint"
    assert word_normalize("off!") != word_normalize("off")


def test_squash_and_edit_distance():
    assert squash_whitespace(" TAN  WOON\tYANN ") == "TANWOONYANN"
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert edit_distance("abc", "abc") == 0
