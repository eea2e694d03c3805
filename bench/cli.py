"""``python -m bench``: every engine in its own process on the same images with the same
thread count, then accuracy (``trt_ocr.eval``), FLOP-based distance to the machine's peak, and
a report (Markdown + JSON + PNG) in ``bench/results/``.

``python -m bench setup [--venv DIR]`` installs the peers (the ``bench`` extra) into the
current environment or into a new virtual environment DIR; run the bench with
``--peer-python DIR/bin/python`` then.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("TRT_OCR_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "bench" / "results"
ENGINE_NAMES = ("ours", "rapidocr", "paddle", "ours-float-io", "ours-tensorrt")
DEFAULT_ENGINES = ("ours", "rapidocr", "paddle")
# ours with the networks' I/O as before graph_io (float32 in, full probabilities out): the
# base of the network-boundary bytes ratio
FLOAT_IO = "ours-float-io"
PEERS = ("rapidocr", "paddle")
PEER_REQUIREMENTS = [
    "rapidocr_onnxruntime==1.4.4",
    "rapidocr_paddle==1.4.5",
    "paddlepaddle==3.3.1",
    "matplotlib>=3.7",
    "onnx>=1.15",
    "shapely>=2.0",
]

QUICK = {
    "ic15": 5,
    "sroie": 3,
    "photos_per_folder": 1,
    "words": 100,
    "throughput": 5,
    "throughput_rounds": 2,
    "warmup": 1,
}
FULL = {
    "ic15": None,
    "sroie": None,
    "photos_per_folder": None,
    "words": None,
    "throughput": 50,
    "throughput_rounds": 2,
    "warmup": 2,
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- data selection ---------------------------------------------------------------------


def select_data(data: Path, plan: dict) -> dict:
    from trt_ocr.eval import list_images

    def take(paths, n):
        return [str(p) for p in (paths if n is None else paths[:n])]

    sel: dict = {"e2e": {}, "words": [], "throughput": []}
    ic15 = data / "icdar2015" / "det_e2e" / "images"
    if ic15.is_dir():
        sel["e2e"]["ic15"] = take(list_images(ic15), plan["ic15"])
    sroie = data / "sroie" / "images"
    if sroie.is_dir():
        sel["e2e"]["sroie"] = take(list_images(sroie), plan["sroie"])
    photos: list[str] = []
    img_root = data / "images"
    if img_root.is_dir():
        for folder in sorted(p for p in img_root.iterdir() if p.is_dir()):
            photos += take(list_images(folder), plan["photos_per_folder"])
    if photos:
        sel["e2e"]["photos"] = photos
    sel["e2e"] = {k: v for k, v in sel["e2e"].items() if v}  # e.g. --sroie 0
    words_gt = data / "icdar2015" / "words" / "gt.txt"
    if words_gt.is_file():
        from trt_ocr.eval import load_ic15_words

        names = list(load_ic15_words(words_gt))
        names = names if plan["words"] is None else names[: plan["words"]]
        sel["words"] = [str(words_gt.parent / "images" / n) for n in names]
    first = sel["e2e"].get("ic15") or next(iter(sel["e2e"].values()), [])
    sel["throughput"] = first[: plan["throughput"]]
    sel["throughput_rounds"] = plan.get("throughput_rounds", 1)
    sel["warmup_images"] = first[: plan["warmup"]]
    sel["warmup_words"] = sel["words"][: plan["warmup"]]
    return sel


# ---- workers ----------------------------------------------------------------------------

# The thread counts of the math libraries an engine may use besides its runtime, set to the
# bench's --threads for every engine: numpy's OpenBLAS would otherwise start a thread per core
# whose spinning competes with the engine.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def worker_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(REPO)]
    if list((REPO / "python" / "trt_ocr").glob("_core*.so")):  # a dev build in the tree
        paths.insert(0, str(REPO / "python"))
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    for var in THREAD_VARS:
        env[var] = str(threads)
    env.setdefault("FLAGS_call_stack_level", "0")
    env.setdefault("GLOG_minloglevel", "2")
    return env


# A worker is idle when its threads use under IDLE_CPU of one core over IDLE_WINDOW seconds;
# the wait for it ends after IDLE_LIMIT seconds in any case.
IDLE_WINDOW = 0.01
IDLE_CPU = 0.25
IDLE_LIMIT = 0.5


class WorkerProc:
    """A running ``bench.worker`` process and its request/answer pipe."""

    def __init__(self, engine: str, python: str, threads: int, log_dir: Path) -> None:
        self.engine, self.python = engine, python
        self.error: str | None = None
        self.stderr = (log_dir / f"{engine}.stderr.txt").open("w", encoding="utf-8")
        try:
            self.proc = subprocess.Popen(
                [python, "-m", "bench.worker"],
                cwd=REPO,
                env=worker_env(threads),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                text=True,
                bufsize=1,
            )
        except OSError as e:
            self.proc = None
            self.error = f"cannot start {python}: {e}"
            return
        self.info = self.call({"engine": engine, "threads": threads}) or {}

    @property
    def alive(self) -> bool:
        return self.error is None

    def cpu_seconds(self) -> float | None:
        """CPU time of all the worker's threads so far (Linux), None where unknown."""
        if self.proc is None:
            return None
        total = 0
        try:
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                total += int((task / "schedstat").read_text().split()[0])  # ns on a CPU
        except (OSError, ValueError, IndexError):
            return None
        return total / 1e9

    def wait_idle(self, window: float = IDLE_WINDOW, limit: float = IDLE_LIMIT) -> float:
        """Waits until the worker's threads burn (almost) no CPU over `window` seconds, at
        most `limit` seconds; returns the seconds waited. A runtime's worker threads go on
        spinning after its answer (ONNX Runtime's by default for ~25 ms on this project's
        VM): the next engine would share the cores with them, so the engine after a
        spinning one would be measured slower for what its predecessor does."""
        start = time.perf_counter()
        last = self.cpu_seconds()
        if last is None:
            return 0.0
        while time.perf_counter() - start < limit:
            time.sleep(window)
            now = self.cpu_seconds()
            if now is None or now - last < IDLE_CPU * window:
                break
            last = now
        return time.perf_counter() - start

    def call(self, req: dict) -> dict | None:
        """Sends one request; None (and self.error set) when the engine failed."""
        if self.error is not None:
            return None
        try:
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except OSError as e:
            line, self.error = "", f"worker pipe broke: {e}"
        if not line:
            self.proc.wait(timeout=30)
            self.stderr.flush()
            tail = Path(self.stderr.name).read_text("utf-8", "replace").strip().splitlines()[-3:]
            self.error = self.error or (
                f"worker exited {self.proc.returncode}: " + " | ".join(tail)
            )
            return None
        ans = json.loads(line)
        if "error" in ans:
            self.error = ans["error"]
            log(f"{self.engine}: {ans.get('traceback', ans['error']).strip()}")
            return None
        ans.pop("ok", None)
        return ans

    def close(self) -> None:
        if self.proc is not None:
            try:
                if self.error is None and self.proc.poll() is None:
                    self.call({"op": "quit"})
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
        self.stderr.close()


def run_engines(
    engines: list[str],
    pythons: dict[str, str],
    sel: dict,
    threads: int,
    log_dir: Path,
    repeat: int = 1,
) -> dict:
    """All engines loaded at once, each in its own process; every image goes to every engine
    in turn (the order rotating from one image to the next), so a load change on the machine
    hits all engines alike. Only one engine computes at any time: after each answer the
    driver waits until that engine's threads are idle (`WorkerProc.wait_idle`). With
    repeat > 1 each image runs that many times per engine (interleaved too) and the run with
    the median end-to-end time is kept, network calls and all."""
    procs: dict[str, WorkerProc] = {}
    for e in engines:
        log(f"{e}: loading in {pythons[e]}")
        procs[e] = WorkerProc(e, pythons[e], threads, log_dir)
        if not procs[e].alive:
            log(f"{e}: FAILED: {procs[e].error}")
    raw: dict = {e: {"sets": {}, "words": []} for e in engines}
    turn = 0

    def each(req: dict):
        nonlocal turn
        live = [e for e in engines if procs[e].alive]
        k = turn % len(live) if live else 0
        turn += 1
        for e in live[k:] + live[:k]:
            ans = procs[e].call(req)
            if len(live) > 1:
                procs[e].wait_idle()
            yield e, ans

    try:
        for _ in each(
            {"op": "warmup", "images": sel["warmup_images"], "words": sel["warmup_words"]}
        ):
            pass
        for set_name, paths in sel["e2e"].items():
            log(f"{set_name}: {len(paths)} images x {len(engines)} engines")
            for e in engines:
                raw[e]["sets"][set_name] = []
            for i, p in enumerate(paths, 1):
                runs: dict[str, list[dict]] = {e: [] for e in engines}
                for _ in range(repeat):
                    for e, ans in each({"op": "ocr", "image": p}):
                        if ans is not None:
                            runs[e].append(ans)
                for e, rs in runs.items():
                    if rs:
                        rs.sort(key=lambda r: r["total"])
                        raw[e]["sets"][set_name].append(
                            {**rs[(len(rs) - 1) // 2], "repeats": len(rs)}
                        )
                if i % 50 == 0:
                    log(f"{set_name}: {i}/{len(paths)}")
        if sel["words"]:
            log(f"words: {len(sel['words'])} crops x {len(engines)} engines")
        for p in sel["words"]:
            for e, ans in each({"op": "rec", "image": p}):
                if ans is not None:
                    raw[e]["words"].append(ans)
        if sel["throughput"]:
            rounds = sel.get("throughput_rounds", 1)
            log(f"throughput: {len(sel['throughput'])} images x {rounds} rounds per engine")
            for _ in range(rounds):  # rounds interleaved like the images
                for e, ans in each({"op": "throughput", "images": sel["throughput"]}):
                    if ans is None:
                        continue
                    tp = raw[e].setdefault("throughput", {"images": 0, "seconds": 0.0, "rounds": 0})
                    tp["images"] += ans["images"]
                    tp["seconds"] += ans["seconds"]
                    tp["rounds"] += 1
            for e in engines:
                tp = raw[e].get("throughput")
                if tp:
                    tp["images_per_second"] = tp["images"] / tp["seconds"] if tp["seconds"] else 0.0
        for e, ans in each({"op": "stats"}):
            raw[e].update(ans or {})
    finally:
        for e, w in procs.items():
            w.close()
            raw[e]["interpreter"] = w.python
            if w.error:
                raw[e]["error"] = w.error
    return raw


def measure_peak(python: str, threads: int, seconds: float) -> dict:
    cmd = [python, "-m", "bench.peak", str(threads), "2048", str(seconds)]
    proc = subprocess.run(
        cmd,
        cwd=REPO,
        env=worker_env(threads),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": (proc.stderr or "no output").strip()[-500:]}


# ---- analysis ---------------------------------------------------------------------------


def _pct(xs: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(xs, dtype=np.float64), q)) if xs else float("nan")


def latency_summary(records: list[dict]) -> dict:
    """Per-image figures: e2e total, network time per stage (sum over that image's calls),
    outside = total - all network time. Means are additive (the chart stacks them)."""
    import numpy as np

    tot = [r["total"] for r in records]
    stages = {
        s: [sum(e[2] for e in r["net"] if e[0] == s) for r in records]
        for s in ("det", "cls", "rec")
    }
    net = [sum(e[2] for e in r["net"]) for r in records]
    outside = [t - n for t, n in zip(tot, net, strict=True)]
    # bytes written to network inputs / read from outputs per image (older results: none)
    counted = any(len(e) > 4 for r in records for e in r["net"])
    b_in = [sum(e[3] for e in r["net"] if len(e) > 4) for r in records] if counted else []
    b_out = [sum(e[4] for e in r["net"] if len(e) > 4) for r in records] if counted else []
    out = {
        "images": len(records),
        "median": _pct(tot, 50),
        "p90": _pct(tot, 90),
        "mean": float(np.mean(tot)) if tot else float("nan"),
        "outside_median": _pct(outside, 50),
        "outside_mean": float(np.mean(outside)) if outside else float("nan"),
        "net_mean": float(np.mean(net)) if net else float("nan"),
        "net_bytes_in_mean": float(np.mean(b_in)) if b_in else float("nan"),
        "net_bytes_out_mean": float(np.mean(b_out)) if b_out else float("nan"),
        "net_bytes_mean": float(np.mean(np.add(b_in, b_out))) if b_in else float("nan"),
        "lines_mean": float(np.mean([len(r.get("lines", ())) for r in records]))
        if records and "lines" in records[0]
        else None,
    }
    for s, v in stages.items():
        out[f"{s}_mean"] = float(np.mean(v)) if v else float("nan")
        out[f"{s}_median"] = _pct(v, 50)
    rep_keys = sorted({k for r in records for k in r.get("reported", {})})
    # over the images where the engine reported the figure (RapidOCR reports nothing for an
    # image where it keeps no line)
    out["reported_mean"] = {
        k: float(np.mean([r["reported"][k] for r in records if k in r.get("reported", {})]))
        for k in rep_keys
    }
    return out


def flop_summary(records: list[dict], models: dict[str, str], peak: float | None) -> dict:
    from bench.flops import flops

    out = {}
    for s in ("det", "cls", "rec"):
        fl = secs = 0.0
        calls = 0
        for r in records:
            for st, shape, t, *_ in r["net"]:
                if st == s:
                    fl += flops(models[s], tuple(shape))
                    secs += t
                    calls += 1
        gfs = fl / secs / 1e9 if secs else float("nan")
        out[s] = {
            "calls": calls,
            "gflop": fl / 1e9,
            "seconds": secs,
            "gflops": gfs,
            "share_of_peak": gfs / peak if peak and secs else float("nan"),
            "seconds_at_peak": fl / 1e9 / peak if peak else float("nan"),
        }
    fl = sum(v["gflop"] for v in out.values())
    secs = sum(v["seconds"] for v in out.values())
    out["all"] = {
        "gflop": fl,
        "seconds": secs,
        "gflops": fl / secs if secs else float("nan"),
        "share_of_peak": fl / secs / peak if peak and secs else float("nan"),
        "seconds_at_peak": fl / peak if peak else float("nan"),
    }
    return out


def accuracy(res: dict, data: Path) -> dict:
    from trt_ocr import eval as ev

    acc: dict = {}
    sets = res.get("sets", {})
    if "ic15" in sets:
        preds = {
            Path(r["image"]).stem: [(ln["box"], ln["text"]) for ln in r["lines"]]
            for r in sets["ic15"]
        }
        gt = ev.load_ic15_gt(data / "icdar2015" / "det_e2e" / "gts", list(preds))
        acc["ic15_det"] = ev.evaluate_detection(gt, preds).summary()
        acc["ic15_e2e"] = ev.evaluate_end_to_end(gt, preds).summary()
    if "sroie" in sets:
        preds = {
            Path(r["image"]).stem: [(ln["box"], ln["text"]) for ln in r["lines"]]
            for r in sets["sroie"]
        }
        gt = ev.load_sroie_boxes(data / "sroie" / "boxes", list(preds))
        acc["sroie"] = ev.evaluate_lines(gt, preds).summary()
    if res.get("words"):
        gt_all = ev.load_ic15_words(data / "icdar2015" / "words" / "gt.txt")
        preds = {Path(w["image"]).name: w["text"] for w in res["words"]}
        acc["ic15_words"] = ev.evaluate_words({k: gt_all[k] for k in preds}, preds).summary()
    return acc


def analyse(res: dict, data: Path, models: dict[str, str], peak: float | None) -> dict:
    if "error" in res:
        return {"error": res["error"]}
    sets = res.get("sets", {})
    a: dict = {"latency": {k: latency_summary(v) for k, v in sets.items()}}
    if res.get("words"):
        a["latency"]["words_rec"] = latency_summary(res["words"])
    all_records = [r for v in sets.values() for r in v]
    a["flops"] = flop_summary(all_records, models, peak)
    a["accuracy"] = accuracy(res, data)
    a["throughput"] = res.get("throughput")
    a["memory"] = {k: res.get(k) for k in ("rss_start", "rss_after_load", "peak_rss")}
    a["load_seconds"] = res.get("load_seconds")
    return a


def ratios(analysis: dict, base: str = "rapidocr") -> dict:
    """engine / base for latency figures (lower is better for the engine when < 1)."""
    out: dict = {}
    b = analysis.get(base, {})
    if "latency" not in b:
        return out
    for name, a in analysis.items():
        if name == base or "latency" not in a:
            continue
        r: dict = {}
        for set_name, lat in a["latency"].items():
            bl = b["latency"].get(set_name)
            if not bl:
                continue
            r[set_name] = {
                "e2e_median": lat["median"] / bl["median"] if bl["median"] else None,
                "e2e_mean": lat["mean"] / bl["mean"] if bl["mean"] else None,
                "outside_mean": (
                    lat["outside_mean"] / bl["outside_mean"] if bl["outside_mean"] else None
                ),
                "net_mean": lat["net_mean"] / bl["net_mean"] if bl["net_mean"] else None,
                "net_bytes_mean": (
                    lat["net_bytes_mean"] / bl["net_bytes_mean"]
                    if bl.get("net_bytes_mean")
                    else None
                ),
            }
        tp, btp = a.get("throughput"), b.get("throughput")
        if tp and btp:
            r["throughput"] = tp["images_per_second"] / btp["images_per_second"]
        out[name] = r
    return out


def _compared(raw: dict, base: str) -> tuple[dict, dict]:
    """(the base engine's results, the other engines' results by name), engines without
    figures (one that failed) left out; no others when the base has none."""

    def has_figures(res: dict) -> bool:
        return "sets" in res and "error" not in res

    b = raw.get(base, {})
    if not has_figures(b):
        return b, {}
    return b, {name: res for name, res in raw.items() if name != base and has_figures(res)}


def _same_images(res: dict, b: dict) -> list[tuple[dict, dict]]:
    """(record, the base engine's record) of every image both engines ran."""
    pairs = []
    for set_name, recs in res["sets"].items():
        brecs = {r["image"]: r for r in b["sets"].get(set_name, [])}
        pairs += [(r, brecs[r["image"]]) for r in recs if r["image"] in brecs]
    return pairs


def same_network_inputs(raw: dict, base: str = "rapidocr") -> dict:
    """Per engine: on how many images its sequence of network calls (stage, input shape) is
    the same as the base engine's. Equal sequences mean equal work for the networks, so the
    network-time ratio then compares runtimes/session settings only."""
    b, others = _compared(raw, base)
    out: dict = {}
    for name, res in others.items():
        pairs = _same_images(res, b)
        same = sum(
            [(e[0], e[1]) for e in r["net"]] == [(e[0], e[1]) for e in br["net"]] for r, br in pairs
        )
        out[name] = {"same": same, "images": len(pairs)}
    return out


def same_text(raw: dict, base: str = "rapidocr") -> dict:
    """Per engine: word crops read exactly as the base engine reads them, and images whose
    list of line texts (in the engine's order) equals the base engine's."""
    b, others = _compared(raw, base)
    bwords = {w["image"]: w["text"] for w in b.get("words", [])}
    out: dict = {}
    for name, res in others.items():
        words = [w for w in res.get("words", []) if w["image"] in bwords]
        pairs = _same_images(res, b)
        out[name] = {
            "words_same": sum(w["text"] == bwords[w["image"]] for w in words),
            "words": len(words),
            "images_same": sum(
                [ln["text"] for ln in x["lines"]] == [ln["text"] for ln in bx["lines"]]
                for x, bx in pairs
            ),
            "images": len(pairs),
        }
    return out


# ---- main -------------------------------------------------------------------------------


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "hostname": socket.gethostname(),
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "git": git_describe(),
    }


def git_describe() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + (" (with uncommitted changes)" if dirty.strip() else "")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few images per data set (< 5 min)")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="intra-op threads for every engine and for the peak matmul",
    )
    ap.add_argument(
        "--engines",
        default=",".join(DEFAULT_ENGINES),
        help=f"comma-separated subset of {', '.join(ENGINE_NAMES)} "
        f"(default: {','.join(DEFAULT_ENGINES)}; add {FLOAT_IO} for the bytes ratio, "
        "ours-tensorrt on a machine with a supported NVIDIA GPU)",
    )
    ap.add_argument(
        "--peer-python",
        help="interpreter with the peers installed "
        "(default: this one); see 'python -m bench setup --venv'",
    )
    ap.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="ENGINE=PATH",
        help="interpreter for one engine (overrides --peer-python)",
    )
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where the report goes")
    ap.add_argument("--machine", default=None, help="machine name in the report's file name")
    ap.add_argument("--ic15", type=int, help="override: number of IC15 images")
    ap.add_argument("--sroie", type=int, help="override: number of SROIE images")
    ap.add_argument("--words", type=int, help="override: number of IC15 word crops")
    ap.add_argument("--photos", type=int, help="override: photos per images/ folder")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per image and engine (the median one is kept)"
    )
    ap.add_argument("--peak-seconds", type=float, default=3.0)
    return ap.parse_args(argv)


def setup(argv) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench setup")
    ap.add_argument("--venv", type=Path, help="create this virtual environment for the peers")
    args = ap.parse_args(argv)
    py = sys.executable
    if args.venv:
        if not (args.venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(args.venv)], check=True)
        py = str(args.venv / "bin" / "python")
    subprocess.run(
        [py, "-m", "pip", "install", "--disable-pip-version-check", *PEER_REQUIREMENTS], check=True
    )
    print(f"peers installed for {py}; run: python -m bench --peer-python {py}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["setup"]:
        return setup(argv[1:])
    args = parse_args(argv)
    try:
        import trt_ocr.eval  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO / "python"))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    bad = [e for e in engines if e not in ENGINE_NAMES]
    if bad:
        raise SystemExit(f"unknown engine(s) {bad}; known: {', '.join(ENGINE_NAMES)}")
    if not args.data.is_dir():
        raise SystemExit(f"no data folder {args.data} (set --data or TRT_OCR_SHARED_DATA)")
    pythons = {e: sys.executable for e in engines}
    for e in engines:
        if e in PEERS and args.peer_python:
            pythons[e] = args.peer_python
    for spec in args.python:
        name, _, path = spec.partition("=")
        if name not in ENGINE_NAMES or not path:
            raise SystemExit(f"--python wants ENGINE=PATH, got {spec!r}")
        pythons[name] = path

    plan = dict(QUICK if args.quick else FULL)
    overrides = {
        k: getattr(args, k)
        for k in ("ic15", "sroie", "words", "photos")
        if getattr(args, k) is not None
    }
    for key, value in overrides.items():
        plan["photos_per_folder" if key == "photos" else key] = value
    sel = select_data(args.data, plan)
    started = dt.datetime.now()
    env_shown = " ".join(
        f"{k}={os.environ[k]}" for k in ("PYTHONPATH", "TRT_OCR_HOME") if os.environ.get(k)
    )
    command = " ".join(x for x in (env_shown, sys.executable, "-m bench", *argv) if x)

    from trt_ocr import models as trt_models

    rm = trt_models.resolve("ppocr-v4-mobile")
    onnx_models = {"det": str(rm.det), "cls": str(rm.cls), "rec": str(rm.rec)}

    log(f"peak matmul with {args.threads} thread(s)")
    peak = measure_peak(sys.executable, args.threads, args.peak_seconds)
    peak_gflops = peak.get("gflops_best")
    load_before = os.getloadavg()
    log_dir = args.out / "tmp"
    log_dir.mkdir(parents=True, exist_ok=True)
    raw = run_engines(engines, pythons, sel, args.threads, log_dir, args.repeat)
    loads = {"before": load_before, "after": os.getloadavg()}
    peak_after = measure_peak(sys.executable, args.threads, args.peak_seconds)
    # the best of the two measurements is the better estimate of what the machine can do
    peak_gflops = max(peak_gflops or 0.0, peak_after.get("gflops_best") or 0.0) or None
    log("analysis")
    # the measured peak is the CPU's: no share of it for networks run on a GPU
    analysis = {
        e: analyse(
            raw[e], args.data, onnx_models, peak_gflops if raw[e].get("device") != "gpu" else None
        )
        for e in engines
    }
    report = {
        "command": command,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now().isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else ("full subset" if overrides else "full"),
        "threads": args.threads,
        "repeat": args.repeat,
        "machine": machine_info(),
        "peak": peak,
        "peak_after": peak_after,
        "load_average": loads,
        "plan": plan,
        "data": {
            **{k: len(v) for k, v in sel["e2e"].items()},
            "words": len(sel["words"]),
            "throughput": len(sel["throughput"]),
        },
        "onnx_models": onnx_models,
        "engines": {
            e: {
                k: raw[e].get(k)
                for k in (
                    "description",
                    "device",
                    "versions",
                    "interpreter",
                    "python",
                    "cv2",
                    "numpy",
                    "error",
                    "load_seconds",
                )
            }
            for e in engines
        },
        "analysis": analysis,
        "ratios_vs_rapidocr": ratios(analysis),
        "ratios_vs_float_io": ratios(analysis, FLOAT_IO) if FLOAT_IO in engines else {},
        "same_network_inputs_as_rapidocr": same_network_inputs(raw),
        "same_text_as_rapidocr": same_text(raw),
    }
    from bench.report import write_report

    name = args.machine or socket.gethostname().split(".")[0]
    mode = "quick" if args.quick else ("subset" if overrides else "")
    stem = f"{name}-{started:%Y-%m-%d}" + (f"-{mode}" if mode else "")
    paths = write_report(report, raw, args.out, stem)
    for p in paths:
        log(f"wrote {p}")
    return 0 if all("error" not in raw[e] for e in engines) else 1
