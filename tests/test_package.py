"""The package docstring's module list: every module named once, in import order (each
module importing only from those after it), every module in the pipeline drawing, and a
test module for each."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import krm_fn

PACKAGE = Path(krm_fn.__file__).parent
DOC = krm_fn.__doc__ or ""
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in {"__init__", "__main__"})


def _listed() -> list[str]:
    return re.findall(r"^- `(\w+)`: ", DOC, re.M)


def _imports(module: str) -> set[str]:
    """The package's modules that `module` imports, at any depth (a lazy import counts)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "krm_fn":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("krm_fn."):
            found.add((node.module or "").split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("krm_fn.")}
    return found - {module}


def test_every_module_is_listed_once() -> None:
    listed = _listed()
    assert sorted(listed) == MODULES
    assert len(set(listed)) == len(listed)


def test_each_module_imports_only_from_those_after_it() -> None:
    listed = _listed()
    backwards = {
        module: sorted(i for i in _imports(module) if listed.index(i) <= listed.index(module))
        for module in listed
    }
    assert {m: b for m, b in backwards.items() if b} == {}


def test_the_drawing_names_every_module() -> None:
    drawing = DOC.split("\nThe modules,")[0]
    words = set(re.findall(r"\w+", drawing))
    assert [m for m in MODULES if m != "_validators" and m not in words] == []


def test_each_module_has_its_test_module() -> None:
    """`krm_fn/X.py` is tested in `tests/test_X.py` (the generated `_validators` by
    test_schema, which checks it is current)."""
    tests = Path(__file__).parent
    missing = [m for m in MODULES if m != "_validators" and not (tests / f"test_{m}.py").exists()]
    assert missing == []
