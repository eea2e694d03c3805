"""Ground-truth loaders for the evaluation data sets (ICDAR 2015 and SROIE).

Every loader returns plain Python/numpy objects keyed by an image id: the image file's stem
(``img_1`` for ``img_1.jpg`` / ``gt_img_1.txt``, ``000`` for SROIE's ``000.jpg`` /
``000.csv``), so predictions made from the image files line up with the ground truth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trt_ocr.io import IMAGE_SUFFIXES

DONT_CARE = "###"


@dataclass(frozen=True)
class GtBox:
    """One ground-truth region: a 4x2 float32 quad, its transcription, don't-care flag."""

    quad: np.ndarray
    text: str
    dont_care: bool = False


def _read_text(path: Path) -> str:
    # utf-8-sig drops a leading BOM when there is one (some IC15 files have it).
    return path.read_text(encoding="utf-8-sig")


def parse_quad_line(line: str, source: str = "<line>") -> tuple[np.ndarray, str]:
    """Parses ``x1,y1,...,x4,y4,text``: the text is every field from the 9th on, joined back
    with commas (transcriptions such as ``$5,50`` or ``B1,`` contain commas)."""
    fields = line.split(",")
    if len(fields) < 9:
        raise ValueError(f"{source}: expected 8 coordinates and a text, got {line!r}")
    try:
        coords = [float(v) for v in fields[:8]]
    except ValueError as e:
        raise ValueError(f"{source}: bad coordinate in {line!r}") from e
    quad = np.asarray(coords, dtype=np.float32).reshape(4, 2)
    return quad, ",".join(fields[8:])


def _parse_box_file(path: Path, dont_care_marker: str | None) -> list[GtBox]:
    boxes = []
    for n, raw in enumerate(_read_text(path).splitlines(), 1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        quad, text = parse_quad_line(line, f"{path}:{n}")
        boxes.append(GtBox(quad, text, dont_care_marker is not None and text == dont_care_marker))
    return boxes


def load_ic15_gt(gt_dir: str | Path, ids: Iterable[str] | None = None) -> dict[str, list[GtBox]]:
    """ICDAR 2015 detection / end-to-end ground truth: ``gt_img_N.txt`` -> ``{"img_N": [...]}``.

    ``###`` transcriptions are don't-care regions. ``ids`` restricts loading to those images.
    """
    gt_dir = Path(gt_dir)
    if ids is None:
        files = sorted(gt_dir.glob("gt_*.txt"))
    else:
        files = [gt_dir / f"gt_{i}.txt" for i in ids]
    out: dict[str, list[GtBox]] = {}
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"no ground truth file {f}")
        out[f.stem[len("gt_") :]] = _parse_box_file(f, DONT_CARE)
    return out


def load_sroie_boxes(
    box_dir: str | Path,
    ids: Iterable[str] | None = None,
) -> dict[str, list[GtBox]]:
    """SROIE text-line boxes: ``NNN.csv`` (``x1,...,y4,TEXT`` per line) -> ``{"NNN": [...]}``.

    SROIE has no don't-care marker; every line counts.
    """
    box_dir = Path(box_dir)
    files = sorted(box_dir.glob("*.csv")) if ids is None else [box_dir / f"{i}.csv" for i in ids]
    out: dict[str, list[GtBox]] = {}
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"no ground truth file {f}")
        out[f.stem] = _parse_box_file(f, None)
    return out


def parse_word_label_line(line: str, source: str = "<line>") -> tuple[str, str]:
    """``word_1.png, "JOINT"`` -> ``("word_1.png", "JOINT")``: the label is everything
    between the first and the last double quote (labels may contain quotes and commas)."""
    name, sep, rest = line.partition(",")
    first = rest.find('"')
    last = rest.rfind('"')
    if not sep or first < 0 or last <= first:
        raise ValueError(f"{source}: expected 'name, \"label\"', got {line!r}")
    return name.strip(), rest[first + 1 : last]


def load_ic15_words(gt_file: str | Path) -> dict[str, str]:
    """ICDAR 2015 cropped words: ``gt.txt`` (BOM, CRLF) -> ``{"word_1.png": "JOINT", ...}``
    in file order."""
    gt_file = Path(gt_file)
    out: dict[str, str] = {}
    for n, raw in enumerate(_read_text(gt_file).splitlines(), 1):
        if not raw.strip():
            continue
        name, label = parse_word_label_line(raw, f"{gt_file}:{n}")
        out[name] = label
    return out


def list_images(folder: str | Path) -> list[Path]:
    """Image files of a folder, in natural order (img_2 before img_10)."""
    import re

    def key(p: Path) -> list[int | str]:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]

    return sorted(
        (p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=key
    )
