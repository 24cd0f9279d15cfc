"""No import cycle among the modules of mappers/x12: the envelope pass, the seam and both set validators import
in one direction only (validate -> validate_interchange -> validate_api <- validate_pyx12, compiled).

The graph counts every import, at module level or inside a function, except those under TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mappers" / "x12"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("mappers.x12")}


def graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_mappers_x12_has_no_import_cycle() -> None:
    edges = graph()
    assert "mappers.x12.validate_interchange" in edges and "mappers.x12.compiled.validator" in edges
    assert not cycles(edges), cycles(edges)


def test_the_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_the_envelope_pass_knows_neither_validator() -> None:
    edges = graph()
    reach = set()
    todo = ["mappers.x12.validate_interchange"]
    while todo:
        for m in edges[todo.pop()]:
            if m not in reach:
                reach.add(m)
                todo.append(m)
    assert "mappers.x12.validate_pyx12" not in reach
    assert not any(m.startswith("mappers.x12.compiled") for m in reach)
