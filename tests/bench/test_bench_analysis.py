"""The bench's summaries on synthetic per-image records."""

from __future__ import annotations

import math

import pytest
from bench.cli import latency_summary, ratios


def rec(total, det, cls_, rec_):
    return {
        "total": total,
        "net": [
            ["det", [1, 3, 32, 32], det],
            ["cls", [1, 3, 48, 192], cls_],
            ["rec", [1, 3, 48, 320], rec_ / 2],
            ["rec", [1, 3, 48, 320], rec_ / 2],
        ],
        "reported": {"det_stage": det + 0.01},
        "lines": [],
    }


def test_latency_summary():
    r = latency_summary([rec(1.0, 0.5, 0.1, 0.2), rec(2.0, 1.0, 0.2, 0.4), rec(3.0, 1.5, 0.3, 0.6)])
    assert r["images"] == 3
    assert r["median"] == 2.0
    assert r["p90"] == pytest.approx(2.8)
    assert r["det_mean"] == pytest.approx(1.0)
    assert r["rec_mean"] == pytest.approx(0.4)
    # outside = total - network: 0.2, 0.4, 0.6
    assert r["outside_mean"] == pytest.approx(0.4)
    assert r["outside_median"] == pytest.approx(0.4)
    # the stage means add up to the mean
    parts = r["det_mean"] + r["cls_mean"] + r["rec_mean"] + r["outside_mean"]
    assert parts == pytest.approx(r["mean"])
    assert r["reported_mean"]["det_stage"] == pytest.approx(1.01)


def test_ratios_vs_rapidocr():
    lat = latency_summary([rec(1.0, 0.5, 0.1, 0.2)])
    lat2 = latency_summary([rec(2.0, 0.5, 0.1, 0.2)])
    an = {
        "rapidocr": {"latency": {"ic15": lat2}, "throughput": {"images_per_second": 0.5}},
        "ours": {"latency": {"ic15": lat}, "throughput": {"images_per_second": 1.0}},
        "broken": {"error": "x"},
    }
    r = ratios(an)
    assert set(r) == {"ours"}
    assert r["ours"]["ic15"]["e2e_median"] == pytest.approx(0.5)
    # outside: 0.2 vs 1.2
    assert r["ours"]["ic15"]["outside_mean"] == pytest.approx(0.2 / 1.2)
    assert r["ours"]["ic15"]["net_mean"] == pytest.approx(1.0)
    assert r["ours"]["throughput"] == pytest.approx(2.0)


def test_network_bytes_per_image_and_their_ratio():
    def with_bytes(total, b_in, b_out):
        r = rec(total, 0.1, 0.1, 0.1)
        r["net"] = [[*e, b_in, b_out] for e in r["net"]]  # 4 calls per image
        return r

    lat = latency_summary([with_bytes(1.0, 10, 2), with_bytes(1.0, 30, 6)])
    assert lat["net_bytes_in_mean"] == pytest.approx(4 * 20)
    assert lat["net_bytes_out_mean"] == pytest.approx(4 * 4)
    assert lat["net_bytes_mean"] == pytest.approx(4 * 24)
    base = latency_summary([with_bytes(1.0, 100, 92)])
    r = ratios(
        {"ours-float-io": {"latency": {"s": base}}, "ours": {"latency": {"s": lat}}},
        "ours-float-io",
    )
    assert r["ours"]["s"]["net_bytes_mean"] == pytest.approx(24 / 192)
    # results written before the bytes were recorded: no figure, no ratio
    old = latency_summary([rec(1.0, 0.1, 0.1, 0.1)])
    assert math.isnan(old["net_bytes_mean"])


def test_flop_summary_reads_events_with_bytes(monkeypatch):
    import bench.flops
    from bench.cli import flop_summary

    monkeypatch.setattr(bench.flops, "flops", lambda model, shape: 1e9)
    r = rec(1.0, 0.5, 0.1, 0.2)
    r["net"] = [[*e, 100, 10] for e in r["net"]]
    out = flop_summary([r], {"det": "d", "cls": "c", "rec": "r"}, None)
    assert out["rec"]["calls"] == 2 and out["rec"]["gflop"] == 2.0
