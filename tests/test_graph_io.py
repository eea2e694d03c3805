"""trt_ocr.graph_io: the uint8-in / argmax-out transform of the networks, and its cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import helper, numpy_helper

from trt_ocr import _core, graph_io, models
from trt_ocr.errors import ModelError

HALF = graph_io.GraphIO(models.HALF, models.HALF)
DET = graph_io.GraphIO(models.IMAGENET_MEAN, models.IMAGENET_STD, det_thresh=0.3)
DET_HALF = graph_io.GraphIO(models.HALF, models.HALF, det_thresh=0.3)


def tiny_net(path: Path, head: str, classes: int = 7, opset: int = 13) -> Path:
    """A float N x 3 x H x W -> head network: a conv (zero padding, as PP-OCR's first conv),
    then "det": Sigmoid [N, 1, H, W]; "rec" (H = 16): Softmax over classes [N, W, classes];
    "cls": Softmax [N, classes] of the global average."""
    rng = np.random.default_rng(0)
    k = classes if head != "det" else 1
    kh = 16 if head == "rec" else 3  # rec: the kernel spans the crop height 16
    w = numpy_helper.from_array(rng.normal(size=(k, 3, kh, 3)).astype(np.float32), "w")
    pads = [0, 1, 0, 1] if head == "rec" else [1, 1, 1, 1]
    shape = numpy_helper.from_array(np.array([0, k, -1], np.int64), "shape")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=pads)]
    if head == "det":
        nodes.append(helper.make_node("Sigmoid", ["c"], ["y"]))
        out_shape: list[int | str] = ["n", 1, "h", "w"]
    elif head == "rec":
        nodes += [
            helper.make_node("Reshape", ["c", "shape"], ["m"]),  # N, C, W
            helper.make_node("Transpose", ["m"], ["t"], perm=[0, 2, 1]),
            helper.make_node("Softmax", ["t"], ["y"], axis=-1),
        ]
        out_shape = ["n", "w", classes]
    else:
        nodes += [
            helper.make_node("GlobalAveragePool", ["c"], ["p"]),
            helper.make_node("Flatten", ["p"], ["m"], axis=1),
            helper.make_node("Softmax", ["m"], ["y"], axis=-1),
        ]
        out_shape = ["n", classes]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["n", 3, "h", "w"])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, out_shape)],
        [w, shape],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def run(path: Path, x: np.ndarray) -> list[np.ndarray]:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    return list(sess.run(None, {"x": x}))


def test_detector_transform_feeds_the_network_exactly_what_the_float_path_did(tmp_path):
    src = tiny_net(tmp_path / "det.onnx", "det")
    image = np.random.default_rng(1).integers(0, 256, (70, 90, 3), np.uint8)
    kw = {"limit_side_len": 64, "mean": DET.mean, "std": DET.std}
    as_float, _, _ = _core.DetectionPreprocessor(**kw)(image)
    pixels, _, _ = _core.DetectionPreprocessor(uint8=True, **kw)(image)
    dst = graph_io.prepare(src, "det", DET)
    assert dst != src and dst.parent == src.parent
    (a,) = run(src, as_float.copy())
    (b,) = run(dst, pixels.copy())
    assert b.dtype == np.float16 and b.shape == a.shape
    # the binary map DB draws its boxes from is exactly the float32 map's
    np.testing.assert_array_equal(b.astype(np.float32) > np.float32(0.3), a > np.float32(0.3))
    np.testing.assert_allclose(b.astype(np.float32), a, rtol=2**-10, atol=2**-24)
    assert graph_io.facts(dst) == graph_io.GraphFacts("x", "uint8", True, DET.tag("det"))


@pytest.mark.parametrize("thresh", [0.3, 0.2, 0.6])
def test_detector_float16_map_binarises_exactly_at_the_threshold(tmp_path, thresh):
    """Map values around the threshold, where float16 rounding would cross it, stay on their
    side. The "detector" passes its normalised first channel through (mean 0, std 1)."""
    t = np.float32(thresh)
    h = np.float32(np.float16(t))
    targets = [t, h]
    for v in (t, h):
        targets += [np.nextafter(v, np.float32(2)), np.nextafter(v, np.float32(-1))]
    scale = np.float32(1 / 255)
    inputs = []  # float "pixels" x with x * scale == target exactly (the graph's Mul)
    for v in targets:
        x = np.float32(v / scale)
        for _ in range(64):
            if x * scale == v:
                inputs.append(x)
                break
            x = np.nextafter(x, np.float32(np.inf) if x * scale < v else np.float32(0))
    assert len(inputs) >= 4
    init = [numpy_helper.from_array(np.array([k], np.int64), n) for k, n in ((0, "s"), (1, "e"))]
    graph = helper.make_graph(
        [helper.make_node("Slice", ["x", "s", "e", "e"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["n", 3, "h", "w"])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["n", 1, "h", "w"])],
        init,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    io = graph_io.GraphIO((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), det_thresh=thresh)
    out = graph_io.transform(model, "det", io)
    # float "pixels" instead of uint8 (Cast float -> float), to reach every map value
    out.graph.input[0].type.tensor_type.elem_type = onnx.TensorProto.FLOAT
    path = tmp_path / "m.onnx"
    onnx.save(out, path)
    x = np.zeros((1, 3, 1, len(inputs)), np.float32)
    x[0, 0, 0] = inputs
    (got,) = run(path, x)
    mapped = x[0, 0, 0] * scale
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got[0, 0, 0].astype(np.float32) > t, mapped > t)
    assert (mapped > t).any() and (mapped <= t).any()
    # without the hold at the threshold, float16 rounding alone would cross it somewhere
    crossed = (mapped.astype(np.float16).astype(np.float32) > t) != (mapped > t)
    assert crossed.any()


@pytest.mark.parametrize("opset", [13, 18])
def test_recognizer_transform_gives_argmax_and_max_of_the_probabilities(tmp_path, opset):
    src = tiny_net(tmp_path / "rec.onnx", "rec", classes=7, opset=opset)
    image = np.random.default_rng(2).integers(0, 256, (60, 200, 3), np.uint8)
    quads = np.array([[[5, 5], [190, 8], [188, 50], [4, 48]]], np.float32)
    as_float, widths = _core.crop_batch(image, quads, 16, int(widths_of(quads)))
    pixels, _ = _core.crop_batch(image, quads, 16, int(widths_of(quads)), uint8=True)
    assert widths[0] == as_float.shape[3]  # no padding: the values are exact
    (probs,) = run(src, as_float)
    index, score = run(graph_io.prepare(src, "rec", HALF), pixels)
    assert index.dtype == np.int32 and score.dtype == np.float32
    np.testing.assert_array_equal(index, probs.argmax(-1))
    np.testing.assert_array_equal(score, probs.max(-1))
    dec = _core.CTCDecoder(list("abcdef"))
    assert dec.decode(probs, True)[0][:2] == dec.decode_best(index, score, True)[0][:2]


def widths_of(quads: np.ndarray) -> int:
    sizes, _ = _core.crop_sizes(quads)
    return int(np.ceil(16 * sizes[0, 0] / sizes[0, 1]))


def test_classifier_transform_gives_label_and_score(tmp_path):
    src = tiny_net(tmp_path / "cls.onnx", "cls", classes=2)
    x = np.random.default_rng(3).integers(0, 256, (4, 3, 8, 16), np.uint8)
    (probs,) = run(src, x.astype(np.float32) * np.float32(1 / 255 / 0.5) + np.float32(-1.0))
    label, score = run(graph_io.prepare(src, "cls", HALF), x)
    np.testing.assert_array_equal(label, probs.argmax(1))
    np.testing.assert_array_equal(score, probs.max(1))


def test_graphs_that_are_not_pp_ocr_networks_are_refused(tmp_path):
    two_inputs = helper.make_graph(
        [helper.make_node("Add", ["x", "z"], ["y"])],
        "g",
        [
            helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 4, 4]),
            helper.make_tensor_value_info("z", onnx.TensorProto.FLOAT, [1, 3, 4, 4]),
        ],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 3, 4, 4])],
    )
    gray = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 1, 4, 4])],
    )
    for name, graph in (("two", two_inputs), ("gray", gray)):
        p = tmp_path / f"{name}.onnx"
        onnx.save(helper.make_model(graph), p)
        with pytest.raises(ModelError, match="not a PP-OCR network"):
            graph_io.prepare(p, "det", DET)
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelError):
        graph_io.prepare(junk, "det", DET)


def test_the_cache_is_reused_and_remade_when_the_source_changes(tmp_path):
    src = tiny_net(tmp_path / "det.onnx", "det")
    dst = graph_io.prepare(src, "det", DET)
    stamp = json.loads(dst.with_name(dst.name + ".json").read_text())
    assert stamp["source"]["sha256"] == models.sha256_file(src)
    assert stamp["output"]["sha256"] == models.sha256_file(dst)
    made = dst.stat().st_mtime_ns
    assert graph_io.prepare(src, "det", DET) == dst
    assert dst.stat().st_mtime_ns == made  # reused
    # another normalisation is another file
    assert graph_io.prepare(src, "det", DET_HALF) != dst
    # a changed source is transformed again
    tiny_net(src, "rec")
    os.utime(src, ns=(made + 10**9, made + 10**9))
    again = graph_io.prepare(src, "rec", HALF)
    assert {o.name for o in onnx.load(str(again)).graph.output} == {"best_index", "best_score"}
    # a corrupted transform is made again
    dst.write_bytes(dst.read_bytes()[:-1] + b"\0")
    tiny_net(src, "det")
    assert graph_io.prepare(src, "det", DET) == dst
    assert (
        models.sha256_file(dst)
        == json.loads(dst.with_name(dst.name + ".json").read_text())["output"]["sha256"]
    )


def test_a_transformed_model_runs_as_is_unless_its_normalisation_differs(tmp_path):
    src = tiny_net(tmp_path / "det.onnx", "det")
    dst = graph_io.prepare(src, "det", DET)
    moved = tmp_path / "elsewhere" / "det.onnx"
    moved.parent.mkdir()
    moved.write_bytes(dst.read_bytes())
    assert graph_io.prepare(moved, "det", DET) == moved
    with pytest.raises(ModelError, match="other graph I/O parameters"):
        graph_io.prepare(moved, "det", DET_HALF)
    engine = tmp_path / "det.engine"
    assert graph_io.prepare(engine, "det", DET) == engine


def test_a_read_only_model_folder_caches_under_the_home(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    src = tiny_net(folder / "det.onnx", "det")
    monkeypatch.setenv("TRT_OCR_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(graph_io.os, "access", lambda p, mode: Path(p) != folder)
    dst = graph_io.prepare(src, "det", DET)
    assert dst.parent == tmp_path / "home" / "graph-io"
