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
        nettime.TIMER.add("det", 0.020, (1, 3, 8, 8))
        return SimpleNamespace(timings={"pre": 0.005, "post": 0.003, "load": 0.0})


def test_parts_come_from_the_timers_and_glue_is_the_rest() -> None:
    # The fake's wall time (~2 ms) is below its reported network + stage times, so the figures
    # are the bookkeeping alone: outside = wall - 20 ms, glue = outside - 8 ms.
    m = outside_by_part(_FakeOCR(), [np.zeros((4, 4, 3), np.uint8)] * 3)
    assert m["pre"] == pytest.approx(5.0) and m["post"] == pytest.approx(3.0)
    assert m["load"] == 0.0
    assert m["glue"] == pytest.approx(m["outside"] - 8.0)
    assert m["outside"] >= 2.0 - 20.0  # at least the 2 ms sleep, minus the 20 ms "network"
