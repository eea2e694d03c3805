"""`trt-ocr video`: subtitles and per-frame text of a video. Only argparse is imported until
the command runs."""

from __future__ import annotations

import argparse
import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from trt_ocr.video.events import SubtitleEvent
    from trt_ocr.video.loop import VideoRun
    from trt_ocr.video.subtitles import SubtitleFiles


def add_arguments(p: argparse.ArgumentParser) -> None:
    from trt_ocr.cli_common import add_model_args, add_pipeline_group
    from trt_ocr.option_args import add_option_arguments
    from trt_ocr.video.options import ChangeOptions, EventOptions

    p.add_argument("video", metavar="VIDEO", help="a video file or URL (anything FFmpeg opens)")
    out = p.add_argument_group("outputs (written as events close; an interrupted run keeps them)")
    out.add_argument("--srt", metavar="FILE", help="write the subtitle events as SubRip")
    out.add_argument("--vtt", metavar="FILE", help="write the subtitle events as WebVTT")
    out.add_argument(
        "--json", metavar="FILE", help="write the events and the run's figures as JSON"
    )
    out.add_argument(
        "--force",
        action="store_true",
        help="replace existing output files that trt-ocr did not write (never the video)",
    )
    out.add_argument("-q", "--quiet", action="store_true", help="no progress, no event lines")
    region = p.add_argument_group("region of interest").add_mutually_exclusive_group()
    region.add_argument("--roi", metavar="X,Y,W,H", help="OCR this box of each frame (pixels)")
    region.add_argument(
        "--band",
        choices=["bottom", "auto", "full"],
        default="bottom",
        help="bottom: the lower third (default); auto: where text recurs (samples the video "
        "first); full: the whole frame",
    )
    run = p.add_argument_group("video loop")
    run.add_argument(
        "--every-frame",
        action="store_true",
        help="detect and recognize every frame (no change test: the slow reference)",
    )
    run.add_argument(
        "--no-windows",
        dest="windows",
        action="store_false",
        help="detect the whole region when part of it changed, not windows around the change "
        "(slower; a window's boxes can be a few pixels off the whole region's)",
    )
    add_option_arguments(run, "change", ChangeOptions)
    add_option_arguments(run, "events", EventOptions)
    add_model_args(p)
    add_pipeline_group(p)
    # argparse takes "--roi -5,0,100,100" for an option followed by an unknown one: let such
    # values through (as it does negative numbers) so that the region check names --roi.
    p._negative_number_matcher = re.compile(rf"{p._negative_number_matcher.pattern}|^-\d+(,|$)")
    p.set_defaults(func=run_command)


def _progress(run: VideoRun, total: int | None, events: int, final: bool = False) -> None:
    s = run.stats
    fps = s.fps
    text = f"\r{s.frames}" + (f"/{total}" if total else "") + f" frames  {fps:6.1f} fps"
    if total and fps > 0:
        left = max(0, total - s.frames) / fps
        text += f"  ETA {int(left // 60)}:{int(left % 60):02d}"
    text += f"  detected {s.detected}  events {events}"
    print(text + ("\n" if final else ""), end="", file=sys.stderr, flush=True)


def run_command(args: argparse.Namespace) -> int:
    from trt_ocr.cli_common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, ocr_kwargs, setup_failed
    from trt_ocr.errors import ConfigError, OutputPathError, TrtOcrError
    from trt_ocr.outputs import plan_video_outputs

    try:
        paths = plan_video_outputs(
            args.video,
            {"--srt": args.srt, "--vtt": args.vtt, "--json": args.json},
            force=args.force,
        )
    except OutputPathError as e:
        print(f"trt-ocr: {e}", file=sys.stderr)
        return EXIT_USAGE

    import time

    from trt_ocr.option_args import given_options
    from trt_ocr.video.events import EventBuilder
    from trt_ocr.video.loop import VideoOCR
    from trt_ocr.video.options import ChangeOptions, EventOptions
    from trt_ocr.video.source import probe
    from trt_ocr.video.subtitles import SubtitleFiles

    try:
        change = ChangeOptions(**given_options(args, "change"))
        events_opts = EventOptions(**given_options(args, "events"))
        info = probe(args.video) if "://" not in args.video else {}
        video = VideoOCR(
            roi=args.roi,
            band=args.band,
            every_frame=args.every_frame,
            windows=args.windows,
            change=change,
            events=events_opts,
            **ocr_kwargs(args),
        )
    except (TrtOcrError, ValueError) as e:
        return setup_failed(e)

    duration, fps = info.get("duration"), info.get("fps")
    frames = info.get("frames")
    total = int(frames) if frames else (round(duration * fps) if duration and fps else None)
    files = SubtitleFiles(
        {k.lstrip("-"): p for k, p in paths.items()},
        {"source": args.video, "every_frame": args.every_frame},
    )
    show_progress = sys.stderr.isatty() and not args.quiet
    print_events = not paths and not args.quiet
    builder = EventBuilder(video.event_options)
    error: str | None = None
    status = EXIT_OK
    shown = 0.0
    run = video.frames(args.video)
    try:
        for frame in run:
            done = builder.add(frame.index, frame.time, frame.text, frame.score, frame.changed)
            _emit(done, files, print_events)
            if show_progress and time.monotonic() - shown > 0.25:
                shown = time.monotonic()
                _progress(run, total, len(files.events))
        _emit(builder.finish(run.end_time), files, print_events)
    except KeyboardInterrupt:
        # The subtitle on screen when stopped ends at the last frame OCRed.
        _emit(builder.finish(), files, print_events)
        error = "interrupted"
        status = 130
    except (TrtOcrError, ValueError) as e:
        # The frames before the damage keep their events.
        _emit(builder.finish(), files, print_events)
        error = str(e)
        status = EXIT_USAGE if isinstance(e, ConfigError) else EXIT_ERROR
    finally:
        run.close()
        if show_progress:
            _progress(run, total, len(files.events), final=True)
        files.info.update(
            roi=str(run.roi) if run.roi else None,
            frames=run.stats.frames,
            detected_frames=run.stats.detected,
            recognized_lines=run.stats.recognized,
            seconds=round(run.stats.elapsed, 3),
            frames_per_second=round(run.stats.fps, 2),
        )
        # A run that failed before its first frame (unreadable video, a region outside the
        # frame) has no result: nothing is written. One that broke off later keeps its events.
        written = error is None or run.stats.frames > 0
        if written:
            files.close(complete=error is None, error=error)
    if error is not None and status != 130:
        print(f"trt-ocr: {error}", file=sys.stderr)
    elif status == 130:
        said = "nothing written" if paths and not written else "the events so far are written"
        print(f"trt-ocr: interrupted; {said}", file=sys.stderr)
    if not args.quiet and status == EXIT_OK:
        s = run.stats
        print(
            f"{s.frames} frames in {s.elapsed:.1f} s ({s.fps:.1f} fps), detection on "
            f"{s.detected}, {len(files.events)} events",
            file=sys.stderr,
        )
    return status


def _emit(events: list[SubtitleEvent], files: SubtitleFiles, show: bool) -> None:
    """Hands finished events to the files and, without files, prints them."""
    from trt_ocr.video.subtitles import clock

    files.add(events)
    if show:
        for e in events:
            text = e.text.replace("\n", " / ")
            print(f"{clock(e.start, '.')} --> {clock(e.end, '.')}  {text}", flush=True)
