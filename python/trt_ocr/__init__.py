"""trt-ocr: low-latency PP-OCR inference (C++ pre/post-processing, ONNX Runtime / TensorRT)."""

from __future__ import annotations

from trt_ocr.errors import (
    BackendError,
    EngineBuildError,
    ImageLoadError,
    ModelDownloadError,
    ModelError,
    TrtOcrError,
)

__version__ = "0.1.0"

__all__ = [
    "BackendError",
    "EngineBuildError",
    "ImageLoadError",
    "ModelDownloadError",
    "ModelError",
    "TrtOcrError",
    "__version__",
]
