"""Step 4: accuracy of each precision against fp32, on CPU (ONNX Runtime), on images that
are not calibration images.

Measured per precision: IC15 detection and end-to-end H-mean (`icdar2015/det_e2e`), IC15
word accuracy (`icdar2015/words`, recognition only), and the share of fp32's text lines
whose text changed (a line matched by IoU >= 0.5 with different text, or lost).

Scoring is `trt_ocr.eval`'s (the IC15 protocol shared by every engine and the bench).

Sensitivity (INT8): for one network, each quantized layer is put back to float in turn and
the output error against fp32 is measured on calibration inputs; the layers whose removal
cuts the error most are named, and can be excluded (`--int8-exclude`) for a mixed build.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trt_ocr.files import atomic_write

if TYPE_CHECKING:
    import numpy as np

Log = Callable[[str], None]
Prediction = tuple[Any, str]  # (quad 4x2, text)

TARGETS = {  # max drop vs fp32, in points
    "fp16": {"e2e_hmean": 0.3, "word_acc": 0.3},
    "int8": {"e2e_hmean": 2.0, "word_acc": 2.0},
}
INT8_GOAL = 1.0


# --- IC15 data -----------------------------------------------------------------------------


def _num(p: Path) -> int:
    m = re.search(r"(\d+)", p.stem)
    return int(m.group(1)) if m else 0


def ic15_images(root: Path) -> list[Path]:
    return sorted((root / "images").glob("img_*.jpg"), key=_num)


def read_words(root: Path) -> list[tuple[Path, str]]:
    """IC15 word crops and their labels, in natural order (word_2 before word_10)."""
    from trt_ocr.eval import load_ic15_words

    labels = load_ic15_words(root / "gt.txt")
    return sorted(((root / "images" / n, t) for n, t in labels.items()), key=lambda x: _num(x[0]))


# --- scoring -------------------------------------------------------------------------------

EVALUATOR = "trt_ocr.eval"


def score_ic15(predictions: dict[str, list[Prediction]], gt_dir: Path) -> dict[str, float]:
    """{image_id: [(quad, text)]} -> det/e2e precision, recall, H-mean (percent)."""
    from trt_ocr.eval import evaluate_detection, evaluate_end_to_end, load_ic15_gt

    gt = load_ic15_gt(gt_dir, ids=list(predictions))
    det = evaluate_detection(gt, predictions)
    e2e = evaluate_end_to_end(gt, predictions)
    return {
        "det_precision": 100 * det.precision,
        "det_recall": 100 * det.recall,
        "det_hmean": 100 * det.hmean,
        "e2e_precision": 100 * e2e.precision,
        "e2e_recall": 100 * e2e.recall,
        "e2e_hmean": 100 * e2e.hmean,
    }


def word_accuracy(words: Sequence[tuple[Path, str]], texts: Sequence[str]) -> float:
    """Percent of word crops read exactly (trt_ocr.eval's word normalisation)."""
    from trt_ocr.eval import evaluate_words

    res = evaluate_words(
        {p.name: g for p, g in words}, {p.name: t for (p, _), t in zip(words, texts, strict=True)}
    )
    return 100 * res.accuracy


def changed_lines(ref: Sequence[Prediction], other: Sequence[Prediction]) -> tuple[int, int]:
    """(fp32 lines whose text changed or vanished, fp32 lines) for one image: a line is kept
    when matched one-to-one (greedy by IoU >= 0.5) to a line with the same text."""
    from trt_ocr.eval.geometry import iou_matrix, polygons

    iou = iou_matrix(polygons([q for q, _ in ref]), polygons([q for q, _ in other]))
    pairs = sorted(
        ((float(iou[i, j]), i, j) for i in range(len(ref)) for j in range(len(other))),
        reverse=True,
    )
    match: dict[int, int] = {}
    used: set[int] = set()
    for v, i, j in pairs:
        if v >= 0.5 and i not in match and j not in used:
            match[i] = j
            used.add(j)
    changed = sum(1 for i, (_, t) in enumerate(ref) if i not in match or other[match[i]][1] != t)
    return changed, len(ref)


# --- running a precision -------------------------------------------------------------------


def run_pipeline(
    models: Any,
    images: Sequence[Path],
    words: Sequence[tuple[Path, str]],
    ocr_factory: Any = None,
    threads: int | None = None,
) -> tuple[dict[str, list[Prediction]], list[str], float]:
    if ocr_factory is None:
        from trt_ocr import OCR as ocr_factory

    preds: dict[str, list[Prediction]] = {}
    texts: list[str] = []
    t0 = time.perf_counter()
    with ocr_factory(models, backend="onnxruntime", threads=threads) as ocr:
        for img in images:
            res = ocr(str(img))
            preds[img.stem] = [(line.box, line.text) for line in res.lines]
        for path, _ in words:
            texts.append(ocr.recognize(str(path)).text)
    return preds, texts, time.perf_counter() - t0


def evaluate(
    models_by_precision: dict[str, Any],
    det_root: Path,
    words_root: Path,
    images: Sequence[Path],
    words: Sequence[tuple[Path, str]],
    log: Log = print,
    ocr_factory: Any = None,
) -> dict[str, Any]:
    """Scores every precision; fp32 first (the reference)."""
    out: dict[str, Any] = {}
    ref_preds: dict[str, list[Prediction]] | None = None
    for precision in sorted(models_by_precision, key=lambda p: p != "fp32"):
        preds, texts, secs = run_pipeline(
            models_by_precision[precision], images, words, ocr_factory
        )
        m = score_ic15(preds, det_root / "gts")
        m["word_acc"] = word_accuracy(words, texts)
        m["lines"] = sum(len(v) for v in preds.values())
        m["seconds"] = round(secs, 1)
        if precision == "fp32":
            ref_preds = preds
            m["lines_changed_pct"] = 0.0
        elif ref_preds is not None:
            ch = tot = 0
            for k, ref in ref_preds.items():
                a, b = changed_lines(ref, preds.get(k, []))
                ch += a
                tot += b
            m["lines_changed_pct"] = 100 * ch / tot if tot else 0.0
        out[precision] = m
        log(
            f"report: {precision}: det H {m['det_hmean']:.2f}, e2e H {m['e2e_hmean']:.2f}, "
            f"words {m['word_acc']:.2f}%, lines changed {m['lines_changed_pct']:.2f}% "
            f"({len(images)} images, {len(words)} words, {secs:.0f} s)"
        )
    if "fp32" in out:
        for p, m in out.items():
            if p == "fp32":
                continue
            m["delta"] = {k: m[k] - out["fp32"][k] for k in ("det_hmean", "e2e_hmean", "word_acc")}
            t = TARGETS.get(p)
            if t:
                drops = {k: -m["delta"][k] for k in t}
                m["target"] = {k: f"drop <= {v} points" for k, v in t.items()}
                m["pass"] = all(drops[k] <= t[k] + 1e-9 for k in t)
    return out


# --- INT8 sensitivity ----------------------------------------------------------------------


def output_error(ref: np.ndarray, got: np.ndarray) -> float:
    """How far a network output is from fp32's. Class probabilities (rec N x T x C, cls N x C):
    the share of positions whose argmax differs, counting only positions where either side
    is not the blank (class 0) for rec; maps (det): mean absolute difference. A graph-I/O
    network's first output is already the argmax (rec N x T, cls N): compared the same way."""
    import numpy as np

    if np.issubdtype(ref.dtype, np.integer):
        a, b = ref, got
        mask = (a != 0) | (b != 0) if ref.ndim == 2 else np.ones(a.shape, bool)
        return float(((a != b) & mask).sum() / max(int(mask.sum()), 1))
    got = got.astype(np.float32)
    if ref.ndim == 3 and ref.shape[-1] > 2:
        a, b = ref.argmax(-1), got.argmax(-1)
        mask = (a != 0) | (b != 0)
        return float(((a != b) & mask).sum() / max(int(mask.sum()), 1))
    if ref.ndim == 2:
        return float((ref.argmax(-1) != got.argmax(-1)).mean())
    return float(np.mean(np.abs(got - ref)))


def _output_error(fp32_outs: list[np.ndarray], sess: Any, feeds: list[dict[str, Any]]) -> float:
    import numpy as np

    return float(
        np.mean(
            [
                output_error(ref, sess.run(None, feed)[0])
                for ref, feed in zip(fp32_outs, feeds, strict=True)
            ]
        )
    )


def unquantize_node(qmodel: Any, fp32_inits: dict[str, Any], node_name: str) -> Any:
    """A copy of a Q/DQ model where node_name reads float inputs again (its activation
    Q/DQ bypassed, its weight restored from fp32)."""
    import onnx

    m = onnx.ModelProto()
    m.CopyFrom(qmodel)
    producer = {o: n for n in m.graph.node for o in n.output}
    node = next((n for n in m.graph.node if n.name == node_name), None)
    if node is None:
        return m
    for idx, name in enumerate(list(node.input)):
        dq = producer.get(name)
        if dq is None or dq.op_type != "DequantizeLinear":
            continue
        src = dq.input[0]
        q = producer.get(src)
        if q is not None and q.op_type == "QuantizeLinear":
            node.input[idx] = q.input[0]  # activation: skip the Q/DQ pair
        else:  # weight: int8 initializer -> the original float one
            base = src[: -len("_quantized")] if src.endswith("_quantized") else src
            if base in fp32_inits:
                if not any(i.name == base for i in m.graph.initializer):
                    m.graph.initializer.append(fp32_inits[base])
                node.input[idx] = base
    return m


def sensitivity(
    fp32_path: Path,
    int8_path: Path,
    feeds: list[dict[str, Any]],
    node_names: Sequence[str],
    log: Log = print,
    top: int = 8,
) -> dict[str, Any]:
    """Per-layer INT8 sensitivity by exclusion: error(all int8) - error(layer in float)."""
    import onnx
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    prov = ["CPUExecutionProvider"]
    ref = ort.InferenceSession(str(fp32_path), so, providers=prov)
    fp32_outs = [ref.run(None, f)[0] for f in feeds]
    qmodel = onnx.load(str(int8_path))
    fp32_inits = {i.name: i for i in onnx.load(str(fp32_path)).graph.initializer}
    base = _output_error(fp32_outs, ort.InferenceSession(str(int8_path), so, providers=prov), feeds)
    gains = []
    t0 = time.perf_counter()
    for name in node_names:
        m = unquantize_node(qmodel, fp32_inits, name)
        sess = ort.InferenceSession(m.SerializeToString(), so, providers=prov)
        err = _output_error(fp32_outs, sess, feeds)
        gains.append((base - err, name, err))
    gains.sort(reverse=True)
    log(
        f"report: sensitivity of {int8_path.parent.name}/{int8_path.name}: base error "
        f"{base:.3g}, {len(node_names)} layers in {time.perf_counter() - t0:.0f} s; most "
        f"sensitive: {', '.join(n for _, n, _ in gains[:top])}"
    )
    metric = (
        "share of non-blank time steps whose argmax differs from fp32"
        if fp32_outs and fp32_outs[0].ndim == 3 and fp32_outs[0].shape[-1] > 2
        else "mean |output - fp32 output|"
    )
    return {
        "metric": metric + f" ({len(feeds)} calibration batches)",
        "int8_error": base,
        "layers": [
            {
                "node": n,
                "error_if_float": e,
                "error_reduction": g,
                "share_of_error": (g / base if base else 0.0),
            }
            for g, n, e in gains[:top]
        ],
    }


# --- writing -------------------------------------------------------------------------------


def to_markdown(report: dict[str, Any]) -> str:
    ev = report.get("eval", {})
    lines = [
        f"# Accuracy report: {report.get('model', '?')}",
        "",
        f"Backend: {report.get('backend', '?')}. fp16 execution: "
        f"{report.get('fp16_execution', '?')}.",
        f"Evaluated on {ev.get('det_e2e_images', '?')} IC15 test images and "
        f"{ev.get('words', '?')} IC15 word crops, disjoint from the "
        f"{ev.get('calibration_images', '?')} calibration images "
        f"({ev.get('excluded_for_overlap', 0)} evaluation images dropped for overlap). "
        f"Scorer: {ev.get('evaluator', '?')}.",
        "",
        "| precision | det H-mean | e2e H-mean | word acc | lines changed | Δ e2e | "
        "Δ words | target | s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p, m in report.get("precisions", {}).items():
        d = m.get("delta", {})
        verdict = "—" if "pass" not in m else ("pass" if m["pass"] else "FAIL")
        lines.append(
            f"| {p} | {m['det_hmean']:.2f} | {m['e2e_hmean']:.2f} | {m['word_acc']:.2f} | "
            f"{m['lines_changed_pct']:.2f}% | "
            f"{d.get('e2e_hmean', 0.0):+.2f} | {d.get('word_acc', 0.0):+.2f} | {verdict} | "
            f"{m['seconds']} |"
        )
    comp = report.get("composition", {})
    if comp:
        lines += [
            "",
            "Networks per precision: "
            + "; ".join(
                f"**{p}**: " + ", ".join(f"{r} {v}" for r, v in c.items()) for p, c in comp.items()
            ),
        ]
    for role, s in report.get("sensitivity", {}).items():
        lines += [
            "",
            f"## INT8 sensitivity: {role}",
            "",
            f"Output error of the int8 {role}: {s['int8_error']:.4g} "
            f"({s['metric']}). Layers whose float fallback cuts it most:",
            "",
            "| layer | error if float | share of the int8 error removed |",
            "|---|---|---|",
        ]
        lines += [
            f"| {r['node']} | {r['error_if_float']:.4g} | {100 * r['share_of_error']:.1f}% |"
            for r in s["layers"]
        ]
    if report.get("fallback"):
        lines += ["", f"Mixed fallback: {report['fallback']}"]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    j, md = folder / "report.json", folder / "report.md"
    atomic_write(j, json.dumps(report, indent=1, sort_keys=True, default=str) + "\n")
    atomic_write(md, to_markdown(report))
    return j, md
