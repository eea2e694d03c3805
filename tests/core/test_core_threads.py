"""The core releases the GIL and keeps no global mutable state: calls from several threads at
once must give exactly the serial results."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from trt_ocr import _core


def make_inputs(seed: int):
    rng = np.random.default_rng(seed)
    img = rng.integers(
        0, 256, (int(rng.integers(200, 480)), int(rng.integers(200, 640)), 3), dtype=np.uint8
    )
    centers = rng.uniform(30, 170, (12, 2))
    sizes = rng.uniform((20, 8), (120, 40), (12, 2))
    angles = rng.uniform(-0.6, 0.6, 12)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64) / 2
    quads = []
    for c, s, a in zip(centers, sizes, angles, strict=True):
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        quads.append(c + (corners * s) @ rot.T + rng.normal(0, 1.5, (4, 2)))
    quads = np.asarray(quads, np.float32)
    flips = rng.random(12) < 0.5
    probs = rng.random((6, 40, 7)).astype(np.float32)
    cls = rng.random((12, 2)).astype(np.float32)
    return img, quads, flips, probs, cls


def run_all(inputs, decoder):
    img, quads, flips, probs, cls = inputs
    det, rh, rw = _core.det_preprocess(img)
    rec, widths = _core.crop_batch(img, quads, 48, 320, flip180=flips)
    clsb, _ = _core.crop_batch(
        img, quads, 80, 160, keep_ratio=False, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)
    )
    crops = _core.crop_images(img, quads, flip180=flips)
    text = decoder.decode(probs, return_steps=True)
    labels, scores, flip = _core.decide_orientation(cls)
    return det, rh, rw, rec, widths, clsb, crops, text, labels, scores, flip


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_parallel_calls_equal_serial_calls():
    decoder = _core.CTCDecoder(["a", "b", "c", "d", "e", " "])  # shared across threads
    inputs = [make_inputs(s) for s in range(8)]
    serial = [run_all(x, decoder) for x in inputs]
    barrier = threading.Barrier(4)

    def job(i):
        if i < 4:
            barrier.wait()  # start the first wave together
        return run_all(inputs[i % len(inputs)], decoder)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            results = list(pool.map(job, range(16)))
            for i, r in enumerate(results):
                assert same(r, serial[i % len(inputs)]), f"job {i} differs from the serial run"


def test_gil_is_released_during_work():
    """A Python thread keeps running while another thread is inside a long core call: the
    worker reads the main thread's tick counter right before and right after the call."""
    import time

    img = np.random.default_rng(0).integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
    quads = np.tile(np.float32([[[0, 0], [3999, 0], [3999, 2999], [0, 2999]]]), (4, 1, 1))
    state = {"ticks": 0, "during": []}
    done = threading.Event()

    def worker():
        for call in (
            lambda: _core.det_preprocess(img, 4000),
            lambda: _core.crop_batch(img, quads, 1024, 1024),
        ):
            before = state["ticks"]
            call()
            state["during"].append(state["ticks"] - before)
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    while not done.is_set():
        state["ticks"] += 1
        time.sleep(0)  # lets the worker take the GIL whenever it wants it
    t.join()
    # With the GIL held through the call the counter could not move while it runs.
    assert all(d > 20 for d in state["during"]), state["during"]


# ---- the core's own thread pool -----------------------------------------------------------


@pytest.mark.parametrize("uint8", [False, True], ids=["float", "uint8"])
def test_pool_gives_the_serial_results(uint8: bool):
    """Rows of the resizes and lines of the crops split across 1, 2 or 4 threads: bit for bit
    the serial output, including the rescale and letterbox paths, for the float tensors and
    the uint8 ones (graph I/O)."""
    img, quads, flips, _, _ = make_inputs(3)
    big = np.random.default_rng(5).integers(0, 256, (900, 2300, 3), dtype=np.uint8)
    thin = np.random.default_rng(6).integers(0, 256, (20, 400, 3), dtype=np.uint8)

    def run(pool):
        pre = _core.DetectionPreprocessor(
            limit_side_len=736,
            limit_type="min",
            max_side_len=2000,
            min_height=30,
            max_aspect=8.0,
            uint8=uint8,
            pool=pool,
        )
        out = []
        for image in (img, big, thin):
            tensor, _, work = pre(image)
            out += [tensor.copy(), work]
        out.append(pre.rescale(big)[0])
        out += list(_core.crop_batch(img, quads, 48, 320, flip180=flips, uint8=uint8, pool=pool))
        out += list(_core.crop_batch(img, quads, 48, 192, keep_ratio=False, uint8=uint8, pool=pool))
        return out

    serial = run(None)
    assert serial[0].dtype == (np.uint8 if uint8 else np.float32)
    for threads in (1, 2, 4):
        assert same(run(_core.ThreadPool(threads)), serial), f"threads={threads}"


def test_pool_lifetime_and_arguments():
    pool = _core.ThreadPool(3)
    assert pool.threads == 3
    pre = _core.DetectionPreprocessor(pool=pool)
    img = make_inputs(1)[0]
    expected = pre(img)[0].copy()
    del pool  # the preprocessor shares ownership: its pool lives as long as it does
    assert np.array_equal(pre(img)[0], expected)
    for _ in range(20):  # workers start and are joined with their pool
        _core.crop_batch(img, make_inputs(2)[1], 48, 320, pool=_core.ThreadPool(4))
    for bad in (0, -1, 257, 2**40):
        with pytest.raises(ValueError, match="threads"):
            _core.ThreadPool(bad)
    with pytest.raises(TypeError):
        _core.ThreadPool(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pool"):
        _core.crop_batch(img, make_inputs(2)[1], 48, 320, pool=4)  # type: ignore[arg-type]
