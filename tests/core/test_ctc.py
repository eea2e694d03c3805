"""The CTC decoder's binding: 0/O settling on request, the same steps either way."""

from __future__ import annotations

import numpy as np

from trt_ocr import _core

CHARS = [*"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,:#-/ ", "日"]


def _read(text: str, settle: bool) -> tuple[str, np.ndarray]:
    steps = [k for c in text for k in (CHARS.index(c) + 1, 0)]  # each character, then a blank
    best = np.array([steps], np.int32)
    decoder = _core.CTCDecoder(CHARS, settle_o_zero=settle)
    (decoded,) = decoder.decode_best(best, np.full(best.shape, 0.9, np.float32), True)
    return decoded[0], decoded[2]


def test_settle_o_zero_reads_runs_by_their_neighbours() -> None:
    cases = {
        "CITY Only 67986 0f": "CITY Only 67986 Of",
        "INV0ICE N0:18287/102/T0049": "INVOICE NO:18287/102/T0049",
        "R00M": "ROOM",
        "G2O": "G20",
        "RM0.02": "RM0.02",
        "15.0C": "15.0C",
        "CO2": "CO2",
        "日0日": "日0日",
    }
    for given, settled in cases.items():
        assert _read(given, True)[0] == settled
        assert _read(given, False)[0] == given
        np.testing.assert_array_equal(_read(given, True)[1], _read(given, False)[1])
