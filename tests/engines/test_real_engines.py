"""build-engines with the real TensorRT-RTX builder, no GPU: every model set at fp32 and fp16,
plans from the shared shape plan, manifests the runtime's decision accepts, cache hits on a
second run, and plans that cannot fool the cache (a flipped byte, a truncated plan, a manifest
from another library version).

Engines go to $TRT_OCR_CI_ENGINES (default: a temporary folder), so CI on one machine keeps
them between runs and a rerun is a cache hit. The Paddle set needs its converter venv
(created once under $TRT_OCR_HOME/venvs; minutes the first time): set
TRT_OCR_CI_PADDLE=0 to leave it out."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from trt_ocr import artifacts, engine_cache
from trt_ocr.engine_cache import EngineTarget
from trt_ocr.engines.pipeline import Builder, BuildRequest
from trt_ocr.models import sha256_file
from trt_ocr.shapes import ROLES, plan_shapes

trt = pytest.importorskip("tensorrt_rtx", reason='needs pip install "trt-ocr[tensorrt-rtx]"')

from trt_ocr.backends import tensorrt_library as layer  # noqa: E402

SETS = ["ppocr-v4-mobile", "ppocr-v5-mobile", "ppocr-v6-small"]
if os.environ.get("TRT_OCR_CI_PADDLE", "1") != "0":
    SETS.append("ppocr-v4-mobile-paddle")
PRECISIONS = ["fp32", "fp16"]
STEPS = ["convert", "cleanup", "precision", "engine"]


@pytest.fixture(scope="session")
def engines_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("TRT_OCR_CI_ENGINES")
    return Path(env) if env else tmp_path_factory.mktemp("engines")


def _build(name: str, out: Path, steps: list[str] = STEPS) -> Builder:
    req = BuildRequest(name, precisions=PRECISIONS, steps=steps, out=out, library="tensorrt-rtx")
    b = Builder(req, log=lambda m: None)
    outcome = b.run()
    assert outcome.exit_code == 0 and outcome.done == steps, outcome
    return b


@pytest.fixture(scope="session")
def built(engines_root: Path) -> dict[str, Builder]:
    """Every set built (or found up to date) once per session."""
    return {}


def _set(name: str, built: dict[str, Builder], engines_root: Path) -> Builder:
    if name not in built:
        built[name] = _build(name, engines_root)
    return built[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", SETS)
def test_every_set_builds_plans_with_a_complete_manifest(
    name: str, built: dict[str, Builder], engines_root: Path
) -> None:
    b = _set(name, built, engines_root)
    plan = plan_shapes(spec=artifacts.spec_for(name))
    assert len(b.engine_rows) == len(PRECISIONS) * len(ROLES)
    for prec in PRECISIONS:
        folder = artifacts.precision_dir(engines_root, name, prec)
        m = engine_cache.load(folder)
        for role in ROLES:
            engine = folder / f"{role}.engine"
            assert engine.stat().st_size > 1_000_000, engine  # a real plan, weights inside
            rec = m["engines"][role]
            key = engine_cache.EngineKey.from_dict(rec["key"])
            assert key.library == "tensorrt_rtx" and key.library_version == trt.__version__
            assert key.compute_capabilities == layer.TENSORRT_RTX.default_targets
            assert key.precision == prec
            assert key.profiles == tuple((r.min, r.opt, r.max) for r in plan.ranges(role))
            assert key.onnx_sha256 == sha256_file(folder / f"{role}.onnx")
            assert rec["engine_sha256"] == sha256_file(engine)
            assert rec["build_seconds"] >= 0 and "TensorRT-RTX" in rec["built_with"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SETS)
def test_the_runtimes_decision_accepts_them_on_gpus_they_target(
    name: str, built: dict[str, Builder], engines_root: Path
) -> None:
    _set(name, built, engines_root)
    plan = plan_shapes(spec=artifacts.spec_for(name))
    for prec in PRECISIONS:
        folder = artifacts.precision_dir(engines_root, name, prec)
        for role in ROLES:
            onnx, engine = folder / f"{role}.onnx", folder / f"{role}.engine"
            for cc, usable in (("8.6", True), ("12.0", True), ("9.0", False)):
                # what the TensorRT backend asks for on a GPU of this compute capability
                gpu = EngineTarget("tensorrt_rtx", trt.__version__, (cc,))
                key = engine_cache.engine_key(onnx, plan.ranges(role), gpu)
                d = engine_cache.decide(engine_cache.load(folder), role, engine, key)
                assert d.usable == usable, (prec, role, cc, d.reason)


@pytest.mark.slow
@pytest.mark.parametrize("name", SETS)
def test_a_second_run_is_a_cache_hit(
    name: str, built: dict[str, Builder], engines_root: Path
) -> None:
    _set(name, built, engines_root)
    folder = artifacts.precision_dir(engines_root, name, "fp16")
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.engine")}
    again = _build(name, engines_root)
    assert [r.cache for r in again.engine_rows] == ["hit"] * len(PRECISIONS) * len(ROLES)
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("*.engine")} == before


@pytest.fixture
def v4_copy(built: dict[str, Builder], engines_root: Path, tmp_path: Path) -> Path:
    """A private copy of the v4 set's fp32 folder, its plans real."""
    _set("ppocr-v4-mobile", built, engines_root)
    src = artifacts.model_dir(engines_root, "ppocr-v4-mobile")
    dst = artifacts.model_dir(tmp_path, "ppocr-v4-mobile")
    for sub in ("source", "fp32"):
        shutil.copytree(src / sub, dst / sub)
    return tmp_path


def _fp32_only(out: Path) -> dict[str, str]:
    req = BuildRequest("ppocr-v4-mobile", precisions=["fp32"], steps=["engine"], out=out)
    b = Builder(req, log=lambda m: None)
    assert b.run().exit_code == 0
    return {r.path.name: r.cache for r in b.engine_rows}


@pytest.mark.slow
def test_a_flipped_byte_is_rebuilt_saying_why(v4_copy: Path) -> None:
    plan = artifacts.precision_dir(v4_copy, "ppocr-v4-mobile", "fp32") / "cls.engine"
    data = bytearray(plan.read_bytes())
    data[len(data) // 2] ^= 0x01
    plan.write_bytes(bytes(data))
    cache = _fp32_only(v4_copy)
    assert cache["cls.engine"] == "built: cls.engine does not match its recorded sha256"
    assert cache["det.engine"] == cache["rec.engine"] == "hit"
    m = engine_cache.load(plan.parent)
    assert m["engines"]["cls"]["engine_sha256"] == sha256_file(plan)


@pytest.mark.slow
def test_a_truncated_plan_is_rebuilt(v4_copy: Path) -> None:
    plan = artifacts.precision_dir(v4_copy, "ppocr-v4-mobile", "fp32") / "det.engine"
    size = plan.stat().st_size
    plan.write_bytes(plan.read_bytes()[: size // 3])
    cache = _fp32_only(v4_copy)
    assert cache["det.engine"] == "built: det.engine does not match its recorded sha256"
    assert plan.stat().st_size > size // 2


@pytest.mark.slow
def test_a_manifest_from_another_library_version_is_stale(v4_copy: Path) -> None:
    folder = artifacts.precision_dir(v4_copy, "ppocr-v4-mobile", "fp32")
    with engine_cache.locked(folder) as m:
        m["engines"]["rec"]["key"]["library_version"] = "1.6.0.0"
    cache = _fp32_only(v4_copy)
    assert cache["rec.engine"] == f"built: library version: 1.6.0.0 -> {trt.__version__}"
    with engine_cache.locked(folder) as m:  # a manifest of the previous schema
        m["engines"]["det"]["key"].pop("compute_capabilities")
        m["engines"]["det"]["key"]["compute_capability"] = "8.6"
    assert "older version" in _fp32_only(v4_copy)["det.engine"]
