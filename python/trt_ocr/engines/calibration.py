"""INT8 calibration data: which images, and the exact tensors the pipeline feeds each network.

A calibration set is a small JSON (or YAML, with PyYAML) file:

    {"name": "my-photos", "images": ["~/Pictures/**/*.jpg", "scans/*.png"],
     "exclude": ["scans/test_*"], "count": 32, "seed": 0}

Globs are relative to the file's folder; `~` and `$VARS` expand. `count` images are drawn
with `seed` from the sorted matches, so a set is reproducible.

The tensors come from running the fp32 pipeline (`trt_ocr.OCR`, our C++ pre- and
post-processing) over those images and recording each network's feeds through its public
`observe_inputs` hook: the detector's inputs are its preprocessed images, the classifier's and
recognizer's inputs are the crops of the boxes the detector found, batched and padded exactly
as at run time.

Calibration and evaluation images must be disjoint: `disjoint()` compares resolved paths and
file contents (sha256), so a copy of an evaluation image under another name is caught too.
"""

from __future__ import annotations

import glob
import json
import os
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trt_ocr.errors import EngineBuildError
from trt_ocr.io import IMAGE_SUFFIXES
from trt_ocr.models import sha256_file

if TYPE_CHECKING:
    import numpy as np


@dataclass
class CalibrationSet:
    name: str
    patterns: list[str]
    exclude: list[str] = field(default_factory=list)
    count: int = 32
    seed: int = 0
    base: Path = Path()

    @classmethod
    def load(cls, path: Path) -> CalibrationSet:
        """A set file (JSON/YAML), or a folder: every image under it (count 32, seed 0)."""
        if path.is_dir():
            return cls(name=path.name or str(path), patterns=["**/*"], base=path.resolve())
        if not path.is_file():
            raise EngineBuildError(
                f"--calib {path}: no such calibration set; int8 is calibrated on 20-50 of your "
                "own images: pass --calib FOLDER (or a set file, see calib/README.md)"
            )
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError as e:
                raise EngineBuildError(
                    f"{path}: reading YAML needs PyYAML; or write the same keys as JSON"
                ) from e
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
        if not isinstance(data, dict) or not data.get("images"):
            raise EngineBuildError(f"{path}: a calibration set needs an 'images' glob list")
        images = data["images"]
        return cls(
            name=str(data.get("name", path.stem)),
            patterns=[images] if isinstance(images, str) else list(images),
            exclude=list(data.get("exclude", [])),
            count=int(data.get("count", 32)),
            seed=int(data.get("seed", 0)),
            base=path.parent.resolve(),
        )

    def _expand(self, pattern: str) -> list[Path]:
        p = Path(os.path.expandvars(pattern)).expanduser()
        if not p.is_absolute():
            p = self.base / p
        # glob.glob, not Path.glob: patterns may hold "..", "**" and absolute roots
        return [Path(m) for m in glob.glob(str(p), recursive=True)]  # noqa: PTH207

    def candidates(self) -> list[Path]:
        found = {
            m.resolve()
            for pat in self.patterns
            for m in self._expand(pat)
            if m.suffix.lower() in IMAGE_SUFFIXES and m.is_file()
        }
        drop = {m.resolve() for pat in self.exclude for m in self._expand(pat)}
        return sorted(found - drop)

    def images(self) -> list[Path]:
        """count images drawn with seed (all of them when there are fewer)."""
        cands = self.candidates()
        if not cands:
            raise EngineBuildError(
                f"calibration set {self.name!r}: no images match {self.patterns} "
                f"(relative to {self.base}); point --calib at a set with images of your "
                "domain (20-50 are enough)"
            )
        if len(cands) <= self.count:
            return cands
        return sorted(random.Random(self.seed).sample(cands, self.count))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "images": self.patterns,
            "exclude": self.exclude,
            "count": self.count,
            "seed": self.seed,
            "base": str(self.base),
        }


def overlap(calib: Iterable[Path], evaluation: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(calibration image, evaluation image) pairs that are the same file or same bytes."""
    by_digest: dict[str, Path] = {}
    by_path: dict[Path, Path] = {}
    for c in calib:
        by_path[c.resolve()] = c
        by_digest[sha256_file(c)] = c
    pairs = []
    for e in evaluation:
        hit = by_path.get(e.resolve()) or by_digest.get(sha256_file(e))
        if hit is not None:
            pairs.append((hit, e))
    return pairs


def disjoint(calib: Sequence[Path], evaluation: Sequence[Path]) -> None:
    """Raises when an evaluation image is also a calibration image (by path or content)."""
    pairs = overlap(calib, evaluation)
    if pairs:
        shown = ", ".join(f"{c.name}={e.name}" for c, e in pairs[:5])
        raise EngineBuildError(
            f"{len(pairs)} evaluation image(s) are also calibration images "
            f"({shown}{', ...' if len(pairs) > 5 else ''}); "
            "calibration and evaluation sets must be disjoint"
        )


def without(evaluation: Sequence[Path], calib: Sequence[Path]) -> tuple[list[Path], int]:
    """evaluation minus anything that is a calibration image; (kept, dropped count)."""
    bad = {e for _, e in overlap(calib, evaluation)}
    kept = [e for e in evaluation if e not in bad]
    disjoint(calib, kept)
    return kept, len(bad)


# --- recording the pipeline's network inputs -----------------------------------------------


@dataclass
class CalibrationFeeds:
    det: list[dict[str, np.ndarray]]
    cls: list[dict[str, np.ndarray]]
    rec: list[dict[str, np.ndarray]]
    images: list[Path]

    def for_role(self, role: str) -> list[dict[str, np.ndarray]]:
        return {"det": self.det, "cls": self.cls, "rec": self.rec}[role]


def collect_feeds(
    models: Any,
    images: Sequence[Path],
    *,
    det_options: Any = None,
    max_batches: int = 48,
    seed: int = 0,
    ocr_factory: Any = None,
) -> CalibrationFeeds:
    """Runs the fp32 pipeline over images and records each network's inputs.

    models: trt_ocr.models.ResolvedModels of the fp32 ONNX files. ocr_factory: an OCR-like
    class (default trt_ocr.OCR on ONNX Runtime); what it builds must offer
    `observe_inputs(fn)`, a context manager calling fn(role, feeds) before each network run.
    """
    import numpy as np

    if ocr_factory is None:
        from trt_ocr import OCR as ocr_factory

    recorded: dict[str, list[dict[str, np.ndarray]]] = {"det": [], "cls": [], "rec": []}

    def record(role: str, feeds: Mapping[str, np.ndarray]) -> None:
        # copies: the pipeline reuses its input buffers between runs
        recorded[role].append({k: np.array(v, copy=True) for k, v in feeds.items()})

    with (
        ocr_factory(models, backend="onnxruntime", det=det_options, rec={"drop_score": 0.0}) as ocr,
        ocr.observe_inputs(record),
    ):
        for img in images:
            ocr(str(img))
    rng = random.Random(seed)

    def sample(feeds: list[dict[str, np.ndarray]]) -> list[dict[str, np.ndarray]]:
        # every image's crops get a chance, not only the first images' lines
        if len(feeds) <= max_batches:
            return feeds
        keep = sorted(rng.sample(range(len(feeds)), max_batches))
        return [feeds[i] for i in keep]

    return CalibrationFeeds(
        recorded["det"], sample(recorded["cls"]), sample(recorded["rec"]), list(images)
    )
