"""bench.outside splits the time outside the networks by the stages' own timers."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest
from bench.outside import outside_by_part

from bench import nettime


class _FakeOCR:
    """Spends 20 ms "in a network" (a timer event), reports 5 ms pre and 3 ms post, and takes
    about 2 ms more that no stage timer sees (glue)."""

    def __call__(self, image: np.ndarray) -> SimpleNamespace:
        time.sleep(0.002)
        nettime.TIMER.stage_of[id(self)] = "det"
        nettime.TIMER.calls.append((self, (1, 3, 8, 8), 0.020, 0, 0, 0.0))  # as a run records
        return SimpleNamespace(timings={"pre": 0.005, "post": 0.003, "load": 0.0})


def test_parts_come_from_the_timers_and_glue_is_the_rest() -> None:
    # The fake's wall time (~2 ms) is below its reported network + stage times, so the figures
    # are the bookkeeping alone: outside = wall - 20 ms, glue = outside - 8 ms.
    m = outside_by_part(_FakeOCR(), [np.zeros((4, 4, 3), np.uint8)] * 3)
    assert m["pre"] == pytest.approx(5.0) and m["post"] == pytest.approx(3.0)
    assert m["load"] == 0.0
    assert m["glue"] == pytest.approx(m["outside"] - 8.0)
    assert m["outside"] >= 2.0 - 20.0  # at least the 2 ms sleep, minus the 20 ms "network"


def _doubling_session():
    """An ONNX Runtime session of y = 2 x (float32, any shape)."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, None)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    graph = helper.make_graph([helper.make_node("Mul", ["x", "two"], ["y"])], "g", [x], [y], [two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


class _OrtEngine:
    """Any engine on ONNX Runtime: three runs an image (as a detector, then two batches)."""

    def __init__(self) -> None:
        self.session = _doubling_session()

    def __call__(self, image: np.ndarray) -> list[np.ndarray]:
        run = self.session.run
        return [run(None, {"x": image + k})[0] for k in (0.0, 1.0, 10.0)]


def test_replayed_networks_give_back_their_recorded_outputs_without_running() -> None:
    from bench.outside import replaying

    nettime.patch_onnxruntime()
    engine = _OrtEngine()
    images = [np.full((2, 2), v, np.float32) for v in (1, 5)]
    want = [engine(im) for im in images]
    nettime.TIMER.take()
    with replaying(engine, images) as play:
        assert len(nettime.TIMER.take()[0]) == 3 * len(images)  # the one real pass, timed
        for _ in range(2):  # rounds: the images' outputs in order, every round
            for image, seen in zip(images, want, strict=True):
                got = play(image)
                assert all(np.array_equal(g, w) for g, w in zip(got, seen, strict=True))
                assert not got[0].flags.writeable  # an engine cannot change the next round's
        assert nettime.TIMER.take()[0] == []  # nothing ran
        m = outside_by_part(play, images)
        assert m["outside"] >= 0.0
        assert np.isnan(m["glue"])  # results without stage timers: a peer's, no parts
    assert np.array_equal(engine(images[0] + 1)[0], 2 * (images[0] + 1))  # the network again
    assert len(nettime.TIMER.take()[0]) == 3


class _ClockedOCR:
    """Takes 30 ms on the bench's clock: a 20 ms network run whose timer then spent 4 ms of
    its own (reading the sizes, recording), and 6 ms of the engine's work."""

    def __init__(self, clock: list[float]) -> None:
        self.clock = clock

    def __call__(self, image: np.ndarray) -> SimpleNamespace:
        self.clock[0] += 0.030
        nettime.TIMER.calls.append((self, (1, 3, 8, 8), 0.020, 0, 0, 0.004))
        return SimpleNamespace(timings={"pre": 0.002, "post": 0.001, "load": 0.0})


def test_the_network_timers_own_time_is_not_charged_to_the_engine(monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: clock[0])
    m = outside_by_part(_ClockedOCR(clock), [np.zeros((4, 4, 3), np.uint8)] * 2)
    assert m["outside"] == pytest.approx(6.0)
    assert m["glue"] == pytest.approx(3.0)
