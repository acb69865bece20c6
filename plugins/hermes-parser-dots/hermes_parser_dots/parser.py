"""dots (``dots``): ``<invoke>`` elements, or one JSON call, in ``<dots_function_call>`` blocks::

    <dots_function_call>
    <invoke name="search">
    <parameter name="query">weather in Shanghai</parameter>
    </invoke>
    </dots_function_call>

As vLLM's ``DotsToolParser``: a block needs its closing tag; a block holds invokes or a JSON object
``{"name": ..., "arguments": {...}}``; names may be quoted; a value is stripped and typed by the tool's
schema (text when the schema says nothing: vLLM's default type is ``string``). Call names are checked
against the request's tools when it has some. Every search is bounded by the end of its block.

Streaming: an invoke's name goes out once its tag closes and each parameter once its ``</parameter>`` is
in, so an invoke cut off (by the end of the text, or a block closed without ``</invoke>``) keeps its
complete parameters, the cut-off one left out (vLLM's tests ask nothing of a cut-off block; its stream
sends invokes as they come). A JSON call counts once its block is closed.
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
    encode_arguments,
    make_call_id,
)
from hermes_core.parsing_partial import open_calls_view
from hermes_core.parsing_tags import JSON_ERRORS, json_document, scan_json
from hermes_core.parsing_values import convert_value, tool_property_types

BLOCK = "<dots_function_call>"
BLOCK_END = "</dots_function_call>"
INVOKE = "<invoke"
INVOKE_END = "</invoke>"
PARAMETER = "<parameter"
PARAMETER_END = "</parameter>"
_STRING = ("string",)
_WS = " \t\r\n"


def _attribute_name(text: str, start: int, end: int) -> tuple[str, int] | None:
    """``name=VALUE>`` at ``start`` (after the tag word): the unquoted value and the index after ``>``."""
    close = text.find(">", start, end)
    if close < 0:
        return None
    head = text[start:close].strip(_WS)
    if not head.startswith("name"):
        return None
    head = head[4:].lstrip(_WS)
    if not head.startswith("="):
        return None
    value = head[1:].strip(_WS)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value, close + 1


class DotsParser(ToolCallParser):
    """``<dots_function_call><invoke name=N><parameter name=K>V</parameter></invoke>...`` blocks."""

    name = "dots"
    start_markers = (BLOCK,)
    call_end_markers = (BLOCK_END,)  # a call that ended is sent at once when streaming

    def __init__(self, tools: list[dict[str, Any]] | None = None) -> None:
        super().__init__(tools)
        self._types = tool_property_types(self.tools) if self.tools else {}

    def partial_calls(self, text: str, pos: int):
        """``parse()`` of a cut-off text keeps the open invoke with its complete parameters: the certain
        view."""
        return open_calls_view(text, pos, lambda whole: self._read_with_starts(whole, pos))

    def _read_with_starts(self, text: str, resume: int) -> tuple[ParsedCompletion | None, list[int]]:
        starts: list[int] = []
        return self.extract(text, starts, resume), starts

    def extract(
        self, text: str, starts: list[int] | None = None, resume: int = -1
    ) -> ParsedCompletion | None:
        """``resume`` (streaming): the start of the last call an earlier read found (an invoke, or a JSON
        block's body), the calls before it ended: read on from there, so that each call is read once."""
        first = text.find(BLOCK)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        starts = [] if starts is None else starts
        doc = json_document(text)  # a failed JSON scan then costs O(1), however far into the text
        start = first
        if resume > first:  # inside the block that holds it: the rest of that block first
            end = text.find(BLOCK_END, resume)
            if text.startswith(INVOKE, resume):
                self._invokes(text, resume, len(text) if end < 0 else end, calls, starts)
            elif end >= 0:
                self._json(doc, resume, end, calls, starts)
            start = -1 if end < 0 else text.find(BLOCK, end + len(BLOCK_END))
        while start >= 0:
            end = text.find(BLOCK_END, start + len(BLOCK))
            stop = len(text) if end < 0 else end  # cut off: its complete invokes and parameters count
            body = start + len(BLOCK)
            while body < stop and text[body] in _WS:
                body += 1
            if text.startswith(INVOKE, body):
                self._invokes(text, body, stop, calls, starts)
            elif end >= 0:
                self._json(doc, body, end, calls, starts)
            if end < 0:
                break
            start = text.find(BLOCK, end + len(BLOCK_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _add(self, name: Any, arguments: Any, calls: list[ToolCall], starts: list[int], at: int) -> None:
        if type(name) is not str or not name.strip() or type(arguments) not in (dict, str):
            return
        if self._types and name not in self._types:
            return  # vLLM keeps only calls to the request's tools
        encoded = arguments if type(arguments) is str else encode_arguments(arguments)
        calls.append(ToolCall(make_call_id(), FunctionCall(name.strip(), encoded)))
        starts.append(at)

    def _json(self, doc: str, body: int, end: int, calls: list[ToolCall], starts: list[int]) -> None:
        try:
            obj, stop = scan_json(doc, body)
        except JSON_ERRORS:
            return
        if stop > end or str.strip(doc[stop:end], _WS) or type(obj) is not dict:
            return
        arguments = obj.get("arguments", obj.get("parameters", {})) or {}
        if type(arguments) is dict:
            self._add(obj.get("name"), arguments, calls, starts, body)

    def _invokes(self, text: str, pos: int, end: int, calls: list[ToolCall], starts: list[int]) -> None:
        find = text.find
        pos = find(INVOKE, pos, end)
        while pos >= 0:
            opened = _attribute_name(text, pos + len(INVOKE), end)
            invoke_end = find(INVOKE_END, pos, end)
            stop = end if invoke_end < 0 else invoke_end  # no ``</invoke>``: its parameters count
            if opened is None or opened[1] > stop:
                return
            name, body = opened
            types = self._types.get(name, {})
            arguments: list[tuple[str, Any]] = []  # every pair in order (a key written twice: both)
            param = find(PARAMETER, body, stop)
            while param >= 0:
                key = _attribute_name(text, param + len(PARAMETER), stop)
                value_end = find(PARAMETER_END, param, stop)
                if key is None or value_end < 0 or key[1] > value_end:
                    break
                raw = text[key[1] : value_end].strip(_WS)
                kinds = types.get(key[0])  # declared without a plain type ($ref, allOf): decoded untyped
                typed = convert_value(raw, kinds or (None if kinds is not None else _STRING))
                arguments.append((key[0], typed))
                param = find(PARAMETER, value_end + len(PARAMETER_END), stop)
            self._add(name, encode_argument_pairs(arguments), calls, starts, pos)
            if invoke_end < 0:
                return
            pos = find(INVOKE, invoke_end + len(INVOKE_END), end)
