"""Writes the bench report: ``<stem>.md`` (tables), ``<stem>.json`` (every figure) and
``<stem>.png`` (stacked stage times per engine); per-image records go to ``results/tmp/``."""

from __future__ import annotations

import json
import math
from pathlib import Path

STAGE_COLORS = {"det": "#4c72b0", "cls": "#dd8452", "rec": "#55a868", "outside": "#c44e52"}


def _ms(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{1000 * x:.1f}"


def _f(x, nd=3) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def _pct(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _kib(x) -> str:
    return "-" if x is None or x != x else f"{x / 1024:.0f}"


def _mib(x) -> str:
    return "-" if not x else f"{x / 2**20:.0f}"


def _loads(v) -> str:
    return "/".join(f"{x:.2f}" for x in v)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def markdown(rep: dict, chart: str | None) -> str:
    an, eng = rep["analysis"], rep["engines"]
    names = list(an)
    m = rep["machine"]
    L = [f"# trt-ocr side-by-side benchmark ({rep['mode']})", ""]
    L += [
        f"- Started {rep['started']}, finished {rep['finished']}",
        f"- Command (from the repository root): `{rep['command']}`",
        f"- Source: commit {m.get('git', 'unknown')}",
        f"- Machine: {m['cpu']}, {m['logical_cpus']} logical CPUs, {m['platform']}, "
        f"Python {m['python']} (host `{m['hostname']}`)",
        f"- Threads for every engine: {rep['threads']} (intra-op; OMP/OpenBLAS/MKL variables "
        f"set to the same)",
    ]
    if rep["threads"] > (m.get("logical_cpus") or rep["threads"]):
        L.append(
            f"- WARNING: {rep['threads']} threads > {m['logical_cpus']} CPUs; RapidOCR "
            "ignores such a thread count and keeps ONNX Runtime's default"
        )
    pk, pa = rep["peak"], rep.get("peak_after", {})
    L.append(
        f"- Machine peak, float32 numpy matmul n={pk.get('n')}, {rep['threads']} "
        f"thread(s): best {_f(pk.get('gflops_best'), 1)} GFLOP/s before the engines, "
        f"{_f(pa.get('gflops_best'), 1)} after (median {_f(pk.get('gflops_median'), 1)} / "
        f"{_f(pa.get('gflops_median'), 1)})"
    )
    la = rep.get("load_average", {})
    if la:
        L.append(
            f"- 1/5/15-minute load average before: {_loads(la['before'])}, after: "
            f"{_loads(la['after'])} (other processes share this machine; engines are "
            f"interleaved image by image, so they see the same conditions)"
        )
    L.append("- Data: " + ", ".join(f"{k} {v}" for k, v in rep["data"].items()))
    L += ["", "## Engines", ""]
    rows = []
    for e in names:
        info = eng[e]
        vers = ", ".join(f"{k} {v}" for k, v in (info.get("versions") or {}).items())
        rows.append(
            [
                e,
                info.get("description") or "-",
                vers or "-",
                f"opencv {info.get('cv2')}, numpy {info.get('numpy')}" if info.get("cv2") else "-",
                "FAILED: " + info["error"].splitlines()[0][:200] if info.get("error") else "ok",
            ]
        )
    L += _table(["engine", "what", "versions", "libs", "status"], rows)
    ok = [e for e in names if "error" not in an[e]]

    L += [
        "",
        "## Latency per image (ms; after warm-up; image decoding excluded; "
        f"{rep.get('repeat', 1)} run(s) per image, median kept)",
        "",
        "Network time = time inside the runtime's run call (ONNX Runtime "
        "`InferenceSession.run` / Paddle predictor call incl. copies), measured by the same "
        "timer for every engine. Outside = end-to-end minus all network time (pre/post-"
        "processing, crops, glue). Stage columns are means (they add up to the mean).",
        "",
    ]
    sets = sorted({s for e in ok for s in an[e]["latency"]}, key=lambda s: (s == "words_rec", s))
    for s in sets:
        rows = []
        for e in ok:
            lat = an[e]["latency"].get(s)
            if not lat:
                continue
            rows.append(
                [
                    e,
                    str(lat["images"]),
                    _ms(lat["median"]),
                    _ms(lat["p90"]),
                    _ms(lat["mean"]),
                    _ms(lat["det_mean"]),
                    _ms(lat["cls_mean"]),
                    _ms(lat["rec_mean"]),
                    _ms(lat["outside_mean"]),
                    _ms(lat["outside_median"]),
                ]
            )
        L += [f"**{s}**", ""]
        L += _table(
            [
                "engine",
                "n",
                "median",
                "p90",
                "mean",
                "det net",
                "cls net",
                "rec net",
                "outside (mean)",
                "outside (median)",
            ],
            rows,
        )
        L.append("")
    rows = []
    for s in sets:
        for e in ok:
            lat = an[e]["latency"].get(s)
            if lat and lat.get("net_bytes_mean") == lat.get("net_bytes_mean"):  # not NaN
                rows.append(
                    [
                        e,
                        s,
                        _kib(lat["net_bytes_in_mean"]),
                        _kib(lat["net_bytes_out_mean"]),
                        _kib(lat["net_bytes_mean"]),
                    ]
                )
    if rows:
        L += [
            "**Network-boundary bytes per image** (means, KiB: the nbytes of every array "
            "written to a network input and read from a network output, counted at the same "
            "run call as network time; what a GPU would move over PCIe)",
            "",
        ]
        L += _table(["engine", "set", "in", "out", "total"], rows)
        fio = rep.get("ratios_vs_float_io", {})
        fio_rows = [
            [e, s, _f(v.get("net_bytes_mean"))]
            for e, r in fio.items()
            for s, v in r.items()
            if s != "throughput"
        ]
        if fio_rows:
            L += [
                "",
                "Bytes relative to ours with the networks' I/O as given (ours-float-io: "
                "float32 input, full probabilities out, as before graph_io); < 0.25 is 4x "
                "fewer:",
                "",
            ]
            L += _table(["engine", "set", "bytes / ours-float-io"], fio_rows)
        L.append("")
    rows = []
    for e in ok:
        tp = an[e].get("throughput") or {}
        mem = an[e]["memory"]
        rows.append(
            [
                e,
                _f(tp.get("images_per_second"), 2),
                str(tp.get("images", "-")),
                _mib(mem.get("peak_rss")),
                _mib(mem.get("rss_after_load")),
                _f(an[e].get("load_seconds"), 2),
            ]
        )
    L += [
        "**Throughput and memory** (throughput: preloaded images through the engine's batch "
        "entry point, `OCR.batch` for ours, a loop of calls for the peers; RSS of the "
        "engine's own process)",
        "",
    ]
    L += _table(
        ["engine", "images/s", "images", "peak RSS MiB", "RSS after load MiB", "load s"], rows
    )
    L += ["", "Throughput rounds are interleaved between engines like the images."]
    rep_rows = []
    for e in ok:
        for s in sets:
            lat = an[e]["latency"].get(s)
            if lat and lat.get("reported_mean"):
                rep_rows.append(
                    [e, s, ", ".join(f"{k} {_ms(v)}" for k, v in lat["reported_mean"].items())]
                )
    if rep_rows:
        L += [
            "",
            "Stage times the engines report about themselves (means, ms; RapidOCR's "
            "include each stage's pre/post-processing):",
            "",
        ]
        L += _table(["engine", "set", "reported"], rep_rows)

    rt = rep.get("ratios_vs_rapidocr", {})
    if rt:
        L += ["", "## Ratios vs RapidOCR (same run; < 1 means faster than RapidOCR)", ""]
        rows = []
        for e, r in rt.items():
            for s, v in r.items():
                if s == "throughput":
                    continue
                rows.append(
                    [
                        e,
                        s,
                        _f(v["e2e_median"]),
                        _f(v["e2e_mean"]),
                        _f(v["outside_mean"]),
                        _f(v["net_mean"]),
                        _f(v.get("net_bytes_mean")),
                    ]
                )
            if "throughput" in r:
                rows.append(
                    [e, "throughput (higher is better)", _f(r["throughput"]), "", "", "", ""]
                )
        L += _table(
            [
                "engine",
                "set",
                "e2e median",
                "e2e mean",
                "outside-network mean",
                "network mean",
                "network bytes",
            ],
            rows,
        )
        same = rep.get("same_network_inputs_as_rapidocr", {})
        if same:
            L += [
                "",
                "Identical network calls (same stages, same input shapes, same order) as "
                "RapidOCR: "
                + ", ".join(f"{e} on {v['same']}/{v['images']} images" for e, v in same.items())
                + ".",
            ]

    L += ["", "## Accuracy (trt_ocr.eval, same predictions as timed)", ""]
    rows = []
    for e in ok:
        a = an[e]["accuracy"]
        d, x = a.get("ic15_det", {}), a.get("ic15_e2e", {})
        w, sr = a.get("ic15_words", {}), a.get("sroie", {})
        rows.append(
            [
                e,
                "/".join(_f(d.get(k)) for k in ("precision", "recall", "hmean")),
                "/".join(_f(x.get(k)) for k in ("precision", "recall", "hmean")),
                f"{_f(w.get('accuracy'))} ({w.get('correct', '-')}/{w.get('total', '-')})",
                _f(w.get("one_minus_ned")),
                f"{_f(sr.get('line_recall'))} ({sr.get('recalled', '-')}/{sr.get('total', '-')})",
                _f(sr.get("det_recall")),
            ]
        )
    L += _table(
        [
            "engine",
            "IC15 det P/R/H",
            "IC15 e2e P/R/H",
            "IC15 word acc",
            "IC15 word 1-NED",
            "SROIE line recall",
            "SROIE det recall",
        ],
        rows,
    )
    st = rep.get("same_text_as_rapidocr", {})
    if st:
        L += [
            "",
            "Same text as RapidOCR: "
            + "; ".join(
                f"{e}: {v['words_same']}/{v['words']} word crops, all line texts equal on "
                f"{v['images_same']}/{v['images']} images"
                for e, v in st.items()
            )
            + ".",
        ]
    L += [
        "",
        "IC15 ground truth is word-level while PP-OCR detects lines, so IC15 det/e2e "
        "figures are low by construction; compare engines with each other, not with "
        "published IC15 results. Rules: `python/trt_ocr/eval/` docstrings.",
    ]

    L += [
        "",
        "## Distance to the limit",
        "",
        "MACs counted from the ONNX graphs (Conv, ConvTranspose, MatMul, Gemm) at every "
        "input shape each engine actually ran in the timed e2e passes; FLOPs = 2 x MACs. "
        "Paddle runs the same networks in Paddle format (same FLOPs). Share of peak = "
        "achieved GFLOP/s / measured matmul peak (the best of the measurements before and "
        "after the engines); the peak is the CPU's, so engines whose networks run on a GPU "
        "have none.",
        "",
    ]
    rows = []
    for e in ok:
        for s in ("det", "cls", "rec", "all"):
            f = an[e]["flops"][s]
            rows.append(
                [
                    e,
                    s,
                    _f(f["gflop"], 1),
                    _f(f["seconds"], 2),
                    _f(f["gflops"], 1),
                    _pct(f["share_of_peak"]),
                    _f(f["seconds_at_peak"], 2),
                ]
            )
    L += _table(
        ["engine", "network", "GFLOP", "network s", "GFLOP/s", "share of peak", "s at peak"], rows
    )
    if chart:
        L += ["", f"![stage times]({chart})"]
    return "\n".join(L) + "\n"


def draw_chart(rep: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    an = rep["analysis"]
    ok = [e for e in an if "error" not in an[e]]
    sets = sorted({s for e in ok for s in an[e]["latency"] if s != "words_rec"})
    if not ok or not sets:
        return False
    fig, axes = plt.subplots(
        len(sets), 1, figsize=(8, 1.2 + 1.1 * len(ok) * len(sets)), squeeze=False
    )
    for ax, s in zip(axes[:, 0], sets, strict=True):
        engines = [e for e in ok if s in an[e]["latency"]]
        left = [0.0] * len(engines)
        for part in ("det", "cls", "rec", "outside"):
            vals = [1000 * an[e]["latency"][s][f"{part}_mean"] for e in engines]
            label = f"{part} network" if part != "outside" else "outside networks"
            ax.barh(engines, vals, left=left, color=STAGE_COLORS[part], label=label)
            left = [a + b for a, b in zip(left, vals, strict=True)]
        ax.set_title(
            f"{s}: mean ms per image ({rep['threads']} thread(s), {rep['mode']})", fontsize=9
        )
        ax.invert_yaxis()
        ax.tick_params(labelsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=4, frameon=False)
    axes[-1, 0].set_xlabel("ms")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_report(rep: dict, raw: dict, out_dir: Path, stem: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{stem}.png"
    chart = png.name if draw_chart(rep, png) else None
    md = out_dir / f"{stem}.md"
    md.write_text(markdown(rep, chart), encoding="utf-8")
    js = out_dir / f"{stem}.json"
    js.write_text(json.dumps(rep, indent=1, default=str), encoding="utf-8")
    tmp = out_dir / "tmp"
    tmp.mkdir(exist_ok=True)
    per_image = tmp / f"{stem}-records.json"
    per_image.write_text(json.dumps(raw, default=str), encoding="utf-8")
    return [md, js] + ([png] if chart else []) + [per_image]
