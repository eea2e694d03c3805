"""TensorRT backend: strongly typed engines run with execute_async_v3 on a CUDA stream, on
TensorRT or TensorRT-RTX (`tensorrt_library.select`: what is installed and fits the GPU).

`open(model, role, profiles)` takes a `.engine` plan, or an `.onnx` file and the shape plan's
ranges for it (`trt_ocr.shapes`): then the engine `trt-ocr build-engines` left beside the ONNX
is used when `trt_ocr.engine_cache.decide` accepts it (same ONNX, library, GPU architecture,
precision and profiles; a verified file that deserializes); otherwise an engine is built once
into `$TRT_OCR_HOME/engine-cache/`, decided by the same function. A session's `profiles` are
its engine's own: the stages fit their batches, widths and detector sides to them (a plan
built elsewhere may take less than the shape plan gives).

Several optimization profiles (the recognizer's width buckets) are one engine: each run picks
the tightest profile covering the input (`shapes.select_profile`) and switches the context to
it with set_optimization_profile_async, after which every input shape must be set again.

Memory is owned explicitly: pinned host buffers (cudaMallocHost) and device buffers
(cudaMalloc) are objects with close() / context managers, freed by Session.close(), never
by __del__. Every CUDA runtime call goes through `check()`, which unpacks cuda-python's
`(err, *result)` tuples and raises BackendError on failure.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from trt_ocr import engine_cache, graph_io
from trt_ocr.backends.base import Backend, Session, TensorSpec
from trt_ocr.backends.tensorrt_library import (
    BuildSettings,
    LoadedEngine,
    TensorRTLibrary,
    select,
)
from trt_ocr.errors import BackendError
from trt_ocr.shapes import ShapeRange, select_profile


def check(result: Any) -> Any:
    """Unpacks a cuda-python call's `(err, *values)`: raises on error, returns the values
    (None, the single value, or a tuple)."""
    from cuda.bindings import runtime as cudart

    if isinstance(result, tuple):
        err, *values = result
    else:
        err, values = result, []
    if err != cudart.cudaError_t.cudaSuccess:
        _, name = cudart.cudaGetErrorName(err)
        raise BackendError(
            f"CUDA error {int(err)}: {name.decode() if isinstance(name, bytes) else name}"
        )
    if not values:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def native_handle(obj: Any) -> int:
    """The address behind a cuda-python object (a stream), as TensorRT's calls take it:
    cuda-bindings 12.9.1 deprecated int(obj), the conversion passing the object would make."""
    try:
        from cuda.bindings.utils import get_cuda_native_handle
    except ImportError:  # cuda-bindings before 12.9.1
        return int(obj)
    return int(get_cuda_native_handle(obj))


class _Buffer:
    """A CUDA allocation that grows on demand; freed by close()."""

    def __init__(self) -> None:
        self.ptr = 0
        self.nbytes = 0

    def _alloc(self, nbytes: int) -> int:
        raise NotImplementedError

    def _free(self, ptr: int) -> None:
        raise NotImplementedError

    def reserve(self, nbytes: int) -> bool:
        """Makes room for nbytes; True when the address changed."""
        if nbytes <= self.nbytes and self.ptr:
            return False
        self.close()
        self.ptr = int(self._alloc(max(nbytes, 256)))
        self.nbytes = max(nbytes, 256)
        return True

    def close(self) -> None:
        if self.ptr:
            ptr, self.ptr, self.nbytes = self.ptr, 0, 0
            self._free(ptr)

    def __enter__(self) -> _Buffer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class DeviceBuffer(_Buffer):
    def _alloc(self, nbytes: int) -> int:
        from cuda.bindings import runtime as cudart

        return int(check(cudart.cudaMalloc(nbytes)))

    def _free(self, ptr: int) -> None:
        from cuda.bindings import runtime as cudart

        check(cudart.cudaFree(ptr))


class PinnedBuffer(_Buffer):
    """Page-locked host memory, viewable as a numpy array."""

    def _alloc(self, nbytes: int) -> int:
        from cuda.bindings import runtime as cudart

        return int(check(cudart.cudaMallocHost(nbytes)))

    def _free(self, ptr: int) -> None:
        from cuda.bindings import runtime as cudart

        check(cudart.cudaFreeHost(ptr))

    def view(self, shape: Sequence[int], dtype: np.dtype) -> np.ndarray:
        n = int(np.prod(shape)) * dtype.itemsize
        if n > self.nbytes:
            raise BackendError("pinned buffer too small")
        raw = (ctypes.c_byte * max(n, 1)).from_address(self.ptr)
        arr: np.ndarray = np.frombuffer(raw, dtype=dtype, count=int(np.prod(shape)))  # type: ignore[call-overload]
        return arr.reshape(shape)


class _Tensor:
    def __init__(self, name: str, dtype: np.dtype, is_input: bool) -> None:
        self.name = name
        self.dtype = dtype
        self.is_input = is_input
        self.host = PinnedBuffer()
        self.device = DeviceBuffer()
        self.shape: tuple[int, ...] = ()

    def close(self) -> None:
        self.host.close()
        self.device.close()


class TensorRTSession(Session):
    def __init__(self, loaded: LoadedEngine, library: TensorRTLibrary | None = None) -> None:
        """library: makes the execution context (TensorRT-RTX: with its runtime cache)."""
        from cuda.bindings import runtime as cudart

        trt: Any = loaded.module or importlib.import_module("tensorrt")
        self._loaded: LoadedEngine | None = loaded  # keeps the runtime alive with the engine
        self._engine = loaded.engine
        self._save_cache: Callable[[], None] | None = None
        if library is not None:
            self._context, self._save_cache = library.execution_context(loaded)
        else:
            self._context = self._engine.create_execution_context()
        if self._context is None:
            raise BackendError(f"TensorRT could not create an execution context for {loaded.path}")
        self._tensors: dict[str, _Tensor] = {}
        self.inputs, self.outputs = [], []
        for i in range(self._engine.num_io_tensors):
            name = self._engine.get_tensor_name(i)
            is_input = self._engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT
            dtype = np.dtype(trt.nptype(self._engine.get_tensor_dtype(name)))
            self._tensors[name] = _Tensor(name, dtype, is_input)
            shape = tuple(d if d >= 0 else None for d in self._engine.get_tensor_shape(name))
            (self.inputs if is_input else self.outputs).append(TensorSpec(name, shape, dtype))
        if len(self.inputs) != 1:
            raise BackendError(
                f"{loaded.path}: a PP-OCR engine has one input, this one has {len(self.inputs)}"
            )
        # get_tensor_profile_shape gives [min, opt, max] of an input under profile p
        self.profiles = tuple(
            ShapeRange(*self._engine.get_tensor_profile_shape(self.input_name, p))
            for p in range(self._engine.num_optimization_profiles)
        )
        self._stream = check(cudart.cudaStreamCreate())
        self._stream_handle = native_handle(self._stream)
        self._profile = -1
        self._shapes: dict[str, tuple[int, ...]] = {}

    def profile_for(self, shape: Sequence[int]) -> int:
        """The tightest optimization profile accepting the input shape."""
        try:
            return select_profile(self.profiles or (), shape)
        except ValueError as e:
            raise BackendError(str(e)) from None

    def run(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        from cuda.bindings import runtime as cudart

        ctx = self._context
        shapes = {k: tuple(int(d) for d in v.shape) for k, v in feeds.items()}
        if set(shapes) != {self.input_name}:
            raise BackendError(f"expected one input {self.input_name!r}, got {sorted(shapes)}")
        profile = self.profile_for(shapes[self.input_name])
        if profile != self._profile:
            try:  # the bindings raise on failure (a False return is kept for older ones)
                switched = ctx.set_optimization_profile_async(profile, self._stream_handle)
            except RuntimeError as e:
                raise BackendError(
                    f"could not switch to optimization profile {profile}: {e}"
                ) from e
            if not switched:
                raise BackendError(f"could not switch to optimization profile {profile}")
            self._profile = profile
            self._shapes = {}
        for name, arr in feeds.items():
            t = self._tensors[name]
            if shapes[name] != self._shapes.get(name):
                if not ctx.set_input_shape(name, shapes[name]):
                    raise BackendError(f"TensorRT refused input shape {shapes[name]} for {name}")
                self._shapes[name] = shapes[name]
            t.shape = shapes[name]
            nbytes = arr.size * t.dtype.itemsize
            t.host.reserve(nbytes)
            moved = t.device.reserve(nbytes)
            if (moved or not ctx.get_tensor_address(name)) and not ctx.set_tensor_address(
                name, t.device.ptr
            ):
                raise BackendError(f"set_tensor_address failed for {name}")
            np.copyto(t.host.view(arr.shape, t.dtype), arr, casting="same_kind")
            check(
                cudart.cudaMemcpyAsync(
                    t.device.ptr,
                    t.host.ptr,
                    nbytes,
                    cudart.cudaMemcpyKind.cudaMemcpyHostToDevice,
                    self._stream,
                )
            )
        outs = [t for t in self._tensors.values() if not t.is_input]
        for t in outs:
            t.shape = tuple(int(d) for d in ctx.get_tensor_shape(t.name))
            if any(d < 0 for d in t.shape):
                raise BackendError(f"output {t.name} has an unresolved shape {t.shape}")
            nbytes = int(np.prod(t.shape)) * t.dtype.itemsize
            t.host.reserve(nbytes)
            moved = t.device.reserve(nbytes)
            if (
                moved or ctx.get_tensor_address(t.name) != t.device.ptr
            ) and not ctx.set_tensor_address(t.name, t.device.ptr):
                raise BackendError(f"set_tensor_address failed for {t.name}")
        if not ctx.execute_async_v3(self._stream_handle):
            raise BackendError("execute_async_v3 failed")
        for t in outs:
            nbytes = int(np.prod(t.shape)) * t.dtype.itemsize
            check(
                cudart.cudaMemcpyAsync(
                    t.host.ptr,
                    t.device.ptr,
                    nbytes,
                    cudart.cudaMemcpyKind.cudaMemcpyDeviceToHost,
                    self._stream,
                )
            )
        check(cudart.cudaStreamSynchronize(self._stream))
        return {t.name: t.host.view(t.shape, t.dtype) for t in outs}

    def close(self) -> None:
        """Saves the runtime cache and frees the buffers, the stream and the context: every
        step runs even when one before it failed, and the first failure is raised at the end."""
        from cuda.bindings import runtime as cudart

        failures: list[Exception] = []

        def attempt(step: Callable[[], object]) -> None:
            try:
                step()
            except Exception as e:  # each resource is freed whatever happened to the others
                failures.append(e)

        save, self._save_cache = self._save_cache, None
        if save is not None:
            attempt(save)
        tensors, self._tensors = list(self._tensors.values()), {}
        for t in tensors:
            attempt(t.close)
        if self._stream is not None:
            stream, self._stream = self._stream, None
            attempt(lambda: check(cudart.cudaStreamDestroy(stream)))
        # The context before the engine, the engine before its runtime; the saver (holding
        # the context's runtime config) after the context.
        self._context = None
        del save
        self._engine = None
        self._loaded = None
        if failures:
            raise failures[0]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class TensorRTBackend(Backend):
    name = "tensorrt"

    def __init__(
        self,
        workspace_mb: int = 2048,
        cache_dir: Path | None = None,
        library: TensorRTLibrary | None = None,
        log: Callable[[str], None] = _stderr,
    ) -> None:
        if cache_dir is None:
            from trt_ocr.models import home

            cache_dir = home() / "engine-cache"
        self.cache_dir = cache_dir
        self.library = (
            library if library is not None else select(runtime_cache=cache_dir / "runtime.cache")
        )
        self.settings = BuildSettings(workspace_mb)
        self.log = log

    def engine_for(
        self, onnx_path: Path, role: str, profiles: Sequence[ShapeRange]
    ) -> tuple[LoadedEngine, engine_cache.Decision]:
        """The engine to run onnx_path with these profiles: build-engines' engine beside the
        ONNX when usable, else this backend's cached one, built first when missing or stale.
        Returns it deserialized, with the decision that accepted it."""
        if not profiles:
            raise BackendError(f"running {onnx_path} as a TensorRT engine needs shape ranges")
        key = engine_cache.engine_key(onnx_path, profiles, self.library.target)
        beside = onnx_path.with_suffix(".engine")
        loaded, decision = self._load_if_usable(onnx_path.parent, role, beside, key)
        if loaded is not None:
            return loaded, decision
        if beside.is_file():
            self.log(f"trt-ocr: not using {beside}: {decision.reason}")
        source = graph_io.source_of(onnx_path)
        if source is not None and source.with_suffix(".engine").is_file():
            self.log(
                f"trt-ocr: not using {source.with_suffix('.engine')}: it was built from "
                f"{source.name} as given, and the runtime runs its graph I/O transform "
                f"{onnx_path.name} (uint8 input; normalisation and argmax in the graph)"
            )
        digest = hashlib.sha256(json.dumps(key.to_dict(), sort_keys=True).encode()).hexdigest()
        folder = self.cache_dir / f"{role}-{digest[:16]}"
        engine = folder / f"{role}.engine"
        loaded, decision = self._load_if_usable(folder, role, engine, key)
        if loaded is not None:
            return loaded, decision
        self.log(f"trt-ocr: building the {role} engine of {onnx_path} ({decision.reason})")
        settings = BuildSettings(
            self.settings.workspace_mb, timing_cache=self.cache_dir / "timing.cache"
        )
        secs = self.library.build(onnx_path, engine, profiles, settings, self.log, role)
        engine_cache.record_engine(
            folder,
            role,
            key,
            engine,
            secs,
            {"builder": settings.to_dict(), "source": str(onnx_path)},
        )
        return self.library.deserialize(engine), engine_cache.Decision(True, "built now")

    def _load_if_usable(
        self, folder: Path, role: str, engine: Path, key: engine_cache.EngineKey
    ) -> tuple[LoadedEngine | None, engine_cache.Decision]:
        loaded: list[LoadedEngine] = []

        def deserializes(path: Path) -> str | None:
            try:
                loaded.append(self.library.deserialize(path))
            except BackendError as e:
                return str(e)
            return None

        # Without a GPU the decision checks the sha256 only; deserializing then says why the
        # engine cannot run here (a typed BackendError from the real library).
        check = deserializes if self.library.can_run else None
        decision = engine_cache.decide(engine_cache.load(folder), role, engine, key, check)
        if decision.usable and not loaded:
            loaded.append(self.library.deserialize(engine))
        return (loaded[0] if decision.usable else None), decision

    def open(self, model: Path, role: str, profiles: Sequence[ShapeRange] | None = None) -> Session:
        model = Path(model)
        if model.suffix == ".engine":
            return TensorRTSession(self.library.deserialize(model), self.library)
        loaded, _ = self.engine_for(model, role, profiles or ())
        return TensorRTSession(loaded, self.library)

    def describe(self) -> str:
        return self.library.describe()
