"""The one engine cache decision: a matching manifest reuses, anything else rebuilds and
says why (plain Python, no TensorRT)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from trt_ocr import engine_cache
from trt_ocr.engine_cache import EngineKey, EngineTarget, decide, engine_key
from trt_ocr.engines import manifest as steps
from trt_ocr.options import DetOptions, RecOptions
from trt_ocr.shapes import plan_shapes

TARGET = EngineTarget("tensorrt", "10.9.0", ("8.9",))


@pytest.fixture
def onnx(tmp_path: Path) -> Path:
    p = tmp_path / "rec.onnx"
    p.write_bytes(b"onnx bytes")
    steps.record_step(tmp_path, "precision", "rec", p, precision="fp16")
    return p


def _built(onnx: Path, key: EngineKey) -> tuple[dict, Path]:
    eng = onnx.with_suffix(".engine")
    eng.write_bytes(b"plan")
    engine_cache.record_engine(onnx.parent, "rec", key, eng, 12.3)
    return engine_cache.load(onnx.parent), eng


def test_key_reads_the_precision_build_engines_recorded(onnx: Path) -> None:
    key = engine_key(onnx, plan_shapes().rec, TARGET)
    assert key.precision == "fp16" and key.library == "tensorrt"
    assert EngineKey.from_dict(key.to_dict()) == key
    other = onnx.parent / "sub" / "rec.onnx"
    other.parent.mkdir()
    other.write_bytes(b"onnx bytes")
    assert engine_key(other, plan_shapes().rec, TARGET).precision == "as-onnx"


def test_matching_manifest_is_usable(onnx: Path) -> None:
    key = engine_key(onnx, plan_shapes().rec, TARGET)
    m, eng = _built(onnx, key)
    d = decide(m, "rec", eng, key, deserializes=lambda p: None)
    assert d.usable and "matches" in d.reason


def test_each_key_difference_rebuilds_and_says_why(onnx: Path) -> None:
    key = engine_key(onnx, plan_shapes().rec, TARGET)
    m, eng = _built(onnx, key)
    cases = {
        "the ONNX file changed": dataclasses.replace(key, onnx_sha256="b" * 64),
        "inference library: tensorrt -> tensorrt_rtx": dataclasses.replace(
            key, library="tensorrt_rtx"
        ),
        "library version: 10.9.0 -> 11.0.0": dataclasses.replace(key, library_version="11.0.0"),
        "compute capability: the engine's targets 8.9 do not include 8.6": dataclasses.replace(
            key, compute_capabilities=("8.6",)
        ),
        "precision: fp16 -> int8": dataclasses.replace(key, precision="int8"),
        "optimization profiles": engine_key(
            onnx, plan_shapes(rec=RecOptions(batch_size=8)).rec, TARGET
        ),
    }
    for words, other in cases.items():
        d = decide(m, "rec", eng, other, deserializes=lambda p: None)
        assert not d.usable and words in d.reason, (words, d.reason)


def test_changed_shape_options_name_the_ranges(tmp_path: Path) -> None:
    det = tmp_path / "det.onnx"
    det.write_bytes(b"det")
    key = engine_key(det, plan_shapes(DetOptions(limit_side_len=960, limit_type="max")).det, TARGET)
    eng = tmp_path / "det.engine"
    eng.write_bytes(b"plan")
    engine_cache.record_engine(tmp_path, "det", key, eng, 1.0)
    wider_det = DetOptions(limit_side_len=1280, limit_type="max")
    wider = engine_key(det, plan_shapes(wider_det).det, TARGET)
    d = decide(engine_cache.load(tmp_path), "det", eng, wider)
    assert not d.usable
    assert "optimization profiles: 1x3x32x32..1x3x960x960" in d.reason
    assert "-> 1x3x32x32..1x3x1280x1280" in d.reason


def test_missing_tampered_or_undeserializable_engine_rebuilds(onnx: Path) -> None:
    key = engine_key(onnx, plan_shapes().rec, TARGET)
    assert decide(None, "rec", onnx.with_suffix(".engine"), key).reason.startswith("no rec")
    m, eng = _built(onnx, key)
    calls: list[Path] = []

    def refuses(p: Path) -> str:
        calls.append(p)
        return "bad magic"

    assert "failed to deserialize (bad magic)" in decide(m, "rec", eng, key, refuses).reason
    eng.write_bytes(b"plaN")  # same size, one byte changed
    calls.clear()
    assert "sha256" in decide(m, "rec", eng, key, refuses).reason
    assert calls == []  # an unverified plan is never deserialized
    eng.unlink()
    assert "missing" in decide(m, "rec", eng, key).reason
    assert decide(m, "det", eng, key).reason.startswith("no det")
    assert not decide(m, "rec", eng, key, force=True).usable


def test_an_engine_recorded_before_fp32_math_was_keyed_computed_in_tf32(onnx: Path) -> None:
    key = engine_key(onnx, plan_shapes().rec, TARGET)
    m, eng = _built(onnx, key)
    assert m["engines"]["rec"]["key"]["fp32_math"] == "fp32"
    assert decide(m, "rec", eng, key).usable
    del m["engines"]["rec"]["key"]["fp32_math"]  # built with the builder's default, TF32 on
    d = decide(m, "rec", eng, key)
    assert not d.usable and d.reason == "fp32 math: tf32 -> fp32"


def test_corrupt_or_old_manifest_is_a_miss(onnx: Path) -> None:
    key = engine_key(onnx, plan_shapes().rec, TARGET)
    _, eng = _built(onnx, key)
    m = engine_cache.load(onnx.parent)
    m["engines"]["rec"]["key"] = {"onnx_sha256": key.onnx_sha256, "tensorrt_version": "10.9"}
    assert "older version" in decide(m, "rec", eng, key).reason
    (onnx.parent / "manifest.json").write_text("{not json")
    m = engine_cache.load(onnx.parent)
    assert m.get("corrupt") and not decide(m, "rec", eng, key).usable


def test_targets_cover_the_gpus_they_name_and_later_ones_after_a_plus() -> None:
    rtx = ("8.0", "8.6", "8.9", "12.0", "12.1", ">12.0")
    assert engine_cache.covers(rtx, ["8.6"]) and engine_cache.covers(rtx, ["12.2"])
    assert engine_cache.covers(rtx, rtx)  # build-engines' own request
    assert not engine_cache.covers(rtx, ["9.0"]) and not engine_cache.covers(rtx, ["7.5"])
    assert not engine_cache.covers(("8.6",), ["8.9"])


def test_a_portable_plan_serves_a_gpu_it_targets(onnx: Path) -> None:
    portable = EngineTarget("tensorrt_rtx", "1.7.1", ("8.0", "8.6", "8.9", "12.0", ">12.0"))
    m, eng = _built(onnx, engine_key(onnx, plan_shapes().rec, portable))
    on_gpu = dataclasses.replace(portable, compute_capabilities=("8.9",))
    assert decide(m, "rec", eng, engine_key(onnx, plan_shapes().rec, on_gpu)).usable
    hopper = dataclasses.replace(portable, compute_capabilities=("9.0",))
    d = decide(m, "rec", eng, engine_key(onnx, plan_shapes().rec, hopper))
    assert not d.usable and "do not include 9.0" in d.reason


def test_without_a_deserialize_check_the_decision_says_so(onnx: Path) -> None:
    key = engine_key(onnx, plan_shapes().rec, TARGET)
    m, eng = _built(onnx, key)
    d = decide(m, "rec", eng, key)
    assert d.usable and "not deserialized" in d.reason
