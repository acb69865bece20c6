"""Named registries filled by plugin hooks: one item per name, the supplying plugin remembered.

Items may be registered lazily as ``"module:attribute"`` strings and are imported on first ``get``, so a
plugin that offers a Modal backend or an atroposlib environment loads in microseconds. A whole registry
can be filled late too: the host defers the parser hooks (which import their classes) to its first read.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class HermesError(Exception):
    """An error whose message is fit to show a user as one line."""


class UnknownName(HermesError, KeyError):
    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class NameConflict(HermesError):
    pass


def resolve_lazy(ref: str) -> Any:
    """Import ``"package.module:attr"``."""
    module_name, _, attr = ref.partition(":")
    obj = importlib.import_module(module_name)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


@dataclass
class Entry(Generic[T]):
    name: str
    target: T | str
    plugin: str
    aliases: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def load(self) -> T:
        if isinstance(self.target, str):
            self.target = resolve_lazy(self.target)
        return self.target  # type: ignore[return-value]


class Registry(Generic[T]):
    """Name → item, with aliases, conflict detection naming both plugins, and lazy loading."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}
        self._aliases: dict[str, str] = {}
        self.missing_hint: Callable[[str], str] | None = None
        """Set by the host: what to install or enable for a name that is not here."""
        self.deferred: Callable[[str | None], None] | None = None
        """Set by the host: runs the registrations deferred until this registry is first read."""

    def load_deferred(self, name: str | None = None) -> None:
        """Run the registrations deferred until now (every read does this first); for one ``name``, the
        host may run only those of the plugin known to provide it, and the rest when it is not there."""
        if self.deferred is not None:
            self.deferred(name)

    def check(self, entry: Entry[T]) -> None:
        """Raise :class:`NameConflict` if ``entry`` (or an alias) clashes with what is registered."""
        for key in (entry.name, *entry.aliases):
            owner = self._owner_of(key)
            if owner is not None:
                raise NameConflict(
                    f"{self.kind} {key!r} is registered by both plugin {owner!r} and plugin {entry.plugin!r}"
                )

    def add(self, entry: Entry[T]) -> None:
        self.check(entry)
        self._entries[entry.name] = entry
        for alias in entry.aliases:
            self._aliases[alias] = entry.name

    def remove_plugin(self, plugin: str) -> None:
        for name in [n for n, e in self._entries.items() if e.plugin == plugin]:
            entry = self._entries.pop(name)
            for alias in entry.aliases:
                self._aliases.pop(alias, None)

    def _owner_of(self, key: str) -> str | None:
        entry = self._find(key)
        return entry.plugin if entry else None

    def _find(self, name: str) -> Entry[T] | None:
        return self._entries.get(name) or self._entries.get(self._aliases.get(name, ""))

    def _lookup(self, name: str) -> Entry[T] | None:
        self.load_deferred(name)
        if self.deferred is not None and self._find(name) is None:
            self.load_deferred()
        return self._find(name)

    def entry(self, name: str) -> Entry[T]:
        entry = self._lookup(name)
        if entry is None:
            raise UnknownName(self.unknown_message(name))
        return entry

    def unknown_message(self, name: str) -> str:
        """``unknown tool-call parser 'auto'; it comes with hermes-parsers: pip install hermes-parsers;
        installed: qwen, qwen3_coder`` — what was asked, what would provide it, what there is."""
        hint = self.missing_hint(name) if self.missing_hint else ""
        installed = ", ".join(self.names()) or "none"
        if not hint:  # a typo of an installed name or alias: "(did you mean terminal?)"
            close = difflib.get_close_matches(name, [*self.names(), *self._aliases], n=2)
            guess = f" (did you mean {' or '.join(close)}?)" if close else ""
            return f"unknown {self.kind} {name!r}{guess}; installed: {installed}"
        return f"unknown {self.kind} {name!r}; {hint}; installed: {installed}"

    def get(self, name: str) -> T:
        return self.entry(name).load()

    def __contains__(self, name: str) -> bool:
        return self._lookup(name) is not None

    def names(self) -> list[str]:
        self.load_deferred()
        return sorted(self._entries)

    def entries(self) -> list[Entry[T]]:
        return [self._entries[n] for n in self.names()]

    def by_plugin(self, plugin: str) -> list[str]:
        self.load_deferred()
        return sorted(n for n, e in self._entries.items() if e.plugin == plugin)
