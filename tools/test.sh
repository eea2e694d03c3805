#!/usr/bin/env bash
# The whole test suite from a fresh clone: creates .venv, installs trt-ocr with its test
# extra, pulls the default models, builds + runs the C++ core's own tests, then pytest.
# Extra arguments go to pytest (e.g. tools/test.sh -k models).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/venv.sh
source tools/venv.sh "[test]"

# C++ unit tests of the core, built without Python (cmake/ninja from PyPI if missing).
if ! command -v cmake >/dev/null || ! command -v ninja >/dev/null; then
  "$VPY" -m pip install -q --disable-pip-version-check cmake ninja
  export PATH="$PWD/$VENV/bin:$PATH"
fi
cmake -S . -B build/core-tests -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRTOCR_BUILD_PYTHON=OFF \
  -DTRTOCR_BUILD_TESTS=ON >/dev/null
cmake --build build/core-tests -j"$(nproc)" >/dev/null
build/core-tests/src_cpp/trtocr_core_tests
# The same tests, and a short run of the fuzz driver (tools/fuzz.sh runs the long campaign),
# under ASan + UBSan: any sanitizer report aborts.
cmake -S . -B build/core-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRTOCR_BUILD_PYTHON=OFF -DTRTOCR_BUILD_TESTS=ON -DTRTOCR_BUILD_FUZZ=ON -DTRTOCR_SANITIZE=ON \
  >/dev/null
cmake --build build/core-sanitize -j"$(nproc)" >/dev/null
build/core-sanitize/src_cpp/trtocr_core_tests
build/core-sanitize/src_cpp/trtocr_core_fuzz --calls 10000 --seed 1 | tail -n 1
# ... and the driver must catch and name each kind of finding (its planted bugs).
for planted in heap_overflow ubsan hang exception contract; do
  if build/core-sanitize/src_cpp/trtocr_core_fuzz --target "planted_$planted" --calls 1 \
    --timeout 1 >/dev/null 2>build/core-sanitize/planted.log ||
    ! grep -q "reproduce: .* --target planted_$planted " build/core-sanitize/planted.log; then
    echo "the fuzz driver did not report planted_$planted" >&2
    exit 1
  fi
done

# Lint: the same rules for every change.
"$VENV/bin/ruff" check python tests bench
"$VENV/bin/ruff" format --check python tests bench
"$VENV/bin/clang-format" --dry-run -Werror src_cpp/*/*.cpp src_cpp/*/*.hpp src_cpp/include/trtocr/*.hpp

# The package lives under python/, which is not on sys.path: tests import the installed wheel.
exec "$VPY" -m pytest -p no:cacheprovider "$@"
