"""TensorRT backend: strongly typed engines run with execute_async_v3 on a CUDA stream.

`open(model, role, shapes)` takes a `.engine` plan, or an `.onnx` file: then the engine that
`trt-ocr build-engines` left beside it is used when its manifest matches (same ONNX sha256,
TensorRT version and GPU, and profiles that cover the pipeline's shape ranges); otherwise an
engine is built once from the pipeline's shape ranges into `$TRT_OCR_HOME/engine-cache/`.

Memory is owned explicitly: pinned host buffers (cudaMallocHost) and device buffers
(cudaMalloc) are objects with close() / context managers, freed by Session.close(), never
by __del__. Every CUDA runtime call goes through `check()`, which unpacks cuda-python's
`(err, *result)` tuples and raises BackendError on failure.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from trt_ocr.backends.base import Backend, Session, ShapeRange, TensorSpec
from trt_ocr.errors import BackendError


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
        return np.frombuffer(raw, dtype=dtype, count=int(np.prod(shape))).reshape(shape)


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
    def __init__(self, engine_bytes: bytes, source: Path) -> None:
        import tensorrt as trt
        from cuda.bindings import runtime as cudart

        self._trt = trt
        self._runtime = trt.Runtime(trt.Logger(trt.Logger.WARNING))
        self._engine = self._runtime.deserialize_cuda_engine(engine_bytes)
        if self._engine is None:
            raise BackendError(f"TensorRT could not deserialise {source}")
        self._context = self._engine.create_execution_context()
        if self._context is None:
            raise BackendError(f"TensorRT could not create an execution context for {source}")
        self._stream = check(cudart.cudaStreamCreate())
        self._tensors: dict[str, _Tensor] = {}
        self.inputs, self.outputs = [], []
        for i in range(self._engine.num_io_tensors):
            name = self._engine.get_tensor_name(i)
            is_input = self._engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT
            dtype = np.dtype(trt.nptype(self._engine.get_tensor_dtype(name)))
            self._tensors[name] = _Tensor(name, dtype, is_input)
            shape = tuple(d if d >= 0 else None for d in self._engine.get_tensor_shape(name))
            (self.inputs if is_input else self.outputs).append(TensorSpec(name, shape, dtype))
        self._profiles = [
            {
                t.name: tuple(tuple(s) for s in self._engine.get_tensor_profile_shape(t.name, p))
                for t in self.inputs
            }
            for p in range(self._engine.num_optimization_profiles)
        ]
        self._profile = -1
        self._shapes: dict[str, tuple[int, ...]] = {}

    def profile_for(self, shapes: Mapping[str, Sequence[int]]) -> int:
        """The tightest optimization profile accepting every input shape."""
        from trt_ocr.build.profiles import Profile, select_profile

        profs = [Profile(f"profile{i}", p) for i, p in enumerate(self._profiles)]
        try:
            return select_profile(profs, shapes)
        except ValueError as e:
            raise BackendError(str(e)) from None

    def run(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        from cuda.bindings import runtime as cudart

        ctx = self._context
        shapes = {k: tuple(int(d) for d in v.shape) for k, v in feeds.items()}
        profile = self.profile_for(shapes)
        if profile != self._profile:
            if not ctx.set_optimization_profile_async(profile, self._stream):
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
        if not ctx.execute_async_v3(self._stream):
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
        from cuda.bindings import runtime as cudart

        for t in self._tensors.values():
            t.close()
        self._tensors = {}
        if self._stream is not None:
            stream, self._stream = self._stream, None
            check(cudart.cudaStreamDestroy(stream))
        self._context = None
        self._engine = None


def _profiles_from_ranges(shapes: Mapping[str, Sequence[ShapeRange]]) -> list[Any]:
    from trt_ocr.build.profiles import Profile

    n = max((len(v) for v in shapes.values()), default=0)
    out = []
    for i in range(n):
        out.append(
            Profile(
                f"p{i}",
                {
                    name: (
                        r[min(i, len(r) - 1)].min,
                        r[min(i, len(r) - 1)].opt,
                        r[min(i, len(r) - 1)].max,
                    )
                    for name, r in shapes.items()
                },
            )
        )
    return out


class TensorRTBackend(Backend):
    name = "tensorrt"

    def __init__(self, workspace_mb: int = 2048, cache_dir: Path | None = None) -> None:
        from trt_ocr.build import trt_builder

        ok, why = trt_builder.available()
        if not ok:
            raise BackendError(f"TensorRT backend unavailable: {why}")
        self.workspace_mb = workspace_mb
        if cache_dir is None:
            from trt_ocr.models import home

            cache_dir = home() / "engine-cache"
        self.cache_dir = cache_dir
        self.gpu = trt_builder.gpu_info()
        self.trt_version = trt_builder.tensorrt_version()

    def _prebuilt(
        self, onnx_path: Path, role: str, shapes: Mapping[str, Sequence[ShapeRange]] | None
    ) -> Path | None:
        """The build-engines engine beside onnx_path, when its manifest fits."""
        from trt_ocr.build import manifest
        from trt_ocr.build.profiles import Profile

        engine = onnx_path.with_suffix(".engine")
        rec = manifest.load(onnx_path.parent).get("engines", {}).get(role)
        if rec is None or not engine.is_file():
            return None
        key = rec.get("key", {})
        if (
            key.get("onnx_sha256") != manifest.sha256_file(onnx_path)
            or key.get("tensorrt_version") != self.trt_version
            or key.get("compute_capability") != self.gpu.compute_capability
            or key.get("gpu_name") != self.gpu.name
        ):
            return None
        profs = [Profile.from_dict(p) for p in key.get("profiles", [])]
        for name, ranges in (shapes or {}).items():
            for r in ranges:
                if not any(p.contains(name, r.min) and p.contains(name, r.max) for p in profs):
                    return None
        return engine

    def _cached_build(
        self, onnx_path: Path, role: str, shapes: Mapping[str, Sequence[ShapeRange]] | None
    ) -> Path:
        from trt_ocr.build import manifest, trt_builder
        from trt_ocr.build.manifest import EngineKey, decide

        if not shapes:
            raise BackendError(f"building a {role} engine from {onnx_path} needs shape ranges")
        profs = _profiles_from_ranges(shapes)
        sha = manifest.sha256_file(onnx_path)
        settings = trt_builder.BuildSettings(
            self.workspace_mb, timing_cache=self.cache_dir / "timing.cache"
        )
        key = EngineKey(
            sha,
            self.trt_version,
            self.gpu.name,
            self.gpu.compute_capability,
            "as-onnx",
            tuple(p.to_dict() for p in profs),
            settings.key(),
        )
        digest = hashlib.sha256(json.dumps(key.to_dict(), sort_keys=True).encode()).hexdigest()
        folder = self.cache_dir / f"{role}-{digest[:16]}"
        engine = folder / f"{role}.engine"
        d = decide(manifest.load(folder), role, engine, key, trt_builder.deserialize_error)
        if d.build:
            secs = trt_builder.build_engine(onnx_path, engine, profs, settings, print)
            manifest.record_engine(folder, role, key, engine, secs)
        return engine

    def open(
        self, model: Path, role: str, shapes: Mapping[str, Sequence[ShapeRange]] | None = None
    ) -> Session:
        model = Path(model)
        if model.suffix == ".engine":
            engine = model
        else:
            engine = self._prebuilt(model, role, shapes) or self._cached_build(model, role, shapes)
        return TensorRTSession(engine.read_bytes(), engine)

    def describe(self) -> str:
        return f"TensorRT {self.trt_version} on {self.gpu.name} (sm {self.gpu.compute_capability})"
