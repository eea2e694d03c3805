"""Shared fixtures: real data from ../shared/data (skipped when absent) and cached models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TRT_OCR_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with a reason when it is not there."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"needs {p} (../shared/data is not present on this machine)")
    return p


@pytest.fixture(scope="session")
def v4_models():
    """The default model set, pulled into the model cache once per session."""
    from trt_ocr import models

    return models.resolve("ppocr-v4-mobile")
