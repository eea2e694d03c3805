"""Graph cleanup and the TensorRT op check, on tiny models built in code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from trt_ocr.engines import graph


def _model(
    nodes: list,
    inits: list | None = None,
    opset: int = 17,
    in_dims: tuple = ("p2o.DynamicDimension.0", 3, "p2o.DynamicDimension.1", 8),
    out_dims: tuple | None = None,
) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_dims))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out_dims or in_dims))
    g = helper.make_graph(nodes, "g", [x], [y], initializer=inits or [])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def test_supported_graph_passes_and_table_names_its_source() -> None:
    m = _model([helper.make_node("Relu", ["x"], ["y"], name="r")])
    rep = graph.check_ops(m)
    assert rep.ok and rep.issues == []
    assert "onnx-tensorrt" in rep.table_source and rep.tensorrt_version.startswith("10")
    assert "every op is supported" in rep.text()


def test_unsupported_and_custom_ops_are_reported() -> None:
    nodes = [
        helper.make_node("NonMaxSuppression", ["x"], ["a"], name="nms_ok"),
        helper.make_node("Unique", ["x"], ["b"], name="uniq"),
        helper.make_node("FusedConv", ["x"], ["c"], name="fused", domain="com.microsoft"),
        helper.make_node("MadeUpOp", ["x"], ["y"], name="made"),
    ]
    rep = graph.check_ops(_model(nodes))
    by_node = {i.node: i for i in rep.issues}
    assert not rep.ok
    assert "nms_ok" not in by_node
    assert "unsupported" in by_node["uniq"].message
    assert "ONNX Runtime contrib op" in by_node["fused"].message
    assert "not in TensorRT" in by_node["made"].message
    assert "ERROR" in rep.text() and "uniq" in rep.text()


def test_qdq_zero_point_and_resize_restrictions() -> None:
    inits = [
        numpy_helper.from_array(np.array(0.1, np.float32), "s"),
        numpy_helper.from_array(np.array(3, np.int8), "zp_bad"),
        numpy_helper.from_array(np.array(0, np.uint8), "zp_u8"),
        numpy_helper.from_array(np.array([], np.float32), "roi"),
        numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s", "zp_bad"], ["q"], name="q_bad"),
        helper.make_node("DequantizeLinear", ["q", "s", "zp_u8"], ["dq"], name="dq_u8"),
        helper.make_node("Resize", ["dq", "roi", "scales"], ["y"], name="rs", mode="cubic"),
    ]
    rep = graph.check_ops(_model(nodes, inits))
    msgs = {i.node: i.message for i in rep.issues}
    assert "must be 0" in msgs["q_bad"]
    assert "uint8" in msgs["dq_u8"]
    assert "mode cubic" in msgs["rs"]


def test_axes_must_be_constant_and_opset_range() -> None:
    nodes = [
        helper.make_node("Shape", ["x"], ["axes"], name="shape"),
        helper.make_node("ReduceMean", ["x", "axes"], ["y"], name="rm"),
    ]
    rep = graph.check_ops(_model(nodes, opset=18))
    assert any(i.node == "rm" and "initializer" in i.message for i in rep.issues)
    rep = graph.check_ops(_model([helper.make_node("Relu", ["x"], ["y"])], opset=8))
    assert any(i.op == "opset" for i in rep.issues)


def test_cleanup_folds_bn_renames_dims_and_keeps_outputs(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    inits = [
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(rng.uniform(0.5, 2, 4).astype(np.float32), "g"),
        numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b"),
        numpy_helper.from_array((rng.standard_normal(4) * 50).astype(np.float32), "m"),
        numpy_helper.from_array(rng.uniform(1, 9, 4).astype(np.float32), "v"),
    ]
    nodes = [
        helper.make_node(
            "Constant", [], ["bias"], value=numpy_helper.from_array(np.ones(4, np.float32), "bias")
        ),
        helper.make_node("Conv", ["x", "w", "bias"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "g", "b", "m", "v"], ["y"]),
    ]
    m = _model(
        nodes,
        inits,
        in_dims=("p2o.DynamicDimension.0", 3, "h?", "w.1"),
        out_dims=("p2o.DynamicDimension.3", 4, "p2o.DynamicDimension.4", "q"),
    )
    src, dst = tmp_path / "m.onnx", tmp_path / "clean.onnx"
    onnx.save(m, str(src))
    res = graph.cleanup(src, dst, "det", log=lambda s: None, simplifier="none")
    assert res.batchnorm_folded == 1 and res.constants_moved == 1
    io = graph.io_shapes(dst)
    assert io["inputs"]["x"] == ["batch", 3, "height", "width"]
    assert io["outputs"]["y"] == ["batch", 4, "height", "width"]
    ops = [n.op_type for n in onnx.load(str(dst)).graph.node]
    assert ops == ["Conv"]
    ort = pytest.importorskip("onnxruntime")
    x = rng.standard_normal((2, 3, 5, 8)).astype(np.float32)
    a = ort.InferenceSession(str(src), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    b = ort.InferenceSession(str(dst), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    assert np.abs(a[0] - b[0]).max() < 1e-4


def test_illegal_dim_names_become_identifiers() -> None:
    m = _model([helper.make_node("Relu", ["x"], ["y"])], in_dims=("a-b", 3, "p2o.D.1", 8))
    graph.rename_dims(m, None)
    dims = [d.dim_param for d in m.graph.input[0].type.tensor_type.shape.dim if d.dim_param]
    assert dims == ["a_b", "p2o_D_1"]
