"""Toolsets: named groups of tools that include other groups, resolved recursively."""

from __future__ import annotations

from dataclasses import dataclass

from hermes_core.registry import HermesError, Registry, UnknownName


class ToolsetCycle(HermesError):
    pass


@dataclass
class Toolset:
    name: str
    tools: tuple[str, ...] | list[str] = ()
    includes: tuple[str, ...] | list[str] = ()
    optional_includes: tuple[str, ...] | list[str] = ()
    """Included only when installed: composite toolsets grow as plugins are added."""
    description: str = ""


class ToolsetRegistry(Registry[Toolset]):
    def __init__(self) -> None:
        super().__init__("toolset")

    def resolve(self, name: str) -> list[str]:
        """All tool names in toolset ``name`` and what it includes, first-seen order, each once.

        Raises :class:`ToolsetCycle` naming the cycle (``a -> b -> a``) and :class:`UnknownName` for an
        include that no plugin provides.
        """
        seen_tools: dict[str, None] = {}
        done: set[str] = set()

        def visit(current: str, path: list[str]) -> None:
            if current in path:
                cycle = " -> ".join([*path[path.index(current) :], current])
                raise ToolsetCycle(f"toolset cycle: {cycle}")
            if current in done:
                return
            try:
                toolset = self.get(current)
            except UnknownName:
                if path:
                    raise UnknownName(
                        f"toolset {path[-1]!r} includes unknown toolset {current!r}; "
                        f"installed: {', '.join(self.names()) or 'none'}"
                    ) from None
                raise
            for tool in toolset.tools:
                seen_tools.setdefault(tool, None)
            for include in toolset.includes:
                visit(include, [*path, current])
            for include in toolset.optional_includes:
                if include in self:
                    visit(include, [*path, current])
            done.add(current)

        visit(name, [])
        return list(seen_tools)

    def resolve_many(self, enabled: list[str], disabled: list[str] = ()) -> list[str]:
        """Tools in any of ``enabled`` minus those in any of ``disabled``."""
        removed = {tool for name in disabled for tool in self.resolve(name)}
        chosen: dict[str, None] = {}
        for name in enabled:
            for tool in self.resolve(name):
                if tool not in removed:
                    chosen.setdefault(tool, None)
        return list(chosen)
