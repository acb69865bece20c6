"""Loading plugins from entry points so that one broken plugin never takes the host down.

We do not call pluggy's ``load_setuptools_entrypoints``: it stops at the first plugin that fails. Instead
each entry point of group ``hermes`` is filtered by ``HERMES_LOAD_PLUGINS`` / ``HERMES_DISABLE_PLUGINS``
*before* import, imported, validated against the hookspecs, and asked for its registrations into a
staging area; only when all of that succeeded are its items committed to the registries. Anything that
fails is recorded as ``(name, distribution, version, status, error)`` and the plugin is unregistered.
``HERMES_STRICT_PLUGINS=1`` re-raises instead, for plugin authors.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from hermes_core import hookspecs
from hermes_core.parsing import ToolCallParser
from hermes_core.registry import Entry, HermesError, Registry
from hermes_core.tools import Tool, ToolRegistry
from hermes_core.toolsets import Toolset, ToolsetRegistry

log = logging.getLogger("hermes.plugins")

ENTRY_POINT_GROUP = "hermes"
CORE_PLUGIN = "hermes-core"


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


# hook name -> (provides key, registry attribute on Hermes)
_HOOK_TARGETS: dict[str, tuple[str, str]] = {
    "register_tools": ("tools", "tools"),
    "register_toolsets": ("toolsets", "toolsets"),
    "register_tool_call_parsers": ("parsers", "parsers"),
    "register_terminal_backends": ("backends", "backends"),
    "register_environments": ("environments", "environments"),
    "register_web_search_providers": ("web_search_providers", "web_search_providers"),
}


def _split_env_list(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {_normalise(v) for v in value.split(",") if v.strip()}


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


class Hermes:
    """The host: a pluggy manager plus one typed registry per extension point."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.tools = ToolRegistry()
        self.toolsets = ToolsetRegistry()
        self.parsers: Registry[type[ToolCallParser]] = Registry("tool-call parser")
        self.backends: Registry[type] = Registry("terminal backend")
        self.environments: Registry[type] = Registry("environment")
        self.web_search_providers: Registry[type] = Registry("web search provider")
        self.strict = os.environ.get("HERMES_STRICT_PLUGINS", "") not in ("", "0", "false")

    # -- construction -------------------------------------------------------------------------------

    @classmethod
    def from_entry_points(cls, *, disabled: set[str] | None = None) -> Hermes:
        """A host with the core's own plugin and every installed plugin the environment allows."""
        host = cls()
        from hermes_core import builtin

        host.register(builtin, name=CORE_PLUGIN, version=_version_of(CORE_PLUGIN))
        host.load_entry_points(disabled=disabled)
        return host

    def load_entry_points(self, *, disabled: set[str] | None = None) -> None:
        allow = _split_env_list(os.environ.get("HERMES_LOAD_PLUGINS"))
        deny = (_split_env_list(os.environ.get("HERMES_DISABLE_PLUGINS")) or set()) | {
            _normalise(d) for d in disabled or ()
        }
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else ep.name
            version = ep.dist.version if ep.dist else None
            record = PluginRecord(name=dist, version=version, entry_point=f"{ep.name} = {ep.value}")
            if dist in self.records:  # several entry points of one distribution: keep them apart
                record.name = f"{dist}:{ep.name}"
            keys = {_normalise(dist), _normalise(ep.name)}
            if (allow is not None and not keys & allow) or keys & deny:
                record.status = "disabled"
                self.records[record.name] = record
                continue
            incompatible = _incompatible_with_core(ep.dist)
            if incompatible:
                record.status, record.error = "incompatible", incompatible
                self.records[record.name] = record
                continue
            self._load_one(record, ep.load)

    def register(self, plugin: Any, name: str, version: str | None = None) -> PluginRecord:
        """Register an already-imported plugin object (tests, the core's built-ins)."""
        record = PluginRecord(name=name, version=version, entry_point=None)
        self._load_one(record, lambda: plugin)
        return self.records[name]

    # -- the loader ---------------------------------------------------------------------------------

    def _load_one(self, record: PluginRecord, load: Callable[[], Any]) -> None:
        self.records[record.name] = record
        plugin = None
        registered = False
        try:
            plugin = load()
            if self.pm.is_registered(plugin):  # a second entry point naming the same module
                first = self.pm.get_name(plugin)
                raise HermesError(f"the same module is already loaded as plugin {first!r}")
            self.pm.register(plugin, name=record.name)
            registered = True
            self._check_hooks(plugin, record.name)
            record.hooks = sorted(
                hc.name for hc in self.pm.get_hookcallers(plugin) or [] if hc.name in hookspecs.ALL_HOOKS
            )
            staged = self._collect(plugin, record)
            self._commit(staged, record)
        except (Exception, SystemExit) as exc:  # a plugin calling sys.exit() must not end the host
            record.status = "failed"
            record.error = " ".join(f"{type(exc).__name__}: {exc}".split())
            record.provides = {}
            for key in _HOOK_TARGETS.values():
                getattr(self, key[1]).remove_plugin(record.name)
            if registered:
                self.pm.unregister(plugin)
            log.warning("plugin %s failed to load: %s", record.name, record.error)
            if self.strict:
                raise

    def _check_hooks(self, plugin: Any, name: str) -> None:
        """A ``@hookimpl`` whose name no hookspec declares is an error against that plugin."""
        for hook_caller in self.pm.get_hookcallers(plugin) or []:
            if not hook_caller.has_spec():
                known = ", ".join(hookspecs.ALL_HOOKS)
                raise HermesError(f"implements unknown hook {hook_caller.name!r}; known hooks: {known}")
        self.pm.check_pending()

    def _collect(self, plugin: Any, record: PluginRecord) -> dict[str, list[Entry]]:
        staged: dict[str, list[Entry]] = {}
        for hook_caller in self.pm.get_hookcallers(plugin) or []:
            target = _HOOK_TARGETS.get(hook_caller.name)
            if target is None:
                continue
            items = staged.setdefault(target[1], [])
            for impl in hook_caller.get_hookimpls():
                if impl.plugin is plugin:
                    impl.function(register=_Registrar(hook_caller.name, record.name, items))
        return staged

    def _commit(self, staged: dict[str, list[Entry]], record: PluginRecord) -> None:
        for attr, entries in staged.items():  # check everything first: all or nothing
            registry: Registry = getattr(self, attr)
            seen: set[str] = set()
            for entry in entries:
                registry.check(entry)
                for key in (entry.name, *entry.aliases):
                    if key in seen:
                        raise HermesError(f"registers {registry.kind} {key!r} twice")
                    seen.add(key)
        for attr, entries in staged.items():
            registry = getattr(self, attr)
            for entry in entries:
                registry.add(entry)
            if entries:
                provides_key = next(k for k, a in _HOOK_TARGETS.values() if a == attr)
                record.provides[provides_key] = sorted(e.name for e in entries)

    # -- convenience used by the CLI and the agent ---------------------------------------------------

    def parser(self, name: str, tools: list[dict[str, Any]] | None = None) -> ToolCallParser:
        return self.parsers.get(name)(tools=tools)

    def add_commands(self, cli: Any) -> None:
        """Let plugins add CLI commands; a plugin whose hook raises is reported, the CLI goes on."""
        for impl in self.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=cli)
            except (Exception, SystemExit) as exc:
                record = self.records.get(impl.plugin_name)
                if record is not None:
                    record.status, record.error = "failed", f"register_commands: {type(exc).__name__}: {exc}"
                if self.strict:
                    raise


_EXPECTED_ITEM: dict[str, type] = {
    "register_tools": Tool,
    "register_toolsets": Toolset,
    "register_tool_call_parsers": ToolCallParser,
}
"""What each hook's ``register`` accepts besides a lazy string: a wrong item fails its plugin at load,
instead of breaking ``hermes tools list`` for everyone later."""


def _is_a(item: Any, expected: type) -> bool:
    if expected is ToolCallParser:
        return isinstance(item, type) and issubclass(item, ToolCallParser)
    return isinstance(item, expected)


class _Registrar:
    """The ``register`` callback one plugin's hook receives: stages entries for that plugin."""

    def __init__(self, hook: str, plugin: str, items: list[Entry]) -> None:
        self.hook, self.plugin, self.items = hook, plugin, items

    def __call__(
        self, item: Any, name: str | None = None, aliases: tuple[str, ...] = (), **metadata: Any
    ) -> None:
        expected = _EXPECTED_ITEM.get(self.hook)
        if expected is not None and not isinstance(item, str) and not _is_a(item, expected):
            raise HermesError(f"{self.hook} expects a {expected.__name__}, got {type(item).__name__}")
        if isinstance(item, Tool | Toolset):
            name = name or item.name
        elif isinstance(item, str):
            if not name:
                raise HermesError(f"{self.hook}: a lazy reference {item!r} needs name=")
        else:
            name = name or getattr(item, "name", None)
            aliases = tuple(aliases) or tuple(getattr(item, "aliases", ()) or ())
            if not name:
                raise HermesError(f"{self.hook}: {item!r} has no name")
            if "description" not in metadata and getattr(item, "__doc__", None):
                metadata["description"] = item.__doc__.strip().splitlines()[0]
        self.items.append(
            Entry(name=name, target=item, plugin=self.plugin, aliases=tuple(aliases), metadata=metadata)
        )


def _version_of(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _incompatible_with_core(dist: metadata.Distribution | None) -> str | None:
    """The reason a plugin's declared ``hermes-core`` range excludes this core, else ``None``."""
    if dist is None:
        return None
    core_version = _version_of(CORE_PLUGIN)
    if core_version is None:
        return None
    from packaging.requirements import Requirement

    for requirement in dist.requires or ():
        if not requirement.lower().replace("_", "-").startswith(CORE_PLUGIN):
            continue
        req = Requirement(requirement)
        if req.name.lower().replace("_", "-") != CORE_PLUGIN or req.marker is not None:
            continue
        if req.specifier and not req.specifier.contains(core_version, prereleases=True):
            return f"requires hermes-core{req.specifier}, this is {core_version}"
    return None


_host: Hermes | None = None
_host_lock = threading.Lock()


def get_hermes() -> Hermes:
    """The process-wide host, loaded on first use (thread-safe)."""
    global _host
    if _host is None:
        with _host_lock:
            if _host is None:
                _host = Hermes.from_entry_points(disabled=_disabled_in_config())
    return _host


def set_hermes(host: Hermes | None) -> None:
    """Replace the process-wide host (tests, embedding applications)."""
    global _host
    _host = host


def _disabled_in_config() -> set[str]:
    """Apply the user's ``~/.hermes/.env`` (tools check their keys in the environment, as in hermes-agent)
    and return the plugins disabled with ``hermes plugins disable``. Neither may stop the host loading:
    ``hermes doctor`` reports a broken config."""
    from hermes_core import config

    try:
        config.apply_env_file()
    except Exception:
        pass
    try:
        return config.disabled_plugins()
    except Exception:
        return set()
