"""The core's built-in extension points: one entry each (the hook, the host's registry, what it holds).

Adding one is a hookspec in :mod:`hermes_core.hookspecs` and one :class:`ExtensionPoint` here: the host
creates its registry (``host.<attribute>``), the loader routes the hook's registrations to it, and the
``register`` callback checks each item against ``expected``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hermes_core.parsing import ToolCallParser
from hermes_core.reasoning import ReasoningParser
from hermes_core.registry import Registry
from hermes_core.settings import Setting
from hermes_core.tools import Tool, ToolRegistry
from hermes_core.toolsets import Toolset, ToolsetRegistry

__all__ = ["BUILTIN", "ExtensionPoint"]


@dataclass(frozen=True, slots=True)
class ExtensionPoint:
    attribute: str
    """The host's registry: ``host.tools``."""
    kind: str
    """The item's name in messages: ``tool-call parser``."""
    expected: type | None = None
    """What ``register`` accepts besides a lazy ``"module:attr"`` string (``None``: anything named)."""
    classes: bool = False
    """Items are classes (subclasses of ``expected``), instantiated per use, named by their own ``name`` and
    ``aliases``: ``register(ParserClass)`` only, no lazy string, no ``name=``."""
    registry: Callable[[], Registry] | None = None
    """A registry class of its own (tools, toolsets); a plain :class:`Registry` otherwise."""
    deferred: bool = False
    """The hook runs at the registry's first read, not at load: the parser hooks import their classes
    (~1 ms a module, ~45 ms for every family) and most processes read no parser registry."""

    def new_registry(self) -> Registry:
        return self.registry() if self.registry is not None else Registry(self.kind)

    def accepts(self, item: Any) -> bool:
        if self.expected is None:
            return True
        if self.classes:
            return isinstance(item, type) and issubclass(item, self.expected)
        return isinstance(item, self.expected)


BUILTIN: dict[str, ExtensionPoint] = {
    "register_tools": ExtensionPoint("tools", "tool", Tool, registry=ToolRegistry),
    "register_toolsets": ExtensionPoint("toolsets", "toolset", Toolset, registry=ToolsetRegistry),
    "register_tool_call_parsers": ExtensionPoint(
        "parsers", "tool-call parser", ToolCallParser, classes=True, deferred=True
    ),
    "register_reasoning_parsers": ExtensionPoint(
        "reasoning_parsers", "reasoning parser", ReasoningParser, classes=True, deferred=True
    ),
    "register_terminal_backends": ExtensionPoint("backends", "terminal backend"),
    "register_environments": ExtensionPoint("environments", "environment"),
    "register_settings": ExtensionPoint("settings", "setting", Setting),
}
"""Registration hook -> its extension point; plugin-declared ``register_<things>`` hooks get a plain
registry as their hookspecs arrive (:meth:`hermes_core.plugins.Hermes.registry`)."""
