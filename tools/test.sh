#!/usr/bin/env bash
# The whole test suite from a fresh clone: creates .venv, installs trt-ocr with its test
# extra, pulls the default models, builds + runs the C++ core's own tests, then pytest.
# Extra arguments go to pytest (e.g. tools/test.sh -k models).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/venv.sh
# tensorrt-rtx: the engine block below builds real engines without a GPU.
source tools/venv.sh "[test,tensorrt-rtx]"

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
"$VPY" -m mypy  # strict on the package ([tool.mypy] in pyproject.toml)
"$VENV/bin/clang-format" --dry-run -Werror src_cpp/*/*.cpp src_cpp/*/*.hpp src_cpp/include/trtocr/*.hpp

# --- engines: real TensorRT-RTX builds, no GPU needed (issue 11) ---------------------------
# The acceptance run: build-engines on the store's ONNX set writes plans and manifests, and a
# second run is all cache hits. tests/engines/test_real_engines.py then builds every model set
# (v4, v5, v6, the converted Paddle set) at fp32 and fp16 into the same folder, kept between
# runs on this machine: a rerun only verifies sha256s.
export TRT_OCR_CI_ENGINES=${TRT_OCR_CI_ENGINES:-$HOME/.cache/trt-ocr/ci-engines}
mkdir -p build
for run in 1 2; do
  env -u TRT_OCR_EVAL_DATA "$VENV/bin/trt-ocr" build-engines ppocr-v4-mobile --precision fp32 fp16 \
    --out "$TRT_OCR_CI_ENGINES" >"build/engines-run$run.log"
done
tail -n 8 build/engines-run2.log
if [[ $(grep -c ' hit$' build/engines-run2.log) != 6 ]]; then
  echo "build-engines: the second run was not 6 cache hits (build/engines-run2.log)" >&2
  exit 1
fi
# --- end engines ----------------------------------------------------------------------------

# The package lives under python/, which is not on sys.path: tests import the installed wheel.
exec "$VPY" -m pytest -p no:cacheprovider "$@"
