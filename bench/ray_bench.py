"""Images/s through Ray Data (trt_ocr.ray) on this machine vs OCR.batch in one process, and
the memory of each OCR actor.

    python bench/ray_bench.py [--images 60] [--cpus 2] [--data DIR] [--out FILE.json]

Images: the first N ICDAR 2015 test photos from --data (1280x720), else N rendered
text images. Three runs on the same files, each timed from the first image read to the last
row: serial (one OCR, threads = --cpus, in this process, before Ray is imported), then Ray
with --cpus actors of one thread each, then Ray with one actor of --cpus threads. The Ray
times include starting the actors and loading their models (what a job pays); ray.init is
timed separately. Actor memory: each actor's peak RSS (VmHWM) as it reports it per batch.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("TRT_OCR_SHARED_DATA", REPO.parent / "shared" / "data"))


def _proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _images(n: int, data: Path, tmp: Path) -> tuple[list[Path], str]:
    ic15 = data / "icdar2015" / "det_e2e" / "images"
    if ic15.is_dir():
        files = sorted(ic15.glob("*.jpg"), key=lambda p: int(p.stem.split("_")[-1]))[:n]
        if len(files) == n:
            return files, f"ICDAR 2015 test images 1..{n} (1280x720)"
    import numpy as np
    from PIL import Image

    sys.path.insert(0, str(REPO))
    from tests.helpers import render_lines

    tmp.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        img = render_lines([f"line {i} of rendered text", f"total {i * 7} paid"], width=640)
        p = tmp / f"r{i:04d}.png"
        Image.fromarray(np.ascontiguousarray(img[..., ::-1])).save(p)
        files.append(p)
    return files, f"{n} rendered 640-pixel-wide text images"


def run_serial(files: list[Path], threads: int) -> dict[str, Any]:
    from trt_ocr import OCR

    t0 = time.perf_counter()
    ocr = OCR(backend="onnxruntime", threads=threads)
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    results = ocr.batch([str(p) for p in files])
    seconds = time.perf_counter() - t1
    return {
        "what": f"OCR.batch in one process, threads={threads}",
        "model_load_s": round(t_load, 3),
        "seconds": round(seconds, 3),
        "images_per_s": round(len(files) / seconds, 3),
        "lines": sum(len(r.lines) for r in results),
        "peak_rss_mib": round(_proc_status_kib("VmHWM") / 1024, 1),
    }


def run_ray(files: list[Path], actors: int, threads: int) -> dict[str, Any]:
    import pyarrow as pa

    from trt_ocr import ray as trt_ray

    class MeasuredPredictor(trt_ray.OCRPredictor):
        """The real predictor, plus its process id and peak RSS on every row."""

        def __call__(self, batch: Any) -> pa.Table:
            table = super().__call__(batch)
            n = table.num_rows
            table = table.append_column("pid", pa.array([os.getpid()] * n, pa.int64()))
            return table.append_column(
                "peak_rss_kib", pa.array([_proc_status_kib("VmHWM")] * n, pa.int64())
            )

    import ray.data

    t0 = time.perf_counter()
    ds = trt_ray.read_image_files([str(p) for p in files]).map_batches(
        MeasuredPredictor,
        fn_constructor_kwargs={"backend": "onnxruntime", "threads": threads},
        batch_size=trt_ray.DEFAULT_BATCH_SIZE,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=threads,
    )
    rows = list(trt_ray.iter_rows(ds))
    seconds = time.perf_counter() - t0
    peak: dict[int, int] = {}
    for row in rows:
        peak[row["pid"]] = max(peak.get(row["pid"], 0), row["peak_rss_kib"])
    return {
        "what": f"Ray Data, {actors} actor(s) x threads={threads}",
        "seconds_incl_actor_start": round(seconds, 3),
        "images_per_s": round(len(files) / seconds, 3),
        "lines": sum(len(r["text"]) for r in rows),
        "errors": sum(r["error"] is not None for r in rows),
        "actor_peak_rss_mib": sorted(round(v / 1024, 1) for v in peak.values()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=60)
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = ap.parse_args()

    files, described = _images(
        args.images, args.data, REPO / "bench" / "results" / "tmp" / "ray-bench"
    )
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg(),
        },
        "images": described,
        "runs": [run_serial(files, args.cpus)],  # before Ray exists in this process
    }
    import ray

    t0 = time.perf_counter()
    ray.init(address="local", num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    report["ray"] = {"version": ray.__version__, "init_s": round(time.perf_counter() - t0, 3)}
    report["runs"].append(run_ray(files, actors=args.cpus, threads=1))
    report["runs"].append(run_ray(files, actors=1, threads=args.cpus))
    ray.shutdown()
    report["machine"]["load_avg_at_end"] = os.getloadavg()
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
