"""``auto``: find which installed format a completion is in, and let that parser do the work.

Used where one pipeline serves several model families (data generation over a model zoo, ``hermes
parse`` on a file of unknown origin). It knows no format itself: it reads the ``start_markers`` of every
other registered parser, so installing a parser plugin teaches it a new format.
"""

from __future__ import annotations

import re
from typing import Any

from hermes_core.parsing import ParsedCompletion, ToolCallParser

# Several formats share a marker (hermes, qwen, glm45/47 all open with ``<tool_call>``); a parser handed
# another format's text can mistake markup for a name. Such a name is not a tool name: try the next.
_PLAUSIBLE_NAME = re.compile(r"[^\s<>{}\[\]\"'=,;()|`]+\Z")
_PREFERRED = ("hermes",)  # first among parsers tied on the same marker: the reference format


class AutoParser(ToolCallParser):
    """Try the installed parsers whose markers occur, earliest marker first; the first real calls win.

    A result whose call names look like markup (or, when ``tools`` are given, name no given tool) is kept
    only as a last resort.
    """

    name = "auto"
    aliases = ("detect",)

    def __init__(self, tools: list[dict[str, Any]] | None = None) -> None:
        super().__init__(tools)
        self._tool_names = frozenset(
            (t.get("function", t) or {}).get("name") for t in self.tools if isinstance(t, dict)
        ) - {None}
        self._candidates: list[tuple[str, type[ToolCallParser], tuple[str, ...]]] | None = None
        self._instances: dict[str, ToolCallParser] = {}
        self._markers: tuple[str, ...] | None = None

    @property
    def start_markers(self) -> tuple[str, ...]:  # type: ignore[override]
        """Every installed format's markers (the no-call fast path and the default stream use them).

        Empty when some installed format has none (it may start anywhere), as the contract says.
        """
        markers = self._markers
        if markers is None:
            candidates = self._candidates if self._candidates is not None else self._load_candidates()
            if all(found for _, _, found in candidates):
                markers = tuple(dict.fromkeys(m for _, _, found in candidates for m in found if m))
            else:
                markers = ()
            self._markers = markers
        return markers

    def _load_candidates(self) -> list[tuple[str, type[ToolCallParser], tuple[str, ...]]]:
        from hermes_core.plugins import get_hermes  # lazily: the core must not be imported at load time

        registry = get_hermes().parsers
        candidates = []
        for name in registry.names():
            try:
                cls = registry.get(name)
            except Exception:  # a broken lazy registration must not take auto down with it
                continue
            if name == self.name or (isinstance(cls, type) and issubclass(cls, AutoParser)):
                continue
            candidates.append((name, cls, tuple(getattr(cls, "start_markers", ()) or ())))
        # Among parsers tied on a marker: the reference format first, then base formats before the
        # variants that subclass them (a family's own parser reads its format best); stable otherwise.
        classes = [cls for _, cls, _ in candidates]
        candidates.sort(
            key=lambda c: (
                c[0] not in _PREFERRED,
                any(other is not c[1] and issubclass(c[1], other) for other in classes),
            )
        )
        self._candidates = candidates
        return candidates

    def _instance(self, name: str, cls: type[ToolCallParser]) -> ToolCallParser:
        parser = self._instances.get(name)
        if parser is None:
            parser = self._instances.setdefault(name, cls(tools=self.tools or None))
        return parser

    def _plausible(self, parsed: ParsedCompletion) -> bool:
        for call in parsed.tool_calls:
            name = call.function.name
            if not _PLAUSIBLE_NAME.match(name):
                return False
            if self._tool_names and name not in self._tool_names:
                return False
        return True

    def resolve(self, text: str) -> tuple[str | None, ParsedCompletion]:
        """The name of the format ``text`` is in (``None`` when no calls) and its parse."""
        candidates = self._candidates if self._candidates is not None else self._load_candidates()
        order = []
        for rank, (name, cls, markers) in enumerate(candidates):
            if not markers:
                order.append((len(text) + 1, rank, name, cls))
                continue
            best = -1
            for marker in markers:
                found = text.find(marker)
                if found >= 0 and (best < 0 or found < best):
                    best = found
            if best >= 0:
                order.append((best, rank, name, cls))
        order.sort(key=lambda item: item[:2])
        fallback: tuple[str, ParsedCompletion] | None = None
        for _, _, name, cls in order:
            try:
                parsed = self._instance(name, cls).parse(text)
            except Exception:  # a third-party parser that breaks the contract must not break auto
                continue
            if parsed.tool_calls:
                if self._plausible(parsed):
                    return name, parsed
                if fallback is None:
                    fallback = (name, parsed)
        return fallback if fallback is not None else (None, ParsedCompletion(content=text))

    def detect(self, text: str) -> str | None:
        """The name of the installed parser that finds calls in ``text``, or ``None``."""
        return self.resolve(text)[0]

    def extract(self, text: str) -> ParsedCompletion | None:
        return self.resolve(text)[1]
