"""Phi-4-mini tool calls: ``functools[{"name": ..., "arguments": {...}}, ...]``.

As in vLLM's ``Phi4MiniJsonToolParser`` the first ``functools[...]`` array holds the calls, each with
``name`` and ``arguments`` (or ``parameters``). The array is read with the JSON scanner instead of vLLM's
``functools\\[(.*?)\\]`` regex, so nested arrays in the arguments do not cut it short (vLLM's own
``various_data_types`` case is marked xfail for that reason); the text before ``functools`` is kept
as content; an empty array, arguments that are not an object, or a malformed element is no call.

Streaming: a call goes out once its arguments hold a key, the arguments as written, and it closes
where its object ends (:mod:`hermes_core.parsing_call_objects`). So a call that began is never taken
back: the array is read up to its first element that is not a call (vLLM voids the whole array), and
``parse()`` of a text cut inside a call keeps it, closed at its last complete value.
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import (
    ParsedCompletion,
    ToolCallParser,
    content_before,
    encode_arguments,
)
from hermes_core.parsing_call_objects import (
    CallObject,
    first_marker_outside_think,
    read_call_list,
    stream_view,
    tool_calls,
)
from hermes_core.parsing_partial import PartialCall

BOT = "functools"
_KEYS = ("arguments", "parameters")


def _decide(item: Any) -> tuple[str, str] | None:
    if type(item) is not dict:
        return None
    name = item.get("name")
    arguments = item["arguments"] if "arguments" in item else item.get("parameters", ...)
    if type(name) is not str or not name.strip() or type(arguments) is not dict:
        return None
    return name.strip(), encode_arguments(arguments)


class Phi4MiniJsonParser(ToolCallParser):
    """Microsoft Phi-4-mini-instruct: ``functools[...]``."""

    name = "phi4_mini_json"
    aliases = ("phi4_mini", "phi4mini")
    start_markers = (BOT + "[",)

    def extract(self, text: str) -> ParsedCompletion | None:
        start, found = _read(text)
        if not found:
            return None
        return ParsedCompletion(content=content_before(text, start), tool_calls=tool_calls(found))

    def partial_calls(self, text: str, pos: int) -> tuple[list[PartialCall], int]:
        return stream_view(_read(text)[1], pos)


def _read(text: str) -> tuple[int, list[CallObject]]:
    start = first_marker_outside_think(text, BOT + "[")
    if start < 0:
        return start, []
    # the array is read up to its first broken element: a scan or two fail at most, so the text
    # itself is the scan document (no copy of a long completion)
    return start, read_call_list(text, text, start + len(BOT), _KEYS, _decide)[0]
