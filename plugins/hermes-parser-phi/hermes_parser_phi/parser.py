"""Phi-4-mini tool calls: ``functools[{"name": ..., "arguments": {...}}, ...]``.

As in vLLM's ``Phi4MiniJsonToolParser`` the first ``functools[...]`` array holds the calls, each with
``name`` and ``arguments`` (or ``parameters``). The array is read with the JSON scanner instead of vLLM's
``functools\\[(.*?)\\]`` regex, so nested arrays in the arguments do not cut it short (vLLM's own
``various_data_types`` case is marked xfail for that reason); the text before ``functools`` is kept
as content; an empty array, arguments that are not an object, or a malformed element is no call.
"""

from __future__ import annotations

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_tags import JSON_ERRORS, first_marker, scan_json

BOT = "functools"


class Phi4MiniJsonParser(ToolCallParser):
    """Microsoft Phi-4-mini-instruct: ``functools[...]``."""

    name = "phi4_mini_json"
    aliases = ("phi4_mini", "phi4mini")
    start_markers = (BOT + "[",)

    def extract(self, text: str) -> ParsedCompletion | None:
        start = first_marker(text, BOT + "[")
        if start < 0:
            return None
        try:
            items, _ = scan_json(text, start + len(BOT))
        except JSON_ERRORS:
            return None
        if type(items) is not list:
            return None
        calls: list[ToolCall] = []
        for item in items:
            if type(item) is not dict:
                return None
            name = item.get("name")
            arguments = item["arguments"] if "arguments" in item else item.get("parameters", ...)
            if type(name) is not str or not name.strip() or type(arguments) is not dict:
                return None
            calls.append(ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(arguments))))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, start), tool_calls=calls)
