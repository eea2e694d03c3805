"""Network time measured the same way for every engine: a timer around the inference
session's run call (ONNX Runtime's ``InferenceSession.run``, Paddle's
``PaddleInferSession.__call__``, both including the copies in and out of the runtime), keyed by
the stage the session belongs to, with the input shape of each call (for FLOP counts)."""

from __future__ import annotations

import time
from typing import Any

STAGES = ("det", "cls", "rec")


class NetTimer:
    """Collects one event per network call: (stage, input shape, seconds)."""

    def __init__(self) -> None:
        self.stage_of: dict[int, str] = {}  # id(session object) -> stage
        self.path_stage: list[tuple[str, str]] = []  # (model path, stage)
        self.events: list[tuple[str, tuple[int, ...], float]] = []

    def take(self) -> list[tuple[str, tuple[int, ...], float]]:
        out, self.events = self.events, []
        return out

    def stage(self, sess: Any, shape: tuple[int, ...]) -> str:
        st = self.stage_of.get(id(sess))
        if st is None:
            path = str(getattr(sess, "_model_path", "") or "")
            for key, s in self.path_stage:
                if key and key == path:
                    st = s
                    break
        if st is None and len(shape) == 4:  # cls inputs are 48x192; rec inputs 48 high
            st = "cls" if shape[-2:] == (48, 192) else ("rec" if shape[-2] == 48 else "det")
        return st or "other"

    def add(self, stage: str, dt: float, shape: tuple[int, ...]) -> None:
        self.events.append((stage, shape, dt))


TIMER = NetTimer()


def _first_shape(feeds: Any) -> tuple[int, ...]:
    try:
        v = next(iter(feeds.values())) if isinstance(feeds, dict) else feeds
        return tuple(int(d) for d in v.shape)
    except (StopIteration, AttributeError, TypeError):
        return ()


def patch_onnxruntime() -> None:
    import onnxruntime as ort

    cls = ort.InferenceSession
    if getattr(cls.run, "_bench_timed", False):
        return
    orig = cls.run

    def run(self, output_names, input_feed, run_options=None):
        shape = _first_shape(input_feed)
        t0 = time.perf_counter()
        out = orig(self, output_names, input_feed, run_options)
        TIMER.add(TIMER.stage(self, shape), time.perf_counter() - t0, shape)
        return out

    run._bench_timed = True
    cls.run = run


def patch_paddle() -> None:
    from rapidocr_paddle.utils import infer_engine

    cls = infer_engine.PaddleInferSession
    if getattr(cls.__call__, "_bench_timed", False):
        return
    orig = cls.__call__

    def call(self, img):
        shape = _first_shape(img)
        t0 = time.perf_counter()
        out = orig(self, img)
        TIMER.add(TIMER.stage(self, shape), time.perf_counter() - t0, shape)
        return out

    call._bench_timed = True
    cls.__call__ = call
