"""`trt-ocr build-engines`: Paddle -> ONNX, graph cleanup, fp16/int8 ONNX, accuracy report,
TensorRT engines. One module per concern; `pipeline` runs them in order.

This package sits on top of the runtime and uses only its public API (`trt_ocr.OCR` and its
`observe_inputs` hook, `trt_ocr.shapes`, `trt_ocr.artifacts`, `trt_ocr.engine_cache`,
`trt_ocr.backends.tensorrt_library`); no runtime module imports it.

Nothing heavy is imported here: onnx, onnxruntime, paddle and tensorrt are imported inside
the functions that need them, so `trt-ocr build-engines --help` stays instant.
"""

from __future__ import annotations

from trt_ocr.artifacts import PRECISIONS
from trt_ocr.shapes import ROLES

STEPS = ("convert", "cleanup", "precision", "report", "engine")
# The spelling of --library; the libraries themselves: trt_ocr.backends.tensorrt_library.
LIBRARY_CHOICES = ("auto", "tensorrt", "tensorrt-rtx")

__all__ = ["LIBRARY_CHOICES", "PRECISIONS", "ROLES", "STEPS"]
