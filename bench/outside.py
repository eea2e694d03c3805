"""Where trt-ocr spends its time outside the networks: ``python -m bench.outside``.

The side-by-side bench (``python -m bench``) interleaves the engines image by image, each in its
own process, so every call starts with caches the other engines emptied; that is the figure we
compare with the peers. This runs trt-ocr alone, one process, images one after another (warm
caches), and splits its time outside the networks by the stages' own timers: ``pre`` (detector
input, crops), ``post`` (boxes, decoding), ``load`` (input checks) and ``glue`` (the rest:
Python around the calls and the session wrappers). Network time is timed as the bench times it
(``bench.nettime``); the math libraries' thread variables are the bench's. To compare two trees
on the same machine state, run it once per tree: ``PYTHONPATH=<tree>/python:. python -m
bench.outside``.

``--backend tensorrt`` runs our networks on the GPU (fp32 engines): the premise of the outside
target, networks that leave the CPU's caches alone. ``--replay N`` adds each engine with its
networks replayed (recorded outputs handed back, see `replaying`): the same work outside the
networks, but with caches no network has emptied (closer to a GPU, whose networks keep their
activations in device memory). ``--peer`` adds RapidOCR 1.4.4 to both (its outside time in all;
it has no stage timers).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench import nettime
from bench.cli import THREAD_VARS, select_data

TIMED_PARTS = ("pre", "post", "load")  # the stages' own timers
PARTS = (*TIMED_PARTS, "glue")


def outside_by_part(ocr: Callable[[np.ndarray], Any], images: list[np.ndarray]) -> dict[str, float]:
    """Mean ms per image: outside the networks in all, and by part (NaN for an engine whose
    results carry no stage timers: a peer)."""
    sums = dict.fromkeys(("outside", *PARTS), 0.0)
    for image in images:
        nettime.TIMER.take()
        t0 = time.perf_counter()
        result = ocr(image)
        elapsed = time.perf_counter() - t0
        events, timer_seconds = nettime.TIMER.take()
        total = elapsed - timer_seconds  # the network timer's own work is the bench's
        network = sum(event[2] for event in events)
        t = getattr(result, "timings", None) or dict.fromkeys(TIMED_PARTS, float("nan"))
        sums["outside"] += total - network
        for part in TIMED_PARTS:
            sums[part] += t.get(part, 0.0)
        sums["glue"] += total - network - sum(t.get(p, 0.0) for p in TIMED_PARTS)
    return {k: v * 1e3 / max(1, len(images)) for k, v in sums.items()}


@contextlib.contextmanager
def replaying(
    call: Callable[[np.ndarray], Any], images: list[np.ndarray]
) -> Iterator[Callable[[np.ndarray], Any]]:
    """call (any engine running its networks with ONNX Runtime, ours or a peer) with its
    networks replayed: every `InferenceSession.run` of one real pass over the images is
    recorded, then handed back in order instead of running the network. Calls of the yielded
    function must come in the images' order, round after round; all their time is outside the
    networks, with warm caches (no network evicts them). The recorded arrays are read-only (an
    engine writing into a network's output would change the next round). Sessions run their
    networks again after the block."""
    import onnxruntime as ort

    cls = ort.InferenceSession
    real = cls.run  # the bench's timed run where it is patched
    tapes: list[list[Any]] = []
    playing: list[Iterator[Any]] = [iter(())]

    def record(self: Any, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        out = real(self, output_names, input_feed, run_options)
        kept = [np.array(v) for v in out]
        for v in kept:
            v.flags.writeable = False
        tapes[-1].append(kept)
        return out

    def play(self: Any, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        return list(next(playing[0]))

    try:
        cls.run = record
        for image in images:
            tapes.append([])
            call(image)
        cls.run = play
        turn = [0]

        def replayed(image: np.ndarray) -> Any:
            playing[0] = iter(tapes[turn[0] % len(tapes)])
            turn[0] += 1
            return call(image)

        yield replayed
    finally:
        cls.run = real


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--ic15", type=int, default=60)
    ap.add_argument("--sroie", type=int, default=15)
    ap.add_argument("--photos", type=int, default=15, help="photos in all (folders in order)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--preset", choices=("rapidocr", "default"), default="rapidocr")
    ap.add_argument(
        "--backend",
        choices=("onnxruntime", "tensorrt"),
        default="onnxruntime",
        help="where our networks run (tensorrt: fp32 engines on the GPU, built on first use)",
    )
    ap.add_argument(
        "--replay",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also the networks replayed (see replaying), mean of this many rounds",
    )
    ap.add_argument(
        "--peer",
        action="store_true",
        help="also rapidocr_onnxruntime 1.4.4 (the side-by-side bench's peer), same images",
    )
    args = ap.parse_args(argv)
    if args.replay and args.backend != "onnxruntime":
        ap.error("--replay replays ONNX Runtime's run calls: use it with --backend onnxruntime")
    want = str(args.threads)
    if any(os.environ.get(var) != want for var in THREAD_VARS):
        # as the side-by-side bench runs its workers; read when numpy loads, so start anew
        env = os.environ | dict.fromkeys(THREAD_VARS, want)
        args_out = sys.argv[1:] if argv is None else argv
        os.execve(sys.executable, [sys.executable, "-m", "bench.outside", *args_out], env)

    import cv2

    nettime.patch_onnxruntime()
    if args.backend == "tensorrt":
        nettime.patch_trt_ocr_tensorrt()
    import trt_ocr
    from trt_ocr.presets import RAPIDOCR_1_4

    plan = {"ic15": args.ic15, "sroie": args.sroie, "photos_per_folder": None, "words": 0}
    plan |= {"throughput": 0, "warmup": 3}
    sel = select_data(args.data, plan)
    sets = {name: paths for name, paths in sel["e2e"].items()}
    if "photos" in sets:
        sets["photos"] = sets["photos"][: args.photos]
    kw = RAPIDOCR_1_4 if args.preset == "rapidocr" else {}
    ocr = trt_ocr.OCR(model="ppocr-v4-mobile", backend=args.backend, threads=args.threads, **kw)
    where = Path(trt_ocr.__file__).parent
    print(
        f"trt_ocr from {where}, preset {args.preset}, {args.threads} thread(s), "
        f"networks on {ocr.backend.describe()}"
    )
    engines: dict[str, Callable[[np.ndarray], Any]] = {"ours": ocr}
    if args.peer:
        from bench.engines import RapidOcrOnnx

        engines["rapidocr"] = RapidOcrOnnx(args.threads).call
    for call in engines.values():
        for path in sel["warmup_images"]:
            call(cv2.imread(path))
    print(f"| set | engine | images | outside ms | {' | '.join(PARTS)} |")
    print("|---|---|---|---|" + "---|" * len(PARTS))
    for name, paths in sets.items():
        images = [cv2.imread(p) for p in paths]
        for engine, call in engines.items():
            m = outside_by_part(call, images)
            parts = " | ".join(f"{m[p]:.2f}" for p in PARTS)
            print(f"| {name} | {engine} | {len(images)} | {m['outside']:.2f} | {parts} |")
            if args.replay:
                with replaying(call, images) as play:
                    outside_by_part(play, images)  # a warm-up round
                    rounds = [outside_by_part(play, images) for _ in range(args.replay)]
                m = {k: sum(r[k] for r in rounds) / len(rounds) for k in rounds[0]}
                parts = " | ".join(f"{m[p]:.2f}" for p in PARTS)
                print(
                    f"| {name}, networks replayed | {engine} | {len(images)} | "
                    f"{m['outside']:.2f} | {parts} |"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
