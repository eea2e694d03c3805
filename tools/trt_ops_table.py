#!/usr/bin/env python3
"""Turns onnx-tensorrt's docs/operators.md into the package's op-support table (JSON).

Usage: tools/trt_ops_table.py operators.md --source "onnx-tensorrt <tag> (<commit>)" \
           --tensorrt 10.0 > python/trt_ocr/engines/data/tensorrt_onnx_ops.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path


def parse(text: str) -> tuple[dict[str, dict[str, object]], tuple[int, int] | None]:
    ops: dict[str, dict[str, object]] = {}
    opset = None
    m = re.search(r"opset (\d+) to opset (\d+)", text)
    if m:
        opset = (int(m.group(1)), int(m.group(2)))
    in_table = False
    for line in text.splitlines():
        if line.startswith("| Operator"):
            in_table = True
            continue
        if not in_table or not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0]:
            continue
        name, supported = cells[0], cells[1]
        types = [t.strip() for t in cells[2].split(",") if t.strip()] if len(cells) > 2 else []
        restrictions = cells[3].replace("<br />", " ") if len(cells) > 3 else ""
        ops[name] = {
            "supported": supported.upper().startswith("Y"),
            "experimental": "EXPERIMENTAL" in supported.upper(),
            "types": types,
            "restrictions": restrictions,
        }
    return ops, opset


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("operators_md", type=Path)
    ap.add_argument("--source", required=True, help="where the document came from")
    ap.add_argument("--tensorrt", required=True, help="TensorRT version the document describes")
    a = ap.parse_args()
    ops, opset = parse(a.operators_md.read_text(encoding="utf-8"))
    out = {
        "source": a.source,
        "tensorrt_version": a.tensorrt,
        "opset_range": list(opset) if opset else None,
        "operators": ops,
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
