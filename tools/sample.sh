#!/usr/bin/env bash
# The main job from a fresh clone: creates .venv, installs trt-ocr, pulls the default models
# (ppocr-v4-mobile) and OCRs samples/sample.png on the default CPU backend, printing the text
# and writing the annotated image to out/sample.ocr.png.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/venv.sh
source tools/venv.sh
exec "$VENV/bin/trt-ocr" ocr samples/sample.png --draw out "$@"
