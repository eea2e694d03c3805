"""MAC counting on tiny generated ONNX graphs with hand-computed counts."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from bench.flops import flops, macs  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402


def _save(tmp_path, nodes, inits, name="m.onnx"):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph(
        nodes, "g", [x], [y], [numpy_helper.from_array(v, k) for k, v in inits.items()]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    p = tmp_path / name
    onnx.save(model, str(p))
    return str(p)


def test_conv_and_deconv(tmp_path):
    w = np.zeros((8, 3, 3, 3), np.float32)  # Cout 8, Cin 3, 3x3, stride 2, pad 1
    wt = np.zeros((8, 4, 2, 2), np.float32)  # ConvTranspose Cin 8 -> Cout 4, 2x2 stride 2
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("ConvTranspose", ["c", "wt"], ["y"], strides=[2, 2]),
    ]
    p = _save(tmp_path, nodes, {"w": w, "wt": wt})
    m = macs(p, (1, 3, 32, 64))
    # conv: out 1x8x16x32, each output 3*3*3 MACs
    assert m["Conv"] == 8 * 16 * 32 * 27
    # deconv: each input element (8x16x32) feeds Cout*kH*kW = 4*2*2 outputs
    assert m["ConvTranspose"] == 8 * 16 * 32 * 16
    assert m["total"] == m["Conv"] + m["ConvTranspose"]
    assert flops(p, (1, 3, 32, 64)) == 2 * m["total"]
    # scales with the input size
    assert macs(p, (1, 3, 64, 64))["total"] == 2 * m["total"]


def test_grouped_conv(tmp_path):
    w = np.zeros((6, 1, 3, 3), np.float32)  # depthwise-like: group 3, 2 outputs per group
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], group=3, pads=[1, 1, 1, 1])]
    p = _save(tmp_path, nodes, {"w": w})
    assert macs(p, (1, 3, 10, 10))["Conv"] == 6 * 10 * 10 * 9


def test_matmul_with_dynamic_reshape(tmp_path):
    # x [1,3,h,w] -> reshape to [1*3*h, w] with a shape computed at run time -> @ W [w, 5]
    wm = np.zeros((16, 5), np.float32)
    g = np.zeros((5, 7), np.float32)
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "i3"], ["last"], axis=0),
        helper.make_node("Concat", ["neg1", "last"], ["shp"], axis=0),
        helper.make_node("Reshape", ["x", "shp"], ["r"]),
        helper.make_node("MatMul", ["r", "wm"], ["mm"]),
        helper.make_node("Gemm", ["mm", "g"], ["y"]),
    ]
    inits = {"wm": wm, "g": g, "i3": np.array([3], np.int64), "neg1": np.array([-1], np.int64)}
    p = _save(tmp_path, nodes, inits)
    m = macs(p, (1, 3, 4, 16))
    assert m["MatMul"] == 12 * 16 * 5
    assert m["Gemm"] == 12 * 5 * 7


def test_batch_counts_linearly(tmp_path):
    w = np.zeros((4, 3, 1, 1), np.float32)
    p = _save(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"])], {"w": w})
    assert macs(p, (5, 3, 8, 8))["total"] == 5 * macs(p, (1, 3, 8, 8))["total"]
    assert flops(p, (5, 3, 8, 8)) == 2 * 5 * 4 * 3 * 64
