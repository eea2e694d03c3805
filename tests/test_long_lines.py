"""Very long and elongated inputs: tiled detection, windowed recognition, bounded memory."""

from __future__ import annotations

import difflib
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.helpers import font
from trt_ocr import long_lines, tiling
from trt_ocr.errors import ImageLoadError
from trt_ocr.eval import cer

REPO = Path(__file__).resolve().parents[1]
WORDS = (
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
    "sierra",
    "tango",
    "uniform",
    "victor",
    "whiskey",
    "xray",
    "yankee",
    "zulu",
)


def render_strip(n_words: int, height: int, width: int | None = None, size: int = 40):
    """One line of n_words numbered words on a white strip (its own width, or width)."""
    rng = np.random.default_rng(n_words)
    text = " ".join(f"{WORDS[int(rng.integers(len(WORDS)))]}{i}" for i in range(n_words))
    f = font(size)
    w = width or int(f.getlength(text)) + 2 * size
    img = Image.new("RGB", (w, height), "white")
    ImageDraw.Draw(img).text((size, (height - size) // 2 - 4), text, fill="black", font=f)
    return text, np.ascontiguousarray(np.asarray(img)[..., ::-1])


def assert_all_words(truth: str, got: str, max_cer: float = 0.03) -> None:
    """Every word back once, in order (a word may be misread, none lost or repeated)."""
    a, b = truth.split(), got.split()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    lost_or_extra = [op for op in ops if op[0] != "equal" and op[2] - op[1] != op[4] - op[3]]
    assert not lost_or_extra, [(a[i1:i2], b[j1:j2]) for _, i1, i2, j1, j2 in lost_or_extra]
    assert cer(truth, got) <= max_cer


@pytest.fixture(scope="module")
def ocr(v4_models):
    from trt_ocr import OCR

    return OCR(v4_models, backend="onnxruntime", threads=2)


# ---- pure geometry --------------------------------------------------------------------------


def scale_of(limit: int):
    return lambda h, w: min(1.0, limit / max(h, w))


def test_tiles_only_where_they_read_the_image_larger() -> None:
    assert tiling.plan_tiles(720, 1280, 960, 2.0, scale_of(960)) is None  # a photo
    assert tiling.plan_tiles(70, 21144, 960, 0.0, scale_of(960)) is None  # switched off
    tiles = tiling.plan_tiles(70, 21144, 960, 2.0, scale_of(960))
    assert tiles is not None
    assert tiles[0].x0 == 0 and tiles[-1].x1 == 21144
    assert all(t.x1 - t.x0 == 960 and t.y0 == 0 and t.y1 == 70 for t in tiles)
    # Consecutive tiles overlap by about TILE_OVERLAP of a tile.
    overlaps = [a.x1 - b.x0 for a, b in itertools.pairwise(tiles)]
    assert min(overlaps) >= 960 * tiling.TILE_OVERLAP - 1
    tall = tiling.plan_tiles(9000, 1000, 960, 2.0, scale_of(960))
    assert tall is not None and all(t.x1 - t.x0 == 1000 and t.y1 - t.y0 == 2000 for t in tall)


def box(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def test_merge_joins_pieces_of_one_line_across_a_seam_only() -> None:
    quads = np.stack(
        [
            box(10, 10, 900, 50),  # tile 0: a line cut by the tile's end
            box(650, 11, 1500, 49),  # tile 1: its continuation
            box(10, 60, 300, 100),  # tile 0: the next line, below
            box(320, 10, 400, 50),  # tile 0: a word beside the first piece, not touching it
        ]
    )
    scores = np.array([0.8, 0.6, 0.9, 0.7], np.float32)
    merged, s = tiling.merge_tiles(quads, scores, np.array([0, 1, 0, 0]))
    assert len(merged) == 3
    joined = merged[np.argmax(merged[:, :, 0].max(axis=1) - merged[:, :, 0].min(axis=1))]
    assert joined[:, 0].min() == pytest.approx(10, abs=0.5)
    assert joined[:, 0].max() == pytest.approx(1500, abs=0.5)
    assert joined[:, 1].min() == pytest.approx(10, abs=0.5)
    assert joined[:, 1].max() == pytest.approx(50, abs=0.5)
    assert sorted(np.round(s, 3)) == [0.7, 0.7, 0.9]


def test_windows_cover_the_line_in_order() -> None:
    quad = box(0, 0, 4800, 48)[None]
    sizes = np.array([[4800, 48]], np.int32)
    plan = long_lines.plan_windows(quad, sizes, np.array([False]), 48, 1280)
    assert plan is not None
    xs = plan.quads[:, :, 0]
    assert xs.min() == 0 and xs.max() == pytest.approx(4800)
    assert np.all(xs.max(axis=1) - xs.min(axis=1) == pytest.approx(1280))
    assert np.all(np.diff(xs.min(axis=1)) <= 1280 * (1 - long_lines.WINDOW_OVERLAP) + 1e-3)
    assert long_lines.plan_windows(quad, sizes, np.array([False]), 48, 0) is None


def test_document_lines_are_read_whole() -> None:
    """Lines of a page (up to a few windows wide) are read in one piece, as PP-OCR reads them."""
    line = box(0, 0, 1700, 48)[None]
    assert (
        long_lines.plan_windows(line, np.array([[1700, 48]]), np.array([False]), 48, 1280) is None
    )
    wide = 1280 * long_lines.WHOLE_UP_TO
    line = box(0, 0, wide, 48)[None]
    assert (
        long_lines.plan_windows(line, np.array([[wide, 48]]), np.array([False]), 48, 1280) is None
    )
    line = box(0, 0, wide + 1, 48)[None]
    sizes = np.array([[wide + 1, 48]])
    assert long_lines.plan_windows(line, sizes, np.array([False]), 48, 1280) is not None


def test_only_lines_far_wider_than_the_classifier_input_are_classified_in_pieces() -> None:
    aspect = 192 / 48
    limit = int(long_lines.PIECE_FACTOR * aspect * 10)  # a line 10 px high
    quads = np.stack([box(0, 0, limit, 10), box(0, 20, limit + 1, 30)]).astype(np.float32)
    sizes = np.array([[limit, 10], [limit + 1, 10]], np.int32)
    rotated = np.zeros(2, np.bool_)
    whole, owner = long_lines.plan_pieces(quads[:1], sizes[:1], rotated[:1], aspect)
    assert whole.dtype == np.float32 and np.array_equal(whole, quads[:1])
    assert owner.tolist() == [0]
    pieces, owner = long_lines.plan_pieces(quads, sizes, rotated, aspect)
    assert owner.tolist() == [0] + [1] * long_lines.PIECES
    np.testing.assert_array_equal(pieces[0], quads[0])
    # the pieces span the line, each of the classifier's aspect
    xs = pieces[1:, :, 0]
    assert xs.min() == 0 and xs.max() == pytest.approx(limit + 1)
    np.testing.assert_allclose(xs.max(axis=1) - xs.min(axis=1), 10 * aspect, rtol=1e-5)


def read(text: str, positions: list[float], start: float, step_px: float = 8.0):
    steps = np.array([round((p - start) / step_px - 0.5) for p in positions], np.int32)
    return (text, 0.9, steps, step_px)


def test_join_keeps_each_character_once_at_a_seam() -> None:
    # Window 0 covers 0..1280, window 1 960..2240; "abc de" at 900..1000 is read by both,
    # window 1 one step further right (CTC jitter).
    w0 = read("xyabc de", [100, 500, 900, 924, 948, 972, 996, 1020], 0)
    w1 = read("abc defg", [908, 932, 956, 980, 1004, 1028, 1600, 1700], 960)
    plan = long_lines.WindowPlan(
        np.zeros((2, 4, 2), np.float32), np.array([0, 0]), np.array([0.0, 960.0]), 1280.0, 1
    )
    ((text, _, steps),) = plan.merge([w0, w1], np.array([False]))
    assert text == "xyabc defg"
    assert len(steps) == len(text) and np.all(np.diff(steps) > 0)
    # Read rotated 180 degrees, the line's last window (row 1) reads its start.
    ((flipped, _, _),) = plan.merge([w1, w0], np.array([True]))
    assert flipped == "xyabc defg"


def test_join_keeps_one_space_when_a_seam_falls_between_words() -> None:
    # The widest gap is the space between "ab" and "cd"; window 0 reads the space just left of
    # the gap's middle, window 1 just right of it: one space, not two, not none.
    w0 = read("ab cd", [1044, 1068, 1100, 1140, 1164], 0)
    w1 = read("ab cd", [1044, 1068, 1108, 1140, 1164], 960)
    plan = long_lines.WindowPlan(
        np.zeros((2, 4, 2), np.float32), np.array([0, 0]), np.array([0.0, 960.0]), 1280.0, 1
    )
    ((text, _, _),) = plan.merge([w0, w1], np.array([False]))
    assert text == "ab cd"


# ---- the pipeline on rendered strips --------------------------------------------------------


@pytest.mark.slow
def test_single_line_of_120_words_comes_back_whole(ocr) -> None:
    text, img = render_strip(120, 70)
    assert img.shape[1] > 20000
    result = ocr(img)
    assert len(result.lines) == 1
    assert_all_words(text, result.lines[0].text)


@pytest.mark.slow
def test_longest_accepted_strip_comes_back_whole(ocr) -> None:
    text, img = render_strip(300, 60, width=65536)
    result = ocr(img)
    assert_all_words(text, " ".join(line.text for line in result))


def test_a_thin_line_a_few_thousand_pixels_long_is_read(ocr) -> None:
    """Too short to tile, yet the 2000 px cap and the 32 px rounding would bring it to the
    detector 32 px high (it lost 90% of its words): it is letterboxed, as RapidOCR does."""
    text, img = render_strip(20, 60)
    assert img.shape[1] > 3000 and not ocr.detector.tiles(*img.shape[:2])
    assert_all_words(text, " ".join(line.text for line in ocr(img)))


def test_strip_beyond_the_side_limit_is_a_typed_error(ocr) -> None:
    with pytest.raises(ImageLoadError, match="100000x60"):
        ocr(np.full((60, 100000, 3), 255, np.uint8))


PEAK_SCRIPT = """
import json, resource, sys
sys.path.insert(0, {repo!r})
from tests.test_long_lines import render_strip
from trt_ocr import OCR
ocr = OCR(backend="onnxruntime", threads=1)
# Warm-up: a line of two batches of windows, so every buffer of a window batch exists.
warm_text, warm = render_strip(60, 60)
ocr.recognize(warm)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
text, img = render_strip(300, 60, width=65536)
line = ocr.recognize(img)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"base": base, "peak": peak, "text": text, "got": line.text,
                  "warm_width": warm.shape[1], "bytes": img.nbytes}}))
"""


@pytest.mark.slow
def test_recognize_a_65536_px_line_in_bounded_memory(v4_models) -> None:
    # The child imports trt_ocr from where this process did (the source tree or the install).
    package_root = Path(tiling.__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(package_root), str(REPO)]))
    out = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT.format(repo=str(REPO))],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert_all_words(r["text"], r["got"])
    assert r["warm_width"] < 65536 / 5
    # After a line of a few windows, a line 5x longer adds only its own pixels (the input, its
    # rescaled copy, window crops) -- not the network memory of a 65536 px wide input (~4 GB).
    assert r["peak"] - r["base"] <= 4 * r["bytes"] + 64 * 2**20


@pytest.mark.data
def test_real_vertical_text_columns_are_turned_and_read(ocr) -> None:
    """Three columns of upright Chinese characters (RapidOCR's text_vertical_words.png): each
    tall crop is turned 90 degrees as PP-OCR does and read top to bottom."""
    from tests.conftest import shared_path

    result = ocr(shared_path("images", "rapidocr", "text_vertical_words.png"))
    columns = ["已取之時不參一人見而", "是非不得問之人要取之", "有評是是非非之士師也"]
    assert len(result.lines) == 3
    for line in result.lines:
        assert np.ptp(line.box[:, 1]) > 5 * np.ptp(line.box[:, 0])  # a column
    got = sorted(result.lines, key=lambda ln: float(ln.box[:, 0].mean()))
    # Variant and simplified forms (參/参, 見/见) count as errors: at most 2 of 10 a column.
    for line, truth in zip(got, columns, strict=True):
        assert cer(truth, line.text) <= 0.2, (truth, line.text)


def test_tiles_are_padded_where_the_detector_would_squeeze_them() -> None:
    strip = np.zeros((45, 960, 3), np.uint8)
    strip[-1] = 7
    padded = tiling.pad_short_side(strip)
    assert padded.shape == (64, 960, 3)  # not rounded down to 32
    assert (padded[45:] == 7).all() and (padded[:45] == strip).all()
    assert tiling.pad_short_side(np.zeros((56, 960, 3), np.uint8)).shape == (56, 960, 3)
    assert tiling.pad_short_side(np.zeros((960, 45, 3), np.uint8)).shape == (960, 64, 3)
