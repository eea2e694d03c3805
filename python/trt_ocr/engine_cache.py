"""The build manifest of one output folder, and the engine cache decision (plain Python).

`engines/<model>/<precision>/manifest.json` records one line per step run (its artifact and
sha256) and, per engine, the key it was built for: ONNX sha256, TensorRT version, GPU name and
compute capability, precision, optimization profiles and builder settings. `decide()` says
whether an engine on disk can be reused; any mismatch, a missing or changed engine file, or a
failed deserialisation means a rebuild, with the reason spelled out.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trt_ocr.models import sha256_file

MANIFEST = "manifest.json"
SCHEMA = 1


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class EngineKey:
    """Everything an engine depends on: a different value means a different engine."""

    onnx_sha256: str
    tensorrt_version: str
    gpu_name: str
    compute_capability: str  # "8.6"
    precision: str
    profiles: tuple[dict[str, Any], ...]  # Profile.to_dict() of each, in order
    builder: dict[str, Any] = field(default_factory=dict)  # workspace, opt level, flags

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["profiles"] = list(self.profiles)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EngineKey:
        return cls(
            d["onnx_sha256"],
            d["tensorrt_version"],
            d["gpu_name"],
            d["compute_capability"],
            d["precision"],
            tuple(d["profiles"]),
            dict(d.get("builder", {})),
        )


@dataclass(frozen=True)
class Decision:
    build: bool
    reason: str


_FIELD_WORDS = {
    "onnx_sha256": "the ONNX file changed",
    "tensorrt_version": "TensorRT version",
    "gpu_name": "GPU",
    "compute_capability": "GPU compute capability",
    "precision": "precision",
    "profiles": "optimization profiles",
    "builder": "builder settings",
}


def _short(v: Any) -> str:
    s = json.dumps(v, sort_keys=True) if not isinstance(v, str) else v
    return s if len(s) <= 40 else s[:16] + "…" + s[-8:]


def compare_keys(old: EngineKey, new: EngineKey) -> list[str]:
    """Human-readable differences, empty when the keys match."""
    diffs = []
    od, nd = old.to_dict(), new.to_dict()
    for k, words in _FIELD_WORDS.items():
        if od[k] != nd[k]:
            if k == "onnx_sha256":
                diffs.append(f"{words} (sha256 {od[k][:12]} -> {nd[k][:12]})")
            else:
                diffs.append(f"{words}: {_short(od[k])} -> {_short(nd[k])}")
    return diffs


def decide(
    manifest: dict[str, Any] | None,
    role: str,
    engine_path: Path,
    key: EngineKey,
    deserializes: Callable[[Path], str | None] | None = None,
    force: bool = False,
) -> Decision:
    """Reuse or rebuild the engine for role. deserializes(path) returns None when the
    engine loads, else the error; it is only called when everything else matches."""
    if force:
        return Decision(True, "rebuild forced (--force)")
    rec = (manifest or {}).get("engines", {}).get(role)
    if rec is None:
        return Decision(True, "no engine recorded in the manifest")
    if not engine_path.is_file():
        return Decision(True, f"{engine_path.name} is missing")
    try:
        old = EngineKey.from_dict(rec["key"])
    except (KeyError, TypeError) as e:
        return Decision(True, f"the manifest entry is unreadable ({e!r})")
    diffs = compare_keys(old, key)
    if diffs:
        return Decision(True, "; ".join(diffs))
    want = rec.get("engine_sha256")
    if want and sha256_file(engine_path) != want:
        return Decision(True, f"{engine_path.name} does not match its recorded sha256")
    if deserializes is not None:
        err = deserializes(engine_path)
        if err:
            return Decision(True, f"the engine failed to deserialise ({err})")
    return Decision(False, "manifest matches (ONNX, TensorRT, GPU, precision, profiles)")


# --- reading and writing -------------------------------------------------------------------


def load(folder: Path) -> dict[str, Any]:
    p = folder / MANIFEST
    if not p.is_file():
        return {"schema": SCHEMA, "steps": {}, "history": [], "engines": {}}
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"schema": SCHEMA, "steps": {}, "history": [], "engines": {}, "corrupt": True}
    data.setdefault("steps", {})
    data.setdefault("history", [])
    data.setdefault("engines", {})
    return data


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    Path(tmp).replace(path)


@contextmanager
def locked(folder: Path) -> Iterator[dict[str, Any]]:
    """Loads the manifest under a file lock, yields it for editing, saves it on exit."""
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / (MANIFEST + ".lock")), timeout=600):
        data = load(folder)
        yield data
        data["schema"] = SCHEMA
        data["updated"] = now_iso()
        _write_atomic(folder / MANIFEST, json.dumps(data, indent=1, sort_keys=True) + "\n")


def record_step(
    folder: Path,
    step: str,
    role: str | None,
    artifact: Path | None,
    details: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """Adds one line for a step run (and updates its latest state); returns the line."""
    line: dict[str, Any] = {"step": step, "role": role, "time": now_iso()}
    if artifact is not None and artifact.is_file():
        line["artifact"] = artifact.name
        line["sha256"] = sha256_file(artifact)
    if details:
        line["details"] = details
    with locked(folder) as m:
        m.update({k: v for k, v in top.items() if v is not None})
        m["steps"][f"{step}/{role}" if role else step] = line
        m["history"].append(
            {k: line[k] for k in ("step", "role", "time") if k in line}
            | ({"sha256": line["sha256"]} if "sha256" in line else {})
        )
    return line


def record_engine(
    folder: Path,
    role: str,
    key: EngineKey,
    engine_path: Path,
    build_seconds: float,
    extra: dict[str, Any] | None = None,
) -> None:
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
