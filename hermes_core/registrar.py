"""The ``register`` callback each registration hook receives: it checks and stages one plugin's items.

Staged entries are committed to the registries only when the whole plugin loaded, so a plugin that fails
half-way leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

from hermes_core.extension_points import BUILTIN
from hermes_core.registry import Entry, HermesError
from hermes_core.settings import Setting
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
