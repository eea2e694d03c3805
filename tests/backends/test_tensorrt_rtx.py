"""The engine layer against the real TensorRT-RTX bindings on a machine without a GPU: real
parses and ahead-of-time builds, and deserialization refused with a typed BackendError that
says why. Skipped when `tensorrt_rtx` is not installed (pip install "trt-ocr[tensorrt-rtx]")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trt_ocr import models
from trt_ocr.backends import tensorrt_library as layer
from trt_ocr.errors import BackendError, EngineBuildError
from trt_ocr.shapes import ShapeRange, plan_shapes

trt = pytest.importorskip("tensorrt_rtx", reason='needs pip install "trt-ocr[tensorrt-rtx]"')
GPU, NO_GPU = layer.probe_gpu()
cpu_only = pytest.mark.skipif(GPU is not None, reason=f"a GPU is present ({GPU})")


@pytest.fixture(scope="module")
def rtx() -> layer.TensorRTLibrary:
    return layer.select("tensorrt-rtx", build_only=True)


def _onnx(path: Path, op: str = "Conv", name: str = "conv0") -> Path:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((2, 3, 3, 3), np.float32), "w")
    node = (
        helper.make_node("Conv", ["x", "w"], ["y"], name=name, pads=[1, 1, 1, 1])
        if op == "Conv"
        else helper.make_node(op, ["x"], ["y"], name=name)
    )
    g = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [w] if op == "Conv" else [],
    )
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return path


RANGES = [ShapeRange((1, 3, 8, 8), (2, 3, 16, 16), (4, 3, 32, 32))]


def test_builds_ahead_of_time_for_the_default_targets(rtx, tmp_path: Path) -> None:
    assert rtx.flavor is layer.TENSORRT_RTX and rtx.name == "tensorrt_rtx"
    assert rtx.version == trt.__version__
    assert rtx.targets == layer.TENSORRT_RTX.default_targets
    # a timing cache would force a GPU query: the layer never attaches one for TensorRT-RTX
    settings = layer.BuildSettings(256, timing_cache=tmp_path / "timing.cache")
    secs = rtx.build(_onnx(tmp_path / "m.onnx"), tmp_path / "m.engine", RANGES, settings, print)
    assert secs > 0 and (tmp_path / "m.engine").stat().st_size > 10_000
    assert not (tmp_path / "timing.cache").exists()


def test_fp32_tensors_are_built_without_tf32(
    rtx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TF32 is on in a new builder config; the config a plan is built with has it off."""
    assert trt.Builder(trt.Logger()).create_builder_config().get_flag(trt.BuilderFlag.TF32)
    tf32: list[bool] = []
    build = trt.Builder.build_serialized_network

    def recording_build(builder: Any, network: Any, config: Any) -> Any:
        tf32.append(config.get_flag(trt.BuilderFlag.TF32))
        return build(builder, network, config)

    monkeypatch.setattr(trt.Builder, "build_serialized_network", recording_build)
    rtx.build(_onnx(tmp_path / "m.onnx"), tmp_path / "m.engine", RANGES, layer.BuildSettings(256))
    assert tf32 == [False] and (tmp_path / "m.engine").stat().st_size > 10_000


def test_named_targets_are_built_and_unknown_ones_refused(tmp_path: Path) -> None:
    lib = layer.select("tensorrt-rtx", build_only=True, targets=["8.6", "8.9"])
    assert lib.targets == ("8.6", "8.9") and lib.target.compute_capabilities == ("8.6", "8.9")
    lib.build(_onnx(tmp_path / "m.onnx"), tmp_path / "m.engine", RANGES, layer.BuildSettings())
    assert (tmp_path / "m.engine").stat().st_size > 10_000
    with pytest.raises(ValueError, match=r"cannot target compute capability 9\.0"):
        layer.select("tensorrt-rtx", build_only=True, targets=["9.0"])


def test_parser_errors_name_the_node(rtx, tmp_path: Path) -> None:
    bad = _onnx(tmp_path / "bad.onnx", op="NoSuchOp", name="the_bad_node")
    with pytest.raises(EngineBuildError, match="the_bad_node") as e:
        rtx.build(bad, tmp_path / "bad.engine", RANGES, layer.BuildSettings())
    assert "ONNX parser rejected" in str(e.value)
    assert not (tmp_path / "bad.engine").exists()


def test_builder_errors_carry_the_librarys_message(rtx, tmp_path: Path) -> None:
    # a profile whose channel count contradicts the model's fixed 3 channels
    wrong = [ShapeRange((1, 4, 8, 8), (1, 4, 8, 8), (1, 4, 8, 8))]
    with pytest.raises(EngineBuildError) as e:
        rtx.build(_onnx(tmp_path / "m.onnx"), tmp_path / "m.engine", wrong, layer.BuildSettings())
    text = str(e.value)
    assert "failed to build" in text and "1x4x8x8" in text
    assert "no message from the library" not in text  # TensorRT-RTX's own words are in it


def test_the_store_classifier_builds_its_shared_dimension_names_untied(
    rtx, v4_models, tmp_path: Path
) -> None:
    """The root cause of the raw v2 classifier's failure even at a fixed 1x3x48x192 profile:
    its ONNX names height and width both "?", which TensorRT reads as "equal"."""
    b = trt.Builder(trt.Logger(trt.Logger.ERROR))
    net = b.create_network(1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED))
    assert trt.OnnxParser(net, trt.Logger(trt.Logger.ERROR)).parse_from_file(str(v4_models.cls))
    assert layer.tied_input_dims(net) == ["x: axes [2, 3] are all named '?'"]
    logs: list[str] = []
    ranges = plan_shapes(spec=models.get("ppocr-v4-mobile")).cls
    assert ranges[0].max[2:] == (48, 192)
    rtx.build(v4_models.cls, tmp_path / "cls.engine", ranges, layer.BuildSettings(), logs.append)
    assert (tmp_path / "cls.engine").stat().st_size > 1_000_000
    assert any("renamed input dimensions" in m for m in logs)


def test_gpu_support_errors_name_the_other_library() -> None:
    h100 = layer.GpuInfo("NVIDIA H100 80GB HBM3", "9.0")
    why = layer.unsupported_gpu(layer.TENSORRT_RTX, h100)
    assert why is not None and "compute capability 9.0" in why
    assert layer.TENSORRT.install in why  # TensorRT runs on it
    assert layer.unsupported_gpu(layer.TENSORRT_RTX, layer.GpuInfo("RTX 4090", "8.9")) is None
    assert layer.unsupported_gpu(layer.TENSORRT_RTX, layer.GpuInfo("RTX 5090", "12.0")) is None
    assert layer.unsupported_gpu(layer.TENSORRT, h100) is None


@cpu_only
def test_deserializing_without_a_gpu_is_a_typed_refusal(rtx, tmp_path: Path) -> None:
    plan = tmp_path / "m.engine"
    rtx.build(_onnx(tmp_path / "m.onnx"), plan, RANGES, layer.BuildSettings())
    assert not rtx.can_run and rtx.plan_check() is None
    with pytest.raises(BackendError) as e:
        rtx.deserialize(plan)
    text = str(e.value)
    assert "could not deserialize" in text and NO_GPU in text
    assert "CUDA" in text  # the library's own reason


@cpu_only
def test_the_runtime_backend_goes_as_far_as_deserializing(rtx, v4_models, tmp_path: Path) -> None:
    """OCR(backend="tensorrt")'s path without a GPU: the engine key, the cache decision and a
    real build run; deserializing is the typed refusal."""
    from trt_ocr.backends.tensorrt import TensorRTBackend

    logs: list[str] = []
    backend = TensorRTBackend(cache_dir=tmp_path / "cache", library=rtx, log=logs.append)
    ranges = plan_shapes(spec=models.get("ppocr-v4-mobile")).det
    with pytest.raises(BackendError, match="could not deserialize"):
        backend.open(v4_models.det, "det", ranges)
    (engine,) = (tmp_path / "cache").glob("det-*/det.engine")
    assert engine.stat().st_size > 1_000_000
    assert any("building the det engine" in m for m in logs)
    with pytest.raises(BackendError, match="could not deserialize"):  # now a verified hit
        backend.open(v4_models.det, "det", ranges)
    assert len(list((tmp_path / "cache").glob("det-*/det.engine"))) == 1


@cpu_only
def test_create_tensorrt_says_why_not_here() -> None:
    from trt_ocr import backends

    with pytest.raises(BackendError) as e:
        backends.create("tensorrt")
    assert "TensorRT-RTX" in str(e.value) and NO_GPU in str(e.value)
    assert backends.create("auto").name == "onnxruntime"


@pytest.mark.gpu
@pytest.mark.skipif(GPU is None, reason=f"needs an NVIDIA GPU: {NO_GPU}")
def test_engine_outputs_equal_onnx_runtime_on_a_gpu(v4_models, tmp_path: Path) -> None:
    """Engine output vs ONNX Runtime on a real input, within fp32 tolerance (GPU only)."""
    import onnxruntime as ort

    from trt_ocr.backends.tensorrt import TensorRTBackend

    lib = layer.select("tensorrt-rtx", runtime_cache=tmp_path / "runtime.cache")
    ranges = plan_shapes(spec=models.get("ppocr-v4-mobile")).rec
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 48, 320)).astype(np.float32)
    with TensorRTBackend(cache_dir=tmp_path, library=lib).open(v4_models.rec, "rec", ranges) as s:
        got = s.run({s.input_name: x})[s.output_name].copy()
    ref = ort.InferenceSession(str(v4_models.rec), providers=["CPUExecutionProvider"])
    want = ref.run(None, {ref.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, want, atol=2e-3)
    assert len(list(tmp_path.glob("runtime-*.cache"))) == 1  # the rec engine's own


INTERRUPT_SCRIPT = """
import os, signal, sys
from pathlib import Path
from trt_ocr import models
from trt_ocr.backends import tensorrt_library as layer
from trt_ocr.shapes import plan_shapes

rtx = layer.select("tensorrt-rtx", build_only=True)
ranges = plan_shapes(spec=models.get("ppocr-v4-mobile")).det
sent = []

def log(message):
    if "steps)" in message and not sent:  # the first phase: the build is under way
        sent.append(message)
        os.kill(os.getpid(), signal.SIGINT)

try:
    rtx.build(Path(sys.argv[1]), Path(sys.argv[2]), ranges, layer.BuildSettings(), log)
    print("finished", bool(sent))
except KeyboardInterrupt:
    print("interrupted", bool(sent))
"""


def test_ctrl_c_cancels_a_build_and_leaves_no_engine(v4_models, tmp_path: Path) -> None:
    """The library swallows exceptions raised in our callbacks; Ctrl-C must still stop it."""
    import subprocess
    import sys

    engine = tmp_path / "det.engine"
    out = subprocess.run(
        [sys.executable, "-c", INTERRUPT_SCRIPT, str(v4_models.det), str(engine)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.stdout.split() == ["interrupted", "True"], out.stdout + out.stderr[-2000:]
    assert not engine.exists() and list(tmp_path.iterdir()) == []


def test_each_engine_has_its_own_runtime_cache_file(tmp_path: Path) -> None:
    """A context's runtime cache holds its own engine's kernels and a save replaces the file:
    det, cls and rec sharing one file kept only the last closed engine's."""
    lib = layer.select("tensorrt-rtx", build_only=True, runtime_cache=tmp_path / "runtime.cache")
    files = {lib.runtime_cache_file(tmp_path / f"{role}.engine") for role in ("det", "cls", "rec")}
    assert len(files) == 3 and all(f.parent == tmp_path for f in files)
    assert lib.runtime_cache_file(tmp_path / "x" / ".." / "det.engine") in files  # stable
