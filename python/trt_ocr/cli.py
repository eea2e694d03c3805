"""`trt-ocr` command line: OCR of images, the model store, and engine building.

Heavy imports (numpy, the networks' runtimes) happen inside the commands, so --help is
instant."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from trt_ocr.cli_common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_SOME_INPUTS_FAILED,
    EXIT_USAGE,
    add_model_args,
    add_pipeline_group,
    ocr_kwargs,
    setup_failed,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def _expand_inputs(
    items: Sequence[str], skip_under: Path | None = None
) -> tuple[list[Path], list[Path]]:
    """(inputs, skipped): files named, and the images inside folders named, each once. Inside
    folders our own output is not an input: images under skip_under (this run's --draw
    folder), and annotated images trt-ocr wrote elsewhere (NAME.ocr.png carrying its mark,
    e.g. an earlier run's --draw folder), which are returned as skipped."""
    from pathlib import Path

    from trt_ocr.io import IMAGE_SUFFIXES, files_under
    from trt_ocr.outputs import is_annotated_image

    out: list[Path] = []
    skipped: list[Path] = []
    seen: set[Path] = set()
    skip = skip_under.resolve() if skip_under is not None else None

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for item in items:
        p = Path(item)
        if p.is_dir():
            for q in files_under(p):
                if q.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                if skip is not None and q.resolve().is_relative_to(skip):
                    continue
                if is_annotated_image(q):
                    skipped.append(q)
                    continue
                add(q)
        else:
            add(p)  # missing files are reported when read, with the others going on
    return out, skipped


def _say_skipped(skipped: Sequence[Path], quiet: bool) -> None:
    if skipped and not quiet:
        print(
            f"trt-ocr: skipped {len(skipped)} annotated image(s) trt-ocr wrote, e.g. "
            f"{skipped[0]} (name such a file to OCR it)",
            file=sys.stderr,
        )


def cmd_ocr(args: argparse.Namespace) -> int:
    import json
    import warnings
    from pathlib import Path

    from trt_ocr.errors import OutputPathError, TrtOcrError
    from trt_ocr.outputs import plan_outputs

    if args.ray is not None:
        return cmd_ocr_ray(args)
    draw_dir = Path(args.draw) if args.draw is not None else None
    inputs, skipped = _expand_inputs(args.inputs, skip_under=draw_dir)
    _say_skipped(skipped, args.quiet)
    if not inputs:
        print("trt-ocr: no input images", file=sys.stderr)
        return EXIT_USAGE
    # Every output path is checked before any model loads: a bad one costs nothing.
    try:
        plan = plan_outputs(inputs, args.json, args.draw, force=args.force)
    except OutputPathError as e:
        print(f"trt-ocr: {e}", file=sys.stderr)
        return EXIT_USAGE

    import numpy as np

    from trt_ocr import OCR
    from trt_ocr.io import load_image
    from trt_ocr.outputs import atomic_write, png_bytes

    try:
        ocr = OCR(**ocr_kwargs(args))
    except (TrtOcrError, ValueError) as e:
        return setup_failed(e)
    text_out = args.json != "-"
    show_progress = len(inputs) > 1 and sys.stderr.isatty() and not args.quiet
    failures = 0
    records: list[dict[str, Any]] = []
    for n, path in enumerate(inputs, 1):
        if show_progress:
            print(f"\r[{n}/{len(inputs)}] {path.name[:50]:<50}", end="", file=sys.stderr)
        try:
            image = load_image(path)  # once, for the OCR and the annotated image
            res = ocr(image, det=not args.rec_only, rec=not args.det_only)
            res.source = str(path)
            if path in plan.annotated:
                target = plan.annotated[path]
                target.parent.mkdir(parents=True, exist_ok=True)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    picture = res.draw(image)
                del image
                for w in caught:
                    print(f"trt-ocr: warning: {w.message}", file=sys.stderr)
                atomic_write(target, png_bytes(picture[..., ::-1]))
        except (TrtOcrError, ValueError, OSError) as e:
            failures += 1
            if show_progress:
                print(file=sys.stderr)
            print(f"trt-ocr: {e}", file=sys.stderr)
            records.append({"source": str(path), "error": str(e)})
            continue
        records.append(res.to_dict())
        if text_out:
            if len(inputs) > 1:
                print(f"== {path}")
            for line in res.lines:
                if args.det_only:
                    print(json.dumps(np.round(line.box, 1).tolist()))
                else:
                    print(line.text if args.quiet else f"{line.score:.3f}\t{line.text}")
            if path in plan.annotated and not args.quiet and args.json is None:
                print(f"annotated image: {plan.annotated[path]}", file=sys.stderr)
    if show_progress:
        print(file=sys.stderr)
    if args.json is not None:
        text = json.dumps(records if len(inputs) > 1 else records[0], ensure_ascii=False, indent=2)
        if plan.json_file is None:
            print(text)
        else:
            try:
                atomic_write(plan.json_file, (text + "\n").encode("utf-8"))
            except OSError as e:  # checked before the run, but the disk may fill up since
                print(text)  # the results are not lost: they go to stdout instead
                print(
                    f"trt-ocr: --json {args.json}: cannot write it ({e}); the results "
                    "went to stdout",
                    file=sys.stderr,
                )
                return EXIT_ERROR
    return EXIT_SOME_INPUTS_FAILED if failures else EXIT_OK


def cmd_ocr_ray(args: argparse.Namespace) -> int:
    """trt-ocr ocr ... --ray: the images OCR'd by actors on a Ray cluster, one JSON Lines row
    per image (trt_ocr.ray's columns) into the --json file."""
    from pathlib import Path

    from trt_ocr.errors import OutputPathError, TrtOcrError
    from trt_ocr.outputs import plan_outputs

    usage = None
    if args.json is None:
        usage = "--ray needs --json FILE (JSON Lines, or '-' for stdout)"
    elif args.draw is not None or args.det_only or args.rec_only:
        usage = "--draw, --det-only and --rec-only are not available with --ray"
    elif args.ray and Path(args.ray).exists():
        usage = f"--ray {args.ray}: is a file, not a cluster address (write --ray=ADDRESS)"
    if usage is not None:
        print(f"trt-ocr: {usage}", file=sys.stderr)
        return EXIT_USAGE
    # Bucket and other URIs go to Ray as they are; local files and folders are expanded as
    # without --ray (so the output checks see every input).
    uris = [item for item in args.inputs if "://" in item]
    local, skipped = _expand_inputs([item for item in args.inputs if "://" not in item])
    _say_skipped(skipped, args.quiet)
    if not uris and not local:
        print("trt-ocr: no input images", file=sys.stderr)
        return EXIT_USAGE
    try:
        plan = plan_outputs(local, args.json, None, force=args.force)
    except OutputPathError as e:
        print(f"trt-ocr: {e}", file=sys.stderr)
        return EXIT_USAGE

    try:
        import ray
    except ImportError:
        print("trt-ocr: --ray needs Ray: pip install 'trt-ocr[ray]'", file=sys.stderr)
        return EXIT_ERROR
    from trt_ocr import ray as trt_ray

    kwargs = ocr_kwargs(args)
    try:  # what each actor would refuse, refused once here, before Ray starts
        _check_ocr_settings(kwargs)
    except (TrtOcrError, ValueError) as e:
        return setup_failed(e)
    if not ray.is_initialized():
        ray.init(address=args.ray or None, log_to_driver=False)
    parts = []
    if local:
        parts.append(trt_ray.path_dataset([str(p) for p in local]))
    if uris:
        try:
            parts.append(trt_ray.read_image_files(uris))
        except Exception as e:  # pyarrow's file systems: no credentials, no network, no bucket
            print(f"trt-ocr: cannot list {', '.join(uris)}: {_first_line(e)}", file=sys.stderr)
            return EXIT_ERROR
    ds = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])
    ds = trt_ray.map_ocr(ds, concurrency=args.ray_actors, num_gpus=args.ray_gpus, **kwargs)
    try:
        images, failed = trt_ray.write_json_lines(
            trt_ray.iter_rows(ds),
            plan.json_file,
            on_error=lambda row: print(f"trt-ocr: {row['error']}", file=sys.stderr),
        )
    except (TrtOcrError, ValueError) as e:
        print(f"trt-ocr: {e}", file=sys.stderr)
        return EXIT_ERROR
    except ray.exceptions.RayError as e:  # an actor died: its cause, not Ray's traceback
        print(f"trt-ocr: --ray: {_ray_cause(e)}", file=sys.stderr)
        return EXIT_ERROR
    if not args.quiet and plan.json_file is not None:
        print(f"{images} images, {failed} unreadable: {plan.json_file}", file=sys.stderr)
    return EXIT_SOME_INPUTS_FAILED if failed else EXIT_OK


def _check_ocr_settings(kwargs: dict[str, Any]) -> None:
    """Raises what OCR(**kwargs) would raise for its options and model-set name, without
    loading anything (--backend is held to the known names by its choices)."""
    from trt_ocr import models
    from trt_ocr.options import ClsOptions, DetOptions, RecOptions, build_options

    for cls, key in ((DetOptions, "det"), (ClsOptions, "cls"), (RecOptions, "rec")):
        build_options(cls, kwargs.get(key), key)
    if isinstance(kwargs.get("model"), str):
        models.get(kwargs["model"])


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def _ray_cause(e: BaseException) -> str:
    """The error that ended a Ray job, as one line: a trt-ocr error raised in an actor when
    there is one (Ray wraps it in its own), else the first line of Ray's message."""
    import re

    found = re.search(r"trt_ocr\.errors\.(\w+): (.+)", str(e))
    return f"{found.group(1)}: {found.group(2)}" if found else _first_line(e)


def cmd_models(args: argparse.Namespace) -> int:
    from trt_ocr import TrtOcrError, models

    try:
        if args.action == "list":
            print(models.describe())
        elif args.action == "pull":
            for name in args.names or [models.DEFAULT_MODEL]:
                before = models.status(name)
                path = models.pull(name, force=args.force, log=lambda m: print(m, file=sys.stderr))
                state = (
                    "already cached"
                    if all(v == "ok" for v in before.values()) and not args.force
                    else "pulled"
                )
                print(f"{name}: {state}, verified: {path}")
        elif args.action == "path":
            for name in args.names or [models.DEFAULT_MODEL]:
                print(models.set_dir(name))
        elif args.action == "verify":
            unfit: list[str] = []
            for name in args.names or list(models.REGISTRY):
                for fname, st in models.status(name).items():
                    print(f"{name}\t{fname}\t{st}")
                    if st != "ok" and name not in unfit:
                        unfit.append(name)
            if unfit:
                print(
                    f"trt-ocr: 'trt-ocr models pull {' '.join(unfit)}' fetches what is missing "
                    "or corrupt again",
                    file=sys.stderr,
                )
            return EXIT_ERROR if unfit else EXIT_OK
    except TrtOcrError as e:
        print(f"trt-ocr: {e}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def _add_pipeline_args(p: argparse.ArgumentParser) -> None:
    g = add_pipeline_group(p)
    stage = g.add_mutually_exclusive_group()
    stage.add_argument("--det-only", action="store_true", help="detection only (boxes)")
    stage.add_argument(
        "--rec-only",
        action="store_true",
        help="recognition only: each input is one text-line image",
    )


def _add_ocr_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="IMAGE_OR_DIR")
    p.add_argument(
        "--json",
        metavar="FILE",
        help="write the results as JSON to FILE ('-': to stdout instead of the text)",
    )
    p.add_argument(
        "--draw",
        metavar="DIR",
        help="write annotated images into DIR, mirroring the inputs' folders (NAME.ocr.png)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace existing output files that trt-ocr did not write (never an input)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="text only, no scores/progress")
    _add_ray_args(p)
    add_model_args(p)
    _add_pipeline_args(p)
    p.set_defaults(func=cmd_ocr)


def _add_ray_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Ray (pip install 'trt-ocr[ray]')")
    g.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="OCR on a Ray cluster (ADDRESS: auto, ray://HOST:10001, HOST:6379; none: "
        "$RAY_ADDRESS, the instance running here, else a new local one); writes JSON Lines "
        "to --json; inputs may be bucket URIs",
    )
    g.add_argument("--ray-actors", type=int, metavar="N", help="actors, one OCR each")
    g.add_argument("--ray-gpus", type=float, metavar="X", help="GPUs per actor (TensorRT)")


def _add_models_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "pull", "path", "verify"])
    p.add_argument("names", nargs="*")
    p.add_argument("--force", action="store_true", help="pull: fetch again even if cached")
    p.set_defaults(func=cmd_models)


def _add_build_engines_args(p: argparse.ArgumentParser) -> None:
    from trt_ocr.engines import cli as build_engines_cli  # argparse + option dataclasses only

    build_engines_cli.add_arguments(p)
    p.set_defaults(func=build_engines_cli.run)


def _add_video_args(p: argparse.ArgumentParser) -> None:
    from trt_ocr.video import cli as video_cli  # argparse only until the command runs

    video_cli.add_arguments(p)


# name -> (one-line help, adds the command's arguments)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "ocr": ("OCR images or folders of images", _add_ocr_args),
    "models": ("list, pull, verify model sets or show their folder", _add_models_args),
    "build-engines": (
        "convert/quantize models and build TensorRT engines",
        _add_build_engines_args,
    ),
    "video": (
        "OCR a video: subtitle events (SRT/VTT/JSON), skipping unchanged frames",
        _add_video_args,
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command`'s arguments are defined (all of them when None), so that
    `trt-ocr --help` imports nothing but argparse."""
    parser = argparse.ArgumentParser(prog="trt-ocr", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version="trt-ocr 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, add_args) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if command is None or command == name:
            add_args(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else "")
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
