#!/usr/bin/env bash
# Fuzz campaign of the C++ core: builds the random fuzz driver under ASan + UBSan (any report
# aborts) in build/fuzz-sanitize and runs CALLS calls from SEED. Extra arguments go to the driver
# (e.g. --target db_postprocess, --timeout 60; --list names the targets).
# Usage: tools/fuzz.sh [CALLS] [SEED] [driver args...]
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${1:-1000000}
SEED=${2:-1}
shift $(($# < 2 ? $# : 2))
cmake -S . -B build/fuzz-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRTOCR_BUILD_PYTHON=OFF -DTRTOCR_BUILD_FUZZ=ON -DTRTOCR_SANITIZE=ON >/dev/null
cmake --build build/fuzz-sanitize -j"$(nproc)" --target trtocr_core_fuzz >/dev/null
exec build/fuzz-sanitize/src_cpp/trtocr_core_fuzz --calls "$CALLS" --seed "$SEED" "$@"
