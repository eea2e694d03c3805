"""Reference pre/post-processing written with OpenCV + numpy, following PP-OCR's algorithm.

Used by the parity tests and by bench/core_preprocess.py as the baseline the C++ core is
compared against: detector input (DetResizeForTest + NormalizeImage + ToCHWImage), crops
(get_rotate_crop_image) into recognizer/classifier batches (resize_norm_img), and a per-line
numpy CTC decoder.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HALF = (0.5, 0.5, 0.5)


# ---- detector input ----


def det_input_shape(h: int, w: int, limit: int = 960, limit_type: str = "max") -> tuple[int, int]:
    if limit_type == "max":
        ratio = float(limit) / max(h, w) if max(h, w) > limit else 1.0
    else:
        ratio = float(limit) / min(h, w) if min(h, w) < limit else 1.0
    rh, rw = int(h * ratio), int(w * ratio)
    return max(int(round(rh / 32) * 32), 32), max(int(round(rw / 32) * 32), 32)


def normalize_chw(img: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """NormalizeImage + ToCHWImage: float32 (x * (1/255) - mean) / std, HWC -> CHW."""
    scale = np.float32(1.0 / 255.0)
    m = np.array(mean, dtype=np.float32).reshape(1, 1, 3)
    s = np.array(std, dtype=np.float32).reshape(1, 1, 3)
    return ((img.astype(np.float32) * scale - m) / s).transpose(2, 0, 1)


def det_preprocess(
    img: np.ndarray,
    limit: int = 960,
    limit_type: str = "max",
    mean: Sequence[float] = IMAGENET_MEAN,
    std: Sequence[float] = IMAGENET_STD,
) -> tuple[np.ndarray, float, float]:
    h, w = img.shape[:2]
    rh, rw = det_input_shape(h, w, limit, limit_type)
    resized = cv2.resize(img, (rw, rh))
    tensor = np.ascontiguousarray(normalize_chw(resized, mean, std)[None])
    return tensor, rh / float(h), rw / float(w)


# ---- crops ----


def crop_size(quad: np.ndarray) -> tuple[int, int]:
    """(width, height) of get_rotate_crop_image's warp, before any rotation."""
    q = quad.astype(np.float32)
    w = int(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3])))
    h = int(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
    return w, h


def rotate_crop(img: np.ndarray, quad: np.ndarray, tall_ratio: float = 1.5) -> np.ndarray:
    """PP-OCR's get_rotate_crop_image: perspective warp (cubic, replicated border), then
    np.rot90 when the crop is tall."""
    q = quad.astype(np.float32)
    w, h = crop_size(q)
    dst = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(q, dst)
    crop = cv2.warpPerspective(
        img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if crop.shape[0] * 1.0 / crop.shape[1] >= tall_ratio:
        crop = np.rot90(crop)
    return crop


def resize_norm(
    crop: np.ndarray,
    height: int,
    width: int,
    keep_ratio: bool = True,
    mean: Sequence[float] = HALF,
    std: Sequence[float] = HALF,
) -> tuple[np.ndarray, int]:
    """PP-OCR's resize_norm_img (rec and cls): bilinear resize to height (keeping the aspect
    ratio, capped at width, padded right with 0) or stretched to height x width."""
    h, w = crop.shape[:2]
    if keep_ratio:
        ratio = w / float(h)
        resized_w = width if math.ceil(height * ratio) > width else int(math.ceil(height * ratio))
    else:
        resized_w = width
    resized = cv2.resize(crop, (resized_w, height))
    out = np.zeros((3, height, width), dtype=np.float32)
    out[:, :, :resized_w] = normalize_chw(resized, mean, std)
    return out, resized_w


def crop_batch(
    img: np.ndarray,
    quads: np.ndarray,
    height: int,
    width: int,
    flip180: Sequence[bool] | None = None,
    keep_ratio: bool = True,
    mean: Sequence[float] = HALF,
    std: Sequence[float] = HALF,
    tall_ratio: float = 1.5,
) -> tuple[np.ndarray, np.ndarray]:
    batch = np.zeros((len(quads), 3, height, width), dtype=np.float32)
    widths = np.zeros(len(quads), dtype=np.int32)
    for i, q in enumerate(quads):
        crop = rotate_crop(img, q, tall_ratio)
        if flip180 is not None and flip180[i]:
            crop = cv2.rotate(crop, cv2.ROTATE_180)
        batch[i], widths[i] = resize_norm(crop, height, width, keep_ratio, mean, std)
    return batch, widths


# ---- CTC ----


def ctc_decode(probs: np.ndarray, characters: Sequence[str]) -> list[tuple[str, float]]:
    """PP-OCR's CTCLabelDecode, one line at a time: argmax, merge repeats, drop blanks."""
    table = ["blank", *characters]
    out = []
    for line in probs:
        idx = line.argmax(axis=1)
        prob = line.max(axis=1)
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        text = "".join(table[i] for i in idx[keep])
        conf = prob[keep]
        out.append((text, float(np.mean(conf)) if len(conf) else 0.0))
    return out


# ---- real data ----


def _read_gt_lines(path: Path) -> list[tuple[np.ndarray, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8-sig", errors="replace").splitlines():
        parts = line.strip().split(",")
        if len(parts) < 9:
            continue
        try:
            pts = np.array([float(v) for v in parts[:8]], dtype=np.float32).reshape(4, 2)
        except ValueError:
            continue
        rows.append((pts, ",".join(parts[8:])))
    return rows


def load_ic15(root: Path, count: int, skip_dont_care: bool = True):
    """[(image, quads [N,4,2] float32, texts)] for the first count IC15 test images."""
    out = []
    for i in range(1, count + 1):
        img = cv2.imread(str(root / "images" / f"img_{i}.jpg"))
        rows = _read_gt_lines(root / "gts" / f"gt_img_{i}.txt")
        rows = [r for r in rows if not (skip_dont_care and r[1] == "###")]
        if img is None or not rows:
            continue
        out.append((img, np.stack([r[0] for r in rows]), [r[1] for r in rows]))
    return out


def load_sroie(root: Path, count: int):
    out = []
    for csv in sorted((root / "boxes").glob("*.csv"))[:count]:
        img = cv2.imread(str(root / "images" / f"{csv.stem}.jpg"))
        rows = _read_gt_lines(csv)
        if img is None or not rows:
            continue
        out.append((img, np.stack([r[0] for r in rows]), [r[1] for r in rows]))
    return out
