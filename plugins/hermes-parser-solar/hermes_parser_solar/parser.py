"""Solar Open 2 (``solar_open2``): a name line, then key/value pairs between special tokens::

    Let me check.<|tool_call:start|>get_weather
    <|tool_arg:start|>city<|tool_arg:value|>Seoul<|tool_arg:end|>
    <|tool_call:end|>

As vLLM's ``SolarOpen2ToolParser``: a call ends at ``<|tool_call:end|>`` or, when the model dropped it,
at the next ``<|tool_call:start|>``; a call still open at the end of the text is not a call (its last
value may be cut). A value ends at ``<|tool_arg:end|>``, the next ``<|tool_arg:start|>`` or the end of
its call. The first value of a repeated name wins. Values are typed by the tool's JSON schema and are
text when no schema describes them (vLLM's default type is ``string``).

Linear time: every search is bounded by the end of the current call.
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import (
    LONG_TEXT,
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    encode_long_arguments,
    make_call_id,
)
from hermes_core.parsing_values import convert_value, tool_property_types

CALL = "<|tool_call:start|>"
CALL_END = "<|tool_call:end|>"
ARG = "<|tool_arg:start|>"
ARG_VALUE = "<|tool_arg:value|>"
ARG_END = "<|tool_arg:end|>"
_STRING = ("string",)
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def typed(raw: str, types: tuple[str, ...]) -> Any:
    """``raw`` by its schema types; booleans as vLLM's Solar parser reads them (``1``/``0`` too, and a
    word that is no boolean stays text)."""
    if "boolean" in types or "bool" in types:
        flag = _BOOLEANS.get(raw.strip().lower())
        if flag is not None:
            return flag
        types = tuple(t for t in types if t not in ("boolean", "bool")) or _STRING
    return convert_value(raw, types)


class SolarOpen2Parser(ToolCallParser):
    """``<|tool_call:start|>NAME\\n(<|tool_arg:start|>K<|tool_arg:value|>V<|tool_arg:end|>)*<|tool_call:end|>``."""

    name = "solar_open2"
    aliases = ("solar",)
    start_markers = (CALL,)
    call_end_markers = (CALL_END,)  # a call that ended is sent at once when streaming

    def __init__(self, tools: list[dict[str, Any]] | None = None) -> None:
        super().__init__(tools)
        self._types = tool_property_types(self.tools) if self.tools else {}

    def extract(self, text: str) -> ParsedCompletion | None:
        first = text.find(CALL)
        if first < 0:
            return None
        find = text.find
        calls: list[ToolCall] = []
        start = first
        while start >= 0:
            body = start + len(CALL)
            following = find(CALL, body)
            limit = len(text) if following < 0 else following
            end = find(CALL_END, body, limit)
            if end < 0 and following < 0:
                break  # still open at the end of the text: not a call
            block_end = limit if end < 0 else end
            newline = find("\n", body, block_end)
            if newline >= 0:  # a name that runs into a boundary makes no call
                name = text[body:newline].strip()
                if name:
                    arguments = self._arguments(text, newline + 1, block_end, self._types.get(name))
                    if block_end - newline > LONG_TEXT:
                        encoded = encode_long_arguments(arguments)
                    else:
                        encoded = encode_arguments(arguments)
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, encoded)))
            start = following
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    @staticmethod
    def _arguments(text: str, pos: int, end: int, types: dict[str, tuple[str, ...]] | None) -> dict[str, Any]:
        find = text.find
        arguments: dict[str, Any] = {}
        pos = find(ARG, pos, end)
        while pos >= 0:
            key_start = pos + len(ARG)
            following = find(ARG, key_start, end)
            value_at = find(ARG_VALUE, key_start, end if following < 0 else following)
            if value_at < 0:  # a name that runs into the next argument contributes no key
                pos = following
                continue
            value_start = value_at + len(ARG_VALUE)
            # ``following`` stands: the value marker ends before it, so it is the next one after the value too
            limit = end if following < 0 else following
            value_end = find(ARG_END, value_start, limit)
            key = text[key_start:value_at]
            if key not in arguments:
                raw = text[value_start : limit if value_end < 0 else value_end]
                arguments[key] = typed(raw, (types or {}).get(key) or _STRING)
            pos = following
        return arguments
