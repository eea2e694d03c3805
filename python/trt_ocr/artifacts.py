"""The layout of what `trt-ocr build-engines` writes, and how the runtime finds it again.

    engines/<model>/source/{det,cls,rec}.onnx         converted (or copied) originals
    engines/<model>/<precision>/{det,cls,rec}.onnx    cleaned fp32 / mixed fp16 / Q/DQ int8
    engines/<model>/<precision>/{det,cls,rec}.engine  TensorRT plans (GPU machines only)
    engines/<model>/<precision>/manifest.json         one line per step + engine cache keys
    engines/<model>/<precision>/dict.txt              the recognizer's characters
    engines/<model>/report.{json,md}                  accuracy per precision vs fp32

`resolve_precision` turns such a folder into `trt_ocr.models.ResolvedModels`, so
`OCR(model="ppocr-v4-mobile", precision="int8")` runs the INT8 ONNX on ONNX Runtime. A runtime
module: the engine-building package (`trt_ocr.engines`) writes this layout through it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from trt_ocr.errors import ModelError
from trt_ocr.files import atomic_write
from trt_ocr.shapes import ROLES

PRECISIONS = ("fp32", "fp16", "int8")

DICT_FILE = "dict.txt"


def default_engines_dir() -> Path:
    """$TRT_OCR_ENGINES, else ./engines when it exists, else $TRT_OCR_HOME/engines."""
    env = os.environ.get("TRT_OCR_ENGINES")
    if env:
        return Path(env).expanduser()
    local = Path("engines")
    if local.is_dir():
        return local
    from trt_ocr.models import home

    return home() / "engines"


def model_dir(engines_dir: Path, model: str) -> Path:
    return engines_dir / model


def precision_dir(engines_dir: Path, model: str, precision: str) -> Path:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    return engines_dir / model / precision


def source_dir(engines_dir: Path, model: str) -> Path:
    return engines_dir / model / "source"


def onnx_paths(folder: Path) -> dict[str, Path]:
    return {role: folder / f"{role}.onnx" for role in ROLES}


def spec_for(model: str) -> Any:
    """The store's ModelSet for model as an ONNX set (a converted Paddle set runs as ONNX)."""
    from trt_ocr import models

    if model not in models.REGISTRY:
        return None
    spec = models.get(model)
    if spec.format != "onnx":
        spec = dataclasses.replace(spec, format="onnx")
    return spec


def write_dictionary(folder: Path, text: str, is_full: bool, use_space_char: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / DICT_FILE
    atomic_write(p, text)
    atomic_write(
        folder / (DICT_FILE + ".json"),
        json.dumps({"dictionary_is_full": is_full, "use_space_char": use_space_char}) + "\n",
    )
    return p


def read_characters(folder: Path, rec: Path) -> list[str]:
    from trt_ocr import models

    p = folder / DICT_FILE
    if not p.is_file():
        return models.load_characters(None, rec, None)
    meta_path = folder / (DICT_FILE + ".json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    spec = models.RecSpec(
        (),
        dictionary=DICT_FILE,
        dictionary_is_full=bool(meta.get("dictionary_is_full", False)),
        use_space_char=bool(meta.get("use_space_char", True)),
    )
    return models.load_characters(spec, rec, p)


def resolve_folder(folder: Path, name: str) -> Any:
    from trt_ocr import models

    paths = onnx_paths(folder)
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise ModelError(f"{folder} lacks {', '.join(missing)}")
    spec = spec_for(name)
    return models.ResolvedModels(
        name, paths["det"], paths["cls"], paths["rec"], read_characters(folder, paths["rec"]), spec
    )


def resolve_precision(model: str, precision: str, engines_dir: Path | None = None) -> Any:
    """ResolvedModels of the <precision> ONNX files build-engines wrote for model."""
    root = Path(engines_dir) if engines_dir is not None else default_engines_dir()
    folder = precision_dir(root, model, precision)
    if not folder.is_dir():
        raise ModelError(
            f"no {precision} build of {model!r} in {root}; run: trt-ocr build-engines {model} "
            f"--precision {precision} --out {root}"
        )
    return resolve_folder(folder, model)
