"""The build-engines subcommand: instant --help, step selection, exit status 3 without
TensorRT, and artifacts OCR(precision=...) can load."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from trt_ocr.engines import cli


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    return p.parse_args(argv)


def test_help_is_instant_and_imports_nothing_heavy() -> None:
    code = (
        "import sys, time; t=time.time(); from trt_ocr.engines import cli; import argparse;"
        "p=argparse.ArgumentParser(); cli.add_arguments(p); p.format_help();"
        "heavy=[m for m in ('onnx','onnxruntime','tensorrt','paddle','onnxsim') "
        "if m in sys.modules]; print(heavy, time.time()-t)"
    )
    t0 = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("[]"), out
    assert time.time() - t0 < 10


def test_arguments() -> None:
    a = _parse(
        [
            "ppocr-v4-mobile",
            "--precision",
            "int8",
            "--steps",
            "precision,report",
            "--int8-exclude",
            "rec=Conv.1,Conv.2",
            "--int8-exclude",
            "det=Conv.9",
            "--rec-batch",
            "8",
        ]
    )
    assert a.precision == ["int8"] and a.steps == ["precision", "report"]
    assert a.int8_exclude == [("rec", ["Conv.1", "Conv.2"]), ("det", ["Conv.9"])]
    assert a.rec__batch_size == 8 and a.det__limit_side_len is None  # None: DetOptions' default
    with pytest.raises(SystemExit):
        _parse(["x", "--int8-exclude", "head=Conv.1"])


def test_bad_step_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(_parse(["ppocr-v4-mobile", "--steps", "convert,bake"])) == 1
    assert "bake" in capsys.readouterr().err


def test_shape_options_are_the_runtimes(capsys: pytest.CaptureFixture[str]) -> None:
    # validated by the runtime's own checks, a usage error naming the flag as typed
    assert cli.run(_parse(["ppocr-v4-mobile", "--limit-side-len", "16"])) == 2  # bad usage
    assert "--limit-side-len 16: must be in [32, 8192]" in capsys.readouterr().err
    assert cli.run(_parse(["ppocr-v4-mobile", "--rec-batch", "0"])) == 2  # bad usage
    assert "--rec-batch 0: must be in [1, 256]" in capsys.readouterr().err


def test_report_without_eval_data_says_how_to_give_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(cli.EVAL_DATA_ENV, raising=False)
    args = ["ppocr-v4-mobile", "--steps", "report", "--out", str(tmp_path)]
    assert cli.run(_parse(args)) == 1
    err = capsys.readouterr().err
    assert "--eval-data" in err and cli.EVAL_DATA_ENV in err
    monkeypatch.setenv(cli.EVAL_DATA_ENV, str(tmp_path / "nowhere"))
    assert cli.run(_parse(args)) == 1
    assert "nowhere" in capsys.readouterr().err


def test_onnx_source_without_tensorrt_exits_3(
    v4_models, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from trt_ocr.backends import tensorrt_library
    from trt_ocr.errors import BackendError

    def no_library(*args: object, **kwargs: object) -> None:
        raise BackendError("no usable TensorRT library: (none installed in this test)")

    monkeypatch.setattr(tensorrt_library, "select", no_library)  # as on a machine without one
    code = cli.run(
        _parse(
            [
                "ppocr-v4-mobile",
                "--precision",
                "fp32",
                "fp16",
                "--out",
                str(tmp_path),
                "--steps",
                "convert,cleanup,precision,engine",
            ]
        )
    )
    out = capsys.readouterr().out
    assert code == 3, out
    assert "needs TensorRT with an NVIDIA GPU or TensorRT-RTX" in out
    for prec in ("fp32", "fp16"):
        d = tmp_path / "ppocr-v4-mobile" / prec
        assert {p.name for p in d.iterdir()} >= {
            "det.onnx",
            "cls.onnx",
            "rec.onnx",
            "manifest.json",
            "dict.txt",
        }
    from trt_ocr.artifacts import resolve_precision
    from trt_ocr.engine_cache import load

    m = load(tmp_path / "ppocr-v4-mobile" / "fp16")
    assert set(m["steps"]) == {"precision/det", "precision/cls", "precision/rec"}
    rm = resolve_precision("ppocr-v4-mobile", "fp16", tmp_path)
    assert rm.rec.parent.name == "fp16" and rm.spec is not None and rm.spec.format == "onnx"
    assert rm.characters == v4_models.characters
    with pytest.raises(Exception, match="build-engines"):
        resolve_precision("ppocr-v4-mobile", "int8", tmp_path)


def test_entry_point_wires_build_engines() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "trt_ocr", "build-engines", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if out.returncode != 0 and "No module named trt_ocr.__main__" in out.stderr:
        pytest.skip("trt_ocr has no __main__ in this tree")
    assert out.returncode == 0, out.stderr
    assert "exit status" in out.stdout and "--calib-method" in out.stdout


def test_a_missing_optional_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trt_ocr.engines import pipeline

    def run(self: pipeline.Builder) -> None:
        raise ModuleNotFoundError("No module named 'onnxconverter_common'", name="x_y")

    monkeypatch.setattr(pipeline.Builder, "run", run)
    assert cli.run(_parse(["ppocr-v4-mobile", "--precision", "fp16", "--steps", "precision"])) == 1
    err = capsys.readouterr().err
    assert "needs the x_y package" in err and "trt-ocr[quantize]" in err


def test_int8_without_calibration_images_fails_before_any_work(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from trt_ocr.cli_common import EXIT_USAGE
    from trt_ocr.engines import pipeline

    ran: list[str] = []
    monkeypatch.setattr(pipeline.Builder, "step_convert", lambda self: ran.append("convert"))
    monkeypatch.chdir(tmp_path)  # the default set, calib/default.json, is not here
    args = _parse(["ppocr-v4-mobile", "--precision", "fp16", "int8", "--out", str(tmp_path)])
    assert cli.run(args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "no such calibration set" in err and "nothing was built" in err
    assert ran == [] and list(tmp_path.iterdir()) == []
    # Without int8 no calibration set is needed.
    args = _parse(["ppocr-v4-mobile", "--precision", "fp16", "--steps", "convert"])
    args.out = tmp_path / "out"
    assert cli.run(args) == 0 and ran == ["convert"]


def test_bad_sources_and_outputs_are_usage_errors_before_any_work(tmp_path: Path, capsys) -> None:
    from trt_ocr.cli_common import EXIT_USAGE

    broken = tmp_path / "rec.onnx"
    broken.write_bytes(b"\x08\x07 not a protobuf \xff\xff")
    a_file = tmp_path / "file"
    a_file.write_text("x")
    cases = {
        "neither a model-store name": [str(tmp_path / "missing")],
        "--rec": ["ppocr-v4-mobile", "--rec", str(broken)],
        "--out": ["ppocr-v4-mobile", "--out", str(a_file)],
    }
    for message, argv in cases.items():
        out = tmp_path / "out"
        args = _parse([*argv, "--precision", "fp16"])
        if "--out" not in argv:
            args.out = out
        assert cli.run(args) == EXIT_USAGE, argv
        err = capsys.readouterr().err
        assert message in err and "nothing was built" in err, err
        assert not out.exists()
