"""Step 3: precision baked into the ONNX, for strongly typed TensorRT networks (and ORT).

fp16: onnxconverter-common's mixed-precision conversion with `keep_io_types=True`; ops that
overflow or lose too much in half precision stay fp32 (the block list below, plus every node
of a layer-norm chain ReduceMean -> Sub -> Pow -> ReduceMean -> Add -> Sqrt -> Div, and the
detector's final Sigmoid whose output is thresholded).

int8: explicit Q/DQ from onnxruntime.quantization.quantize_static (QuantFormat.QDQ):
symmetric int8 activations and weights (zero point 0, as TensorRT requires), per-channel
weights, fp32 biases (TensorRT's DequantizeLinear takes int8, not the int32 ORT would give a
bias), and Q/DQ only in front of the weighted layers TensorRT runs in int8 (Conv,
ConvTranspose, Gemm, MatMul). Layers named in `exclude` stay in float: the mixed fallback.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trt_ocr import graph_io

if TYPE_CHECKING:
    import numpy as np
    import onnx

Log = Callable[[str], None]

FP16_OP_BLOCK_LIST = (
    "Softmax",
    "Exp",
    "Log",
    "Pow",
    "ReduceMean",
    "ReduceSum",
    "Sqrt",
    "Reciprocal",
    "Erf",
    "LayerNormalization",
    "Resize",
)  # Resize: its scales input must stay float32 in ONNX
INT8_OP_TYPES = ("Conv", "ConvTranspose", "Gemm", "MatMul")
CALIB_METHODS = ("entropy", "percentile", "minmax")


# --- fp16 ----------------------------------------------------------------------------------


def layernorm_nodes(model: onnx.ModelProto) -> set[str]:
    """Names of the nodes in decomposed layer norms (mean/variance/normalise chains)."""
    consumers: dict[str, list[Any]] = {}
    producer: dict[str, Any] = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
        for o in n.output:
            producer[o] = n
    found: set[str] = set()
    for pow_node in (n for n in model.graph.node if n.op_type == "Pow"):
        sub = producer.get(pow_node.input[0])
        chain = [pow_node]
        if sub is not None and sub.op_type == "Sub":
            chain.append(sub)
            mean = producer.get(sub.input[1])
            if mean is not None and mean.op_type == "ReduceMean":
                chain.append(mean)
        frontier = [pow_node]
        for _ in range(4):  # ReduceMean -> Add(eps) -> Sqrt -> Div
            nxt = [
                c
                for f in frontier
                for o in f.output
                for c in consumers.get(o, [])
                if c.op_type in ("ReduceMean", "Add", "Sqrt", "Div")
            ]
            chain += nxt
            frontier = nxt
        if any(n.op_type == "Sqrt" for n in chain):
            found.update(n.name for n in chain if n.name)
    return found


def fp16_keep_fp32_nodes(model: onnx.ModelProto, role: str | None) -> list[str]:
    names = set(layernorm_nodes(model))
    outputs = {o.name for o in model.graph.output}
    for n in model.graph.node:
        if n.op_type == "Sigmoid" and any(o in outputs for o in n.output):
            names.add(n.name)  # the DB probability map: thresholded downstream
    return sorted(names)


def ensure_node_names(model: onnx.ModelProto) -> None:
    seen: set[str] = set()
    for i, n in enumerate(model.graph.node):
        if not n.name or n.name in seen:
            n.name = f"{n.op_type}_{i}"
        seen.add(n.name)


def to_fp16(
    src: Path,
    dst: Path,
    role: str | None = None,
    log: Log = print,
    op_block_list: Iterable[str] = FP16_OP_BLOCK_LIST,
    extra_block_nodes: Iterable[str] = (),
) -> dict[str, Any]:
    import onnx
    from onnxconverter_common import float16

    model = onnx.load(str(src))
    ensure_node_names(model)
    # The graph I/O nodes (uint8 -> normalised float32, argmax + max) stay as they are: the
    # converter would retype the Cast's output without changing the Cast.
    io_nodes = {n.name for n in model.graph.node if n.name.startswith(graph_io.NODE_PREFIX)}
    nodes = sorted(set(fp16_keep_fp32_nodes(model, role)) | set(extra_block_nodes) | io_nodes)
    blocked_ops = sorted(set(op_block_list))
    io_types = {
        v.name: v.type.tensor_type.elem_type
        for v in list(model.graph.input) + list(model.graph.output)
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = float16.convert_float_to_float16(
            model,
            keep_io_types=True,
            op_block_list=blocked_ops,
            node_block_list=nodes,
            # a graph-I/O detector already holds float16 (its map output): not a second pass
            check_fp16_ready=not io_nodes,
        )
    truncated = sum(1 for w in caught if "truncated" in str(w.message))
    restore_io_types(out, io_types)
    onnx.checker.check_model(out)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(out, str(dst))
    kept = [n.name for n in model.graph.node if n.op_type in blocked_ops or n.name in nodes]
    log(
        f"precision: fp16 {role or src.stem}: {len(kept)} of {len(model.graph.node)} nodes "
        f"kept fp32 ({', '.join(blocked_ops)} + {len(nodes)} layer-norm/output nodes); "
        f"{truncated} weight values beyond fp16's range (tiny or huge) clamped"
    )
    return {
        "fp32_nodes": kept,
        "clamped_values_warnings": truncated,
        "op_block_list": blocked_ops,
        "node_block_list": nodes,
    }


def restore_io_types(model: onnx.ModelProto, io_types: dict[str, int]) -> None:
    """keep_io_types is not kept when a blocked (fp32) node feeds a graph output: the
    converter still ends it with a Cast to fp16. Re-point such casts at the original type."""
    from onnx import helper

    producer = {o: n for n in model.graph.node for o in n.output}
    for vi in model.graph.output:
        want = io_types.get(vi.name)
        if want is None or vi.type.tensor_type.elem_type == want:
            continue
        node = producer.get(vi.name)
        if node is not None and node.op_type == "Cast":
            for a in node.attribute:
                if a.name == "to":
                    a.i = want
        else:
            tmp = vi.name + "_before_io_cast"
            for n in model.graph.node:
                n.output[:] = [tmp if o == vi.name else o for o in n.output]
            model.graph.node.append(
                helper.make_node("Cast", [tmp], [vi.name], to=want, name=vi.name + "_io_cast")
            )
        vi.type.tensor_type.elem_type = want


def fp32_nodes_in(path: Path) -> dict[str, str]:
    """node name -> elem type name of its first float input, for an fp16 model (tests)."""
    import onnx

    m = onnx.load(str(path))
    types: dict[str, int] = {}
    for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        types[vi.name] = vi.type.tensor_type.elem_type
    for init in m.graph.initializer:
        types[init.name] = init.data_type
    out = {}
    for n in m.graph.node:
        t = types.get(n.input[0]) if n.input else None
        out[n.name] = onnx.TensorProto.DataType.Name(t) if t else "?"
    return out


# --- int8 ----------------------------------------------------------------------------------


@dataclass
class Int8Options:
    method: str = "entropy"  # entropy | percentile | minmax
    percentile: float = 99.99
    per_channel: bool = True
    op_types: tuple[str, ...] = INT8_OP_TYPES
    exclude: list[str] = field(default_factory=list)  # node names kept in float
    max_intermediate_outputs: int = 8

    def __post_init__(self) -> None:
        if self.method not in CALIB_METHODS:
            raise ValueError(f"calibration method must be one of {CALIB_METHODS}")


class ListReader:
    """An onnxruntime CalibrationDataReader over a list of feeds (re-iterable)."""

    def __init__(self, feeds: list[dict[str, np.ndarray]]) -> None:
        self.feeds = feeds
        self._it: Iterator[dict[str, np.ndarray]] = iter(feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)

    def rewind(self) -> None:
        self._it = iter(self.feeds)

    def __len__(self) -> int:
        return len(self.feeds)


def homogenize(
    feeds: list[dict[str, np.ndarray]], max_side: int = 640, limit: int = 256, seed: int = 0
) -> list[dict[str, np.ndarray]]:
    """Feeds of one shape. ORT's histogram calibrators (entropy, percentile) stack the
    outputs of all feeds, so inputs of different sizes (detector images, recognizer batches
    of different widths) are cut into batch-1 tiles of the smallest height x width (at most
    max_side), keeping the text at its real scale; at most `limit` tiles, drawn with seed."""
    import random

    import numpy as np

    shapes = {tuple(a.shape) for f in feeds for a in f.values()}
    if len(shapes) <= 1 or any(len(f) != 1 for f in feeds):
        return feeds
    name = next(iter(feeds[0]))
    arrs = [f[name] for f in feeds]
    th = min(min(a.shape[2] for a in arrs), max_side)
    tw = min(min(a.shape[3] for a in arrs), max_side)
    out = [
        {name: np.ascontiguousarray(a[n : n + 1, :, y : y + th, x : x + tw])}
        for a in arrs
        for n in range(a.shape[0])
        for y in range(0, a.shape[2] - th + 1, th)
        for x in range(0, a.shape[3] - tw + 1, tw)
    ]
    if len(out) > limit:
        keep = sorted(random.Random(seed).sample(range(len(out)), limit))
        out = [out[i] for i in keep]
    return out


def _chunk(n: int, k: int) -> int:
    """A chunk size that leaves a remainder: ORT's calibrators raise "No data is collected"
    when the feed count is an exact multiple of CalibMaxIntermediateOutputs."""
    for c in range(max(k, 2), 1, -1):
        if n % c:
            return c
    return n + 1


def quantizable_nodes(path: Path, op_types: Iterable[str] = INT8_OP_TYPES) -> list[str]:
    import onnx

    m = onnx.load(str(path), load_external_data=False)
    ops = set(op_types)
    return [n.name for n in m.graph.node if n.op_type in ops]


def to_int8(
    src: Path,
    dst: Path,
    feeds: list[dict[str, np.ndarray]],
    opts: Int8Options,
    role: str | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Static Q/DQ quantization of src (an fp32 ONNX with named nodes) into dst."""
    import tempfile

    import onnx
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    if not feeds:
        from trt_ocr.errors import EngineBuildError

        raise EngineBuildError(f"int8 {role}: no calibration data")
    if opts.method != "minmax":
        n_before = len(feeds)
        feeds = homogenize(feeds)
        if len(feeds) != n_before:
            shape = list(next(iter(feeds[0].values())).shape)
            log(
                f"precision: int8 {role or src.stem}: {n_before} calibration inputs of mixed "
                f"sizes -> {len(feeds)} tiles of {shape} for {opts.method} calibration"
            )
    method = {
        "entropy": CalibrationMethod.Entropy,
        "percentile": CalibrationMethod.Percentile,
        "minmax": CalibrationMethod.MinMax,
    }[opts.method]
    extra: dict[str, Any] = {
        "ActivationSymmetric": True,
        "WeightSymmetric": True,
        "QuantizeBias": False,  # fp32 bias: TensorRT folds it; no int32 DequantizeLinear
        "QDQKeepRemovableActivations": True,  # keep Relu/Clip explicit for TensorRT fusions
        "DedicatedQDQPair": False,
        "QDQOpTypePerChannelSupportToAxis": {"MatMul": 1},
        "CalibMaxIntermediateOutputs": _chunk(len(feeds), opts.max_intermediate_outputs),
        "UseQDQContribOps": False,
    }
    if opts.method == "percentile":
        extra["CalibPercentile"] = opts.percentile
    model = onnx.load(str(src))
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < 13:  # per-channel Q/DQ (the axis attribute) needs opset 13
        from onnx import version_converter

        model = version_converter.convert_version(model, 13)
        log(f"precision: int8 {role or src.stem}: opset {opset} -> 13 for per-channel Q/DQ")
    ensure_node_names(model)
    t0 = time.perf_counter()
    dst.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="trt-ocr-q-") as tmp:
        named = Path(tmp) / "named.onnx"
        onnx.save(model, str(named))
        quantize_static(
            str(named),
            str(dst),
            ListReader(feeds),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=list(opts.op_types),
            per_channel=opts.per_channel,
            reduce_range=False,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=list(opts.exclude),
            calibrate_method=method,
            extra_options=extra,
        )
    q = onnx.load(str(dst))
    n_q = sum(1 for n in q.graph.node if n.op_type == "QuantizeLinear")
    n_dq = sum(1 for n in q.graph.node if n.op_type == "DequantizeLinear")
    n_target = sum(1 for n in model.graph.node if n.op_type in opts.op_types)
    secs = round(time.perf_counter() - t0, 1)
    log(
        f"precision: int8 {role or src.stem}: {opts.method} calibration on {len(feeds)} "
        f"batches, {n_target - len(opts.exclude)} of {n_target} weighted layers quantized "
        f"({n_q} Q / {n_dq} DQ nodes), {len(opts.exclude)} kept float, {secs} s"
    )
    return {
        "method": opts.method,
        "calibration_batches": len(feeds),
        "q_nodes": n_q,
        "dq_nodes": n_dq,
        "excluded": list(opts.exclude),
        "seconds": secs,
        "per_channel": opts.per_channel,
        "op_types": list(opts.op_types),
    }


def qdq_properties(path: Path) -> dict[str, Any]:
    """Facts about a Q/DQ model's quantization parameters (for tests and the report)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    zero_points, weight_dq, act_scales = [], [], []
    for n in m.graph.node:
        if n.op_type not in ("QuantizeLinear", "DequantizeLinear"):
            continue
        if len(n.input) > 2 and n.input[2]:
            zero_points.append(inits.get(n.input[2]))
        if n.op_type == "DequantizeLinear" and n.input[0] in inits:
            w = inits[n.input[0]]
            scale = inits.get(n.input[1])
            axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
            weight_dq.append(
                {
                    "name": n.input[0],
                    "dtype": str(w.dtype),
                    "scale_size": int(np.size(scale)) if scale is not None else 1,
                    "axis": axis,
                    "channels": int(w.shape[axis]) if w.ndim > 1 else 1,
                }
            )
        elif n.op_type == "QuantizeLinear":
            act_scales.append(float(np.asarray(inits.get(n.input[1], np.nan)).ravel()[0]))
    return {
        "zero_points_all_zero": all(z is not None and not np.any(z) for z in zero_points),
        "zero_point_dtypes": sorted({str(z.dtype) for z in zero_points if z is not None}),
        "weights": weight_dq,
        "activation_scales": act_scales,
    }
