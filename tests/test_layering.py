"""The dependency between the runtime and the engine-building package points one way: the
engines package may use the runtime, no runtime module imports it (checked on the sources,
so a lazy import inside a function counts too)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import trt_ocr

PACKAGE = Path(trt_ocr.__file__).parent
ENGINES = "trt_ocr.engines"
# The CLI front end registers the build-engines command: that one function may import it.
ALLOWED = {("cli.py", "_add_build_engines_args")}


def _imports(tree: ast.AST) -> list[tuple[str, str]]:
    """(imported module, enclosing function or '<module>') for every import in tree."""
    out: list[tuple[str, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else where
            )
            if isinstance(child, ast.Import):
                out.extend((a.name, where) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                out.extend((f"{child.module}.{a.name}", where) for a in child.names)
            visit(child, inner)

    visit(tree, "<module>")
    return out


def test_no_runtime_module_imports_the_engines_package() -> None:
    runtime = [p for p in PACKAGE.rglob("*.py") if "engines" not in p.relative_to(PACKAGE).parts]
    assert len(runtime) > 10
    offenders = []
    for path in runtime:
        rel = path.relative_to(PACKAGE).as_posix()
        for module, where in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            hits = module == ENGINES or module.startswith(ENGINES + ".")
            if hits and (rel, where) not in ALLOWED:
                offenders.append(f"{rel}:{where} imports {module}")
    assert not offenders, offenders


def test_the_check_sees_lazy_imports() -> None:
    src = "def f():\n    from trt_ocr.engines import cli\n"
    assert ("trt_ocr.engines.cli", "f") in _imports(ast.parse(src))


def test_image_suffixes_are_one_fact() -> None:
    from trt_ocr import io
    from trt_ocr.engines import calibration
    from trt_ocr.eval import datasets

    assert calibration.IMAGE_SUFFIXES is io.IMAGE_SUFFIXES
    assert datasets.IMAGE_SUFFIXES is io.IMAGE_SUFFIXES
    defined = [
        path.name
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^IMAGE_SUFFIXES\s*=", path.read_text(encoding="utf-8"), re.M)
    ]
    assert defined == ["io.py"]
