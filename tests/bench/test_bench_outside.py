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


class _Session:
    input_name = "x"

    def __init__(self) -> None:
        self.calls = 0

    def run(self, feeds: dict) -> dict:
        self.calls += 1
        return {"out": feeds["x"] * 2}

    def run_each(self, inputs: list) -> list[dict]:
        # as OrtSession's: the network directly, not through run
        self.calls += len(inputs)
        return [{"out": x * 2} for x in inputs]


class _NetOCR:
    """One 'network' per stage, the classifier and recognizer on two batches each (as the
    stages run them); the result holds what each returned."""

    def __init__(self) -> None:
        self.detector, self.classifier, self.recognizer = (
            SimpleNamespace(session=_Session()) for _ in range(3)
        )

    def __call__(self, image: np.ndarray) -> SimpleNamespace:
        seen = [self.detector.session.run({"x": image})["out"]]
        for k, stage in enumerate((self.classifier, self.recognizer), start=1):
            outs = stage.session.run_each([image + k, image + 10 * k])
            seen += [o["out"] for o in outs]
        return SimpleNamespace(timings={}, seen=seen)


def test_replayed_networks_give_back_their_recorded_outputs_without_running() -> None:
    from bench.outside import replaying

    ocr = _NetOCR()
    images = [np.full((2, 2), v) for v in (1, 5)]
    want = [ocr(im).seen for im in images]
    sessions = [ocr.detector.session, ocr.classifier.session, ocr.recognizer.session]
    with replaying(ocr, images) as play:
        calls = [s.calls for s in sessions]
        for _ in range(2):  # rounds: the images' outputs in order, every round
            for image, seen in zip(images, want, strict=True):
                got = play(image).seen
                assert all(np.array_equal(g, w) for g, w in zip(got, seen, strict=True))
        assert [s.calls for s in sessions] == calls  # nothing ran
        m = outside_by_part(play, images)
        assert m["outside"] >= 0.0 and m["glue"] == m["outside"]  # no timings: all of it glue
    ocr(images[0])  # after the block the networks run again
    assert [s.calls for s in sessions] == [c + n for c, n in zip(calls, (1, 2, 2), strict=True)]


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
