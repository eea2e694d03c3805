"""Output paths: names that cannot collide, recognising our own files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trt_ocr.errors import OutputPathError
from trt_ocr.outputs import (
    annotated_names,
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


def test_names_a_file_system_refuses_are_refused_up_front(tmp_path: Path) -> None:
    long_input = tmp_path / ("b" * 250 + ".png")  # its annotated name is over 255 bytes
    with pytest.raises(OutputPathError, match="--draw .*more than the 255"):
        plan_outputs([long_input], None, str(tmp_path / "drawn"))
    with pytest.raises(OutputPathError, match="--json .*more than the 255"):
        plan_outputs([tmp_path / "x.png"], str(tmp_path / ("j" * 300 + ".json")), None)
    # The longest name a file system takes is fine, temporary file included.
    longest = tmp_path / ("j" * 250 + ".json")
    assert plan_outputs([tmp_path / "x.png"], str(longest), None).json_file == longest


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_folder_that_takes_no_new_files_is_refused_up_front(tmp_path: Path) -> None:
    # /proc passes a permission check for root, yet no file can be created there.
    with pytest.raises(OutputPathError, match="--json /proc/x.json: cannot create files"):
        plan_outputs([tmp_path / "x.png"], "/proc/x.json", None)


def test_annotated_images_are_known_by_name_and_mark(tmp_path: Path) -> None:
    from trt_ocr.outputs import atomic_write, is_annotated_image

    pixels = np.zeros((4, 4, 3), np.uint8)
    ours = [tmp_path / "a.ocr.png", tmp_path / "a.ocr-2.png"]
    for p in ours:
        atomic_write(p, png_bytes(pixels))
    unmarked = tmp_path / "b.ocr.png"  # the user's own file of that name
    from PIL import Image

    Image.fromarray(pixels).save(unmarked)
    other_name = tmp_path / "c.png"
    atomic_write(other_name, png_bytes(pixels))
    assert [is_annotated_image(p) for p in ours] == [True, True]
    assert not is_annotated_image(unmarked) and not is_annotated_image(other_name)
