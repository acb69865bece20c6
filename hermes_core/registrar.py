"""The ``register`` callback each registration hook receives: it checks and stages one plugin's items.

Staged entries are committed to the registries only when the whole plugin loaded, so a plugin that fails
half-way leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

import pluggy

from hermes_core.extension_points import BUILTIN
from hermes_core.registry import Entry, HermesError, Registry
from hermes_core.settings import Setting, check_setting_tree
from hermes_core.tools import Tool
from hermes_core.toolsets import Toolset


class Registrar:
    """The ``register`` callback one plugin's hook receives: stages entries for that plugin."""

    def __init__(self, hook: str, plugin: str, items: list[Entry]) -> None:
        self.hook, self.plugin, self.items = hook, plugin, items

    def __call__(
        self, item: Any, name: str | None = None, aliases: tuple[str, ...] = (), **metadata: Any
    ) -> None:
        point = BUILTIN.get(self.hook)  # a wrong item fails its plugin at load, not `hermes tools list` later
        if point is not None and point.classes and (isinstance(item, str) or name or aliases):
            raise HermesError(
                f"{self.hook}: register(ParserClass) alone; its name and aliases are the class's own"
                + (
                    f" (got {item!r})"
                    if isinstance(item, str)
                    else f" (got name={name!r}, aliases={aliases!r})"
                )
            )
        if point is not None and not isinstance(item, str) and not point.accepts(item):
            raise HermesError(f"{self.hook} expects a {point.expected.__name__}, got {type(item).__name__}")
        if isinstance(item, Tool | Toolset | Setting):
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


def commit(staged: dict[str, list[Entry]], registries: dict[str, Registry]) -> dict[str, list[str]]:
    """Add one plugin's staged entries to ``registries``, all or nothing (everything is checked first);
    return what it provides: registry -> names."""
    for attr, entries in staged.items():
        registry = registries[attr]
        seen: set[str] = set()
        for entry in entries:
            registry.check(entry)
            for key in (entry.name, *entry.aliases):
                if key in seen:
                    raise HermesError(f"registers {registry.kind} {key!r} twice")
                seen.add(key)
    if staged.get("settings"):
        check_setting_tree([e.name for e in staged["settings"]], registries["settings"])
    for attr, entries in staged.items():
        for entry in entries:
            registries[attr].add(entry)
    return {attr: sorted(e.name for e in entries) for attr, entries in staged.items() if entries}


_UNHONOURED = ("hookwrapper", "wrapper", "tryfirst", "trylast")
"""pluggy options meaningless for registration hooks, which the loader calls once per plugin in load
order: refused at load rather than silently ignored."""


def check_hooks(pm: pluggy.PluginManager, plugin: Any) -> None:
    """Hooks nobody declared and pluggy options the loader does not honour are errors against
    ``plugin`` (``optionalhook`` is honoured: such an implementation of an unknown hook is skipped)."""
    for hook_caller in pm.get_hookcallers(plugin) or []:
        for impl in hook_caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            if not hook_caller.has_spec() and not impl.optionalhook:
                known = ", ".join(sorted(n for n, hc in vars(pm.hook).items() if hc.has_spec()))
                raise HermesError(f"implements unknown hook {hook_caller.name!r}; known hooks: {known}")
            used = [opt for opt in _UNHONOURED if getattr(impl, opt, False)]
            if hook_caller.name.startswith("register_") and used:
                raise HermesError(
                    f"{hook_caller.name} uses {', '.join(used)}, which hermes does not honour for "
                    "registration hooks (each plugin's runs once, in load order)"
                )
            if impl.hookwrapper or impl.wrapper:
                raise HermesError(
                    f"{hook_caller.name} is a wrapper, which hermes does not honour for lifecycle hooks "
                    "(each implementation is called in turn; tryfirst/trylast set the order)"
                )
