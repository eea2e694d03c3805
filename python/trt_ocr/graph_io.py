"""Moves work into the networks, once, by an ONNX transform of their inputs and outputs.

A PP-OCR network takes a normalised float32 NCHW image and the recognizer returns T x classes
float32 probabilities per line (about 1 MB) only for CTC decoding to take their argmax. The
transformed networks ("graph I/O", version `VERSION`):

- take the uint8 pixels instead (same name, same NCHW shape, so every shape of `trt_ocr.shapes`
  and every TensorRT profile stays as it is), followed in the graph by Cast and the per-channel
  normalisation in the C++ core's own float32 arithmetic, so the network sees the very values
  it saw before: the detector's (x * scale - mean) / std (Mul, Sub, Div) and the crops'
  x * (scale / std) + (-mean / std) (Mul, Add);
- cls and rec end in ArgMax + ReduceMax over the last axis (classes): outputs `best_index`
  (int32, the first maximum, as the core's argmax takes it) and `best_score` (float32), so CTC
  decoding reads 8 bytes per time step instead of 4 x classes;
- the detector returns its probability map as float16 (`probability`), rounded so that
  comparing it (as float32) with the binarisation threshold gives exactly the float32 map's
  answer: where the rounding would cross the threshold the value is held at the nearest float16
  on the right side. DB's boxes come from that binary map, so the float16 map gives the boxes
  the float32 map gives; only box scores (means of the map) move, by float16 rounding
  (relative 2^-11);
- the network's body is rewritten where ONNX Runtime would not fuse it (`trt_ocr.graph_fusion`:
  scalar affines folded into convolutions or made depthwise ones, hard-swish as
  x * HardSigmoid(x)): the same functions in 40-55% less CPU time.

What changes: the networks' outputs by a few float32 ulps (the fusions' rounding: a map value
that close to the threshold, or two classes that close, can flip), box scores by the float16
rounding, and the padding of the cls/rec batches: uint8 cannot hold the pixel that normalises
to 0 (127.5 for mean 0.5), so the core pads with the nearest pixel (`_core.crop_batch`).

`prepare` gives the transformed file of a model, made once and cached beside it (or under
$TRT_OCR_HOME/graph-io when that folder is read-only) with a stamp holding both files' sha256;
build-engines transforms its models with `transform` before cleanup and precision. A runtime
module (no trt_ocr.engines import); onnx is imported only when a model must be transformed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trt_ocr import graph_fusion
from trt_ocr.errors import ModelError
from trt_ocr.files import atomic_write

if TYPE_CHECKING:
    from trt_ocr.models import ClsSpec, DetSpec
    from trt_ocr.options import DetOptions

#: Bump when the transform's output changes: cached files and engines built from them are
#: then made again (the engine cache sees a different ONNX sha256).
VERSION = 4
ROLES = ("det", "cls", "rec")
#: The output names of a transformed classifier / recognizer.
BEST_INDEX = "best_index"
BEST_SCORE = "best_score"
#: The output name of a transformed detector (float16 probability map).
DET_PROBABILITY = "probability"
PIXEL_SCALE = 1.0 / 255.0
METADATA_KEY = "trt_ocr.graph_io"  # the transform's tag, in the transformed model
#: Names of the nodes the transform adds start with this (fp16 conversion keeps them fp32).
NODE_PREFIX = "graph_io/"


@dataclass(frozen=True)
class GraphIO:
    """The parameters of one network's transform: its input normalisation, per channel
    (pixel * scale - mean) / std, and for the detector the binarisation threshold its float16
    probability map keeps exact (DetOptions.thresh)."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    det_thresh: float | None = None

    def tag(self, role: str) -> str:
        """Names the transform of a role's model with these parameters (cache file names)."""
        key = json.dumps({"version": VERSION, "role": role, **asdict(self)}, sort_keys=True)
        return f"io-v{VERSION}-{role}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _three(values: Any) -> tuple[float, float, float]:
    a, b, c = values
    return (float(a), float(b), float(c))


def det_graph_io(spec: DetSpec, options: DetOptions) -> GraphIO:
    """The detector's: the options' mean/std where given, else the model set's, and the
    options' binarisation threshold."""
    return GraphIO(
        _three(options.mean or spec.mean), _three(options.std or spec.std), float(options.thresh)
    )


def cls_graph_io(spec: ClsSpec) -> GraphIO:
    return GraphIO(_three(spec.mean), _three(spec.std))


#: The recognizer's (the core's crop_batch default; every PP-OCR recognizer's).
REC_GRAPH_IO = GraphIO((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))


@dataclass(frozen=True)
class GraphFacts:
    """What a model's I/O looks like, as far as the pipeline cares."""

    input_name: str
    input_type: str  # "float32", "uint8", or the ONNX type name
    transformed: bool  # takes uint8 pixels (and, cls/rec, gives best_index + best_score)
    tag: str = ""  # the transform's GraphIO.tag, recorded in the model's metadata


def _type_name(elem_type: int) -> str:
    import onnx

    known = {int(onnx.TensorProto.FLOAT): "float32", int(onnx.TensorProto.UINT8): "uint8"}
    return known.get(int(elem_type)) or str(onnx.TensorProto.DataType.Name(elem_type)).lower()


def _image_input(model: Any, where: Path) -> Any:
    """The model's one graph input (initializers aside), checked to be an N x 3 x H x W image."""
    g = model.graph
    weights = {t.name for t in g.initializer}
    inputs = [i for i in g.input if i.name not in weights]
    if len(inputs) != 1 or (len(g.output) != 1 and not _has_best_outputs(model)):
        raise ModelError(
            f"{where}: not a PP-OCR network (one image input and one output expected, found "
            f"{len(inputs)} inputs and {len(g.output)} outputs)"
        )
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) != 4 or (dims[1].HasField("dim_value") and dims[1].dim_value != 3):
        shape = [d.dim_value if d.HasField("dim_value") else d.dim_param or "?" for d in dims]
        raise ModelError(
            f"{where}: not a PP-OCR network (its input {inputs[0].name!r} has shape {shape}, "
            "expected N x 3 x H x W)"
        )
    return inputs[0]


def _has_best_outputs(model: Any) -> bool:
    return {o.name for o in model.graph.output} == {BEST_INDEX, BEST_SCORE}


def facts(model_or_path: Any) -> GraphFacts:
    """The I/O facts of an ONNX model (a path or a loaded ModelProto)."""
    import onnx

    if isinstance(model_or_path, (str, Path)):
        where = Path(model_or_path)
        try:
            model = onnx.load(str(where), load_external_data=False)
        except Exception as e:  # onnx raises protobuf's DecodeError and others
            raise ModelError(f"cannot read {where} as ONNX: {e}") from e
    else:
        where, model = Path("model"), model_or_path
    inp = _image_input(model, where)
    kind = _type_name(inp.type.tensor_type.elem_type)
    tag = next((p.value for p in model.metadata_props if p.key == METADATA_KEY), "")
    return GraphFacts(inp.name, kind, kind == "uint8", tag)


def transform(model: Any, role: str, io: GraphIO, where: Path | None = None) -> Any:
    """The model (an onnx ModelProto, changed in place and returned) with its body fused
    (`graph_fusion.fuse`), uint8 input and in-graph normalisation, and for cls/rec the argmax
    outputs. Raises ModelError for a graph that is not a PP-OCR network (one float32
    N x 3 x H x W input, one output)."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    where = where or Path(f"the {role} model")
    g = model.graph
    inp = _image_input(model, where)
    if inp.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
        raise ModelError(
            f"{where}: its input {inp.name!r} is {_type_name(inp.type.tensor_type.elem_type)}, "
            "expected float32 (the graph I/O transform starts from a float network)"
        )
    if len(g.output) != 1:
        raise ModelError(f"{where}: expected one output, found {len(g.output)}")
    graph_fusion.fuse(model)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    fresh = graph_fusion.FreshNames(g)

    def const(stem: str, values: Any) -> str:
        name = fresh(stem)
        arr = np.asarray(values, np.float32).reshape(1, 3, 1, 1)
        g.initializer.append(numpy_helper.from_array(arr, name))
        return name

    # The pixels keep the input's name; what used to read the input reads the normalised copy.
    pixels = inp.name
    normalised = fresh(f"{pixels}_normalized")
    for node in g.node:
        for k, name in enumerate(node.input):
            if name == pixels:
                node.input[k] = normalised
    for out in g.output:
        if out.name == pixels:  # an identity graph: nothing sensible to transform
            raise ModelError(f"{where}: its input is also its output")
    inp.type.tensor_type.elem_type = onnx.TensorProto.UINT8

    as_float = fresh(f"{pixels}_float")
    mean = np.asarray(io.mean, np.float32)
    std = np.asarray(io.std, np.float32)
    scale = np.float32(PIXEL_SCALE)
    nodes = [helper.make_node("Cast", [pixels], [as_float], to=onnx.TensorProto.FLOAT)]
    scaled = fresh(f"{pixels}_scaled")
    if role == "det":
        # the core's resize_normalize_chw: (v * scale - mean) / std
        centred = fresh(f"{pixels}_centred")
        nodes += [
            helper.make_node("Mul", [as_float, const("pixel_scale", [scale] * 3)], [scaled]),
            helper.make_node("Sub", [scaled, const("pixel_mean", mean)], [centred]),
            helper.make_node("Div", [centred, const("pixel_std", std)], [normalised]),
        ]
    else:
        # the core's crop_batch: v * (scale / std) + (-mean / std)
        nodes += [
            helper.make_node("Mul", [as_float, const("pixel_mul", scale / std)], [scaled]),
            helper.make_node("Add", [scaled, const("pixel_add", -mean / std)], [normalised]),
        ]
    for n in reversed(nodes):
        n.name = f"{NODE_PREFIX}{n.op_type}_{n.output[0]}"
        g.node.insert(0, n)

    if role == "det":
        if io.det_thresh is None:
            raise ValueError("the detector's graph I/O needs det_thresh")
        probs = g.output[0].name
        t = np.float32(io.det_thresh)
        # the float16 values nearest the threshold on either side (as float32 comparisons see)
        h = np.float16(t)
        up = h if np.float32(h) > t else np.nextafter(h, np.float16(np.inf))
        down = h if np.float32(h) <= t else np.nextafter(h, np.float16(-np.inf))

        def scalar(stem: str, value: Any, dtype: Any) -> str:
            name = fresh(stem)
            g.initializer.append(numpy_helper.from_array(np.asarray(value, dtype), name))
            return name

        # In float32, then one Cast: values above the threshold are held at or above the
        # smallest float16 above it, the others at or below the largest float16 not above it;
        # float16 rounding is monotonic, so the Cast keeps each on its side.
        above, high = fresh("above_threshold"), fresh("probability_high")
        low, held = fresh("probability_low"), fresh("probability_held")
        tail = [
            helper.make_node("Greater", [probs, scalar("threshold", t, np.float32)], [above]),
            helper.make_node("Max", [probs, scalar("threshold_up", up, np.float32)], [high]),
            helper.make_node("Min", [probs, scalar("threshold_down", down, np.float32)], [low]),
            helper.make_node("Where", [above, high, low], [held]),
            helper.make_node("Cast", [held], [DET_PROBABILITY], to=onnx.TensorProto.FLOAT16),
        ]
        for n in tail:
            n.name = f"{NODE_PREFIX}{n.op_type}_{n.output[0]}"
        g.node.extend(tail)
        dims = g.output[0].type.tensor_type.shape.dim
        map_dims: list[int | str | None] = [
            d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in dims
        ] or ["batch", 1, "height", "width"]
        del g.output[:]
        g.output.append(
            helper.make_tensor_value_info(DET_PROBABILITY, onnx.TensorProto.FLOAT16, map_dims)
        )
    else:
        probs = g.output[0].name
        index64 = fresh("best_index_int64")
        tail = [
            helper.make_node("ArgMax", [probs], [index64], axis=-1, keepdims=0),
            helper.make_node("Cast", [index64], [BEST_INDEX], to=onnx.TensorProto.INT32),
        ]
        if opset >= 18:  # ReduceMax takes its axes as an input from opset 18 on
            axes = fresh("best_score_axes")
            g.initializer.append(numpy_helper.from_array(np.array([-1], np.int64), axes))
            tail.append(helper.make_node("ReduceMax", [probs, axes], [BEST_SCORE], keepdims=0))
        else:
            tail.append(helper.make_node("ReduceMax", [probs], [BEST_SCORE], axes=[-1], keepdims=0))
        for n in tail:
            n.name = f"{NODE_PREFIX}{n.op_type}_{n.output[0]}"
        g.node.extend(tail)
        # The outputs are the probabilities' shape without its last (class) axis.
        dims = g.output[0].type.tensor_type.shape.dim
        kept: list[int | str | None] = [
            d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in dims[:-1]
        ]
        if not kept:  # no shape recorded: the roles' ranks
            kept = ["batch"] if role == "cls" else ["batch", "steps"]
        del g.output[:]
        g.output.extend(
            [
                helper.make_tensor_value_info(BEST_INDEX, onnx.TensorProto.INT32, kept),
                helper.make_tensor_value_info(BEST_SCORE, onnx.TensorProto.FLOAT, kept),
            ]
        )
    model.metadata_props.append(onnx.StringStringEntryProto(key=METADATA_KEY, value=io.tag(role)))
    return model


def transform_file(src: Path, dst: Path, role: str, io: GraphIO) -> None:
    """transform() of the ONNX file src, written to dst (atomically)."""
    import onnx

    try:
        model = onnx.load(str(src))
    except Exception as e:  # onnx raises protobuf's DecodeError and others
        raise ModelError(f"cannot read {src} as ONNX: {e}") from e
    transform(model, role, io, src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(dst, model.SerializeToString())


# ---- the cache ----------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    from trt_ocr.models import sha256_file

    return sha256_file(path)


def _file_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _stamp_of(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _cached(src: Path, dst: Path) -> bool:
    """True when dst is the recorded transform of src's current bytes and is intact. Files
    whose size and mtime match the stamp are trusted; otherwise both sha256 are checked."""
    stamp = _stamp_of(dst)
    if not dst.is_file() or not stamp.is_file():
        return False
    try:
        rec = json.loads(stamp.read_text(encoding="utf-8"))
        if rec["source"]["key"] == _file_key(src) and rec["output"]["key"] == _file_key(dst):
            return True
        return bool(
            _sha256(src) == rec["source"]["sha256"] and _sha256(dst) == rec["output"]["sha256"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _output_classes(src: Path) -> int | None:
    """The last dimension of src's one output when the model fixes it (the recognizer's
    classes), else None."""
    import onnx

    outputs = onnx.load(str(src), load_external_data=False).graph.output
    dims = outputs[0].type.tensor_type.shape.dim if len(outputs) == 1 else []
    return int(dims[-1].dim_value) if dims and dims[-1].HasField("dim_value") else None


def _write_stamp(src: Path, dst: Path, tag: str) -> None:
    rec = {
        "transform": tag,
        "classes": _output_classes(src),
        "source": {"path": str(src), "sha256": _sha256(src), "key": _file_key(src)},
        "output": {"sha256": _sha256(dst), "key": _file_key(dst)},
    }
    atomic_write(_stamp_of(dst), json.dumps(rec, indent=1) + "\n")


def cache_path(src: Path, role: str, io: GraphIO) -> Path:
    """Where the transform of src is cached: beside it when that folder is writable, else
    under $TRT_OCR_HOME/graph-io (named by src's sha256)."""
    tag = io.tag(role)
    beside = src.with_name(f"{src.stem}.{tag}.onnx")
    if os.access(src.parent, os.W_OK):
        return beside
    from trt_ocr.models import home

    return home() / "graph-io" / f"{_sha256(src)[:16]}.{tag}.onnx"


def source_of(transformed: Path) -> Path | None:
    """The model a cached transform was made from (None: transformed is not one)."""
    try:
        rec = json.loads(_stamp_of(transformed).read_text(encoding="utf-8"))
        return Path(rec["source"]["path"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def recorded_classes(transformed: Path) -> int | None:
    """The class count of the source of a cached transform (its output's last dimension),
    None when the source did not fix it or transformed is not a cached transform."""
    try:
        value = json.loads(_stamp_of(transformed).read_text(encoding="utf-8")).get("classes")
    except (OSError, ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, int) else None


def prepare(model: Path, role: str, io: GraphIO) -> Path:
    """The file to run for model: its cached transform (made now when missing or stale), or
    model itself when it is not ONNX (an engine plan) or already takes uint8 pixels.
    Raises ModelError for an ONNX graph that is not a PP-OCR network."""
    model = Path(model)
    if model.suffix != ".onnx":
        return model
    dst = cache_path(model, role, io)
    if _cached(model, dst):
        return dst
    found = facts(model)
    if found.transformed:
        if found.tag and found.tag != io.tag(role):
            raise ModelError(
                f"{model} was transformed with other graph I/O parameters than this "
                f"pipeline's {role} options give (mean {io.mean}, std {io.std}"
                + (f", det thresh {io.det_thresh}" if io.det_thresh is not None else "")
                + "); build it again with these options, or run its float source model"
            )
        return model
    transform_file(model, dst, role, io)
    _write_stamp(model, dst, io.tag(role))
    return dst
