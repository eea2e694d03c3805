"""The network timer sees ONNX Runtime run calls and files them under the right stage."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper  # noqa: E402

from bench import nettime  # noqa: E402


def _identity(path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3, None, None])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3, None, None])
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g", [x], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.save(m, str(path))
    return str(path)


def test_events_by_session_path_and_shape(tmp_path):
    nettime.patch_onnxruntime()
    nettime.patch_onnxruntime()  # idempotent: not wrapped twice
    det = ort.InferenceSession(_identity(tmp_path / "a.onnx"), providers=["CPUExecutionProvider"])
    other = ort.InferenceSession(_identity(tmp_path / "b.onnx"), providers=["CPUExecutionProvider"])
    nettime.TIMER.stage_of[id(det)] = "det"
    nettime.TIMER.take()
    det.run(None, {"x": np.zeros((1, 3, 64, 96), np.float32)})
    other.run(None, {"x": np.zeros((2, 3, 48, 192), np.float32)})  # shape heuristic: cls
    other.run(None, {"x": np.zeros((2, 3, 48, 400), np.float32)})  # shape heuristic: rec
    ev, timer_seconds = nettime.TIMER.take()
    assert [(s, shp) for s, shp, *_ in ev] == [
        ("det", (1, 3, 64, 96)),
        ("cls", (2, 3, 48, 192)),
        ("rec", (2, 3, 48, 400)),
    ]
    assert all(t > 0 for _, _, t, _, _ in ev)
    # bytes written to the input and read from the output (Relu: the same size)
    assert [(b_in, b_out) for *_, b_in, b_out in ev] == [
        (n * 4, n * 4) for n in (1 * 3 * 64 * 96, 2 * 3 * 48 * 192, 2 * 3 * 48 * 400)
    ]
    # the wrapper's own work after each run is timed and handed back apart from the runs
    assert 0 < timer_seconds < sum(t for _, _, t, _, _ in ev)
    assert nettime.TIMER.take() == ([], 0)


def test_call_facts_for_each_runtime_form():
    """(first input's shape, bytes in, bytes out) of one call: a dict of arrays in (ONNX
    Runtime) or one array (Paddle), a list of arrays out; other forms counted all the same."""
    feeds = {"x": np.zeros((2, 3, 4), np.float32), "y": np.zeros(5, np.uint8)}
    out = [np.zeros((2, 7), np.int64), np.zeros(3, np.float16)]
    assert nettime._facts(feeds, out) == ((2, 3, 4), 2 * 3 * 4 * 4 + 5, 2 * 7 * 8 + 3 * 2)
    assert nettime._facts(np.zeros((1, 8), np.float32), out[:1]) == ((1, 8), 32, 112)
    # an output that is not a list of arrays (a sequence of maps): counted by nbytes()
    nested = [[np.zeros(4, np.float32)], {"a": np.zeros(2, np.int64)}]
    assert nettime._facts(feeds, nested) == ((2, 3, 4), 101, 16 + 16)
    assert nettime._facts({}, []) == ((), 0, 0)


def test_trt_ocr_tensorrt_sessions_are_timed(monkeypatch):
    """Our TensorRT session's run call (copies and sync included) is timed like ONNX Runtime's:
    stage by session, first input's shape, bytes in and out. The engine is a stand-in: the
    wrapper is what is tested, the real call needs a GPU."""
    from trt_ocr.backends.tensorrt import TensorRTSession

    def engine(self, feeds):
        (x,) = feeds.values()
        return {"probabilities": np.zeros((x.shape[0], 1, *x.shape[2:]), np.float16)}

    monkeypatch.setattr(TensorRTSession, "run", engine)  # restored after the test
    nettime.patch_trt_ocr_tensorrt()
    nettime.patch_trt_ocr_tensorrt()  # idempotent: not wrapped twice
    session = object.__new__(TensorRTSession)
    nettime.TIMER.stage_of[id(session)] = "det"
    nettime.TIMER.take()
    out = session.run({"x": np.zeros((1, 3, 64, 96), np.uint8)})
    assert out["probabilities"].shape == (1, 1, 64, 96)
    (event,), timer_seconds = nettime.TIMER.take()
    stage, shape, seconds, b_in, b_out = event
    assert (stage, shape, b_in, b_out) == ("det", (1, 3, 64, 96), 3 * 64 * 96, 64 * 96 * 2)
    assert seconds > 0 and timer_seconds >= 0


def test_feeds_passed_by_name_are_counted_too(tmp_path):
    nettime.patch_onnxruntime()
    sess = ort.InferenceSession(_identity(tmp_path / "k.onnx"), providers=["CPUExecutionProvider"])
    nettime.TIMER.take()
    sess.run(output_names=None, input_feed={"x": np.zeros((1, 3, 8, 8), np.float32)})
    (event,), _ = nettime.TIMER.take()
    assert event[1] == (1, 3, 8, 8) and event[3:] == (768, 768)
