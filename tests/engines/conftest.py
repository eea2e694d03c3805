"""Fixtures of the build tests: real network inputs made with OpenCV (a test-only stand-in
for the C++ preprocessing), and the store's ONNX models as the fp32 reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_path

cv2 = pytest.importorskip("cv2")

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def det_input(path: Path, limit: int = 960) -> np.ndarray:
    img = cv2.imread(str(path))
    h, w = img.shape[:2]
    r = min(1.0, limit / max(h, w))
    rh, rw = (max(32, round(h * r / 32) * 32), max(32, round(w * r / 32) * 32))
    x = cv2.resize(img, (rw, rh)).astype(np.float32) / 255.0
    return np.ascontiguousarray(((x - MEAN) / STD).transpose(2, 0, 1)[None])


def line_batch(paths: list[Path], height: int, width: int, keep_ratio: bool = True) -> np.ndarray:
    out = np.zeros((len(paths), 3, height, width), np.float32)
    for i, p in enumerate(paths):
        img = cv2.imread(str(p))
        h, w = img.shape[:2]
        rw = min(width, max(1, round(height * w / h))) if keep_ratio else width
        x = cv2.resize(img, (rw, height)).astype(np.float32) / 255.0
        out[i, :, :, :rw] = ((x - 0.5) / 0.5).transpose(2, 0, 1)
    return out


@pytest.fixture(scope="session")
def ic15_images() -> list[Path]:
    root = shared_path("icdar2015", "det_e2e", "images")
    return [root / f"img_{i}.jpg" for i in (101, 150, 233)]


@pytest.fixture(scope="session")
def word_images() -> list[Path]:
    root = shared_path("icdar2015", "words", "images")
    return [root / f"word_{i}.png" for i in range(1, 13)]


@pytest.fixture(scope="session")
def real_inputs(ic15_images: list[Path], word_images: list[Path]) -> dict[str, np.ndarray]:
    return {
        "det": det_input(ic15_images[0]),
        "rec": line_batch(word_images[:6], 48, 320),
        "cls": line_batch(word_images[6:], 48, 192),
    }


def run_onnx(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return s.run(None, {s.get_inputs()[0].name: x})[0]
