"""`trt-ocr build-engines`: Paddle -> ONNX, graph cleanup, fp16/int8 ONNX, accuracy report,
TensorRT engines. One module per concern; `pipeline` runs them in order.

Nothing heavy is imported here: onnx, onnxruntime, paddle and tensorrt are imported inside
the functions that need them, so `trt-ocr build-engines --help` stays instant.
"""

from __future__ import annotations

STEPS = ("convert", "cleanup", "precision", "report", "engine")
PRECISIONS = ("fp32", "fp16", "int8")
ROLES = ("det", "cls", "rec")

__all__ = ["PRECISIONS", "ROLES", "STEPS"]
