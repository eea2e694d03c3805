"""TensorRT backend: refusal without TensorRT on CPU; the real thing only with TensorRT and a
GPU. (Which engine the backend picks, and why, is tested without a GPU in
tests/engines/test_pipeline.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from trt_ocr.backends import tensorrt as trt_backend
from trt_ocr.backends import tensorrt_available
from trt_ocr.errors import BackendError

ok, why = tensorrt_available()


@pytest.mark.skipif(ok, reason="TensorRT and a GPU are present")
def test_backend_refuses_without_tensorrt() -> None:
    with pytest.raises(BackendError, match="no usable TensorRT library"):
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


def test_a_stream_reaches_tensorrt_as_its_address() -> None:
    """TensorRT's calls take the stream's address; it is read without int(stream), which
    cuda-bindings deprecated. A stream handle can be made without a GPU."""
    runtime = pytest.importorskip("cuda.bindings.runtime")
    handle = trt_backend.native_handle(runtime.cudaStream_t(0x7F00_1234))
    assert handle == 0x7F00_1234 and type(handle) is int
