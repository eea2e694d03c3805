"""trt-ocr: low-latency PP-OCR inference (C++ pre/post-processing, ONNX Runtime / TensorRT).

The public names below are imported on first use, so `import trt_ocr` (and `trt-ocr --help`)
costs almost nothing."""

from __future__ import annotations

from trt_ocr._lazy import lazy_getattr
from trt_ocr.errors import (
    BackendError,
    ConfigError,
    EngineBuildError,
    ImageLoadError,
    InputError,
    ModelDownloadError,
    ModelError,
    OutputPathError,
    TrtOcrError,
    UnknownModelError,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (it costs ~10 ms)
if TYPE_CHECKING:
    from trt_ocr.options import ClsOptions, DetOptions, ImageOptions, RecOptions
    from trt_ocr.pipeline import OCR
    from trt_ocr.result import OCRResult, TextLine

__version__ = "0.1.0"

_LAZY = {
    "OCR": "trt_ocr.pipeline",
    "ClsOptions": "trt_ocr.options",
    "DetOptions": "trt_ocr.options",
    "ImageOptions": "trt_ocr.options",
    "RecOptions": "trt_ocr.options",
    "OCRResult": "trt_ocr.result",
    "TextLine": "trt_ocr.result",
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "OCR",
    "BackendError",
    "ClsOptions",
    "ConfigError",
    "DetOptions",
    "EngineBuildError",
    "ImageLoadError",
    "ImageOptions",
    "InputError",
    "ModelDownloadError",
    "ModelError",
    "OCRResult",
    "OutputPathError",
    "RecOptions",
    "TextLine",
    "TrtOcrError",
    "UnknownModelError",
    "__version__",
]
