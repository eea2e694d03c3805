"""Turning what users pass (paths, bytes, arrays, PIL images) into a BGR uint8 image."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Union

import numpy as np

from trt_ocr.errors import ImageLoadError

ImageInput = Union[str, Path, bytes, bytearray, memoryview, np.ndarray, "PIL.Image.Image"]  # noqa: F821

# File suffixes taken for images when scanning folders (CLI inputs, calibration sets, data
# sets): the formats load_image decodes (Pillow; a GIF gives its first frame).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"})

# Decompression-bomb guard: PIL warns at ~89 Mpx; we refuse beyond this many pixels.
MAX_PIXELS = 400_000_000


def _describe(source: object) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    return f"<{type(source).__name__}>"


def _flatten_alpha(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composites color (HxWxC uint8) over a background chosen to contrast with the opaque
    content: white behind dark content, black behind light content. So dark text on a
    transparent background and light text on a transparent background both stay readable."""
    a = alpha.astype(np.float32) / 255.0
    weight = float(a.sum())
    if weight <= 0.0:
        return color.copy()  # fully transparent: nothing drawn, keep the raw colors
    gray = color.astype(np.float32).mean(axis=2) if color.ndim == 3 else color.astype(np.float32)
    content_luma = float((gray * a).sum() / weight)
    background = 255.0 if content_luma < 128.0 else 0.0
    a3 = a[..., None] if color.ndim == 3 else a
    out = color.astype(np.float32) * a3 + background * (1.0 - a3)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def array_to_bgr(arr: np.ndarray, *, rgb: bool = False, name: str = "<array>") -> np.ndarray:
    """Normalises an array to a C-contiguous BGR uint8 HxWx3 image.

    Accepts HxW (gray), HxWx1, HxWx2 (gray+alpha), HxWx3 (BGR, or RGB when rgb=True) and
    HxWx4 (BGRA, or RGBA when rgb=True)."""
    if not isinstance(arr, np.ndarray):
        raise ImageLoadError(f"{name}: expected a numpy array, got {type(arr).__name__}")
    if arr.size == 0 or arr.ndim < 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ImageLoadError(f"{name}: empty image (shape {arr.shape})")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * 255
    elif arr.dtype == np.uint16:
        arr = (arr >> 8).astype(np.uint8)
    elif arr.dtype in (np.float32, np.float64):
        if not np.isfinite(arr).all():
            raise ImageLoadError(f"{name}: float image contains NaN or inf")
        scale = 255.0 if arr.max(initial=0.0) <= 1.0 else 1.0
        arr = np.clip(arr * scale + 0.5, 0, 255).astype(np.uint8)
    elif arr.dtype != np.uint8:
        raise ImageLoadError(f"{name}: unsupported dtype {arr.dtype} (use uint8)")
    if arr.ndim == 2:
        gray = arr
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if arr.ndim != 3:
        raise ImageLoadError(f"{name}: expected HxW or HxWxC, got shape {arr.shape}")
    c = arr.shape[2]
    if c == 1:
        return np.ascontiguousarray(np.repeat(arr, 3, axis=2))
    if c == 2:
        flat = _flatten_alpha(arr[..., 0], arr[..., 1])
        return np.ascontiguousarray(np.repeat(flat[:, :, None], 3, axis=2))
    if c == 3:
        out = arr[..., ::-1] if rgb else arr
        return np.ascontiguousarray(out)
    if c == 4:
        color = arr[..., 2::-1] if rgb else arr[..., :3]
        return np.ascontiguousarray(_flatten_alpha(color, arr[..., 3]))
    raise ImageLoadError(f"{name}: unsupported channel count {c}")


def _pil_to_bgr(img: object, name: str, apply_exif: bool) -> np.ndarray:
    from PIL import Image, ImageOps

    assert isinstance(img, Image.Image)
    if apply_exif:
        # A broken EXIF block must not make the image unreadable.
        with contextlib.suppress(Exception):
            img = ImageOps.exif_transpose(img)
    if img.width * img.height > MAX_PIXELS:
        raise ImageLoadError(f"{name}: {img.width}x{img.height} exceeds {MAX_PIXELS} pixels")
    mode = img.mode
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        return array_to_bgr(np.asarray(img), rgb=True, name=name)
    if mode in ("L", "1"):
        return array_to_bgr(np.asarray(img.convert("L")), name=name)
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        peak = arr.max(initial=0.0)
        arr = arr * (255.0 / peak) if peak > 0 else arr
        return array_to_bgr(arr.astype(np.uint8), name=name)
    return array_to_bgr(np.asarray(img.convert("RGB")), rgb=True, name=name)


def _decode(data: bytes | memoryview, name: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    if len(data) == 0:
        raise ImageLoadError(f"{name}: empty file")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()  # decode now so truncated files fail here, typed
            return _pil_to_bgr(img, name, apply_exif=True)
    except UnidentifiedImageError as e:
        raise ImageLoadError(f"{name}: not a readable image") from e
    except Image.DecompressionBombError as e:
        raise ImageLoadError(f"{name}: image too large ({e})") from e
    except (OSError, SyntaxError, ValueError) as e:
        if isinstance(e, ImageLoadError):
            raise
        raise ImageLoadError(f"{name}: corrupt or truncated image ({e})") from e


def load_image(source: ImageInput) -> np.ndarray:
    """Returns a C-contiguous BGR uint8 HxWx3 image. Files and bytes get their EXIF
    orientation applied; alpha is flattened onto a contrasting background.

    Arrays are taken as OpenCV lays them out (BGR/BGRA); PIL images as RGB/RGBA."""
    name = _describe(source)
    if isinstance(source, np.ndarray):
        return array_to_bgr(source, name=name)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ImageLoadError(f"{name}: no such file")
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ImageLoadError(f"{name}: cannot read ({e.strerror})") from e
        return _decode(data, name)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _decode(bytes(source), name)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow is a dependency
        Image = None
    if Image is not None and isinstance(source, Image.Image):
        return _pil_to_bgr(source, name, apply_exif=False)
    raise ImageLoadError(
        f"{name}: unsupported input type {type(source).__name__} "
        "(use a path, bytes, a numpy array or a PIL image)"
    )
