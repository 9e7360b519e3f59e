"""The plugin API: the names type checkers read (the ``TYPE_CHECKING`` imports) are the names the lazy loader
gives, every one of them importable, and ``__all__`` lists exactly those."""

from __future__ import annotations

import ast
import importlib
import inspect

import briefing.api as api

from .conftest import ROOT


def type_checking_imports() -> dict[str, tuple[str, str]]:
    """name → (module under briefing, name there), from the ``if TYPE_CHECKING:`` block of briefing/api.py."""
    tree = ast.parse((ROOT / "briefing" / "api.py").read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    found = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1, ast.unparse(node)
        for alias in node.names:
            found[alias.asname or alias.name] = (node.module, alias.name)
    return found


def test_the_names_tools_see_are_the_names_the_api_gives():
    assert type_checking_imports() == api._WHERE
    assert api.__all__ == sorted(api._WHERE)
    assert dir(api) == api.__all__


def test_every_name_of_the_api_imports_and_is_what_its_module_holds():
    for name, (module, there) in type_checking_imports().items():
        assert getattr(api, name) is getattr(importlib.import_module(f"briefing.{module}"), there), name


def test_every_hook_specification_is_annotated_and_its_types_exist():
    from briefing import hookspecs
    from briefing.host.plugins import hook_names

    tree = ast.parse((ROOT / "briefing" / "hookspecs.py").read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    names = dict(vars(hookspecs))
    exec(compile(ast.Module(body=block.body, type_ignores=[]), "briefing/hookspecs.py", "exec"), names)
    for hook in hook_names():
        function = getattr(hookspecs, hook)
        annotations = inspect.get_annotations(function, globals=names, eval_str=True)
        assert set(annotations) == set(inspect.signature(function).parameters) | {"return"}, hook
