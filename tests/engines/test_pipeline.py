"""build-engines and the runtime agree: the engines the engine step writes for some options are
the ones the TensorRT backend picks for a pipeline with those options, decided by the one
function (trt_ocr.engine_cache.decide). No GPU: a stand-in library 'builds' plan files that
record their optimization profiles, and the networks run on ONNX Runtime, each input checked
against the profiles of the engine the backend chose."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO
from trt_ocr import OCR, artifacts, backends, graph_io
from trt_ocr.backends.base import Session
from trt_ocr.backends.onnxruntime import OnnxRuntimeBackend
from trt_ocr.backends.tensorrt import TensorRTBackend
from trt_ocr.backends.tensorrt_library import LoadedEngine
from trt_ocr.engine_cache import EngineTarget
from trt_ocr.engines import manifest
from trt_ocr.engines.pipeline import Builder, BuildRequest
from trt_ocr.errors import BackendError
from trt_ocr.shapes import ShapeRange, select_profile

MODEL = "ppocr-v4-mobile"


class StandInLibrary:
    """TensorRTLibrary's interface without TensorRT: a 'plan' is the list of its profiles."""

    name = "tensorrt"
    target = EngineTarget("tensorrt", "10.test", ("8.9",))
    can_run = True

    def __init__(self) -> None:
        self.builds: list[Path] = []

    def describe(self) -> str:
        return "stand-in TensorRT"

    def build(
        self, onnx: Path, engine: Path, ranges: Sequence[ShapeRange], settings, log, label=""
    ) -> float:
        engine.parent.mkdir(parents=True, exist_ok=True)
        engine.write_bytes(b"PLAN" + json.dumps([r.to_list() for r in ranges]).encode())
        self.builds.append(engine)
        return 0.1

    def deserialize(self, path: Path) -> LoadedEngine:
        data = path.read_bytes()
        if not data.startswith(b"PLAN"):
            raise BackendError(f"{path}: not a plan")
        return LoadedEngine([ShapeRange.from_list(r) for r in json.loads(data[4:])], None, path)

    def deserialize_error(self, path: Path) -> str | None:
        try:
            self.deserialize(path)
        except BackendError as e:
            return str(e)
        return None

    def plan_check(self):
        return self.deserialize_error


class CheckedSession(Session):
    """An ONNX Runtime session that refuses inputs no profile of the chosen engine accepts."""

    def __init__(self, inner: Session, profiles: list[ShapeRange]) -> None:
        self.inner, self.profiles = inner, profiles
        self.inputs, self.outputs = inner.inputs, inner.outputs
        self.shapes: list[tuple[int, ...]] = []

    def run(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        (x,) = feeds.values()
        select_profile(self.profiles, x.shape)  # raises like the TensorRT session would
        self.shapes.append(tuple(x.shape))
        return self.inner.run(feeds)


class RuntimeOnStandIn(TensorRTBackend):
    """The TensorRT backend's engine choice (engine_for), with the networks run on ORT."""

    def __init__(self, cache: Path, library: StandInLibrary) -> None:
        self.logs: list[str] = []
        super().__init__(cache_dir=cache, library=library, log=self.logs.append)
        self.ort = OnnxRuntimeBackend(threads=1)
        self.chosen: dict[str, tuple[Path, str]] = {}
        self.sessions: dict[str, CheckedSession] = {}

    def open(self, model: Path, role: str, profiles: Sequence[ShapeRange] | None = None):
        loaded, decision = self.engine_for(Path(model), role, profiles or ())
        self.chosen[role] = (loaded.path, decision.reason)
        self.sessions[role] = CheckedSession(self.ort.open(model, role), loaded.engine)
        return self.sessions[role]


@pytest.fixture
def built(v4_models, tmp_path: Path) -> tuple[Path, StandInLibrary]:
    """An fp32 folder as build-engines' cleanup step leaves it (graph I/O transformed), then
    its engine step run."""
    folder = artifacts.precision_dir(tmp_path / "engines", MODEL, "fp32")
    folder.mkdir(parents=True)
    lib = StandInLibrary()
    req = BuildRequest(MODEL, precisions=["fp32"], steps=["engine"], out=tmp_path / "engines")
    builder = Builder(req, log=lambda m: None, library=lib)
    for role in ("det", "cls", "rec"):
        dst = folder / f"{role}.onnx"
        graph_io.transform_file(getattr(v4_models, role), dst, role, builder.io_for(role))
        manifest.record_step(folder, "cleanup", role, dst, model=MODEL, precision="fp32")
    outcome = builder.run()
    assert outcome.exit_code == 0 and len(lib.builds) == 3
    return folder, lib


def _ocr(folder: Path, runtime: RuntimeOnStandIn, monkeypatch, **options) -> OCR:
    monkeypatch.setattr(backends, "create", lambda *a, **k: runtime)
    return OCR(artifacts.resolve_folder(folder, MODEL), backend="tensorrt", **options)


def test_default_engines_are_the_runtimes_and_cover_its_inputs(
    built: tuple[Path, StandInLibrary], tmp_path: Path, monkeypatch
) -> None:
    from tests.helpers import render_lines

    folder, lib = built
    runtime = RuntimeOnStandIn(tmp_path / "cache", lib)
    with _ocr(folder, runtime, monkeypatch) as ocr:
        for role in ("det", "cls", "rec"):
            path, reason = runtime.chosen[role]
            assert path == folder / f"{role}.engine" and "matches" in reason, (role, reason)
        assert len(lib.builds) == 3  # nothing rebuilt
        ocr(REPO / "samples" / "sample.png")
        # a line about 35 times as wide as high: rec batches in the last width bucket. (A line
        # over 8x the base width, 2560 px at height 48, has no profile: the rec stage must
        # bound its batch width by the plan's; it does not yet.)
        ocr(render_lines(["a long line of text " * 4], width=1800))
    assert runtime.sessions["det"].shapes and runtime.sessions["cls"].shapes
    assert max(s[3] for s in runtime.sessions["rec"].shapes) > 1280  # the last bucket


@pytest.mark.parametrize(
    ("options", "changed"),
    [({"det": {"limit_side_len": 1280}}, "det"), ({"rec": {"batch_size": 8}}, "rec")],
)
def test_a_shape_option_change_rebuilds_and_says_why(
    built: tuple[Path, StandInLibrary], tmp_path: Path, monkeypatch, options, changed
) -> None:
    folder, lib = built
    runtime = RuntimeOnStandIn(tmp_path / "cache", lib)
    _ocr(folder, runtime, monkeypatch, **options).close()
    for role in ("det", "cls", "rec"):
        path, _ = runtime.chosen[role]
        assert (path.parent == folder) == (role != changed), (role, path)
    assert len(lib.builds) == 4
    (why,) = [m for m in runtime.logs if m.startswith("trt-ocr: not using")]
    assert f"{changed}.engine: optimization profiles:" in why
    # the engine built for the new options is a cache hit next time
    again = RuntimeOnStandIn(tmp_path / "cache", lib)
    _ocr(folder, again, monkeypatch, **options).close()
    assert len(lib.builds) == 4 and again.chosen[changed][0] == runtime.chosen[changed][0]


def test_engines_of_models_as_given_are_rebuilt_for_their_graph_io_and_it_says_why(
    v4_models, tmp_path: Path, monkeypatch
) -> None:
    """A folder from before graph I/O (float ONNX, engines built from it): the runtime runs
    the models' transforms, so it builds engines of those and says why it skips the old."""
    folder = artifacts.precision_dir(tmp_path / "engines", MODEL, "fp32")
    folder.mkdir(parents=True)
    for role in ("det", "cls", "rec"):
        dst = folder / f"{role}.onnx"
        shutil.copyfile(getattr(v4_models, role), dst)
        manifest.record_step(folder, "cleanup", role, dst, model=MODEL, precision="fp32")
    lib = StandInLibrary()
    req = BuildRequest(MODEL, precisions=["fp32"], steps=["engine"], out=tmp_path / "engines")
    assert Builder(req, log=lambda m: None, library=lib).run().exit_code == 0
    runtime = RuntimeOnStandIn(tmp_path / "cache", lib)
    _ocr(folder, runtime, monkeypatch).close()
    assert len(lib.builds) == 6
    for role in ("det", "cls", "rec"):
        assert runtime.chosen[role][0].parent != folder
        assert runtime.sessions[role].inputs[0].dtype == np.uint8
        assert any(
            m.startswith(f"trt-ocr: not using {folder / role}.engine") and "graph I/O" in m
            for m in runtime.logs
        ), runtime.logs


def test_tampered_engine_is_rebuilt_not_loaded(
    built: tuple[Path, StandInLibrary], tmp_path: Path, monkeypatch
) -> None:
    folder, lib = built
    plan = folder / "rec.engine"
    data = bytearray(plan.read_bytes())
    data[-2] ^= 1
    plan.write_bytes(bytes(data))
    runtime = RuntimeOnStandIn(tmp_path / "cache", lib)
    _ocr(folder, runtime, monkeypatch).close()
    assert runtime.chosen["rec"][0].parent != folder
    assert any("rec.engine does not match its recorded sha256" in m for m in runtime.logs)


def test_report_excludes_the_images_the_int8_models_were_calibrated_on(tmp_path: Path) -> None:
    from trt_ocr.engines import manifest
    from trt_ocr.engines.pipeline import Builder, BuildRequest

    builder = Builder(BuildRequest("ppocr-v4-mobile", out=tmp_path, calib=tmp_path / "other"))
    used = [tmp_path / "img_108.jpg", tmp_path / "img_120.jpg"]
    for p in used:
        p.write_bytes(p.name.encode())
    # An earlier run calibrated on these; today's --calib names another set.
    for role, images in (("det", used), ("rec", used[:1])):
        details = {"calibration_images": [str(p) for p in images]}
        manifest.record_step(builder.pdir("int8"), "precision", role, None, details)
    assert builder._recorded_calibration_images() == used


def test_a_cache_hit_says_which_builder_settings_it_was_built_with() -> None:
    from trt_ocr.engines.pipeline import settings_note

    built = {"workspace_mb": 2048, "optimization_level": 3, "strongly_typed": True}
    assert settings_note(built, dict(built)) == ""
    note = settings_note(built, {**built, "optimization_level": 5})
    assert note.startswith("built with --opt-level 3 (asked: 5)") and "--force" in note
    assert settings_note({}, built) == ""  # an older manifest without them: nothing to say


def test_precision_graphs_are_made_again_only_when_their_inputs_change(
    v4_models, tmp_path: Path
) -> None:
    folder = artifacts.precision_dir(tmp_path / "engines", MODEL, "fp32")
    folder.mkdir(parents=True)
    logs: list[str] = []

    def precision_step(**kw: object) -> Builder:
        req = BuildRequest(
            MODEL, precisions=["fp16"], steps=["precision"], out=tmp_path / "engines", **kw
        )  # type: ignore[arg-type]
        builder = Builder(req, log=logs.append)
        builder.run()
        return builder

    builder = Builder(BuildRequest(MODEL, out=tmp_path / "engines"))
    for role in ("det", "cls", "rec"):
        dst = folder / f"{role}.onnx"
        graph_io.transform_file(getattr(v4_models, role), dst, role, builder.io_for(role))
        manifest.record_step(folder, "cleanup", role, dst, model=MODEL, precision="fp32")
    builder._write_dictionary(folder)  # as the cleanup step does
    made = builder.pdir("fp16") / "cls.onnx"
    precision_step()
    first = made.stat().st_mtime_ns
    assert not any("up to date" in m for m in logs)
    logs.clear()
    precision_step()  # the same inputs: nothing made again
    assert made.stat().st_mtime_ns == first
    assert sum("up to date" in m for m in logs) == 3
    logs.clear()
    made.write_bytes(made.read_bytes() + b"\0")  # not what the manifest recorded: made again
    precision_step()
    assert [m for m in logs if "up to date" in m and " cls:" in m] == []
    assert made.stat().st_mtime_ns != first
    logs.clear()
    precision_step(force=True)
    assert not any("up to date" in m for m in logs)
    logs.clear()
    # Another fp32 graph (here the recognizer's in the classifier's place): made again.
    shutil.copyfile(folder / "rec.onnx", folder / "cls.onnx")
    precision_step()
    assert [m for m in logs if "up to date" in m and " cls:" in m] == []
    assert sum("up to date" in m for m in logs) == 2


def test_int8_inputs_include_the_calibration_images_and_the_whole_fp32_pipeline(
    tmp_path: Path,
) -> None:
    from PIL import Image

    calib = tmp_path / "calib"
    calib.mkdir()
    Image.new("RGB", (8, 8)).save(calib / "a.png")
    fp32 = {role: f"sha256 of the fp32 {role} graph" for role in ("det", "cls", "rec")}
    builder = Builder(BuildRequest(MODEL, out=tmp_path, calib=calib))
    before = builder._precision_inputs("int8", fp32)["det"]
    assert before["calibration"][0][0] == str((calib / "a.png").resolve())
    Image.new("RGB", (8, 8), (9, 9, 9)).save(calib / "a.png")  # same name, new content
    after = builder._precision_inputs("int8", fp32)["det"]
    assert after != before
    # The det graph's calibration feeds come through the fp32 pipeline: another fp32 rec
    # graph (which the det graph's own sha256 does not see) is another input.
    fp32["rec"] = "sha256 of another fp32 rec graph"
    assert builder._precision_inputs("int8", fp32)["det"] != after
    assert "calibration" not in builder._precision_inputs("int8", fp32)["rec"]  # fp16 there


def test_the_calibration_images_are_hashed_once_for_every_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    from trt_ocr import models

    calib = tmp_path / "calib"
    calib.mkdir()
    for name in ("a.png", "b.png"):
        Image.new("RGB", (8, 8)).save(calib / name)
    hashed: list[Path] = []
    real = models.sha256_file
    monkeypatch.setattr(models, "sha256_file", lambda p: hashed.append(p) or real(p))
    fp32 = {role: f"sha256 of the fp32 {role} graph" for role in ("det", "cls", "rec")}
    request = BuildRequest(MODEL, out=tmp_path, calib=calib, int8_roles=["det", "cls", "rec"])
    inputs = Builder(request)._precision_inputs("int8", fp32)
    assert all("calibration" in inputs[role] for role in ("det", "cls", "rec"))
    assert len(hashed) == 2  # two images, three roles
