#!/usr/bin/env bash
# The main job from a fresh clone: creates .venv, installs trt-ocr, pulls the default models
# (ppocr-v4-mobile) and OCRs samples/sample.png on the default CPU backend, printing the text
# and writing the annotated image to out/sample.ocr.png.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${TRT_OCR_VENV:-.venv}
if [[ ! -x $VENV/bin/python ]]; then "$PY" -m venv "$VENV"; fi
VPY=$VENV/bin/python
"$VPY" -m pip install -q --disable-pip-version-check --upgrade pip
"$VPY" -m pip install -q --disable-pip-version-check .
"$VENV/bin/trt-ocr" models pull ppocr-v4-mobile
exec "$VENV/bin/trt-ocr" ocr samples/sample.png --draw out "$@"
