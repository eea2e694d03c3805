"""Step 1: Paddle inference models -> ONNX, with paddle2onnx run in a converter environment.

paddle2onnx 1.3.1 + paddlepaddle 2.6.2 read the legacy `inference.pdmodel` format (newer
paddle2onnx 2.x + Paddle 3.x fail on it); Paddle 3's `inference.json` (PIR) needs the newer
pair. Neither belongs in the runtime environment (Paddle pins old numpy/protobuf on some
platforms), so conversion runs as a subprocess in a dedicated venv under
`$TRT_OCR_HOME/venvs/<name>`, created on first use. The current interpreter is used instead
when it already has the right paddle2onnx (the `convert` extra).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trt_ocr.engines import ROLES
from trt_ocr.errors import EngineBuildError

Log = Callable[[str], None]


@dataclass(frozen=True)
class Toolchain:
    """A converter environment: the packages paddle2onnx needs for one Paddle model format."""

    name: str  # venv folder name under $TRT_OCR_HOME/venvs
    requirements: tuple[str, ...]
    paddle2onnx_version_prefix: str


LEGACY = Toolchain("convert", ("paddle2onnx==1.3.1", "paddlepaddle==2.6.2", "onnx>=1.15"), "1.3.")
# inference.json (PIR) models: Paddle 3 and paddle2onnx 2.x. Not exercised in CI.
PIR = Toolchain("convert-pir", ("paddle2onnx>=2.0", "paddlepaddle>=3.0", "onnx>=1.15"), "2.")


@dataclass(frozen=True)
class PaddleModel:
    """One Paddle inference model: the program file and its parameters."""

    program: Path  # inference.pdmodel or inference.json
    params: Path

    @property
    def format(self) -> str:
        return "pir" if self.program.suffix == ".json" else "legacy"

    @property
    def toolchain(self) -> Toolchain:
        return PIR if self.format == "pir" else LEGACY


def find_paddle_model(path: Path) -> PaddleModel:
    """The Paddle model in a folder (or named by its program file)."""
    if path.is_file():
        program = path
    else:
        candidates = [path / "inference.pdmodel", path / "inference.json"]
        found = [p for p in candidates if p.is_file()]
        if not found:
            other = sorted(path.glob("*.pdmodel")) + sorted(path.glob("*.json"))
            found = other[:1]
        if not found:
            raise EngineBuildError(f"{path}: no inference.pdmodel or inference.json")
        program = found[0]
    params = program.with_suffix(".pdiparams")
    if not params.is_file():
        raise EngineBuildError(f"{program}: its parameters file {params.name} is missing")
    return PaddleModel(program, params)


@dataclass
class ModelSource:
    """What SOURCE names: one file per role (.onnx, .pdmodel or .json) and the dictionary."""

    name: str
    files: dict[str, Path]
    dictionary: Path | None = None  # None: the characters are in the rec ONNX metadata
    dictionary_is_full: bool = False
    use_space_char: bool = True
    spec: object | None = None  # trt_ocr.models.ModelSet when SOURCE is a store name
    origin: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def is_paddle(self) -> bool:
        return any(p.suffix != ".onnx" for p in self.files.values())


def _find_role_file(folder: Path, role: str) -> Path | None:
    for cand in (folder / f"{role}.onnx", folder / role):
        if cand.is_file():
            return cand
        if cand.is_dir():
            try:
                return find_paddle_model(cand).program
            except EngineBuildError:
                onnx_files = sorted(cand.glob("*.onnx"))
                if onnx_files:
                    return onnx_files[0]
    hits = sorted(p for p in folder.glob("*.onnx") if role in p.stem.lower())
    return hits[0] if len(hits) == 1 else None


def _check_model_file(role: str, path: Path) -> None:
    """An ONNX file given for role parses as one: refused before any step copies or cleans
    the others, not halfway through the run."""
    if not path.exists():
        raise EngineBuildError(f"--{role} {path}: no such file or folder")
    if path.is_dir() or path.suffix.lower() != ".onnx":
        return  # a Paddle inference folder / file: the converter reports its problems
    import onnx

    try:
        onnx.load(str(path), load_external_data=False)
    except Exception as e:  # protobuf's DecodeError and friends share no useful base
        raise EngineBuildError(f"--{role} {path}: not a readable ONNX model ({e})") from e


def resolve_source(
    source: str,
    overrides: dict[str, Path] | None = None,
    dictionary: Path | None = None,
    name: str | None = None,
) -> ModelSource:
    """SOURCE: a model-store name, or a folder with det/cls/rec models (Paddle inference dirs
    or ONNX files), with per-role overrides (`--det/--cls/--rec`)."""
    from trt_ocr import models

    overrides = {k: Path(v) for k, v in (overrides or {}).items() if v is not None}
    if source in models.REGISTRY:
        ms = models.get(source)
        rm = models.resolve(source)
        store_files = {"det": rm.det, "cls": rm.cls, "rec": rm.rec, **overrides}
        for role, path in overrides.items():
            _check_model_file(role, path)
        d = models.set_dir(source)
        dict_path = None if ms.rec.dictionary.startswith("onnx:") else d / ms.rec.dictionary
        return ModelSource(
            name or source,
            store_files,
            dictionary or dict_path,
            ms.rec.dictionary_is_full,
            ms.rec.use_space_char,
            ms,
            f"model store: {source}",
        )
    folder = Path(source)
    if not folder.exists() and not overrides:
        known = ", ".join(sorted(models.REGISTRY))
        raise EngineBuildError(
            f"SOURCE {source!r} is neither a model-store name ({known}) nor an existing folder"
        )
    files: dict[str, Path] = {}
    for role in ROLES:
        if role in overrides:
            files[role] = overrides[role]
            continue
        found = _find_role_file(folder, role) if folder.is_dir() else None
        if found is None:
            raise EngineBuildError(
                f"{folder}: no {role} model found (expected {role}.onnx, "
                f"or {role}/inference.pdmodel); pass --{role}"
            )
        files[role] = found
    for role, path in files.items():
        _check_model_file(role, path)
    if dictionary is None and folder.is_dir():
        txts = sorted(folder.glob("*.txt")) + sorted(folder.glob("*/*.txt"))
        keys = [t for t in txts if "key" in t.name or "dict" in t.name]
        dictionary = keys[0] if keys else None
    full = False
    if dictionary is not None:
        first = dictionary.read_text(encoding="utf-8").split("\n", 1)[0].strip()
        full = first == "blank"
    return ModelSource(
        name or folder.resolve().name, files, dictionary, full, True, None, f"folder: {folder}"
    )


# --- the converter environment -------------------------------------------------------------


def _version_in(python: Path, package: str) -> str | None:
    code = (
        "import importlib.metadata as m, sys\n"
        f"try: print(m.version({package!r}))\n"
        "except m.PackageNotFoundError: sys.exit(1)"
    )
    try:
        proc = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def venv_dir(toolchain: Toolchain) -> Path:
    from trt_ocr.models import home

    return home() / "venvs" / toolchain.name


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def converter_python(toolchain: Toolchain, log: Log = print, create: bool = True) -> Path:
    """An interpreter with the toolchain's paddle2onnx: this one (the `convert` extra) or an
    isolated venv, created on demand."""
    here = Path(sys.executable)
    v = _version_in(here, "paddle2onnx")
    if (
        v
        and v.startswith(toolchain.paddle2onnx_version_prefix)
        and _version_in(here, "paddlepaddle")
    ):
        return here
    folder = venv_dir(toolchain)
    py = venv_python(folder)
    v = _version_in(py, "paddle2onnx") if py.exists() else None
    if v and v.startswith(toolchain.paddle2onnx_version_prefix):
        log(f"convert: using the isolated converter venv {folder} (paddle2onnx {v})")
        return py
    if not create:
        raise EngineBuildError(
            f"no converter environment: install the `convert` extra or "
            f"let build-engines create {folder}"
        )
    log(
        f"convert: creating an isolated converter venv at {folder} "
        f"({', '.join(toolchain.requirements)}); Paddle stays out of this environment"
    )
    folder.parent.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(folder)],
        [
            str(py),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *toolchain.requirements,
        ],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=3600)
        if proc.returncode != 0:
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-4:])
            raise EngineBuildError(
                f"creating the converter venv failed ({' '.join(cmd[:4])}...): {tail}"
            )
    return py


_CONVERT_SCRIPT = """
import json, sys
import paddle2onnx
spec = json.loads(sys.argv[1])
kwargs = dict(model_filename=spec["program"], params_filename=spec["params"],
              save_file=spec["out"], opset_version=spec["opset"],
              enable_onnx_checker=True)
if spec.get("auto_upgrade_opset") is not None:
    kwargs["auto_upgrade_opset"] = spec["auto_upgrade_opset"]
paddle2onnx.export(**kwargs)
print(json.dumps({"paddle2onnx": paddle2onnx.__version__}))
"""


def convert_paddle(
    model: PaddleModel, out: Path, opset: int = 14, log: Log = print, python: Path | None = None
) -> dict[str, object]:
    """Converts one Paddle model to ONNX at out; returns facts for the manifest."""
    py = python or converter_python(model.toolchain, log)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    spec = {
        "program": str(model.program),
        "params": str(model.params),
        "out": str(tmp),
        "opset": opset,
        "auto_upgrade_opset": True,
    }
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(py), "-c", _CONVERT_SCRIPT, json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if proc.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-6:])
        raise EngineBuildError(f"paddle2onnx failed on {model.program}: {tail}")
    tmp.replace(out)
    facts: dict[str, object] = {
        "seconds": round(time.perf_counter() - t0, 2),
        "interpreter": str(py),
        "source": str(model.program),
    }
    for line in reversed(proc.stdout.strip().splitlines()):
        if line.startswith("{"):
            facts.update(json.loads(line))
            break
    for line in (proc.stdout + proc.stderr).splitlines():
        if "opset" in line.lower() and "Use opset_version" in line:
            facts["note"] = line.strip()
    return facts


def copy_or_convert(
    src: ModelSource, out_dir: Path, opset: int = 14, log: Log = print
) -> dict[str, dict[str, object]]:
    """Writes out_dir/{det,cls,rec}.onnx: converted from Paddle or copied from ONNX."""
    out_dir.mkdir(parents=True, exist_ok=True)
    facts: dict[str, dict[str, object]] = {}
    python: Path | None = None
    for role in ROLES:
        path = src.files[role]
        out = out_dir / f"{role}.onnx"
        if path.suffix == ".onnx":
            shutil.copyfile(path, out)
            facts[role] = {"copied_from": str(path)}
            log(f"convert: {role}: copied {path}")
            continue
        model = find_paddle_model(path)
        if python is None or model.format == "pir":
            python = converter_python(model.toolchain, log)
        facts[role] = convert_paddle(model, out, opset, log, python)
        log(
            f"convert: {role}: {model.program} -> {out} ({facts[role]['seconds']} s, "
            f"paddle2onnx {facts[role].get('paddle2onnx', '?')} in {python})"
        )
    return facts
