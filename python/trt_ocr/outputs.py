"""Where results are written: every output path is checked before any work starts, annotated
images get names that cannot collide, and files are written atomically.

Nothing a user gave is overwritten: an output that is one of the inputs is always refused; an
existing file is replaced only when trt-ocr wrote it (a re-run) or with force=True."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trt_ocr import files
from trt_ocr.errors import OutputPathError

# Written into every PNG trt-ocr saves (tEXt "Software"), so a re-run may replace it.
PNG_SOFTWARE = "trt-ocr"
ANNOTATED_SUFFIX = ".ocr.png"
# Subtitle files carry the same mark: WebVTT in a NOTE block, the video JSON document in its
# "generator" field; SubRip has no comments, so SRT (and every video output) also gets an
# extended attribute where the file system keeps them.
SUBTITLE_NOTE = "NOTE written by trt-ocr"
VIDEO_JSON_GENERATOR = "trt-ocr video"
MARK_XATTR = "user.trt-ocr"


def atomic_write(path: Path, data: bytes, *, mark: bool = False) -> None:
    """data as path's new content (`trt_ocr.files.atomic_file`); mark: also tag the file as
    written by trt-ocr in an extended attribute (when the file system keeps them)."""
    with files.atomic_file(path, before_rename=_set_mark if mark else None) as f:
        f.write(data)


def png_bytes(rgb: object) -> bytes:
    """An RGB uint8 array encoded as PNG, marked as written by trt-ocr."""
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Software", PNG_SOFTWARE)
    buf = io.BytesIO()
    # Level 1: annotated pictures are large and looked at once; encode time matters more.
    Image.fromarray(rgb).save(buf, format="PNG", pnginfo=info, compress_level=1)  # type: ignore[arg-type]
    return buf.getvalue()


def _set_mark(path: Path) -> None:
    setxattr = getattr(os, "setxattr", None)
    if setxattr is not None:
        # No extended attributes here: a re-run then needs --force for its SRT files.
        with contextlib.suppress(OSError):
            setxattr(path, MARK_XATTR, PNG_SOFTWARE.encode())


def _has_mark(path: Path) -> bool:
    getxattr = getattr(os, "getxattr", None)
    if getxattr is None:
        return False
    try:
        return bool(getxattr(path, MARK_XATTR) == PNG_SOFTWARE.encode())
    except OSError:
        return False


def is_annotated_image(path: Path) -> bool:
    """An annotated image trt-ocr wrote (NAME.ocr.png or NAME.ocr-K.png, carrying its mark)."""
    name = path.name.lower()
    if not (name.endswith(ANNOTATED_SUFFIX) or (".ocr-" in name and name.endswith(".png"))):
        return False
    return written_by_trt_ocr(path)


def _is_result_dict(d: object) -> bool:
    return isinstance(d, dict) and (
        ("lines" in d and "image_size" in d)
        or ("error" in d and "source" in d)
        or {"path", "text", "boxes", "scores", "error"} <= d.keys()  # a JSON Lines row (--ray)
    )


def written_by_trt_ocr(path: Path) -> bool:
    """True when path holds a file trt-ocr writes: an annotated PNG carrying our mark, a
    JSON document of OCR results, a subtitle file or video JSON document trt-ocr wrote."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except OSError:
        return False
    if _has_mark(path):
        return True
    if head.startswith(b"WEBVTT"):
        try:
            return SUBTITLE_NOTE in path.read_text(encoding="utf-8").split("\n\n", 2)[1]
        except (OSError, ValueError, IndexError):
            return False
    if head.startswith(b"\x89PNG"):
        from PIL import Image

        try:
            with Image.open(path) as img:
                return bool(img.info.get("Software") == PNG_SOFTWARE)
        except (OSError, SyntaxError, ValueError):
            return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return False
    try:
        doc = json.loads(text)
    except ValueError:
        try:  # JSON Lines: every line a result row
            doc = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            return False
        if not doc:
            return False
    if isinstance(doc, list):
        return all(_is_result_dict(d) for d in doc)
    if isinstance(doc, dict) and doc.get("generator") == VIDEO_JSON_GENERATOR:
        return True
    return _is_result_dict(doc)


@dataclass
class OutputPlan:
    json_file: Path | None = None  # None: no JSON file (stdout or none)
    annotated: dict[Path, Path] = field(default_factory=dict)  # input -> annotated image


def _ensure_folder(folder: Path, option: str, shown: str) -> None:
    try:
        if folder.exists() and not folder.is_dir():
            raise OutputPathError(f"{option} {shown}: {folder} exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputPathError(f"{option} {shown}: cannot create {folder} ({e.strerror})") from e
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {shown}: folder {folder} is not writable")
    problem = files.can_create_in(folder)
    if problem is not None:
        raise OutputPathError(
            f"{option} {shown}: cannot create files in {folder} ({problem.strerror or problem})"
        )


def _check_target(
    target: Path, inputs: set[Path], force: bool, option: str, shown: str | None = None
) -> None:
    shown = shown if shown is not None else str(target)
    name_bytes = len(os.fsencode(target.name))
    if name_bytes > files.NAME_MAX:
        raise OutputPathError(
            f"{option} {shown}: the file name {target.name[:40]}... is {name_bytes} bytes, "
            f"more than the {files.NAME_MAX} a file system takes"
        )
    try:
        resolved = target.resolve()
        if resolved in inputs:
            raise OutputPathError(
                f"{option} {shown}: {target} is one of the inputs; refusing to overwrite it"
            )
        if resolved.is_dir():
            raise OutputPathError(f"{option} {shown}: {target} is a folder, not a file")
        if resolved.exists() and not force and not written_by_trt_ocr(resolved):
            raise OutputPathError(
                f"{option} {shown}: {target} already exists and was not written by trt-ocr "
                "(use --force to replace it)"
            )
    except OSError as e:  # e.g. a folder in the path is too long or cannot be searched
        raise OutputPathError(f"{option} {shown}: cannot use {target} ({e.strerror})") from e


def annotated_names(inputs: Sequence[Path], folder: Path) -> dict[Path, Path]:
    """Annotated-image path for each input: the input's path relative to the inputs' common
    folder, mirrored under folder, as NAME.ocr.png. Inputs that would still share a name
    (x.png and x.jpg) keep their suffix (x.png.ocr.png); a counter settles anything left."""
    resolved = [p.resolve() for p in inputs]
    if not resolved:
        return {}
    root = Path(os.path.commonpath([str(p.parent) for p in resolved]))
    rel = [p.relative_to(root) for p in resolved]
    names = [r.parent / (r.stem + ANNOTATED_SUFFIX) for r in rel]
    counts: dict[Path, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    names = [
        r.parent / (r.name + ANNOTATED_SUFFIX) if counts[n] > 1 else n
        for r, n in zip(rel, names, strict=True)
    ]
    taken: set[Path] = set()
    out: dict[Path, Path] = {}
    for p, n in zip(inputs, names, strict=True):
        candidate, k = n, 2
        while candidate in taken:
            candidate = n.with_name(f"{n.name[: -len(ANNOTATED_SUFFIX)]}.ocr-{k}.png")
            k += 1
        taken.add(candidate)
        out[p] = folder / candidate
    return out


def plan_outputs(
    inputs: Sequence[Path], json_arg: str | None, draw_arg: str | None, *, force: bool = False
) -> OutputPlan:
    """Checks every output path before any work and creates the folders they need. Raises
    OutputPathError (naming the option and the path) when an output would overwrite an input
    or a file trt-ocr did not write, or cannot be written."""
    input_set = {p.resolve() for p in inputs}
    plan = OutputPlan()
    if json_arg is not None and json_arg != "-":
        target = Path(json_arg)
        if json_arg == "" or target.name == "":
            raise OutputPathError(f"--json {json_arg!r}: not a file name")
        _check_target(target, input_set, force, "--json")
        _ensure_folder(target.parent, "--json", json_arg)
        plan.json_file = target
    if draw_arg is not None:
        folder = Path(draw_arg)
        if draw_arg == "":
            raise OutputPathError("--draw '': not a folder name")
        if folder.resolve() in input_set:
            raise OutputPathError(f"--draw {draw_arg}: {folder} is one of the inputs")
        _ensure_folder(folder, "--draw", draw_arg)
        plan.annotated = annotated_names(inputs, folder)
        for target in plan.annotated.values():
            _check_target(target, input_set, force, "--draw", draw_arg)
        if plan.json_file is not None and plan.json_file.resolve() in {
            t.resolve() for t in plan.annotated.values()
        }:
            raise OutputPathError(f"--json {json_arg}: is also an annotated image's path")
    return plan


def plan_video_outputs(
    video: str, targets: dict[str, str | None], *, force: bool = False
) -> dict[str, Path]:
    """Checks the video command's outputs ({"--srt": path or None, ...}) before any work, with
    the rules of plan_outputs: never the video itself, never a file trt-ocr did not write
    (unless force), never two outputs in one file. Returns option -> path for those given."""
    inputs = {Path(video).resolve()} if "://" not in video else set()
    out: dict[str, Path] = {}
    for option, arg in targets.items():
        if arg is None:
            continue
        target = Path(arg)
        if arg == "" or target.name == "":
            raise OutputPathError(f"{option} {arg!r}: not a file name")
        _check_target(target, inputs, force, option)
        _ensure_folder(target.parent, option, arg)
        for other, path in out.items():
            if path.resolve() == target.resolve():
                raise OutputPathError(f"{option} {arg}: is also the {other} file")
        out[option] = target
    return out
