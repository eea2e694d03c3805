"""The OCR pipeline: detection -> orientation classification -> recognition.

All pixel work (resize, normalise, crops, DB post-processing, CTC decoding) runs in the C++
core; this module only moves arrays between the core and the backend sessions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trt_ocr import _core, backends, models
from trt_ocr.backends.base import Session, ShapeRange
from trt_ocr.errors import ImageLoadError, ModelError
from trt_ocr.io import ImageInput, describe_input, load_image
from trt_ocr.options import (
    ClsOptions,
    DetOptions,
    ImageOptions,
    RecOptions,
    build_options,
)
from trt_ocr.result import OCRResult, TextLine

# A rec-only input is never rotated: the user already gave us one upright line.
_NO_ROTATION = 1e9


class OCR:
    """PP-OCR text detection + recognition.

    >>> ocr = OCR()                          # ppocr-v4-mobile on the best available backend
    >>> result = ocr("receipt.jpg")
    >>> for line in result: print(line.text, line.score)

    Construction loads every network once; calls do no per-call set-up. One instance runs one
    call at a time (calls from several threads are serialised); use one instance per thread
    for parallelism.
    """

    def __init__(
        self,
        model: str | models.ResolvedModels = models.DEFAULT_MODEL,
        backend: str = "auto",
        det: DetOptions | dict[str, Any] | None = None,
        cls: ClsOptions | dict[str, Any] | bool | None = None,
        rec: RecOptions | dict[str, Any] | None = None,
        *,
        image: ImageOptions | dict[str, Any] | None = None,
        threads: int | None = None,
        precision: str = "fp32",
        engines_dir: str | Path | None = None,
    ) -> None:
        self.models = self._resolve_models(model, precision, engines_dir)
        spec = self.models.spec
        if spec is not None and spec.format != "onnx":
            raise ModelError(
                f"model set {spec.name!r} holds Paddle inference files; convert it with "
                f"'trt-ocr build-engines {spec.name}' or use an ONNX model set"
            )
        self.precision = precision

        if isinstance(cls, bool):
            cls = ClsOptions(enabled=cls)
        self.det_options = build_options(DetOptions, det, "det")
        self.cls_options = build_options(ClsOptions, cls, "cls")
        self.rec_options = build_options(RecOptions, rec, "rec")
        self.image_options = build_options(ImageOptions, image, "image")

        det_spec = spec.det if spec else models.DetSpec(())
        self._det_mean = tuple(self.det_options.mean or det_spec.mean)
        self._det_std = tuple(self.det_options.std or det_spec.std)
        self._cls_spec = spec.cls if spec else models.ClsSpec(())
        self._rec_spec = spec.rec if spec else models.RecSpec(())
        try:
            self._label_180 = list(self._cls_spec.labels).index("180")
        except ValueError:
            raise ModelError("the classifier's labels have no '180'") from None

        self.backend = backends.create(backend, threads=threads)
        ranges = self._shape_ranges()
        self._det: Session = self.backend.open(self.models.det, "det", ranges["det"])
        self._cls: Session | None = (
            self.backend.open(self.models.cls, "cls", ranges["cls"])
            if self.cls_options.enabled
            else None
        )
        self._rec: Session = self.backend.open(self.models.rec, "rec", ranges["rec"])
        self._decoder = _core.CTCDecoder(self.models.characters)
        self._check_rec_classes()
        self._lock = threading.Lock()
        self._det_buffer = np.empty(0, np.float32)  # grows to the largest detector input

    # ---- construction helpers -------------------------------------------------------------

    @staticmethod
    def _resolve_models(
        model: str | models.ResolvedModels, precision: str, engines_dir: str | Path | None
    ) -> models.ResolvedModels:
        if isinstance(model, models.ResolvedModels):
            return model
        if not isinstance(model, str):
            raise ValueError(f"model must be a model-set name or ResolvedModels, got {model!r}")
        if precision not in ("fp32", "fp16", "int8"):
            raise ValueError(f"precision must be fp32, fp16 or int8, got {precision!r}")
        if precision != "fp32":
            from trt_ocr.artifacts import resolve_precision

            return resolve_precision(
                model, precision, Path(engines_dir) if engines_dir is not None else None
            )
        return models.resolve(model)

    @classmethod
    def from_files(
        cls,
        det: str | Path,
        rec: str | Path,
        cls_model: str | Path,
        dictionary: str | Path | None = None,
        *,
        rec_height: int = 48,
        **kwargs: Any,
    ) -> OCR:
        """An OCR over your own ONNX files. dictionary: a PP-OCR character file (one character
        a line, blank and space implicit); None reads the rec model's 'character' metadata."""
        paths = [Path(p) for p in (det, rec, cls_model)]
        for p in paths:
            if not p.is_file():
                raise ModelError(f"{p}: no such model file")
        rec_spec = models.RecSpec((), height=rec_height)
        chars = models.load_characters(rec_spec, paths[1], Path(dictionary) if dictionary else None)
        spec = models.ModelSet(
            "custom", "user-supplied ONNX", "onnx", models.DetSpec(()), models.ClsSpec(()), rec_spec
        )
        return cls(
            models.ResolvedModels("custom", paths[0], paths[2], paths[1], chars, spec), **kwargs
        )

    def _shape_ranges(self) -> dict[str, tuple[ShapeRange, ...]]:
        """Per role, the input ranges of the shape plan (one per optimization profile)."""
        from trt_ocr.shapes import plan_shapes

        return plan_shapes(
            self.det_options, self.cls_options, self.rec_options, self.models.spec
        ).by_role()

    def _check_rec_classes(self) -> None:
        shape = self._rec.outputs[0].shape
        if (
            len(shape) == 3
            and isinstance(shape[2], int)
            and shape[2] > 0
            and shape[2] != self._decoder.num_classes
        ):
            raise ModelError(
                f"the recognizer outputs {shape[2]} classes but the character list gives "
                f"{self._decoder.num_classes} (blank + {len(self.models.characters)})"
            )

    # ---- stages ---------------------------------------------------------------------------

    def _rescale(self, img: np.ndarray) -> tuple[np.ndarray, float, float]:
        """Optional whole-image resize (ImageOptions); returns (image, scale_y, scale_x) with
        scale = original / resized."""
        o = self.image_options
        h, w = img.shape[:2]
        ratio = 1.0
        if o.max_side_len > 0 and max(h, w) > o.max_side_len:
            ratio = o.max_side_len / max(h, w)
        elif o.min_side_len > 0 and min(h, w) < o.min_side_len:
            ratio = o.min_side_len / min(h, w)
        if ratio == 1.0:
            return img, 1.0, 1.0
        rh = max(32, round(int(h * ratio) / 32) * 32)
        rw = max(32, round(int(w * ratio) / 32) * 32)
        # resize_normalize with mean 0 and std 1/255 is the bit-exact uint8 bilinear resize.
        planes = _core.resize_normalize(
            img, rh, rw, mean=(0.0, 0.0, 0.0), std=(1 / 255, 1 / 255, 1 / 255)
        )[0]
        out = np.clip(np.rint(planes), 0, 255).astype(np.uint8).transpose(1, 2, 0)
        return np.ascontiguousarray(out), h / rh, w / rw

    def _letterbox(self, img: np.ndarray) -> tuple[np.ndarray, int]:
        """RapidOCR-style padding of thin images before detection (off by default)."""
        o = self.det_options
        h, w = img.shape[:2]
        too_thin = o.min_height > 0 and h <= o.min_height
        too_wide = o.max_aspect > 0 and w / h > o.max_aspect
        if not (too_thin or too_wide):
            return img, 0
        target = max(int(w / o.max_aspect) if o.max_aspect > 0 else 0, o.min_height) * 2
        pad = abs(target - h) // 2
        if pad == 0:
            return img, 0
        out = np.zeros((h + 2 * pad, w, 3), np.uint8)
        out[pad : pad + h] = img
        return out, pad

    def _detect(self, img: np.ndarray, t: dict[str, float]) -> tuple[Any, np.ndarray]:
        o = self.det_options
        t0 = time.perf_counter()
        det_img, pad = self._letterbox(img)
        h, w = det_img.shape[:2]
        rh, rw, _, _ = _core.det_input_shape(h, w, o.limit_side_len, o.limit_type)
        if self._det_buffer.size < 3 * rh * rw:
            self._det_buffer = np.empty(3 * rh * rw, np.float32)
        tensor, _, _ = _core.det_preprocess(
            det_img,
            o.limit_side_len,
            o.limit_type,
            self._det_mean,
            self._det_std,
            out=self._det_buffer,
        )
        t1 = time.perf_counter()
        prob = self._det.run({self._det.input_name: tensor})[self._det.output_name]
        t2 = time.perf_counter()
        prob_map = np.ascontiguousarray(
            prob.reshape(prob.shape[-2], prob.shape[-1]), dtype=np.float32
        )
        boxes, scores = _core.db_postprocess(
            prob_map,
            h,
            w,
            thresh=o.thresh,
            box_thresh=o.box_thresh,
            max_candidates=o.max_candidates,
            unclip_ratio=o.unclip_ratio,
            use_dilation=o.use_dilation,
            score_mode=o.score_mode,
            box_type=o.box_type,
        )
        if o.box_type == "poly":
            polys = [p - np.array([0, pad], np.float32) for p in boxes]
            for p in polys:
                np.clip(p[:, 1], 0, img.shape[0] - 1, out=p[:, 1])
            quads = (
                np.stack([min_area_quad(p) for p in polys])
                if polys
                else np.zeros((0, 4, 2), np.float32)
            )
        else:
            polys = None
            quads = np.ascontiguousarray(boxes, dtype=np.float32)
            if pad:
                quads[:, :, 1] -= pad
                np.clip(quads[:, :, 1], 0, img.shape[0] - 1, out=quads[:, :, 1])
        order = _core.reading_order(quads) if len(quads) else np.zeros(0, np.int64)
        quads = np.ascontiguousarray(quads[order])
        scores = np.asarray(scores, np.float32)[order]
        if polys is not None:
            polys = [polys[i] for i in order]
        t3 = time.perf_counter()
        t["pre"] += t1 - t0
        t["det"] += t2 - t1
        t["post"] += t3 - t2
        return (quads, scores, polys), quads

    def _classify(
        self, img: np.ndarray, quads: np.ndarray, tall_ratio: float, t: dict[str, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        n = len(quads)
        flips = np.zeros(n, np.bool_)
        angle_scores = np.zeros(n, np.float32)
        if self._cls is None or n == 0:
            return flips, angle_scores
        s = self._cls_spec
        for start in range(0, n, self.cls_options.batch_size):
            sl = slice(start, min(n, start + self.cls_options.batch_size))
            t0 = time.perf_counter()
            batch, _ = _core.crop_batch(
                img,
                quads[sl],
                s.height,
                s.width,
                keep_ratio=s.keep_ratio,
                mean=s.mean,
                std=s.std,
                tall_ratio=tall_ratio,
            )
            t1 = time.perf_counter()
            probs = self._cls.run({self._cls.input_name: batch})[self._cls.output_name]
            t2 = time.perf_counter()
            _, scores, flip = _core.decide_orientation(
                np.ascontiguousarray(probs, np.float32), self._label_180, self.cls_options.thresh
            )
            flips[sl] = flip
            angle_scores[sl] = scores
            t["pre"] += t1 - t0
            t["cls"] += t2 - t1
            t["post"] += time.perf_counter() - t2
        return flips, angle_scores

    def _recognize(
        self,
        img: np.ndarray,
        quads: np.ndarray,
        flips: np.ndarray,
        tall_ratio: float,
        t: dict[str, float],
    ) -> list[tuple]:
        n = len(quads)
        if n == 0:
            return []
        s = self._rec_spec
        t0 = time.perf_counter()
        sizes, _ = _core.crop_sizes(quads, tall_ratio)
        ratios = sizes[:, 0] / np.maximum(sizes[:, 1], 1)
        order = np.argsort(ratios, kind="stable")  # similar widths share a batch: less padding
        t["pre"] += time.perf_counter() - t0
        results: list[tuple] = [("", 0.0, None)] * n
        base_ratio = s.width / s.height
        for start in range(0, n, self.rec_options.batch_size):
            idx = order[start : start + self.rec_options.batch_size]
            t0 = time.perf_counter()
            max_ratio = max(base_ratio, float(ratios[idx].max()))
            width = int(s.height * max_ratio)
            batch, _ = _core.crop_batch(
                img,
                np.ascontiguousarray(quads[idx]),
                s.height,
                width,
                flip180=np.ascontiguousarray(flips[idx]),
                tall_ratio=tall_ratio,
            )
            t1 = time.perf_counter()
            probs = self._rec.run({self._rec.input_name: batch})[self._rec.output_name]
            t2 = time.perf_counter()
            decoded = self._decoder.decode(
                np.ascontiguousarray(probs, np.float32), self.rec_options.return_steps
            )
            for i, d in zip(idx, decoded, strict=True):
                results[i] = d if len(d) == 3 else (d[0], d[1], None)
            t["pre"] += t1 - t0
            t["rec"] += t2 - t1
            t["post"] += time.perf_counter() - t2
        return results

    # ---- public API -----------------------------------------------------------------------

    def __call__(
        self, image: ImageInput, *, det: bool = True, cls: bool | None = None, rec: bool = True
    ) -> OCRResult:
        """OCR of one image.

        det=False treats the whole image as one text line (recognition only); rec=False stops
        after detection (lines have boxes and empty text); cls=False skips the orientation
        classifier for this call (None: as configured)."""
        with self._lock:
            return self._run(image, det=det, cls=cls, rec=rec)

    def _run(self, image: ImageInput, *, det: bool, cls: bool | None, rec: bool) -> OCRResult:
        t_start = time.perf_counter()
        t = {"load": 0.0, "pre": 0.0, "det": 0.0, "cls": 0.0, "rec": 0.0, "post": 0.0}
        original = load_image(image)
        t["load"] = time.perf_counter() - t_start
        h, w = original.shape[:2]
        t0 = time.perf_counter()
        img, scale_y, scale_x = self._rescale(original)
        t["pre"] += time.perf_counter() - t0
        source = str(image) if isinstance(image, (str, Path)) else None
        if cls and self._cls is None:
            raise ValueError("cls=True but this OCR was built with the classifier off")
        use_cls = self._cls is not None if cls is None else bool(cls)

        polys = None
        if det:
            (quads, det_scores, polys), _ = self._detect(img, t)
            tall_ratio = 1.5
        else:
            ih, iw = img.shape[:2]
            quads = np.array([[[0, 0], [iw, 0], [iw, ih], [0, ih]]], np.float32)
            det_scores = np.ones(1, np.float32)
            tall_ratio = _NO_ROTATION
        if use_cls:
            flips, angle_scores = self._classify(img, quads, tall_ratio, t)
        else:
            flips = np.zeros(len(quads), np.bool_)
            angle_scores = np.zeros(len(quads), np.float32)

        out_quads, out_polys = quads, polys
        if scale_y != 1.0 or scale_x != 1.0:
            scale = np.array([scale_x, scale_y], np.float32)
            limit = np.array([w, h], np.float32)
            out_quads = np.clip(quads * scale, 0, limit)
            if polys is not None:
                out_polys = [np.clip(p * scale, 0, limit) for p in polys]
        quads_out = out_polys if out_polys is not None else out_quads

        lines: list[TextLine] = []
        if rec:
            texts = self._recognize(img, quads, flips, tall_ratio, t)
            drop = self.rec_options.drop_score if det else -1.0
            for i, (text, score, steps) in enumerate(texts):
                if score < drop:
                    continue
                box = quads_out[i]
                lines.append(
                    TextLine(
                        box,
                        text,
                        float(score),
                        180 if flips[i] else 0,
                        float(angle_scores[i]),
                        float(det_scores[i]),
                        steps,
                    )
                )
        else:
            for i in range(len(quads)):
                box = quads_out[i]
                lines.append(
                    TextLine(
                        box,
                        "",
                        0.0,
                        180 if flips[i] else 0,
                        float(angle_scores[i]),
                        float(det_scores[i]),
                    )
                )
        t["total"] = time.perf_counter() - t_start
        return OCRResult(lines, (h, w), t, source)

    def recognize(self, image: ImageInput, *, cls: bool | None = False) -> TextLine:
        """Recognition only: image is one text line. The classifier is off unless asked."""
        result = self(image, det=False, cls=cls)
        return result.lines[0]

    def batch(
        self, images: Iterable[ImageInput], *, errors: str = "collect", **kwargs: Any
    ) -> list[OCRResult]:
        """OCR of each image, in order. errors="collect" (default): an input that cannot be
        read gives an OCRResult whose .error holds the ImageLoadError (and no lines), so one
        bad file never costs the others' results; errors="raise": the first such error
        propagates."""
        if errors not in ("collect", "raise"):
            raise ValueError(f"errors must be 'collect' or 'raise', got {errors!r}")
        out: list[OCRResult] = []
        for image in images:
            try:
                out.append(self(image, **kwargs))
            except ImageLoadError as e:
                if errors == "raise":
                    raise
                source = str(image) if isinstance(image, (str, Path)) else describe_input(image)
                out.append(OCRResult.failed(source, e))
        return out

    def close(self) -> None:
        for s in (self._det, self._cls, self._rec):
            if s is not None:
                s.close()

    def __enter__(self) -> OCR:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"OCR(model={self.models.name!r}, backend={self.backend.describe()!r}, "
            f"precision={self.precision!r})"
        )


def min_area_quad(points: np.ndarray) -> np.ndarray:
    """Minimum-area rectangle around a polygon (rotating calipers on its convex hull), as 4
    points clockwise from top-left. Used to crop curved ("poly") detections."""
    pts = np.unique(np.asarray(points, np.float64).reshape(-1, 2), axis=0)
    if len(pts) < 3:
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        rect = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
        return rect.astype(np.float32)
    hull = _convex_hull(pts)
    edges = np.diff(np.vstack([hull, hull[:1]]), axis=0)
    angles = np.unique(np.mod(np.arctan2(edges[:, 1], edges[:, 0]), np.pi / 2))
    best = None
    for a in angles:
        c, s = np.cos(a), np.sin(a)
        rot = hull @ np.array([[c, -s], [s, c]])
        lo, hi = rot.min(axis=0), rot.max(axis=0)
        area = float(np.prod(hi - lo))
        if best is None or area < best[0]:
            corners = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])
            best = (area, corners @ np.array([[c, s], [-s, c]]))
    return _order_clockwise(best[1]).astype(np.float32)


def _convex_hull(pts: np.ndarray) -> np.ndarray:
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]

    def half(seq: Sequence[np.ndarray]) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for p in seq:
            while len(out) >= 2 and np.cross(out[-1] - out[-2], p - out[-2]) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def _order_clockwise(q: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left (image coordinates, y down)."""
    by_x = q[np.argsort(q[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1], kind="stable")]
    tr, br = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([tl, tr, br, bl])
