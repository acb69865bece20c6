"""``auto``: find which installed format a completion is in, and let that parser do the work.

Used where one pipeline serves several model families (data generation over a model zoo, ``hermes
parse`` on a file of unknown origin). It knows no format itself: it reads the ``start_markers`` of every
other registered parser, so installing a parser plugin teaches it a new format.
"""

from __future__ import annotations

import re
from typing import Any

from hermes_core.parsing import ParsedCompletion, ToolCallParser
from hermes_core.parsing_stream import StreamDelta, ToolCallStream

# Several formats share a marker (hermes, qwen, glm45/47 all open with ``<tool_call>``); a parser handed
# another format's text can mistake markup for a name. Such a name is not a tool name: try the next.
_PLAUSIBLE_NAME = re.compile(r"[^\s<>{}\[\]\"'=,;()|`]+\Z")
_PREFERRED = ("hermes",)
# Markers that ordinary prose is full of (pythonic ``[``, llama3_json ``{``, xlam's fences, muse's ``to=``):
# ``auto`` counts them only where the completion begins, so a stream forwards prose holding them at once.
_GENERIC = frozenset({"[", "{", "```", "to="})
# Candidates per parser registry (one ``auto`` is built per request with tools): id -> (registry, names,
# candidates, by_marker, unmarked); checked against the registry's names, so new registrations count.
_CACHE: dict[int, tuple[Any, ...]] = {}  # first among parsers tied on the same marker: the reference format


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
        self._by_marker: list[tuple[str, list[int]]] = []
        self._unmarked: list[int] = []

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
        names = tuple(registry.names())
        cached = _CACHE.get(id(registry))
        if cached is not None and cached[0] is registry and cached[1] == names:
            self._candidates, self._by_marker, self._unmarked = cached[2:]
            return self._candidates
        candidates = []
        for name in names:
            try:
                cls = registry.get(name)
            except Exception:  # a broken lazy registration must not take auto down with it
                continue
            if name == self.name or (isinstance(cls, type) and issubclass(cls, AutoParser)):
                continue
            markers = getattr(cls, "start_markers", ())
            candidates.append((name, cls, tuple(markers) if isinstance(markers, tuple | list) else ()))
        # Among parsers tied on a marker: the reference format first, then base formats before the
        # variants that subclass them (a family's own parser reads its format best); stable otherwise.
        classes = [cls for _, cls, _ in candidates if isinstance(cls, type)]
        candidates.sort(
            key=lambda c: (
                c[0] not in _PREFERRED,
                isinstance(c[1], type) and any(o is not c[1] and issubclass(c[1], o) for o in classes),
            )
        )
        by_marker: dict[str, list[int]] = {}
        for rank, (_, _, markers) in enumerate(candidates):
            for marker in markers:
                if marker:
                    by_marker.setdefault(marker, []).append(rank)
        unmarked = [rank for rank, (_, _, markers) in enumerate(candidates) if not any(markers)]
        self._candidates, self._by_marker, self._unmarked = candidates, list(by_marker.items()), unmarked
        _CACHE[id(registry)] = (registry, names, candidates, self._by_marker, unmarked)
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
        """The name of the format ``text`` is in (``None`` when no calls) and its parse.

        Parsers are tried earliest marker first (ties: registry order). The formats at the earliest marker
        are found with searches bounded by it (a completion holds one format: the other markers are
        absent, and an unbounded search for each would read the whole text 40 times); only when none of
        them yields a plausible call are the other markers looked for.
        """
        if self._candidates is None:
            self._load_candidates()
        end = len(text)
        first: dict[int, int] = {}  # rank -> earliest marker, for the markers found so far
        unknown: list[tuple[str, list[int]]] = []  # markers not before the bound when looked for
        bound = end
        lead = len(text) - len(text.lstrip())
        for marker, ranks in self._by_marker:  # formats share markers: each is looked for once
            if marker in _GENERIC:
                found = lead if text.startswith(marker, lead) and lead <= bound else -1
            else:
                found = text.find(marker, 0, bound + len(marker))
            if found < 0:
                if bound < end:
                    unknown.append((marker, ranks))
                continue
            bound = min(bound, found)
            for rank in ranks:
                if first.get(rank, end + 1) > found:
                    first[rank] = found
        tried: set[int] = set()
        earliest = [rank for rank, found in sorted(first.items()) if found == bound]
        plausible, fallback = self._try(text, earliest, tried)
        if plausible is not None:
            return plausible
        for marker, ranks in unknown:
            if marker in _GENERIC:
                continue  # looked for where the text begins already
            found = text.find(marker, bound)
            if found >= 0:
                for rank in ranks:
                    if first.get(rank, end + 1) > found:
                        first[rank] = found
        for rank in self._unmarked:
            first[rank] = end + 1
        rest = [rank for _, rank in sorted((f, r) for r, f in first.items() if r not in tried)]
        plausible, later_fallback = self._try(text, rest, tried)
        if plausible is not None:
            return plausible
        fallback = fallback or later_fallback
        return fallback if fallback is not None else (None, ParsedCompletion(content=text))

    def _try(self, text: str, ranks: list[int], tried: set[int]):
        """Parse with the candidates ``ranks`` in order: ``(first plausible result, first implausible
        one)``, each ``(name, parsed)`` or ``None``."""
        fallback = None
        for rank in ranks:
            tried.add(rank)
            name, cls, _ = self._candidates[rank]
            try:
                parsed = self._instance(name, cls).parse(text)
            except Exception:  # a third-party parser that breaks the contract must not break auto
                continue
            if parsed.tool_calls:
                if self._plausible(parsed):
                    return (name, parsed), fallback
                if fallback is None:
                    fallback = (name, parsed)
        return None, fallback

    def stream(self, tools: list[dict[str, Any]] | None = None) -> AutoStream:
        return AutoStream(self.with_tools(tools))

    def detect(self, text: str) -> str | None:
        """The name of the installed parser that finds calls in ``text``, or ``None``."""
        return self.resolve(text)[0]

    def extract(self, text: str) -> ParsedCompletion | None:
        return self.resolve(text)[1]


class AutoStream(ToolCallStream):
    """The default stream on the specific markers only; a completion that begins with a generic marker
    (``[``, ``{``, a fence, ``to=``) is held as a candidate call from the start, as ``resolve`` reads it."""

    def __init__(self, parser: AutoParser) -> None:
        super().__init__(parser)
        generic = tuple(m for m in self.markers if m in _GENERIC)
        if generic:
            self.markers = tuple(m for m in self.markers if m not in _GENERIC)
            self._longest = max((len(m) for m in self.markers), default=0)
        self._generic = generic
        self._head: str | None = "" if generic else None  # text held until the beginning is known

    def feed(self, delta: str) -> list[StreamDelta]:
        if self._head is None or not delta:
            return super().feed(delta)
        head = self._head + delta
        lead = head.lstrip()
        if not lead or any(m.startswith(lead) and m != lead for m in self._generic):
            self._head = head
            return []  # only whitespace, or the beginning of a generic marker so far
        self._head = None
        if any(lead.startswith(m) for m in self._generic):
            self._in_call = True
        return super().feed(head)

    def finish(self) -> list[StreamDelta]:
        if self._head:
            self._in_call = True  # nothing was forwarded: the whole-text parse decides
            super().feed(self._head)
        self._head = None
        return super().finish()
