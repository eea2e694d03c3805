"""fp16 keeps its block list in fp32; int8 Q/DQ is symmetric, zero-point 0, per-channel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.engines.conftest import line_batch, run_onnx
from trt_ocr.engines import graph, precision


@pytest.fixture(scope="module")
def clean(v4_models, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("fp32")
    paths = {}
    for role in ("cls", "rec"):
        paths[role] = out / f"{role}.onnx"
        graph.cleanup(getattr(v4_models, role), paths[role], role, log=lambda s: None)
    return paths


def test_fp16_keeps_block_list_and_layer_norms_fp32(
    clean: dict[str, Path], tmp_path: Path, real_inputs: dict
) -> None:
    pytest.importorskip("onnxconverter_common")
    dst = tmp_path / "rec16.onnx"
    info = precision.to_fp16(clean["rec"], dst, "rec", log=lambda s: None)
    m = onnx.load(str(dst))
    # io stays fp32
    assert m.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert m.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    m = onnx.shape_inference.infer_shapes(m)
    types = {
        v.name: v.type.tensor_type.elem_type
        for v in list(m.graph.value_info) + list(m.graph.output)
    }
    blocked = set(precision.FP16_OP_BLOCK_LIST)
    for n in m.graph.node:
        if n.op_type in blocked or n.name in info["node_block_list"]:
            assert types.get(n.output[0]) == onnx.TensorProto.FLOAT, (n.name, n.op_type)
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    assert convs and all(types.get(c.output[0]) == onnx.TensorProto.FLOAT16 for c in convs)
    op_of = {n.name: n.op_type for n in m.graph.node}
    ln_ops = {op_of.get(n) for n in info["node_block_list"]}
    assert {"Pow", "Sqrt", "Div", "Sub"} <= ln_ops  # whole layer-norm chains stay fp32
    ref = run_onnx(clean["rec"], real_inputs["rec"])
    got = run_onnx(dst, real_inputs["rec"])
    # uncertain time steps move by up to ~0.15 in probability; the decoded path barely does
    assert float(np.abs(got - ref).max()) < 0.3
    assert (got.argmax(-1) == ref.argmax(-1)).mean() > 0.98


def test_int8_qdq_is_symmetric_per_channel(
    clean: dict[str, Path], tmp_path: Path, word_images: list[Path]
) -> None:
    feeds = [{"x": line_batch(word_images[i : i + 4], 48, 192)} for i in range(0, 12, 4)]
    dst = tmp_path / "cls8.onnx"
    excluded = precision.quantizable_nodes(clean["cls"])[:2]
    info = precision.to_int8(
        clean["cls"],
        dst,
        feeds,
        precision.Int8Options(method="minmax", exclude=excluded),
        "cls",
        log=lambda s: None,
    )
    assert info["q_nodes"] > 0 and info["excluded"] == excluded
    props = precision.qdq_properties(dst)
    assert props["zero_points_all_zero"]
    assert props["zero_point_dtypes"] == ["int8"]
    conv_w = [w for w in props["weights"] if w["dtype"] == "int8"]
    assert conv_w and all(w["scale_size"] == w["channels"] > 1 for w in conv_w if w["channels"] > 1)
    q = onnx.load(str(dst))
    assert not [n for n in q.graph.node if n.domain not in ("", "ai.onnx")]
    # biases stay float (no int32 DequantizeLinear, which TensorRT would reject)
    assert not [i for i in q.graph.initializer if i.data_type == onnx.TensorProto.INT32]
    producers = {o: n for n in q.graph.node for o in n.output}
    for n in q.graph.node:
        if n.name in excluded:
            assert all(
                producers.get(i) is None or producers[i].op_type != "DequantizeLinear"
                for i in n.input
            ), n.name
    assert graph.check_ops(dst).ok
    got = run_onnx(dst, feeds[0]["x"])  # (its accuracy is the report's business: this tiny
    assert got.shape == (4, 2) and np.allclose(got.sum(1), 1, atol=1e-3)  # cls is INT8-shy)


def test_int8_options_validate() -> None:
    with pytest.raises(ValueError):
        precision.Int8Options(method="kl")


def test_mixed_size_feeds_become_same_shape_tiles() -> None:
    feeds = [
        {"x": np.ones((1, 3, 544, 960), np.float32)},
        {"x": np.ones((1, 3, 960, 448), np.float32)},
        {"x": np.ones((1, 3, 320, 320), np.float32)},
    ]
    tiles = precision.homogenize(feeds)
    assert {t["x"].shape for t in tiles} == {(1, 3, 320, 320)}
    assert len(tiles) == 1 * 3 + 3 * 1 + 1
    same = [{"x": np.ones((2, 3, 48, 320), np.float32)}] * 3
    assert precision.homogenize(same) is same
    assert len(precision.homogenize(feeds, limit=4)) == 4
