"""The trt-ocr command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.helpers import render_lines
from trt_ocr import cli


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    p = tmp_path / name
    Image.fromarray(render_lines(lines)[..., ::-1]).save(p)
    return p


def test_help_is_fast_and_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "trt_ocr", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    for command in ("ocr", "models", "build-engines"):
        assert command in out


def test_ocr_prints_lines_and_json(v4_models, tmp_path: Path, capsys) -> None:
    img = _write(tmp_path, "a.png", ["Hello world 42"])
    assert cli.main(["ocr", str(img), "--backend", "onnxruntime", "-q"]) == 0
    assert capsys.readouterr().out.strip().replace(" ", "") == "Helloworld42"
    assert cli.main(["ocr", str(img), "--json", "-"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["lines"][0]["text"].replace(" ", "") == "Helloworld42"


def test_unreadable_input_fails_but_the_others_go_on(v4_models, tmp_path: Path, capsys) -> None:
    good = _write(tmp_path, "good.png", ["Second file here"])
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    code = cli.main(["ocr", str(bad), str(good), str(tmp_path / "missing.png"), "-q"])
    captured = capsys.readouterr()
    assert code == cli.EXIT_SOME_INPUTS_FAILED
    assert "Secondfilehere" in captured.out.replace(" ", "")
    err_lines = [line for line in captured.err.splitlines() if line.startswith("trt-ocr:")]
    assert len(err_lines) == 2 and "bad.jpg" in err_lines[0] and "missing.png" in err_lines[1]


def test_draw_writes_annotated_images_without_touching_inputs(
    v4_models, tmp_path: Path, capsys
) -> None:
    img = _write(tmp_path, "page.png", ["Draw me please"])
    before = img.read_bytes()
    out_dir = tmp_path / "drawn"
    assert cli.main(["ocr", str(tmp_path), "--draw", str(out_dir), "-q"]) == 0
    assert img.read_bytes() == before
    assert (out_dir / "page.ocr.png").is_file()


def test_models_list_and_path(v4_models, capsys) -> None:
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "ppocr-v4-mobile" in out and "ppocr-v5-mobile" in out
    assert cli.main(["models", "path", "ppocr-v4-mobile"]) == 0
    assert capsys.readouterr().out.strip().endswith("ppocr-v4-mobile")
