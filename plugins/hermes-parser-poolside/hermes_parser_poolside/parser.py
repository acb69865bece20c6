"""Poolside (``poolside_v1``): GLM-style key/value calls whose string values are kept verbatim::

    <tool_call>write_file
    <arg_key>path</arg_key>
    <arg_value>app.py</arg_value>
    <arg_key>content</arg_key>
    <arg_value>def main():
        pass
    </arg_value>
    </tool_call>

As vLLM's ``PoolsideV1ToolParser``: a call runs from ``<tool_call>`` to the first ``</tool_call>``; the
name is the text before the first newline or ``<`` and must be followed by ``<arg_key>`` or the end of
the call. A value whose parameter the tool's schema types as ``string`` is kept exactly as written
(whitespace is significant in code); any other is stripped and decoded as JSON, then as a Python
literal, else kept as text. Every search is bounded by the end of the current call: linear time.

Streaming: the name goes out once ``<arg_key>`` follows it and each argument once its ``</arg_value>``
is in, so a call cut off by the end of the text keeps its complete arguments, the cut-off value left
out (vLLM's tests ask nothing of a cut-off call; its stream sends the name early).
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
    schema_properties,
)
from hermes_core.parsing_partial import open_calls_view
from hermes_core.parsing_values import convert_value

CALL = "<tool_call>"
CALL_END = "</tool_call>"
KEY = "<arg_key>"
KEY_END = "</arg_key>"
VALUE = "<arg_value>"
VALUE_END = "</arg_value>"
_WS = " \t\r\n\f\v"
_NOT_IN_NAMES = frozenset("{}\"'")  # hermes JSON in the same tags is not a poolside call


class PoolsideV1Parser(ToolCallParser):
    """``<tool_call>NAME[\\n]<arg_key>K</arg_key><arg_value>V</arg_value>...</tool_call>``."""

    name = "poolside_v1"
    aliases = ("poolside",)
    start_markers = (CALL,)
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
        first = text.find(CALL)
        if first < 0:
            return None
        find = text.find
        calls: list[ToolCall] = []
        start = resume if resume > first else first
        while start >= 0:
            end = find(CALL_END, start + len(CALL))
            call = self._call(text, start + len(CALL), len(text) if end < 0 else end, end < 0)
            if call is not None:
                calls.append(call)
                if starts is not None:
                    starts.append(start)
            if end < 0:
                break  # cut off: no later call
            start = find(CALL, end + len(CALL_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _call(self, text: str, pos: int, end: int, cut: bool) -> ToolCall | None:
        """The call between ``pos`` and ``end``; ``cut``: the text stopped inside it, so it counts once
        ``<arg_key>`` follows its name (then nothing later can make it none)."""
        while pos < end and text[pos] in _WS:
            pos += 1
        name_end = pos
        while name_end < end and text[name_end] not in "\n<":
            name_end += 1
        name = text[pos:name_end].strip(_WS)
        pos = name_end
        while pos < end and text[pos] in _WS:
            pos += 1
        if not name or not _NOT_IN_NAMES.isdisjoint(name):
            return None
        if (cut or pos < end) and not text.startswith(KEY, pos):
            return None  # vLLM's detail regex does not match: not a call (or not yet)
        string_keys = self._string_keys(name)
        arguments: list[tuple[str, Any]] = []  # every pair in order (a key written twice: both)
        find = text.find
        pos = find(KEY, pos, end)
        while pos >= 0:
            key_end = find(KEY_END, pos + len(KEY), end)
            if key_end < 0:
                break
            value_at = key_end + len(KEY_END)
            while value_at < end and text[value_at] in _WS:
                value_at += 1
            value_end = find(VALUE_END, value_at, end) if text.startswith(VALUE, value_at) else -1
            if value_end >= 0:
                key = text[pos + len(KEY) : key_end].strip(_WS)
                raw = text[value_at + len(VALUE) : value_end]
                value = raw if key in string_keys else convert_value(raw.strip(_WS), None)
                arguments.append((key, value))
                pos = find(KEY, value_end + len(VALUE_END), end)
            else:
                pos = find(KEY, key_end + len(KEY_END), end)
        return ToolCall(make_call_id(), FunctionCall(name, encode_argument_pairs(arguments)))

    def _string_keys(self, name: str) -> frozenset[str]:
        """The parameters of tool ``name`` whose schema ``type`` is exactly ``"string"`` (as vLLM)."""
        if not self.tools:
            return frozenset()
        properties = schema_properties(self.tools, name)
        return frozenset(
            key for key, spec in properties.items() if isinstance(spec, dict) and spec.get("type") == "string"
        )
