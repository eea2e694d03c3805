"""The pipeline's stages on the ONNX Runtime backend, and OCR.observe_inputs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from tests.helpers import render_line_tight, render_lines
from trt_ocr import OCR, _core, backends, models
from trt_ocr.backends.onnxruntime import OnnxRuntimeBackend
from trt_ocr.errors import ModelError
from trt_ocr.options import ClsOptions, DetOptions, ImageOptions, RecOptions
from trt_ocr.shapes import ShapeRange, plan_shapes, select_profile
from trt_ocr.stages import (
    TALL_RATIO,
    Detections,
    TextClassifier,
    TextDetector,
    TextRecognizer,
)

LINES = ["Invoice number 4711", "Total amount 12.50 EUR"]


def timings() -> dict[str, float]:
    return dict.fromkeys(("pre", "det", "cls", "rec", "post"), 0.0)


@pytest.fixture(scope="module")
def parts(v4_models):
    spec = v4_models.spec
    det, cls, rec = DetOptions(), ClsOptions(), RecOptions()
    ranges = plan_shapes(det, cls, rec, spec).by_role()
    backend = backends.create("onnxruntime")
    return v4_models, spec, backend, ranges


def test_detector_gives_quads_for_crops_and_boxes_for_the_caller(parts):
    m, spec, backend, ranges = parts
    image_options = ImageOptions(max_side_len=450)  # 900-px-wide render: rescaled by half
    detector = TextDetector(backend, m.det, DetOptions(), image_options, spec.det, ranges)
    img = render_lines(LINES)
    t = timings()
    found = detector(img, t)
    assert isinstance(found, Detections) and len(found) == 2
    assert found.tall_ratio == TALL_RATIO
    h, w = found.work_image.shape[:2]
    assert w == 448 and h < img.shape[0]  # the rescaled pixels the crops read
    assert found.quads.shape == (2, 4, 2) and found.quads.dtype == np.float32
    assert found.quads[0, 0, 1] < found.quads[1, 0, 1]  # reading order
    # boxes are the quads in source pixels
    np.testing.assert_allclose(
        found.boxes, found.quads * np.array([img.shape[1] / w, img.shape[0] / h]), rtol=1e-6
    )
    assert t["pre"] > 0 and t["det"] > 0 and t["post"] > 0
    whole = detector.whole_image(img, timings())
    assert len(whole) == 1 and whole.tall_ratio > 1e6
    ih = img.shape[0]  # the work image's corners, back in source pixels
    np.testing.assert_allclose(whole.boxes[0], [[0, 0], [900, 0], [900, ih], [0, ih]], atol=1e-3)
    detector.close()


def test_classifier_and_recognizer_read_the_detections(parts):
    m, spec, backend, ranges = parts
    detector = TextDetector(backend, m.det, DetOptions(), ImageOptions(), spec.det, ranges)
    classifier = TextClassifier(backend, m.cls, ClsOptions(), spec.cls, ranges)
    recognizer = TextRecognizer(backend, m.rec, RecOptions(), spec.rec, m.characters, ranges)
    upside_down = np.ascontiguousarray(render_lines(LINES)[::-1, ::-1])
    t = timings()
    found = detector(upside_down, t)
    flips, scores = classifier(found, t)
    assert flips.all() and (scores > 0.9).all()
    texts = recognizer(found, flips, t)
    # Upside down, the last line comes first.
    assert [x[0].replace(" ", "") for x in texts] == [s.replace(" ", "") for s in LINES[::-1]]
    assert t["cls"] > 0 and t["rec"] > 0
    for stage in (detector, classifier, recognizer):
        stage.close()


def test_recognizer_batches_lines_of_similar_width(parts):
    """Lines are batched in order of width / height (less padding), each batch as wide as its
    widest line at height 48 (never below the base width), and every line is read once."""
    m, spec, backend, ranges = parts
    seen: list[tuple[int, int]] = []

    def record(role: str, feeds: Mapping[str, np.ndarray]) -> None:
        seen.extend(a.shape[::3] for a in feeds.values())  # (lines, width)

    rec = TextRecognizer(
        backend, m.rec, RecOptions(batch_size=3), spec.rec, m.characters, ranges, [record]
    )
    widths = [864, 432, 672, 432, 576, 960, 480, 432, 96]  # at height 48
    quads = np.array(
        [
            [[0, 50 * i], [w, 50 * i], [w, 50 * i + 48], [0, 50 * i + 48]]
            for i, w in enumerate(widths)
        ],
        np.float32,
    )
    image = np.zeros((50 * len(widths), 1000, 3), np.uint8)
    found = Detections(image, quads, quads, np.ones(len(widths), np.float32))
    reads = rec(found, np.zeros(len(widths), np.bool_), timings())
    assert len(reads) == len(widths)
    # sorted: 96 432 432 | 432 480 576 | 672 864 960; the base width is 320
    assert seen == [(3, 432), (3, 576), (3, 960)]
    rec.close()


def test_crop_sizes_are_computed_once_for_every_stage(parts, monkeypatch):
    m, spec, backend, ranges = parts
    detector = TextDetector(backend, m.det, DetOptions(), ImageOptions(), spec.det, ranges)
    classifier = TextClassifier(backend, m.cls, ClsOptions(), spec.cls, ranges)
    recognizer = TextRecognizer(backend, m.rec, RecOptions(), spec.rec, m.characters, ranges)
    t = timings()
    calls: list[int] = []
    real = _core.crop_sizes

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_core, "crop_sizes", counted)
    # the detector reads them too (do the lines run across? see trt_ocr.vertical_text)
    found = detector(render_lines(LINES), t)
    flips, _ = classifier(found, t)
    texts = recognizer(found, flips, t)
    assert len(calls) == 1 and len(texts) == len(LINES)
    sizes, rotated = found.crop_sizes()
    assert sizes.shape == (len(LINES), 2) and not rotated.any()
    for stage in (detector, classifier, recognizer):
        stage.close()


def test_classifier_without_a_180_label_is_a_model_error(parts):
    m, _spec, backend, ranges = parts
    bad = models.ClsSpec((), labels=("0", "90"))
    with pytest.raises(ModelError, match="180"):
        TextClassifier(backend, m.cls, ClsOptions(), bad, ranges)


def test_detector_options_are_checked_at_construction(v4_models):
    with pytest.raises(ValueError, match="thresh"):
        OCR(backend="onnxruntime", det={"thresh": 1.0})


def test_observe_inputs_sees_every_network_feed(v4_models):
    # PP-OCR's resize, as the reference det_preprocess below does it
    det = {"limit_side_len": 960, "limit_type": "max"}
    ocr = OCR(backend="onnxruntime", det=det, rec={"batch_size": 1})
    img = render_lines(LINES)
    seen: list[tuple[str, dict[str, np.ndarray]]] = []

    def record(role: str, feeds: Mapping[str, np.ndarray]) -> None:
        seen.append((role, {k: np.array(v, copy=True) for k, v in feeds.items()}))

    with ocr.observe_inputs(record):
        res = ocr(img)
    roles = [r for r, _ in seen]
    assert roles == ["det", "cls", "rec", "rec"]  # one cls batch of 2, rec batches of 1
    det_feed = seen[0][1]
    assert list(det_feed) == [ocr.detector.session.input_name]
    spec = v4_models.spec.det
    want, _, _ = _core.det_preprocess(img, mean=spec.mean, std=spec.std)
    pixels = next(iter(det_feed.values()))
    assert pixels.dtype == np.uint8  # graph I/O: the network normalises its pixels itself
    mean = np.array(spec.mean, np.float32).reshape(1, 3, 1, 1)
    std = np.array(spec.std, np.float32).reshape(1, 3, 1, 1)
    scale = np.float32(1 / 255)  # the graph: Cast, Mul(scale), Sub(mean), Div(std)
    np.testing.assert_array_equal((pixels.astype(np.float32) * scale - mean) / std, want)
    assert next(iter(seen[1][1].values())).shape == (2, 3, 48, 192)
    assert all(next(iter(f.values())).shape[:3] == (1, 3, 48) for _, f in seen[2:])
    # The recorded feeds are what the networks ran on: running them again gives the result.
    rec = ocr.recognizer.session
    texts = []
    for _, feeds in seen[2:]:
        out = rec.run(feeds)
        decoder = _core.CTCDecoder(v4_models.characters)
        texts.append(decoder.decode_best(out["best_index"], out["best_score"])[0][0])
    assert texts == res.texts
    # Outside the block nothing is observed; several observers can be active.
    seen.clear()
    ocr(img)
    assert seen == []
    other: list[str] = []
    with ocr.observe_inputs(record), ocr.observe_inputs(lambda role, _: other.append(role)):
        ocr(img, det=False, cls=False)
    assert other == ["rec"] and [r for r, _ in seen] == ["rec"]
    ocr.close()


def test_observer_is_removed_when_the_block_raises(v4_models):
    ocr = OCR(backend="onnxruntime", cls=False)
    calls: list[str] = []
    with pytest.raises(RuntimeError), ocr.observe_inputs(lambda role, _: calls.append(role)):
        raise RuntimeError("boom")
    ocr(render_lines(LINES[:1]))
    assert calls == []
    ocr.close()


class Profiled(OnnxRuntimeBackend):
    """ONNX Runtime whose sessions run only their profiles, as an engine's do: the shape
    plan's, or own (by role) as an engine built elsewhere has. Every input is checked."""

    def __init__(self, own: Mapping[str, tuple[ShapeRange, ...]] | None = None) -> None:
        super().__init__()
        self.own = own or {}

    def open(self, model, role, profiles=None):
        session = super().open(model, role, profiles)
        session.profiles = self.own.get(role, tuple(profiles or ()))
        run, run_each = session.run, session.run_each

        def inside(arrays):
            for a in arrays:
                select_profile(session.profiles, a.shape)  # raises outside them
            return arrays

        session.run = lambda feeds: run(dict(zip(feeds, inside(feeds.values()), strict=True)))
        session.run_each = lambda inputs: run_each(inside(inputs))
        return session


def test_bounded_backends_get_batches_inside_the_widest_profile(parts):
    """Without windows (window_width 0), a line wider than the plan's widest rec profile (8x the
    base width) is squeezed to it on a backend that only runs its profiles, and keeps its
    natural width elsewhere; with windows, no batch is wider than a window on either."""
    m, spec, backend, ranges = parts
    widest = max(r.max[3] for r in ranges["rec"])
    words = "long line of words " * 12
    line = render_line_tight(words, size=40)
    assert line.shape[1] * 48 / line.shape[0] > widest  # wider than any profile at height 48
    widths: dict[str, int] = {}
    runs = (
        ("bounded", Profiled(), 0),
        ("free", backend, 0),
        ("bounded-windows", Profiled(), 1280),
        ("free-windows", backend, 1280),
    )
    for name, b, window in runs:
        detector = TextDetector(b, m.det, DetOptions(), ImageOptions(), spec.det, ranges)
        seen: list[int] = []

        def record(role: str, feeds: Mapping[str, np.ndarray], seen: list[int] = seen) -> None:
            seen.extend(a.shape[3] for a in feeds.values())

        recognizer = TextRecognizer(
            b, m.rec, RecOptions(window_width=window), spec.rec, m.characters, ranges, [record]
        )
        found = detector.whole_image(line, timings())
        ((text, _, _),) = recognizer(found, np.zeros(1, np.bool_), timings())
        widths[name] = max(seen)
        assert text  # read, not an error
        detector.close()
        recognizer.close()
    assert widths["bounded"] == widest < widths["free"]
    assert widths["bounded-windows"] <= 1280 and widths["free-windows"] <= 1280


def test_an_engine_with_smaller_profiles_gets_inputs_it_takes(parts):
    """An engine built elsewhere whose profiles are smaller than the plan's (fewer lines a
    run, narrower lines, a smaller detector input) still reads every line: batches are split
    and widths and sides capped to what it takes, and no input falls outside its profiles."""
    m, spec, _, ranges = parts
    own = {
        "det": (ShapeRange((1, 3, 32, 32), (1, 3, 320, 480), (1, 3, 480, 480)),),
        "cls": (ShapeRange((1, 3, 48, 192), (2, 3, 48, 192), (2, 3, 48, 192)),),
        "rec": (
            ShapeRange((1, 3, 48, 320), (3, 3, 48, 320), (3, 3, 48, 400)),
            ShapeRange((1, 3, 48, 400), (1, 3, 48, 960), (1, 3, 48, 960)),
        ),
    }
    lines = ["Total 12.50", "Invoice number 4711", "Paid", "Thank you for your visit", "Tax 7%"]
    b = Profiled(own)
    seen: dict[str, list[tuple[int, ...]]] = {"det": [], "cls": [], "rec": []}

    def record(role: str, feeds: Mapping[str, np.ndarray]) -> None:
        seen[role].extend(a.shape for a in feeds.values())

    detector = TextDetector(b, m.det, DetOptions(), ImageOptions(), spec.det, ranges, [record])
    classifier = TextClassifier(b, m.cls, ClsOptions(), spec.cls, ranges, [record])
    recognizer = TextRecognizer(b, m.rec, RecOptions(), spec.rec, m.characters, ranges, [record])
    t = timings()
    found = detector(render_lines(lines, size=30, width=700), t)
    flips, _ = classifier(found, t)
    texts = [x[0].replace(" ", "") for x in recognizer(found, flips, t)]
    assert texts == [x.replace(" ", "") for x in lines]
    assert max(max(shape[2:]) for shape in seen["det"]) <= 480
    assert [shape[0] for shape in seen["cls"]] == [2, 2, 1]
    assert all(shape[0] <= (3 if shape[3] <= 400 else 1) for shape in seen["rec"])
    assert len(seen["rec"]) > 2 and any(shape[3] > 400 for shape in seen["rec"])
    for stage in (detector, classifier, recognizer):
        stage.close()


def test_an_engine_that_takes_no_input_of_the_options_shape_is_refused(parts):
    m, spec, _, ranges = parts
    own = {"rec": (ShapeRange((1, 3, 32, 320), (6, 3, 32, 320), (6, 3, 32, 3200)),)}
    with pytest.raises(ModelError, match=r"rec network's profiles .* take no input of 3x48x320"):
        TextRecognizer(Profiled(own), m.rec, RecOptions(), spec.rec, m.characters, ranges)


def test_bounded_backends_get_detector_inputs_inside_the_plan(v4_models):
    """limit_type "min" without max_side_limit has no bound of its own: a 1:12 strip would
    need a 8832-px detector input. A backend that only runs its profiles gets it capped at the
    plan's long side."""
    spec = v4_models.spec
    det = DetOptions(
        limit_side_len=736,
        limit_type="min",
        max_side_limit=0,
        max_upscale=0,
        min_height=0,  # not letterboxed: the strip stays 1:12
        max_aspect=-1.0,
    )
    ranges = plan_shapes(det, ClsOptions(), RecOptions(), spec).by_role()
    longest = max(ranges["det"][0].max[2:])
    strip = np.full((60, 720, 3), 255, np.uint8)
    sides: dict[str, int] = {}
    for name, b in (("bounded", Profiled()), ("free", backends.create("onnxruntime"))):
        seen: list[int] = []

        def record(role: str, feeds: Mapping[str, np.ndarray], seen: list[int] = seen) -> None:
            seen.extend(max(a.shape[2:]) for a in feeds.values())

        detector = TextDetector(b, v4_models.det, det, ImageOptions(), spec.det, ranges, [record])
        detector(strip, timings())
        detector.close()
        sides[name] = max(seen)
    assert sides["bounded"] <= longest < sides["free"]


def _detector_inputs(models, det: DetOptions, image: np.ndarray) -> list[tuple[int, ...]]:
    """The (height, width) of every detector input these options give for image."""
    ranges = plan_shapes(det, ClsOptions(), RecOptions(), models.spec).by_role()
    seen: list[tuple[int, ...]] = []

    def record(role: str, feeds: Mapping[str, np.ndarray]) -> None:
        seen.extend(tuple(a.shape[2:]) for a in feeds.values())

    detector = TextDetector(
        backends.create("onnxruntime"),
        models.det,
        det,
        ImageOptions(),
        models.spec.det,
        ranges,
        [record],
    )
    detector(image, timings())
    detector.close()
    return seen


def test_max_side_limit_caps_the_detector_input(v4_models):
    strip = np.full((60, 720, 3), 255, np.uint8)  # limit_type "min" would make it 736 x 8832
    for cap, longest in ((2000, 1984), (1000, 992)):
        det = DetOptions(limit_side_len=736, limit_type="min", max_side_limit=cap, max_upscale=0)
        assert max(max(hw) for hw in _detector_inputs(v4_models, det, strip)) == longest


def test_max_upscale_bounds_the_detector_enlargement(v4_models):
    # "min" 736 alone reads it 18.4x larger; bounded, it still reaches 64 px (1.6x)
    crop = np.full((40, 120, 3), 255, np.uint8)
    for bound, expected in ((0.0, (672, 1984)), (2.0, (64, 256)), (1.0, (64, 192))):
        det = DetOptions(limit_side_len=736, limit_type="min", max_upscale=bound)
        assert _detector_inputs(v4_models, det, crop) == [expected], bound


def test_graph_io_networks_read_the_same_text_as_the_models_as_given(v4_models):
    """uint8 in / argmax out (the default) against the float models: same lines and text;
    scores differ only through the cls/rec batches' padding (127 instead of 127.5)."""
    img = render_lines(LINES)
    fast = OCR(backend="onnxruntime")
    plain = OCR(backend="onnxruntime", graph_io=False)
    assert fast.detector.pixels_in and fast.recognizer.best_out and fast.classifier.best_out
    assert not (plain.detector.pixels_in or plain.recognizer.best_out)
    a, b = fast(img), plain(img)
    assert a.texts == b.texts and len(a.texts) == len(LINES)
    for x, y in zip(a, b, strict=True):  # the detector's input is exact: the same boxes
        np.testing.assert_array_equal(x.box, y.box)
    assert np.allclose([x.score for x in a], [x.score for x in b], atol=1e-2)


def test_crops_made_ahead_in_groups_read_the_same(v4_models, monkeypatch):
    """The classifier's and recognizer's crops are made a group of batches at a time before
    the networks run (stages._GROUP_BYTES): one batch a group and all batches in one group give
    the same results as the networks reading each batch as it is made, the texts included."""
    from trt_ocr import stages

    lines = ["Invoice number 4711", "Total amount 12.50 EUR", "Paid by card", "Thank you"]
    img = render_lines(lines)
    upside_down = np.ascontiguousarray(img[::-1, ::-1])
    results = {}
    for limit in (1, 1 << 30):
        monkeypatch.setattr(stages, "_GROUP_BYTES", limit)
        ocr = OCR(backend="onnxruntime", cls={"batch_size": 1}, rec={"batch_size": 1})
        fed: list[int] = []
        with ocr.observe_inputs(
            lambda role, feeds, fed=fed: fed.append(next(iter(feeds.values())).ctypes.data)
        ):
            results[limit] = [_lines(ocr(img)), _lines(ocr(upside_down))]
        # one group: every batch in memory of its own, none overwritten before its network ran
        per_call = len(fed) // 2
        assert per_call == 1 + 2 * len(lines)
        batches = fed[1 : 1 + len(lines)]
        assert (len(set(batches)) == len(lines)) == (limit > 1)
        ocr.close()
    assert results[1] == results[1 << 30]
    assert [x[1].replace(" ", "") for x in results[1][0]] == [s.replace(" ", "") for s in lines]


def _lines(result) -> list[tuple]:
    return [(x.box.tolist(), x.text, x.score, x.angle, x.angle_score) for x in result.lines]


def test_lines_are_squeezed_to_the_widest_profile_of_their_height(parts):
    """A profile of another height does not widen what the recognizer sends at its own."""
    m, spec, _, ranges = parts
    own = {
        "rec": (
            ShapeRange((1, 3, 48, 320), (6, 3, 48, 320), (6, 3, 48, 960)),
            ShapeRange((1, 3, 64, 320), (6, 3, 64, 3200), (6, 3, 64, 3200)),
        )
    }
    b = Profiled(own)
    line = render_line_tight("long line of words " * 6, size=40)
    assert line.shape[1] * 48 / line.shape[0] > 960
    widths: list[int] = []
    detector = TextDetector(b, m.det, DetOptions(), ImageOptions(), spec.det, ranges)
    recognizer = TextRecognizer(
        b,
        m.rec,
        RecOptions(window_width=0),
        spec.rec,
        m.characters,
        ranges,
        [lambda role, feeds: widths.extend(a.shape[3] for a in feeds.values())],
    )
    ((text, _, _),) = recognizer(
        detector.whole_image(line, timings()), np.zeros(1, bool), timings()
    )
    assert text and max(widths) == 960
    detector.close()
    recognizer.close()
