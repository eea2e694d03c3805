"""The thin TensorRT layer: runs only where TensorRT and an NVIDIA GPU exist."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trt_ocr.engines import trt_builder

ok, why = trt_builder.available()
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


def test_build_cache_and_run(tmp_path: Path) -> None:
    from trt_ocr.backends.base import ShapeRange
    from trt_ocr.backends.tensorrt import TensorRTBackend
    from trt_ocr.engines.profiles import Profile

    onnx_path = tmp_path / "m.onnx"
    _tiny_onnx(onnx_path)
    prof = [Profile("p", {"x": ((1, 3, 8, 8), (2, 3, 16, 16), (4, 3, 32, 32))})]
    cache = tmp_path / "timing.cache"
    secs = trt_builder.build_engine(
        onnx_path, tmp_path / "m.engine", prof, trt_builder.BuildSettings(256, timing_cache=cache)
    )
    assert secs > 0 and cache.stat().st_size > 0
    assert trt_builder.deserialize_error(tmp_path / "m.engine") is None
    (tmp_path / "bad.engine").write_bytes(b"not a plan")
    assert trt_builder.deserialize_error(tmp_path / "bad.engine")
    backend = TensorRTBackend(cache_dir=tmp_path / "cache")
    with backend.open(
        tmp_path / "m.engine",
        "det",
        {"x": [ShapeRange((1, 3, 8, 8), (2, 3, 16, 16), (4, 3, 32, 32))]},
    ) as s:
        y = s.run({"x": np.ones((2, 3, 16, 16), np.float32)})["y"]
        assert y.shape == (2, 2, 16, 16) and float(y[0, 0, 8, 8]) == 27.0


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
        trt_builder.build_engine(p, tmp_path / "bad.engine", [], trt_builder.BuildSettings(256))
