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

    def extract(self, text: str) -> ParsedCompletion | None:
        first = text.find(BLOCK)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        doc = json_document(text)  # a failed JSON scan then costs O(1), however far into the text
        start = first
        while start >= 0:
            end = text.find(BLOCK_END, start + len(BLOCK))
            if end < 0:
                break  # no later block can close either
            body = start + len(BLOCK)
            while body < end and text[body] in _WS:
                body += 1
            if text.startswith(INVOKE, body):
                self._invokes(text, body, end, calls)
            else:
                self._json(doc, body, end, calls)
            start = text.find(BLOCK, end + len(BLOCK_END))
        if not calls:
            return None
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)

    def _add(self, name: Any, arguments: Any, calls: list[ToolCall]) -> None:
        if type(name) is not str or not name.strip() or type(arguments) is not dict:
            return
        if self._types and name not in self._types:
            return  # vLLM keeps only calls to the request's tools
        calls.append(ToolCall(make_call_id(), FunctionCall(name.strip(), encode_arguments(arguments))))

    def _json(self, doc: str, body: int, end: int, calls: list[ToolCall]) -> None:
        try:
            obj, stop = scan_json(doc, body)
        except JSON_ERRORS:
            return
        if stop > end or str.strip(doc[stop:end], _WS) or type(obj) is not dict:
            return
        arguments = obj.get("arguments", obj.get("parameters", {})) or {}
        self._add(obj.get("name"), arguments, calls)

    def _invokes(self, text: str, pos: int, end: int, calls: list[ToolCall]) -> None:
        find = text.find
        pos = find(INVOKE, pos, end)
        while pos >= 0:
            opened = _attribute_name(text, pos + len(INVOKE), end)
            invoke_end = find(INVOKE_END, pos, end)
            if opened is None or invoke_end < 0 or opened[1] > invoke_end:
                return
            name, body = opened
            types = self._types.get(name, {})
            arguments: dict[str, Any] = {}
            param = find(PARAMETER, body, invoke_end)
            while param >= 0:
                key = _attribute_name(text, param + len(PARAMETER), invoke_end)
                value_end = find(PARAMETER_END, param, invoke_end)
                if key is None or value_end < 0 or key[1] > value_end:
                    break
                raw = text[key[1] : value_end].strip(_WS)
                kinds = types.get(key[0])  # declared without a plain type ($ref, allOf): decoded untyped
                arguments[key[0]] = convert_value(raw, kinds or (None if kinds is not None else _STRING))
                param = find(PARAMETER, value_end + len(PARAMETER_END), invoke_end)
            self._add(name, arguments, calls)
            pos = find(INVOKE, invoke_end + len(INVOKE_END), end)
