"""Paddle -> ONNX conversion reproduces the store's ONNX models (max abs diff <= 1e-4).

Conversion runs paddle2onnx 1.3.1 + paddlepaddle 2.6.2 in an isolated venv under
$TRT_OCR_HOME/venvs/convert (created on first use, a few minutes); skipped when that cannot
be installed here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.engines.conftest import run_onnx
from trt_ocr.errors import EngineBuildError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from trt_ocr.engines import convert, graph

    src = convert.resolve_source("ppocr-v4-mobile-paddle")
    out = tmp_path_factory.mktemp("converted")
    try:
        convert.copy_or_convert(src, out / "source", log=lambda m: None)
    except EngineBuildError as e:
        pytest.skip(f"paddle2onnx/paddlepaddle could not be installed or run here: {e}")
    for role in ("det", "cls", "rec"):
        graph.cleanup(
            out / "source" / f"{role}.onnx", out / "fp32" / f"{role}.onnx", role, log=lambda m: None
        )
    return {"source": out / "source", "fp32": out / "fp32"}


@pytest.mark.parametrize("stage", ["source", "fp32"])
@pytest.mark.parametrize("role", ["det", "rec", "cls"])
def test_converted_matches_store_onnx(
    converted: dict[str, Path], real_inputs: dict, v4_models, role: str, stage: str
) -> None:
    ref = run_onnx(getattr(v4_models, role), real_inputs[role])
    got = run_onnx(converted[stage] / f"{role}.onnx", real_inputs[role])
    assert got.shape == ref.shape
    diff = float(np.abs(got - ref).max())
    assert diff <= 1e-4, f"{stage} {role}: max abs diff {diff:.3g}"


def test_cleanup_names_dims_and_keeps_weights_as_initializers(converted: dict[str, Path]) -> None:
    import onnx

    from trt_ocr.engines import graph

    io = graph.io_shapes(converted["fp32"] / "det.onnx")
    assert io["inputs"]["x"] == ["batch", 3, "height", "width"]
    (out,) = io["outputs"].values()
    assert out == ["batch", 1, "height", "width"]
    m = onnx.load(str(converted["fp32"] / "rec.onnx"))
    assert not [n for n in m.graph.node if n.op_type == "Constant"]
    assert graph.check_ops(converted["fp32"] / "rec.onnx").ok


def test_missing_params_is_a_clear_error(tmp_path: Path) -> None:
    from trt_ocr.engines.convert import find_paddle_model

    (tmp_path / "inference.pdmodel").write_bytes(b"x")
    with pytest.raises(EngineBuildError, match="pdiparams"):
        find_paddle_model(tmp_path)
    with pytest.raises(EngineBuildError, match="no inference"):
        find_paddle_model(tmp_path / "nothing")
