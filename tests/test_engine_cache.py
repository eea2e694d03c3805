"""Engine cache decisions: a matching manifest reuses, any mismatch rebuilds with a reason."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from trt_ocr.engines import manifest
from trt_ocr.engines.manifest import Decision, EngineKey, decide
from trt_ocr.engines.profiles import PipelineSettings, rec_profiles


def _key(**kw: object) -> EngineKey:
    base = EngineKey(
        onnx_sha256="a" * 64,
        tensorrt_version="10.9.0",
        gpu_name="NVIDIA L4",
        compute_capability="8.9",
        precision="int8",
        profiles=tuple(p.to_dict() for p in rec_profiles(PipelineSettings())),
        builder={"workspace_mb": 2048, "strongly_typed": True},
    )
    return dataclasses.replace(base, **kw)


def _built(tmp_path: Path, key: EngineKey) -> tuple[dict, Path]:
    eng = tmp_path / "rec.engine"
    eng.write_bytes(b"plan")
    manifest.record_engine(tmp_path, "rec", key, eng, 12.3)
    return manifest.load(tmp_path), eng


def test_matching_manifest_skips(tmp_path: Path) -> None:
    m, eng = _built(tmp_path, _key())
    d = decide(m, "rec", eng, _key(), deserializes=lambda p: None)
    assert d == Decision(False, d.reason) and "matches" in d.reason


def test_each_mismatch_rebuilds_and_says_why(tmp_path: Path) -> None:
    m, eng = _built(tmp_path, _key())
    cases = {
        "the ONNX file changed": _key(onnx_sha256="b" * 64),
        "TensorRT version: 10.9.0 -> 11.0.0": _key(tensorrt_version="11.0.0"),
        "GPU: NVIDIA L4 -> NVIDIA A10": _key(gpu_name="NVIDIA A10"),
        "compute capability: 8.9 -> 8.6": _key(compute_capability="8.6"),
        "precision: int8 -> fp16": _key(precision="fp16"),
        "optimization profiles": _key(
            profiles=tuple(p.to_dict() for p in rec_profiles(PipelineSettings(rec_batch=8)))
        ),
        "builder settings": _key(builder={"workspace_mb": 4096, "strongly_typed": True}),
    }
    for words, key in cases.items():
        d = decide(m, "rec", eng, key)
        assert d.build and words in d.reason, (words, d.reason)


def test_missing_changed_or_undeserialisable_engine_rebuilds(tmp_path: Path) -> None:
    assert decide(None, "rec", tmp_path / "rec.engine", _key()).reason.startswith("no engine")
    m, eng = _built(tmp_path, _key())
    assert (
        "failed to deserialise (bad magic)"
        in decide(m, "rec", eng, _key(), deserializes=lambda p: "bad magic").reason
    )
    eng.write_bytes(b"other plan")
    assert "sha256" in decide(m, "rec", eng, _key()).reason
    eng.unlink()
    assert "missing" in decide(m, "rec", eng, _key()).reason
    assert decide(m, "det", eng, _key()).reason.startswith("no engine")
    assert decide(m, "rec", eng, _key(), force=True).build


def test_steps_are_recorded_one_line_each(tmp_path: Path) -> None:
    art = tmp_path / "det.onnx"
    art.write_bytes(b"onnx")
    manifest.record_step(tmp_path, "cleanup", "det", art, {"nodes": 3}, precision="fp32")
    manifest.record_step(tmp_path, "cleanup", "det", art, {"nodes": 2})
    m = manifest.load(tmp_path)
    assert m["precision"] == "fp32"
    assert m["steps"]["cleanup/det"]["details"] == {"nodes": 2}
    assert m["steps"]["cleanup/det"]["sha256"] == manifest.sha256_file(art)
    assert len(m["history"]) == 2


def test_corrupt_manifest_is_a_miss(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    m = manifest.load(tmp_path)
    assert m.get("corrupt") and decide(m, "rec", tmp_path / "rec.engine", _key()).build
