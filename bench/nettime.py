"""Network time measured the same way for every engine: a timer around the inference
session's run call (ONNX Runtime's ``InferenceSession.run``, Paddle's
``PaddleInferSession.__call__``, both including the copies in and out of the runtime), keyed by
the stage the session belongs to, with the input shape of each call (for FLOP counts) and the
bytes it moves across the network boundary: the nbytes of every input array written and every
output array read back (what a GPU would move over PCIe)."""

from __future__ import annotations

import time
from typing import Any

STAGES = ("det", "cls", "rec")


class NetTimer:
    """Collects one event per network call: (stage, input shape, seconds, input bytes,
    output bytes)."""

    def __init__(self) -> None:
        self.stage_of: dict[int, str] = {}  # id(session object) -> stage
        self.path_stage: list[tuple[str, str]] = []  # (model path, stage)
        self.events: list[tuple[str, tuple[int, ...], float, int, int]] = []

    def take(self) -> list[tuple[str, tuple[int, ...], float, int, int]]:
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

    def add(
        self, stage: str, dt: float, shape: tuple[int, ...], bytes_in: int = 0, bytes_out: int = 0
    ) -> None:
        self.events.append((stage, shape, dt, bytes_in, bytes_out))


TIMER = NetTimer()


def _first_shape(feeds: Any) -> tuple[int, ...]:
    try:
        v = next(iter(feeds.values())) if isinstance(feeds, dict) else feeds
        return tuple(int(d) for d in v.shape)
    except (StopIteration, AttributeError, TypeError):
        return ()


def nbytes(arrays: Any) -> int:
    """Total nbytes of an array, or of the arrays in a dict / list / tuple."""
    if isinstance(arrays, dict):
        arrays = list(arrays.values())
    if isinstance(arrays, (list, tuple)):
        return sum(nbytes(a) for a in arrays)
    return int(getattr(arrays, "nbytes", 0))


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
        dt = time.perf_counter() - t0
        TIMER.add(TIMER.stage(self, shape), dt, shape, nbytes(input_feed), nbytes(out))
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
        dt = time.perf_counter() - t0
        TIMER.add(TIMER.stage(self, shape), dt, shape, nbytes(img), nbytes(out))
        return out

    call._bench_timed = True
    cls.__call__ = call
