"""No two of briefing's modules import each other, directly or round a longer loop.

The imports counted are those a module runs when it is imported: at its top level (inside ``if``, ``try`` and
``with`` too), not inside functions, not under ``if TYPE_CHECKING:`` (read by type checkers only) nor under
``if __name__ == "__main__":`` (run as a script only)."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "briefing"
NOT_RUN_ON_IMPORT = ("TYPE_CHECKING", "typing.TYPE_CHECKING", "__name__ == '__main__'")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_run_on_import(body: list[ast.stmt]):
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if ast.unparse(node.test) not in NOT_RUN_ON_IMPORT:
                yield from imports_run_on_import(node.body)
            yield from imports_run_on_import(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from imports_run_on_import(block)
        elif isinstance(node, ast.With):
            yield from imports_run_on_import(node.body)


def import_graph() -> dict[str, set[str]]:
    """Each module of briefing → the modules of briefing it imports."""
    paths = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
    graph = {}
    for name, path in paths.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in imports_run_on_import(ast.parse(path.read_text(), str(path)).body):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
                continue
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import x`: the module x
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach each other through their imports (strongly connected, two or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while group[-1:] != [module]:
                group.append(stack.pop())
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def test_briefing_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 50 and graph["briefing.pipeline.build"]  # it did read the package
    assert cycles(graph) == []


def test_the_walk_finds_a_cycle_and_skips_imports_not_run_on_import():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("import os\nif TYPE_CHECKING:\n    import x\nif __name__ == '__main__':\n    import y\n"
                     "try:\n    import z\nexcept ImportError:\n    z = None\ndef f():\n    import w\n")
    assert [ast.unparse(n) for n in imports_run_on_import(tree.body)] == ["import os", "import z"]
