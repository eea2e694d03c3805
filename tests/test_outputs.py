"""Output paths: names that cannot collide, atomic writes, recognising our own files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from trt_ocr.errors import OutputPathError
from trt_ocr.outputs import (
    annotated_names,
    atomic_file,
    atomic_write,
    plan_outputs,
    png_bytes,
    written_by_trt_ocr,
)


def test_annotated_names_are_unique(tmp_path: Path) -> None:
    inputs = [
        tmp_path / "a" / "x.png",
        tmp_path / "b" / "x.png",
        tmp_path / "a" / "x.jpg",
        tmp_path / "a" / "x.png.png",
        tmp_path / "a" / "y.png",
    ]
    names = annotated_names(inputs, tmp_path / "out")
    assert len(set(names.values())) == len(inputs)
    rel = [names[p].relative_to(tmp_path / "out").as_posix() for p in inputs]
    assert rel[1] == "b/x.ocr.png" and rel[4] == "a/y.ocr.png"
    assert {rel[0], rel[2]} == {"a/x.png.ocr.png", "a/x.jpg.ocr.png"}


def test_single_input_keeps_the_plain_name(tmp_path: Path) -> None:
    names = annotated_names([tmp_path / "samples" / "sample.png"], tmp_path / "out")
    assert list(names.values()) == [tmp_path / "out" / "sample.ocr.png"]


def test_atomic_write_leaves_old_content_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    atomic_write(target, b"old")

    with pytest.raises(TypeError):
        atomic_write(target, 42)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_get_the_permissions_open_would_give(tmp_path: Path, umask: int) -> None:
    # as any file open() creates: 0o666 less the umask (a temporary file's 0o600 would survive
    # the rename and hide results from the group or from a web server)
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "a.png", b"x")
        with atomic_file(tmp_path / "b.jsonl", "w") as f:
            f.write("{}\n")
    finally:
        os.umask(old)
    for name in ("a.png", "b.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask
    assert (tmp_path / "b.jsonl").read_text(encoding="utf-8") == "{}\n"


def test_atomic_file_leaves_nothing_when_the_block_fails(tmp_path: Path) -> None:
    target = tmp_path / "rows.jsonl"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target, "w") as f:
        f.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["rows.jsonl"]
    with pytest.raises(ValueError, match="mode"), atomic_file(target, "a"):
        pass


def test_own_files_are_recognised(tmp_path: Path) -> None:
    png = tmp_path / "a.ocr.png"
    png.write_bytes(png_bytes(np.zeros((4, 4, 3), np.uint8)))
    assert written_by_trt_ocr(png)
    js = tmp_path / "r.json"
    js.write_text(json.dumps([{"source": "x", "error": "e"}, {"lines": [], "image_size": {}}]))
    assert written_by_trt_ocr(js)
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}')
    assert not written_by_trt_ocr(other)
    plain = tmp_path / "plain.png"
    from PIL import Image

    Image.new("RGB", (2, 2)).save(plain)
    assert not written_by_trt_ocr(plain)


def test_plan_refuses_inputs_and_foreign_files(tmp_path: Path) -> None:
    img = tmp_path / "in.png"
    img.write_bytes(b"x")
    with pytest.raises(OutputPathError, match="one of the inputs"):
        plan_outputs([img], str(img), None, force=True)
    with pytest.raises(OutputPathError, match="one of the inputs"):
        plan_outputs([img], None, str(img))
    plan = plan_outputs([img], str(tmp_path / "o" / "r.json"), str(tmp_path / "d"))
    assert plan.json_file == tmp_path / "o" / "r.json" and (tmp_path / "d").is_dir()
    assert plan.annotated == {img: tmp_path / "d" / "in.ocr.png"}


def test_json_lines_rows_are_recognised(tmp_path: Path) -> None:
    rows = tmp_path / "out.jsonl"
    row = {"path": "a.png", "text": ["x"], "boxes": [], "scores": [0.9], "error": None}
    rows.write_text(json.dumps(row) + "\n" + json.dumps({**row, "path": "b.png"}) + "\n")
    assert written_by_trt_ocr(rows)
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"a": 1}\n{"b": 2}\n')
    assert not written_by_trt_ocr(notes)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert not written_by_trt_ocr(empty)
