"""Calibration sets: reproducible draws, and disjointness from evaluation images."""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO
from trt_ocr.engines import calibration
from trt_ocr.engines.calibration import CalibrationSet
from trt_ocr.errors import EngineBuildError


def _images(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        p = folder / f"im_{i}.png"
        p.write_bytes(f"fake image {i}".encode())
        out.append(p)
    return out


def test_globs_count_seed_are_reproducible(tmp_path: Path) -> None:
    _images(tmp_path / "a", 10)
    _images(tmp_path / "b" / "deep", 5)
    (tmp_path / "a" / "notes.txt").write_text("x")
    cfg = tmp_path / "set.json"
    cfg.write_text(
        json.dumps(
            {
                "name": "t",
                "images": ["a/*", "b/**/*.png"],
                "exclude": ["a/im_0.png"],
                "count": 6,
                "seed": 3,
            }
        )
    )
    cs = CalibrationSet.load(cfg)
    assert len(cs.candidates()) == 14  # 9 + 5, no txt, im_0 excluded
    first = cs.images()
    assert len(first) == 6 and first == CalibrationSet.load(cfg).images()
    cs.seed = 4
    assert cs.images() != first


def test_empty_set_says_what_to_do(tmp_path: Path) -> None:
    cfg = tmp_path / "set.json"
    cfg.write_text(json.dumps({"images": ["nothing/*.jpg"]}))
    with pytest.raises(EngineBuildError, match="no images match"):
        CalibrationSet.load(cfg).images()
    cfg.write_text(json.dumps({"count": 3}))
    with pytest.raises(EngineBuildError, match="'images'"):
        CalibrationSet.load(cfg)


def test_disjointness_by_path_and_by_content(tmp_path: Path) -> None:
    calib = _images(tmp_path / "calib", 3)
    evaluation = [*_images(tmp_path / "eval", 0), tmp_path / "eval" / "other.png"]
    evaluation[0].write_bytes(b"something else")
    calibration.disjoint(calib, evaluation)
    copy = tmp_path / "eval" / "renamed_copy.png"
    shutil.copyfile(calib[1], copy)
    with pytest.raises(EngineBuildError, match="disjoint"):
        calibration.disjoint(calib, [*evaluation, copy])
    with pytest.raises(EngineBuildError, match="1 evaluation image"):
        calibration.disjoint(calib, [calib[0]])
    kept, dropped = calibration.without([*evaluation, copy, calib[2]], calib)
    assert kept == evaluation and dropped == 2


def test_shared_config_is_disjoint_from_report_images() -> None:
    from tests.conftest import shared_path
    from trt_ocr.engines import report

    shared_path("icdar2015", "det_e2e", "images")
    cs = CalibrationSet.load(REPO / "calib" / "shared_ic15_sroie.json")
    calib = cs.images()
    assert len(calib) == cs.count
    ic15 = report.ic15_images(shared_path("icdar2015", "det_e2e"))
    kept, dropped = calibration.without(ic15, calib)
    assert dropped == sum(1 for p in calib if "icdar2015" in str(p))
    assert kept[0].name == "img_101.jpg" or dropped < 100


class _HookedOCR:
    """Stands for trt_ocr.OCR's public surface collect_feeds relies on: a context manager
    whose observe_inputs(fn) calls fn(role, feeds) right before each network run."""

    def __init__(self, models: object, **kwargs: object) -> None:
        self.kwargs = kwargs
        self._observers: list = []
        self.buffer = np.zeros((1, 3, 32, 32), np.float32)  # reused, as the pipeline does

    def __enter__(self) -> _HookedOCR:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    @contextmanager
    def observe_inputs(self, fn):
        self._observers.append(fn)
        try:
            yield
        finally:
            self._observers.remove(fn)

    def __call__(self, image: str) -> None:
        self.buffer += 1
        for fn in self._observers:
            fn("det", {"x": self.buffer})
            for n in range(3):
                fn("rec", {"x": np.full((n + 1, 3, 48, 320), n, np.float32)})


def test_feeds_are_collected_through_the_public_hook(tmp_path: Path) -> None:
    images = _images(tmp_path, 4)
    feeds = calibration.collect_feeds(
        None, images, det_options={"limit_side_len": 640}, max_batches=5, ocr_factory=_HookedOCR
    )
    assert [float(f["x"].max()) for f in feeds.det] == [1.0, 2.0, 3.0, 4.0]  # copies
    assert len(feeds.rec) == 5 and feeds.cls == []  # 12 rec batches sampled down to 5
    assert feeds.for_role("rec") is feeds.rec and feeds.images == images


@pytest.mark.skipif(
    not hasattr(__import__("trt_ocr").OCR, "observe_inputs"),
    reason="OCR.observe_inputs (the public input hook) lands with the pipeline's stage rewrite",
)
def test_feeds_from_the_real_pipeline(v4_models) -> None:
    feeds = calibration.collect_feeds(v4_models, [REPO / "samples" / "sample.png"])
    assert len(feeds.det) == 1 and feeds.det[0]["x"].shape[:2] == (1, 3)
    assert feeds.rec and all(f["x"].shape[2] == 48 for f in feeds.rec)


def test_a_folder_is_a_set_and_a_missing_set_says_what_to_pass(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "mine" / "deeper").mkdir(parents=True)
    for name in ("a.png", "deeper/b.jpg"):
        Image.new("RGB", (8, 8)).save(tmp_path / "mine" / name)
    (tmp_path / "mine" / "notes.txt").write_text("not an image")
    images = CalibrationSet.load(tmp_path / "mine").images()
    assert [p.name for p in images] == ["a.png", "b.jpg"]
    with pytest.raises(EngineBuildError, match="--calib .*missing.json: no such calibration set"):
        CalibrationSet.load(tmp_path / "missing.json")
