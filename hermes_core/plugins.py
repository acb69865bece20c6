"""Loading plugins from entry points so that one broken plugin never takes the host down.

We do not call pluggy's ``load_setuptools_entrypoints``: it stops at the first plugin that fails. Each
entry point of group ``hermes`` is filtered by ``HERMES_LOAD_PLUGINS`` / ``HERMES_DISABLE_PLUGINS``
*before* import, then loading runs in three passes so that plugins may declare hooks for each other:

1. import every plugin, each :func:`~hermes_core.containment.contained` (a deadline, stdout sent to
   stderr, ``BaseException`` caught, core attributes it patched restored if it fails);
2. add the hookspecs plugins declare through ``register_hookspecs`` (pytest's ``addhooks``);
3. register each plugin with pluggy, refuse hook options the loader does not honour and hooks nobody
   declared, and stage its registrations; only when all of that succeeded are its items committed.
   The parser hooks (``ExtensionPoint.deferred``) run instead at their registry's first read, in load
   order and all-or-nothing all the same: a parser class is imported to learn its names, and most
   processes read no parser.

First-party plugins (this repository's distributions) load before third-party ones, so a third-party
plugin that claims a first-party name (``terminal``) fails with the clash reported, and the real one
keeps serving. Anything that fails is recorded as ``(name, version, status, error)`` and everything the
plugin registered is undone. ``HERMES_STRICT_PLUGINS=1`` re-raises instead, for plugin authors.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from hermes_core import hookspecs
from hermes_core.compat import Dist, incompatible_with_core, version_of
from hermes_core.containment import Snapshot, contained, describe, run_step, session, undo
from hermes_core.extension_points import BUILTIN
from hermes_core.first_party import _TRUSTED, CORE_PLUGIN, FIRST_PARTY, install_hint, provider
from hermes_core.registrar import Registrar, check_hooks, commit
from hermes_core.registry import Entry, HermesError, Registry

log = logging.getLogger("hermes.plugins")

ENTRY_POINT_GROUP = "hermes"
_NOT_REGISTRIES = ("register_commands", "register_hookspecs")
_BUILTIN_TARGETS = {hook: (point.attribute, point.kind) for hook, point in BUILTIN.items()}  # the meta-tests
_DEFERRED = frozenset(hook for hook, point in BUILTIN.items() if point.deferred)


@dataclass
class PluginRecord:
    """What ``hermes plugins list`` shows for one plugin."""

    name: str
    version: str | None = None
    entry_point: str | None = None
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)
    status: str = "ok"  # ok | failed | disabled | incompatible
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _split_env_list(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {_normalise(v) for v in value.split(",") if v.strip()}


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _kind_of(things: str) -> str:
    """``tool_call_parsers`` -> ``tool call parser``."""
    words = things.replace("_", " ")
    return words[:-1] if words.endswith("s") else words


class Hermes:
    """The host: a pluggy manager plus one typed registry per extension point."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._records: dict[str, PluginRecord] = {}
        self._deferred: dict[str, list[tuple[PluginRecord, Any, Any]]] = {}  # registry -> hooks to run
        self._lock, self._filling = threading.RLock(), set[str]()
        self._targets: dict[str, str] = {hook: point.attribute for hook, point in BUILTIN.items()}
        self._registries: dict[str, Registry] = {}
        for point in BUILTIN.values():  # host.tools, host.parsers, ...
            self._registries[point.attribute] = registry = point.new_registry()
            registry.missing_hint = functools.partial(self._missing_hint, point.attribute)
            setattr(self, point.attribute, registry)
        self._baseline: Snapshot | None = None  # the core's attributes, to undo a failed plugin's patches
        self._patches: dict[str, list[tuple]] = {}  # plugin -> its changes to the core, undone if it fails
        self.strict = os.environ.get("HERMES_STRICT_PLUGINS", "") not in ("", "0", "false")

    @property
    def records(self) -> dict[str, PluginRecord]:
        """Every plugin's record, complete: the registrations deferred to a registry's first read run
        first, so what each plugin provides (or why it failed) is all there."""
        for registry in self._registries.values():
            registry.load_deferred()
        return self._records

    def _missing_hint(self, things: str, name: str) -> str:
        """What to install, or enable, for a first-party name no loaded plugin registered."""
        return install_hint(things, name, self.records)

    def registry(self, things: str) -> Registry:
        """The registry filled by ``register_<things>`` (built-in or plugin-declared); an empty one when
        no installed plugin declares that hook."""
        found = self._registries.get(things)
        return found if found is not None else Registry(_kind_of(things))

    def __getattr__(self, name: str) -> Registry:  # host.<things>, once a plugin declares it
        registries = self.__dict__.get("_registries", {})
        if name in registries:
            return registries[name]
        raise AttributeError(name)

    # -- construction -------------------------------------------------------------------------------

    @classmethod
    def from_entry_points(cls, *, disabled: set[str] | None = None) -> Hermes:
        """A host with the core's own plugin and every installed plugin the environment allows."""
        host = cls()
        host.load_all(disabled=disabled)
        return host

    def load_all(self, *, disabled: set[str] | None = None) -> None:
        from hermes_core import builtin

        with session():
            self.register(builtin, name=CORE_PLUGIN, version=version_of(CORE_PLUGIN))
            self.load_entry_points(disabled=disabled)

    def load_entry_points(self, *, disabled: set[str] | None = None) -> None:
        allow = _split_env_list(os.environ.get("HERMES_LOAD_PLUGINS"))
        deny = (_split_env_list(os.environ.get("HERMES_DISABLE_PLUGINS")) or set()) | {
            _normalise(d) for d in disabled or ()
        }
        with session():
            self._load_entry_points(allow, deny)

    def _load_entry_points(self, allow: set[str] | None, deny: set[str]) -> None:
        imported: list[tuple[PluginRecord, Any]] = []
        points = [(ep, Dist.of(ep)) for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)]
        for ep, info in sorted(points, key=_load_order):
            dist, version = info.name or ep.name, info.version
            record = PluginRecord(name=dist, version=version, entry_point=f"{ep.name} = {ep.value}")
            if dist in self._records:  # several entry points of one distribution: keep them apart
                record.name = f"{dist}:{ep.name}"
            self._records[record.name] = record
            keys = {_normalise(dist), _normalise(ep.name)}
            if (allow is not None and not keys & allow) or keys & deny:
                record.status = "disabled"
                continue
            incompatible = incompatible_with_core(info.requires)
            if incompatible:
                record.status, record.error = "incompatible", incompatible
                continue
            plugin = self._run(record, f"importing {ep.value}", functools.partial(run_step, ep.load))
            if record.status == "ok":
                imported.append((record, plugin))
        imported = [(r, p) for r, p in imported if self._add_hookspecs(r, p)]
        for record, plugin in imported:
            self._activate(record, plugin, defer=True)

    def register(self, plugin: Any, name: str, version: str | None = None) -> PluginRecord:
        """Register an already-imported plugin object (tests, the core's built-ins), every hook now."""
        record = PluginRecord(name=name, version=version, entry_point=None)
        self._records[name] = record
        if self._add_hookspecs(record, plugin):
            self._activate(record, plugin)
        return record

    # -- the loader ---------------------------------------------------------------------------------

    def _run(self, record: PluginRecord, what: str, step: Callable[[], Any]) -> Any:
        """Run one step of a plugin contained; on failure record it, undo every change it made to the
        core's modules (in this step and the earlier ones) and return None."""
        watched = _normalise(record.name.split(":")[0]) not in _TRUSTED  # ours never patch the core
        if watched:
            if self._baseline is None:
                self._baseline = Snapshot()
            else:  # what changed since the last watched step (first-party plugins, the CLI) is not its
                self._baseline.accept(self._baseline.changes())
        try:
            with contained(f"plugin {record.name}: {what}") as current:
                try:
                    result = step()
                except KeyboardInterrupt:
                    if current.interrupted:  # the user's Ctrl-C, not the plugin's
                        raise
                    raise HermesError("raised KeyboardInterrupt") from None
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit, GeneratorExit, a custom BaseException: all its failure
            changes = self._patches.pop(record.name, []) + (self._baseline.changes() if watched else [])
            self._fail(record, exc, undo(changes))
            return None
        if not watched:
            return result
        changes = self._baseline.changes()
        if changes:
            self._baseline.accept(changes)
            self._patches.setdefault(record.name, []).extend(changes)
        return result

    def _fail(self, record: PluginRecord, exc: BaseException, restored: list[str] = ()) -> None:
        record.status = "failed"
        record.error = describe(exc)
        if restored:
            record.error += f" (its changes to {', '.join(sorted(set(restored))[:5])} were undone)"
        record.provides = {}
        for registry in self._registries.values():
            registry.remove_plugin(record.name)
        plugin = self.pm.get_plugin(record.name)
        if plugin is not None:
            self.pm.unregister(plugin)
        log.warning("plugin %s failed to load: %s", record.name, record.error)
        if self.strict:
            raise exc

    def _add_hookspecs(self, record: PluginRecord, plugin: Any) -> bool:
        """Pass 2: the hooks ``plugin`` declares through ``register_hookspecs``, added before any other
        plugin's implementations are checked."""
        declare = getattr(plugin, "register_hookspecs", None)
        if declare is None or self.pm.parse_hookimpl_opts(plugin, "register_hookspecs") is None:
            return True

        def step() -> None:
            declare(register=lambda specs: self._declare(specs, record.name))

        self._run(record, "register_hookspecs", step)
        return record.status == "ok"

    def _declare(self, specs: Any, plugin_name: str) -> None:
        before = set(self.pm.hook.__dict__)
        try:
            self.pm.add_hookspecs(specs)
        except ValueError as exc:
            raise HermesError(f"register_hookspecs: {exc}") from None
        for name in sorted(set(self.pm.hook.__dict__) - before | _declared_names(specs)):
            if name.startswith("register_") and name not in self._targets and name not in _NOT_REGISTRIES:
                things = name[len("register_") :]
                spec = getattr(specs, name, None)
                self._targets[name] = things
                self._registries[things] = Registry(getattr(spec, "kind", None) or _kind_of(things))

    def _activate(self, record: PluginRecord, plugin: Any, defer: bool = False) -> None:
        """Pass 3: register with pluggy, check the hooks, stage and commit the registrations (those of
        deferred hooks, with ``defer``, at their registry's first read)."""

        def step() -> None:
            if self.pm.is_registered(plugin):  # a second entry point naming the same module
                first = self.pm.get_name(plugin)
                raise HermesError(f"the same module is already loaded as plugin {first!r}")
            self.pm.register(plugin, name=record.name)
            callers = [hc for hc in self.pm.get_hookcallers(plugin) or [] if hc.has_spec()]
            check_hooks(self.pm, plugin)
            record.hooks = sorted(hc.name for hc in callers)
            later = [hc for hc in callers if defer and hc.name in _DEFERRED]
            self._commit([hc for hc in callers if hc not in later], plugin, record)
            for hook_caller in later:
                attr = self._targets[hook_caller.name]
                self._deferred.setdefault(attr, []).append((record, plugin, hook_caller))
                self._registries[attr].deferred = functools.partial(self._run_deferred, attr)

        self._run(record, "registering", step)

    def _run_deferred(self, attr: str, name: str | None = None) -> None:
        """Run the hooks deferred to registry ``attr``'s first read, in load order, each as at load:
        contained, all-or-nothing, a failure failing the whole plugin. For one ``name`` a first-party
        plugin provides, that plugin's alone (first-party names never clash). Other threads wait."""
        with self._lock:
            pending = self._deferred.get(attr, [])
            if attr in self._filling or not pending:  # done, or running further up this thread's stack
                return
            wanted = provider(attr, name) if name else None
            batch = [p for p in pending if p[0].name == wanted] or pending
            self._deferred[attr] = [p for p in pending if p not in batch]
            self._filling.add(attr)
            try:
                for record, plugin, hook_caller in batch:
                    if record.status == "ok":
                        step = functools.partial(self._commit, [hook_caller], plugin, record)
                        self._run(record, hook_caller.name, step)
            finally:
                self._filling.discard(attr)
            if not self._deferred[attr]:
                self._registries[attr].deferred = None

    def _commit(self, hook_callers: list[Any], plugin: Any, record: PluginRecord) -> None:
        """Stage what ``plugin``'s ``hook_callers`` register and commit it, all or nothing."""
        staged: dict[str, list[Entry]] = {}
        for hook_caller in hook_callers:
            attr = self._targets.get(hook_caller.name)
            if attr is None:
                continue
            self._registries[attr].load_deferred()  # the plugins loaded before this one come first
            items = staged.setdefault(attr, [])
            for impl in hook_caller.get_hookimpls():
                if impl.plugin is plugin:
                    impl.function(register=Registrar(hook_caller.name, record.name, items))
        record.provides.update(commit(staged, self._registries))

    # -- convenience used by the CLI and the agent ---------------------------------------------------

    def parser(self, name: str, tools: list[dict[str, Any]] | None = None) -> Any:
        """An instance of tool-call parser ``name`` for ``tools``."""
        return self.parsers.get(name)(tools=tools)

    def add_commands(self, cli: Any) -> None:
        """Let plugins add CLI commands. A plugin whose hook raises fails as at load: the commands it
        half-added and everything it registered are undone, and the CLI goes on."""
        for impl in self.pm.hook.register_commands.get_hookimpls():
            record = self._records.get(impl.plugin_name)
            if record is None or record.status != "ok":
                continue
            lazy = getattr(cli, "lazy", {})
            before = (set(lazy), set(cli.commands))
            self._run(record, "register_commands", lambda impl=impl: impl.function(cli=cli))
            added = (set(lazy) | set(cli.commands)) - (before[0] | before[1])
            if record.status == "ok" and added:  # `hermes plugins list` names the commands it adds
                record.provides["commands"] = sorted(added)
            if record.status != "ok":
                for name in set(lazy) - before[0]:
                    del lazy[name]
                for name in set(cli.commands) - before[1]:
                    del cli.commands[name]
                record.error = f"register_commands: {record.error}"


def _load_order(point: tuple[metadata.EntryPoint, Dist]) -> tuple[bool, str]:
    ep, info = point
    return (_normalise(info.name or "") not in FIRST_PARTY, ep.name)


def _declared_names(specs: Any) -> set[str]:
    marker = f"{hookspecs.PROJECT}_spec"
    return {name for name in dir(specs) if getattr(getattr(specs, name, None), marker, None) is not None}


_host: Hermes | None = None
_building: Hermes | None = None
_host_lock = threading.RLock()


def get_hermes() -> Hermes:
    """The process-wide host, loaded on first use (thread-safe).

    A plugin that asks for the host while it is being loaded (a setting read at import) gets the host
    as loaded so far instead of starting a second load.
    """
    global _host, _building
    if _host is None:
        with _host_lock:
            if _host is None:
                if _building is not None:
                    return _building
                _building = Hermes()
                try:
                    _building.load_all(disabled=_disabled_in_config())
                    _host = _building
                finally:
                    _building = None
    return _host


def current_hermes() -> Hermes | None:
    """The process-wide host if it is loaded (or loading), without loading it."""
    return _host or _building


def set_hermes(host: Hermes | None) -> None:
    """Replace the process-wide host (tests, embedding applications)."""
    global _host
    _host = host


def _disabled_in_config() -> set[str]:
    """Apply the user's ``~/.hermes/.env`` (tools check their keys in the environment, as in hermes-agent)
    and return the plugins disabled with ``hermes plugins disable``. Neither may stop the host loading:
    ``hermes doctor`` reports a broken config."""
    from hermes_core import config_files

    try:
        config_files.apply_env_file()
    except Exception:
        pass
    try:
        return config_files.disabled_plugins()
    except Exception:
        return set()
