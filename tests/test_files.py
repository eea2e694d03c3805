"""Files written whole or not at all, with the permissions open() would give them."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from trt_ocr import engine_cache, files, graph_io, models
from trt_ocr.files import atomic_file, atomic_write


def test_atomic_write_leaves_old_content_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    atomic_write(target, b"old")
    with pytest.raises(TypeError):
        atomic_write(target, 42)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    atomic_write(target, "ü\n")  # text is written as UTF-8
    assert target.read_bytes() == "ü\n".encode()


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


def test_before_rename_sees_the_complete_file(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    seen: list[tuple[bytes, bool]] = []

    def check(tmp: Path) -> None:
        seen.append((tmp.read_bytes(), target.exists()))

    with atomic_file(target, before_rename=check) as f:
        f.write(b"abc")
    assert seen == [(b"abc", False)] and target.read_bytes() == b"abc"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_get_the_permissions_open_would_give(tmp_path: Path, umask: int) -> None:
    # as any file open() creates: 0o666 less the umask (a temporary file's 0o600 would survive
    # the rename and hide results and caches from the group or from a web server)
    old = os.umask(umask)
    try:
        atomic_write(tmp_path / "a.png", b"x")
        with atomic_file(tmp_path / "b.jsonl", "w") as f:
            f.write("{}\n")
        with engine_cache.locked(tmp_path / "engines") as manifest:
            manifest["note"] = "x"
    finally:
        os.umask(old)
    for path in (tmp_path / "a.png", tmp_path / "b.jsonl", tmp_path / "engines" / "manifest.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
    assert (tmp_path / "b.jsonl").read_text(encoding="utf-8") == "{}\n"
    assert json.loads((tmp_path / "engines" / "manifest.json").read_text())["note"] == "x"


def test_model_store_files_follow_the_umask(v4_models, tmp_path: Path) -> None:
    """A transformed graph, its stamp and the cached character list: the cache writers."""
    old = os.umask(0o027)
    try:
        src = tmp_path / "cls.onnx"
        src.write_bytes(v4_models.cls.read_bytes())
        out = graph_io.prepare(src, "cls", graph_io.cls_graph_io(v4_models.spec.cls))
        rec = tmp_path / "rec.onnx"
        rec.write_bytes(v4_models.rec.read_bytes())
        chars = models.load_characters(None, rec, None)
    finally:
        os.umask(old)
    written = [p for p in tmp_path.iterdir() if p not in (src, rec)]
    assert out in written and len(chars) > 1000
    assert len(written) >= 3  # the graph, its stamp, the characters
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path


def test_longest_names_get_a_temporary_file_too(tmp_path: Path) -> None:
    for name in ("a" * files.NAME_MAX, "é" * (files.NAME_MAX // 2)):
        target = tmp_path / name
        files.atomic_write(target, b"x")
        assert target.read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["a" * files.NAME_MAX, "é" * (files.NAME_MAX // 2)]
    )


def test_names_that_are_not_utf8_get_a_temporary_file_too(tmp_path: Path) -> None:
    # Latin-1 names, as an old file system or archive may hold: not UTF-8.
    files.atomic_write(tmp_path / os.fsdecode(b"r\xe9.json"), b"x")
    files.atomic_write(tmp_path / os.fsdecode(b"\xe9" * files.NAME_MAX), b"y")
    assert sorted(os.fsencode(p.name) for p in tmp_path.iterdir()) == [
        b"r\xe9.json",
        b"\xe9" * files.NAME_MAX,
    ]


def test_can_create_in_tries_for_real(tmp_path: Path) -> None:
    assert files.can_create_in(tmp_path) is None and list(tmp_path.iterdir()) == []
    assert isinstance(files.can_create_in(tmp_path / "missing"), OSError)
