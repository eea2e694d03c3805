"""Side-by-side benchmark and accuracy harness: trt_ocr against RapidOCR (ONNX Runtime) and
Paddle Inference (rapidocr_paddle) on the same PP-OCRv4 models. Run ``python -m bench --help``.

The package itself imports nothing heavy: each engine runs in its own worker process
(``bench.worker``), so peers are imported only there and never by ``trt_ocr``.
"""
