"""The OCR pipeline: detection -> orientation classification -> recognition.

`OCR` wires the three stages of `trt_ocr.stages` (each owns its network and its C++ pre- and
post-processing) and builds the results; no pixel or box arithmetic happens here.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from trt_ocr import _core, backends, models, orientation, vertical_text
from trt_ocr.backends.base import physical_cores
from trt_ocr.errors import ConfigError, ImageLoadError, InputError, ModelError
from trt_ocr.io import ImageInput, describe_input, load_image_for
from trt_ocr.options import (
    ClsOptions,
    DetOptions,
    ImageOptions,
    RecOptions,
    build_options,
)
from trt_ocr.result import OCRResult, TextLine
from trt_ocr.shapes import plan_shapes
from trt_ocr.stages import (
    InputObserver,
    Recognized,
    TextClassifier,
    TextDetector,
    TextRecognizer,
)


class OCR:
    """PP-OCR text detection + recognition.

    >>> ocr = OCR()                          # ppocr-v4-mobile on the best available backend
    >>> result = ocr("receipt.jpg")
    >>> for line in result: print(line.text, line.score)

    Construction loads every network once; calls do no per-call set-up. One instance runs one
    call at a time (calls from several threads are serialised); use one instance per thread
    for parallelism. threads: what each call may use, for the networks (ONNX Runtime's
    intra-op threads) and for the C++ pre/post-processing (None: the physical cores).
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
        graph_io: bool = True,
    ) -> None:
        """graph_io: run the networks as their `trt_ocr.graph_io` transforms (uint8 pixels
        in, normalisation and the cls/rec argmax inside the graphs); False runs the models
        as given (float32 normalised input, full probabilities out)."""
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
        cls_spec = spec.cls if spec else models.ClsSpec(())
        rec_spec = spec.rec if spec else models.RecSpec(())

        # The core splits resize rows and crops across as many threads as the networks get.
        try:
            self._pool = _core.ThreadPool(threads or physical_cores())
        except (TypeError, ValueError) as e:
            raise ConfigError(f"threads={threads!r}: {e}") from e
        self.backend = backends.create(backend, threads=threads)
        # The shape plan every backend gets (TensorRT compiles its optimization profiles from
        # it; build-engines builds from the same plan, so its engines fit).
        ranges = plan_shapes(self.det_options, self.cls_options, self.rec_options, spec).by_role()
        self._observers: list[InputObserver] = []
        self.detector = TextDetector(
            self.backend,
            self.models.det,
            self.det_options,
            self.image_options,
            det_spec,
            ranges,
            self._observers,
            graph_io,
            self._pool,
        )
        self.classifier = (
            TextClassifier(
                self.backend,
                self.models.cls,
                self.cls_options,
                cls_spec,
                ranges,
                self._observers,
                graph_io,
                self._pool,
            )
            if self.cls_options.enabled
            else None
        )
        self.recognizer = TextRecognizer(
            self.backend,
            self.models.rec,
            self.rec_options,
            rec_spec,
            self.models.characters,
            ranges,
            self._observers,
            graph_io,
            self._pool,
        )
        self._lock = threading.Lock()

    # ---- construction helpers -------------------------------------------------------------

    @staticmethod
    def _resolve_models(
        model: str | models.ResolvedModels, precision: str, engines_dir: str | Path | None
    ) -> models.ResolvedModels:
        if isinstance(model, models.ResolvedModels):
            return model
        if not isinstance(model, str):
            raise ValueError(f"model must be a model-set name or ResolvedModels, got {model!r}")
        from trt_ocr.artifacts import PRECISIONS, resolve_precision

        if precision not in PRECISIONS:
            raise ConfigError(
                f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}"
            )
        if precision != "fp32":
            resolved: models.ResolvedModels = resolve_precision(
                model, precision, Path(engines_dir) if engines_dir is not None else None
            )
            return resolved
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
        """An OCR over your own ONNX files (or TensorRT `.engine` plans, with backend
        "tensorrt": batches and sizes then fit the plans' own profiles). dictionary: a PP-OCR
        character file (one character a line, blank and space implicit); None reads the rec
        model's 'character' metadata."""
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
        # A large JPEG is decoded no larger than the detector's whole-image rescale keeps.
        source_image, source_size = load_image_for(image, self.detector.smallest_source)
        t["load"] = time.perf_counter() - t_start
        source = str(image) if isinstance(image, (str, Path)) else None
        if cls and self.classifier is None:
            raise ConfigError("cls=True but this OCR was built with the classifier off")
        classifier = self.classifier if cls is None or cls else None

        found = (
            self.detector(source_image, t, source_size)
            if det
            else self.detector.whole_image(source_image, t, source_size)
        )
        if classifier is not None:
            flips, angle_scores = classifier(found, t)
            if found.turned and vertical_text.upside_down(found.crop_sizes()[0], flips):
                # read turned, the page is upside down: turn it the other way instead
                found = self.detector.turned_over(found, source_image, t, source_size)
                flips, angle_scores = classifier(found, t)
        else:
            flips = np.zeros(len(found), np.bool_)
            angle_scores = np.zeros(len(found), np.float32)

        recognized: list[Recognized] = (
            self.recognizer(found, flips, t) if rec else [("", 0.0, None)] * len(found)
        )
        if rec and classifier is not None and self.cls_options.retry_below > 0:
            recognized, flips = orientation.retry_turned(
                self.recognizer, found, flips, recognized, self.cls_options.retry_below, t
            )
        drop = self.rec_options.drop_score if det and rec else -1.0
        # Python values of the per-line arrays, each converted once (tolist: the same values).
        turned, angle_list, det_scores = (
            flips.tolist(),
            angle_scores.tolist(),
            found.scores.tolist(),
        )
        lines = [
            TextLine(
                found.boxes[i],
                text,
                float(score),
                180 if turned[i] else 0,
                angle_list[i],
                det_scores[i],
                steps,
            )
            for i, (text, score, steps) in enumerate(recognized)
            if score >= drop
        ]
        t["total"] = time.perf_counter() - t_start
        return OCRResult(lines, source_size, t, source)

    @contextlib.contextmanager
    def observe_inputs(self, fn: InputObserver) -> Iterator[None]:
        """While active, fn(role, feeds) is called once for each network run, before it, with
        role "det", "cls" or "rec" and the exact feeds (input name -> array) the network gets
        (the classifier's and recognizer's batches are shown a group at a time, then run).
        The arrays may be buffers reused by the next call: copy what you keep. Used to collect
        INT8 calibration inputs. Observation starts and ends between calls, never inside one."""
        with self._lock:
            self._observers.append(fn)
        try:
            yield
        finally:
            with self._lock:
                self._observers.remove(fn)

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
            raise ConfigError(f"errors must be 'collect' or 'raise', got {errors!r}")
        # Each of these is one image (a str or bytes would otherwise be read a character or a
        # byte at a time, an array a row at a time).
        one_array = isinstance(images, np.ndarray) and images.ndim in (2, 3)  # 4-D: a stack
        if (
            one_array
            or isinstance(images, (str, bytes, bytearray, memoryview, Path))
            or hasattr(images, "getpixel")
        ):
            raise InputError(
                f"batch takes a sequence of images; {describe_input(images)} is one image: "
                "pass [image], or call the OCR on it"
            )
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
        for stage in (self.detector, self.classifier, self.recognizer):
            if stage is not None:
                stage.close()

    def __enter__(self) -> OCR:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"OCR(model={self.models.name!r}, backend={self.backend.describe()!r}, "
            f"precision={self.precision!r})"
        )
