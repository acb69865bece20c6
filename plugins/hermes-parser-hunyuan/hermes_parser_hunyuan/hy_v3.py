"""Hunyuan V3 (HY) tool calls: key/value XML in a ``<tool_calls>`` section::

    <tool_calls><tool_call>get_weather<tool_sep><arg_key>city</arg_key><arg_value>Beijing</arg_value>
    <arg_key>days</arg_key><arg_value>3</arg_value></tool_call></tool_calls>

As vLLM: values are text unless the request's tool schema types them (booleans, integers, numbers,
JSON for objects and arrays); the content is the text before ``<tool_calls>``.
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_scan import schema_typed

SECTION = "<tool_calls>"
CALL = "<tool_call>"
CALL_END = "</tool_call>"
SEP = "<tool_sep>"
KEY = "<arg_key>"
KEY_END = "</arg_key>"
VALUE = "<arg_value>"
VALUE_END = "</arg_value>"
_WS = " \t\r\n"


class HyV3Parser(ToolCallParser):
    """Tencent Hunyuan V3 (HY 3)."""

    name = "hy_v3"
    aliases = ("hunyuan_v3", "hy-v3")
    start_markers = (SECTION,)
    call_end_markers = (CALL_END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        first = text.find(SECTION)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        find = text.find
        pos = find(CALL, first + len(SECTION))
        while pos >= 0:
            start = pos + len(CALL)
            end = find(CALL_END, start)
            if end < 0:
                break  # cut off: its last value may be cut too
            sep = find(SEP, start, end)
            if sep >= 0:
                name = text[start:sep].strip()
                if name:
                    arguments = self._arguments(text, sep + len(SEP), end, name)
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments))))
            pos = find(CALL, end + len(CALL_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _arguments(self, text: str, pos: int, stop: int, name: str) -> dict[str, Any]:
        properties = self.tool_schema(name) if self.tools else {}
        arguments: dict[str, Any] = {}
        find = text.find
        while True:
            key = find(KEY, pos, stop)
            if key < 0:
                return arguments
            key_end = find(KEY_END, key, stop)
            if key_end < 0:
                return arguments
            value = key_end + len(KEY_END)
            while value < stop and text[value] in _WS:
                value += 1
            if not text.startswith(VALUE, value):
                pos = key_end + len(KEY_END)
                continue
            value_end = find(VALUE_END, value, stop)
            if value_end < 0:
                return arguments
            arg = text[key + len(KEY) : key_end]
            raw = text[value + len(VALUE) : value_end]
            arguments[arg] = schema_typed(raw, properties.get(arg))
            pos = value_end + len(VALUE_END)
