"""trt_ocr.graph_fusion: the body rewrites compute the same function with fewer nodes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper, numpy_helper

from trt_ocr import graph_fusion


def _constant(name: str, value: Any) -> Any:
    """A Constant node, as paddle2onnx writes a network's scalars and weights."""
    return helper.make_node(
        "Constant", [], [name], value=numpy_helper.from_array(np.asarray(value, np.float32), name)
    )


def lcnet_block(
    *, scale: float = 0.8, shift: float = 0.25, three: float = 3.0, clip_max: float = 6.0
) -> Any:
    """A PP-LCNet-like block as paddle2onnx exports it: Conv (weights as Constant nodes) ->
    Mul(scale) -> Add(shift) -> x * Clip(x + three, 0, clip_max) / 6 -> Mul(scale) ->
    Add(shift) -> a second Conv with a bias initializer -> Mul(scale) (no shift)."""
    rng = np.random.default_rng(1)
    nodes = [
        _constant("w1", rng.normal(size=(4, 3, 3, 3))),
        _constant("s", [scale]),
        _constant("b", [shift]),
        _constant("three", [three]),
        _constant("zero", 0.0),
        _constant("top", clip_max),
        _constant("six", [6.0]),
        helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Mul", ["c1", "s"], ["m1"]),
        helper.make_node("Add", ["m1", "b"], ["a1"]),
        helper.make_node("Add", ["a1", "three"], ["p3"]),
        helper.make_node("Clip", ["p3", "zero", "top"], ["g"]),
        helper.make_node("Mul", ["a1", "g"], ["xg"]),
        helper.make_node("Div", ["xg", "six"], ["h"]),
        helper.make_node("Mul", ["h", "s"], ["hs"]),
        helper.make_node("Add", ["b", "hs"], ["hb"]),
        helper.make_node("Conv", ["hb", "w2", "b2"], ["c2"]),
        helper.make_node("Mul", ["s", "c2"], ["y"]),
    ]
    inits = [
        numpy_helper.from_array(rng.normal(size=(2, 4, 1, 1)).astype(np.float32), "w2"),
        numpy_helper.from_array(rng.normal(size=(2,)).astype(np.float32), "b2"),
    ]
    graph = helper.make_graph(
        nodes,
        "block",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 9, 11])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 2, 9, 11])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def run(model: Any, x: np.ndarray) -> np.ndarray:
    so = ort.SessionOptions()
    so.log_severity_level = 3
    # no ORT rewrites: the model's own nodes compute the answer
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    out: np.ndarray = sess.run(None, {"x": x})[0]
    return out


def group_of(node: Any) -> int:
    return next((int(a.i) for a in node.attribute if a.name == "group"), 1)


def ops(model: Any) -> Counter[str]:
    return Counter(n.op_type for n in model.graph.node if n.op_type != "Constant")


def test_block_is_rewritten_and_computes_the_same() -> None:
    model = lcnet_block()
    x = np.random.default_rng(2).normal(scale=3.0, size=(1, 3, 9, 11)).astype(np.float32)
    before = run(model, x)
    counts = graph_fusion.fuse(model)
    onnx.checker.check_model(model)
    assert counts == {"scalar_affine": 2, "hard_swish": 1, "scale_as_conv": 1}
    assert ops(model) == {"Conv": 3, "HardSigmoid": 1, "Mul": 1}
    depthwise = [n for n in model.graph.node if n.op_type == "Conv" and n.input[0] == "h"]
    assert [group_of(n) for n in depthwise] == [4]
    after = run(model, x)
    assert after.shape == before.shape
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)
    # the scalars only the removed nodes read are gone, not left as dead Constant nodes
    consts = {n.output[0] for n in model.graph.node if n.op_type == "Constant"}
    assert consts == set()


@pytest.mark.parametrize(
    "change", [{"three": 2.0}, {"clip_max": 5.0}], ids=["not-plus-3", "not-clip-6"]
)
def test_other_activations_are_left_alone(change: dict[str, float]) -> None:
    model = lcnet_block(**change)
    x = np.random.default_rng(3).normal(size=(1, 3, 9, 11)).astype(np.float32)
    before = run(model, x)
    counts = graph_fusion.fuse(model)
    assert counts["hard_swish"] == 0
    assert ops(model)["Clip"] == 1
    np.testing.assert_allclose(run(model, x), before, rtol=1e-5, atol=1e-5)


def test_a_conv_read_twice_or_scaled_per_channel_is_not_folded() -> None:
    """Conv -> Mul(2) whose Conv output is also read elsewhere is not folded, nor made a
    depthwise Conv (no scalar shift follows: a lone scalar Mul may be part of a pattern the
    optimiser fuses, as GELU's * 0.5); a per-channel Mul stays a Mul."""
    rng = np.random.default_rng(4)
    w = numpy_helper.from_array(rng.normal(size=(2, 3, 1, 1)).astype(np.float32), "w")
    per_channel = numpy_helper.from_array(np.array([[[[2.0]], [[3.0]]]], np.float32), "pc")
    two = numpy_helper.from_array(np.array([2.0], np.float32), "two")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"]),
        helper.make_node("Mul", ["c", "two"], ["m"]),  # c is also read by the Add below
        helper.make_node("Add", ["m", "c"], ["a"]),
        helper.make_node("Conv", ["a", "w2"], ["d"]),
        helper.make_node("Mul", ["d", "pc"], ["y"]),  # not a scalar
    ]
    w2 = numpy_helper.from_array(rng.normal(size=(2, 2, 1, 1)).astype(np.float32), "w2")
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 2, 4, 4])],
        [w, w2, per_channel, two],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    model.ir_version = 8
    x = rng.normal(size=(1, 3, 4, 4)).astype(np.float32)
    before = run(model, x)
    assert graph_fusion.fuse(model) == {"scalar_affine": 0, "hard_swish": 0, "scale_as_conv": 0}
    assert ops(model) == {"Conv": 2, "Mul": 2, "Add": 1}
    np.testing.assert_array_equal(run(model, x), before)
