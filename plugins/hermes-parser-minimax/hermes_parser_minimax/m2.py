"""MiniMax-M2 / M2.1 tool calls: XML invokes in a ``<minimax:tool_call>`` block::

    <minimax:tool_call>
    <invoke name="get_weather">
    <parameter name="city">Seattle</parameter>
    <parameter name="days">5</parameter>
    </invoke>
    </minimax:tool_call>

Values are text, kept verbatim. As vLLM: ``null`` is null (``none`` and ``nil`` are text); a parameter the
request's tool schema types as non-string is converted by that type; any other value stays text (no
schema, no guessing). The scan is
``str.find`` from a moving position; a missing end tag stops it, so bait costs one pass.
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
from hermes_core.parsing_scan import read_parameters, schema_typed
from hermes_core.parsing_tags import first_marker
from hermes_core.parsing_values import schema_types

BLOCK = "<minimax:tool_call>"
BLOCK_END = "</minimax:tool_call>"
INVOKE = "<invoke name="
INVOKE_END = "</invoke>"
PARAMETER = "<parameter name="
PARAMETER_END = "</parameter>"


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        return name[1:-1]
    return name


def typed_value(raw: str, spec: Any) -> Any:
    """A value as vLLM 0.34 reads it: verbatim, whitespace included (``TestParameterWhitespace``); ``null``
    is null but ``none``/``nil`` stay text (``test_none_string_preserved_in_enum``,
    ``test_none_string_preserved_plain_string``, ``test_nil_string_preserved``, vLLM issue #39567); a
    non-string schema type converts the stripped text."""
    value = raw.strip()
    if value.lower() == "null":
        return None
    types = schema_types(spec)
    if types and "string" not in types:
        return schema_typed(value, spec)
    return raw


class MinimaxM2Parser(ToolCallParser):
    """MiniMax-M2 and M2.1."""

    name = "minimax_m2"
    aliases = ("minimax-m2", "minimax_m2_1", "minimax-m2.1")
    start_markers = (BLOCK,)
    call_end_markers = (INVOKE_END,)  # a call that ended is sent at once when streaming

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, BLOCK)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        pos = first
        while pos >= 0:
            body = pos + len(BLOCK)
            stop = text.find(BLOCK_END, body)
            if stop < 0:
                self._invokes(text, body, len(text), calls)  # not closed: whole invokes still count
                break
            self._invokes(text, body, stop, calls)
            pos = text.find(BLOCK, stop + len(BLOCK_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _invokes(self, text: str, pos: int, stop: int, calls: list[ToolCall]) -> None:
        find = text.find
        while True:
            start = find(INVOKE, pos, stop)
            if start < 0:
                return
            end = find(INVOKE_END, start, stop)
            if end < 0:
                return  # cut off
            head = start + len(INVOKE)
            name_end = find(">", head, end)
            if name_end >= 0:
                name = _unquote(text[head:name_end])
                if name:
                    arguments = self._parameters(text, name_end + 1, end, name)
                    calls.append(ToolCall(make_call_id(), FunctionCall(name, encode_arguments(arguments))))
            pos = end + len(INVOKE_END)

    def _parameters(self, text: str, pos: int, stop: int, name: str) -> dict[str, Any]:
        properties = self.tool_schema(name) if self.tools else {}
        return read_parameters(
            text,
            pos,
            stop,
            properties,
            open_tag=PARAMETER,
            close_tag=PARAMETER_END,
            key=_unquote,
            value=typed_value,
            open_ends_value=True,  # vLLM's _PARAM_RE: a missing </parameter> ends at the next opener
        )
