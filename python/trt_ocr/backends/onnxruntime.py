"""ONNX Runtime backend: the default on CPU and the reference every other backend matches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trt_ocr.backends.base import Backend, Session, TensorSpec, physical_cores
from trt_ocr.errors import BackendError
from trt_ocr.shapes import ShapeRange

_ORT_TYPES: dict[str, np.dtype[Any]] = {
    "tensor(float)": np.dtype(np.float32),
    "tensor(float16)": np.dtype(np.float16),
    "tensor(int64)": np.dtype(np.int64),
    "tensor(int32)": np.dtype(np.int32),
    "tensor(uint8)": np.dtype(np.uint8),
}


Provider = str | tuple[str, dict[str, str]]  # a name, or a name and its options


def providers(use_gpu: bool) -> list[Provider]:
    """The execution providers of a session. ONNX Runtime is the reference the engines match:
    its CUDA provider computes fp32 convolutions and matmuls in fp32, not in TF32 (its default)."""
    if not use_gpu:
        return ["CPUExecutionProvider"]
    return [("CUDAExecutionProvider", {"use_tf32": "0"}), "CPUExecutionProvider"]


class OrtSession(Session):
    def __init__(self, session: Any, use_gpu: bool) -> None:  # an ort.InferenceSession
        self._session = session
        self.use_gpu = use_gpu
        self.inputs = [
            TensorSpec(i.name, tuple(i.shape), _ORT_TYPES.get(i.type, np.dtype("O")))
            for i in session.get_inputs()
        ]
        self.outputs = [
            TensorSpec(o.name, tuple(o.shape), _ORT_TYPES.get(o.type, np.dtype("O")))
            for o in session.get_outputs()
        ]
        self._output_names = [o.name for o in self.outputs]

    def run(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        # ORT releases the GIL inside run, so other threads keep working meanwhile.
        try:
            values = self._session.run(self._output_names, dict(feeds))
        except Exception as e:  # onnxruntime raises its own exception types
            raise BackendError(f"ONNX Runtime failed: {e}") from e
        return dict(zip(self._output_names, values, strict=True))

    def run_each(self, inputs: Sequence[np.ndarray]) -> list[dict[str, np.ndarray]]:
        # Right after a network ran the caches hold its activations, not the interpreter's
        # state, so every Python step between two runs is slow (on the project's VM a stage's
        # per-batch bookkeeping cost ~100 us a run, ~1 ms a receipt): only this loop runs
        # between them. ORT's outputs are new arrays every run, the caller's to keep.
        run, names, name = self._session.run, self._output_names, self.input_name
        try:
            values = [run(names, {name: x}) for x in inputs]
        except Exception as e:  # onnxruntime raises its own exception types
            raise BackendError(f"ONNX Runtime failed: {e}") from e
        return [dict(zip(names, v, strict=True)) for v in values]


class OnnxRuntimeBackend(Backend):
    name = "onnxruntime"

    def __init__(self, threads: int | None = None, use_gpu: bool | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as e:  # pragma: no cover - a hard dependency
            raise BackendError("onnxruntime is not installed") from e
        self._ort = ort
        self.threads = threads or physical_cores()
        available = ort.get_available_providers()
        has_cuda = "CUDAExecutionProvider" in available
        if use_gpu and not has_cuda:
            raise BackendError(
                "use_gpu=True but onnxruntime has no CUDA execution provider "
                "(install onnxruntime-gpu on a machine with an NVIDIA GPU)"
            )
        self.use_gpu = has_cuda if use_gpu is None else use_gpu
        self.providers = providers(self.use_gpu)

    def open(self, model: Path, role: str, profiles: Sequence[ShapeRange] | None = None) -> Session:
        if Path(model).suffix == ".engine":
            raise BackendError(
                f"the {role} model {model} is a TensorRT engine plan: run it with "
                "backend='tensorrt' (--backend tensorrt), or give its ONNX model"
            )
        ort = self._ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3  # shape-merge warnings of paddle2onnx graphs are noise
        # Each session has its own intra-op workers, which by default keep spinning on the CPU
        # after a run, waiting for the next one: while the next network (another session, with
        # workers of its own) or the core's thread pool need the cores. Spinning stops at the end
        # of each run (it still helps between the operators of a run). Measured on the project's
        # 2-core VM, 2 threads, runs interleaved: IC15 268-286 -> 225-229 ms per image, SROIE
        # 1302-1329 -> 1256-1260 ms.
        opts.add_session_config_entry("session.force_spinning_stop", "1")
        try:
            sess = ort.InferenceSession(str(model), sess_options=opts, providers=self.providers)
        except Exception as e:
            raise BackendError(f"ONNX Runtime could not load the {role} model {model}: {e}") from e
        return OrtSession(sess, self.use_gpu)

    def describe(self) -> str:
        first = self.providers[0]
        name = first if isinstance(first, str) else first[0]
        return f"onnxruntime {self._ort.__version__} ({name}, {self.threads} threads)"
