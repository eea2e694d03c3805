"""TensorRT backend: shape plumbing on CPU; the real thing only with TensorRT and a GPU."""

from __future__ import annotations

import numpy as np
import pytest

from trt_ocr.backends import tensorrt as trt_backend
from trt_ocr.backends.base import ShapeRange
from trt_ocr.engines import trt_builder
from trt_ocr.errors import BackendError

ok, why = trt_builder.available()


def test_pipeline_ranges_become_profiles() -> None:
    ranges = {
        "x": [
            ShapeRange((1, 3, 48, 8), (6, 3, 48, 320), (6, 3, 48, 640)),
            ShapeRange((1, 3, 48, 640), (6, 3, 48, 960), (6, 3, 48, 2560)),
        ]
    }
    profs = trt_backend._profiles_from_ranges(ranges)
    assert [p.shapes["x"][2] for p in profs] == [(6, 3, 48, 640), (6, 3, 48, 2560)]
    assert trt_backend._profiles_from_ranges({}) == []


@pytest.mark.skipif(ok, reason="TensorRT and a GPU are present")
def test_backend_refuses_without_tensorrt() -> None:
    with pytest.raises(BackendError, match="unavailable"):
        trt_backend.TensorRTBackend()


@pytest.mark.gpu
@pytest.mark.skipif(not ok, reason=f"needs TensorRT + GPU: {why}")
def test_pinned_buffers_are_freed_explicitly() -> None:
    with trt_backend.PinnedBuffer() as b:
        b.reserve(64)
        v = b.view((4, 4), np.dtype(np.float32))
        v[:] = 1
        assert b.ptr and float(v.sum()) == 16
    assert b.ptr == 0
    with trt_backend.DeviceBuffer() as d:
        assert d.reserve(1024) and not d.reserve(512)
    assert d.ptr == 0
