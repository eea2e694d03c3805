"""The thin engine layer on a GPU: runs only where TensorRT or TensorRT-RTX and an NVIDIA GPU
they support exist (skipped elsewhere, with the reason). Not run on this project's machines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trt_ocr.backends import tensorrt_library as trt_layer

ok, why = trt_layer.available()
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not ok, reason=f"needs TensorRT + GPU: {why}")]


def _tiny_onnx(path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((2, 3, 3, 3), np.float32), "w")
    g = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [w],
    )
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def test_build_profiles_cache_and_run(tmp_path: Path) -> None:
    from trt_ocr.backends.tensorrt import TensorRTBackend, TensorRTSession
    from trt_ocr.shapes import ShapeRange

    onnx_path = tmp_path / "m.onnx"
    _tiny_onnx(onnx_path)
    ranges = [
        ShapeRange((1, 3, 8, 8), (2, 3, 16, 16), (4, 3, 16, 16)),
        ShapeRange((1, 3, 16, 16), (2, 3, 32, 32), (4, 3, 32, 32)),
    ]
    lib = trt_layer.select()
    cache = tmp_path / "timing.cache"
    secs = lib.build(
        onnx_path, tmp_path / "m.engine", ranges, trt_layer.BuildSettings(256, timing_cache=cache)
    )
    assert secs > 0 and cache.is_file() == lib.flavor.timing_cache
    assert lib.deserialize_error(tmp_path / "m.engine") is None
    (tmp_path / "bad.engine").write_bytes(b"not a plan")
    assert lib.deserialize_error(tmp_path / "bad.engine")
    with TensorRTSession(lib.deserialize(tmp_path / "m.engine"), lib) as s:
        for hw, profile in ((16, 0), (32, 1), (8, 0)):  # switches profiles both ways
            y = s.run({"x": np.ones((2, 3, hw, hw), np.float32)})["y"]
            assert y.shape == (2, 2, hw, hw) and float(y[0, 0, hw // 2, hw // 2]) == 27.0
            assert s._profile == profile
    backend = TensorRTBackend(cache_dir=tmp_path / "cache")
    with backend.open(onnx_path, "det", ranges) as s:  # built into the cache, then reused
        assert s.run({"x": np.ones((1, 3, 24, 24), np.float32)})["y"].shape == (1, 2, 24, 24)
    _, decision = backend.engine_for(onnx_path, "det", ranges)
    assert decision.usable and "matches" in decision.reason


def test_parser_errors_are_all_reported(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    from trt_ocr.errors import EngineBuildError

    g = helper.make_graph(
        [helper.make_node("Unique", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    p = tmp_path / "bad.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(p))
    with pytest.raises(EngineBuildError, match="error"):
        trt_layer.select().build(p, tmp_path / "bad.engine", [], trt_layer.BuildSettings(256))
