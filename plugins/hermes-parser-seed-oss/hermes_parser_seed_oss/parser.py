"""Seed-OSS tool calls: qwen3_coder-style XML in ``<seed:tool_call>`` blocks::

    <seed:think>The user wants the weather.</seed:think>
    <seed:tool_call>
    <function=get_weather>
    <parameter=location>San Francisco, CA</parameter>
    <parameter=days>3</parameter>
    </function>
    </seed:tool_call>

As vLLM: calls are read after the reasoning (``</seed:think>``); without any ``<seed:tool_call>`` tag,
bare ``<function=...>`` blocks are read; ``null`` is null; a parameter the request's tool schema types
is converted by that type, any other value stays text; one newline around a value is dropped.
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
from hermes_core.parsing_scan import read_parameters

TOOL_CALL = "<seed:tool_call>"
TOOL_CALL_END = "</seed:tool_call>"
FUNCTION = "<function="
FUNCTION_END = "</function>"
PARAMETER = "<parameter="
PARAMETER_END = "</parameter>"
THINK = "<seed:think>"
THINK_END = "</seed:think>"


class SeedOssParser(ToolCallParser):
    """ByteDance Seed-OSS-36B."""

    name = "seed_oss"
    aliases = ("seed-oss", "seed_oss_36b")
    start_markers = (TOOL_CALL, FUNCTION)
    call_end_markers = (FUNCTION_END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        begin = 0
        if THINK in text:
            think_end = text.find(THINK_END)
            if think_end >= 0:
                begin = think_end + len(THINK_END)
        first = text.find(TOOL_CALL, begin)
        calls: list[ToolCall] = []
        if first < 0:  # no block tag: bare functions (vLLM's back-off)
            first = text.find(FUNCTION, begin)
            if first < 0:
                return None
            self._functions(text, first, len(text), calls)
        else:
            pos = first
            while pos >= 0:
                body = pos + len(TOOL_CALL)
                stop = text.find(TOOL_CALL_END, body)
                if stop < 0:
                    self._functions(text, body, len(text), calls)
                    break
                self._functions(text, body, stop, calls)
                pos = text.find(TOOL_CALL, stop + len(TOOL_CALL_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _functions(self, text: str, pos: int, stop: int, calls: list[ToolCall]) -> None:
        find = text.find
        while True:
            start = find(FUNCTION, pos, stop)
            if start < 0:
                return
            end = find(FUNCTION_END, start, stop)
            if end < 0:
                return  # cut off: its last value may be cut too
            head = start + len(FUNCTION)
            name_end = find(">", head, end)
            name = text[head:name_end].strip() if name_end >= 0 else ""
            if name:
                arguments = self._parameters(text, name_end + 1, end, name)
                calls.append(ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments))))
            pos = end + len(FUNCTION_END)

    def _parameters(self, text: str, pos: int, stop: int, name: str) -> dict[str, Any]:
        properties = self.tool_schema(name) if self.tools else {}
        return read_parameters(text, pos, stop, properties, open_tag=PARAMETER, close_tag=PARAMETER_END)
