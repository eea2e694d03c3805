"""The thin layer over NVIDIA's two inference libraries: TensorRT (`tensorrt`, 10.x/11.x, the
datacenter GPUs) and TensorRT for RTX (`tensorrt_rtx`, 1.x, GeForce RTX / RTX PRO GPUs and
the A100). Everything that differs between them lives in `Flavor` (one instance each):
module name, whether a build needs a GPU, timing cache vs runtime cache, INT8, which GPUs
and compute-capability targets. The rest of the code drives either through `TensorRTLibrary`:
which library is usable here (`select`), what an engine is compiled for (`EngineTarget`),
building a strongly typed plan from an ONNX file and the shape plan's ranges, and
deserializing a plan.

Precision comes from the ONNX itself (fp16 tensors, Q/DQ nodes): networks are created
STRONGLY_TYPED, the only mode TensorRT 11 and TensorRT-RTX have (no FP16/INT8 builder flags),
and built with TF32 off, so fp32 tensors are computed in fp32.

A runtime module: the TensorRT backend builds engines into its cache with it, and
`trt-ocr build-engines` uses it for its engine step. Whether to build is decided elsewhere
(`trt_ocr.engine_cache`, plain Python).
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from trt_ocr.engine_cache import EngineTarget
from trt_ocr.errors import BackendError, EngineBuildError
from trt_ocr.files import atomic_write
from trt_ocr.shapes import ShapeRange

Log = Callable[[str], None]


def _cc(cc: str) -> tuple[int, int]:
    major, _, minor = cc.partition(".")
    return int(major), int(minor or 0)


@dataclass(frozen=True)
class Flavor:
    """One inference library and what sets it apart (the only place that knows)."""

    module: str  # the Python module, also the `library` of engine keys
    title: str
    install: str  # the pip command that installs it with trt-ocr
    versions: str  # the major versions this layer drives
    gpus: str  # the GPU families it is for, in words
    builds_without_gpu: bool  # ahead-of-time builds on a CPU-only machine
    # TensorRT: the tactic timing cache speeds up rebuilds. TensorRT-RTX: a no-op there
    # (deprecated in 1.2) that forces a GPU query, so CPU-only builds fail with it.
    timing_cache: bool
    # TensorRT-RTX compiles kernels when an engine first runs (JIT); its runtime cache keeps
    # them on disk for the next start.
    runtime_cache: bool
    # None: INT8 Q/DQ networks are a native precision. Else why INT8 is not offered as one.
    int8_caveat: str | None
    # The targets of a plan built without naming any (TensorRT: the build GPU's only).
    default_targets: tuple[str, ...] = ()
    # The targets one may name (--compute-capability); empty: only the build GPU's.
    selectable_targets: tuple[str, ...] = ()
    supported: Callable[[str], bool] = field(default=lambda cc: True, repr=False)

    @property
    def name(self) -> str:  # "tensorrt-rtx": the spelling of the extra and of --library
        return self.module.replace("_", "-")


TENSORRT = Flavor(
    module="tensorrt",
    title="TensorRT",
    install='pip install "trt-ocr[tensorrt]"',
    versions="10.x and 11.x",
    gpus="datacenter GPUs (T4, A10, L4, L40S, A100, H100, B200...)",
    builds_without_gpu=False,
    timing_cache=True,
    runtime_cache=False,
    int8_caveat=None,
)

# Measured with tensorrt-rtx 1.7.1 on a CPU-only machine: a plan built without targets carries
# the header bits of 8.0 8.6 8.9 12.0 12.1 and "later than 12.x" (an H100 refused such a plan
# listing exactly these); 7.5 (Turing) must be named and then fp32 GEMMs do not build.
_RTX_TARGETS = ("8.0", "8.6", "8.9", "12.0", "12.1", ">12.0")
TENSORRT_RTX = Flavor(
    module="tensorrt_rtx",
    title="TensorRT-RTX",
    install='pip install "trt-ocr[tensorrt-rtx]"',
    versions="1.x",
    gpus="GeForce RTX 20-50, RTX PRO / RTX A-series workstation GPUs and the A100 "
    "(compute capability 7.5, 8.0, 8.6, 8.9, 12.x)",
    builds_without_gpu=True,
    timing_cache=False,
    runtime_cache=True,
    int8_caveat=(
        "TensorRT-RTX builds the INT8 Q/DQ ONNX, but lists INT8 only for weight-only "
        "quantized matrix multiplies: its convolutions are not documented to run in INT8, "
        "and this was not measured on a GPU. fp16 is TensorRT-RTX's reduced precision"
    ),
    default_targets=_RTX_TARGETS,
    selectable_targets=("7.5", "8.0", "8.6", "8.9", "12.0", "12.1"),
    supported=lambda cc: cc in ("7.5", "8.0", "8.6", "8.9") or _cc(cc)[0] >= 12,
)

FLAVORS = (TENSORRT, TENSORRT_RTX)


def flavor(name: str) -> Flavor:
    """The flavor called name ("tensorrt", "tensorrt-rtx" or its module "tensorrt_rtx")."""
    for f in FLAVORS:
        if name in (f.name, f.module):
            return f
    names = ", ".join(["auto", *(f.name for f in FLAVORS)])
    raise ValueError(f"library must be one of {names}; got {name!r}")


def other(f: Flavor) -> Flavor:
    return TENSORRT_RTX if f is TENSORRT else TENSORRT


def import_flavor(f: Flavor) -> tuple[ModuleType | None, str]:
    """(the module, "") or (None, why it does not import)."""
    try:
        return importlib.import_module(f.module), ""
    except ImportError as e:
        return None, f"the {f.module} Python package is not importable ({e}); {f.install}"
    except OSError as e:  # a wheel whose shared libraries do not load
        return None, f"{f.module} failed to load its libraries ({e})"


@dataclass(frozen=True)
class GpuInfo:
    name: str
    compute_capability: str


def probe_gpu(device: int = 0) -> tuple[GpuInfo | None, str]:
    """(the first CUDA GPU, "") or (None, why there is none usable)."""
    try:
        from cuda.bindings import runtime as cudart
    except ImportError as e:
        return None, f"cuda-python (cuda.bindings) is not importable ({e})"
    err, count = cudart.cudaGetDeviceCount()
    if int(err) != 0:
        return None, f"no CUDA GPU is usable: cudaGetDeviceCount returned {err.name}"
    if count < 1:
        return None, "no CUDA GPU is visible"
    err, props = cudart.cudaGetDeviceProperties(device)
    if int(err) != 0:
        return None, f"cudaGetDeviceProperties failed: {err.name}"
    name = props.name
    if isinstance(name, bytes):
        name = name.split(b"\0", 1)[0].decode(errors="replace")
    return GpuInfo(str(name), f"{props.major}.{props.minor}"), ""


def unsupported_gpu(f: Flavor, gpu: GpuInfo) -> str | None:
    """Why f cannot run on gpu, naming the library that can (None: it can)."""
    if f.supported(gpu.compute_capability):
        return None
    alt = other(f)
    hint = (
        f"; {alt.title} supports it: {alt.install}" if alt.supported(gpu.compute_capability) else ""
    )
    return (
        f"{f.title} does not support {gpu.name} (compute capability {gpu.compute_capability}); "
        f"it is for {f.gpus}{hint}"
    )


def select(
    preference: str = "auto",
    *,
    build_only: bool = False,
    targets: Sequence[str] | None = None,
    runtime_cache: Path | None = None,
) -> TensorRTLibrary:
    """The library to use here: the first of FLAVORS (or the preferred one) that is installed
    and supports this machine's GPU. build_only: engines are built, not run (build-engines):
    TensorRT-RTX then builds ahead of time, without a GPU, for its default targets unless
    targets are named. Raises BackendError saying why nothing fits."""
    wanted = FLAVORS if preference == "auto" else (flavor(preference),)
    gpu, no_gpu = probe_gpu()
    problems = []
    for f in wanted:
        module, why = import_flavor(f)
        if module is None:
            problems.append(why)
            continue
        if build_only and not targets and f.default_targets:
            targets = f.default_targets  # portable plans, also when a GPU is here
        if gpu is None:
            if build_only and f.builds_without_gpu:
                return TensorRTLibrary(f, module, None, no_gpu, targets, runtime_cache)
            problems.append(
                f"{f.title} {module.__version__} is installed but {no_gpu}"
                + ("" if f.builds_without_gpu else f" ({f.title} builds engines on a GPU)")
            )
            continue
        refusal = unsupported_gpu(f, gpu)
        if refusal and not build_only:
            problems.append(refusal)
            continue
        return TensorRTLibrary(f, module, gpu, "", targets, runtime_cache)
    raise BackendError("no usable TensorRT library: " + "; ".join(problems))


def available(build_only: bool = False) -> tuple[bool, str]:
    """(True, "") when select() would find a library, else (False, why)."""
    try:
        select(build_only=build_only)
    except BackendError as e:
        return False, str(e)
    return True, ""


class _Messages:
    """A TensorRT logger: warnings and errors go to log, errors are also kept (a failed
    build or deserialize is reported with them)."""

    def __init__(self, trt: ModuleType, log: Log, title: str) -> None:
        outer = self
        self.errors: list[str] = []

        class _Logger(trt.ILogger):  # type: ignore[name-defined,misc]
            def __init__(self) -> None:
                trt.ILogger.__init__(self)

            def log(self, severity: Any, msg: str) -> None:
                if severity <= trt.ILogger.Severity.ERROR:
                    outer.errors.append(msg)
                if severity <= trt.ILogger.Severity.WARNING:
                    log(f"{title} {str(severity).rsplit('.', 1)[-1]}: {msg}")

        self.logger = _Logger()

    def text(self) -> str:
        return "\n  ".join(self.errors) or "no message from the library"


class _Interrupt:
    """Ctrl-C during a build. The library calls our logger and progress monitor from inside
    the build, and a KeyboardInterrupt raised there is caught and logged by the bindings, so
    the build would go on. While active (main thread only), SIGINT just sets `seen`; the
    progress monitor then cancels the build, and the builder raises KeyboardInterrupt after."""

    def __init__(self) -> None:
        self.seen = False
        self._previous: Any = None

    def __enter__(self) -> _Interrupt:
        import signal

        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._note)
        return self

    def _note(self, signum: int, frame: Any) -> None:
        self.seen = True

    def __exit__(self, *exc: object) -> None:
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _progress_monitor(
    trt: ModuleType,
    log: Log,
    label: str,
    every_s: float = 5.0,
    cancelled: Callable[[], bool] = lambda: False,
) -> Any:
    class _Progress(trt.IProgressMonitor):  # type: ignore[name-defined,misc]
        """Prints the top phase starts and at most one step line every few seconds."""

        def __init__(self) -> None:
            trt.IProgressMonitor.__init__(self)
            self._lock = threading.Lock()  # the library may call from several threads
            self._steps: dict[str, int] = {}
            self._last = time.monotonic()

        def phase_start(self, phase_name: str, parent_phase: str | None, num_steps: int) -> None:
            with self._lock:
                self._steps[phase_name] = num_steps
                if parent_phase is None:
                    log(f"engine: {label}: {phase_name} ({num_steps} steps)")

        def step_complete(self, phase_name: str, step: int) -> bool:
            now = time.monotonic()
            with self._lock:
                if now - self._last >= every_s:
                    self._last = now
                    total = self._steps.get(phase_name, "?")
                    log(f"engine: {label}:   {phase_name}: {step + 1}/{total}")
            return not cancelled()  # False cancels the build

        def phase_finish(self, phase_name: str) -> None:
            with self._lock:
                self._steps.pop(phase_name, None)

    return _Progress()


def parser_errors(parser: Any) -> list[str]:
    """Every error the ONNX parser recorded, one readable line each, with the node's name."""
    out = []
    for i in range(parser.num_errors):
        e = parser.get_error(i)
        parts = [str(e.code()).rsplit(".", 1)[-1], e.desc()]
        for attr in ("node_name", "node_operator"):
            fn = getattr(e, attr, None)
            v = fn() if fn is not None else None
            if v:
                parts.append(f"{attr}={v}")
        node = e.node() if hasattr(e, "node") else -1
        if node >= 0:
            parts.append(f"node #{node}")
        out.append(" | ".join(str(p) for p in parts))
    return out


def tied_input_dims(network: Any) -> list[str]:
    """Input dimensions that share a name in the ONNX. TensorRT makes same-named dimensions
    equal: the store's v2 classifier declares height and width both as "?", so any profile
    with height != width (48x192) is "contradictory"."""
    out = []
    for i in range(network.num_inputs):
        t = network.get_input(i)
        names: dict[str, list[int]] = {}
        for axis in range(len(t.shape)):
            n = t.get_dimension_name(axis)
            if n is not None:
                names.setdefault(n, []).append(axis)
        out += [f"{t.name}: axes {a} are all named {n!r}" for n, a in names.items() if len(a) > 1]
    return out


def untie_input_dims(onnx_path: Path) -> bytes:
    """The ONNX model with every dynamic input dimension given its own name (needs onnx)."""
    try:
        import onnx
    except ImportError as e:
        raise EngineBuildError(
            f"{onnx_path} names several input dimensions alike, which TensorRT reads as 'equal'; "
            f"renaming them needs the onnx package ({e}), or run `trt-ocr build-engines` "
            "(its cleanup step names them)"
        ) from e
    model = onnx.load(str(onnx_path))
    for vi in model.graph.input:
        for axis, d in enumerate(vi.type.tensor_type.shape.dim):
            if d.HasField("dim_param"):
                d.dim_param = f"{vi.name}_dim{axis}"
    return bytes(model.SerializeToString())


class TimingCacheFile:
    """A TensorRT timing cache shared by every build on this machine, guarded by a file lock:
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
            log("engine: the timing cache on disk does not match this TensorRT/GPU; starting anew")
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
                other_cache = config.create_timing_cache(disk)
                if not ours.combine(other_cache, False):
                    log("engine: could not combine with the timing cache on disk; keeping ours")
            atomic_write(self.path, bytes(ours.serialize()))


@dataclass(frozen=True)
class BuildSettings:
    workspace_mb: int = 2048
    optimization_level: int = 3
    timing_cache: Path | None = None  # used by libraries that have one (Flavor.timing_cache)

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

    engine: Any  # ICudaEngine
    runtime: Any  # Runtime
    path: Path
    module: Any = None  # the library's Python module (tensorrt or tensorrt_rtx)


@dataclass
class _RuntimeCacheSaver:
    """Saves a context's runtime cache to its file. It holds the runtime config and the cache
    the context was made with (the context may point at them): a session keeps it until after
    its context is gone."""

    config: Any
    cache: Any
    path: Path

    def __call__(self) -> None:
        from filelock import FileLock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock", timeout=600):
            atomic_write(self.path, bytes(self.cache.serialize()))


class TensorRTLibrary:
    """One installed library (a Flavor) on this machine's first GPU, or build-only (gpu None)."""

    def __init__(
        self,
        flavor: Flavor,
        module: ModuleType,
        gpu: GpuInfo | None,
        no_gpu: str = "",
        targets: Sequence[str] | None = None,
        runtime_cache: Path | None = None,
    ) -> None:
        """targets: the compute capabilities to build for (None: the GPU's when there is one,
        else the library's defaults). runtime_cache: where a TensorRT-RTX runtime keeps its
        JIT-compiled kernels."""
        self.flavor = flavor
        self._trt = module
        self.name = flavor.module
        self.version = str(module.__version__)
        self.gpu = gpu
        self.no_gpu = no_gpu
        self.targets = self._targets(targets)
        self.runtime_cache = runtime_cache if flavor.runtime_cache else None

    def _targets(self, targets: Sequence[str] | None) -> tuple[str, ...]:
        f = self.flavor
        if targets and tuple(targets) == f.default_targets:
            return f.default_targets
        if targets:
            bad = [t for t in targets if t not in f.selectable_targets]
            if bad:
                allowed = ", ".join(f.selectable_targets) or "none (the build GPU's only)"
                raise ValueError(
                    f"{f.title} cannot target compute capability {', '.join(bad)}; it can "
                    f"target: {allowed}"
                )
            return tuple(sorted(set(targets), key=_cc))
        if self.gpu is not None:
            return (self.gpu.compute_capability,)
        if f.default_targets:
            return f.default_targets
        raise BackendError(f"{f.title} builds engines on a GPU: {self.no_gpu}")

    @property
    def can_run(self) -> bool:
        return self.gpu is not None

    @property
    def target(self) -> EngineTarget:
        return EngineTarget(self.name, self.version, self.targets)

    def describe(self) -> str:
        where = (
            f"on {self.gpu.name} (sm {self.gpu.compute_capability})"
            if self.gpu
            else "ahead of time, no GPU here"
        )
        return f"{self.flavor.title} {self.version} {where}, targets {' '.join(self.targets)}"

    def _set_targets(self, config: Any) -> None:
        if not self.flavor.selectable_targets:
            return  # TensorRT builds for the GPU it runs on
        if self.targets == self.flavor.default_targets:
            return  # the library's defaults include "later than 12.x", naming them would not
        cc_enum = self._trt.ComputeCapability
        config.num_compute_capabilities = len(self.targets)
        for i, cc in enumerate(self.targets):
            config.set_compute_capability(getattr(cc_enum, "SM" + cc.replace(".", "")), i)

    def _parse(self, onnx_path: Path, messages: _Messages) -> tuple[Any, Any, Any, list[str]]:
        """(builder, network, parser, notes): the ONNX parsed into a strongly typed network."""
        trt = self._trt
        notes: list[str] = []
        model: bytes | None = None
        while True:
            builder = trt.Builder(messages.logger)
            flags = 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
            network = builder.create_network(flags)
            parser = trt.OnnxParser(network, messages.logger)
            ok = (
                parser.parse(model, str(onnx_path))
                if model is not None
                else parser.parse_from_file(str(onnx_path))
            )
            if not ok:
                errors = parser_errors(parser)
                raise EngineBuildError(
                    f"{self.flavor.title}'s ONNX parser rejected {onnx_path} with "
                    f"{len(errors)} error(s):\n  " + "\n  ".join(errors)
                )
            ties = tied_input_dims(network)
            if not ties or model is not None:
                return builder, network, parser, notes
            notes.append("renamed input dimensions TensorRT would tie: " + "; ".join(ties))
            model = untie_input_dims(onnx_path)

    def build(
        self,
        onnx_path: Path,
        engine_path: Path,
        ranges: Sequence[ShapeRange],
        settings: BuildSettings,
        log: Log = print,
        label: str = "",
    ) -> float:
        """Builds a strongly typed plan of onnx_path with one optimization profile per range
        (on the network's one input) for self.targets; returns the build time in seconds."""
        trt = self._trt
        t0 = time.perf_counter()
        label = label or engine_path.name
        messages = _Messages(trt, log, self.flavor.title)
        builder, network, _parser, notes = self._parse(onnx_path, messages)
        for n in notes:
            log(f"engine: {label}: {n}")
        if network.num_inputs != 1:
            raise EngineBuildError(
                f"{onnx_path}: a PP-OCR network has one input, this one has {network.num_inputs}"
            )
        if not ranges:
            raise EngineBuildError(f"{onnx_path}: no optimization profile to build")
        config = builder.create_builder_config()
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, settings.workspace_mb << 20)
        config.builder_optimization_level = settings.optimization_level
        # Strongly typed: the ONNX decides precision; TF32 would silently lower fp32 tensors.
        config.clear_flag(trt.BuilderFlag.TF32)
        self._set_targets(config)
        interrupt = _Interrupt()
        monitor = _progress_monitor(trt, log, label, cancelled=lambda: interrupt.seen)
        config.progress_monitor = monitor
        name = network.get_input(0).name
        for i, r in enumerate(ranges):
            prof = builder.create_optimization_profile()
            prof.set_shape(name, r.min, r.opt, r.max)
            if config.add_optimization_profile(prof) < 0:
                raise EngineBuildError(f"{self.flavor.title} refused optimization profile {i}: {r}")
        use_timing_cache = self.flavor.timing_cache and settings.timing_cache is not None
        cache_file = TimingCacheFile(settings.timing_cache) if use_timing_cache else None  # type: ignore[arg-type]
        if cache_file is not None:
            cache_file.attach(config, log)
        with interrupt:
            plan = builder.build_serialized_network(network, config)
        if interrupt.seen:
            raise KeyboardInterrupt(f"building {engine_path} was interrupted")
        if plan is None:
            raise EngineBuildError(
                f"{self.flavor.title} {self.version} failed to build {onnx_path} "
                f"(profiles: {'; '.join(map(str, ranges))}):\n  {messages.text()}"
            )
        if cache_file is not None:
            cache_file.save(config, log)
        engine_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(engine_path, bytes(plan))
        del monitor  # kept alive until here: the library holds a raw pointer during the build
        return time.perf_counter() - t0

    def deserialize(self, engine_path: Path) -> LoadedEngine:
        """The ICudaEngine of a plan file; BackendError saying why when it does not load here
        (no GPU, a GPU the library does not support, a plan for other targets, a bad file)."""
        trt = self._trt
        if self.gpu is not None:
            refusal = unsupported_gpu(self.flavor, self.gpu)
            if refusal:
                raise BackendError(f"cannot run {engine_path}: {refusal}")
        messages = _Messages(trt, lambda m: None, self.flavor.title)
        try:
            runtime = trt.Runtime(messages.logger)
            engine = runtime.deserialize_cuda_engine(engine_path.read_bytes())
        except Exception as e:  # the bindings raise plain RuntimeError/TypeError
            raise BackendError(
                f"{self.flavor.title} could not deserialize {engine_path}: {type(e).__name__}: {e}"
            ) from e
        if engine is None:
            why = f"; {self.no_gpu}" if self.gpu is None else ""
            raise BackendError(
                f"{self.flavor.title} {self.version} could not deserialize {engine_path}{why}:"
                f"\n  {messages.text()}"
            )
        return LoadedEngine(engine, runtime, engine_path, trt)

    def deserialize_error(self, engine_path: Path) -> str | None:
        """None when the plan deserializes on this machine, else why not (a cache miss)."""
        try:
            self.deserialize(engine_path)
        except BackendError as e:
            return str(e)
        return None

    def plan_check(self) -> Callable[[Path], str | None] | None:
        """The deserialize check for engine_cache.decide: None on a machine that cannot run
        engines (a verified sha256 is all that can be checked there)."""
        return self.deserialize_error if self.can_run else None

    def execution_context(self, loaded: LoadedEngine) -> tuple[Any, Callable[[], None]]:
        """(an execution context, a function that saves what it learnt): with TensorRT-RTX,
        JIT-compiled kernels are loaded from and saved to the runtime cache file."""
        engine = loaded.engine
        if self.runtime_cache is None:
            return engine.create_execution_context(), lambda: None
        config = engine.create_runtime_config()
        cache = config.create_runtime_cache()
        path = self.runtime_cache_file(loaded.path)
        if path.is_file() and not cache.deserialize(path.read_bytes()):
            cache.reset()  # from another library version or GPU: start empty
        config.set_runtime_cache(cache)
        context = engine.create_execution_context(config)
        return context, _RuntimeCacheSaver(config, cache, path)

    def runtime_cache_file(self, engine_path: Path) -> Path:
        """The runtime cache file of one engine. A context's cache holds only its own engine's
        kernels and a save replaces the whole file, so engines sharing one file would keep
        only the last closed one's (every other engine compiled again on each start)."""
        import hashlib

        assert self.runtime_cache is not None
        tag = hashlib.sha256(str(Path(engine_path).resolve()).encode()).hexdigest()[:16]
        base = self.runtime_cache
        return base.with_name(f"{base.stem}-{tag}{base.suffix}")
