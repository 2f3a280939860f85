"""The package layout is the audit's data flow: imports only go upstream, modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cpxl"

#: Each stage may import the stages of a lower rank (and itself), never a higher one.
RANK = {"core": 0, "domain": 1, "book": 2, "intake": 3, "diagnosis": 3, "plan": 4, "report": 5,
        "excel": 6, "demo": 6, "cli": 7, "api": 7}
MAX_LINES = 700


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cpxl" else None


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path).split(".")
    pkg = me if path.name == "__init__.py" else me[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((node.lineno, mod))
            out += [(node.lineno, f"{mod}.{a.name}") for a in node.names if mod == "cpxl"]
    return out


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_upstream(path: Path) -> None:
    mine = _stage(_module_name(path))
    if mine is None or mine not in RANK:
        return
    bad = [f"line {ln}: {mod}" for ln, mod in _imports(path)
           if (st := _stage(mod)) in RANK and RANK[st] > RANK[mine]]
    assert not bad, f"{path.relative_to(PACKAGE)} ({mine}) imports a later stage: {bad}"


def test_every_stage_is_a_package_with_a_docstring() -> None:
    for stage in RANK:
        p = PACKAGE / stage / "__init__.py"
        if stage in ("api",):
            p = PACKAGE / "api.py"
        assert p.is_file(), stage
        doc = ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{p} needs a docstring saying what flows in and out"


def test_modules_stay_small() -> None:
    big = {str(p.relative_to(PACKAGE)): n for p in SOURCES
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"split these along their seams: {big}"


def test_no_module_left_at_the_top_but_api() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "api.py"], top
