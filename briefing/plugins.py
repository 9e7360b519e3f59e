"""Finding, checking and calling plugins.

Plugins come from the ``briefing`` entry-point group (the built-in sections and loaders are registered
there, exactly like outside plugins) and from ``*.py`` files in the workspace's ``plugins/`` folder.
A workspace file with the same name as an installed plugin replaces it, so nothing registers twice.
Each implementation is called on its own: one that raises is reported and the build goes on without it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import inspect
import logging
import math
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .errors import BuildError, PluginError, SourceError

log = logging.getLogger("briefing.plugins")
trace_log = logging.getLogger("briefing.trace")  # asked for with --trace or BRIEFING_TRACE: shown at INFO

GROUP = "briefing"
HOOK_PREFIX = "briefing_"
TRACE_ENV = "BRIEFING_TRACE"
# The engine's own default implementations, registered like any plugin (they run last).
DEFAULT_PLUGINS = ("briefing.summarize",)


def hook_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith(HOOK_PREFIX))


def _check_module(name: str, plugin: object) -> None:
    """Reject functions that look like hooks but match no hook spec (a misspelling)."""
    known = set(hook_names())
    for attr, value in vars(plugin).items() if isinstance(plugin, types.ModuleType) else []:
        if attr.startswith(HOOK_PREFIX) and callable(value) and attr not in known:
            raise PluginError(
                f"plugin {name!r}: {attr}() is not a known hook (known hooks: {', '.join(sorted(known))})"
            )


def _load_file(path: Path) -> types.ModuleType:
    module_name = f"briefing_workspace_plugins.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"plugin file {path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken plugin file must name itself
        sys.modules.pop(module_name, None)
        raise PluginError(f"plugin file {path}: {type(exc).__name__}: {exc}") from exc
    return module


def _same_source(a: object, b: object) -> bool:
    """Two plugin modules from one file, or from files with the same bytes (an installed copy of a file)."""
    files = [getattr(m, "__file__", None) for m in (a, b)]
    if not all(files):
        return False
    first, second = (Path(f).resolve() for f in files)
    try:
        return first == second or first.read_bytes() == second.read_bytes()
    except OSError:
        return False


class Plugins:
    """The plugin manager of one build, with contained calls and an optional trace."""

    def __init__(self, workspace: Path | None = None, *, entry_points: bool = True,
                 extra: list[tuple[str, object]] | None = None, trace: bool | None = None):
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.sources: dict[str, str] = {}  # plugin name → where it came from
        self.trace = bool(os.environ.get(TRACE_ENV)) if trace is None else trace
        if self.trace:
            trace_log.setLevel(logging.INFO)
        for module_name in DEFAULT_PLUGINS:
            self.register(module_name, importlib.import_module(module_name), "engine default")
        if entry_points:
            for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
                try:
                    plugin = ep.load()
                except Exception as exc:
                    raise PluginError(f"plugin {ep.name!r} ({ep.value}): cannot be loaded: {exc}") from exc
                self.register(ep.name, plugin, f"entry point {ep.value}")
        if workspace is not None:
            folder = Path(workspace) / "plugins"
            if folder.is_dir():
                for path in sorted(folder.glob("*.py")):
                    if path.name.startswith(("_", "test_")):
                        continue
                    self.register(path.stem, _load_file(path), str(path))
        for name, plugin in extra or []:
            self.register(name, plugin, "given")
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {exc.plugin!r}: {exc}") from None

    def register(self, name: str, plugin: object, origin: str) -> None:
        _check_module(name, plugin)
        old = self.pm.get_plugin(name)
        if old is not None:
            if _same_source(old, plugin):
                return  # the same plugin reached twice (the repository, or an unpacked sdist, is also a workspace)
            self.pm.unregister(name=name)
            log.debug("plugin %s from %s replaces %s", name, origin, self.sources.get(name))
        try:
            self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {name!r} ({origin}): {exc}") from None
        except ValueError as exc:
            raise PluginError(f"plugin {name!r} ({origin}): {exc}") from None
        for caller in self.pm.get_hookcallers(plugin) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and (impl.hookwrapper or getattr(impl, "wrapper", False)):
                    self.pm.unregister(name=name)
                    raise PluginError(f"plugin {name!r} ({origin}): {caller.name} is a hook wrapper; "
                                      "use tryfirst/trylast instead (each implementation is called on its own)")
        self.sources[name] = origin

    def tables_of(self, name: str) -> list[str]:
        """The configuration tables plugin ``name`` declares (``briefing_options``)."""
        declare = getattr(self.pm.get_plugin(name), "briefing_options", None)
        try:
            return sorted(declare() or {}) if callable(declare) else []
        except Exception:  # reported when the build checks the settings
            return []

    def names(self) -> list[str]:
        return [name for name, _ in self.pm.list_name_plugin()]

    def describe(self) -> list[dict[str, Any]]:
        """Each plugin with where it came from and the hooks it implements."""
        rows = []
        for name, plugin in sorted(self.pm.list_name_plugin()):
            hooks = sorted(
                caller.name for caller in self.pm.get_hookcallers(plugin) or []
            )
            rows.append({"name": name, "origin": self.sources.get(name, ""), "hooks": hooks})
        return rows

    def _impls(self, hook: str):
        return list(reversed(getattr(self.pm.hook, hook).get_hookimpls()))

    def call(self, hook: str, *, sink=None, **kwargs: Any) -> list[Any]:
        """Call every implementation of ``hook``; returns the non-None results in call order."""
        return [result for _, result in self.call_named(hook, sink=sink, **kwargs)]

    def call_named(self, hook: str, *, sink=None, **kwargs: Any) -> list[tuple[str, Any]]:
        """Like :meth:`call`, each result paired with the name of the plugin that gave it."""
        results = []
        for impl in self._impls(hook):
            ok, result = self._call_one(hook, impl, kwargs, sink)
            if ok and result is not None:
                results.append((impl.plugin_name, result))
        return results

    def call_each(self, hook: str, args: dict[str, Any], *, sink=None, **kwargs: Any):
        """Call the implementations of ``hook`` one at a time, yielding ``(plugin name, result)`` for each that
        answers; ``args`` is read afresh for every call, so the caller can hand one plugin's result to the next."""
        for impl in self._impls(hook):
            ok, result = self._call_one(hook, impl, {**kwargs, **args}, sink)
            if ok and result is not None:
                yield impl.plugin_name, result

    def first(self, hook: str, *, sink=None, **kwargs: Any) -> Any:
        """Call implementations of ``hook`` in order until one returns something other than None."""
        for impl in self._impls(hook):
            ok, result = self._call_one(hook, impl, kwargs, sink)
            if ok and result is not None:
                return result
        return None

    def _call_one(self, hook: str, impl, kwargs: dict[str, Any], sink) -> tuple[bool, Any]:
        args = {name: kwargs.get(name) for name in impl.argnames}
        ok, result = self.contained(impl.plugin_name, hook, lambda: impl.function(**args), sink)
        if ok and self.trace:
            shown = {k: _short(v) for k, v in args.items() if k != "build"}
            trace_log.info("trace: %s.%s(%s) -> %s", impl.plugin_name, hook,
                           ", ".join(f"{k}={v}" for k, v in shown.items()), _short(result))
        return ok, result

    def contained(self, plugin: str, hook: str, call, sink, check: bool = True, detail: str = "") -> tuple[bool, Any]:
        """Run ``call()`` for ``plugin``'s ``hook``: a failure, or a result of the wrong type, is reported to
        ``sink`` (the build's context) and the build goes on without it; under ``--strict``, or with no
        sink, it raises :class:`PluginError`. A loader's :class:`SourceError` is passed on: it is a verdict
        on a source, not a failure. ``KeyboardInterrupt`` stops the build as the user asked."""
        try:
            result = call()
            problem = check_result(hook, result) if check else None
            if problem:
                raise PluginResultError(problem)
        except (SourceError, BuildError):  # a verdict on a source, or a plugin stopping the build on purpose
            raise
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit and the like from a plugin end nothing but its contribution
            if isinstance(exc, GeneratorExit):
                raise
            error = describe_error(exc)
            if self.trace:
                trace_log.info("trace: %s.%s raised %s", plugin, hook, error)
            if sink is None or sink.strict:
                log.debug("plugin %s failed in %s:\n%s", plugin, hook, traceback.format_exc())
                raise PluginError(f"plugin {plugin!r} failed in {hook}{detail}: {error}") from exc
            sink.plugin_failed(plugin, hook, error, traceback.format_exc())
            return False, None
        return True, result


class PluginResultError(Exception):
    """A plugin returned something its hook cannot use."""


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    if isinstance(exc, PluginResultError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_result(hook: str, result: Any) -> str | None:
    """What is wrong with a hook's result, or None when the hook can use it."""
    from .models import Item, Loader, Section, Story

    if result is None:
        return None
    expected = {"briefing_sections": ("a list of Section", Section), "briefing_loaders": ("a list of Loader", Loader),
                "briefing_stories": ("a list of Story", Story)}
    if hook in expected:
        what, kind = expected[hook]
        if not isinstance(result, (list, tuple)) or not all(isinstance(x, kind) for x in result):
            return f"returned {_short(result, 60)}, not {what}"
    elif hook == "briefing_score" and not _finite(result):
        return f"returned {_short(result, 60)}, not a finite number"
    elif hook == "briefing_summarize" and not isinstance(result, Item):
        return f"returned {_short(result, 60)}, not an Item"
    elif hook == "briefing_options" and not isinstance(result, dict):
        return f"returned {_short(result, 60)}, not a dict of tables"
    return None


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def signature_of(hook: str) -> str:
    return str(inspect.signature(getattr(hookspecs, hook)))
