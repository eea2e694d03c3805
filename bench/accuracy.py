"""Accuracy of trt-ocr settings side by side with RapidOCR 1.4.4 on every set at once.

    python -m bench.accuracy --configs preset-ppocr,default \\
        --peer-python /work/parity-venv/bin/python \\
        [--ic15 500] [--sroie 80] [--robust-per-kind 20] [--threads 1] [--out STEM]

Each configuration (and the peer) runs in its own process, one after the other, on the same
images decoded by OpenCV: IC15 (detection and end-to-end H-mean, word-level protocol), SROIE
(line recall), the rendered robustness set of bench.robustness (end-to-end H-mean on lines,
texts compared with whitespace removed, lines over 100 characters within 2% CER; and per
kind), small images (the first --words IC15 cropped words read whole: the lines found, left to
right, must read the word; IC15 end-to-end normalisation), and the time per image (mean over
every image of IC15, SROIE and the robustness set, as a ratio to the peer's in the same run;
the word crops' mean apart). Results:
bench/results/<stem>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("TRT_OCR_SHARED_DATA", REPO.parent / "shared" / "data"))

#: trt-ocr settings compared (keyword arguments of trt_ocr.OCR on top of the defaults; PP-OCR's
#: published values alone are preset-ppocr+no-additions).
CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "no-additions": {"det": {"tile_gain": 0.0}, "rec": {"window_width": 0}},
    "no-retry": {"cls": {"retry_below": 0.0}},
    "retry0.6": {"cls": {"retry_below": 0.6}},
    "retry0.8": {"cls": {"retry_below": 0.8}},
    "retry0.9": {"cls": {"retry_below": 0.9}},
    "cls0.7+retry0.8": {"cls": {"thresh": 0.7, "retry_below": 0.8}},
    "no-tiles": {"det": {"tile_gain": 0.0}},
    "tiles1.5": {"det": {"tile_gain": 1.5}},
    "dilation": {"det": {"use_dilation": True}},
    "limit1280": {"det": {"limit_side_len": 1280}},
    "cls0.7": {"cls": {"thresh": 0.7}},
    "small12": {"det": {"small_text_px": 12.0}},
    "small16": {"det": {"small_text_px": 16.0}},
    "unclip1.6": {"det": {"unclip_ratio": 1.6}},
    "box0.5": {"det": {"box_thresh": 0.5}},
    "min736": {"det": {"limit_side_len": 736, "limit_type": "min"}},
    "min800": {"det": {"limit_side_len": 800, "limit_type": "min"}},
    "min960": {"det": {"limit_side_len": 960, "limit_type": "min"}},
    "max1280": {"det": {"limit_side_len": 1280, "limit_type": "max"}},
    "norm0.5": {"det": {"mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)}},
    "letterbox": {"det": {"min_height": 30, "max_aspect": 8.0}},
    "no-letterbox": {"det": {"min_height": 0, "max_aspect": -1.0}},
    "no-turn": {"det": {"turn_vertical": False}},
    "min64": {"det": {"limit_side_len": 64, "limit_type": "min"}},
    "cap4000": {"det": {"max_side_limit": 4000}},
    # RapidOCR 1.4.4's box settings without its detector normalisation.
    "rapidpost": {"det": {"box_thresh": 0.5, "unclip_ratio": 1.6, "use_dilation": True}},
    "no-settle": {"rec": {"settle_o_zero": False}},
    "spaces": {"rec": {"infer_spaces": True}},
    "up1": {"det": {"max_upscale": 1.0}},
    "up1.5": {"det": {"max_upscale": 1.5}},
    "up2": {"det": {"max_upscale": 2.0}},
    "up3": {"det": {"max_upscale": 3.0}},
}
PEER = "rapidocr-1.4.4"


def config_kwargs(name: str) -> dict[str, Any]:
    """OCR keyword arguments of a configuration: a CONFIGS name, 'preset-ppocr' or
    'preset-rapidocr' (trt_ocr.presets), or names joined with '+' (applied left to right)."""
    from trt_ocr.presets import PPOCR, RAPIDOCR_1_4, combined

    named = {"preset-ppocr": PPOCR, "preset-rapidocr": RAPIDOCR_1_4}
    return combined(*(named.get(part) or CONFIGS[part] for part in name.split("+")))


WORDS = DATA / "icdar2015" / "words"


def _sets(n_ic15: int, n_sroie: int, robust: Path | None, n_words: int) -> dict[str, list[Path]]:
    from trt_ocr.eval import list_images

    sets = {
        "ic15": list_images(DATA / "icdar2015" / "det_e2e" / "images")[:n_ic15],
        "sroie": list_images(DATA / "sroie" / "images")[:n_sroie],
    }
    if robust is not None:
        sets["robust"] = list_images(robust / "images")
    if n_words:
        sets["words"] = list_images(WORDS / "images")[:n_words]
    return sets


def _read_whole(lines: list[Any]) -> str:
    """A word crop's reading: its lines left to right, joined."""
    return "".join(t for _, t in sorted(lines, key=lambda ln: min(x for x, _ in ln[0])))


def _runner(engine: str, threads: int) -> Any:
    """The engine's OCR of a BGR array: [(box 4x2 list, text), ...]."""
    import numpy as np

    if engine == PEER:
        from rapidocr_onnxruntime import RapidOCR

        peer = RapidOCR(intra_op_num_threads=threads)

        def run_peer(img: np.ndarray) -> list[tuple[list[list[float]], str]]:
            result, _ = peer(img)
            return [(np.asarray(b, float).tolist(), str(t)) for b, t, _ in (result or [])]

        return run_peer
    from trt_ocr import OCR

    ocr = OCR(backend="onnxruntime", threads=threads, **config_kwargs(engine))

    def run(img: np.ndarray) -> list[tuple[list[list[float]], str]]:
        return [(np.asarray(ln.box, float).tolist(), ln.text) for ln in ocr(img)]

    return run


def serve(engine: str, threads: int) -> int:
    """Worker: one image path a line on stdin -> one JSON answer a line (lines, seconds)."""
    import cv2

    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # engines' prints go to stderr; the protocol keeps the real stdout
    run = _runner(engine, threads)
    proto.write(json.dumps({"ready": engine}) + "\n")
    proto.flush()
    for line in sys.stdin:
        img = cv2.imread(line.strip(), cv2.IMREAD_COLOR)
        t0 = time.perf_counter()
        try:
            lines = run(img)
        except Exception as e:  # an engine refusing an image scores no lines there
            print(f"{engine}: {line.strip()}: {type(e).__name__}: {e}", file=sys.stderr)
            lines = []
        dt = time.perf_counter() - t0
        proto.write(json.dumps({"lines": lines, "s": dt}) + "\n")
        proto.flush()
    return 0


def predict_all(
    engines: list[str], pythons: dict[str, str], threads: int, sets: dict[str, list[Path]]
) -> dict[str, dict[str, Any]]:
    """Every engine loaded side by side in its own process; each image goes to every engine in
    turn, the order rotating from one image to the next, so a change in the (shared) machine's
    load hits all engines alike. Returns per engine {"preds": {set: {id: lines}}, "times"}."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "python"), str(REPO)]))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    procs = {}
    for e in engines:
        cmd = [pythons[e], "-m", "bench.accuracy", "--serve", e, "--threads", str(threads)]
        procs[e] = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO
        )
    out: dict[str, dict[str, Any]] = {e: {"preds": {}, "times": {}} for e in engines}
    try:
        for proc in procs.values():
            assert proc.stdout is not None
            json.loads(proc.stdout.readline())  # ready
        first = next(p for ps in sets.values() for p in ps)
        k = 0
        for e in engines:  # warm-up
            _ask(procs[e], first)
        for name, paths in sets.items():
            for e in engines:
                out[e]["preds"][name], out[e]["times"][name] = {}, {}
            for path in paths:
                for e in engines[k % len(engines) :] + engines[: k % len(engines)]:
                    r = _ask(procs[e], path)
                    out[e]["preds"][name][path.stem] = r["lines"]
                    out[e]["times"][name][path.stem] = r["s"]
                k += 1
            print(f"accuracy: {name} done ({len(paths)} images)", file=sys.stderr, flush=True)
    finally:
        for p in procs.values():
            if p.stdin is not None:
                p.stdin.close()
            p.wait(timeout=60)
    return out


def _ask(proc: subprocess.Popen[str], path: Path) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{path}\n")
    proc.stdin.flush()
    answer = proc.stdout.readline()
    if not answer:
        raise RuntimeError(f"an engine worker stopped on {path}")
    reply: dict[str, Any] = json.loads(answer)
    return reply


#: Robustness set lines longer than this (characters) match with a CER up to LONG_LINE_CER:
#: an exact match of a 1000-character line measures luck, not reading.
LONG_LINE_CHARS = 100
LONG_LINE_CER = 0.02


def _long_line_text(text: str, gt: list[Any]) -> str:
    """text, or the ground truth of a long line it reads within LONG_LINE_CER."""
    from trt_ocr.eval import cer

    for g in gt:
        if len(g.text) > LONG_LINE_CHARS and cer(g.text.upper(), text.upper()) <= LONG_LINE_CER:
            return str(g.text)
    return text


def score(preds: dict[str, Any], robust: Path | None, n_ic15: int, n_sroie: int) -> dict[str, Any]:
    from trt_ocr.eval import (
        GtBox,
        evaluate_detection,
        evaluate_end_to_end,
        evaluate_lines,
        load_ic15_gt,
        load_sroie_boxes,
    )

    p = preds["preds"]
    out: dict[str, Any] = {}
    ic15_gt = load_ic15_gt(DATA / "icdar2015" / "det_e2e" / "gts", list(p["ic15"]))
    out["ic15_det_h"] = evaluate_detection(ic15_gt, p["ic15"]).hmean
    out["ic15_e2e_h"] = evaluate_end_to_end(ic15_gt, p["ic15"]).hmean
    sroie_gt = load_sroie_boxes(DATA / "sroie" / "boxes", list(p["sroie"]))
    lines = evaluate_lines(sroie_gt, p["sroie"])
    out["sroie_line_recall"] = lines.line_recall
    out["sroie_det_recall"] = lines.det_recall
    if "robust" in p and robust is not None:
        squash = "".join
        gt = {
            k: [GtBox(g.quad, squash(g.text.split()), g.dont_care) for g in v]
            for k, v in load_ic15_gt(robust / "gts", list(p["robust"])).items()
        }
        pr = {
            k: [(b, _long_line_text(squash(t.split()), gt[k])) for b, t in v]
            for k, v in p["robust"].items()
        }
        out["robust_e2e_h"] = evaluate_end_to_end(gt, pr).hmean
        kinds = sorted({k.rsplit("_", 1)[0] for k in gt})
        out["robust_by_kind"] = {
            kind: evaluate_end_to_end(
                {k: v for k, v in gt.items() if k.startswith(kind + "_")},
                {k: v for k, v in pr.items() if k.startswith(kind + "_")},
            ).hmean
            for kind in kinds
        }
    if "words" in p:
        from trt_ocr.eval import evaluate_words
        from trt_ocr.eval.datasets import load_ic15_words

        labels = load_ic15_words(WORDS / "gt.txt")
        gt_words = {k: labels[k + ".png"] for k in p["words"]}
        read = {k: _read_whole(v) for k, v in p["words"].items()}
        out["words_accuracy"] = evaluate_words(gt_words, read).accuracy_punct_insensitive
        out["words_mean_s"] = statistics.fmean(preds["times"]["words"].values())
    all_times = [t for s, per in preds["times"].items() if s != "words" for t in per.values()]
    out["mean_s"] = statistics.fmean(all_times)
    out["median_s"] = statistics.median(all_times)
    out["mean_s_by_set"] = {k: statistics.fmean(v.values()) for k, v in preds["times"].items()}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default="preset-ppocr,default")
    ap.add_argument("--peer-python", default=None, help="interpreter with rapidocr_onnxruntime")
    ap.add_argument("--ic15", type=int, default=500)
    ap.add_argument("--sroie", type=int, default=80)
    ap.add_argument("--robust-per-kind", type=int, default=20)
    ap.add_argument("--words", type=int, default=300, help="IC15 word crops read whole")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None, help="results stem under bench/results")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        return serve(args.serve, args.threads)
    if not DATA.is_dir():
        print(f"accuracy: {DATA} not found (set TRT_OCR_SHARED_DATA)", file=sys.stderr)
        return 2
    from bench.robustness import default_out, generate

    robust = generate(default_out(args.seed, args.robust_per_kind), args.robust_per_kind, args.seed)
    engines = [c for c in args.configs.split(",") if c]
    pythons = dict.fromkeys(engines, sys.executable)
    if args.peer_python:
        engines.append(PEER)
        pythons[PEER] = args.peer_python
    sets = _sets(args.ic15, args.sroie, robust, args.words)
    t0 = time.perf_counter()
    preds = predict_all(engines, pythons, args.threads, sets)
    wall = time.perf_counter() - t0
    tmp = REPO / "bench" / "results" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for engine in engines:
        (tmp / f"accuracy-{engine}.json").write_text(json.dumps(preds[engine]))
        results[engine] = score(preds[engine], robust, args.ic15, args.sroie)
        print(engine, json.dumps({k: v for k, v in results[engine].items() if "by" not in k}))
    report = {
        "sets": {
            "ic15": args.ic15,
            "sroie": args.sroie,
            "robust": str(robust.name),
            "words": args.words,
        },
        "threads": args.threads,
        "wall_s": wall,
        "machine": platform.node(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "configs": {e: config_kwargs(e) for e in engines if e != PEER},
        "results": results,
    }
    md = table(report)
    print(md)
    if args.out:
        stem = REPO / "bench" / "results" / args.out
        stem.with_suffix(".json").write_text(json.dumps(report, indent=1))
        stem.with_suffix(".md").write_text(md)
    return 0


def table(report: dict[str, Any]) -> str:
    res = report["results"]
    peer = res.get(PEER)
    s = report["sets"]
    lines = [
        f"IC15 {s['ic15']} images, SROIE {s['sroie']}, robustness set {s['robust']}, "
        f"{s.get('words', 0)} IC15 word crops; {report['threads']} thread(s), {report['date']}",
        "",
        "| engine / settings | IC15 det H | IC15 e2e H | SROIE line recall | robust e2e H | "
        "words read whole | mean s/img | vs RapidOCR | words s/img |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    nan = float("nan")
    for name, r in res.items():
        ratio = f"{r['mean_s'] / peer['mean_s']:.2f}x" if peer else "-"
        lines.append(
            f"| {name} | {r['ic15_det_h']:.4f} | {r['ic15_e2e_h']:.4f} | "
            f"{r['sroie_line_recall']:.4f} | {r.get('robust_e2e_h', nan):.4f} | "
            f"{r.get('words_accuracy', nan):.4f} | {r['mean_s']:.3f} | {ratio} | "
            f"{r.get('words_mean_s', nan):.3f} |"
        )
    kinds = sorted({k for r in res.values() for k in r.get("robust_by_kind", {})})
    if kinds:
        lines += ["", "Robustness set, e2e H by kind:", ""]
        lines.append("| engine / settings | " + " | ".join(kinds) + " |")
        lines.append("|---|" + "---|" * len(kinds))
        for name, r in res.items():
            by = r.get("robust_by_kind", {})
            lines.append(
                f"| {name} | " + " | ".join(f"{by.get(k, float('nan')):.3f}" for k in kinds) + " |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
