"""Real DB probability maps: the PP-OCRv4 detector run with onnxruntime on shared images."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}

# (folder under shared/data, how many images to take in sorted order; None = all)
DATASETS: list[tuple[str, int | None]] = [
    ("icdar2015/det_e2e/images", 40),
    ("sroie/images", 20),
    ("images/rapidocr", None),
    ("images/paddleocr_doc", None),
    ("images/paddleocr_doc_en", None),
]


@dataclass(frozen=True)
class DetMap:
    name: str
    prob: np.ndarray  # [H, W] float32, C-contiguous
    src_h: int
    src_w: int


def preprocess(img: np.ndarray, limit_side_len: int = 960) -> np.ndarray:
    """PP-OCR DetResizeForTest ('max' limit, sides to multiples of 32) + ImageNet normalisation."""
    h, w = img.shape[:2]
    ratio = min(1.0, limit_side_len / max(h, w))
    rh = max(int(round(h * ratio / 32) * 32), 32)
    rw = max(int(round(w * ratio / 32) * 32), 32)
    resized = cv2.resize(img, (rw, rh)).astype(np.float32) / 255.0
    chw = ((resized - MEAN) / STD).transpose(2, 0, 1)
    return np.ascontiguousarray(chw[None])


def read_bgr(path: Path) -> np.ndarray | None:
    data = np.fromfile(str(path), dtype=np.uint8)
    if data.size == 0:
        return None
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if img is None or img.size == 0 or min(img.shape[:2]) < 2:
        return None
    return img


def image_paths(root: Path) -> Iterator[Path]:
    for folder, limit in DATASETS:
        d = root / folder
        if not d.is_dir():
            continue
        files = sorted(p for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        yield from files[:limit] if limit is not None else files


def compute_maps(det_onnx: Path, root: Path) -> list[DetMap]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(det_onnx), opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    out: list[DetMap] = []
    for path in image_paths(root):
        img = read_bgr(path)
        if img is None:
            continue
        prob = sess.run(None, {name: preprocess(img)})[0]
        out.append(
            DetMap(
                name=f"{path.parent.name}/{path.name}",
                prob=np.ascontiguousarray(prob[0, 0], dtype=np.float32),
                src_h=img.shape[0],
                src_w=img.shape[1],
            )
        )
    return out


def load_maps(det_onnx: Path, root: Path, cache: Path | None = None) -> list[DetMap]:
    """compute_maps, optionally cached in an .npz (the detector is the slow part here)."""
    if cache is not None and cache.exists():
        z = np.load(cache, allow_pickle=False)
        names = [str(n) for n in z["names"]]
        sizes = z["sizes"]
        return [
            DetMap(n, np.ascontiguousarray(z[f"m{i}"]), int(s[0]), int(s[1]))
            for i, (n, s) in enumerate(zip(names, sizes, strict=True))
        ]
    maps = compute_maps(det_onnx, root)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"m{i}": m.prob for i, m in enumerate(maps)}
        np.savez(
            cache,
            names=np.array([m.name for m in maps]),
            sizes=np.array([[m.src_h, m.src_w] for m in maps]),
            **arrays,
        )
    return maps
