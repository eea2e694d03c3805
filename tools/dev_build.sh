#!/usr/bin/env bash
# Developer build: compiles trt_ocr._core in place (python/trt_ocr/_core*.so) so tests can run
# with PYTHONPATH=python and no reinstall. Usage: tools/dev_build.sh [Release|Debug|Sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
MODE=${1:-Release}
EXTRA=()
BUILD_TYPE=$MODE
if [[ $MODE == Sanitize ]]; then EXTRA+=(-DTRTOCR_SANITIZE=ON); BUILD_TYPE=Debug; fi
BUILD_DIR=build/dev-$MODE
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
  -DPython_EXECUTABLE="$($PY -c 'import sys; print(sys.executable)')" \
  -Dpybind11_DIR="$($PY -m pybind11 --cmakedir)" -DTRTOCR_BUILD_TESTS=ON "${EXTRA[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
# Replace, never overwrite in place: a running process may have the old file mapped.
for so in "$BUILD_DIR"/src_cpp/_core*.so; do
  cp "$so" "python/trt_ocr/.$(basename "$so").tmp" && mv -f "python/trt_ocr/.$(basename "$so").tmp" "python/trt_ocr/$(basename "$so")"
done
echo "built $(ls python/trt_ocr/_core*.so)"
