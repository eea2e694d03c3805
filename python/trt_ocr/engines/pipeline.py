"""Runs the build steps in order: convert -> cleanup -> precision -> report -> engine.

Each step reads the previous step's files from the output folder, so any step can run alone
(`--steps report`) once its inputs exist, and each writes its artifacts plus a line in the
folder's manifest.json.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trt_ocr import artifacts, engine_cache, graph_io, models, shapes
from trt_ocr.engines import PRECISIONS, ROLES, STEPS, manifest
from trt_ocr.errors import EngineBuildError
from trt_ocr.files import atomic_write
from trt_ocr.options import ClsOptions, DetOptions, RecOptions
from trt_ocr.shapes import ShapePlan, plan_shapes

Log = Callable[[str], None]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NO_TENSORRT = 3  # every step but the TensorRT one done: no TensorRT or no GPU here


@dataclass
class BuildRequest:
    source: str
    precisions: list[str] = field(default_factory=lambda: list(PRECISIONS))
    steps: list[str] = field(default_factory=lambda: list(STEPS))
    out: Path = Path("engines")
    name: str | None = None
    overrides: dict[str, Path] = field(default_factory=dict)
    dictionary: Path | None = None
    opset: int = 14
    simplifier: str = "auto"
    calib: Path = Path("calib/default.json")
    calib_method: str = "minmax"
    calib_count: int | None = None
    calib_batches: int = 48
    int8_exclude: dict[str, list[str]] = field(default_factory=dict)  # role -> node names
    # Networks quantized to int8; the others get int8_fallback (mixed INT8/fp16 by default).
    # Measured: the detector keeps its accuracy in int8; the PP-OCRv4 recognizer does not
    # (its re-parameterized MobileOne depthwise convs cancel large weights), and the v2
    # orientation classifier (MobileNetV3-small x0.35) flips ~30% of its decisions.
    int8_roles: list[str] = field(default_factory=lambda: ["det"])
    int8_fallback: str = "fp16"
    # The first weighted layers stay float: PP-LCNetV3's re-parameterized (MobileOne) stem
    # has depthwise kernels whose large weights cancel, which 8-bit weights cannot carry
    # (measured: keeping the detector's first 8 convs float takes IC15 e2e H-mean from
    # -6.2 to -0.25 points vs fp32).
    int8_float_first: int = 8
    eval_data: Path | None = None  # holds icdar2015/{det_e2e,words}; the report step needs it
    eval_images: int = 100
    eval_words: int = 500
    sensitivity: list[str] = field(default_factory=list)  # roles; [] = only on a miss
    # The pipeline options the engines are built for (their shapes: trt_ocr.shapes).
    det: DetOptions = field(default_factory=DetOptions)
    cls: ClsOptions = field(default_factory=ClsOptions)
    rec: RecOptions = field(default_factory=RecOptions)
    workspace_mb: int = 2048
    optimization_level: int = 3
    timing_cache: Path | None = None
    library: str = "auto"  # tensorrt | tensorrt-rtx | auto (trt_ocr.backends.tensorrt_library)
    compute_capabilities: list[str] = field(default_factory=list)  # [] = the library's default
    force: bool = False

    def __post_init__(self) -> None:
        bad = [p for p in self.precisions if p not in PRECISIONS]
        if bad:
            raise ValueError(f"unknown precision(s) {bad}; choose from {PRECISIONS}")
        bad = [s for s in self.steps if s not in STEPS]
        if bad:
            raise ValueError(f"unknown step(s) {bad}; choose from {', '.join(STEPS)}")


@dataclass(frozen=True)
class EngineRow:
    """One line of the engine step's final table."""

    path: Path
    library: str
    key: engine_cache.EngineKey
    build_seconds: float
    cache: str  # "hit", or "built: <why it was rebuilt>"


def engine_table(rows: list[EngineRow]) -> str:
    """The engine step's summary: one line per engine."""
    head = ("engine", "library", "precision", "profiles", "size", "build", "cache")
    lines = [head]
    for r in rows:
        profiles = "; ".join(
            f"{'x'.join(map(str, p[0]))}..{'x'.join(map(str, p[2]))}" for p in r.key.profiles
        )
        lines.append(
            (
                f"{r.path.parent.name}/{r.path.name}",
                f"{r.library} {r.key.library_version}",
                r.key.precision,
                profiles,
                f"{r.path.stat().st_size / 1e6:.1f} MB",
                f"{r.build_seconds:.1f} s",
                r.cache,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head) - 1)]
    out = []
    for line in lines:
        cells = [c.ljust(w) for c, w in zip(line[:-1], widths, strict=True)]
        out.append("  ".join([*cells, line[-1]]).rstrip())
    return "engine: summary\n" + "\n".join(out)


@dataclass
class BuildOutcome:
    exit_code: int
    done: list[str]
    skipped: dict[str, str]
    model_dir: Path


def settings_note(built: dict[str, Any], asked: dict[str, Any]) -> str:
    """What a cached engine was built with that differs from what is asked for now: builder
    settings change its speed, not whether it runs, so they do not make it a miss (see
    engine_cache.EngineKey); empty when nothing differs."""
    names = {"optimization_level": "--opt-level", "workspace_mb": "--workspace-mb"}
    diffs = [
        f"{flag} {built[key]} (asked: {asked[key]})"
        for key, flag in names.items()
        if key in built and built[key] != asked.get(key)
    ]
    if not diffs:
        return ""
    return f"built with {', '.join(diffs)}; --force rebuilds it with the new settings"


class Builder:
    def __init__(self, req: BuildRequest, log: Log = print, library: Any = None) -> None:
        """library: the TensorRT layer for the engine step (default: the one
        `trt_ocr.backends.tensorrt_library.select` picks for req.library)."""
        self.req = req
        self.log = log
        self.library = library
        self._source: Any = None
        self._feeds: Any = None
        self._calib_images: list[Path] = []
        self.engine_rows: list[EngineRow] = []

    # -- helpers ----------------------------------------------------------------------------

    @property
    def source(self) -> Any:
        if self._source is None:
            from trt_ocr.engines.convert import resolve_source

            self._source = resolve_source(
                self.req.source, self.req.overrides, self.req.dictionary, self.req.name
            )
        return self._source

    @property
    def name(self) -> str:
        if self.req.name:
            return self.req.name
        from trt_ocr import models

        if self.req.source in models.REGISTRY:
            return self.req.source
        return str(self.source.name)

    def pdir(self, precision: str) -> Path:
        return artifacts.precision_dir(self.req.out, self.name, precision)

    @property
    def mdir(self) -> Path:
        return artifacts.model_dir(self.req.out, self.name)

    def shape_plan(self) -> ShapePlan:
        """The shapes the runtime will ask for, with these options, of this model set."""
        return plan_shapes(self.req.det, self.req.cls, self.req.rec, artifacts.spec_for(self.name))

    def io_for(self, role: str) -> graph_io.GraphIO:
        """The graph I/O parameters of role's network: what the runtime's stages use with
        these options over this model set (the runtime then runs the engines as they are)."""
        spec = artifacts.spec_for(self.name)
        if role == "det":
            det_spec = spec.det if spec else models.DetSpec(())
            return graph_io.det_graph_io(det_spec, self.req.det)
        if role == "cls":
            return graph_io.cls_graph_io(spec.cls if spec else models.ClsSpec(()))
        return graph_io.REC_GRAPH_IO

    def _write_dictionary(self, folder: Path) -> None:
        src = self.source
        if src.dictionary is not None:
            text = Path(src.dictionary).read_text(encoding="utf-8")
            artifacts.write_dictionary(folder, text, src.dictionary_is_full, src.use_space_char)
            return
        import onnx

        rec = onnx.load(str(src.files["rec"]), load_external_data=False)
        meta = {p.key: p.value for p in rec.metadata_props}
        if "character" in meta:
            artifacts.write_dictionary(folder, meta["character"], False, src.use_space_char)

    def _need(self, folder: Path, what: str) -> dict[str, Path]:
        paths = artifacts.onnx_paths(folder)
        missing = [p.name for p in paths.values() if not p.is_file()]
        if missing:
            raise EngineBuildError(
                f"{what} needs {folder}/{{{','.join(missing)}}}: run the earlier steps first"
            )
        return paths

    # -- steps ------------------------------------------------------------------------------

    def step_convert(self) -> None:
        from trt_ocr.engines.convert import copy_or_convert

        out = artifacts.source_dir(self.req.out, self.name)
        self.log(f"== step 1/5 convert: {self.source.origin} -> {out}")
        facts = copy_or_convert(self.source, out, self.req.opset, self.log)
        for role in ROLES:
            manifest.record_step(
                out,
                "convert",
                role,
                out / f"{role}.onnx",
                facts[role],
                model=self.name,
                source=self.source.origin,
            )

    def step_cleanup(self) -> None:
        from trt_ocr.engines import graph

        src_dir = artifacts.source_dir(self.req.out, self.name)
        src = self._need(src_dir, "cleanup")
        dst_dir = self.pdir("fp32")
        self.log(f"== step 2/5 graph I/O + cleanup + TensorRT op check -> {dst_dir}")
        ops: dict[str, Any] = {}
        for role in ROLES:
            dst = dst_dir / f"{role}.onnx"
            # uint8 pixels in, normalisation (and cls/rec argmax) inside: every later step, the
            # fp16/int8 graphs and the engines carry this I/O (trt_ocr.graph_io)
            io = self.io_for(role)
            io_src = dst_dir / f".{role}.graph-io.onnx"
            graph_io.transform_file(src[role], io_src, role, io)
            self.log(f"cleanup: {role}: graph I/O {io.tag(role)}")
            try:
                res = graph.cleanup(io_src, dst, role, self.log, self.req.simplifier)
            finally:
                io_src.unlink(missing_ok=True)
            rep = graph.check_ops(dst)
            self.log(f"cleanup: {role}: " + rep.text())
            ops[role] = rep.to_dict()
            manifest.record_step(
                dst_dir,
                "cleanup",
                role,
                dst,
                {
                    "simplifier": res.simplifier,
                    "graph_io": io.tag(role),
                    "nodes": res.nodes_after,
                    "batchnorm_folded": res.batchnorm_folded,
                    "dims": res.dim_renames,
                    "io": graph.io_shapes(dst),
                    "tensorrt_ops_ok": rep.ok,
                },
                model=self.name,
                precision="fp32",
            )
        atomic_write(dst_dir / "ops_check.json", json.dumps(ops, indent=1) + "\n")
        self._write_dictionary(dst_dir)
        bad = [r for r, o in ops.items() if not o["ok"]]
        if bad:
            self.log(
                f"cleanup: WARNING: TensorRT will reject ops in {', '.join(bad)} "
                f"(see {dst_dir / 'ops_check.json'})"
            )

    def calibration_feeds(self, max_images: int | None = None) -> Any:
        if self._feeds is None:
            from trt_ocr.engines import calibration

            cs = self._calibration_set()
            if max_images:  # enough for a sensitivity pass when the step runs alone
                cs.count = min(cs.count, max_images)
            self._calib_images = cs.images()
            fp32 = artifacts.resolve_folder(self.pdir("fp32"), self.name)
            t0 = time.perf_counter()
            self._feeds = calibration.collect_feeds(
                fp32,
                self._calib_images,
                det_options=self.req.det,
                max_batches=self.req.calib_batches,
                seed=cs.seed,
            )
            f = self._feeds
            self.log(
                f"precision: calibration set {cs.name!r}: {len(self._calib_images)} "
                f"images -> {len(f.det)} det / {len(f.cls)} cls / {len(f.rec)} rec "
                f"batches from the fp32 pipeline ({time.perf_counter() - t0:.0f} s)"
            )
        return self._feeds

    def step_precision(self) -> None:
        from trt_ocr.engines import graph, precision

        fp32 = self._need(self.pdir("fp32"), "precision")
        fp32_sha256 = {role: models.sha256_file(path) for role, path in sorted(fp32.items())}
        for prec in self.req.precisions:
            if prec == "fp32":
                continue
            out = self.pdir(prec)
            self.log(f"== step 3/5 precision {prec} -> {out}")
            details: dict[str, Any] = {}
            recorded = engine_cache.load(out).get("steps", {})
            inputs_by_role = self._precision_inputs(prec, fp32_sha256)
            for role in ROLES:
                dst = out / f"{role}.onnx"
                inputs = inputs_by_role[role]
                if self._up_to_date(recorded.get(f"precision/{role}"), dst, inputs):
                    self.log(
                        f"precision: {prec} {role}: up to date (the same fp32 graph, options"
                        f"{' and calibration images' if 'calibration' in inputs else ''}); "
                        "--force makes it again"
                    )
                    continue
                if prec == "fp16":
                    details[role] = precision.to_fp16(fp32[role], dst, role, self.log)
                elif role not in self.req.int8_roles:
                    out.mkdir(parents=True, exist_ok=True)
                    if self.req.int8_fallback == "fp16":
                        details[role] = precision.to_fp16(fp32[role], dst, role, self.log)
                    else:
                        shutil.copyfile(fp32[role], dst)
                        details[role] = {}
                    details[role].update(kept=self.req.int8_fallback, reason="not in --int8-roles")
                    self.log(
                        f"precision: int8 {role}: {self.req.int8_fallback} (not in --int8-roles)"
                    )
                else:
                    feeds = self.calibration_feeds().for_role(role)
                    first = precision.quantizable_nodes(fp32[role])[: self.req.int8_float_first]
                    exclude = list(dict.fromkeys(first + self.req.int8_exclude.get(role, [])))
                    opts = precision.Int8Options(method=self.req.calib_method, exclude=exclude)
                    details[role] = precision.to_int8(fp32[role], dst, feeds, opts, role, self.log)
                    details[role]["calibration_images"] = [str(p) for p in self._calib_images]
                rep = graph.check_ops(dst)
                if not rep.ok:
                    self.log(f"precision: {prec} {role}: " + rep.text())
                details[role]["tensorrt_ops_ok"] = rep.ok
                details[role]["inputs"] = inputs
                manifest.record_step(
                    out, "precision", role, dst, details[role], model=self.name, precision=prec
                )
            shutil.copyfile(self.pdir("fp32") / artifacts.DICT_FILE, out / artifacts.DICT_FILE)
            meta = self.pdir("fp32") / (artifacts.DICT_FILE + ".json")
            if meta.is_file():
                shutil.copyfile(meta, out / meta.name)

    def _recorded_calibration_images(self) -> list[Path]:
        """The images the int8 models on disk were calibrated on, from their manifest (an
        earlier run's, maybe with another --calib): none of them may be evaluated on."""
        steps = engine_cache.load(self.pdir("int8")).get("steps", {})
        recorded = {
            Path(path)
            for line in steps.values()
            for path in line.get("details", {}).get("calibration_images", [])
        }
        found = sorted(p for p in recorded if p.is_file())
        unknown = sorted(recorded - set(found))
        if unknown:  # an older manifest kept names only, or the images moved
            self.log(
                f"report: WARNING: {len(unknown)} recorded calibration image(s) not found "
                f"(e.g. {unknown[0]}), so not excluded; --steps precision --force records them"
            )
        return found

    def _precision_inputs(
        self, prec: str, fp32_sha256: dict[str, str]
    ) -> dict[str, dict[str, Any]]:
        """Everything each role's prec graph is made from, by role (fp32_sha256: every role's
        fp32 graph's): the same inputs make the same graph (quantization is deterministic:
        seeded draws, fixed feeds), so it is not made again. What the roles share (library
        versions, the calibration images' hashes) is read once."""
        from importlib import metadata

        from trt_ocr import __version__

        def version(dist: str) -> str | None:
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                return None

        libraries = {d: version(d) for d in ("onnx", "onnxruntime", "onnxconverter-common")}
        quantized = [r for r in ROLES if r in self.req.int8_roles] if prec == "int8" else []
        if quantized:
            cs = self._calibration_set()
            calibration = [[str(p), models.sha256_file(p)] for p in cs.images()]
            # The feeds are a role's inputs in the fp32 pipeline: they depend on the other
            # roles' graphs, every stage's options and trt-ocr's own pixel code too.
            pipeline = {
                "fp32_sha256": dict(fp32_sha256),
                "trt_ocr": __version__,
                "options": json.loads(
                    json.dumps([dataclasses.asdict(o) for o in (self.req.cls, self.req.rec)])
                ),
            }
            det = json.loads(json.dumps(dataclasses.asdict(self.req.det)))
        by_role: dict[str, dict[str, Any]] = {}
        for role in ROLES:
            inputs: dict[str, Any] = {"fp32_sha256": fp32_sha256[role], "libraries": libraries}
            if role in quantized:
                inputs["calibration"] = calibration
                inputs["pipeline"] = pipeline
                inputs["int8"] = {
                    "method": self.req.calib_method,
                    "batches": self.req.calib_batches,
                    "seed": cs.seed,
                    "exclude": self.req.int8_exclude.get(role, []),
                    "float_first": self.req.int8_float_first,
                    "det": det,
                }
            elif prec == "int8":
                inputs["kept"] = self.req.int8_fallback
            by_role[role] = inputs
        return by_role

    def _up_to_date(self, line: dict[str, Any] | None, dst: Path, inputs: dict[str, Any]) -> bool:
        """The graph at dst is the one the manifest's line records, made from these inputs."""
        if self.req.force or line is None or not dst.is_file():
            return False
        if line.get("details", {}).get("inputs") != inputs:
            return False
        return bool(line.get("sha256") == models.sha256_file(dst))

    def check_calibration(self) -> None:
        """Raises before any step runs when int8 is asked for and its calibration set has no
        images: the other precisions are not built only to fail at the int8 one."""
        if "int8" in self.req.precisions and "precision" in self.req.steps:
            self._calibration_set().images()

    def _calibration_set(self) -> Any:
        from trt_ocr.engines import calibration

        cs = calibration.CalibrationSet.load(self.req.calib)
        if self.req.calib_count:
            cs.count = self.req.calib_count
        return cs

    def step_report(self) -> None:
        from trt_ocr.engines import calibration, report

        data = self.req.eval_data
        if data is None:
            raise EngineBuildError(
                "the report step needs the IC15 evaluation data: pass --eval-data DIR (or set "
                "$TRT_OCR_EVAL_DATA) to a folder holding icdar2015/det_e2e and icdar2015/words"
            )
        det_root, words_root = data / "icdar2015" / "det_e2e", data / "icdar2015" / "words"
        if not det_root.is_dir() or not words_root.is_dir():
            raise EngineBuildError(
                f"the report step needs {det_root} and {words_root}: --eval-data {data} "
                "does not hold them"
            )
        precs = sorted(set(self.req.precisions) | {"fp32"}, key=PRECISIONS.index)
        resolved = {}
        for p in precs:
            self._need(self.pdir(p), f"report ({p})")
            resolved[p] = artifacts.resolve_folder(self.pdir(p), self.name)
        calib_imgs = self._calib_images or self._recorded_calibration_images()
        images, dropped = calibration.without(report.ic15_images(det_root), calib_imgs)
        images = images[: self.req.eval_images]
        words = report.read_words(words_root)[: self.req.eval_words]
        self.log(
            f"== step 4/5 report: {', '.join(precs)} on {len(images)} IC15 images + "
            f"{len(words)} words ({dropped} IC15 images skipped: calibration images)"
        )
        import onnxruntime as ort

        rep: dict[str, Any] = {
            "model": self.name,
            "backend": f"ONNX Runtime {ort.__version__} CPUExecutionProvider",
            "fp16_execution": (
                "the fp16 ONNX on ONNX Runtime's CPU execution provider (ops "
                "without a CPU fp16 kernel run in fp32 behind Casts ORT "
                "inserts)"
            ),
            "eval": {
                "det_e2e_images": len(images),
                "words": len(words),
                "calibration_images": len(calib_imgs),
                "excluded_for_overlap": dropped,
                "evaluator": report.EVALUATOR,
                "first_image": images[0].name if images else None,
                "last_image": images[-1].name if images else None,
            },
            "precisions": report.evaluate(resolved, det_root, words_root, images, words, self.log),
        }
        int8 = rep["precisions"].get("int8")
        roles = [r for r in self.req.sensitivity if r in self.req.int8_roles]
        if int8 is not None and not int8.get("pass", True) and not roles:
            roles = [r for r in ("rec", "det", "cls") if r in self.req.int8_roles]
            self.log(
                "report: INT8 misses its target: measuring per-layer sensitivity of "
                + ", ".join(roles)
            )
        if roles and "int8" in precs:
            rep["sensitivity"] = self._sensitivity(roles)
            worst = {
                r: [x["node"] for x in s["layers"][:4] if x["error_reduction"] > 0]
                for r, s in rep["sensitivity"].items()
            }
            worst = {r: n for r, n in worst.items() if n}
            flags = " ".join(f"--int8-exclude {r}={','.join(n)}" for r, n in worst.items())
            rep["fallback"] = (
                f"mixed INT8/float: rebuild with `--steps precision,report "
                f"--precision int8 {flags}`"
            )
            self.log("report: " + rep["fallback"])
        rep["composition"] = {p: self._composition(p) for p in precs}
        j, md = report.write(rep, self.mdir)
        for p in precs:
            sub = dict(rep)
            sub["precisions"] = {k: v for k, v in rep["precisions"].items() if k in ("fp32", p)}
            report.write(sub, self.pdir(p))
            manifest.record_step(
                self.pdir(p),
                "report",
                None,
                self.pdir(p) / "report.json",
                {k: v for k, v in rep["precisions"][p].items() if k != "target"},
            )
        self.log(f"report: {j} and {md}")
        self.log(report.to_markdown(rep))

    def _composition(self, prec: str) -> dict[str, str]:
        """What each network of a precision folder is, from its manifest."""
        steps = engine_cache.load(self.pdir(prec)).get("steps", {})
        out = {}
        for role in ROLES:
            d = steps.get(f"precision/{role}", {}).get("details", {})
            if prec == "fp32":
                out[role] = "fp32"
            elif prec == "fp16" or d.get("kept") == "fp16":
                out[role] = "fp16 (mixed, blocked ops fp32)"
            elif d.get("kept"):
                out[role] = str(d["kept"])
            else:
                n = len(d.get("excluded", []))
                out[role] = f"int8 Q/DQ ({n} weighted layers kept float)" if n else "int8 Q/DQ"
        return out

    def _sensitivity(self, roles: list[str]) -> dict[str, Any]:
        from trt_ocr.engines import precision, report

        out = {}
        feeds = self.calibration_feeds(max_images=8)
        for role in roles:
            f = feeds.for_role(role)[: 8 if role != "det" else 4]
            fp32 = self.pdir("fp32") / f"{role}.onnx"
            int8 = self.pdir("int8") / f"{role}.onnx"
            skip = set(self.req.int8_exclude.get(role, []))
            skip |= set(precision.quantizable_nodes(fp32)[: self.req.int8_float_first])
            names = [n for n in precision.quantizable_nodes(fp32) if n not in skip]
            out[role] = report.sensitivity(fp32, int8, f, names, self.log)
        return out

    def _engine_library(self) -> Any:
        """The library the engine step builds with: TensorRT on a GPU, or TensorRT-RTX ahead
        of time (no GPU needed). Raises BackendError saying why there is none."""
        if self.library is not None:
            return self.library
        from trt_ocr.backends import tensorrt_library

        return tensorrt_library.select(
            self.req.library, build_only=True, targets=self.req.compute_capabilities or None
        )

    def step_engine(self) -> tuple[bool, str]:
        from trt_ocr.backends import tensorrt_library
        from trt_ocr.errors import BackendError

        try:
            lib = self._engine_library()
        except BackendError as e:
            return False, str(e)
        from trt_ocr.engines import graph

        settings = tensorrt_library.BuildSettings(
            self.req.workspace_mb,
            self.req.optimization_level,
            self.req.timing_cache or (self.req.out / "timing.cache"),
        )
        plan = self.shape_plan()
        caveat = getattr(lib, "flavor", None) and lib.flavor.int8_caveat
        check = lib.plan_check() if hasattr(lib, "plan_check") else lib.deserialize_error
        jobs = [(p, r) for p in self.req.precisions for r in ROLES]
        self.log(f"== step 5/5 engine: {len(jobs)} engines with {lib.describe()}")
        rows: list[EngineRow] = []
        for n, (prec, role) in enumerate(jobs, 1):
            folder = self.pdir(prec)
            paths = self._need(folder, f"engine ({prec})")
            label = f"[{n}/{len(jobs)}] {prec} {role}"
            ranges = plan.ranges(role)
            dims = next(iter(graph.io_shapes(paths[role])["inputs"].values()))
            problems = shapes.conflicts(ranges, dims)
            if problems:
                raise EngineBuildError(f"{prec} {role}: " + "; ".join(problems))
            if prec == "int8" and caveat and role == ROLES[0]:
                self.log(f"engine: int8: WARNING: {caveat}")
            key = engine_cache.engine_key(paths[role], ranges, lib.target)
            eng = folder / f"{role}.engine"
            d = engine_cache.decide(
                engine_cache.load(folder), role, eng, key, check, force=self.req.force
            )
            if d.usable:
                rec = engine_cache.load(folder)["engines"][role]
                self.log(f"engine: {label}: cache hit ({d.reason})")
                note = settings_note(rec.get("builder", {}), settings.to_dict())
                if note:
                    self.log(f"engine: {label}:   {note}")
                rows.append(EngineRow(eng, lib.name, key, float(rec["build_seconds"]), "hit"))
                continue
            self.log(f"engine: {label}: building ({d.reason})")
            try:
                secs = lib.build(paths[role], eng, ranges, settings, self.log, label)
            except EngineBuildError as e:
                raise EngineBuildError(f"{prec} {role}: {e}") from e
            extra: dict[str, Any] = {"builder": settings.to_dict(), "built_with": lib.describe()}
            if prec == "int8" and caveat:
                extra["note"] = caveat
            engine_cache.record_engine(folder, role, key, eng, secs, extra)
            self.log(f"engine: {label}: {eng} ({eng.stat().st_size / 1e6:.1f} MB) in {secs:.1f} s")
            rows.append(EngineRow(eng, lib.name, key, secs, f"built: {d.reason}"))
        self.engine_rows = rows
        self.log(engine_table(rows))
        return True, ""

    # -- all --------------------------------------------------------------------------------

    def run(self) -> BuildOutcome:
        self.check_calibration()
        done: list[str] = []
        skipped: dict[str, str] = {}
        steps = [s for s in STEPS if s in self.req.steps]
        for step in steps:
            if step == "report" and self.req.eval_data is None and self.req.steps == list(STEPS):
                # all steps by default: a machine without the IC15 data still gets its engines
                skipped["report"] = "no evaluation data (--eval-data DIR or $TRT_OCR_EVAL_DATA)"
                self.log(f"== step 4/5 report: SKIPPED: {skipped['report']}")
                continue
            if step == "engine":
                ok, why = self.step_engine()
                if not ok:
                    skipped["engine"] = why
                    self.log(
                        f"== step 5/5 engine: SKIPPED: building engines needs TensorRT with "
                        f"an NVIDIA GPU, or TensorRT-RTX (no GPU needed) ({why}). Steps "
                        f"{', '.join(done) or '(none)'} are done; their ONNX files run "
                        "on ONNX Runtime (OCR(..., precision=...))."
                    )
                    continue
            else:
                getattr(self, f"step_{step}")()
            done.append(step)
        code = EXIT_NO_TENSORRT if "engine" in skipped else EXIT_OK
        return BuildOutcome(code, done, skipped, self.mdir)
