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
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bench import nettime
from bench.cli import THREAD_VARS, select_data

if TYPE_CHECKING:
    from trt_ocr import OCR

TIMED_PARTS = ("pre", "post", "load")  # the stages' own timers
PARTS = (*TIMED_PARTS, "glue")


def outside_by_part(ocr: Callable[[np.ndarray], Any], images: list[np.ndarray]) -> dict[str, float]:
    """Mean ms per image: outside the networks in all, and by part."""
    sums = dict.fromkeys(("outside", *PARTS), 0.0)
    for image in images:
        nettime.TIMER.take()
        t0 = time.perf_counter()
        result = ocr(image)
        elapsed = time.perf_counter() - t0
        events, timer_seconds = nettime.TIMER.take()
        total = elapsed - timer_seconds  # the network timer's own work is the bench's
        network = sum(event[2] for event in events)
        t = result.timings
        sums["outside"] += total - network
        for part in TIMED_PARTS:
            sums[part] += t.get(part, 0.0)
        sums["glue"] += total - network - sum(t.get(p, 0.0) for p in TIMED_PARTS)
    return {k: v * 1e3 / max(1, len(images)) for k, v in sums.items()}


@contextlib.contextmanager
def replaying(ocr: OCR, images: list[np.ndarray]) -> Iterator[Callable[[np.ndarray], Any]]:
    """ocr with its networks replayed: each session's outputs for each image are recorded in
    one real pass, then handed back in order instead of running the network. Calls of the
    yielded function must come in the images' order, round after round; all their time is
    outside the networks, with warm caches (nothing else runs between the steps). The
    sessions run their networks again after the block."""
    sessions = [s.session for s in (ocr.detector, ocr.classifier, ocr.recognizer) if s is not None]
    tapes: list[list[dict[str, np.ndarray]]] = []
    playing: list[Iterator[dict[str, np.ndarray]]] = [iter(())]

    def recorder(real: Callable[[Any], dict[str, np.ndarray]]) -> Callable[[Any], Any]:
        def record(feeds: Any) -> dict[str, np.ndarray]:
            out = real(feeds)
            tapes[-1].append({k: np.array(v) for k, v in out.items()})
            return out

        return record

    def one_by_one(session: Any) -> Callable[[Any], list[dict[str, np.ndarray]]]:
        # the stages' batched runs, through the (recording or replaying) run
        return lambda inputs: [session.run({session.input_name: x}) for x in inputs]

    try:
        for session in sessions:
            session.run = recorder(session.run)  # type: ignore[method-assign]
            session.run_each = one_by_one(session)  # type: ignore[method-assign]
        for image in images:
            tapes.append([])
            ocr(image)
        for session in sessions:
            session.run = lambda feeds: next(playing[0])  # type: ignore[method-assign]
        turn = [0]

        def call(image: np.ndarray) -> Any:
            playing[0] = iter(tapes[turn[0] % len(tapes)])
            turn[0] += 1
            return ocr(image)

        yield call
    finally:
        for session in sessions:
            for name in ("run", "run_each"):
                vars(session).pop(name, None)  # the class's again


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--ic15", type=int, default=60)
    ap.add_argument("--sroie", type=int, default=15)
    ap.add_argument("--photos", type=int, default=15, help="photos in all (folders in order)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--preset", choices=("rapidocr", "default"), default="rapidocr")
    ap.add_argument(
        "--replay",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also the networks replayed (see replaying), mean of this many rounds",
    )
    args = ap.parse_args(argv)
    want = str(args.threads)
    if any(os.environ.get(var) != want for var in THREAD_VARS):
        # as the side-by-side bench runs its workers; read when numpy loads, so start anew
        env = os.environ | dict.fromkeys(THREAD_VARS, want)
        args_out = sys.argv[1:] if argv is None else argv
        os.execve(sys.executable, [sys.executable, "-m", "bench.outside", *args_out], env)

    import cv2

    nettime.patch_onnxruntime()
    import trt_ocr
    from trt_ocr.presets import RAPIDOCR_1_4

    plan = {"ic15": args.ic15, "sroie": args.sroie, "photos_per_folder": None, "words": 0}
    plan |= {"throughput": 0, "warmup": 3}
    sel = select_data(args.data, plan)
    sets = {name: paths for name, paths in sel["e2e"].items()}
    if "photos" in sets:
        sets["photos"] = sets["photos"][: args.photos]
    kw = RAPIDOCR_1_4 if args.preset == "rapidocr" else {}
    ocr = trt_ocr.OCR(model="ppocr-v4-mobile", backend="onnxruntime", threads=args.threads, **kw)
    where = Path(trt_ocr.__file__).parent
    print(f"trt_ocr from {where}, preset {args.preset}, {args.threads} thread(s)")
    for path in sel["warmup_images"]:
        ocr(cv2.imread(path))
    print(f"| set | images | outside ms | {' | '.join(PARTS)} |")
    print("|---|---|---|" + "---|" * len(PARTS))
    for name, paths in sets.items():
        images = [cv2.imread(p) for p in paths]
        m = outside_by_part(ocr, images)
        parts = " | ".join(f"{m[p]:.2f}" for p in PARTS)
        print(f"| {name} | {len(images)} | {m['outside']:.2f} | {parts} |")
        if args.replay:
            with replaying(ocr, images) as play:
                outside_by_part(play, images)  # a warm-up round
                rounds = [outside_by_part(play, images) for _ in range(args.replay)]
            m = {k: sum(r[k] for r in rounds) / len(rounds) for k in rounds[0]}
            parts = " | ".join(f"{m[p]:.2f}" for p in PARTS)
            print(f"| {name}, networks replayed | {len(images)} | {m['outside']:.2f} | {parts} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
