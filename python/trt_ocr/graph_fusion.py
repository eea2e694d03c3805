"""Rewrites of a PP-OCR network's body that ONNX Runtime's CPU optimiser does not make itself.

paddle2onnx writes PP-LCNet's layers as chains of element-wise nodes over whole feature maps:
a learnable scalar affine after a convolution (Conv -> Mul(s) -> Add(b)) and hard-swish as
x * Clip(x + 3, 0, 6) / 6 (Add, Clip, Mul, Div). ONNX Runtime fuses neither into the
convolution, and each such node also makes it convert the map out of its blocked (NCHWc)
layout and back: on the PP-OCRv4 mobile detector, at 1 thread, those nodes and conversions
were ~60% of the run. The rewrites, each the same function as before:

- Conv -> Mul(s) -> Add(b), s and b scalars: folded into the convolution (weights * s,
  bias * s + b);
- x * Clip(x + 3, 0, 6) / 6: x * HardSigmoid(x) with alpha 1/6 and beta 1/2, which the
  optimiser fuses into the convolution before it (ONNX's HardSwish would need opset 14, whose
  other operators changed);
- any other Mul(s) -> Add(b) of a feature map by scalars (the affine after an activation):
  a depthwise 1x1 convolution, s * x + b per channel, which stays in the blocked layout.

Float rounding differs (weights * s rounds once where the graph rounded every output,
x / 6 + 1/2 is not (x + 3) / 6 bit for bit, a convolution may round s * x + b once): outputs
move by a few float32 ulps. Measured on the PP-OCRv4 mobile networks at 1 thread: detector
(736 x 1312) -41%, recognizer (6 x 48 x 320) -55%, classifier -40%. Used by
`trt_ocr.graph_io`'s transform, so cached with it and inherited by the engines built from it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

#: Names of the nodes and weights the rewrites add start with this.
PREFIX = "fused/"


class FreshNames:
    """Names no tensor or node of a graph uses yet: stem, else stem_1, stem_2, ... Each name
    handed out counts as used."""

    def __init__(self, g: Any) -> None:  # an onnx GraphProto
        self.taken = {n for node in g.node for n in (*node.input, *node.output)}
        self.taken |= {t.name for t in (*g.initializer, *g.input, *g.output)}

    def __call__(self, stem: str) -> str:
        name, k = stem, 0
        while name in self.taken:
            k += 1
            name = f"{stem}_{k}"
        self.taken.add(name)
        return name


def attribute(node: Any, name: str, default: Any = None) -> Any:
    """The value of a node's attribute (strings decoded), or default when it has none."""
    from onnx import helper

    for a in node.attribute:
        if a.name == name:
            v = helper.get_attribute_value(a)
            return v.decode() if isinstance(v, bytes) else v
    return default


class _Graph:
    """Lookups over a graph's nodes: producers, consumers and constant values."""

    def __init__(self, g: Any) -> None:  # an onnx GraphProto
        from onnx import numpy_helper

        self._to_array = numpy_helper.to_array
        self.g = g
        self.producer = {o: n for n in self.g.node for o in n.output}
        self.consumers: dict[str, list[Any]] = defaultdict(list)
        for n in self.g.node:
            for name in n.input:
                self.consumers[name].append(n)
        self.initializers = {t.name: t for t in self.g.initializer}
        self.outputs = {o.name for o in self.g.output}
        self.removed: set[int] = set()  # id() of nodes to drop
        self.released: set[str] = set()  # names a rewritten node no longer reads
        self._names = FreshNames(g)

    def value(self, name: str) -> Any:
        """The numpy value of a constant input (an initializer or a Constant node), or None."""
        if name in self.initializers:
            return self._to_array(self.initializers[name])
        node = self.producer.get(name)
        if node is not None and node.op_type == "Constant" and len(node.attribute) == 1:
            attr = node.attribute[0]
            if attr.name == "value":
                return self._to_array(attr.t)
        return None

    def scalar(self, name: str) -> float | None:
        v = self.value(name)
        return float(v.reshape(())) if v is not None and v.size == 1 else None

    def sole_consumer(self, name: str) -> Any:
        """The one node reading name (not also a graph output), or None."""
        readers = self.consumers.get(name, [])
        if len(readers) != 1 or name in self.outputs or id(readers[0]) in self.removed:
            return None
        return readers[0]

    def map_and_scalar(self, node: Any) -> tuple[str, Any] | None:
        """(its one computed input, the other's value) of a two-input node whose other input
        is a one-element constant, or None."""
        if len(node.input) != 2:
            return None
        values = [self.value(name) for name in node.input]
        if (values[0] is None) == (values[1] is None):
            return None
        k = 0 if values[0] is None else 1
        constant = values[1 - k]
        return (node.input[k], constant) if constant.size == 1 else None

    def other_input(self, node: Any, known: str) -> str | None:
        rest = [i for i in node.input if i != known]
        return rest[0] if len(rest) == 1 and len(node.input) == 2 else None

    def fresh(self, stem: str) -> str:
        return self._names(PREFIX + stem)


def _scalar_shift(graph: _Graph, mul: Any) -> tuple[Any, float] | None:
    """The Add that alone reads mul's output and adds a scalar to it, with that scalar."""
    add = graph.sole_consumer(mul.output[0])
    if add is None or add.op_type != "Add":
        return None
    other = graph.other_input(add, mul.output[0])
    shift = None if other is None else graph.scalar(other)
    return None if shift is None else (add, shift)


def _fold_scalar_affine(graph: _Graph) -> int:
    """Conv -> Mul(s) [-> Add(b)] with scalar s, b: the scale and shift moved into the Conv."""
    import numpy as np
    from onnx import numpy_helper

    folded = 0
    for conv in list(graph.g.node):
        if conv.op_type != "Conv" or len(conv.input) < 2:
            continue
        mul = graph.sole_consumer(conv.output[0])
        if mul is None or mul.op_type != "Mul":
            continue
        s_name = graph.other_input(mul, conv.output[0])
        s = None if s_name is None else graph.scalar(s_name)
        weights = graph.value(conv.input[1])
        if s is None or weights is None or weights.dtype != np.float32:
            continue
        has_bias = len(conv.input) > 2 and bool(conv.input[2])
        bias = graph.value(conv.input[2]) if has_bias else np.zeros(weights.shape[0], np.float32)
        if bias is None:
            continue  # a computed bias
        last, shift = mul, 0.0
        add_shift = _scalar_shift(graph, mul)
        if add_shift is not None:
            last, shift = add_shift
            graph.removed.add(id(last))
        scale = np.float32(s)
        new_w = (weights * scale).astype(np.float32)
        new_b = (bias.astype(np.float32) * scale + np.float32(shift)).astype(np.float32)
        w_name, b_name = graph.fresh("conv_weight"), graph.fresh("conv_bias")
        graph.g.initializer.extend(
            [numpy_helper.from_array(new_w, w_name), numpy_helper.from_array(new_b, b_name)]
        )
        graph.released.update(conv.input[1:])
        del conv.input[1:]
        conv.input.extend([w_name, b_name])
        conv.output[0] = last.output[0]
        graph.removed.add(id(mul))
        folded += 1
    return folded


def _clip_bounds(graph: _Graph, clip: Any) -> tuple[float | None, float | None]:
    if len(clip.input) >= 2:  # opset 11+: bounds are inputs
        lo = graph.scalar(clip.input[1]) if clip.input[1] else None
        hi = graph.scalar(clip.input[2]) if len(clip.input) > 2 and clip.input[2] else None
        return lo, hi
    return attribute(clip, "min"), attribute(clip, "max")


def _hard_swish(graph: _Graph) -> int:
    """x * Clip(x + 3, 0, 6) / 6 -> x * HardSigmoid(x, alpha=1/6, beta=1/2)."""
    from onnx import helper

    rewritten = 0
    for clip in list(graph.g.node):
        if clip.op_type != "Clip" or id(clip) in graph.removed:
            continue
        add = graph.producer.get(clip.input[0])
        if add is None or add.op_type != "Add" or graph.sole_consumer(add.output[0]) is not clip:
            continue
        plus = graph.map_and_scalar(add)
        if plus is None or float(plus[1].reshape(())) != 3.0:
            continue
        if _clip_bounds(graph, clip) != (0.0, 6.0):
            continue
        x = plus[0]
        mul = graph.sole_consumer(clip.output[0])
        if mul is None or mul.op_type != "Mul" or sorted(mul.input) != sorted([x, clip.output[0]]):
            continue
        div = graph.sole_consumer(mul.output[0])
        if div is None or div.op_type != "Div" or div.input[0] != mul.output[0]:
            continue
        if graph.scalar(div.input[1]) != 6.0:
            continue
        gate = graph.fresh("hard_sigmoid")
        nodes = [
            helper.make_node("HardSigmoid", [x], [gate], name=gate, alpha=1.0 / 6.0, beta=0.5),
            helper.make_node("Mul", [x, gate], [div.output[0]], name=graph.fresh("hard_swish")),
        ]
        at = list(graph.g.node).index(div)
        for k, node in enumerate(nodes):
            graph.g.node.insert(at + k, node)
        graph.removed.update(id(n) for n in (add, clip, mul, div))
        rewritten += 1
    return rewritten


def _channels(model: Any) -> dict[str, int]:
    """The channel count of every 4-D tensor whose shape inference knows it."""
    from onnx import shape_inference

    try:
        inferred = shape_inference.infer_shapes(model).graph
    except Exception:  # onnx raises several kinds; the rewrite is then skipped
        return {}
    known = {}
    for info in (*inferred.value_info, *inferred.input, *inferred.output):
        dims = info.type.tensor_type.shape.dim
        if len(dims) == 4 and dims[1].HasField("dim_value") and dims[1].dim_value > 0:
            known[info.name] = dims[1].dim_value
    return known


def _scalar_affine_as_conv(graph: _Graph, channels: dict[str, int]) -> int:
    """Mul(s) -> Add(b) with scalar s, b on an N x C x H x W map: a depthwise 1x1 Conv
    (weights s, bias b), which the optimiser keeps in its blocked layout."""
    import numpy as np
    from onnx import helper, numpy_helper

    rewritten = 0
    for mul in list(graph.g.node):
        if mul.op_type != "Mul" or id(mul) in graph.removed:
            continue
        times = graph.map_and_scalar(mul)
        if times is None or times[0] not in channels or times[1].dtype != np.float32:
            continue
        x, scale = times
        c = channels[x]
        # Only a whole affine: a lone scalar Mul may belong to a pattern the optimiser fuses
        # itself (GELU's * 0.5; as a Conv it was 8-19% slower on PP-OCRv6 small).
        add_shift = _scalar_shift(graph, mul)
        if add_shift is None:
            continue
        add, shift = add_shift
        graph.removed.add(id(add))
        w_name, b_name = graph.fresh("scale_weight"), graph.fresh("scale_bias")
        graph.g.initializer.extend(
            [
                numpy_helper.from_array(
                    np.full((c, 1, 1, 1), scale.reshape(()), np.float32), w_name
                ),
                numpy_helper.from_array(np.full(c, shift, np.float32), b_name),
            ]
        )
        conv = helper.make_node(
            "Conv",
            [x, w_name, b_name],
            [add.output[0]],
            name=graph.fresh("scale_conv"),
            group=c,
            kernel_shape=[1, 1],
        )
        graph.g.node.insert(list(graph.g.node).index(mul), conv)
        graph.removed.add(id(mul))
        rewritten += 1
    return rewritten


def _drop_removed(graph: _Graph) -> None:
    """The removed nodes gone, with the Constant nodes and initializers only they (or the
    rewritten nodes' former inputs) read."""
    gone = [n for n in graph.g.node if id(n) in graph.removed]
    kept = [n for n in graph.g.node if id(n) not in graph.removed]
    read = {name for n in kept for name in n.input} | graph.outputs
    orphans = ({name for n in gone for name in n.input} | graph.released) - read
    kept = [n for n in kept if not (n.op_type == "Constant" and n.output[0] in orphans)]
    del graph.g.node[:]
    graph.g.node.extend(kept)
    inputs = {i.name for i in graph.g.input}
    inits = [t for t in graph.g.initializer if t.name not in orphans or t.name in inputs]
    del graph.g.initializer[:]
    graph.g.initializer.extend(inits)


def fuse(model: Any) -> dict[str, int]:
    """Applies the rewrites to an ONNX ModelProto in place; how many of each were made."""
    counts = {}
    rewrites: tuple[tuple[str, Callable[[_Graph], int]], ...] = (
        ("scalar_affine", _fold_scalar_affine),
        ("hard_swish", _hard_swish),
        ("scale_as_conv", lambda graph: _scalar_affine_as_conv(graph, _channels(model))),
    )
    for name, rewrite in rewrites:
        graph = _Graph(model.graph)  # each rewrite reads the graph the previous one left
        counts[name] = rewrite(graph)
        _drop_removed(graph)
    return counts
