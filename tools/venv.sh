# Sourced by tools/sample.sh and tools/test.sh: creates (once) the checkout's virtualenv,
# installs trt-ocr into it with the extras named by $1 (e.g. "[test]"), and pulls the default
# models. Sets VENV and VPY.
PY=${PYTHON:-python3}
VENV=${TRT_OCR_VENV:-.venv}
if [[ ! -x $VENV/bin/python ]]; then "$PY" -m venv "$VENV"; fi
VPY=$VENV/bin/python
"$VPY" -m pip install -q --disable-pip-version-check --upgrade pip
"$VPY" -m pip install -q --disable-pip-version-check ".${1:-}"
"$VPY" -m trt_ocr models pull ppocr-v4-mobile
