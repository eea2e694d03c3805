"""`trt-ocr video` end to end on a small encoded clip."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.video import clips
from trt_ocr import cli
from trt_ocr.eval import Cue, evaluate_events, load_events

pytest.importorskip("av")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip_file(tmp_path_factory):
    return clips.encode(tmp_path_factory.mktemp("cli") / "clip.mp4", clips.frames())


def test_writes_srt_vtt_json_and_reruns(clip_file, tmp_path, v4_models) -> None:
    out = {k: tmp_path / f"subs.{k}" for k in ("srt", "vtt", "json")}
    args = ["video", str(clip_file), "--threads", "1", "-q"]
    args += [f"--{k}={p}" for k, p in out.items()]
    assert cli.main(args) == 0
    truth = [Cue(*c) for c in clips.truth()]
    for p in out.values():
        scores = evaluate_events(truth, load_events(p))
        assert scores.f1 == 1.0 and max(scores.start_errors) < 0.5 / clips.FPS
    doc = json.loads(out["json"].read_text())
    assert doc["complete"] and doc["frames"] == clips.FRAMES
    assert doc["detected_frames"] < clips.FRAMES // 2
    assert cli.main(args) == 0  # a re-run replaces its own files


def test_output_rules(clip_file, tmp_path) -> None:
    theirs = tmp_path / "theirs.srt"
    theirs.write_text("mine\n")
    assert cli.main(["video", str(clip_file), "--srt", str(theirs)]) == cli.EXIT_USAGE
    assert theirs.read_text() == "mine\n"
    assert cli.main(["video", str(clip_file), "--srt", str(clip_file)]) == cli.EXIT_USAGE
    same = str(tmp_path / "x.srt")
    assert cli.main(["video", str(clip_file), "--srt", same, "--vtt", same]) == cli.EXIT_USAGE


def test_no_text_gives_an_empty_subtitle_file(tmp_path, v4_models) -> None:
    blank = clips.encode(tmp_path / "blank.mp4", clips.frames(20, text=False))
    srt = tmp_path / "blank.srt"
    assert cli.main(["video", str(blank), "--srt", str(srt), "-q", "--threads", "1"]) == 0
    assert srt.read_text() == ""


def test_bad_videos_are_errors_naming_them(tmp_path, capsys) -> None:
    assert cli.main(["video", str(tmp_path / "none.mp4")]) == cli.EXIT_ERROR
    assert "none.mp4" in capsys.readouterr().err


def test_truncated_video_keeps_the_events_before_the_damage(tmp_path, v4_models) -> None:
    full = clips.encode(tmp_path / "full.mkv", clips.frames())
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.6)])
    srt = tmp_path / "cut.srt"
    assert (
        cli.main(["video", str(cut), "--srt", str(srt), "-q", "--threads", "1"]) == cli.EXIT_ERROR
    )
    texts = [c.text.replace(" ", "") for c in load_events(srt)]
    assert texts[:2] == ["Themeetingstartsatnine", "Themeetingstartsatten"]


def test_help_is_instant() -> None:
    code = (
        "import sys; from trt_ocr import cli; cli.build_parser('video'); print(sorted(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "numpy" not in out.stdout and "av" not in out.stdout.split("'")


def test_ctrl_c_keeps_the_events_so_far(tmp_path, v4_models) -> None:
    import os
    import signal
    import time

    long_clip = clips.encode(tmp_path / "long.mp4", clips.frames(clips.FRAMES * 4, _repeated()))
    srt = tmp_path / "long.srt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "trt_ocr", "video", str(long_clip), "--srt", str(srt), "-q"],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stderr=subprocess.PIPE,
        text=True,
        # A suite started in the background (`cmd &`) ignores SIGINT, and Python keeps an
        # inherited SIG_IGN: give the child the default so it raises KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while not srt.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    got = load_events(srt)
    assert 1 <= len(got) < 4 * len(clips.TIMELINE)
    assert got[0].text.replace(" ", "") == "Themeetingstartsatnine"


def _repeated() -> tuple[clips.Sub, ...]:
    return tuple(
        clips.Sub(s.start + k * clips.FRAMES, s.end + k * clips.FRAMES, s.text)
        for k in range(4)
        for s in clips.TIMELINE
    )


def test_a_run_failing_before_its_first_frame_writes_nothing(clip_file, tmp_path, v4_models):
    out = {k: tmp_path / f"none.{k}" for k in ("srt", "json")}
    outputs = [f"--{k}={p}" for k, p in out.items()]
    outside = ["video", str(clip_file), "--roi", "5000,5000,100,100", "-q", *outputs]
    assert cli.main(outside) == cli.EXIT_USAGE
    assert not any(p.exists() for p in out.values())
    # A file whose index survived but whose media data is gone: no frame decodes.
    full = clips.encode_with_audio(
        tmp_path / "full.mp4", list(clips.frames(10)), 0.5, options={"movflags": "faststart"}
    )
    data = full.read_bytes()
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(data[: data.index(b"mdat") + 64])
    assert cli.main(["video", str(empty), "-q", *outputs]) == cli.EXIT_ERROR
    assert not any(p.exists() for p in out.values())


@pytest.mark.parametrize(
    "option, value",
    [("--max-skip", "0"), ("--max-skip", "-1"), ("--min-duration", "-1"), ("--roi", "-5,0,9,9")],
)
def test_bad_values_are_one_line_usage_errors_naming_the_option(
    clip_file, capsys, v4_models, option: str, value: str
) -> None:
    assert cli.main(["video", str(clip_file), "-q", option, value]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"trt-ocr: {option} ") and err.count("\n") == 1, err
    assert "Options(" not in err and "usage:" not in err
