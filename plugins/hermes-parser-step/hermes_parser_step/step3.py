"""Step-3 tool calls: steptml invokes between DeepSeek-style markers::

    <｜tool_calls_begin｜><｜tool_call_begin｜>function<｜tool_sep｜>
    <steptml:invoke name="get_weather"><steptml:parameter name="city">Beijing</steptml:parameter>
    </steptml:invoke><｜tool_call_end｜><｜tool_calls_end｜>

As vLLM: only the first ``<｜tool_calls_begin｜>`` block counts; a call's type, when written, must be
``function``; a value runs to its close tag (``<`` included) and keeps its whitespace
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
    encode_argument_pairs,
    make_call_id,
)
from hermes_core.parsing_partial import ended_calls_view
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
    """StepFun Step-3.

    Streams parameter by parameter: a call counts once its ``<steptml:invoke name="...">`` is written
    and keeps each parameter whose close tag came, whatever follows; a call or block not closed (cut off
    by the end of the text, or by the next call) keeps its whole parameters. vLLM's legacy ``step3``
    parser drops a block until ``<｜tool_calls_end｜>`` arrives; its tests ask nothing of cut-off output
    (``malformed_input_outputs`` must only not raise), and its streaming sends the name at once, as
    every vLLM 0.34 engine parser keeps a cut-off call: so does this one
    (:func:`~hermes_core.parsing_partial.ended_calls_view`).
    """

    name = "step3"
    aliases = ("step-3",)
    start_markers = (CALLS_BEGIN,)
    call_end_markers = (CALL_END,)

    def partial_calls(self, text: str, pos: int):
        return ended_calls_view(text, pos, self.extract)

    def extract(
        self, text: str, starts: list[int] | None = None, ends: list[int] | None = None
    ) -> ParsedCompletion | None:
        begin = text.find(CALLS_BEGIN)
        if begin < 0:
            return None
        start = begin + len(CALLS_BEGIN)
        stop = text.find(CALLS_END, start)
        block_end = stop if stop >= 0 else len(text)
        calls: list[ToolCall] = []
        find = text.find
        pos = find(CALL_BEGIN, start, block_end)
        while pos >= 0:
            part = pos + len(CALL_BEGIN)
            nxt = find(CALL_BEGIN, part, block_end)
            part_end = nxt if nxt >= 0 else block_end
            end = find(CALL_END, part, part_end)
            call = self._call(text, part, end if end >= 0 else part_end)  # not closed: its whole parameters
            if call is not None:
                calls.append(call)
                if starts is not None:
                    starts.append(pos)
                if ends is not None:
                    ends.append(end + len(CALL_END) if end >= 0 else -1)
            pos = nxt
        if not calls:
            return None
        content = text[:begin] + (text[stop + len(CALLS_END) :] if stop >= 0 else "")
        content = content.rstrip()
        return ParsedCompletion(content=content if content.strip() else None, tool_calls=calls)

    def _call(self, text: str, start: int, end: int) -> ToolCall | None:
        invoke = _INVOKE.search(text, start, end)
        if invoke is None:
            return None
        sep = text.find(SEP, start, invoke.start())
        if sep >= 0 and text[start:sep].strip() != "function":
            return None
        name = invoke.group(1)
        properties = self.tool_schema(name) if self.tools else {}
        arguments: list[tuple[str, Any]] = []  # every pair in order (a key written twice: both)
        pos = invoke.end()
        while (match := _PARAMETER.search(text, pos, end)) is not None:
            # a value runs to its own close tag and may hold ``<`` (vLLM's test_step3_tool_parser.py
            # ``test_parameter_value_with_angle_bracket``: ``a < 5``, ``<b>hi</b>``)
            close = text.find(PARAMETER_END, match.end(), end)
            if close < 0:
                break  # cut off: left out
            key = match.group(1)
            arguments.append((key, schema_typed(text[match.end() : close], properties.get(key))))
            pos = close + len(PARAMETER_END)
        return ToolCall(make_call_id(), FunctionCall(name, encode_argument_pairs(arguments)))
