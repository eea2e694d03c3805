"""build-engines' step records in a folder's manifest."""

from __future__ import annotations

from pathlib import Path

from trt_ocr import engine_cache
from trt_ocr.engines import manifest
from trt_ocr.models import sha256_file


def test_steps_are_recorded_one_line_each(tmp_path: Path) -> None:
    art = tmp_path / "det.onnx"
    art.write_bytes(b"onnx")
    manifest.record_step(tmp_path, "cleanup", "det", art, {"nodes": 3}, precision="fp32")
    manifest.record_step(tmp_path, "cleanup", "det", art, {"nodes": 2})
    m = engine_cache.load(tmp_path)
    assert m["precision"] == "fp32"
    assert m["steps"]["cleanup/det"]["details"] == {"nodes": 2}
    assert m["steps"]["cleanup/det"]["sha256"] == sha256_file(art)
    assert len(m["history"]) == 2
