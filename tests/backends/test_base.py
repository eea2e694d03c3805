"""The Session interface's shared behaviour."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from trt_ocr.backends.base import Session, TensorSpec


class _ReusingSession(Session):
    """Returns its one output buffer every run, as the TensorRT session's host buffers are."""

    def __init__(self) -> None:
        self.inputs = [TensorSpec("x", ("n",), np.dtype(np.float32))]
        self.outputs = [TensorSpec("y", ("n",), np.dtype(np.float32))]
        self._buffer = np.zeros(8, np.float32)
        self.runs = 0

    def run(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        self.runs += 1
        x = feeds["x"]
        out = self._buffer[: len(x)]
        np.multiply(x, 3, out=out)
        return {"y": out}


def test_run_each_copies_what_a_session_reuses() -> None:
    sess = _ReusingSession()
    xs = [np.arange(k, dtype=np.float32) + k for k in (3, 5, 2)]
    outs = sess.run_each(xs)
    assert sess.runs == 3
    for x, out in zip(xs, outs, strict=True):
        np.testing.assert_array_equal(out["y"], x * 3)  # not the last run's values
