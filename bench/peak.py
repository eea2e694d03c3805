"""The machine's measured float32 peak: ``python -m bench.peak THREADS`` prints JSON with the
best GFLOP/s of a large numpy matmul (2*n^3 FLOPs per product), BLAS limited to THREADS
threads. Run as its own process: BLAS reads its thread-count variables when numpy loads."""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    threads = int(argv[0]) if argv else 1
    n = int(argv[1]) if len(argv) > 1 else 2048
    seconds = float(argv[2]) if len(argv) > 2 else 3.0
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), np.float32)
    np.matmul(a, b, out=c)  # warm-up
    best = float("inf")
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 3:
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        dt = time.perf_counter() - t
        times.append(dt)
        best = min(best, dt)
    flop = 2.0 * n**3
    cfg = {}
    try:
        cfg = {
            k: [str(v) for v in vals] if isinstance(vals, list) else str(vals)
            for k, vals in (np.show_config(mode="dicts") or {})
            .get("Build Dependencies", {})
            .get("blas", {})
            .items()
        }
    except Exception:
        cfg = {}
    times.sort()
    print(
        json.dumps(
            {
                "threads": threads,
                "n": n,
                "runs": len(times),
                "gflops_best": flop / best / 1e9,
                "gflops_median": flop / times[len(times) // 2] / 1e9,
                "numpy": np.__version__,
                "blas": cfg,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
