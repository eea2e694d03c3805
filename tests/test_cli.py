"""The trt-ocr command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from tests.helpers import render_lines
from trt_ocr import cli


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    p = tmp_path / name
    Image.fromarray(render_lines(lines)[..., ::-1]).save(p)
    return p


def _help() -> str:
    return subprocess.run(
        [sys.executable, "-m", "trt_ocr", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_help_is_fast_and_lists_commands() -> None:
    out = _help()
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


# ---- issue 9: outputs never touch inputs ---------------------------------------------------


def test_help_description_is_whole_sentences() -> None:
    out = _help()
    description = out.split("\n\n")[1]
    assert description.rstrip().endswith(".")
    assert "commands so\n" not in out


def test_json_never_swallows_an_input(v4_models, tmp_path: Path, capsys) -> None:
    d = tmp_path / "d"
    d.mkdir()
    a = _write(d, "a.png", ["First"])
    _write(d, "b.png", ["Second"])
    before = a.read_bytes()
    for argv in (["--json", str(a), str(d / "b.png")], ["--json", str(a), str(d)]):
        assert cli.main(["ocr", *argv]) == cli.EXIT_USAGE
        assert a.read_bytes() == before
        assert "a.png" in capsys.readouterr().err


def test_bad_output_path_is_refused_fast_before_models_load(tmp_path: Path) -> None:
    img = tmp_path / "x.png"
    Image.new("RGB", (8, 8)).save(img)
    code = (
        "import sys, time; t = time.perf_counter(); from trt_ocr import cli; "
        f"rc = cli.main(['ocr', {str(img)!r}, '--json', {str(img)!r}]); "
        "loaded = any(m.startswith(('onnxruntime', 'trt_ocr.pipeline')) for m in sys.modules); "
        "print(rc, loaded, time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out[0] == str(cli.EXIT_USAGE) and out[1] == "False"
    assert float(out[2]) < 1.0


def test_draw_onto_an_existing_file_is_a_clear_refusal(tmp_path: Path, capsys) -> None:
    img = tmp_path / "x.png"
    Image.new("RGB", (8, 8)).save(img)
    other = tmp_path / "existing_file.png"
    other.write_bytes(b"not ours")
    assert cli.main(["ocr", str(img), "--draw", str(other)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "existing_file.png" in err[0] and "Traceback" not in err[0]
    assert other.read_bytes() == b"not ours"


def test_json_into_a_missing_folder_is_created_or_refused_up_front(
    v4_models, tmp_path: Path, capsys
) -> None:
    img = _write(tmp_path, "x.png", ["Kept result"])
    target = tmp_path / "new" / "dir" / "out.json"
    assert cli.main(["ocr", str(img), "--json", str(target)]) == 0
    assert json.loads(target.read_text())["lines"][0]["text"].replace(" ", "") == "Keptresult"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["ocr", str(img), "--json", str(blocker / "out.json")]) == cli.EXIT_USAGE
    assert "not a folder" in capsys.readouterr().err


def test_existing_files_are_replaced_only_when_ours_or_forced(
    v4_models, tmp_path: Path, capsys
) -> None:
    img = _write(tmp_path, "x.png", ["Again"])
    out = tmp_path / "out.json"
    assert cli.main(["ocr", str(img), "--json", str(out)]) == 0
    assert cli.main(["ocr", str(img), "--json", str(out)]) == 0  # a re-run replaces our own
    foreign = tmp_path / "notes.json"
    foreign.write_text('{"mine": 1}')
    assert cli.main(["ocr", str(img), "--json", str(foreign)]) == cli.EXIT_USAGE
    assert foreign.read_text() == '{"mine": 1}'
    assert cli.main(["ocr", str(img), "--json", str(foreign), "--force"]) == 0
    assert "lines" in json.loads(foreign.read_text())
    # --force never makes an input an output.
    assert cli.main(["ocr", str(img), "--json", str(img), "--force"]) == cli.EXIT_USAGE
    capsys.readouterr()


def test_annotated_names_mirror_inputs_and_never_collide(v4_models, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    xa = _write(tmp_path / "a", "x.png", ["From a"])
    xb = _write(tmp_path / "b", "x.png", ["From b"])
    out = tmp_path / "out"
    assert cli.main(["ocr", str(xa), str(xb), "--draw", str(out), "-q"]) == 0
    drawn = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert drawn == ["a/x.ocr.png", "b/x.ocr.png"]
    assert (out / "a" / "x.ocr.png").read_bytes() != (out / "b" / "x.ocr.png").read_bytes()
    # A re-run over the parent folder does not read its own output back in.
    assert cli.main(["ocr", str(tmp_path), "--draw", str(out), "-q"]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == drawn


def test_failed_inputs_are_in_the_json_and_the_rest_is_kept(
    v4_models, tmp_path: Path, capsys
) -> None:
    good = _write(tmp_path, "good.png", ["Still here"])
    empty = tmp_path / "zero_bytes.jpg"
    empty.write_bytes(b"")
    out = tmp_path / "out.json"
    code = cli.main(["ocr", str(good), str(empty), "--json", str(out)])
    assert code == cli.EXIT_SOME_INPUTS_FAILED
    records = json.loads(out.read_text())
    assert records[0]["lines"][0]["text"].replace(" ", "") == "Stillhere"
    assert records[1]["source"] == str(empty) and "empty file" in records[1]["error"]
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    capsys.readouterr()


def test_folders_are_walked_through_links_without_own_output(tmp_path: Path, capsys) -> None:
    from trt_ocr.outputs import atomic_write, png_bytes

    pixels = np.zeros((8, 8, 3), np.uint8)
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    Image.fromarray(pixels).save(real / "sub" / "a.png")
    top = tmp_path / "top"
    top.mkdir()
    Image.fromarray(pixels).save(top / "b.png")
    (top / "linked").symlink_to(real, target_is_directory=True)
    (real / "sub" / "loop").symlink_to(top, target_is_directory=True)  # back up: no cycle
    (top / "gone.png").symlink_to(tmp_path / "missing.png")  # reported when read
    (top / "drawn").mkdir()
    atomic_write(top / "drawn" / "b.ocr.png", png_bytes(pixels))  # an earlier run's --draw
    inputs, skipped = cli._expand_inputs([str(top)])
    assert sorted(p.resolve() for p in inputs if p.exists()) == [
        (real / "sub" / "a.png").resolve(),
        (top / "b.png").resolve(),
    ]
    assert top / "gone.png" in inputs
    assert skipped == [top / "drawn" / "b.ocr.png"]
    # Named, an annotated image is an input like any other.
    named = top / "drawn" / "b.ocr.png"
    assert cli._expand_inputs([str(named)]) == ([named], [])
    # A folder of only our own output: said why there is nothing to read.
    assert cli.main(["ocr", str(top / "drawn")]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "skipped 1 annotated image" in err and "no input images" in err


def test_a_folder_reached_through_a_link_too_is_listed_under_its_own_path(tmp_path: Path) -> None:
    from trt_ocr.io import files_under

    (tmp_path / "z_real").mkdir()
    (tmp_path / "z_real" / "a.png").write_bytes(b"")
    (tmp_path / "a_link").symlink_to(tmp_path / "z_real", target_is_directory=True)
    assert files_under(tmp_path) == [tmp_path / "z_real" / "a.png"]


def test_results_survive_a_json_file_that_cannot_be_written(
    v4_models, tmp_path: Path, capsys, monkeypatch
) -> None:
    from trt_ocr import outputs

    img = _write(tmp_path, "page.png", ["HELLO WORLD"])
    calls: list[Path] = []

    def disk_full(path: Path, data: bytes, **kw: object) -> None:
        calls.append(path)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "atomic_write", disk_full)
    rc = cli.main(["ocr", str(img), "--json", str(tmp_path / "r.json")])
    out, err = capsys.readouterr()
    assert rc == cli.EXIT_ERROR and calls == [tmp_path / "r.json"]
    assert "No space left" in err and "stdout" in err
    document = out[out.index("\n{") + 1 :]  # after the lines printed as they came
    assert json.loads(document)["lines"][0]["text"].replace(" ", "") == "HELLOWORLD"
    assert not (tmp_path / "r.json").exists()


def test_a_bad_option_value_is_one_line_naming_its_flag(tmp_path: Path, capsys) -> None:
    img = _write(tmp_path, "a.png", ["First"])
    assert cli.main(["ocr", str(img), "--limit-side-len", "5"]) == cli.EXIT_USAGE
    assert capsys.readouterr().err == "trt-ocr: --limit-side-len 5: must be in [32, 8192]\n"
