"""The manifest of a folder of engines, and THE decision "cached engine usable, or rebuild
and why" (plain Python: no TensorRT needed to decide).

A folder's `manifest.json` records, per engine, the key it was built for and the plan's
sha256. `trt-ocr build-engines` writes its precision folders' manifests; the TensorRT backend
reads them (an engine build-engines left beside an ONNX file) and writes its own cache's.
Both decide with `decide()`, on keys made by `engine_key()`, so one rule answers for both.
The manifest also carries build-engines' step records (`steps`, `history`): `load` and
`locked` here are the only readers and writers of the file.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from trt_ocr.files import atomic_write
from trt_ocr.models import sha256_file
from trt_ocr.shapes import ShapeRange

MANIFEST = "manifest.json"
# 2: key = library + version + compute capability (no GPU name, no builder flags)
# 3: compute capability -> the plan's compute-capability targets (TensorRT-RTX plans run on several)
# 4: + fp32_math (TF32 turned off)
SCHEMA = 4
UNKNOWN_PRECISION = "as-onnx"  # an ONNX that build-engines did not write
# How an engine computes its fp32 convolutions and matrix multiplies: in fp32, as the ONNX says
# (TensorRTLibrary.build clears the builder's TF32 flag). Engines built before that have no
# fp32_math in their key: the builder's default then, TF32 (inputs rounded to 10-bit mantissas).
FP32_MATH = "fp32"
_FP32_MATH_BEFORE_KEYED = "tf32"


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class EngineTarget:
    """What an engine is compiled for: the inference library and the GPU architectures.

    compute_capabilities: the targets, "8.6" each, and ">12.0" for "any later one" (a
    TensorRT engine runs on its build GPU's architecture only; a TensorRT-RTX plan on each
    of its targets). A request names the GPU it runs on; a plan serves it when its targets
    cover that GPU."""

    library: str  # the Python module: "tensorrt" or "tensorrt_rtx"
    version: str
    compute_capabilities: tuple[str, ...]


def _cc_value(cc: str) -> tuple[int, int]:
    major, _, minor = cc.lstrip(">").partition(".")
    return int(major), int(minor or 0)


def covers(targets: Sequence[str], wanted: Sequence[str]) -> bool:
    """True when a plan compiled for targets runs on every compute capability in wanted."""

    def one(cc: str) -> bool:
        if cc in targets:
            return True
        return not cc.startswith(">") and any(
            t.startswith(">") and _cc_value(cc) > _cc_value(t) for t in targets
        )

    return all(one(cc) for cc in wanted)


@dataclass(frozen=True)
class EngineKey:
    """Everything that makes an engine usable for a request; a different value means a
    different engine. (Builder settings such as the workspace size change how fast an engine
    runs, not whether it runs or what it computes: they are recorded beside the key, not in it.
    TF32 changes the results: fp32_math is in the key.)"""

    onnx_sha256: str
    library: str
    library_version: str
    compute_capabilities: tuple[str, ...]
    precision: str
    profiles: tuple[tuple[tuple[int, ...], ...], ...]  # ShapeRange (min, opt, max) each
    fp32_math: str  # FP32_MATH for engines built now

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["compute_capabilities"] = list(self.compute_capabilities)
        d["profiles"] = [[list(s) for s in p] for p in self.profiles]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EngineKey:
        return cls(
            str(d["onnx_sha256"]),
            str(d["library"]),
            str(d["library_version"]),
            tuple(str(c) for c in d["compute_capabilities"]),
            str(d["precision"]),
            tuple(tuple(tuple(int(v) for v in s) for s in p) for p in d["profiles"]),
            str(d.get("fp32_math", _FP32_MATH_BEFORE_KEYED)),
        )


def engine_key(onnx_path: Path, ranges: Sequence[ShapeRange], target: EngineTarget) -> EngineKey:
    """The key of an engine of onnx_path with these optimization profiles for target. The
    precision is the one build-engines recorded for the ONNX's folder (the ONNX carries it)."""
    return EngineKey(
        sha256_file(onnx_path),
        target.library,
        target.version,
        tuple(target.compute_capabilities),
        precision_of(onnx_path),
        tuple((r.min, r.opt, r.max) for r in ranges),
        FP32_MATH,
    )


def precision_of(onnx_path: Path) -> str:
    return str(load(onnx_path.parent).get("precision") or UNKNOWN_PRECISION)


@dataclass(frozen=True)
class Decision:
    usable: bool
    reason: str


_KEY_WORDS = {
    "onnx_sha256": "the ONNX file changed",
    "library": "inference library",
    "library_version": "library version",
    "compute_capabilities": "compute capability",
    "precision": "precision",
    "profiles": "optimization profiles",
    "fp32_math": "fp32 math",
}


def _short(v: Any) -> str:
    s = v if isinstance(v, str) else json.dumps(v)
    return s if len(s) <= 60 else s[:28] + "…" + s[-28:]


def differences(old: EngineKey, new: EngineKey) -> list[str]:
    """Readable differences between two keys, empty when they match."""
    od, nd = old.to_dict(), new.to_dict()
    out = []
    for k, words in _KEY_WORDS.items():
        if od[k] == nd[k]:
            continue
        if k == "compute_capabilities":
            if not covers(old.compute_capabilities, new.compute_capabilities):
                have, want = " ".join(old.compute_capabilities), " ".join(new.compute_capabilities)
                out.append(f"{words}: the engine's targets {have} do not include {want}")
        elif k == "onnx_sha256":
            out.append(f"{words} (sha256 {od[k][:12]} -> {nd[k][:12]})")
        elif k == "profiles":
            out.append(f"{words}: {_profiles_text(old)} -> {_profiles_text(new)}")
        else:
            out.append(f"{words}: {_short(od[k])} -> {_short(nd[k])}")
    return out


def _profiles_text(key: EngineKey) -> str:
    return "; ".join(str(ShapeRange(*p)) for p in key.profiles) or "none"


def decide(
    manifest: Mapping[str, Any] | None,
    role: str,
    engine_path: Path,
    key: EngineKey,
    deserializes: Callable[[Path], str | None] | None = None,
    *,
    force: bool = False,
) -> Decision:
    """Whether the engine at engine_path, recorded for role in manifest, can serve key.

    Rebuild (usable=False, with the reason) when: forced; no record; no engine file; any key
    field differs (compute capabilities: the recorded targets do not cover the requested
    ones); the file's sha256 is not the recorded one; deserializes(path) returns an error
    (called last, on a verified file only: a plan is code-like input). deserializes None: a
    machine that cannot deserialize (no GPU), where the verified sha256 is the last check."""
    if force:
        return Decision(False, "rebuild forced (--force)")
    rec = (manifest or {}).get("engines", {}).get(role)
    if rec is None:
        return Decision(False, f"no {role} engine recorded in the manifest")
    if not engine_path.is_file():
        return Decision(False, f"{engine_path.name} is missing")
    try:
        old = EngineKey.from_dict(rec["key"])
    except (KeyError, TypeError, ValueError) as e:
        return Decision(False, f"the manifest entry is unreadable or from an older version ({e!r})")
    diffs = differences(old, key)
    if diffs:
        return Decision(False, "; ".join(diffs))
    if sha256_file(engine_path) != rec.get("engine_sha256"):
        return Decision(False, f"{engine_path.name} does not match its recorded sha256")
    if deserializes is not None:
        err = deserializes(engine_path)
        if err:
            return Decision(False, f"the engine failed to deserialize ({err})")
    if deserializes is None:
        return Decision(
            True,
            "manifest matches (ONNX, library, compute capability, precision, profiles, fp32 "
            "math) and the plan's sha256 is verified; not deserialized (no usable GPU here)",
        )
    return Decision(True, "manifest matches (ONNX, library, GPU, precision, profiles, fp32 math)")


# --- reading and writing -------------------------------------------------------------------


def _empty() -> dict[str, Any]:
    return {"schema": SCHEMA, "steps": {}, "history": [], "engines": {}}


def load(folder: Path) -> dict[str, Any]:
    """The folder's manifest (an empty one when there is none or it is unreadable)."""
    p = folder / MANIFEST
    if not p.is_file():
        return _empty()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {**_empty(), "corrupt": True}
    if not isinstance(data, dict):
        return {**_empty(), "corrupt": True}
    for k, v in _empty().items():
        data.setdefault(k, v)
    return data


@contextmanager
def locked(folder: Path) -> Iterator[dict[str, Any]]:
    """Loads the manifest under a file lock, yields it for editing, saves it on exit."""
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / (MANIFEST + ".lock")), timeout=600):
        data = load(folder)
        yield data
        data.pop("corrupt", None)
        data["schema"] = SCHEMA
        data["updated"] = now_iso()
        atomic_write(folder / MANIFEST, json.dumps(data, indent=1, sort_keys=True) + "\n")


def record_engine(
    folder: Path,
    role: str,
    key: EngineKey,
    engine_path: Path,
    build_seconds: float,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Records a freshly built engine: its key, sha256 and how it was built (extra)."""
    with locked(folder) as m:
        m["engines"][role] = {
            "key": key.to_dict(),
            "engine": engine_path.name,
            "engine_sha256": sha256_file(engine_path),
            "build_seconds": round(build_seconds, 1),
            "built_at": now_iso(),
            **(extra or {}),
        }
        m["history"].append({"step": "engine", "role": role, "time": now_iso()})
