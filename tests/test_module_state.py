"""No engine module keeps mutable state at module level, so that two builds in one process never mix.

The rule, over the globals of every module of briefing after import: a name bound to a dict, list, set,
bytearray or deque (or a subclass) is
- a constant when it is written in UPPER_CASE, and then a build leaves it equal to what it was;
- otherwise state, and a failure, unless it is one of the exceptions below, each with its reason.
Constants that cannot change (tuples, frozensets, ``MappingProxyType``) pass. Objects that keep state inside them
(an ``lru_cache``, a ``ContextVar``, a lock, a logger) are outside the rule: each is a choice read in its module."""

from __future__ import annotations

import collections
import importlib
import pkgutil

import briefing
from briefing.testing import build_workspace

from .conftest import ROOT

MUTABLE = (dict, list, set, bytearray, collections.deque)
# module-level containers that are state on purpose: name → why it is safe
EXCEPTIONS = {
    "briefing.editorial.termscore._compiled": "a memo of the merged form of term tables, at most 65 entries, "
                                             "each checked equal to the tables asked for before it is used",
    "briefing.pipeline.load._shared": "the build's context handed to the forked parse workers, which read it in "
                                      "their copy of the build's memory: set for one parallel parse, cleared after",
}


def engine_modules() -> list:
    names = ["briefing"] + [m.name for m in pkgutil.walk_packages(briefing.__path__, "briefing.")
                            if not m.name.endswith(".__main__")]  # the command line, run when imported
    return [importlib.import_module(name) for name in names]


def module_containers() -> dict[str, object]:
    """``module.name`` → value, for every mutable container a module of briefing binds at its top level."""
    found = {}
    for module in engine_modules():
        for name, value in vars(module).items():
            owner = getattr(value, "__module__", module.__name__)
            if isinstance(value, MUTABLE) and not name.startswith("__") and owner == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def is_constant_name(qualified: str) -> bool:
    name = qualified.rsplit(".", 1)[1].lstrip("_")
    return name.isupper()


def test_no_module_keeps_mutable_state_but_the_listed_exceptions():
    found = module_containers()
    assert len(engine_modules()) > 50 and found  # it did look
    state = sorted(name for name in found if not is_constant_name(name) and name not in EXCEPTIONS)
    assert state == [], f"module-level state (make it a constant, keep it on the build, or list it with why): {state}"
    assert set(EXCEPTIONS) <= set(found), f"exceptions that are gone: {set(EXCEPTIONS) - set(found)}"


def test_a_build_leaves_every_module_constant_as_it_was(tmp_path):
    constants = {name: value for name, value in module_containers().items() if is_constant_name(name)}
    before = {name: repr(value) for name, value in constants.items()}  # (their values have no equality of their own)
    build_workspace(tmp_path, [ROOT / "seeds"], formats="md,html")
    changed = sorted(name for name, value in constants.items() if repr(value) != before[name])
    assert changed == [], f"module constants a build changed: {changed}"


def test_the_rule_tells_a_constant_from_state():
    assert is_constant_name("briefing.x.SUFFIXES") and is_constant_name("briefing.x._WHERE")
    assert not is_constant_name("briefing.x._compiled") and not is_constant_name("briefing.x.cache")
