"""Linear-time scanning helpers shared by the XML-style tool-call parsers.

Parsers must stay linear on bait (thousands of start markers and no end marker). Asking ``text.find(END,
pos)`` once per start marker rescans the rest of the text each time: quadratic. ``NextFinder`` remembers
the answer while it still lies ahead (and a miss for good), so each stretch of text is searched once.
``read_parameters`` is the one ``<parameter ...>value</parameter>`` loop: every ``find`` is bounded by the
enclosing call's end, so a call's parameters cost one pass over that call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hermes_core.parsing_values import convert_value, schema_types

__all__ = [
    "NextFinder",
    "find_anchored",
    "find_soon",
    "read_parameters",
    "schema_typed",
    "trimmed_newline_value",
]


class NextFinder:
    """``text.find(marker, pos)`` for a position that only grows: each stretch of text is searched once.

    Parsers ask "where is the next end tag?" once per start tag; with many start tags and no end tag
    (bait), plain ``find`` scans to the end every time: quadratic. The answer is remembered while it
    still lies ahead, and a miss is remembered for good.
    """

    __slots__ = ("found", "marker", "text")

    def __init__(self, text: str, marker: str) -> None:
        self.text, self.marker, self.found = text, marker, -2

    def __call__(self, pos: int) -> int:
        found = self.found
        if found == -1 or found >= pos:
            return found
        self.found = found = self.text.find(self.marker, pos)
        return found


_WINDOW = 2048


def find_soon(text: str, marker: str, pos: int) -> int:
    """``text.find(marker, pos)``, looking in a short window first.

    CPython's ``str.find`` switches to a search with a per-call setup cost once the haystack is long
    (tens of thousands of characters), so a loop of many finds each given "the rest of the text" is
    several times slower per step on long inputs. Markers are usually close: try the window first.
    """
    found = text.find(marker, pos, pos + _WINDOW)
    return found if found >= 0 else text.find(marker, pos)


_NEAR = 512


def find_anchored(text: str, marker: str, pos: int, anchor: str, stop: int | None = None) -> int:
    """``text.find(marker, pos, stop)``, fast past a long value.

    ``str.find`` of a short marker in a long text often advances one character a step (the marker's letters
    are the text's letters), where a search for one character of it (``anchor``, rare in values: a
    full-width bar, ``|``, ``<``) is memchr-fast (~10x at 20 KB). So: the plain search in a window first
    (the marker is usually near), then each ``anchor`` past it is checked for the whole marker."""
    stop = len(text) if stop is None else stop
    near = pos + _NEAR
    if near >= stop:
        return text.find(marker, pos, stop)
    found = text.find(marker, pos, near)
    if found >= 0:
        return found
    offset = marker.find(anchor)  # the marker starts this far before its anchor
    at = text.find(anchor, near - len(marker) + 1 + offset, stop)  # candidates the window could not hold
    while at >= 0:
        if text.startswith(marker, at - offset, stop):
            return at - offset
        at = text.find(anchor, at + 1, stop)
    return -1


def schema_typed(value: str, spec: Any) -> Any:
    """``value`` typed by its property schema ``spec``; the text itself when the schema gives no type."""
    types = schema_types(spec)
    return convert_value(value, types) if types else value


def trimmed_newline_value(raw: str, spec: Any) -> Any:
    """qwen3_coder-style value: one newline dropped at each end, ``null`` is null, else schema-typed text."""
    value = raw[1:] if raw.startswith("\n") else raw
    value = value[:-1] if value.endswith("\n") else value
    if value.lower() == "null":
        return None
    return schema_typed(value, spec)


def read_parameters(
    text: str,
    pos: int,
    stop: int,
    properties: dict[str, Any],
    *,
    open_tag: str,
    close_tag: str,
    name_end: str = ">",
    key: Callable[[str], str] | None = None,
    value: Callable[[str, Any], Any] = trimmed_newline_value,
    open_ends_value: bool = False,
) -> list[tuple[str, Any]]:
    """The ``(name, value)`` pairs written as ``OPEN_TAG key NAME_END raw CLOSE_TAG`` between ``pos`` and
    ``stop``, in order (a name written twice stays twice: ``encode_argument_pairs`` encodes them).

    ``key`` turns the text between the open tag and ``name_end`` into the argument name (strip, unquote;
    ``None``: that text as it is); ``value(raw, properties.get(name))`` types the raw text. A parameter
    without ``name_end`` before its close tag is skipped; one without a close tag ends the scan (cut off:
    its value may be cut too). ``open_ends_value``: the next open tag also ends a value whose close tag is
    missing (vLLM's qwen3 grammar, ``(?:</parameter>|(?=<parameter=))``).
    """
    pairs: list[tuple[str, Any]] = []
    find = text.find
    head_len, close_len, name_end_len = len(open_tag), len(close_tag), len(name_end)
    end = -1
    while True:
        start = find(open_tag, pos, stop)
        if start < 0:
            return pairs
        if end < start:  # the next close tag, found once however many opens come before it
            end = find(close_tag, start, stop)
        if end < 0:
            return pairs
        head = start + head_len
        head_end = find(name_end, head, end)
        value_end, pos = end, end + close_len
        if open_ends_value and head_end >= 0:
            following = find(open_tag, head_end, end)
            if following >= 0:
                value_end = pos = following
        if head_end >= 0:
            name = text[head:head_end] if key is None else key(text[head:head_end])
            pairs.append((name, value(text[head_end + name_end_len : value_end], properties.get(name))))
