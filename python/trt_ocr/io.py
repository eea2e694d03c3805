"""Turning what users pass (paths, bytes, arrays, PIL images) into a BGR uint8 image."""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np

from trt_ocr.errors import ConfigError, ImageLoadError

if TYPE_CHECKING:
    import PIL.Image

ImageInput = Union[str, Path, bytes, bytearray, memoryview, np.ndarray, "PIL.Image.Image"]
#: Given a source image's upright (height, width): the smallest (height, width) its consumer can
#: use with no change beyond rounding, or None when it needs every pixel.
SmallestSize = Callable[[int, int], "tuple[int, int] | None"]
Size = tuple[int, int]

# File suffixes taken for images when scanning folders (CLI inputs, calibration sets, data
# sets): the formats load_image decodes (Pillow; a GIF gives its first frame).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"})

# Largest image side the C++ core accepts (its crops and resizes index with 16-bit-safe sizes).
MAX_SIDE = 65536
# Decompression-bomb guard: images above this many pixels are refused before they are decoded
# (a 3-channel copy of the limit is ~450 MB). $TRT_OCR_MAX_PIXELS overrides it.
DEFAULT_MAX_PIXELS = 150_000_000


def max_pixels() -> int:
    """The pixel limit in force: $TRT_OCR_MAX_PIXELS when set to a positive integer."""
    raw = os.environ.get("TRT_OCR_MAX_PIXELS", "").strip()
    if not raw:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"TRT_OCR_MAX_PIXELS must be a positive whole number, got {raw!r}")
    return value


def files_under(folder: str | Path) -> list[Path]:
    """Every file under folder, sorted, through symlinked folders too (each real folder once,
    so a link back up cannot loop), hidden and _-prefixed names included; a dangling link is
    listed: reading it reports it."""
    found: list[Path] = []
    visited: set[str] = set()
    for root, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in visited:
            dirs.clear()
            continue
        visited.add(real)
        # Real folders before links to them, whatever order the file system lists them in: a
        # folder reached both ways is listed under its own path.
        dirs.sort(key=lambda d: (Path(root, d).is_symlink(), d))
        found.extend(Path(root, name) for name in names)
    return sorted(found)


def describe_input(source: object) -> str:
    """How an input is named in messages: its path, or what kind of value it is."""
    if isinstance(source, (str, Path)):
        return repr(str(source)) if str(source) in ("", ".") else str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, np.ndarray):
        return f"<array of shape {source.shape} dtype {source.dtype}>"
    return f"<{type(source).__name__}>"


def _size_problem(height: int, width: int) -> str | None:
    """Why a height x width image is refused, or None."""
    if max(height, width) > MAX_SIDE:
        return (
            f"{width}x{height} pixels has a side longer than {MAX_SIDE}; crop or downscale it first"
        )
    limit = max_pixels()
    if height * width > limit:
        return (
            f"{width}x{height} is {height * width:,} pixels, above the limit of "
            f"{limit:,} (set TRT_OCR_MAX_PIXELS to raise it)"
        )
    return None


def _check_size(height: int, width: int, name: str) -> None:
    problem = _size_problem(height, width)
    if problem is not None:
        raise ImageLoadError(f"{name}: {problem}")


def _flatten_alpha(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composites color (HxWxC uint8) over a background chosen to contrast with the opaque
    content: white behind dark content, black behind light content. So dark text on a
    transparent background and light text on a transparent background both stay readable."""
    a = alpha.astype(np.float32) / 255.0
    weight = float(a.sum())
    if weight <= 0.0:
        return np.array(color)  # fully transparent: nothing drawn, keep the raw colors
    gray = color.astype(np.float32).mean(axis=2) if color.ndim == 3 else color.astype(np.float32)
    content_luma = float((gray * a).sum() / weight)
    background = 255.0 if content_luma < 128.0 else 0.0
    a3 = a[..., None] if color.ndim == 3 else a
    out = color.astype(np.float32) * a3 + background * (1.0 - a3)
    flat: np.ndarray = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    return flat


def _swap_rb(rgb: np.ndarray) -> np.ndarray:
    """RGB -> BGR as three plane copies: ~4x faster than copying a reversed-stride view."""
    out = np.empty(rgb.shape, np.uint8)
    out[..., 0] = rgb[..., 2]
    out[..., 1] = rgb[..., 1]
    out[..., 2] = rgb[..., 0]
    return out


def array_to_bgr(arr: np.ndarray, *, rgb: bool = False, name: str = "<array>") -> np.ndarray:
    """Normalises an array to a C-contiguous BGR uint8 HxWx3 image.

    Accepts HxW (gray), HxWx1, HxWx2 (gray+alpha), HxWx3 (BGR, or RGB when rgb=True) and
    HxWx4 (BGRA, or RGBA when rgb=True)."""
    if not isinstance(arr, np.ndarray):
        raise ImageLoadError(f"{name}: expected a numpy array, got {type(arr).__name__}")
    if arr.ndim not in (2, 3):
        raise ImageLoadError(
            f"{name}: an image array must be HxW or HxWxC, this one has {arr.ndim} "
            f"dimension{'s' if arr.ndim != 1 else ''}"
        )
    if arr.size == 0:
        raise ImageLoadError(f"{name}: empty image (no pixels)")
    _check_size(arr.shape[0], arr.shape[1], name)
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
    c = arr.shape[2]
    if c == 1:
        return np.ascontiguousarray(np.repeat(arr, 3, axis=2))
    if c == 2:
        flat = _flatten_alpha(arr[..., 0], arr[..., 1])
        return np.ascontiguousarray(np.repeat(flat[:, :, None], 3, axis=2))
    if c == 3:
        return _swap_rb(arr) if rgb else np.ascontiguousarray(arr)
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
    _check_size(img.height, img.width, name)
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


# EXIF orientations that swap width and height (transpose, rotations by 90 and 270 degrees).
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})


def _upright_size_and_draft(img: PIL.Image.Image, smallest: SmallestSize | None) -> Size:
    """The source's size after its EXIF orientation; where smallest allows it, asks a JPEG for a
    DCT-scaled decode (1/2, 1/4 or 1/8: PIL's draft mode, which never goes below the size asked
    for), so a large photo is never decoded at a resolution the consumer throws away."""
    h, w = img.height, img.width
    try:
        orientation = int(img.getexif().get(0x0112, 1))
    except Exception:  # a broken EXIF block: full decode (exif_transpose is skipped as well)
        return (h, w)
    swap = orientation in _SWAPPING_ORIENTATIONS
    upright = (w, h) if swap else (h, w)
    if smallest is None or img.format != "JPEG":
        return upright
    need = smallest(*upright)
    if need is None:
        return upright
    need_h, need_w = (need[1], need[0]) if swap else need
    if 2 * need_h <= h and 2 * need_w <= w:  # else no DCT scale keeps that size
        img.draft(img.mode, (need_w, need_h))
    return upright


def _decode(
    data: bytes | memoryview, name: str, smallest: SmallestSize | None = None
) -> tuple[np.ndarray, Size]:
    from PIL import Image, UnidentifiedImageError

    if len(data) == 0:
        raise ImageLoadError(f"{name}: empty file")
    # Our own limit replaces PIL's bomb check (and its raw warning): the size is known from
    # the header, so an oversized image is refused before it is decoded.
    limit = max_pixels()
    if Image.MAX_IMAGE_PIXELS is not None and limit >= 2 * Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = limit // 2 + 1  # PIL refuses at twice its own value
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                _check_size(img.height, img.width, name)
                size = _upright_size_and_draft(img, smallest)
                img.load()  # decode now so truncated files fail here, typed
                return _pil_to_bgr(img, name, apply_exif=True), size
    except UnidentifiedImageError as e:
        raise ImageLoadError(f"{name}: not a readable image") from e
    except Image.DecompressionBombError as e:
        raise ImageLoadError(f"{name}: image too large ({e})") from e
    except (OSError, SyntaxError, ValueError) as e:
        if isinstance(e, (ImageLoadError, ConfigError)):
            raise
        raise ImageLoadError(f"{name}: corrupt or truncated image ({e})") from e


def load_image(source: ImageInput) -> np.ndarray:
    """Returns a C-contiguous BGR uint8 HxWx3 image. Files and bytes get their EXIF
    orientation applied; alpha is flattened onto a contrasting background.

    Arrays are taken as OpenCV lays them out (BGR/BGRA); PIL images as RGB/RGBA."""
    return load_image_for(source, None)[0]


def load_image_for(source: ImageInput, smallest: SmallestSize | None) -> tuple[np.ndarray, Size]:
    """load_image for a consumer that may need less than the whole image: a JPEG file or bytes
    at least twice as large as smallest(height, width) on both sides is decoded at 1/2, 1/4 or
    1/8 of its size (DCT scaling), never below smallest. Returns (image, the source's upright
    (height, width)); anything else is decoded as load_image does."""
    if isinstance(source, np.ndarray):
        # The common case touches the least code: right after the previous image's networks
        # ran, every Python step here is slow (the full checks took ~90 us, measured).
        shape = source.shape
        if (
            len(shape) == 3
            and shape[2] == 3
            and source.dtype == np.uint8
            and source.flags.c_contiguous
            and source.size
            and _size_problem(shape[0], shape[1]) is None
        ):
            return source, (shape[0], shape[1])
        arr = array_to_bgr(source, name=describe_input(source))
        return arr, (arr.shape[0], arr.shape[1])
    name = describe_input(source)
    if isinstance(source, (str, Path)):
        if str(source) == "":
            raise ImageLoadError("'': an empty string is not a file path")
        path = Path(source)
        if path.is_dir():
            raise ImageLoadError(f"{name}: is a folder, not an image file")
        if not path.exists():
            raise ImageLoadError(f"{name}: no such file")
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ImageLoadError(f"{name}: cannot read ({e.strerror})") from e
        return _decode(data, name, smallest)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _decode(bytes(source), name, smallest)
    from PIL import Image

    if isinstance(source, Image.Image):
        arr = _pil_to_bgr(source, name, apply_exif=False)
        return arr, (arr.shape[0], arr.shape[1])
    raise ImageLoadError(
        f"{name}: unsupported input type {type(source).__name__} "
        "(use a path, bytes, a numpy array or a PIL image)"
    )
