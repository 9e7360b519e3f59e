"""Limits on the shape of the code: no module of the engine or of the built-in plugins over 450 lines, and no function
with a cyclomatic complexity over 25 (measured by radon)."""

from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Class

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 25  # cyclomatic complexity
MAX_LINES = 450  # a module longer than this is several things


def _modules():
    for folder in ("briefing", "plugins"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def _functions(blocks):
    """Every function and method in radon's blocks, closures and inner classes included (a class's own figure is
    its methods' sum, so classes are left out; radon lists a class's methods beside it, hence the dedupe)."""
    for block in blocks:
        if isinstance(block, Class):
            yield from _functions(block.methods)
            yield from _functions(block.inner_classes)
        else:
            yield block
            yield from _functions(block.closures)


def test_no_function_over_the_complexity_limit():
    over = []
    for path in _modules():
        functions = {(f.lineno, f.name): f for f in _functions(cc_visit(path.read_text(encoding="utf-8")))}
        for (lineno, _), function in sorted(functions.items()):
            if function.complexity > LIMIT:
                name = f"{function.classname}.{function.name}" if function.classname else function.name
                over.append(f"{path.relative_to(ROOT)}:{lineno} {name} {function.complexity}")
    assert not over, f"cyclomatic complexity over {LIMIT}:\n" + "\n".join(over)


def test_no_module_over_the_line_limit():
    over = [f"{path.relative_to(ROOT)}: {n} lines" for path in _modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not over, f"modules over {MAX_LINES} lines:\n" + "\n".join(over)
