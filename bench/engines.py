"""Engine adapters, imported only inside a worker process (peers are never imported by
trt_ocr). Every adapter runs the same PP-OCRv4 mobile det / v2 cls / v4 rec networks with
RapidOCR 1.4.4's settings (our engine through ``trt_ocr.presets.RAPIDOCR_1_4``), takes a
decoded BGR uint8 array and returns ``[(box 4x2 list, text, score)]`` plus the stage times the
engine reports about itself. The worker times only ``call``, the engine's own API call; turning
its result into those lines (``lines``) is the bench's work, not the engine's."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import numpy as np

from bench import nettime

Line = tuple[list[list[float]], str, float]


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


class Engine:
    name = "?"
    description = "?"
    device = "cpu"  # where the networks run ("gpu": no share of the CPU's peak is reported)

    def call(self, img: np.ndarray) -> Any:
        """The engine's own OCR call on one image: its result as it gives it."""
        raise NotImplementedError

    def lines(self, result: Any) -> tuple[list[Line], dict[str, float]]:
        """A call's result as lines, and the stage times the engine reports."""
        raise NotImplementedError

    def ocr(self, img: np.ndarray) -> tuple[list[Line], dict[str, float]]:
        return self.lines(self.call(img))

    def recognize(self, img: np.ndarray) -> tuple[str, float]:
        raise NotImplementedError

    def batch(self, imgs: list[np.ndarray]) -> None:
        """A batch of images, the engine's best way (the throughput figure)."""
        for img in imgs:
            self.ocr(img)

    def versions(self) -> dict[str, str | None]:
        return {}


class Ours(Engine):
    """trt_ocr.OCR on ONNX Runtime with the RapidOCR 1.4.4 preset."""

    name = "ours"
    description = "trt_ocr.OCR (ONNX Runtime backend, RAPIDOCR_1_4 preset)"

    graph_io = True
    backend = "onnxruntime"

    def __init__(self, threads: int) -> None:
        self._patch_timer()
        from trt_ocr import OCR
        from trt_ocr.presets import RAPIDOCR_1_4

        extra = {} if self.graph_io else {"graph_io": False}
        self.ocr_ = OCR(
            model="ppocr-v4-mobile",
            backend=self.backend,
            threads=threads,
            **RAPIDOCR_1_4,
            **extra,
        )
        m = self.ocr_.models
        for path, stage in ((m.det, "det"), (m.cls, "cls"), (m.rec, "rec")):
            nettime.TIMER.path_stage.append((str(path), stage))
        for attr, stage in (("detector", "det"), ("classifier", "cls"), ("recognizer", "rec")):
            session = getattr(getattr(self.ocr_, attr, None), "session", None)
            if session is not None:
                nettime.TIMER.stage_of[id(self._timed(session))] = stage

    def _patch_timer(self) -> None:
        nettime.patch_onnxruntime()

    def _timed(self, session: Any) -> Any:
        """The object whose run call the timer wraps: the onnxruntime.InferenceSession inside
        our Session (bench instrumentation only)."""
        return session._session

    def call(self, img):
        return self.ocr_(img)

    def lines(self, res):
        lines = [
            (np.asarray(ln.box, dtype=np.float64).tolist(), ln.text, float(ln.score))
            for ln in res.lines
        ]
        return lines, {k: float(v) for k, v in res.timings.items()}

    def recognize(self, img):
        ln = self.ocr_.recognize(img)
        return ln.text, float(ln.score)

    def batch(self, imgs):
        self.ocr_.batch(imgs)

    def versions(self):
        import onnxruntime

        import trt_ocr

        return {"trt_ocr": trt_ocr.__version__, "onnxruntime": onnxruntime.__version__}


class OursTensorRT(Ours):
    """Ours with the networks on the GPU: fp32 engines of the same ONNX (built on first use,
    cached) on TensorRT or TensorRT-RTX, whichever supports the GPU. Network time is our
    TensorRTSession's run call, copies to and from the GPU and the sync included."""

    name = "ours-tensorrt"
    description = "trt_ocr.OCR (TensorRT backend, fp32 engines, RAPIDOCR_1_4 preset)"
    device = "gpu"
    backend = "tensorrt"

    def _patch_timer(self) -> None:
        nettime.patch_trt_ocr_tensorrt()

    def _timed(self, session: Any) -> Any:
        return session

    def versions(self):
        import trt_ocr

        return {"trt_ocr": trt_ocr.__version__, "backend": self.ocr_.backend.describe()}


class OursFloatIO(Ours):
    """Ours with the networks as given (float32 normalised input, full probabilities out):
    the network I/O of the pipeline before graph_io, for the bytes comparison."""

    name = "ours-float-io"
    description = "trt_ocr.OCR(graph_io=False) (ONNX Runtime backend, RAPIDOCR_1_4 preset)"
    graph_io = False


class _RapidBase(Engine):
    def _register(self, det, cls, rec) -> None:
        for sess, stage in ((det, "det"), (cls, "cls"), (rec, "rec")):
            nettime.TIMER.stage_of[id(sess)] = stage

    def call(self, img):
        return self.engine(img)

    def lines(self, res):
        result, elapse = res
        lines = [
            (np.asarray(b, dtype=np.float64).tolist(), str(t), float(s))
            for b, t, s in (result or [])
        ]
        rep = dict(zip(("det_stage", "cls_stage", "rec_stage"), elapse or (), strict=False))
        return lines, rep

    def recognize(self, img):
        result, _ = self.engine(img, use_det=False, use_cls=False, use_rec=True)
        if not result:
            return "", 0.0
        text, score = result[0][0], result[0][1]
        return str(text), float(score)


class RapidOcrOnnx(_RapidBase):
    """rapidocr_onnxruntime 1.4.4 with its own config.yaml, intra-op threads set."""

    name = "rapidocr"
    description = "rapidocr_onnxruntime 1.4.4 (ONNX Runtime, config.yaml defaults)"

    def __init__(self, threads: int) -> None:
        nettime.patch_onnxruntime()
        from rapidocr_onnxruntime import RapidOCR

        self.engine = RapidOCR(intra_op_num_threads=threads)
        e = self.engine
        self._register(
            e.text_det.infer.session, e.text_cls.infer.session, e.text_rec.session.session
        )

    def versions(self):
        import onnxruntime

        return {
            "rapidocr_onnxruntime": _version("rapidocr_onnxruntime"),
            "onnxruntime": onnxruntime.__version__,
        }


class RapidOcrPaddle(_RapidBase):
    """rapidocr_paddle 1.4.5 (Paddle Inference on CPU), math-library threads set."""

    name = "paddle"
    description = "rapidocr_paddle 1.4.5 (Paddle Inference, CPU)"

    def __init__(self, threads: int) -> None:
        nettime.patch_paddle()
        from rapidocr_paddle import RapidOCR

        self.engine = RapidOCR(cpu_math_library_num_threads=threads)
        e = self.engine
        self._register(e.text_det.infer, e.text_cls.infer, e.text_rec.session)

    def versions(self):
        return {
            "rapidocr_paddle": _version("rapidocr_paddle"),
            "paddlepaddle": _version("paddlepaddle"),
        }


ENGINES: dict[str, type[Engine]] = {
    "ours": Ours,
    "ours-float-io": OursFloatIO,
    "ours-tensorrt": OursTensorRT,
    "rapidocr": RapidOcrOnnx,
    "paddle": RapidOcrPaddle,
}
