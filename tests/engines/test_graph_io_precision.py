"""fp16 and INT8 Q/DQ conversion of graph-I/O networks keep the uint8 input, its Cast and the
normalisation unquantised in fp32, and the argmax outputs' types."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tests.test_graph_io import HALF, tiny_net
from trt_ocr import graph_io
from trt_ocr.engines import precision


@pytest.fixture
def cls_io(tmp_path):
    src = tiny_net(tmp_path / "src.onnx", "cls", classes=2)
    dst = tmp_path / "cls.onnx"
    graph_io.transform_file(src, dst, "cls", HALF)
    return dst


def _io(path):
    m = onnx.load(str(path))
    types = {v.name: v.type.tensor_type.elem_type for v in [*m.graph.input, *m.graph.output]}
    return m, types


def _run(path, x):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": x})


def test_fp16_keeps_the_graph_io_nodes_fp32(cls_io, tmp_path):
    out = tmp_path / "cls16.onnx"
    details = precision.to_fp16(cls_io, out, "cls", log=lambda m: None)
    assert any(n.startswith(graph_io.NODE_PREFIX) for n in details["node_block_list"])
    _, types = _io(out)
    assert types == {
        "x": onnx.TensorProto.UINT8,
        "best_index": onnx.TensorProto.INT32,
        "best_score": onnx.TensorProto.FLOAT,
    }
    x = np.random.default_rng(0).integers(0, 256, (3, 3, 8, 16), np.uint8)
    index, score = _run(out, x)
    want_index, want_score = _run(cls_io, x)
    np.testing.assert_array_equal(index, want_index)
    np.testing.assert_allclose(score, want_score, atol=1e-2)


def test_int8_quantizes_after_the_normalisation(cls_io, tmp_path):
    rng = np.random.default_rng(1)
    feeds = [{"x": rng.integers(0, 256, (2, 3, 8, 16), np.uint8)} for _ in range(3)]
    out = tmp_path / "cls8.onnx"
    precision.to_int8(
        cls_io, out, feeds, precision.Int8Options(method="minmax"), "cls", log=lambda m: None
    )
    m, types = _io(out)
    assert types["x"] == onnx.TensorProto.UINT8
    (reader,) = [n for n in m.graph.node if "x" in n.input]
    assert reader.op_type == "Cast"  # the pixels themselves are never quantized
    io_nodes = [n for n in m.graph.node if n.name.startswith(graph_io.NODE_PREFIX)]
    assert {n.op_type for n in io_nodes} >= {"Cast", "Mul", "Add", "ArgMax", "ReduceMax"}
    index, score = _run(out, feeds[0]["x"])
    assert index.dtype == np.int32 and score.dtype == np.float32


def test_fp16_of_a_graph_io_detector_keeps_its_float16_map(tmp_path):
    from tests.test_graph_io import DET

    src = tiny_net(tmp_path / "src.onnx", "det")
    det = tmp_path / "det.onnx"
    graph_io.transform_file(src, det, "det", DET)
    out = tmp_path / "det16.onnx"
    precision.to_fp16(det, out, "det", log=lambda m: None)
    _, types = _io(out)
    assert types == {"x": onnx.TensorProto.UINT8, "probability": onnx.TensorProto.FLOAT16}
    x = np.random.default_rng(2).integers(0, 256, (1, 3, 16, 24), np.uint8)
    (got,) = _run(out, x)
    (want,) = _run(det, x)
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float32), want.astype(np.float32), atol=2e-2)
