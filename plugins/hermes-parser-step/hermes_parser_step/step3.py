"""Step-3 tool calls: steptml invokes between DeepSeek-style markers::

    <｜tool_calls_begin｜><｜tool_call_begin｜>function<｜tool_sep｜>
    <steptml:invoke name="get_weather"><steptml:parameter name="city">Beijing</steptml:parameter>
    </steptml:invoke><｜tool_call_end｜><｜tool_calls_end｜>

As vLLM: only the first ``<｜tool_calls_begin｜>`` block counts and it must be closed; a call's type, when
written, must be ``function``; a value runs to its close tag (``<`` included) and keeps its whitespace
(exact-match edit tools need it); values stay text unless the request's tool schema types them; the
content is the text around the block.
"""

from __future__ import annotations

import re
from typing import Any

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_scan import schema_typed

CALLS_BEGIN = "<｜tool_calls_begin｜>"
CALLS_END = "<｜tool_calls_end｜>"
CALL_BEGIN = "<｜tool_call_begin｜>"
CALL_END = "<｜tool_call_end｜>"
SEP = "<｜tool_sep｜>"
_INVOKE = re.compile(r'<steptml:invoke name="([^"]+)">')
_PARAMETER = re.compile(r'<steptml:parameter name="([^"]+)">')
PARAMETER_END = "</steptml:parameter>"


class Step3Parser(ToolCallParser):
    """StepFun Step-3."""

    name = "step3"
    aliases = ("step-3",)
    start_markers = (CALLS_BEGIN,)

    def extract(self, text: str) -> ParsedCompletion | None:
        begin = text.find(CALLS_BEGIN)
        if begin < 0:
            return None
        start = begin + len(CALLS_BEGIN)
        stop = text.find(CALLS_END, start)
        if stop < 0:
            return None
        calls: list[ToolCall] = []
        find = text.find
        pos = find(CALL_BEGIN, start, stop)
        while pos >= 0:
            part = pos + len(CALL_BEGIN)
            nxt = find(CALL_BEGIN, part, stop)
            part_end = nxt if nxt >= 0 else stop
            end = find(CALL_END, part, part_end)
            if end >= 0:
                call = self._call(text, part, end)
                if call is not None:
                    calls.append(call)
            pos = nxt
        if not calls:
            return None
        content = (text[:begin] + text[stop + len(CALLS_END) :]).rstrip()
        return ParsedCompletion(content=content if content.strip() else None, tool_calls=calls)

    def _call(self, text: str, start: int, end: int) -> ToolCall | None:
        sep = text.find(SEP, start, end)
        if sep >= 0 and text[start:sep].strip() != "function":
            return None
        invoke = _INVOKE.search(text, sep + len(SEP) if sep >= 0 else start, end)
        if invoke is None:
            return None
        name = invoke.group(1)
        properties = self.tool_schema(name) if self.tools else {}
        arguments: dict[str, Any] = {}
        pos = invoke.end()
        while (match := _PARAMETER.search(text, pos, end)) is not None:
            # a value runs to its own close tag and may hold ``<`` (vLLM's test_step3_tool_parser.py
            # ``test_parameter_value_with_angle_bracket``: ``a < 5``, ``<b>hi</b>``)
            close = text.find(PARAMETER_END, match.end(), end)
            if close < 0:
                break
            arguments[match.group(1)] = schema_typed(
                text[match.end() : close], properties.get(match.group(1))
            )
            pos = close + len(PARAMETER_END)
        return ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments)))
