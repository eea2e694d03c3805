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
from trt_ocr.options import ClsOptions, DetOptions, ImageOptions, RecOptions
from trt_ocr.pipeline import OCR
from trt_ocr.result import OCRResult, TextLine

__version__ = "0.1.0"

__all__ = [
    "OCR",
    "BackendError",
    "ClsOptions",
    "DetOptions",
    "EngineBuildError",
    "ImageLoadError",
    "ImageOptions",
    "ModelDownloadError",
    "ModelError",
    "OCRResult",
    "RecOptions",
    "TextLine",
    "TrtOcrError",
    "__version__",
]
