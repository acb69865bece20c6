"""granite-20b-functioncalling: ``<function_call> {json}`` once per call.

::

    <function_call> {"name": "get_weather", "arguments": {"city": "Tokyo"}}
    <function_call> {"name": "get_time", "arguments": {"timezone": "Asia/Tokyo"}}

As in vLLM's ``Granite20bFCToolParser`` each object is read from just after its marker (text after it,
up to the next marker, is ignored), every object must be a call, and the text before the first marker
is the content.
"""

from __future__ import annotations

from hermes_core.parsing import ParsedCompletion, ToolCall, ToolCallParser, content_before
from hermes_core.parsing_tags import JSON_ERRORS, first_marker, scan_json
from hermes_parser_granite.calls import strict_call

BOT = "<function_call>"


class Granite20bFCParser(ToolCallParser):
    """IBM granite-20b-functioncalling: ``<function_call> {"name": ..., "arguments": ...}``, repeated."""

    name = "granite-20b-fc"
    aliases = ("granite_20b_fc",)
    start_markers = (BOT,)

    def extract(self, text: str) -> ParsedCompletion | None:
        first = first_marker(text, BOT)
        if first < 0:
            return None
        calls: list[ToolCall] = []
        n = len(text)
        pos = first
        while pos >= 0:
            body = pos + len(BOT)
            while body < n and text[body].isspace():
                body += 1
            try:
                obj, end = scan_json(text, body)
            except JSON_ERRORS:
                return None
            following = text.find(BOT, body)
            if 0 <= following < end:
                return None  # the object runs into the next marker: not what vLLM decodes
            call = strict_call(obj)
            if call is None:
                return None
            calls.append(call)
            pos = following
        return ParsedCompletion(content=content_before(text, first), tool_calls=calls)
