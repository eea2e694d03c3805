"""The three PP-OCR stages: text detection, orientation classification, text recognition.

Each stage owns its options, its network session, one C++ call that prepares the network's
input and one C++ call that turns the network's output into results; `trt_ocr.pipeline.OCR`
only wires them. Every stage adds its seconds to a timings dict: "pre" (input preparation,
crops), its role ("det", "cls", "rec": the network) and "post".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np

from trt_ocr import (
    _core,
    graph_io,
    long_lines,
    models,
    small_text,
    tiling,
    vertical_text,
    word_spaces,
)
from trt_ocr.backends.base import Backend, Session
from trt_ocr.errors import ModelError
from trt_ocr.options import MAX_DET_SIDE, ClsOptions, DetOptions, ImageOptions, RecOptions
from trt_ocr.shapes import ShapeRange, batch_limit, longest_square_side

#: Called with (role, feeds) before each network run; see OCR.observe_inputs.
InputObserver = Callable[[str, Mapping[str, np.ndarray]], None]

#: PP-OCR rotates the crop of a box at least this much taller than wide by 90 degrees.
TALL_RATIO = 1.5
# A whole image given as one line is never rotated: the caller says it is one upright line.
_NO_ROTATION = 1e9

Timings = dict[str, float]
_Kept = TypeVar("_Kept")
#: The most bytes of crops made ahead of their networks (see _Stage._run_batches).
_GROUP_BYTES = 16 << 20
ShapeRanges = Mapping[str, Sequence[ShapeRange]]  # role -> one range per profile


@dataclass
class Detections:
    """The text lines of one image, in reading order."""

    work_image: np.ndarray  # the pixels crops are read from (the rescaled image, or the source)
    quads: np.ndarray  # float32 [N, 4, 2] in work_image pixels (a polygon's min-area quad)
    boxes: np.ndarray | list[np.ndarray]  # in source pixels: [N, 4, 2], or polygons [K, 2]
    scores: np.ndarray  # float32 [N] detector scores
    tall_ratio: float = TALL_RATIO  # crops this much taller than wide are turned upright
    # The frame the lines are read in: quarter turns counter-clockwise (-1: clockwise) from the
    # image as passed (work_image and quads are in it; see trt_ocr.vertical_text).
    turned: int = 0
    # The lines' crops, made by the first stage that reads them all for the next to reuse.
    crops: _core.CropStore | None = None
    _sizes: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.quads)

    def crop_sizes(self) -> tuple[np.ndarray, np.ndarray]:
        """(int32 [N, 2] crop (width, height) after rotation, bool [N] rotated) of the
        lines: _core.crop_sizes of quads at tall_ratio, computed once for every stage."""
        if self._sizes is None:
            self._sizes = _core.crop_sizes(self.quads, self.tall_ratio)
        return self._sizes


class _Stage:
    """A network session plus the observers of its inputs.

    With graph_io (the default) an ONNX model runs as its `trt_ocr.graph_io` transform: uint8
    pixels in, normalised in the graph as io says, (cls, rec) argmax + max out. The stage
    adapts to the session it gets: `pixels_in` when its input is uint8, `best_out` when it
    returns best_index + best_score (an engine or a model transformed by build-engines).
    The core's thread pool (None: the core runs serially) runs the stage's C++ calls."""

    role: str

    def __init__(
        self,
        backend: Backend,
        model: Path,
        ranges: ShapeRanges,
        observers: Sequence[InputObserver],
        io: graph_io.GraphIO,
        use_graph_io: bool,
        pool: _core.ThreadPool | None,
    ) -> None:
        if use_graph_io:
            model = graph_io.prepare(model, self.role, io)
        self.model = model
        self.session: Session = backend.open(model, self.role, ranges[self.role])
        self._observers = observers
        self.pixels_in = self.session.inputs[0].dtype == np.uint8
        names = {o.name for o in self.session.outputs}
        self.best_out = {graph_io.BEST_INDEX, graph_io.BEST_SCORE} <= names
        self._pool = pool
        # The crop batches' dtype: uint8 pixels for a network that normalises them itself.
        self._batch = np.empty(0, np.uint8 if self.pixels_in else np.float32)

    def _accepted(self, shape: tuple[int, int, int, int]) -> int:
        """The largest batch of inputs shaped like shape that one run of the session takes:
        shape's own batch where any shape runs; else what its profiles accept (0: none)."""
        profiles = self.session.profiles
        return shape[0] if profiles is None else batch_limit(profiles, shape)

    def _refuse_unless_accepted(self, shape: tuple[int, int, int, int]) -> None:
        if not self._accepted(shape):
            raise ModelError(
                f"{self.model}: the {self.role} network's profiles "
                f"({'; '.join(map(str, self.session.profiles or ()))}) take no input of "
                f"{shape[1]}x{shape[2]}x{shape[3]}, which this pipeline's options give"
            )

    def _run_batches(
        self,
        shapes: Sequence[tuple[int, int, int]],
        fill: Callable[[int, np.ndarray], np.ndarray],
        keep: Callable[[Mapping[str, np.ndarray]], _Kept],
        t: Timings,
    ) -> list[_Kept]:
        """The network on batches of crops: shapes[k] = (lines, height, width) of batch k;
        fill(k, out) writes batch k into the buffer out and returns it (the core's crop_batch);
        keep(outputs) takes what is needed of its outputs. Right after a network ran the caches
        hold its activations instead of the core's code, the image and the interpreter's state,
        and every step then runs slow (a crop call ~100 us more). So the crops of a group of
        batches are made back to back, then the group's networks run back to back
        (`Session.run_each`), then their outputs are kept. The buffer is reused from call to
        call (a fresh multi-MB array per batch costs its page faults every time, about a third
        of the crop time) and holds up to _GROUP_BYTES of crops."""
        sizes = [lines * 3 * h * w for lines, h, w in shapes]
        limit = max(1, _GROUP_BYTES // self._batch.itemsize)
        kept: list[_Kept] = []
        start = 0
        while start < len(shapes):
            stop, total = start + 1, sizes[start]
            while stop < len(shapes) and total + sizes[stop] <= limit:
                total, stop = total + sizes[stop], stop + 1
            t0 = time.perf_counter()
            if self._batch.size < total:
                self._batch = np.empty(total, self._batch.dtype)
            batches, offset = [], 0
            for k in range(start, stop):
                batches.append(fill(k, self._batch[offset : offset + sizes[k]]))
                offset += sizes[k]
            t["pre"] += time.perf_counter() - t0
            self._show(batches)
            t0 = time.perf_counter()
            outs = self.session.run_each(batches)
            t[self.role] += time.perf_counter() - t0
            t0 = time.perf_counter()
            kept.extend(keep(out) for out in outs)
            t["post"] += time.perf_counter() - t0
            start = stop
        return kept

    def _show(self, batches: Sequence[np.ndarray]) -> None:
        """Each batch's feeds to the observers, before the network runs on it."""
        for observe in self._observers:
            for batch in batches:
                observe(self.role, {self.session.input_name: batch})

    def _infer(self, batch: np.ndarray, t: Timings) -> dict[str, np.ndarray]:
        self._show([batch])
        t0 = time.perf_counter()
        out = self.session.run({self.session.input_name: batch})
        t[self.role] += time.perf_counter() - t0
        return out

    def _best(self, out: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(int32 best index, float32 best score) of a best_out network's outputs."""
        index = np.ascontiguousarray(out[graph_io.BEST_INDEX], np.int32)
        score = np.ascontiguousarray(out[graph_io.BEST_SCORE], np.float32)
        return index, score

    def close(self) -> None:
        self.session.close()


def detection_preprocessor(
    options: DetOptions,
    image_options: ImageOptions,
    *,
    limit_side_len: int | None = None,
    limit_type: Literal["max", "min"] | None = None,
    norm: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None,
    max_side_limit: int | None = None,
    uint8: bool = False,
    pool: _core.ThreadPool | None = None,
) -> _core.DetectionPreprocessor:
    """The core's preprocessor for these options: whole-image rescale, letterbox, the
    detector's resize at limit_side_len / limit_type (the options' unless given) under
    max_side_limit (the options' input_cap unless given) and max_upscale, normalised by norm
    (mean, std; the core's ImageNet values unless given)."""
    o, io = options, image_options
    mean_std = {} if norm is None else {"mean": norm[0], "std": norm[1]}
    return _core.DetectionPreprocessor(
        limit_side_len=o.limit_side_len if limit_side_len is None else limit_side_len,
        limit_type=limit_type or o.limit_type,
        **mean_std,
        max_side_len=io.max_side_len,
        min_side_len=io.min_side_len,
        min_height=o.min_height,
        max_aspect=o.max_aspect,
        max_side_limit=o.input_cap if max_side_limit is None else max_side_limit,
        max_upscale=o.max_upscale,
        uint8=uint8,
        pool=pool,
    )


class TextDetector(_Stage):
    """DB text detection: image -> Detections (quads for the crops, boxes for the caller)."""

    role = "det"

    def __init__(
        self,
        backend: Backend,
        model: Path,
        options: DetOptions,
        image_options: ImageOptions,
        spec: models.DetSpec,
        ranges: ShapeRanges,
        observers: Sequence[InputObserver] = (),
        use_graph_io: bool = True,
        pool: _core.ThreadPool | None = None,
    ) -> None:
        self.options = options
        self.image_options = image_options
        o = options
        io = graph_io.det_graph_io(spec, o)
        super().__init__(backend, model, ranges, observers, io, use_graph_io, pool)
        self._norm = (io.mean, io.std)
        # The detector input's long side stays inside the options' cap and, where the session
        # runs only its profiles, inside theirs.
        caps = [o.input_cap] if o.input_cap else []
        if self.session.profiles is not None:
            side = longest_square_side(self.session.profiles)
            self._refuse_unless_accepted((1, 3, side, side))
            caps.append(side)
        self._max_side_limit = min(caps, default=0)
        self._prepare = self._preprocessor(o.limit_side_len)
        # Tiles of elongated images are read as limit_type "max" (see trt_ocr.tiling).
        if o.limit_type == "max":
            self._tile_limit, self._tile_prepare = o.limit_side_len, self._prepare
        else:
            self._tile_limit = tiling.TILE_LENGTH
            self._tile_prepare = self._preprocessor(tiling.TILE_LENGTH, "max")
        self._zoomed: dict[int, _core.DetectionPreprocessor] = {}
        self._finish = _core.DetectionPostprocessor(
            thresh=o.thresh,
            box_thresh=o.box_thresh,
            max_candidates=o.max_candidates,
            unclip_ratio=o.unclip_ratio,
            use_dilation=o.use_dilation,
            score_mode=o.score_mode,
            box_type=o.box_type,
        )

    def _preprocessor(
        self, limit_side_len: int, limit_type: Literal["max", "min"] | None = None
    ) -> _core.DetectionPreprocessor:
        return detection_preprocessor(
            self.options,
            self.image_options,
            limit_side_len=limit_side_len,
            limit_type=limit_type,
            norm=self._norm,
            max_side_limit=self._max_side_limit,
            uint8=self.pixels_in,
            pool=self._pool,
        )

    def plan(self, height: int, width: int) -> _core.DetMapping:
        """How this detector reads a height x width image: rescale, letterbox, input size."""
        return self._prepare.plan(height, width)

    def smallest_source(self, height: int, width: int) -> tuple[int, int] | None:
        """The smallest decode of a height x width source that this stage turns into the same
        detector input and crops up to rounding: the work size where the whole-image rescale
        shrinks the source (everything downstream reads the work image), else None."""
        try:
            scale = self.plan(height, width).scale
        except ValueError:  # the detection call itself reports it
            return None
        if scale.rescaled and scale.work_h < height and scale.work_w < width:
            return scale.work_h, scale.work_w
        return None

    def __call__(
        self, image: np.ndarray, t: Timings, source_size: tuple[int, int] | None = None
    ) -> Detections:
        """source_size: the (height, width) of the source when image is a reduced decode of it
        (see smallest_source); boxes are in the source's pixels."""
        found = self._found(image, t, source_size)
        if self.options.turn_vertical:
            found = self._maybe_turned(found, image, t, source_size)
        return found

    def _maybe_turned(
        self,
        found: Detections,
        image: np.ndarray,
        t: Timings,
        source_size: tuple[int, int] | None,
    ) -> Detections:
        """found, or the lines of the image detected turned 90 degrees where their boxes run
        across and found's do not (see trt_ocr.vertical_text): read in that frame, boxes in
        the source's pixels."""
        t0 = time.perf_counter()
        across = vertical_text.across(*found.crop_sizes())
        height, width = source_size or image.shape[:2]
        worth = vertical_text.worth_turning(len(found), across[0], height, width)
        t["post"] += time.perf_counter() - t0
        if not worth:
            return found
        other = self._in_turned_frame(image, t, source_size, 1)
        t0 = time.perf_counter()
        if vertical_text.turned_is_better(across, vertical_text.across(*other.crop_sizes())):
            found = other
        t["post"] += time.perf_counter() - t0
        return found

    def turned_over(
        self,
        found: Detections,
        image: np.ndarray,
        t: Timings,
        source_size: tuple[int, int] | None = None,
    ) -> Detections:
        """The lines of the image detected in the frame turned the other way from found's
        (found read upside down in a turned frame: see trt_ocr.vertical_text)."""
        return self._in_turned_frame(image, t, source_size, -found.turned)

    def _in_turned_frame(
        self,
        image: np.ndarray,
        t: Timings,
        source_size: tuple[int, int] | None,
        quarter: int,
    ) -> Detections:
        """The lines of the image turned a quarter counter-clockwise (-1: clockwise), read in
        that frame, their boxes in the source's pixels."""
        t0 = time.perf_counter()
        image_turned = vertical_text.turned(image, quarter)
        t["pre"] += time.perf_counter() - t0
        size_turned = None if source_size is None else (source_size[1], source_size[0])
        other = self._found(image_turned, t, size_turned)
        height, width = source_size or image.shape[:2]
        boxes = vertical_text.boxes_back(other.boxes, height, width, quarter)
        return Detections(other.work_image, other.quads, boxes, other.scores, turned=quarter)

    def _found(
        self, image: np.ndarray, t: Timings, source_size: tuple[int, int] | None
    ) -> Detections:
        """The lines of the image as it is."""
        if self.tiles(*(source_size or image.shape[:2])):
            return self._tiled(image, t, source_size)
        found, scale = self._detect(self._prepare, image, t, source_size)
        if self.options.small_text_px > 0 and self.options.limit_type == "max":
            t0 = time.perf_counter()
            heights = found.crop_sizes()[0][:, 1] if len(found) else np.zeros(0)
            factor = small_text.zoom(heights, scale, self.options.small_text_px)
            t["post"] += time.perf_counter() - t0
            if factor > 1.0:
                limit = min(MAX_DET_SIDE, round(self.options.limit_side_len * factor))
                if limit not in self._zoomed:
                    self._zoomed[limit] = self._preprocessor(limit)
                found, _ = self._detect(self._zoomed[limit], image, t, source_size)
        return found

    def tiles(self, height: int, width: int) -> list[tiling.Tile] | None:
        """The tiles a height x width image is detected in, or None: detected whole."""
        return tiling.plan_tiles(
            height, width, self._tile_limit, self.options.tile_gain, self._scale, self._tile_scale
        )

    def _probabilities(self, tensor: np.ndarray, t: Timings) -> np.ndarray:
        """The detector's probability map for one input tensor: float32, or float16 from a
        graph-I/O detector (the core widens it exactly)."""
        prob: np.ndarray = self._infer(tensor, t)[self.session.output_name]
        return prob

    def _detect(
        self,
        prepare: _core.DetectionPreprocessor,
        image: np.ndarray,
        t: Timings,
        source_size: tuple[int, int] | None = None,
    ) -> tuple[Detections, float]:
        """One detection pass: the lines and the detector input's scale to the work image."""
        t0 = time.perf_counter()
        tensor, mapping, work = prepare(image, source_size)
        t["pre"] += time.perf_counter() - t0
        prob = self._probabilities(tensor, t)
        t0 = time.perf_counter()
        quads, boxes, scores = self._finish(prob, mapping)
        t["post"] += time.perf_counter() - t0
        found = Detections(image if work is None else work, quads, boxes, scores)
        return found, mapping.input_w / max(1, mapping.scale.work_w)

    def _scale(self, height: int, width: int) -> float:
        """The factor the detector's resize reads a height x width image at; 0 when it cannot
        read it whole (e.g. a 60 x 65536 strip's letterbox would exceed the detector's limits):
        then tiles are the way."""
        try:
            plan = self.plan(height, width)
        except ValueError:
            return 0.0
        return plan.input_w / width

    def _tile_scale(self, height: int, width: int) -> float:
        """The factor the detector's resize reads a height x width tile at."""
        return self._tile_prepare.plan(height, width).input_w / width

    def _tiled(
        self, image: np.ndarray, t: Timings, source_size: tuple[int, int] | None
    ) -> Detections:
        """Detection in overlapping tiles along the long side (see trt_ocr.tiling)."""
        t0 = time.perf_counter()
        rescaled, scale = self._prepare.rescale(image, source_size)
        work = image if rescaled is None else rescaled
        tiles = tiling.plan_tiles(
            work.shape[0], work.shape[1], self._tile_limit, 1.0, self._scale, self._tile_scale
        ) or [tiling.Tile(0, 0, work.shape[0], work.shape[1])]
        t["pre"] += time.perf_counter() - t0
        found_q, found_s, tile_of = [], [], []
        for k, tile in enumerate(tiles):
            t0 = time.perf_counter()
            piece = tiling.pad_short_side(work[tile.y0 : tile.y1, tile.x0 : tile.x1])
            tensor, mapping, _ = self._tile_prepare(piece)
            t["pre"] += time.perf_counter() - t0
            prob = self._probabilities(tensor, t)
            t0 = time.perf_counter()
            quads, _, scores = self._finish(prob, mapping)
            quads = mapping.scale.to_source(quads) + np.array([tile.x0, tile.y0], np.float32)
            found_q.append(quads.reshape(-1, 4, 2))
            found_s.append(scores)
            tile_of.append(np.full(len(scores), k))
            t["post"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        quads, scores = tiling.merge_tiles(
            np.concatenate(found_q), np.concatenate(found_s), np.concatenate(tile_of)
        )
        # Boxes found in a tile's padding end at the image's edge.
        quads = np.clip(quads, 0, [work.shape[1], work.shape[0]]).astype(np.float32)
        order = _core.reading_order(quads) if len(quads) else np.zeros(0, np.int64)
        quads, scores = np.ascontiguousarray(quads[order]), scores[order]
        t["post"] += time.perf_counter() - t0
        return Detections(work, quads, scale.to_source(quads), scores)

    def whole_image(
        self, image: np.ndarray, t: Timings, source_size: tuple[int, int] | None = None
    ) -> Detections:
        """The whole image as one upright text line (recognition without detection)."""
        t0 = time.perf_counter()
        work, scale = self._prepare.rescale(image, source_size)
        work = image if work is None else work
        h, w = work.shape[:2]
        quads = np.array([[[0, 0], [w, 0], [w, h], [0, h]]], np.float32)
        t["pre"] += time.perf_counter() - t0
        return Detections(work, quads, scale.to_source(quads), np.ones(1, np.float32), _NO_ROTATION)


class TextClassifier(_Stage):
    """0/180-degree orientation of each line: Detections -> (flip flags, scores)."""

    role = "cls"

    def __init__(
        self,
        backend: Backend,
        model: Path,
        options: ClsOptions,
        spec: models.ClsSpec,
        ranges: ShapeRanges,
        observers: Sequence[InputObserver] = (),
        use_graph_io: bool = True,
        pool: _core.ThreadPool | None = None,
    ) -> None:
        self.options = options
        self.spec = spec
        try:
            self._label_180 = list(spec.labels).index("180")
        except ValueError:
            raise ModelError("the classifier's labels have no '180'") from None
        io = graph_io.cls_graph_io(spec)
        super().__init__(backend, model, ranges, observers, io, use_graph_io, pool)
        # Batches as large as the options and the session allow (an engine built elsewhere may
        # take fewer lines a run than the options' batch size).
        shape = (options.batch_size, 3, spec.height, spec.width)
        self._refuse_unless_accepted(shape)
        self._batch_size = min(options.batch_size, self._accepted(shape))

    def __call__(self, found: Detections, t: Timings) -> tuple[np.ndarray, np.ndarray]:
        n = len(found)
        if n == 0:
            return np.zeros(0, np.bool_), np.zeros(0, np.float32)
        s, size = self.spec, self._batch_size
        t0 = time.perf_counter()
        sizes, rotated = found.crop_sizes()
        quads, owner = long_lines.plan_pieces(found.quads, sizes, rotated, s.width / s.height)
        # Every line is cropped here and again by the recognizer: warped once, read twice (a
        # piece of a long line is not a stored crop and is computed).
        found.crops = _core.CropStore(
            found.work_image, found.quads, tall_ratio=found.tall_ratio, pool=self._pool
        )
        t["pre"] += time.perf_counter() - t0
        starts = range(0, len(quads), size)
        spans = [slice(a, min(len(quads), a + size)) for a in starts]

        def fill(k: int, out: np.ndarray) -> np.ndarray:
            sl = spans[k]
            batch, _ = _core.crop_batch(
                found.work_image,
                quads[sl],
                s.height,
                s.width,
                keep_ratio=s.keep_ratio,
                mean=s.mean,
                std=s.std,
                tall_ratio=found.tall_ratio,
                uint8=self.pixels_in,
                out=out,
                pool=self._pool,
                store=found.crops,
                store_index=owner[sl],
            )
            return batch

        def keep(out: Mapping[str, np.ndarray]) -> tuple[np.ndarray, ...]:
            """(labels, best) of a best_out network, else (probabilities,)."""
            if self.best_out:
                return self._best(out)
            return (np.asarray(out[self.session.output_name], np.float32),)

        shapes = [(sl.stop - sl.start, s.height, s.width) for sl in spans]
        kept = self._run_batches(shapes, fill, keep, t)
        t0 = time.perf_counter()
        if self.best_out and len(quads) == n:  # one piece a line: the network's own best
            labels, best = (np.concatenate(r) for r in zip(*kept, strict=True))
            _, angle_scores, flips = _core.decide_orientation_best(
                labels, best, len(s.labels), self._label_180, self.options.thresh
            )
            t["post"] += time.perf_counter() - t0
            return flips, angle_scores
        probs = np.concatenate(
            [self._class_probabilities(*k) if self.best_out else k[0] for k in kept]
        )
        if len(probs) != n:  # a line read in pieces: the mean of its pieces' probabilities
            sums = np.zeros((n, probs.shape[1]), np.float64)
            np.add.at(sums, owner, probs)
            probs = (sums / np.bincount(owner, minlength=n)[:, None]).astype(np.float32)
        _, angle_scores, flips = _core.decide_orientation(
            np.ascontiguousarray(probs), self._label_180, self.options.thresh
        )
        t["post"] += time.perf_counter() - t0
        return flips, angle_scores

    def _class_probabilities(self, labels: np.ndarray, best: np.ndarray) -> np.ndarray:
        """float32 [lines, classes] probabilities from a graph-I/O classifier's best class and
        its probability: with two classes (0 and 180 degrees) the other's is the rest, exact
        for a softmax output."""
        classes = len(self.spec.labels)
        probs = np.zeros((len(labels), classes), np.float32)
        if classes == 2:
            probs[:] = (1.0 - best)[:, None]
        probs[np.arange(len(labels)), labels] = best
        return probs


# The CTC decoder's lines: (text, score[, time steps]).
_Decoded = list[tuple[str, float]] | list[tuple[str, float, np.ndarray]]

#: One recognized line: text, score and (on request) each character's CTC time step.
Recognized = tuple[str, float, np.ndarray | None]


class TextRecognizer(_Stage):
    """CTC text recognition of each line: Detections + flips -> (text, score, steps)."""

    role = "rec"

    def __init__(
        self,
        backend: Backend,
        model: Path,
        options: RecOptions,
        spec: models.RecSpec,
        characters: Sequence[str],
        ranges: ShapeRanges,
        observers: Sequence[InputObserver] = (),
        use_graph_io: bool = True,
        pool: _core.ThreadPool | None = None,
    ) -> None:
        self.options = options
        self.spec = spec
        self._decoder = _core.CTCDecoder(list(characters), settle_o_zero=options.settle_o_zero)
        io = graph_io.REC_GRAPH_IO
        super().__init__(backend, model, ranges, observers, io, use_graph_io, pool)
        self._check_classes(len(characters))
        # Where the session runs only its profiles, batches are at most the widest profile's
        # width: longer lines are squeezed to it (PP-OCR's resize to a fixed width), instead of
        # failing. Elsewhere any width runs, as in PP-OCR.
        profiles = self.session.profiles
        self._max_width: int | None = None
        if profiles is not None:
            self._refuse_unless_accepted((1, 3, spec.height, spec.width))
            self._max_width = max(
                r.max[3] for r in profiles if r.covers((r.min[0], 3, spec.height, r.max[3]))
            )

    def _check_classes(self, n_characters: int) -> None:
        shape = self.session.outputs[0].shape
        classes = self._decoder.num_classes
        # An argmax output has no class axis: the transform recorded its source's.
        found = graph_io.recorded_classes(self.model) if self.best_out else None
        if found is None and len(shape) == 3 and isinstance(shape[2], int) and shape[2] > 0:
            found = shape[2]
        if found is not None and found != classes:
            raise ModelError(
                f"the recognizer outputs {found} classes but the character list gives "
                f"{classes} (blank + {n_characters})"
            )

    def __call__(self, found: Detections, flips: np.ndarray, t: Timings) -> list[Recognized]:
        n = len(found)
        if n == 0:
            return []
        t0 = time.perf_counter()
        sizes, rotated = found.crop_sizes()
        window = self.options.window_width
        if window and self._max_width is not None:
            window = min(window, self._max_width)
        plan = long_lines.plan_windows(
            found.quads, sizes, rotated, self.spec.height, window, self._max_width
        )
        t["pre"] += time.perf_counter() - t0
        if plan is None:
            reads = self._read(
                found.work_image, found.quads, sizes, flips, found.tall_ratio, t, store=found.crops
            )
            return self._finished([(text, score, steps) for text, score, steps, _ in reads], t)
        t0 = time.perf_counter()
        sizes, _ = _core.crop_sizes(plan.quads, found.tall_ratio)
        t["pre"] += time.perf_counter() - t0
        reads = self._read(
            found.work_image, plan.quads, sizes, flips[plan.owner], found.tall_ratio, t, steps=True
        )
        return self._finished(plan.merge(reads, flips), t)

    def _finished(
        self, reads: Sequence[tuple[str, float, np.ndarray]], t: Timings
    ) -> list[Recognized]:
        """Each line's (text, score, steps where the options keep them), with the spaces the
        recognizer dropped between Latin words where the options infer them."""
        if not self.options.infer_spaces:
            keep = self.options.return_steps
            return [(text, score, steps if keep else None) for text, score, steps in reads]
        t0 = time.perf_counter()
        out: list[Recognized] = []
        for text, score, steps in reads:
            spaced, spaced_steps = word_spaces.with_spaces(text, steps)
            out.append((spaced, score, spaced_steps if self.options.return_steps else None))
        t["post"] += time.perf_counter() - t0
        return out

    def _read(
        self,
        image: np.ndarray,
        quads: np.ndarray,
        sizes: np.ndarray,
        flips: np.ndarray,
        tall_ratio: float,
        t: Timings,
        steps: bool = False,
        store: _core.CropStore | None = None,
    ) -> list[long_lines.WindowRead]:
        """(text, score, CTC time steps, recognizer pixels per time step) of each quad; store:
        crops of these quads (same order) made earlier."""
        n = len(quads)
        s, size = self.spec, self.options.batch_size
        want_steps = steps or self.options.return_steps or self.options.infer_spaces
        ratios = long_lines.crop_aspects(sizes)
        # Similar widths share a batch: less padding (sorted is stable: ties keep line order).
        order = sorted(range(n), key=ratios.__getitem__)
        empty = np.zeros(0, np.int32)
        results: list[long_lines.WindowRead] = [("", 0.0, empty, 0.0)] * n
        base_ratio = s.width / s.height
        batches: list[tuple[list[int], int]] = []  # (lines, width) of each batch

        def width_of(idx: list[int]) -> int:
            width = int(s.height * max(base_ratio, max(ratios[i] for i in idx)))
            return width if self._max_width is None else min(width, self._max_width)

        bounded, start = self.session.profiles is not None, 0
        while start < n:
            idx = order[start : start + size]
            width = width_of(idx)
            # fewer lines where the session takes fewer at this width (0: none, it says so)
            accepted = self._accepted((len(idx), 3, s.height, width)) if bounded else len(idx)
            while 0 < accepted < len(idx):
                idx = idx[:accepted]
                width = width_of(idx)
                accepted = self._accepted((len(idx), 3, s.height, width))
            batches.append((idx, width))
            start += len(idx)

        def fill(k: int, out: np.ndarray) -> np.ndarray:
            idx, width = batches[k]
            batch, _ = _core.crop_batch(
                image,
                np.ascontiguousarray(quads[idx]),
                s.height,
                width,
                flip180=np.ascontiguousarray(flips[idx]),
                tall_ratio=tall_ratio,
                uint8=self.pixels_in,
                out=out,
                pool=self._pool,
                store=store,
                store_index=None if store is None else idx,
            )
            return batch

        def keep(out: Mapping[str, np.ndarray]) -> Callable[[], tuple[_Decoded, int]]:
            """Decoding, deferred until every batch has run where the outputs are small."""
            if self.best_out:
                best, best_prob = self._best(out)
                return lambda: (
                    self._decoder.decode_best(best, best_prob, want_steps),
                    best.shape[1],
                )
            probs = np.ascontiguousarray(out[self.session.output_name], np.float32)
            decoded = self._decoder.decode(probs, want_steps), probs.shape[1]
            return lambda: decoded

        shapes = [(len(idx), s.height, width) for idx, width in batches]
        kept = self._run_batches(shapes, fill, keep, t)
        t0 = time.perf_counter()
        for (idx, width), decode in zip(batches, kept, strict=True):
            decoded, steps_count = decode()
            step_px = width / max(1, steps_count)
            for i, d in zip(idx, decoded, strict=True):
                found_steps = d[2] if len(d) == 3 else None
                results[i] = (
                    str(d[0]),
                    float(d[1]),
                    found_steps if isinstance(found_steps, np.ndarray) else empty,
                    step_px,
                )
        t["post"] += time.perf_counter() - t0
        return results
