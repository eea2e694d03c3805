"""ONNX Runtime backend on a tiny model built in code, and backend selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trt_ocr import backends
from trt_ocr.backends.onnxruntime import OnnxRuntimeBackend, physical_cores
from trt_ocr.errors import BackendError


def _tiny_model(path: Path) -> Path:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, "h", "w"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3, "h", "w"])
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    graph = helper.make_graph([helper.make_node("Mul", ["x", "two"], ["y"])], "g", [x], [y], [two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def test_named_io_and_dynamic_shapes(tmp_path: Path) -> None:
    backend = OnnxRuntimeBackend(threads=1)
    with backend.open(_tiny_model(tmp_path / "m.onnx"), "det") as sess:
        assert sess.input_name == "x" and sess.output_name == "y"
        for shape in ((1, 3, 32, 32), (2, 3, 48, 320)):
            x = np.random.default_rng(0).random(shape, dtype=np.float32)
            out = sess.run({"x": x})
            np.testing.assert_array_equal(out["y"], x * 2)


def test_run_errors_are_typed(tmp_path: Path) -> None:
    sess = OnnxRuntimeBackend(threads=1).open(_tiny_model(tmp_path / "m.onnx"), "det")
    with pytest.raises(BackendError, match="ONNX Runtime failed"):
        sess.run({"x": np.zeros((1, 4, 2, 2), np.float32)})  # wrong channel count


def test_run_each_runs_every_input_and_hands_out_arrays_to_keep(tmp_path: Path) -> None:
    sess = OnnxRuntimeBackend(threads=1).open(_tiny_model(tmp_path / "m.onnx"), "rec")
    rng = np.random.default_rng(1)
    xs = [rng.random(shape, dtype=np.float32) for shape in ((2, 3, 8, 16), (1, 3, 8, 40))]
    outs = sess.run_each(xs)
    assert [list(o) for o in outs] == [["y"], ["y"]]
    for x, o in zip(xs, outs, strict=True):
        np.testing.assert_array_equal(o["y"], x * 2)
    assert not np.shares_memory(outs[0]["y"], outs[1]["y"])
    assert sess.run_each([]) == []
    with pytest.raises(BackendError, match="ONNX Runtime failed"):
        sess.run_each([xs[0], np.zeros((1, 4, 2, 2), np.float32)])


def test_unloadable_model_is_a_backend_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    with pytest.raises(BackendError, match="could not load the rec model"):
        OnnxRuntimeBackend().open(bad, "rec")


def test_the_cuda_provider_computes_fp32_without_tf32(monkeypatch: pytest.MonkeyPatch) -> None:
    import onnxruntime as ort

    monkeypatch.setattr(
        ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    gpu = OnnxRuntimeBackend(threads=1)
    assert gpu.use_gpu and "(CUDAExecutionProvider, 1 threads)" in gpu.describe()
    assert gpu.providers == [("CUDAExecutionProvider", {"use_tf32": "0"}), "CPUExecutionProvider"]
    assert OnnxRuntimeBackend(threads=1, use_gpu=False).providers == ["CPUExecutionProvider"]


def test_backend_selection() -> None:
    with pytest.raises(ValueError, match="backend must be one of"):
        backends.create("bogus")
    ok, why = backends.tensorrt_available()
    if not ok:
        with pytest.raises(BackendError, match="unavailable"):
            backends.create("tensorrt")
        assert backends.create("auto").name == "onnxruntime"
    assert why


def test_default_threads_are_physical_cores() -> None:
    n = physical_cores()
    assert 1 <= n <= (len(__import__("os").sched_getaffinity(0)))
    assert OnnxRuntimeBackend().threads == n


def test_worker_threads_stop_spinning_after_a_run(tmp_path: Path) -> None:
    # Spinning workers would take the cores the next network's session and the core's own
    # thread pool need between runs.
    sess = OnnxRuntimeBackend(threads=2).open(_tiny_model(tmp_path / "m.onnx"), "det")
    options = sess._session.get_session_options()  # type: ignore[attr-defined]
    assert options.get_session_config_entry("session.force_spinning_stop") == "1"


def test_an_engine_plan_is_refused_with_the_backend_that_runs_it(tmp_path: Path) -> None:
    plan = tmp_path / "det.engine"
    plan.write_bytes(b"\0" * 64)
    with pytest.raises(BackendError, match=r"det model .*det.engine is a TensorRT engine plan"):
        OnnxRuntimeBackend().open(plan, "det")
