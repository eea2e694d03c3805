import sys

from trt_ocr.cli import main

sys.exit(main())
