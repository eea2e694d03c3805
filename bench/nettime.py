"""Network time measured the same way for every engine: a timer around the inference
session's run call (ONNX Runtime's ``InferenceSession.run``, Paddle's
``PaddleInferSession.__call__``, trt-ocr's ``TensorRTSession.run``, each including the copies
in and out of the runtime), keyed by the stage the session belongs to, with the input shape of
each call (for FLOP counts) and the bytes it moves across the network boundary: the nbytes of
every input array written and every output array read back (what a GPU would move over PCIe)."""

from __future__ import annotations

import time
from typing import Any

STAGES = ("det", "cls", "rec")
#: (stage, input shape, seconds, input bytes, output bytes) of one network call.
Event = tuple[str, tuple[int, ...], float, int, int]


class NetTimer:
    """Collects one event per network call: (stage, input shape, seconds, input bytes,
    output bytes).

    The wrapped run calls sit inside every engine's timed OCR call, and right after a network
    ran the caches hold its activations, so every Python step there is slow (measured on the
    project's VM: the stage lookup and byte counts took 60-80 us per call, ~1 ms per SROIE
    receipt, charged to the engine's time outside the networks). So a call records only the
    session, the arrays' shapes and sizes as plain numbers, and its seconds; `take` (outside
    the timed call) resolves the stages. What the wrapper still spends after the run (reading
    the sizes, recording; ~25 us a call in the pipeline, measured) is timed too and handed back
    by `take`, for the caller to leave out of the engine's time: it is the bench's work."""

    def __init__(self) -> None:
        self.stage_of: dict[int, str] = {}  # id(session object) -> stage
        self.path_stage: list[tuple[str, str]] = []  # (model path, stage)
        # (session, input shape, seconds, input bytes, output bytes, the wrapper's own
        # seconds after the run) as recorded
        self.calls: list[tuple[Any, tuple[int, ...], float, int, int, float]] = []

    def take(self) -> tuple[list[Event], float]:
        """The calls since the last take, and the seconds the wrappers spent on them."""
        calls = self.calls.copy()
        self.calls.clear()  # the same list: the patched calls hold its append
        events = [
            (self.stage(sess, shape), shape, dt, b_in, b_out)
            for sess, shape, dt, b_in, b_out, _ in calls
        ]
        return events, sum(call[5] for call in calls)

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


def _facts(feeds: Any, out: Any) -> tuple[tuple[int, ...], int, int]:
    """(first input's shape, input bytes, output bytes) of one call, cheaply for what the
    runtimes take and give (a dict of arrays or one array in, a list of arrays out)."""
    try:
        arrays = feeds.values() if isinstance(feeds, dict) else (feeds,)
        b_in, b_out = sum([v.nbytes for v in arrays]), sum([a.nbytes for a in out])
        return next(iter(arrays)).shape, b_in, b_out
    except (AttributeError, TypeError, StopIteration):
        return _first_shape(feeds), nbytes(feeds), nbytes(out)


def _time_calls(
    cls: type, name: str, feeds: tuple[int, str], outputs: Any = lambda out: out
) -> None:
    """Wraps the run call cls.name (once) to record each call in TIMER: feeds is the position
    (after self) and the name of its feeds argument, outputs(result) its output arrays."""
    feeds_at, feeds_name = feeds
    method = getattr(cls, name)
    if getattr(method, "_bench_timed", False):
        return
    clock, record = time.perf_counter, TIMER.calls.append

    def timed(self, *args, **kwargs):
        t0 = clock()
        out = method(self, *args, **kwargs)
        t1 = clock()
        fed = args[feeds_at] if len(args) > feeds_at else kwargs.get(feeds_name)
        shape, b_in, b_out = _facts(fed, outputs(out))
        record((self, shape, t1 - t0, b_in, b_out, clock() - t1))
        return out

    timed._bench_timed = True  # type: ignore[attr-defined]
    setattr(cls, name, timed)


def patch_onnxruntime() -> None:
    import onnxruntime as ort

    _time_calls(ort.InferenceSession, "run", (1, "input_feed"))


def patch_trt_ocr_tensorrt() -> None:
    """Times trt-ocr's own TensorRT / TensorRT-RTX session (`TensorRTSession.run`): the copy
    into pinned memory, host-to-device, the engine, device-to-host and the stream sync, so the
    same boundary as ONNX Runtime's run call (copies in and out included)."""
    from trt_ocr.backends.tensorrt import TensorRTSession

    _time_calls(TensorRTSession, "run", (0, "feeds"), lambda out: list(out.values()))


def patch_paddle() -> None:
    from rapidocr_paddle.utils import infer_engine

    _time_calls(infer_engine.PaddleInferSession, "__call__", (0, "img"))
