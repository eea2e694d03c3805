"""``python -m bench.video``: the video loop against OCR of every frame, in one run.

For each clip of ``../shared/data/video``: frames/s of ``VideoOCR`` (change test, detection of
the changed windows only, reuse) and of ``VideoOCR(every_frame=True)`` with the same OCR
instance and settings (the fast loop before and after the slow one: its fps is over both
runs), and the subtitle events of the fast run scored against the every-frame run's
(``trt_ocr.eval.evaluate_events``); ``subtitles_2.mp4`` also against its SRT. Then RSS over a
long run: a clip looped to N frames, RSS sampled every 500 frames, growth measured from the
first sample after warm-up.
Results: ``bench/results/video-MACHINE-DATE.{json,md}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("TRT_OCR_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "bench" / "results"
CLIPS = ("subtitles_3.mp4", "subtitles_2.mp4", "subtitles_1.mp4", "subtitles_test_a.mp4")
GROUND_TRUTH = {"subtitles_2.mp4": "subtitles_2.srt"}
RSS_SAMPLE_EVERY = 500
RSS_WARMUP = 1000


def _rss_mb() -> float:
    with Path("/proc/self/status").open() as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _run(video: Any, source: Any) -> tuple[list[Any], dict[str, float]]:
    from trt_ocr.video import EventBuilder

    builder = EventBuilder(video.event_options)
    events = []
    t0 = time.perf_counter()
    with video.frames(source) as run:
        for frame in run:
            events += builder.add(frame.index, frame.time, frame.text, frame.score, frame.changed)
        events += builder.finish(run.end_time)
    seconds = time.perf_counter() - t0
    stats = {
        "frames": run.stats.frames,
        "seconds": round(seconds, 3),
        "fps": round(run.stats.frames / seconds, 2),
        "detected_frames": run.stats.detected,
        "detected_in_windows": run.stats.partial,
        "recognized_lines": run.stats.recognized,
        "roi": str(run.roi),
    }
    return events, stats


def _looped(path: Path, frames: int) -> Iterator[tuple[float, Any]]:
    """(time, BGR) of the clip played again and again until frames frames."""
    from trt_ocr.video.source import file_frames

    n, offset = 0, 0.0
    while True:
        last = 0.0
        for frame in file_frames(path):
            if n == frames:
                return
            yield offset + frame.time, frame.bgr()
            last = frame.time
            n += 1
        offset += last + 0.05


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.video", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads per network")
    ap.add_argument("--clips", default=",".join(CLIPS))
    ap.add_argument("--rss-frames", type=int, default=10_000, help="0: skip the RSS run")
    ap.add_argument("--rss-clip", default="subtitles_3.mp4")
    ap.add_argument("--machine", default=socket.gethostname())
    ap.add_argument("--out", type=Path, default=None, help="results file stem")
    args = ap.parse_args(argv)
    folder = args.data / "video"
    if not folder.is_dir():
        print(f"bench.video: {folder} is not there", file=sys.stderr)
        return 2

    from trt_ocr import OCR
    from trt_ocr.eval import evaluate_events, load_events
    from trt_ocr.presets import VIDEO, combined
    from trt_ocr.video import VideoOCR

    ocr = OCR(**combined(VIDEO, {"threads": args.threads}))
    fast, every = VideoOCR(ocr), VideoOCR(ocr, every_frame=True)
    report: dict[str, Any] = {
        "machine": args.machine,
        "date": dt.date.today().isoformat(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "threads": args.threads,
        "settings": {
            "band": fast.band,
            "change": vars(fast.change),
            "events": vars(fast.event_options),
        },
        "clips": {},
    }
    list(fast.frames(list(_first_frames(folder / "subtitles_2.mp4", 5))))  # warm-up
    for name in args.clips.split(","):
        path = folder / name
        # The fast loop runs before and after the every-frame one, so a change in the (shared)
        # machine's load during the run weighs on both modes alike.
        fast_events, fast_stats = _run(fast, path)
        every_events, every_stats = _run(every, path)
        again_events, again_stats = _run(fast, path)
        fast_stats["seconds_runs"] = [fast_stats["seconds"], again_stats["seconds"]]
        fast_stats["seconds"] = round((fast_stats["seconds"] + again_stats["seconds"]) / 2, 3)
        fast_stats["fps"] = round(fast_stats["frames"] / fast_stats["seconds"], 2)
        entry: dict[str, Any] = {
            "fast": fast_stats,
            "fast_runs_same_events": [e.to_dict() for e in fast_events]
            == [e.to_dict() for e in again_events],
            "every_frame": every_stats,
            "speedup": round(fast_stats["fps"] / every_stats["fps"], 2),
            "fast_vs_every_frame": evaluate_events(every_events, fast_events).summary(),
            "events": [e.to_dict() for e in fast_events],
        }
        if name in GROUND_TRUTH:
            truth = load_events(folder / GROUND_TRUTH[name])
            entry["fast_vs_truth"] = evaluate_events(truth, fast_events).summary()
            entry["every_frame_vs_truth"] = evaluate_events(truth, every_events).summary()
        report["clips"][name] = entry
        print(
            f"{name}: {json.dumps({k: v for k, v in entry.items() if k != 'events'})}", flush=True
        )

    if args.rss_frames:
        samples = []
        t0 = time.perf_counter()
        with fast.frames(_looped(folder / args.rss_clip, args.rss_frames)) as run:
            for frame in run:
                if (frame.index + 1) % RSS_SAMPLE_EVERY == 0:
                    samples.append((frame.index + 1, round(_rss_mb(), 1)))
        base = next(mb for n, mb in samples if n >= RSS_WARMUP)
        report["rss"] = {
            "clip": args.rss_clip,
            "frames": run.stats.frames,
            "seconds": round(time.perf_counter() - t0, 1),
            "mb_by_frame": samples,
            "growth_after_warmup": round((samples[-1][1] - base) / base, 4),
            "max_growth_after_warmup": round(
                (max(mb for n, mb in samples if n >= RSS_WARMUP) - base) / base, 4
            ),
        }
        print(f"rss: {json.dumps(report['rss'])}", flush=True)

    stem = args.out or RESULTS / f"video-{args.machine}-{report['date']}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{stem}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    Path(f"{stem}.md").write_text(_markdown(report))
    print(f"wrote {stem}.json and .md")
    return 0


def _first_frames(path: Path, n: int) -> Iterator[Any]:
    from trt_ocr.video.source import file_frames

    for frame in file_frames(path):
        if frame.index == n:
            return
        yield frame.bgr()


def _markdown(r: dict[str, Any]) -> str:
    lines = [
        f"# trt-ocr video loop vs every frame — {r['machine']}, {r['date']}",
        "",
        f"{r['cpu_count']} CPUs, ONNX Runtime {r['threads']} thread(s) per network, "
        f"band {r['settings']['band']}; both modes share one OCR instance, in one run.",
        "",
        "| clip | frames | fast fps | every-frame fps | speed-up | detected (in windows) |"
        " F1 vs every frame | vs truth: F1 / mean start, end error |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, c in r["clips"].items():
        truth = c.get("fast_vs_truth")
        t = (
            f"{truth['f1']:.3f} / {truth['mean_start_error'] * 1000:.0f} ms, "
            f"{truth['mean_end_error'] * 1000:.0f} ms"
            if truth
            else "—"
        )
        lines.append(
            f"| {name} | {c['fast']['frames']} | {c['fast']['fps']:.1f} | "
            f"{c['every_frame']['fps']:.2f} | {c['speedup']:.1f}x | "
            f"{c['fast']['detected_frames']} ({c['fast'].get('detected_in_windows', 0)}) | "
            f"{c['fast_vs_every_frame']['f1']:.3f} | {t} |"
        )
    if "rss" in r:
        s = r["rss"]
        lines += [
            "",
            f"RSS over {s['frames']} frames ({s['clip']} looped, {s['seconds']} s): growth "
            f"after {RSS_WARMUP} frames {s['growth_after_warmup'] * 100:.2f}% "
            f"(max {s['max_growth_after_warmup'] * 100:.2f}%); MB by frame: {s['mb_by_frame']}",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
