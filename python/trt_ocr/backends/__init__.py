"""Inference backends. `create("auto")` picks TensorRT (or TensorRT-RTX) where one is installed
and supports the GPU, else ONNX Runtime."""

from __future__ import annotations

from trt_ocr.backends.base import Backend, Session, TensorSpec
from trt_ocr.backends.tensorrt_library import available as tensorrt_available
from trt_ocr.errors import BackendError, ConfigError

BACKENDS = ("auto", "onnxruntime", "tensorrt")


def create(name: str = "auto", threads: int | None = None) -> Backend:
    if name not in BACKENDS:
        raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}; got {name!r}")
    if name == "auto":
        ok, _ = tensorrt_available()
        name = "tensorrt" if ok else "onnxruntime"
    if name == "tensorrt":
        ok, why = tensorrt_available()
        if not ok:
            raise BackendError(f"backend 'tensorrt' is unavailable: {why}")
        from trt_ocr.backends.tensorrt import TensorRTBackend

        return TensorRTBackend()
    from trt_ocr.backends.onnxruntime import OnnxRuntimeBackend

    return OnnxRuntimeBackend(threads=threads)


__all__ = [
    "BACKENDS",
    "Backend",
    "Session",
    "TensorSpec",
    "create",
    "tensorrt_available",
]
