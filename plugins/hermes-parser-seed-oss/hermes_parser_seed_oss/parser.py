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

from hermes_core.parsing import (
    FunctionCall,
    ParsedCompletion,
    ToolCall,
    ToolCallParser,
    content_before,
    encode_argument_pairs,
    make_call_id,
)
from hermes_core.parsing_partial import ended_calls_view
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
    """ByteDance Seed-OSS-36B.

    Streams parameter by parameter: a call counts once ``<function=NAME>`` is written and keeps each
    parameter whose ``</parameter>`` came, whatever follows; a value cut off (by the end of the text,
    ``</function>`` or ``</seed:tool_call>``) is left out. That is vLLM 0.34's Seed-OSS engine, the
    qwen3 grammar (``_qwen3_arg_converter(raw, partial=False)``; its ``finish()`` ends an open call), and
    it makes ``parse()`` of any prefix the certain part of the calls (:func:`open_calls_view`). Bare
    ``<function=`` blocks (no ``<seed:tool_call>`` yet) are sent at the end: a later block voids them.
    """

    name = "seed_oss"
    aliases = ("seed-oss", "seed_oss_36b")
    start_markers = (TOOL_CALL, FUNCTION)
    call_end_markers = (FUNCTION_END,)

    def partial_calls(self, text: str, pos: int):
        return ended_calls_view(text, pos, self.extract, self._may_send)

    @staticmethod
    def _may_send(text: str) -> bool:
        """False while reasoning is still open, or with bare functions only (a block voids them)."""
        begin = _calls_begin(text)
        return begin >= 0 and text.find(TOOL_CALL, begin) >= 0

    def extract(
        self, text: str, starts: list[int] | None = None, ends: list[int] | None = None
    ) -> ParsedCompletion | None:
        begin = max(_calls_begin(text), 0)
        first = text.find(TOOL_CALL, begin)
        calls: list[ToolCall] = []
        if first < 0:  # no block tag: bare functions (vLLM's back-off)
            first = text.find(FUNCTION, begin)
            if first < 0:
                return None
            self._functions(text, first, len(text), calls, starts, ends)
        else:
            pos = first
            while pos >= 0:
                body = pos + len(TOOL_CALL)
                stop = text.find(TOOL_CALL_END, body)
                if stop < 0:
                    self._functions(text, body, len(text), calls, starts, ends)
                    break
                self._functions(text, body, stop, calls, starts, ends)
                pos = text.find(TOOL_CALL, stop + len(TOOL_CALL_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _functions(
        self,
        text: str,
        pos: int,
        stop: int,
        calls: list[ToolCall],
        starts: list[int] | None,
        ends: list[int] | None = None,
    ) -> None:
        find = text.find
        while True:
            start = find(FUNCTION, pos, stop)
            if start < 0:
                return
            end = find(FUNCTION_END, start, stop)
            head = start + len(FUNCTION)
            name_end = find(">", head, stop if end < 0 else end)
            name = text[head:name_end].strip() if name_end >= 0 else ""
            if name:
                arguments = self._parameters(text, name_end + 1, stop if end < 0 else end, name)
                calls.append(ToolCall(make_call_id(), FunctionCall(name, arguments)))
                if starts is not None:
                    starts.append(start)
                if ends is not None:
                    ends.append(end + len(FUNCTION_END) if end >= 0 else -1)
            if end < 0:
                return  # not closed: its whole parameters are the call's (the text ends, or the block)
            pos = end + len(FUNCTION_END)

    def _parameters(self, text: str, pos: int, stop: int, name: str) -> str:
        """``<parameter=KEY>VALUE</parameter>``... as the encoded arguments; a parameter without its close
        tag ends the scan (cut off); a key written twice keeps both (the last value wins decoded)."""
        properties = self.tool_schema(name) if self.tools else {}
        pairs = read_parameters(text, pos, stop, properties, open_tag=PARAMETER, close_tag=PARAMETER_END)
        return encode_argument_pairs(pairs)


def _calls_begin(text: str) -> int:
    """Where calls may begin: after the reasoning when it comes first (``<seed:think>`` before any call
    tag), else 0; -1 while that reasoning is still open (a call quoted in it is not one yet)."""
    think = text.find(THINK)
    if think < 0:
        return 0
    call = text.find(FUNCTION, 0, think)
    if call >= 0 or text.find(TOOL_CALL, 0, think) >= 0:
        return 0  # a call came before any reasoning: a later ``<seed:think>`` does not take it back
    think_end = text.find(THINK_END, think)
    return think_end + len(THINK_END) if think_end >= 0 else -1
