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
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError, SourceError

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
        self.report = None  # set by the build; receives plugin failures
        self.strict = False
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
            if getattr(old, "__file__", None) and getattr(plugin, "__file__", None) and \
                    Path(old.__file__).resolve() == Path(plugin.__file__).resolve():
                return  # the same file reached twice (e.g. the repository is both package and workspace)
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

    def call(self, hook: str, **kwargs: Any) -> list[Any]:
        """Call every implementation of ``hook``; returns the non-None results in call order."""
        return [result for _, result in self.call_named(hook, **kwargs)]

    def call_named(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Like :meth:`call`, each result paired with the name of the plugin that gave it."""
        results = []
        for impl in self._impls(hook):
            ok, result = self._call_one(hook, impl, kwargs)
            if ok and result is not None:
                results.append((impl.plugin_name, result))
        return results

    def first(self, hook: str, **kwargs: Any) -> Any:
        """Call implementations of ``hook`` in order until one returns something other than None."""
        for impl in self._impls(hook):
            ok, result = self._call_one(hook, impl, kwargs)
            if ok and result is not None:
                return result
        return None

    def _call_one(self, hook: str, impl, kwargs: dict[str, Any]) -> tuple[bool, Any]:
        args = {name: kwargs[name] for name in impl.argnames}
        try:
            result = impl.function(**args)
        except Exception as exc:
            if isinstance(exc, SourceError):
                raise  # a loader's verdict on a source, not a plugin failure
            if self.trace:
                trace_log.info("trace: %s.%s raised %s: %s", impl.plugin_name, hook, type(exc).__name__, exc)
            if self.strict or self.report is None:
                log.debug("plugin %s failed in %s:\n%s", impl.plugin_name, hook, traceback.format_exc())
                raise PluginError(f"plugin {impl.plugin_name!r} failed in {hook}: "
                                  f"{type(exc).__name__}: {exc}") from exc
            self.report.plugin_error(impl.plugin_name, hook, f"{type(exc).__name__}: {exc}",
                                     traceback.format_exc())
            return False, None
        if self.trace:
            shown = {k: _short(v) for k, v in args.items()}
            trace_log.info("trace: %s.%s(%s) -> %s", impl.plugin_name, hook,
                        ", ".join(f"{k}={v}" for k, v in shown.items()), _short(result))
        return True, result


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def signature_of(hook: str) -> str:
    return str(inspect.signature(getattr(hookspecs, hook)))
