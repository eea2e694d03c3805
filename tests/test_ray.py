"""trt_ocr.ray on a local Ray instance (started once for the module): the results equal a serial
OCR.batch over the same files, and broken images come back as error rows."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="needs trt-ocr[ray]")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from tests.helpers import render_lines  # noqa: E402
from trt_ocr import OCR  # noqa: E402
from trt_ocr import ray as trt_ray  # noqa: E402
from trt_ocr.cli import main  # noqa: E402

# Ray's own deprecation notices (its DataContext warns about its own defaults) are not ours.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray\\..*")

WORDS = ["invoice", "total", "paid", "receipt", "river", "orange", "window", "planet", "silver"]
# The serial reference and the actors use the same settings; one thread each on 2 cores.
OCR_KWARGS = {"backend": "onnxruntime", "threads": 1}


def _png(bgr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(bgr[..., ::-1])).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg_rotated_by_exif(bgr: np.ndarray) -> bytes:
    """The image stored turned by 90 degrees, with the EXIF orientation that turns it back."""
    img = Image.fromarray(np.ascontiguousarray(bgr[..., ::-1])).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW to display
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=95, exif=exif)
    return buf.getvalue()


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], set[Path]]:
    """30 image files in a folder (and a subfolder): 25 rendered PNGs, one JPEG upright only
    through its EXIF orientation, and 4 broken ones. Returns (folder, all files, broken)."""
    root = tmp_path_factory.mktemp("ray-images")
    (root / "sub").mkdir()
    files: list[Path] = []
    for i in range(25):
        words = [WORDS[(i + k) % len(WORDS)] + str(i) for k in range(1 + i % 2)]
        p = root / ("sub" if i % 3 == 0 else ".") / f"img{i:02d}.png"
        p.write_bytes(_png(render_lines(words, size=28, width=320)))
        files.append(p)
    exif = root / "exif_rotated.jpg"
    exif.write_bytes(_jpeg_rotated_by_exif(render_lines(["upright"], size=28, width=320)))
    files.append(exif)
    broken = {
        root / "empty.png": b"",
        root / "truncated.png": _png(render_lines(["cut"], width=200))[:120],
        root / "not_an_image.jpg": b"plain text, not a JPEG\n",
        root / "sub" / "garbage.webp": bytes(range(256)) * 4,
    }
    for p, data in broken.items():
        p.write_bytes(data)
    files += list(broken)
    assert len(files) == 30
    return root, files, set(broken)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(
        address="local",  # a new instance of our own, even if another one runs on this machine
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=200 * 1024 * 1024,
        log_to_driver=False,
        configure_logging=False,
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def serial(images) -> dict[str, dict]:
    """The reference: one OCR in this process over the same files, rows keyed by path."""
    _, files, _ = images
    with OCR(**OCR_KWARGS) as ocr:
        results = ocr.batch([str(p) for p in files])
    return {r.source: trt_ray.result_row(r) for r in results}


def _by_path(rows) -> dict[str, dict]:
    out = {}
    for row in rows:
        assert row["path"] not in out, f"{row['path']} OCR'd twice"
        out[row["path"]] = row
    return out


def _assert_same_as_serial(rows: dict[str, dict], serial: dict[str, dict], broken: set[Path]):
    assert rows.keys() == serial.keys()
    for path, row in rows.items():
        want = serial[path]
        assert row["text"] == want["text"], path
        # Scores and boxes are float32 (as the pipeline makes them): equal in that precision.
        for key in ("scores", "boxes"):
            np.testing.assert_array_equal(
                np.asarray(row[key], np.float32), np.asarray(want[key], np.float32), err_msg=path
            )
        assert row["error"] == want["error"], path
        if Path(path) in broken:
            assert row["error"] is not None and row["error"].startswith(path), row
            assert row["text"] == row["boxes"] == row["scores"] == []
        else:
            assert row["error"] is None and row["text"], row


def test_serial_reference_reads_the_words(images, serial) -> None:
    """Guards the comparison: the reference itself found the rendered words, turned the EXIF
    image upright and failed exactly the broken files."""
    root, _, broken = images
    assert any("invoice" in t for t in serial[str(root / "sub" / "img00.png")]["text"])
    assert serial[str(root / "exif_rotated.jpg")]["text"] == ["upright"]
    assert {Path(p) for p, row in serial.items() if row["error"]} == broken


def test_bytes_from_read_binary_files_equal_a_serial_run(local_ray, images, serial) -> None:
    root, _, broken = images
    ds = trt_ray.map_ocr(trt_ray.read_image_files(str(root)), concurrency=2, **OCR_KWARGS)
    _assert_same_as_serial(_by_path(trt_ray.iter_rows(ds)), serial, broken)


def test_paths_read_by_the_actors_equal_a_serial_run(local_ray, images, serial) -> None:
    root, files, broken = images
    missing = root / "missing.png"
    ds = trt_ray.map_ocr(trt_ray.path_dataset([*map(str, files), str(missing)]), **OCR_KWARGS)
    rows = _by_path(trt_ray.iter_rows(ds))
    assert rows.pop(str(missing))["error"] == f"{missing}: no such file"
    _assert_same_as_serial(rows, serial, broken)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_ocr_images_writes_every_row(local_ray, images, serial, tmp_path, fmt) -> None:
    root, _, broken = images
    out = tmp_path / f"out.{fmt}"
    trt_ray.ocr_images(str(root), str(out), concurrency=1, **OCR_KWARGS)
    files = sorted(out.iterdir())
    assert files
    if fmt == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        assert table.schema.equals(trt_ray.schema())
        rows = table.to_pylist()
    else:
        rows = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    _assert_same_as_serial(_by_path(rows), serial, broken)
    # A second run into the same place is refused, the first one's files untouched.
    with pytest.raises(Exception, match="exist"):
        trt_ray.ocr_images(str(root), str(out), concurrency=1, **OCR_KWARGS)
    assert sorted(out.iterdir()) == files


def test_predictor_takes_numpy_batches_and_names_bytes_by_path() -> None:
    """The callable class outside Ray, with Ray's default (numpy) batch format."""
    predictor = trt_ray.OCRPredictor(**OCR_KWARGS)
    good = _png(render_lines(["planet"], size=28, width=240))
    batch = {
        "bytes": np.array([good, b"junk"], dtype=object),
        "path": np.array(["a.png", "b.png"], dtype=object),
    }
    table = predictor(batch)
    assert table.schema.equals(trt_ray.schema())
    a, b = table.to_pylist()
    assert a["text"] == ["planet"] and a["error"] is None
    assert b["error"] == "b.png: not a readable image" and b["text"] == []
    with pytest.raises(ValueError, match="'bytes' or a 'path' column"):
        predictor({"image": np.array([good], dtype=object)})


def test_cli_ray_writes_json_lines(local_ray, images, serial, tmp_path) -> None:
    """A local folder (read by the actors) and URIs (read by Ray's file reader) together."""
    root, _, broken = images
    out = tmp_path / "out.jsonl"
    uris = [f"file://{p}" for p in sorted(root.iterdir()) if p.is_file()]
    inputs = [str(root / "sub"), *uris]
    rc = main(["ocr", *inputs, "--ray", "--json", str(out), "--backend", "onnxruntime"])
    assert rc == 4  # some inputs failed, as without --ray
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    _assert_same_as_serial(_by_path(rows), serial, broken)


def test_cli_ray_checks_outputs_before_starting(images, tmp_path, capsys) -> None:
    """No Ray needed: a bad output path is refused first, as without --ray."""
    _, files, _ = images
    assert main(["ocr", str(files[0]), "--ray", "--json", str(files[0])]) == 2
    assert "one of the inputs" in capsys.readouterr().err
    json_out = str(tmp_path / "out.jsonl")
    assert main(["ocr", str(files[0]), "--ray", "--json", json_out, "--draw", "d"]) == 2
    assert "--draw" in capsys.readouterr().err
    assert main(["ocr", str(files[0]), "--ray"]) == 2
    assert "--ray needs --json" in capsys.readouterr().err
    # "--ray FILE" took an input for the cluster address: said, not run.
    assert main(["ocr", str(files[0]), "--ray", str(files[1]), "--json", json_out]) == 2
    assert "not a cluster address" in capsys.readouterr().err
    assert not (tmp_path / "d").exists() and not Path(json_out).exists()


def test_folders_are_read_whole_hidden_and_underscored_names_too(local_ray, tmp_path) -> None:
    """Ray's own folder listing skips names starting with "_" or "."; a serial run reads them."""
    png = _png(render_lines(["word"], size=28, width=200))
    (tmp_path / "real").mkdir()
    for name in ("_scan.png", ".hidden.png", "plain.png", "real/deeper.png", "notes.txt"):
        (tmp_path / name).write_bytes(png if name.endswith(".png") else b"text")
    (tmp_path / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    for source in (str(tmp_path), f"file://{tmp_path}"):
        rows = trt_ray.read_image_files(source).select_columns(["path"]).take_all()
        assert sorted(Path(r["path"]).relative_to(tmp_path).as_posix() for r in rows) == [
            ".hidden.png",
            "_scan.png",
            "plain.png",
            "real/deeper.png",  # once: linked/ is the same folder
        ]


def test_cli_ray_refuses_bad_settings_before_starting_ray(images, tmp_path, monkeypatch, capsys):
    _, files, _ = images

    def no_ray(*args: object, **kwargs: object) -> None:
        raise AssertionError("Ray was started")

    monkeypatch.setattr(ray, "init", no_ray)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    out = str(tmp_path / "out.jsonl")
    assert main(["ocr", str(files[0]), "--ray", "--json", out, "--model", "bogus"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown model set 'bogus'" in err[0]
    assert main(["ocr", str(files[0]), "--ray", "--json", out, "--box-thresh", "7"]) == 2
    assert "--box-thresh 7: must be in [0, 1]" in capsys.readouterr().err
    assert not Path(out).exists()


def test_an_actors_trt_ocr_error_is_said_in_one_line() -> None:
    from trt_ocr.cli import _ray_cause

    wrapped = (
        "The actor died because of an error raised in its creation task\n"
        "Traceback (most recent call last):\n  File ...\n"
        "trt_ocr.errors.ModelDownloadError: model set 'x' is not cached here\n(more)"
    )
    assert (
        _ray_cause(RuntimeError(wrapped)) == "ModelDownloadError: model set 'x' is not cached here"
    )
    assert _ray_cause(RuntimeError("first line\nsecond")) == "first line"
