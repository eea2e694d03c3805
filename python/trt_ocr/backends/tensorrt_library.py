"""The thin layer over the TensorRT library: whether it is usable here, what an engine is
compiled for (`EngineTarget`), building a strongly typed engine from an ONNX file and the
shape plan's ranges, and deserializing a plan.

Precision comes from the ONNX itself (fp16 tensors, Q/DQ nodes): the network is created with
`NetworkDefinitionCreationFlag.STRONGLY_TYPED`, the only mode TensorRT 11 has (BuilderFlag
FP16/INT8 and the INT8 calibrators are gone there), and one that works on TensorRT 10 too.

A runtime module: the TensorRT backend builds engines into its cache with it, and
`trt-ocr build-engines` uses it for its engine step. Whether to build is decided elsewhere
(`trt_ocr.engine_cache`, plain Python); this module only talks to TensorRT and CUDA, so it
is tested only where they exist.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trt_ocr.engine_cache import EngineTarget
from trt_ocr.errors import BackendError, EngineBuildError
from trt_ocr.shapes import ShapeRange

Log = Callable[[str], None]
LIBRARY = "tensorrt"


def available() -> tuple[bool, str]:
    """(True, "") when TensorRT imports and a CUDA GPU is visible, else (False, why)."""
    try:
        import tensorrt  # noqa: F401
    except ImportError as e:
        return False, f"the tensorrt Python package is not importable ({e})"
    try:
        from cuda.bindings import runtime as cudart
    except ImportError as e:
        return False, f"cuda-python (cuda.bindings) is not importable ({e})"
    err, count = cudart.cudaGetDeviceCount()
    if int(err) != 0 or count < 1:
        return False, "no CUDA GPU is visible"
    return True, ""


@dataclass(frozen=True)
class GpuInfo:
    name: str
    compute_capability: str


def gpu_info(device: int = 0) -> GpuInfo:
    from cuda.bindings import runtime as cudart

    err, props = cudart.cudaGetDeviceProperties(device)
    if int(err) != 0:
        raise BackendError(f"cudaGetDeviceProperties failed: {err}")
    name = props.name
    if isinstance(name, bytes):
        name = name.split(b"\0", 1)[0].decode(errors="replace")
    return GpuInfo(str(name), f"{props.major}.{props.minor}")


def _logger(log: Log) -> Any:
    import tensorrt as trt

    class _Logger(trt.ILogger):  # forwards warnings and errors to our log
        def __init__(self) -> None:
            trt.ILogger.__init__(self)

        def log(self, severity: Any, msg: str) -> None:
            if severity <= trt.ILogger.Severity.WARNING:
                log(f"TensorRT {str(severity).rsplit('.', 1)[-1]}: {msg}")

    return _Logger()


def _progress_monitor(log: Log, every_s: float = 5.0) -> Any:
    import tensorrt as trt

    class _Progress(trt.IProgressMonitor):
        """Prints phase starts/ends and at most one step line every few seconds."""

        def __init__(self) -> None:
            trt.IProgressMonitor.__init__(self)
            self._lock = threading.Lock()  # TensorRT may call from several threads
            self._steps: dict[str, int] = {}
            self._last = 0.0

        def phase_start(self, phase_name: str, parent_phase: str | None, num_steps: int) -> None:
            with self._lock:
                self._steps[phase_name] = num_steps
                if parent_phase is None:
                    log(f"engine: {phase_name} ({num_steps} steps)")

        def step_complete(self, phase_name: str, step: int) -> bool:
            now = time.monotonic()
            with self._lock:
                if now - self._last >= every_s:
                    self._last = now
                    log(f"engine:   {phase_name}: {step + 1}/{self._steps.get(phase_name, '?')}")
            return True  # False would cancel the build

        def phase_finish(self, phase_name: str) -> None:
            with self._lock:
                self._steps.pop(phase_name, None)

    return _Progress()


def parser_errors(parser: Any) -> list[str]:
    """Every error the ONNX parser recorded, one readable line each."""
    out = []
    for i in range(parser.num_errors):
        e = parser.get_error(i)
        parts = [str(e.code()).rsplit(".", 1)[-1], e.desc()]
        for attr in ("node_name", "node_operator"):
            fn = getattr(e, attr, None)
            if fn is not None:
                v = fn()
                if v:
                    parts.append(f"{attr}={v}")
        node = e.node() if hasattr(e, "node") else -1
        if node >= 0:
            parts.append(f"node #{node}")
        out.append(" | ".join(str(p) for p in parts))
    return out


class TimingCacheFile:
    """A timing cache shared by every build on this machine, guarded by a file lock:
    load what is on disk before building, then lock, reload, combine and save after."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    def _read(self) -> bytes:
        return self.path.read_bytes() if self.path.is_file() else b""

    def attach(self, config: Any, log: Log) -> Any:
        from filelock import FileLock

        with FileLock(str(self.lock_path), timeout=600):
            data = self._read()
        cache = config.create_timing_cache(data)
        if not config.set_timing_cache(cache, ignore_mismatch=False):
            log(
                "engine: the timing cache on disk does not match this TensorRT/GPU; "
                "starting an empty one"
            )
            cache = config.create_timing_cache(b"")
            config.set_timing_cache(cache, ignore_mismatch=False)
        return cache

    def save(self, config: Any, log: Log) -> None:
        from filelock import FileLock

        ours = config.get_timing_cache()
        if ours is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.lock_path), timeout=600):
            disk = self._read()
            if disk:  # another build may have saved meanwhile: merge, don't overwrite
                other = config.create_timing_cache(disk)
                if not ours.combine(other, False):
                    log(
                        "engine: could not combine with the timing cache on disk; "
                        "keeping this build's"
                    )
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_bytes(bytes(ours.serialize()))
            tmp.replace(self.path)


@dataclass(frozen=True)
class BuildSettings:
    workspace_mb: int = 2048
    optimization_level: int = 3
    timing_cache: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """How an engine was built, recorded beside its key in the manifest."""
        return {
            "workspace_mb": self.workspace_mb,
            "optimization_level": self.optimization_level,
            "strongly_typed": True,
        }


@dataclass(frozen=True)
class LoadedEngine:
    """A deserialized engine with the runtime that must outlive it."""

    engine: Any  # tensorrt.ICudaEngine
    runtime: Any  # tensorrt.Runtime
    path: Path


class TensorRTLibrary:
    """The installed TensorRT on this machine's first GPU."""

    name = LIBRARY

    def __init__(self) -> None:
        ok, why = available()
        if not ok:
            raise BackendError(f"TensorRT is unavailable: {why}")
        import tensorrt as trt

        self._trt = trt
        self.version = str(trt.__version__)
        self.gpu = gpu_info()

    @property
    def target(self) -> EngineTarget:
        return EngineTarget(self.name, self.version, self.gpu.compute_capability)

    def describe(self) -> str:
        return f"TensorRT {self.version} on {self.gpu.name} (sm {self.gpu.compute_capability})"

    def build(
        self,
        onnx_path: Path,
        engine_path: Path,
        ranges: Sequence[ShapeRange],
        settings: BuildSettings,
        log: Log = print,
    ) -> float:
        """Builds a strongly typed engine of onnx_path with one optimization profile per
        range (on the network's one input); returns the build time in seconds."""
        trt = self._trt
        t0 = time.perf_counter()
        logger = _logger(log)
        builder = trt.Builder(logger)
        flags = 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
        network = builder.create_network(flags)
        parser = trt.OnnxParser(network, logger)
        if not parser.parse_from_file(str(onnx_path)):
            errors = parser_errors(parser)
            raise EngineBuildError(
                f"TensorRT's ONNX parser rejected {onnx_path} with "
                f"{len(errors)} error(s):\n  " + "\n  ".join(errors)
            )
        if network.num_inputs != 1:
            raise EngineBuildError(
                f"{onnx_path}: a PP-OCR network has one input, this one has {network.num_inputs}"
            )
        if not ranges:
            raise EngineBuildError(f"{onnx_path}: no optimization profile to build")
        config = builder.create_builder_config()
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, settings.workspace_mb << 20)
        config.builder_optimization_level = settings.optimization_level
        monitor = _progress_monitor(log)
        config.progress_monitor = monitor
        name = network.get_input(0).name
        for i, r in enumerate(ranges):
            prof = builder.create_optimization_profile()
            prof.set_shape(name, r.min, r.opt, r.max)
            if config.add_optimization_profile(prof) < 0:
                raise EngineBuildError(f"TensorRT refused optimization profile {i}: {r}")
        cache_file = TimingCacheFile(settings.timing_cache) if settings.timing_cache else None
        if cache_file is not None:
            cache_file.attach(config, log)
        plan = builder.build_serialized_network(network, config)
        if plan is None:
            raise EngineBuildError(f"TensorRT failed to build {onnx_path} (see the errors above)")
        if cache_file is not None:
            cache_file.save(config, log)
        engine_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = engine_path.with_name(engine_path.name + ".tmp")
        tmp.write_bytes(bytes(plan))
        tmp.replace(engine_path)
        del monitor  # kept alive until here: TensorRT holds a raw pointer to it during the build
        return time.perf_counter() - t0

    def deserialize(self, engine_path: Path) -> LoadedEngine:
        """The ICudaEngine of a plan file; BackendError when it does not load here."""
        trt = self._trt
        try:
            runtime = trt.Runtime(trt.Logger(trt.Logger.ERROR))
            engine = runtime.deserialize_cuda_engine(engine_path.read_bytes())
        except Exception as e:  # TensorRT raises plain RuntimeError/TypeError
            raise BackendError(
                f"TensorRT could not deserialize {engine_path}: {type(e).__name__}: {e}"
            ) from e
        if engine is None:
            raise BackendError(f"TensorRT could not deserialize {engine_path}")
        return LoadedEngine(engine, runtime, engine_path)

    def deserialize_error(self, engine_path: Path) -> str | None:
        """None when the plan deserializes on this machine, else why not (a cache miss)."""
        try:
            self.deserialize(engine_path)
        except BackendError as e:
            return str(e)
        return None
