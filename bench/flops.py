"""Multiply-accumulates of an ONNX network at one concrete input shape, counted from the graph.

Counted ops (everything else, e.g. activations, normalisation, pooling, is ignored; these
dominate PP-OCR's cost): Conv ``N*Cout*Hout*Wout*(Cin/group)*kH*kW``, ConvTranspose
``N*Cin*Hin*Win*(Cout/group)*kH*kW``, MatMul ``batch*M*K*N`` (numpy broadcasting), Gemm
``M*K*N``. Shapes come from ONNX shape inference with data propagation at the given input
shape; if a needed shape stays unknown, the model is run once in ONNX Runtime on zeros with
those tensors exposed as outputs. FLOPs = 2 * MACs.

These counts are the work the network definition asks for; a runtime may do more (padding,
im2col copies, Winograd) or less (fusions do not change MACs).
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

import numpy as np


def _dims(vi) -> list[int] | None:
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return None
    out = []
    for d in t.shape.dim:
        if d.HasField("dim_value") and d.dim_value > 0:
            out.append(int(d.dim_value))
        else:
            return None
    return out


def _fix_input(model, shape: tuple[int, ...]) -> str:
    inits = {i.name for i in model.graph.initializer}
    inp = next(i for i in model.graph.input if i.name not in inits)
    dims = inp.type.tensor_type.shape.dim
    if len(dims) != len(shape):
        raise ValueError(f"input {inp.name} has rank {len(dims)}, shape {shape} given")
    for d, v in zip(dims, shape, strict=True):
        d.Clear()
        d.dim_value = int(v)
    return inp.name


def _needed(node) -> list[str]:
    if node.op_type == "Conv":
        return [node.output[0]]
    if node.op_type == "ConvTranspose":
        return [node.input[0]]
    if node.op_type in ("MatMul", "Gemm"):
        return [node.input[0], node.input[1]]
    return []


def _macs(node, shape_of, init_shape) -> int:
    def sh(name):
        return shape_of.get(name) or init_shape.get(name)

    op = node.op_type
    if op == "Conv":
        w, y = sh(node.input[1]), sh(node.output[0])
        # weight [Cout, Cin/group, kH, kW]; output [N, Cout, H, W]
        return int(np.prod(y)) * int(np.prod(w[1:]))
    if op == "ConvTranspose":
        w, x = sh(node.input[1]), sh(node.input[0])
        # weight [Cin, Cout/group, kH, kW]; input [N, Cin, H, W]
        return int(np.prod(x)) * int(np.prod(w[1:]))
    if op == "MatMul":
        a, b = list(sh(node.input[0])), list(sh(node.input[1]))
        if len(a) == 1:
            a = [1, *a]
        if len(b) == 1:
            b = [*b, 1]
        batch = np.broadcast_shapes(tuple(a[:-2]), tuple(b[:-2])) if (a[:-2] or b[:-2]) else ()
        return int(np.prod(batch)) * a[-2] * a[-1] * b[-1]
    if op == "Gemm":
        a, b = sh(node.input[0]), sh(node.input[1])
        trans_a = any(at.name == "transA" and at.i for at in node.attribute)
        trans_b = any(at.name == "transB" and at.i for at in node.attribute)
        m, k = (a[1], a[0]) if trans_a else (a[0], a[1])
        n = b[0] if trans_b else b[1]
        return m * k * n
    return 0


@cache
def _load(path: str):
    import onnx

    return onnx.load(path)


@lru_cache(maxsize=4096)
def macs(model_path: str | Path, shape: tuple[int, ...]) -> dict[str, int]:
    """``{"Conv": ..., "MatMul": ..., "total": ...}`` MACs of one forward pass."""
    import onnx
    from onnx import shape_inference

    model = onnx.ModelProto()
    model.CopyFrom(_load(str(model_path)))
    inp_name = _fix_input(model, shape)
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    g = inferred.graph
    shape_of: dict[str, list[int]] = {}
    for vi in [*g.value_info, *g.input, *g.output]:
        d = _dims(vi)
        if d is not None:
            shape_of[vi.name] = d
    init_shape = {i.name: list(i.dims) for i in g.initializer}
    nodes = [n for n in g.node if n.op_type in ("Conv", "ConvTranspose", "MatMul", "Gemm")]
    missing = {t for n in nodes for t in _needed(n) if t not in shape_of and t not in init_shape}
    if missing:
        shape_of.update(_shapes_by_running(model, inp_name, shape, sorted(missing)))
    out: dict[str, int] = {}
    for n in nodes:
        out[n.op_type] = out.get(n.op_type, 0) + _macs(n, shape_of, init_shape)
    out["total"] = sum(out.values())
    return out


def _shapes_by_running(model, inp_name: str, shape, names: list[str]) -> dict[str, list[int]]:
    import onnx
    import onnxruntime as ort

    m = onnx.ModelProto()
    m.CopyFrom(model)
    existing = {o.name for o in m.graph.output}
    for name in names:
        if name not in existing:
            m.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    sess = ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    vals = sess.run(names, {inp_name: np.zeros(shape, np.float32)})
    return {n: list(v.shape) for n, v in zip(names, vals, strict=True)}


def flops(model_path: str | Path, shape: tuple[int, ...]) -> int:
    """FLOPs of one call on a batch: PP-OCR's networks compute every sample on its own, so a
    batch of N costs N single-sample passes (counted once per distinct sample shape)."""
    shape = tuple(int(s) for s in shape)
    if not shape:
        return 0
    return 2 * shape[0] * macs(str(model_path), (1, *shape[1:]))["total"]
