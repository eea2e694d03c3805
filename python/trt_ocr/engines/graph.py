"""Step 2: graph cleanup for TensorRT, and a check of every op against TensorRT's ONNX parser.

cleanup(): Constant nodes -> initializers (quantizers and TensorRT want weights as
initializers), constant folding + simplification with onnxsim (falling back to ONNX Runtime's
*basic* offline optimisation: the extended level fuses into ORT-only ops TensorRT rejects),
legal dimension names ("p2o.DynamicDimension.0" -> "batch"), and shape inference.

check_ops(): every node against the op-support table of onnx-tensorrt's operators.md
(`data/tensorrt_onnx_ops.json`, its source version recorded in the file), plus the
restrictions that matter for PP-OCR graphs (Q/DQ zero points, Resize modes, constant axes).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trt_ocr.graph_fusion import attribute

if TYPE_CHECKING:
    import onnx

Log = Callable[[str], None]

# Dimension names per role, by position, for the network input and output.
DIM_NAMES: dict[str, dict[str, tuple[str | None, ...]]] = {
    "det": {
        "input": ("batch", None, "height", "width"),
        "output": ("batch", None, "height", "width"),
    },
    "rec": {"input": ("batch", None, "height", "width"), "output": ("batch", "steps", None)},
    "cls": {"input": ("batch", None, "height", "width"), "output": ("batch", None)},
}
_LEGAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --- cleanup -------------------------------------------------------------------------------


def constants_to_initializers(model: onnx.ModelProto) -> int:
    """Moves top-level `Constant` nodes holding a tensor into graph initializers."""
    from onnx import numpy_helper

    g = model.graph
    keep = []
    moved = 0
    for node in g.node:
        if (
            node.op_type == "Constant"
            and node.domain in ("", "ai.onnx")
            and len(node.attribute) == 1
        ):
            attr = node.attribute[0]
            if attr.name == "value":
                t = numpy_helper.to_array(attr.t)
                g.initializer.append(numpy_helper.from_array(t, node.output[0]))
                moved += 1
                continue
        keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    return moved


def fold_batchnorm(model: onnx.ModelProto) -> int:
    """Folds BatchNormalization into the Conv/ConvTranspose feeding it (exact in fp32).

    paddle2onnx leaves some of these pairs (onnxsim does not always fuse them). Unfolded, the
    conv output can be large (PP-OCRv4's DB head reaches ~1.4e4 before its BN subtracts a
    similar mean): fine in fp32, catastrophic cancellation in fp16, a wasted range in int8.
    """
    import numpy as np
    from onnx import numpy_helper

    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consumers: dict[str, int] = Counter(i for n in g.node for i in n.input)
    graph_outputs = {o.name for o in g.output}
    producer = {o: n for n in g.node for o in n.output}
    remove: set[int] = set()
    folded = 0
    for bn in g.node:
        if bn.op_type != "BatchNormalization" or len(bn.output) != 1:
            continue
        conv = producer.get(bn.input[0])
        if conv is None or conv.op_type not in ("Conv", "ConvTranspose"):
            continue
        if consumers[conv.output[0]] != 1 or conv.output[0] in graph_outputs:
            continue
        names = [conv.input[1], *bn.input[1:5]]
        if len(conv.input) > 2 and conv.input[2]:
            names.append(conv.input[2])
        if not all(n in inits for n in names):
            continue
        w = numpy_helper.to_array(inits[conv.input[1]]).astype(np.float64)
        gamma, beta, mean, var = (
            numpy_helper.to_array(inits[n]).astype(np.float64) for n in bn.input[1:5]
        )
        eps = next((a.f for a in bn.attribute if a.name == "epsilon"), 1e-5)
        b = (
            numpy_helper.to_array(inits[conv.input[2]]).astype(np.float64)
            if len(conv.input) > 2 and conv.input[2]
            else np.zeros_like(mean)
        )
        k = gamma / np.sqrt(var + eps)
        if conv.op_type == "Conv":
            w2 = w * k.reshape(-1, *([1] * (w.ndim - 1)))
        else:
            group = next((a.i for a in conv.attribute if a.name == "group"), 1)
            c_in, c_out_g = w.shape[0], w.shape[1]
            w2 = (
                w.reshape(group, c_in // group, c_out_g, *w.shape[2:])
                * k.reshape(group, 1, c_out_g, *([1] * (w.ndim - 2)))
            ).reshape(w.shape)
        b2 = (b - mean) * k + beta
        w_name, b_name = conv.output[0] + "_folded_w", conv.output[0] + "_folded_b"
        g.initializer.append(numpy_helper.from_array(w2.astype(np.float32), w_name))
        g.initializer.append(numpy_helper.from_array(b2.astype(np.float32), b_name))
        x = conv.input[0]
        del conv.input[:]
        conv.input.extend([x, w_name, b_name])
        conv.output[0] = bn.output[0]
        remove.add(id(bn))
        folded += 1
    if folded:
        keep = [n for n in g.node if id(n) not in remove]
        del g.node[:]
        g.node.extend(keep)
    return folded


def _sanitize(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return s if s and not s[0].isdigit() else f"d_{s}"


def rename_dims(model: onnx.ModelProto, role: str | None) -> dict[str, str]:
    """Gives dynamic dims of graph inputs/outputs legal, meaningful names; returns the map."""
    renames: dict[str, str] = {}
    names = DIM_NAMES.get(role or "", {})
    for kind, values in (("input", model.graph.input), ("output", model.graph.output)):
        wanted = names.get(kind, ())
        init_names = {i.name for i in model.graph.initializer}
        for vi in values:
            if vi.name in init_names:
                continue
            for pos, dim in enumerate(vi.type.tensor_type.shape.dim):
                if dim.HasField("dim_value"):
                    continue
                new = wanted[pos] if pos < len(wanted) and wanted[pos] else None
                old = dim.dim_param
                if new is None:
                    if old and _LEGAL.match(old):
                        continue
                    new = _sanitize(old) if old else f"{_sanitize(vi.name)}_dim{pos}"
                if old:
                    renames[old] = new
                dim.dim_param = new
    # Intermediate value_info carries the old names too: drop it, shape inference redoes it.
    del model.graph.value_info[:]
    return renames


def _simplify_onnxsim(model: onnx.ModelProto) -> onnx.ModelProto | None:
    try:
        import onnxsim
    except ImportError:
        return None
    try:
        simplified, ok = onnxsim.simplify(model, initializers_as_constants=False)
    except TypeError:  # older onnxsim without that keyword
        simplified, ok = onnxsim.simplify(model)
    return simplified if ok else None


def _simplify_ort_basic(model: onnx.ModelProto, work: Path) -> onnx.ModelProto:
    import onnx
    import onnxruntime as ort

    src, dst = work / "pre_ort.onnx", work / "post_ort.onnx"
    onnx.save(model, str(src))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.optimized_model_filepath = str(dst)
    ort.InferenceSession(str(src), so, providers=["CPUExecutionProvider"])
    return onnx.load(str(dst))


@dataclass
class CleanupResult:
    simplifier: str
    nodes_before: int
    nodes_after: int
    constants_moved: int
    batchnorm_folded: int
    dim_renames: dict[str, str]
    op_counts: dict[str, int]


def cleanup(
    src: Path, dst: Path, role: str | None, log: Log = print, simplifier: str = "auto"
) -> CleanupResult:
    """Cleans src into dst (see the module docstring). simplifier: auto|onnxsim|ort|none."""
    import tempfile

    import onnx

    model = onnx.load(str(src))
    before = len(model.graph.node)
    moved = constants_to_initializers(model)
    used = "none"
    if simplifier in ("auto", "onnxsim"):
        s = _simplify_onnxsim(model)
        if s is not None:
            model, used = s, "onnxsim"
        elif simplifier == "onnxsim":
            from trt_ocr.errors import EngineBuildError

            raise EngineBuildError("onnxsim is not installed or failed on " + str(src))
    if used == "none" and simplifier in ("auto", "ort"):
        with tempfile.TemporaryDirectory(prefix="trt-ocr-ort-") as tmp:
            model = _simplify_ort_basic(model, Path(tmp))
        used = "onnxruntime-basic"
    moved += constants_to_initializers(model)
    folded = fold_batchnorm(model)
    if folded:  # drop the now unused BN/conv parameters
        used_names = {i for n in model.graph.node for i in n.input}
        keep = [i for i in model.graph.initializer if i.name in used_names]
        del model.graph.initializer[:]
        model.graph.initializer.extend(keep)
    renames = rename_dims(model, role)
    model = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    onnx.checker.check_model(model)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(dst))
    counts = dict(Counter(n.op_type for n in model.graph.node).most_common())
    log(
        f"cleanup: {src.name}: {before} -> {len(model.graph.node)} nodes ({used}), "
        f"{moved} constants -> initializers, {folded} BatchNorm folded, "
        f"dims {renames or 'unchanged'}"
    )
    return CleanupResult(used, before, len(model.graph.node), moved, folded, renames, counts)


def io_shapes(path: Path) -> dict[str, dict[str, list[int | str]]]:
    """{'inputs': {name: dims}, 'outputs': {...}} with dim names for dynamic dims."""
    import onnx

    m = onnx.load(str(path), load_external_data=False)
    init = {i.name for i in m.graph.initializer}

    def dims(vi: Any) -> list[int | str]:
        return [
            d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
            for d in vi.type.tensor_type.shape.dim
        ]

    return {
        "inputs": {i.name: dims(i) for i in m.graph.input if i.name not in init},
        "outputs": {o.name: dims(o) for o in m.graph.output},
    }


# --- op support ----------------------------------------------------------------------------


@cache
def support_table() -> dict[str, Any]:
    """The op table written from onnx-tensorrt's docs/operators.md (see its 'source')."""
    text = (
        resources.files("trt_ocr.engines")
        .joinpath("data/tensorrt_onnx_ops.json")
        .read_text(encoding="utf-8")
    )
    table: dict[str, Any] = json.loads(text)
    return table


@dataclass
class OpIssue:
    node: str
    op: str
    severity: str  # "error": TensorRT's parser will reject it; "warning": may be rejected
    message: str


@dataclass
class OpReport:
    table_source: str
    tensorrt_version: str
    opset: int
    op_counts: dict[str, int]
    issues: list[OpIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ok"] = self.ok
        return d

    def text(self) -> str:
        head = (
            f"TensorRT op check (table: TensorRT {self.tensorrt_version}, "
            f"{self.table_source}); opset {self.opset}; "
            f"{sum(self.op_counts.values())} nodes, {len(self.op_counts)} op types"
        )
        if not self.issues:
            return head + ": every op is supported"
        lines = [head + ":"]
        lines += [f"  {i.severity.upper():7} {i.op:20} {i.node}: {i.message}" for i in self.issues]
        return "\n".join(lines)


def _walk(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.g and attr.g.node:
                yield from _walk(attr.g)
            for sub in attr.graphs:
                yield from _walk(sub)


_RESIZE_COORD = {
    "half_pixel",
    "pytorch_half_pixel",
    "tf_half_pixel_for_nn",
    "asymmetric",
    "align_corners",
}
_RESIZE_MODE = {"nearest", "linear"}
_RESIZE_NEAREST = {"floor", "ceil", "round_prefer_floor", "round_prefer_ceil"}
# Ops whose listed input must be a constant (initializer or Constant output) for TensorRT.
_CONST_INPUT = {"Squeeze": 1, "Unsqueeze": 1, "ReduceMean": 1, "TopK": 1, "CumSum": 1}


def check_ops(model_or_path: onnx.ModelProto | Path) -> OpReport:
    """Checks every node against TensorRT's ONNX op-support table."""
    import onnx
    from onnx import numpy_helper

    model = (
        onnx.load(str(model_or_path), load_external_data=False)
        if isinstance(model_or_path, Path)
        else model_or_path
    )
    table = support_table()
    ops: dict[str, dict[str, Any]] = table["operators"]
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    report = OpReport(
        table["source"],
        table["tensorrt_version"],
        opset,
        dict(Counter(n.op_type for n in _walk(model.graph)).most_common()),
    )
    lo, hi = table.get("opset_range") or (0, 1 << 30)
    if not lo <= opset <= hi:
        report.issues.append(
            OpIssue(
                "<model>", "opset", "warning", f"opset {opset} is outside TensorRT's {lo}..{hi}"
            )
        )
    constants = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value":
            constants[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)

    for node in _walk(model.graph):
        name = node.name or f"<unnamed {node.op_type}>"
        if node.domain not in ("", "ai.onnx"):
            sev = "error"
            hint = (
                " (an ONNX Runtime contrib op: produced by ORT's extended optimisations)"
                if node.domain == "com.microsoft"
                else ""
            )
            report.issues.append(
                OpIssue(
                    name,
                    node.op_type,
                    sev,
                    f"custom domain {node.domain!r}{hint}: TensorRT needs a plugin",
                )
            )
            continue
        entry = ops.get(node.op_type)
        if entry is None:
            report.issues.append(
                OpIssue(name, node.op_type, "error", "not in TensorRT's ONNX op table")
            )
            continue
        if not entry["supported"]:
            report.issues.append(
                OpIssue(
                    name, node.op_type, "error", "listed as unsupported by TensorRT's ONNX parser"
                )
            )
            continue
        report.issues.extend(_restrictions(node, name, constants))
    return report


def _restrictions(node: onnx.NodeProto, name: str, constants: dict[str, Any]) -> list[OpIssue]:
    import numpy as np

    out: list[OpIssue] = []
    op = node.op_type
    if op in ("QuantizeLinear", "DequantizeLinear") and len(node.input) > 2 and node.input[2]:
        zp = constants.get(node.input[2])
        if zp is None:
            out.append(OpIssue(name, op, "error", "zero point is not a constant"))
        elif np.any(np.asarray(zp) != 0):
            out.append(OpIssue(name, op, "error", "zero point must be 0 (symmetric)"))
        elif np.asarray(zp).dtype not in (np.int8,):
            out.append(
                OpIssue(
                    name,
                    op,
                    "error",
                    f"zero point type {np.asarray(zp).dtype}: TensorRT wants int8",
                )
            )
    if op == "Resize":
        coord = attribute(node, "coordinate_transformation_mode", "half_pixel")
        mode = attribute(node, "mode", "nearest")
        nearest = attribute(node, "nearest_mode", "round_prefer_floor")
        if coord not in _RESIZE_COORD:
            out.append(OpIssue(name, op, "error", f"coordinate_transformation_mode {coord}"))
        if mode not in _RESIZE_MODE:
            out.append(OpIssue(name, op, "error", f"mode {mode}"))
        if mode == "nearest" and nearest not in _RESIZE_NEAREST:
            out.append(OpIssue(name, op, "error", f"nearest_mode {nearest}"))
        if attribute(node, "antialias", 0):
            out.append(OpIssue(name, op, "error", "antialias is not supported"))
    if op in ("Conv", "ConvTranspose") and len(node.input) > 1 and node.input[1] not in constants:
        out.append(OpIssue(name, op, "warning", "weights are not an initializer"))
    idx = _CONST_INPUT.get(op)
    if (
        idx is not None
        and len(node.input) > idx
        and node.input[idx]
        and node.input[idx] not in constants
    ):
        out.append(OpIssue(name, op, "error", f"input {idx} (axes/K) must be an initializer"))
    if op == "Slice" and len(node.input) > 3 and node.input[3] and node.input[3] not in constants:
        out.append(OpIssue(name, op, "error", "`axes` must be an initializer"))
    return out
