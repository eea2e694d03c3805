"""The report writer on a small synthetic run: files, headings, ratios, failures shown."""

from __future__ import annotations

import json

from bench.cli import latency_summary, ratios, same_network_inputs, same_text
from bench.report import write_report


def _rec(image, total, det):
    return {
        "image": image,
        "total": total,
        "reported": {},
        "net": [["det", [1, 3, 736, 1312], det], ["rec", [2, 3, 48, 320], 0.1]],
        "lines": [{"box": [[0, 0], [1, 0], [1, 1], [0, 1]], "text": "A", "score": 1.0}],
    }


def test_write_report(tmp_path):
    raw = {
        "ours": {"sets": {"ic15": [_rec("a.jpg", 0.5, 0.3)]}},
        "rapidocr": {"sets": {"ic15": [_rec("a.jpg", 1.0, 0.6)]}},
        # as run_engines leaves an engine that failed to load
        "paddle": {"sets": {}, "words": [], "error": "ImportError: no paddle"},
    }
    flops = {
        s: {
            "gflop": 1.0,
            "seconds": 0.1,
            "gflops": 10.0,
            "share_of_peak": 0.1,
            "seconds_at_peak": 0.01,
            "calls": 1,
        }
        for s in ("det", "cls", "rec", "all")
    }
    analysis = {
        e: {
            "latency": {"ic15": latency_summary(raw[e]["sets"]["ic15"])},
            "flops": flops,
            "accuracy": {},
            "throughput": None,
            "memory": {"peak_rss": 2**20},
            "load_seconds": 0.1,
        }
        for e in ("ours", "rapidocr")
    }
    analysis["paddle"] = {"error": raw["paddle"]["error"]}
    rep = {
        "command": "python -m bench --quick",
        "started": "s",
        "finished": "f",
        "mode": "quick",
        "threads": 1,
        "machine": {
            "cpu": "cpu",
            "logical_cpus": 2,
            "platform": "p",
            "python": "3",
            "hostname": "h",
        },
        "peak": {"n": 2048, "gflops_best": 100.0},
        "peak_after": {"gflops_best": 90.0},
        "load_average": {"before": [1, 1, 1], "after": [2, 1, 1]},
        "data": {"ic15": 1},
        "analysis": analysis,
        "engines": {
            "ours": {"description": "ours", "versions": {"trt_ocr": "0.1"}},
            "rapidocr": {"description": "r", "versions": {}},
            "paddle": {"error": raw["paddle"]["error"]},
        },
        "ratios_vs_rapidocr": ratios(analysis),
        "same_network_inputs_as_rapidocr": same_network_inputs(raw),
        "same_text_as_rapidocr": same_text(raw),
    }
    paths = write_report(rep, raw, tmp_path, "m-2026-01-01-quick")
    names = [p.name for p in paths]
    assert "m-2026-01-01-quick.md" in names and "m-2026-01-01-quick.json" in names
    md = (tmp_path / "m-2026-01-01-quick.md").read_text()
    assert "FAILED: ImportError: no paddle" in md
    assert "| ours | ic15 | 0.500 | 0.500 |" in md  # e2e ratio vs RapidOCR
    assert "ours on 1/1 images" in md
    assert "ours: 0/0 word crops, all line texts equal on 1/1 images" in md
    assert "paddle on" not in md and "paddle:" not in md  # a failed engine has no figures
    data = json.loads((tmp_path / "m-2026-01-01-quick.json").read_text())
    assert data["ratios_vs_rapidocr"]["ours"]["ic15"]["e2e_median"] == 0.5
    assert (tmp_path / "tmp" / "m-2026-01-01-quick-records.json").is_file()
