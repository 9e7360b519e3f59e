"""Finding, checking and calling plugins.

Plugins come from the ``briefing`` entry-point group (the built-in sections and loaders are registered
there, exactly like outside plugins) and from ``*.py`` files in the workspace's ``plugins/`` folder.
A workspace file with the same name as an installed plugin replaces it, so nothing registers twice.
Each implementation is called on its own: one that raises, or returns what its hook cannot use (see
:mod:`briefing.host.checks`), is reported and the build goes on without it; what it changed in place (the issue,
the stories, the Jinja environment) is put back. ``SystemExit`` from a plugin ends nothing but its
contribution; ``KeyboardInterrupt`` stops the build only when the user pressed Ctrl-C (a plugin raising it
itself is that plugin's failure); the build's deadline (:mod:`briefing.runtime.deadline`) is never contained.
"""

from __future__ import annotations

import contextvars
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

from .. import hookspecs
from ..errors import BuildError, OutOfTime, PluginError, SourceError
from . import checks as results
from .checks import check_result  # noqa: F401  (part of this module's interface)

log = logging.getLogger("briefing.plugins")
trace_log = logging.getLogger("briefing.trace")  # asked for with --trace or BRIEFING_TRACE: shown at INFO

GROUP = "briefing"
HOOK_PREFIX = "briefing_"
TRACE_ENV = "BRIEFING_TRACE"
# The engine's own default implementations, registered like any plugin (they run last).
DEFAULT_PLUGINS = ("briefing.pipeline.summarize",)
# Where a failure in pluggy's own first-result call is reported: the sink of the call under way.
_FIRST_SINK: contextvars.ContextVar[Any] = contextvars.ContextVar("briefing_first_sink", default=None)


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
    except (KeyboardInterrupt, OutOfTime):
        raise
    except BaseException as exc:  # a broken plugin file must name itself, even one that calls sys.exit()
        sys.modules.pop(module_name, None)
        raise PluginError(f"plugin file {path}: {describe_error(exc)} while being imported") from None
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
                except (KeyboardInterrupt, OutOfTime):
                    raise
                except BaseException as exc:
                    raise PluginError(f"plugin {ep.name!r} ({ep.value}): cannot be loaded: {describe_error(exc)}") \
                        from None
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
                if impl.plugin is plugin and _first_result(caller):
                    impl.function = self._contained_impl(caller.name, impl)
        self.sources[name] = origin

    @property
    def hook(self) -> pluggy.HookRelay:
        """The hooks, one attribute each (``plugins.hook.briefing_sections``): what the calls below take."""
        return self.pm.hook

    def tables_of(self, name: str) -> list[str]:
        """The configuration tables plugin ``name`` declares (``briefing_options``)."""
        declare = getattr(self.pm.get_plugin(name), "briefing_options", None)
        try:
            return sorted(declare() or {}) if callable(declare) else []
        except (KeyboardInterrupt, OutOfTime):
            raise
        except BaseException:  # reported when the build checks the settings
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

    def implementers(self, hook: pluggy.HookCaller) -> list[tuple[str, object]]:
        """``(plugin name, plugin)`` for each implementation of ``hook``, in registration order."""
        return [(impl.plugin_name, impl.plugin) for impl in hook.get_hookimpls()]

    def _impls(self, hook: pluggy.HookCaller):
        if _first_result(hook):
            raise ValueError(f"{hook.name} is a firstresult hook: call it with first()")
        return list(reversed(hook.get_hookimpls()))

    def call(self, hook: pluggy.HookCaller, *, sink=None, **kwargs: Any) -> list[Any]:
        """Call every implementation of ``hook`` (an attribute of :attr:`hook`); returns the non-None results in
        call order."""
        return [result for _, result in self.call_named(hook, sink=sink, **kwargs)]

    def call_named(self, hook: pluggy.HookCaller, *, sink=None, **kwargs: Any) -> list[tuple[str, Any]]:
        """Like :meth:`call`, each result paired with the name of the plugin that gave it."""
        results = []
        for impl in self._impls(hook):
            ok, result = self._call_one(hook.name, impl.plugin_name, impl.function, impl.argnames, kwargs, sink)
            if ok and result is not None:
                results.append((impl.plugin_name, result))
        return results

    def call_each(self, hook: pluggy.HookCaller, args: dict[str, Any], *, sink=None, **kwargs: Any):
        """Call the implementations of ``hook`` one at a time, yielding ``(plugin name, result)`` for each that
        answers; ``args`` is read afresh for every call, so the caller can hand one plugin's result to the next."""
        for impl in self._impls(hook):
            ok, result = self._call_one(hook.name, impl.plugin_name, impl.function, impl.argnames,
                                        {**kwargs, **args}, sink)
            if ok and result is not None:
                yield impl.plugin_name, result

    def first(self, hook: pluggy.HookCaller, *, sink=None, **kwargs: Any) -> Any:
        """Pluggy's own call of a ``firstresult`` hook: implementations in order until one returns something other
        than None. Each is called contained (see :meth:`_contained_impl`): one that fails counts as no answer."""
        if not _first_result(hook):
            raise ValueError(f"{hook.name} is not a firstresult hook: call it with call()")
        token = _FIRST_SINK.set(sink)
        try:
            return hook(**{name: kwargs.get(name) for name in hook.spec.argnames})
        finally:
            _FIRST_SINK.reset(token)

    def _contained_impl(self, hook: str, impl):
        """``impl``'s function for pluggy's first-result loop: called contained, reporting to the sink of the
        call under way; a failure returns None, so the next implementation is asked."""
        plugin, function, argnames = impl.plugin_name, impl.function, impl.argnames

        def contained(*args):
            ok, result = self._call_one(hook, plugin, function, argnames, dict(zip(argnames, args)),
                                        _FIRST_SINK.get())
            return result if ok else None
        contained.__name__ = getattr(function, "__name__", hook)
        return contained

    def _call_one(self, hook: str, plugin: str, function, argnames, kwargs: dict[str, Any],
                  sink) -> tuple[bool, Any]:
        args = {name: kwargs.get(name) for name in argnames}
        undo = _in_place(hook, kwargs)
        try:
            ok, result = self.contained(plugin, hook, lambda: _checked(hook, function(**args), kwargs), sink)
        finally:
            if undo is not None:
                undo.settle(plugin, sink)
        if not ok and undo is not None:
            undo.restore()
        if ok and self.trace:
            shown = {k: _short(v) for k, v in args.items() if k != "build"}
            trace_log.info("trace: %s.%s(%s) -> %s", plugin, hook,
                           ", ".join(f"{k}={v}" for k, v in shown.items()), _short(result))
        return ok, result

    def contained(self, plugin: str, hook: str, call, sink, check: bool = True, detail: str = "") -> tuple[bool, Any]:
        """Run ``call()`` for ``plugin``'s ``hook``: a failure, or a result of the wrong type, is reported to
        ``sink`` (the build's context) and the build goes on without it; under ``--strict``, or with no
        sink, it raises :class:`PluginError`. A loader's :class:`SourceError` is passed on: it is a verdict
        on a source, not a failure. ``KeyboardInterrupt`` stops the build when the user asked for it (Ctrl-C),
        and so does the build's deadline (:class:`~briefing.errors.OutOfTime`)."""
        guard = getattr(sink, "guard", None)
        before = guard.enter(plugin, hook) if guard is not None else None
        try:
            result = call()
            problem = check_result(hook, result) if check else None
            if problem:
                raise PluginResultError(problem)
        except (SourceError, BuildError, OutOfTime):  # a verdict on a source, a deliberate stop, the deadline
            raise
        except KeyboardInterrupt as exc:
            if guard is None or not guard.tells_interrupts or guard.interrupted:
                raise  # the user pressed Ctrl-C (or nobody can tell): the build stops as asked
            return self._failed(plugin, hook, exc, sink, detail)
        except BaseException as exc:  # SystemExit and the like from a plugin end nothing but its contribution
            if isinstance(exc, GeneratorExit):
                raise
            return self._failed(plugin, hook, exc, sink, detail)
        finally:
            if guard is not None:
                guard.leave(before)
        return True, result

    def _failed(self, plugin: str, hook: str, exc: BaseException, sink, detail: str) -> tuple[bool, Any]:
        error = describe_error(exc)
        if self.trace:
            trace_log.info("trace: %s.%s raised %s", plugin, hook, error)
        if sink is None or sink.strict:
            log.debug("plugin %s failed in %s:\n%s", plugin, hook, traceback.format_exc())
            raise PluginError(f"plugin {plugin!r} failed in {hook}{detail}: {error}") from None
        sink.plugin_failed(plugin, hook, error, traceback.format_exc())
        return False, None


def _first_result(hook: pluggy.HookCaller) -> bool:
    return bool(hook.spec and hook.spec.opts.get("firstresult"))


def _checked(hook: str, result: Any, kwargs: dict[str, Any]) -> Any:
    """The result, after checking what a hook that works in place left behind (raises PluginResultError)."""
    if hook == "briefing_prepare_issue" and kwargs.get("issue") is not None:
        problem = results.model_problem(kwargs["issue"])
        if problem:
            raise PluginResultError(f"left {results.article(problem)} in the issue")
    return result


class _Undo:
    """What one in-place hook call may change, kept so that a failing call can be undone."""

    def __init__(self, restore, settle=None):
        self._restore = restore
        self._settle = settle

    def restore(self) -> None:
        self._restore()

    def settle(self, plugin: str, sink) -> None:
        if self._settle is not None:
            self._settle(plugin, sink)


def _in_place(hook: str, kwargs: dict[str, Any]) -> _Undo | None:
    if hook == "briefing_prepare_issue" and kwargs.get("issue") is not None:
        issue = kwargs["issue"]
        saved = results.snapshot_issue(issue)
        return _Undo(lambda: results.restore_issue(issue, saved))
    if hook == "briefing_stories" and isinstance(kwargs.get("stories"), list):
        saved_stories = results.snapshot_stories(kwargs["stories"])
        return _Undo(lambda: results.restore_stories(saved_stories))
    if hook == "briefing_jinja_environment" and kwargs.get("env") is not None:
        env = kwargs["env"]
        tables = {name: dict(getattr(env, name)) for name in ("filters", "globals", "tests")}

        def restore():
            for name, saved in tables.items():
                getattr(env, name).clear()
                getattr(env, name).update(saved)

        def settle(plugin, sink):  # what the plugin added or replaced is called contained, like a hook
            for name, saved in tables.items():
                table = getattr(env, name)
                for key, value in list(table.items()):
                    if callable(value) and saved.get(key) is not value and not isinstance(value, type):
                        table[key] = _contained_callable(plugin, f"{name[:-1]} {key}", value, saved.get(key), sink)
        return _Undo(restore, settle)
    return None


def _contained_callable(plugin: str, what: str, function, fallback, sink):
    """``function`` (a plugin's Jinja filter, global or test) called contained: when it fails, the failure is
    reported once for the plugin and the one it replaced is used instead (else an empty string)."""
    from markupsafe import Markup

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (KeyboardInterrupt, OutOfTime, BuildError):
            raise
        except BaseException as exc:
            if isinstance(exc, GeneratorExit):
                raise
            if sink is None or sink.strict:
                raise PluginError(f"plugin {plugin!r} failed in {what}: {describe_error(exc)}") from None
            sink.plugin_failed(plugin, what, describe_error(exc), traceback.format_exc())
            return fallback(*args, **kwargs) if fallback is not None else Markup("")
    for attribute in ("jinja_pass_arg", "environmentfilter", "contextfilter", "evalcontextfilter"):
        if hasattr(function, attribute):
            setattr(call, attribute, getattr(function, attribute))
    call.__wrapped__ = function
    return call


class PluginResultError(Exception):
    """A plugin returned something its hook cannot use."""


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r})"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt (not the user's Ctrl-C)"
    if isinstance(exc, PluginResultError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def signature_of(hook: str) -> str:
    """The hook's arguments as the docs write them: ``(config, build)``, without their types."""
    return f"({', '.join(inspect.signature(getattr(hookspecs, hook)).parameters)})"
