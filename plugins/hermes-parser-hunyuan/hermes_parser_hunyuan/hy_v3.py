"""Hunyuan V3 (HY) tool calls: key/value XML in a ``<tool_calls>`` section::

    <tool_calls><tool_call>get_weather<tool_sep><arg_key>city</arg_key><arg_value>Beijing</arg_value>
    <arg_key>days</arg_key><arg_value>3</arg_value></tool_call></tool_calls>

As vLLM: values are text unless the request's tool schema types them (booleans, integers, numbers,
JSON for objects and arrays); the content is the text before ``<tool_calls>``.

Streams the name once ``<tool_sep>`` is in and each argument once its ``</arg_value>`` is: a call cut off
by the end of the text keeps its complete arguments (the cut-off value left out), as vLLM's own stream
sends them (its tests require nothing of a cut-off text).
"""

from __future__ import annotations

from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_argument_pairs,
    make_call_id,
)
from hermes_core.parsing_partial import open_calls_view
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

    def partial_calls(self, text: str, pos: int):
        """``parse()`` of a cut-off text keeps the open call with its complete arguments: the certain view."""
        return open_calls_view(text, pos, lambda whole: self._read_with_starts(whole, pos))

    def _read_with_starts(self, text: str, resume: int) -> tuple[ParsedCompletion | None, list[int]]:
        starts: list[int] = []
        return self.extract(text, starts, resume), starts

    def extract(
        self, text: str, starts: list[int] | None = None, resume: int = -1
    ) -> ParsedCompletion | None:
        """``resume`` (streaming): the start of the last call an earlier read found, the calls before it
        ended: read on from there, so that each call is read once."""
        first = text.find(SECTION)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        find = text.find
        pos = resume if resume > first else find(CALL, first + len(SECTION))
        while pos >= 0:
            start = pos + len(CALL)
            end = find(CALL_END, start)
            stop = len(text) if end < 0 else end  # cut off: its complete arguments count
            sep = find(SEP, start, stop)
            if sep >= 0:
                name = text[start:sep].strip()
                if name:
                    arguments = self._arguments(text, sep + len(SEP), stop, name)
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, arguments)))
                    if starts is not None:
                        starts.append(pos)
            if end < 0:
                break
            pos = find(CALL, end + len(CALL_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _arguments(self, text: str, pos: int, stop: int, name: str) -> str:
        """The encoded arguments; a name written twice keeps both places (a stream sent the first)."""
        properties = self.tool_schema(name) if self.tools else {}
        arguments: list[tuple[str, Any]] = []  # every pair in order (a key written twice: both)
        find = text.find
        while True:
            key = find(KEY, pos, stop)
            if key < 0:
                break
            key_end = find(KEY_END, key, stop)
            if key_end < 0:
                break
            value = key_end + len(KEY_END)
            while value < stop and text[value] in _WS:
                value += 1
            if not text.startswith(VALUE, value):
                pos = key_end + len(KEY_END)
                continue
            value_end = find(VALUE_END, value, stop)
            if value_end < 0:
                break
            arg = text[key + len(KEY) : key_end]
            arguments.append((arg, schema_typed(text[value + len(VALUE) : value_end], properties.get(arg))))
            pos = value_end + len(VALUE_END)
        return encode_argument_pairs(arguments)
