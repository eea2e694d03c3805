"""build-engines' step records in a folder's manifest (the engine records and the cache
decision are the runtime's: `trt_ocr.engine_cache`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trt_ocr.engine_cache import locked, now_iso
from trt_ocr.models import sha256_file


def record_step(
    folder: Path,
    step: str,
    role: str | None,
    artifact: Path | None,
    details: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """Adds one line for a step run (and updates its latest state); returns the line.
    top: folder-wide facts (model, precision, source) stored at the manifest's top level."""
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
